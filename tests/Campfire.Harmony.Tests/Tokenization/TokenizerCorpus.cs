using System.Text;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>Text samples covering the scripts and edge cases the tokenizer must match the peer on.</summary>
internal static class TokenizerCorpus
{
    public static readonly (string Name, string Text)[] Samples =
    [
        ("empty", ""),
        ("english", "The quick brown fox jumps over the lazy dog. It's 5 o'clock somewhere, isn't it?"),
        ("latin accents", "Ça va? Où êtes-vous? Ærøskøbing, Ångström, naïve café, señor, Łódź, Šibenik, Dvořák."),
        ("latin decomposed", "Cafe\u0301 nai\u0308ve A\u030Angstro\u0308m \u0301leading mark"),
        ("cyrillic", "Съешь же ещё этих мягких французских булок, да выпей чаю. ПРИВЕТ Мир"),
        ("greek", "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. ΑΒΓΔ αβγδ ΆΈΉ"),
        ("arabic", "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ١٢٣٤٥"),
        ("hebrew", "עטלף אבק נס דרך מזגן שהתפוצץ כי חם. שָׁלוֹם"),
        ("devanagari", "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम। १२३"),
        ("thai", "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน"),
        ("cjk", "我能吞下玻璃而不伤身体。日本語のテキスト、カタカナとひらがな。𠜎𠜱𠝹𠱓 漢字"),
        ("hangul", "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. ᄀᄁ"),
        ("emoji", "I ❤️ 🍕! 👍🏽👍🏿 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 😀😃😄 a😀b 😀abc"),
        ("math alphanumerics", "𝐀𝐁𝐂 𝑥𝑦𝑧 𝟙𝟚𝟛 ℕℤℚ ⅓ ² ½ Ⅻ"),
        ("code", "public static int Add(int a, int b) => a + b;\n\tif (x != null && y >= 0) { return x?.Value ?? -1; }\n// comment: path/to/file.cs\r\n"),
        ("python", "def f(x):\n    return [i**2 for i in range(x) if i % 2 == 0]\n\n\nclass A:\n    pass\n"),
        ("json", "{\"name\":\"Ada\",\"age\":36,\"tags\":[\"math\",\"code\"],\"nested\":{\"ok\":true,\"v\":null,\"f\":-1.5e-3}}"),
        ("numbers", "0 1 12 123 1234 12345 123456 1234567 12345678 123456789 1234567890 3.14159 -42 1,000,000 ٣٤٥ ๑๒๓"),
        ("spaces", "a  b   c    d     e\t\tf \t g  \n  h   "),
        ("newlines", "line1\nline2\r\nline3\r\rline4\n\n\nline5\r\n\r\n  \n \n"),
        ("trailing spaces", "end with spaces   "),
        ("leading spaces", "   start with spaces"),
        ("only whitespace", " \t \n \r\n \u00A0 \u2028 \u3000 "),
        ("nbsp", "a\u00A0b\u00A0\u00A0c \u00A0d\u00A0 e"),
        ("line separators", "a\u2028b\u2029c\u0085d\u000Be\u000Cf"),
        ("contractions lower", "it's don't we're you've I'm we'll he'd"),
        ("contractions upper", "IT'S DON'T WE'RE YOU'VE I'M WE'LL HE'D It'S dOn'T wE'Re"),
        ("contractions odd", "'s 't 're 'll x'  x'r x'l 'ſ ''s O'Neil rock'n'roll"),
        ("mixed case", "camelCaseWord PascalCase HTTPServer iOS eBay McDonald's ABCdef abcDEF"),
        ("titlecase", "ǅemal ǈubljana ǋ ᾈ"),
        ("modifier letters", "ʰʲʷ ʼn ˈstress ᵃᵇᶜ"),
        ("punctuation runs", "Hello!!! ... ??? --- *** /// \\\\ ((())) [[[ ]]] <<< >>> \"''\" `code`"),
        ("slashes and newlines", "a/b//c\n/d\n/\n/ e!/\n\n"),
        ("urls", "https://example.com/path?q=1&r=2#frag mailto:someone@example.org"),
        ("special literals", "<|start|>user<|message|>hi<|end|><|start|>assistant<|channel|>final<|message|>"),
        ("special lookalikes", "<|unknown|> <|start| |start|> <||> <|<|end|> <|reserved_201088|> <|reserved_200018|> <|endofprompt|> <|endoftext|>"),
        ("lone high surrogate", "a\uD800b"),
        ("lone low surrogate", "a\uDC00b"),
        ("reversed pair", "x\uDE00\uD83Dy"),
        ("lone surrogate at end", "end\uD83D"),
        ("lone surrogates with letters", "\uD800abc \uDBFFXYZ \uDC00 123"),
        ("replacement char", "\uFFFD \uFFFE \uFEFF zero\u200Bwidth\u200Djoiner"),
        ("control chars", "\u0000\u0001\u0007\u001B[0m\u007F\u0080\u009F"),
        ("long word", new string('a', 3000)),
        ("long digits", new string('7', 1001)),
        ("long spaces", new string(' ', 1000) + "x"),
        ("long punctuation", new string('!', 999)),
        ("long mixed run", string.Concat(Enumerable.Repeat("abcXYZ", 300))),
        ("long cjk", string.Concat(Enumerable.Repeat("我能吞下玻璃而不伤身体", 100))),
        ("long emoji", string.Concat(Enumerable.Repeat("👨‍👩‍👧‍👦", 100))),
        ("long no spaces", LongNoSpaces()),
    ];

    public static string Get(string name) => Samples.First(s => s.Name == name).Text;

    private static string LongNoSpaces()
    {
        var random = new Random(7);
        var builder = new StringBuilder();
        for (int i = 0; i < 5000; i++)
            builder.Append((char)('a' + random.Next(26)));
        return builder.ToString();
    }
}
