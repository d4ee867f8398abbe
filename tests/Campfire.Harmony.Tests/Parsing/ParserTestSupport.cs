using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Parsing;

internal static class ParserTestSupport
{
    public static O200kHarmonyTokenizer Tokenizer => O200kHarmonyTokenizer.Instance;

    /// <summary>Tokenizes Harmony text with every special token allowed (the reference's <c>allowed_special="all"</c>).</summary>
    public static int[] Encode(string text) => Tokenizer.EncodeToIds(text, allowSpecialTokens: true);

    public static int[] EncodeOrdinary(string text) => Tokenizer.EncodeToIds(text, allowSpecialTokens: false);

    public static string ConformancePath(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Conformance", .. parts]);

    /// <summary>Reads a reference test-data file the way the reference does (CRLF to LF, trailing whitespace trimmed).</summary>
    public static string LoadTestData(string name) =>
        File.ReadAllText(ConformancePath("harmony", name)).Replace("\r\n", "\n").TrimEnd();

    public static int[] ParseIds(string text) =>
        text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();

    public static string ToJson(ImmutableArray<Message> messages) => HarmonyJson.SerializeMessages(messages);

    /// <summary>Parses with one token per Read call, collecting messages with the public collector.</summary>
    public static HarmonyParseResult ParseTokenByToken(ReadOnlySpan<int> tokens, Role? role, ParseMode mode)
    {
        var parser = new HarmonyStreamParser(mode, role);
        var collector = new HarmonyMessageCollector();
        foreach (int token in tokens)
        {
            var kind = parser.Read(token);
            while (kind != HarmonyParserEventKind.None)
            {
                collector.Handle(ref parser, kind);
                kind = parser.Read();
            }
        }
        HarmonyParserEventKind end;
        while ((end = parser.ReadEndOfStream()) != HarmonyParserEventKind.None)
            collector.Handle(ref parser, end);
        return new HarmonyParseResult(collector.Messages, collector.Diagnostics);
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Re-serialises reference JSON (messages array) in our writer's canonical form.</summary>
    public static string Canonical(JsonElement messages) => ToJson(HarmonyJson.ReadMessages(messages));
}
