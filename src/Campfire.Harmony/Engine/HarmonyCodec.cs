using System.Collections.Immutable;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Engine;

/// <summary>Binds the engine to the o200k_harmony tokenizer, <see cref="HarmonyRenderer"/> and the Harmony parser
/// (lenient mode: repairs what sampled models get wrong and reports each repair).</summary>
internal sealed class HarmonyCodec : IHarmonyCodec
{
    public static HarmonyCodec Instance { get; } = new();

    public IncrementalRenderer CreateRenderer(bool autoDropAnalysis) =>
        new(HarmonyRenderer.Default, autoDropAnalysis ? RenderOptions.Default : RenderOptions.KeepAnalysis);

    public ImmutableArray<int> StopTokensForAssistantActions => HarmonyRenderer.StopTokensForAssistantActions;

    public CodecParseResult ParseLenient(ReadOnlySpan<int> tokens, Role? prefillRole)
    {
        try
        {
            var result = HarmonyCompletionParser.Parse(tokens, prefillRole, ParseMode.Lenient);
            return new CodecParseResult(result.Messages, [.. result.Diagnostics.Select(d => d.ToString())]);
        }
        catch (HarmonyParseException e)
        {
            // Even lenient parsing gives up on some input (limits exceeded); keep what was complete and say why.
            return new CodecParseResult(e.CompletedMessages, [$"parse stopped at token {e.TokenIndex}: {e.Message}"]);
        }
    }

    public ICompletionDeltaStream CreateDeltaStream(bool withDeltas) => new DeltaStream(withDeltas);

    public string Decode(ReadOnlySpan<int> ids) => O200kHarmonyTokenizer.Instance.Decode(ids);

    public ImmutableArray<int> EncodeHeaderText(string text) => [.. O200kHarmonyTokenizer.Instance.EncodeToIds(text)];

    public int StartTokenId => HarmonyTokens.Start;

    /// <summary>The one parse of a completion: <see cref="HarmonyStreamParser"/> (lenient) feeding a
    /// <see cref="HarmonyMessageCollector"/>, with the content deltas and the channel and recipient of the message they
    /// belong to. A forced header pushed first is parsed as part of the completion.</summary>
    private sealed class DeltaStream(bool withDeltas) : ICompletionDeltaStream
    {
        // Most deltas are exactly one token's text; their strings are made once per process and shared.
        private static readonly string?[] TokenText = new string?[HarmonyTokens.VocabularySize];

        private HarmonyStreamParser _parser = new(ParseMode.Lenient, Role.Assistant);
        private readonly HarmonyMessageCollector _collector = new();
        private readonly int[] _one = new int[1];
        private string? _channel;
        private string? _recipient;
        private string? _stopped;

        public bool Push(int token, out StreamDelta delta)
        {
            delta = default;
            if (_stopped is not null) return false;
            _one[0] = token;
            string? text = null;
            var position = 0;
            try
            {
                while (true)
                {
                    var kind = _parser.Read(_one.AsSpan(position), out var consumed);
                    position += consumed;
                    if (kind == HarmonyParserEventKind.None) break;
                    _collector.Handle(ref _parser, kind);
                    switch (kind)
                    {
                        case HarmonyParserEventKind.HeaderComplete:
                            _channel = _parser.GetChannel();
                            _recipient = _parser.GetRecipient();
                            break;
                        case HarmonyParserEventKind.ContentDelta when withDeltas:
                            var piece = Text(token, _parser.ContentDelta);
                            text = text is null ? piece : text + piece;
                            break;
                        case HarmonyParserEventKind.MessageStarted:
                            _channel = null;
                            _recipient = null;
                            break;
                    }
                }
            }
            catch (HarmonyParseException e)
            {
                // Even lenient parsing gives up on some input (limits exceeded); keep what was complete and say why.
                _stopped = $"parse stopped at token {e.TokenIndex}: {e.Message}";
                throw;
            }
            delta = new StreamDelta(_channel, _recipient, text ?? "");
            return text is { Length: > 0 };
        }

        public CodecParseResult Finish()
        {
            if (_stopped is null)
            {
                try
                {
                    HarmonyParserEventKind end;
                    while ((end = _parser.ReadEndOfStream()) != HarmonyParserEventKind.None)
                        _collector.Handle(ref _parser, end);
                }
                catch (HarmonyParseException e)
                {
                    _stopped = $"parse stopped at token {e.TokenIndex}: {e.Message}";
                }
            }
            if (_stopped is not null) return new CodecParseResult(_collector.Messages, [_stopped]);
            var diagnostics = _collector.Diagnostics;
            if (diagnostics.IsEmpty) return new CodecParseResult(_collector.Messages, []);
            var texts = ImmutableArray.CreateBuilder<string>(diagnostics.Length);
            foreach (var d in diagnostics) texts.Add(d.ToString());
            return new CodecParseResult(_collector.Messages, texts.MoveToImmutable());
        }

        private static string Text(int token, ReadOnlySpan<byte> utf8)
        {
            if ((uint)token >= (uint)TokenText.Length || !O200kHarmonyTokenizer.Instance.IsValidId(token))
                return Encoding.UTF8.GetString(utf8);
            if (TokenText[token] is { } cached && utf8.SequenceEqual(O200kHarmonyTokenizer.Instance.GetTokenBytes(token)))
                return cached;
            var text = Encoding.UTF8.GetString(utf8);
            if (utf8.SequenceEqual(O200kHarmonyTokenizer.Instance.GetTokenBytes(token))) TokenText[token] = text;
            return text;
        }
    }
}
