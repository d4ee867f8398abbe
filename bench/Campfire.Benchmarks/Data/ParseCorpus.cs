using System.Text;

namespace Campfire.Benchmarks.Data;

/// <summary>
/// The shared parser input: a deterministic ~4,400-token gpt-oss completion (after the <c>&lt;|start|&gt;assistant</c>
/// prefill) with multilingual analysis, function and browser tool calls with their replies, and a final answer.
/// Built from fixed text and a fixed-seed generator, so every run (benchmarks, tests) sees the same tokens; the
/// text is also committed as completion-4400.harmony.txt.
/// </summary>
public static class ParseCorpus
{
    public const string FileName = "completion-4400.harmony.txt";

    private static readonly string[] Reasoning =
    [
        "The user wants a comparison of the weather in several cities and a short travel recommendation.",
        "Der Nutzer fragt nach dem Wetter in Berlin, München und Hamburg; ich sollte die Funktion aufrufen.",
        "L'utilisateur souhaite aussi savoir s'il fera beau à Paris ce week-end — vérifions les prévisions.",
        "Пользователь спрашивает о погоде в Москве и Санкт-Петербурге; нужно вызвать инструмент.",
        "ユーザーは東京と大阪の天気を知りたがっている。関数を呼び出して確認しよう。",
        "用户还想知道北京和上海的空气质量，以及是否适合户外活动。",
        "المستخدم يسأل عن الطقس في القاهرة ودبي، ويجب أن أتحقق من درجات الحرارة.",
        "उपयोगकर्ता दिल्ली और मुंबई के मौसम के बारे में पूछ रहा है; मुझे उपकरण का उपयोग करना चाहिए।",
        "Let me double-check: 23 °C ± 2 °C, humidity 65 %, wind 12 km/h NNE — plausible for late spring. 🌤️",
        "Edge cases: naïve café façade, Ærøskøbing, Łódź, İstanbul, and emoji like 👩‍👩‍👧 or 🇯🇵 must survive.",
    ];

    private static readonly string[] Cities =
        ["Berlin", "München", "Paris", "Москва", "東京", "北京", "القاهرة", "दिल्ली", "São Paulo", "Zürich"];

    private static readonly string[] Answers =
    [
        "Here is the overview you asked for:",
        "| City | Today | Tomorrow |\n|---|---|---|",
        "Berlin: 18 °C, leicht bewölkt. München: 21 °C, sonnig.",
        "Paris : 22 °C, ensoleillé ; idéal pour une promenade.",
        "Москва: 15 °C, дождь. Токио: 24 °C, ясно — 晴れ。",
        "北京：26°C，多云；上海：28°C，有阵雨。",
        "القاهرة: ٣٤ درجة، مشمس. दिल्ली: 38 °C, गर्म और उमस भरा।",
        "My recommendation: visit Paris or Tokyo this weekend. 🌍✈️",
    ];

    /// <summary>The completion as Harmony text (special tokens as their literals).</summary>
    public static string BuildText()
    {
        var random = new Random(20261125);
        var text = new StringBuilder();
        int round = 0;
        while (text.Length < 15_900)
        {
            text.Append(round == 0 ? "" : "<|start|>assistant");
            text.Append("<|channel|>analysis<|message|>");
            for (int i = 0; i < 6; i++)
            {
                text.Append(Reasoning[random.Next(Reasoning.Length)]);
                text.Append(i % 3 == 2 ? "\n\n" : " ");
            }
            text.Append("<|end|>");

            string city = Cities[random.Next(Cities.Length)];
            if (round % 2 == 0)
            {
                text.Append("<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>");
                text.Append($"{{\"location\": \"{city}\", \"unit\": \"celsius\", \"days\": {1 + random.Next(7)}}}<|call|>");
                text.Append("<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>");
                text.Append($"{{\"location\": \"{city}\", \"temperature\": {random.Next(-5, 38)}, \"conditions\": \"partly cloudy\", \"humidity\": {random.Next(20, 95)}}}<|end|>");
            }
            else
            {
                text.Append("<|start|>assistant<|channel|>analysis to=browser.search code<|message|>");
                text.Append($"{{\"query\": \"weather forecast {city} weekend\", \"topn\": 5, \"source\": \"news\"}}<|call|>");
                text.Append("<|start|>browser.search to=assistant<|channel|>commentary<|message|>");
                text.Append($"【{round}†Weather in {city}†example.com】 Sunny spells, highs near {random.Next(10, 35)} °C; showers possible later.<|end|>");
            }
            round++;
        }
        text.Append("<|start|>assistant<|channel|>final<|message|>");
        for (int i = 0; i < Answers.Length; i++)
        {
            text.Append(Answers[i]);
            text.Append('\n');
        }
        text.Append("<|return|>");
        return text.ToString();
    }
}
