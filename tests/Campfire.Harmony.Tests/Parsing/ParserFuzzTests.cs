using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>
/// Fuzz: mutated completions (token insertions, deletions, swaps, random special tokens, ids outside the vocabulary,
/// truncation) never make the parser throw anything but <see cref="HarmonyParseException"/>, never hang, and never
/// make lenient mode throw at all. A fixed seed and 5,000 inputs per mode here; set CAMPFIRE_PARSER_FUZZ=full for the
/// full 100,000 per mode.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int CiCount = 5_000;
    private const int FullCount = 100_000;

    private static readonly int[] Specials =
    [
        HarmonyTokens.Start, HarmonyTokens.End, HarmonyTokens.Message, HarmonyTokens.Channel, HarmonyTokens.Constrain,
        HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.StartOfText, HarmonyTokens.EndOfText,
        HarmonyTokens.EndOfPrompt, 200004, 200014, 201087,
    ];

    private static int Count => Environment.GetEnvironmentVariable("CAMPFIRE_PARSER_FUZZ") == "full" ? FullCount : CiCount;

    [Theory]
    [InlineData(ParseMode.Strict, 11)]
    [InlineData(ParseMode.NonStrict, 22)]
    [InlineData(ParseMode.Lenient, 33)]
    public void Mutated_completions_only_ever_raise_HarmonyParseException(ParseMode mode, int seed)
    {
        var result = Run(mode, Count, seed);
        Assert.True(result.Parsed + result.Refused == Count);
        Assert.True(result.Parsed > 0);
        if (mode == ParseMode.Lenient)
            Assert.Equal(0, result.Refused);
        else
            Assert.True(result.Refused > 0, "the fuzzer should produce inputs the grammar refuses");
    }

    public readonly record struct FuzzResult(int Parsed, int Refused);

    /// <summary>Runs <paramref name="count"/> mutated inputs through the batch parser and the token-by-token parser.</summary>
    public static FuzzResult Run(ParseMode mode, int count, int seed)
    {
        var random = new Random(seed);
        var seeds = ParserConformanceTests.AllCases.Select(c => c.Tokens).Append(ParserCorpusTests.CorpusTokens.Value[..600]).ToArray();
        int parsed = 0, refused = 0;
        for (int i = 0; i < count; i++)
        {
            int[] input = Mutate(seeds[random.Next(seeds.Length)], random);
            Role? role = random.Next(4) == 0 ? null : Role.Assistant;
            var limits = random.Next(16) == 0 ? new HarmonyParserLimits(MaxHeaderBytes: 64, MaxMessageBytes: 256) : default;
            string batch;
            try
            {
                var r = HarmonyCompletionParser.Parse(input, role, mode, limits);
                batch = ParserTestSupport.ToJson(r.Messages);
                parsed++;
            }
            catch (HarmonyParseException e)
            {
                batch = $"error at {e.TokenIndex}";
                refused += limits == default ? 1 : 0;
                parsed += limits == default ? 0 : 1;
                if (mode == ParseMode.Lenient && limits == default)
                    throw new Xunit.Sdk.XunitException($"lenient mode refused input {i}: {e.Message}");
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"input {i} ({mode}, seed {seed}) threw {e.GetType().Name}: {e.Message}\n[{string.Join(", ", input)}]");
            }
            if (i % 8 == 0)
            {
                string streamed;
                try
                {
                    streamed = ParserTestSupport.ToJson(ParserTestSupport.ParseTokenByToken(input, role, mode).Messages);
                }
                catch (HarmonyParseException e)
                {
                    streamed = $"error at {e.TokenIndex}";
                }
                if (limits == default && streamed != batch)
                    throw new Xunit.Sdk.XunitException($"input {i}: token by token differs from batch\n{streamed}\n{batch}");
            }
        }
        return new FuzzResult(parsed, refused);
    }

    private static int[] Mutate(int[] source, Random random)
    {
        var tokens = new List<int>(source);
        int edits = 1 + random.Next(6);
        for (int e = 0; e < edits; e++)
        {
            int at = tokens.Count == 0 ? 0 : random.Next(tokens.Count);
            switch (random.Next(7))
            {
                case 0:
                    tokens.Insert(at, Specials[random.Next(Specials.Length)]);
                    break;
                case 1:
                    tokens.Insert(at, random.Next(HarmonyTokens.VocabularySize));
                    break;
                case 2:
                    if (tokens.Count > 0)
                        tokens.RemoveAt(at);
                    break;
                case 3:
                    if (tokens.Count > 1)
                    {
                        int other = random.Next(tokens.Count);
                        (tokens[at], tokens[other]) = (tokens[other], tokens[at]);
                    }
                    break;
                case 4:
                    if (tokens.Count > 0)
                        tokens[at] = Specials[random.Next(Specials.Length)];
                    break;
                case 5:
                    tokens.RemoveRange(at, tokens.Count - at);
                    break;
                default:
                    tokens.Insert(at, random.Next(3) switch { 0 => -1, 1 => HarmonyTokens.VocabularySize + random.Next(1000), _ => 9552 });
                    break;
            }
        }
        return [.. tokens];
    }
}

