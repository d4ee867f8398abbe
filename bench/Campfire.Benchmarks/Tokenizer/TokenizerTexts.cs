using System.Text;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>The text a tokenizer benchmark encodes.</summary>
public enum Corpus
{
    /// <summary>English prose: paragraphs of ordinary sentences.</summary>
    Prose,

    /// <summary>Mixed scripts: Latin with accents, Cyrillic, Greek, Arabic, Devanagari, CJK, Hangul, emoji, numbers.</summary>
    Multilingual,
}

/// <summary>
/// Deterministic benchmark inputs: fixed sentences shuffled with a fixed seed, so every run encodes the same text.
/// </summary>
public static class TokenizerTexts
{
    const int Seed = 20261125;

    static readonly string[] English =
    [
        "The committee met on Tuesday to review the budget for the coming year.",
        "After a long winter, the river finally broke through the ice near the old mill.",
        "She wrote three letters before breakfast and posted them on her way to the station.",
        "Nobody expected the small bakery on the corner to win the national prize.",
        "If the weather holds, we will walk along the coast as far as the lighthouse.",
        "The report, which ran to 240 pages, was summarised in a single paragraph.",
        "He couldn't remember whether he'd locked the door, so he went back to check.",
        "Volunteers planted 1,500 trees along the motorway in less than a week.",
        "In the afternoon the library was quiet except for the ticking of the clock.",
        "Prices rose by 3.2% in March, slightly faster than analysts had predicted.",
        "The museum's new wing houses paintings that haven't been shown in decades.",
        "Keep the patient warm, check their breathing, and call for help immediately.",
        "Our train was delayed by forty minutes because of a signal failure outside town.",
        "They argued about the ending of the film all the way home.",
        "Most of the village still draws its water from a well dug in the eighteenth century.",
        "When the lights went out, the orchestra simply kept playing in the dark.",
    ];

    static readonly string[] Mixed =
    [
        "Der Ausschuss hat am Dienstag den Haushalt für das kommende Jahr geprüft; Änderungen folgen später.",
        "Ça va ? Où êtes-vous ? Le café de la façade a rouvert après les travaux de l'été.",
        "Съешь же ещё этих мягких французских булок, да выпей чаю — сказал он утром.",
        "Η επιτροπή συνεδρίασε την Τρίτη για να εξετάσει τον προϋπολογισμό του επόμενου έτους.",
        "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر، ١٢٣٤٥ مرة.",
        "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले भगवान श्रीराम।",
        "我能吞下玻璃而不伤身体。今天北京的空气质量很好，适合户外活动。",
        "日本語のテキスト、カタカナとひらがなを含む文章です。東京は晴れ。",
        "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.",
        "Emoji and flags: I ❤️ 🍕! 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 — 23 °C ± 2 °C.",
        "Łódź, İstanbul, Ærøskøbing, São Paulo, Zürich and Dvořák's symphony no. 9.",
        "The quick brown fox jumps over the lazy dog; it's 5 o'clock somewhere.",
    ];

    /// <summary>Sentences of <paramref name="corpus"/> in a fixed shuffled order, until at least <paramref name="minChars"/> chars.</summary>
    public static string Build(Corpus corpus, int minChars)
    {
        var sentences = corpus == Corpus.Prose ? English : Mixed;
        var random = new Random(Seed);
        var text = new StringBuilder(minChars + 256);
        var inParagraph = 0;
        while (text.Length < minChars)
        {
            text.Append(sentences[random.Next(sentences.Length)]);
            if (++inParagraph == 5)
            {
                text.Append("\n\n");
                inParagraph = 0;
            }
            else
            {
                text.Append(' ');
            }
        }
        return text.ToString();
    }

    /// <summary>The no-space worst case: random lower-case letters, one regex piece of <paramref name="length"/> chars.</summary>
    public static string NoSpaces(int length)
    {
        var random = new Random(Seed);
        return string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = (char)('a' + r.Next(26));
        });
    }

    /// <summary>The other worst case: one character repeated.</summary>
    public static string RepeatedCharacter(int length) => new('a', length);
}
