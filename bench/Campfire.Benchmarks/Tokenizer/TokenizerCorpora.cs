using System.Text;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>Deterministic benchmark texts: varied English prose, mixed-script text and the two worst cases.</summary>
internal static class TokenizerCorpora
{
    public const string English = "English";
    public const string Multilingual = "Multilingual";
    public const string Prose1MB = "Prose1MB";
    public const string NoSpaces1MB = "NoSpaces1MB";
    public const string RepeatedChar1MB = "RepeatedChar1MB";

    private static readonly string[] EnglishWords =
    [
        "the", "of", "and", "to", "in", "that", "it", "was", "for", "on", "are", "with", "they", "be", "at", "one", "have",
        "this", "from", "by", "hot", "word", "but", "what", "some", "is", "you", "or", "had", "were", "which", "their",
        "time", "people", "history", "government", "revolution", "constitution", "institution", "scholarship", "decades",
        "continuity", "everyday", "emphasize", "complicated", "region", "effects", "historians", "agree", "modern",
        "economy", "railway", "telegraph", "parliament", "harvest", "merchant", "villages", "cities", "winter", "river",
        "Europe", "London", "Paris", "Vienna", "Berlin", "Tuesday", "September", "It's", "don't", "weren't", "they're",
    ];

    private static readonly string[] Sentences =
    [
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "我能吞下玻璃而不伤身体。日本語のテキストとカタカナ、ひらがな。",
        "नमस्ते दुनिया, यह एक परीक्षण वाक्य है जो देवनागरी में लिखा गया है।",
        "مرحبا بالعالم، هذا نص تجريبي مكتوب باللغة العربية.",
        "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία των ανθρώπων.",
        "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.",
        "Ça va très bien, merci ! Où est la bibliothèque municipale ?",
        "Größere Änderungen wurden übernächste Woche besprochen.",
        "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
        "עטלף אבק נס דרך מזגן שהתפוצץ כי חם.",
        "The meeting moved to 14:30 on 2024-05-17 👍🏽 see you there!",
    ];

    private static readonly Dictionary<string, string> Texts = new()
    {
        [English] = BuildEnglish(100_000, seed: 1),
        [Multilingual] = BuildMultilingual(100_000, seed: 2),
        [Prose1MB] = BuildEnglish(1 << 20, seed: 3),
        [NoSpaces1MB] = BuildNoSpaces(1 << 20, seed: 4),
        [RepeatedChar1MB] = new string('a', 1 << 20),
    };

    public static string Get(string name) => Texts[name];

    public static int Utf8Length(string name) => Encoding.UTF8.GetByteCount(Texts[name]);

    private static string BuildEnglish(int length, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder(length + 200);
        while (builder.Length < length)
        {
            int words = random.Next(6, 22);
            for (int i = 0; i < words; i++)
            {
                string word = EnglishWords[random.Next(EnglishWords.Length)];
                builder.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
                builder.Append(random.Next(12) == 0 ? ", " : " ");
            }
            builder.Length--;
            builder.Append(random.Next(5) == 0 ? (random.Next(2) == 0 ? " in " + random.Next(1000, 2100) + ".\n" : ".\n\n") : ". ");
        }
        return builder.ToString(0, length);
    }

    private static string BuildMultilingual(int length, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder(length + 200);
        while (builder.Length < length)
        {
            builder.Append(Sentences[random.Next(Sentences.Length)]);
            builder.Append(random.Next(4) == 0 ? "\n" : " ");
        }
        return builder.ToString(0, length);
    }

    private static string BuildNoSpaces(int length, int seed)
    {
        var random = new Random(seed);
        var chars = new char[length];
        for (int i = 0; i < chars.Length; i++)
            chars[i] = (char)('a' + random.Next(26));
        return new string(chars);
    }
}