/// <summary>Fuzz of the text parser: damaged UTF-8 Harmony text (split literals, stray bars, bad bytes) read in random pieces.</summary>
public sealed class TextParserFuzzTests
{
    private static readonly byte[][] Fragments =
    [
        "<|"u8.ToArray(), "|>"u8.ToArray(), "<"u8.ToArray(), "|"u8.ToArray(), "<|channel|>"u8.ToArray(), "<|message|>"u8.ToArray(),
        "<|end|>"u8.ToArray(), "<|start|>"u8.ToArray(), "<|constrain|>"u8.ToArray(), "<|reserved_200017|>"u8.ToArray(),
        "<|nope|>"u8.ToArray(), [0xFF], [0xE6, 0x97], [0xF0, 0x9F, 0x98], "to="u8.ToArray(), " "u8.ToArray(),
    ];

    [Theory]
    [InlineData(ParseMode.Strict, 5)]
    [InlineData(ParseMode.NonStrict, 6)]
    [InlineData(ParseMode.Lenient, 7)]
    public async Task Damaged_text_only_ever_raises_HarmonyParseException(ParseMode mode, int seed)
    {
        var random = new Random(seed);
        var sources = ParserConformanceTests.AllCases.Take(60).Select(c => ParserConformanceTests.DecodeToUtf8(c.Tokens)).ToArray();
        int count = Environment.GetEnvironmentVariable("CAMPFIRE_PARSER_FUZZ") == "full" ? 20_000 : 1_000;
        for (int i = 0; i < count; i++)
        {
            var bytes = new List<byte>(sources[random.Next(sources.Length)]);
            for (int e = 1 + random.Next(5); e > 0; e--)
            {
                int at = random.Next(bytes.Count + 1);
                switch (random.Next(3))
                {
                    case 0:
                        bytes.InsertRange(at, Fragments[random.Next(Fragments.Length)]);
                        break;
                    case 1:
                        if (at < bytes.Count)
                            bytes.RemoveRange(at, Math.Min(1 + random.Next(8), bytes.Count - at));
                        break;
                    default:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                }
            }
            byte[] input = [.. bytes];
            try
            {
                var whole = HarmonyTextParser.Parse(input, Role.Assistant, mode);
                var reader = System.IO.Pipelines.PipeReader.Create(new MemoryStream(input), new System.IO.Pipelines.StreamPipeReaderOptions(bufferSize: 1 + random.Next(64), minimumReadSize: 1));
                var pieces = await HarmonyTextParser.ParseAsync(reader, Role.Assistant, mode);
                Assert.Equal(ParserTestSupport.ToJson(whole.Messages), ParserTestSupport.ToJson(pieces.Messages));
            }
            catch (HarmonyParseException) when (mode != ParseMode.Lenient)
            {
            }
        }
    }
}
