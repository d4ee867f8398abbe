using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Tokenization;
using Campfire.Native.Constraints;
using Campfire.Native.Exports;

namespace Campfire.Native.Tests.Native;

/// <summary>The constraint exports called as C calls them (through unmanaged function pointers), and the mask's size
/// and status code in campfire.h held to the library's.</summary>
public sealed unsafe partial class ConstraintExportTests
{
    private const string Conversation =
        """{"messages":[{"role":"developer","content":[{"type":"developer_content","tools":{"functions":{"name":"functions","tools":[{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"],"additionalProperties":false}}]}}}]},{"role":"user","content":"Weather in Oslo?"}]}""";

    private static readonly int MaskWords = TokenMask.WordCount(HarmonyTokens.VocabularySize);

    private static int[] Ids(string harmony) => O200kHarmonyTokenizer.Instance.EncodeToIds(harmony, allowSpecialTokens: true);

    private static nint CreateGrammar(string json)
    {
        delegate* unmanaged<byte*, nuint, nint*, int> create = &ConstraintExports.CreateGrammar;
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        nint grammar = 0;
        fixed (byte* p = utf8)
            Assert.Equal(0, create(p, (nuint)utf8.Length, &grammar));
        return grammar;
    }

    private static nint Start(nint grammar, ReadOnlySpan<int> forced = default)
    {
        delegate* unmanaged<nint, int*, nuint, nint*, int> start = &ConstraintExports.CreateConstraint;
        nint constraint = 0;
        fixed (int* p = forced)
            Assert.Equal(0, start(grammar, p, (nuint)forced.Length, &constraint));
        return constraint;
    }

    [Fact]
    public void A_host_loop_over_the_exports_accepts_a_valid_call_and_ends_complete()
    {
        delegate* unmanaged<nint, ulong*, nuint, int> fill = &ConstraintExports.FillMask;
        delegate* unmanaged<nint, int, int> accept = &ConstraintExports.Accept;
        delegate* unmanaged<nint, int*, int> complete = &ConstraintExports.IsComplete;
        delegate* unmanaged<nint, int> free = &ConstraintExports.FreeConstraint;
        delegate* unmanaged<nint, int> freeGrammar = &ConstraintExports.FreeGrammar;

        nint grammar = CreateGrammar(Conversation);
        nint constraint = Start(grammar);
        var mask = new ulong[MaskWords];
        int done = -1;
        fixed (ulong* m = mask)
        {
            foreach (int id in Ids("""<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Oslo", "days": 2}<|call|>"""))
            {
                Assert.Equal(0, fill(constraint, m, (nuint)mask.Length));
                Assert.True(TokenMask.IsAllowed(mask, id), $"id {id} not in the mask");
                Assert.Equal(0, complete(constraint, &done));
                Assert.Equal(0, done);
                Assert.Equal(0, accept(constraint, id));
            }
            Assert.Equal(0, complete(constraint, &done));
            Assert.Equal(1, done);
            Assert.Equal(0, fill(constraint, m, (nuint)mask.Length));
        }
        Assert.Equal(0, TokenMask.CountAllowed(mask));
        Assert.Equal(0, free(constraint));
        Assert.Equal((int)CampfireStatus.FreedHandle, free(constraint));
        Assert.Equal(0, freeGrammar(grammar));
    }

    [Fact]
    public void A_refused_id_is_token_not_allowed_and_changes_nothing()
    {
        delegate* unmanaged<nint, ulong*, nuint, int> fill = &ConstraintExports.FillMask;
        delegate* unmanaged<nint, int, int> accept = &ConstraintExports.Accept;
        nint constraint = Start(CreateGrammar(Conversation), Ids("<|channel|>commentary to=functions.get_weather<|message|>{\"city\": "));
        var before = new ulong[MaskWords];
        var after = new ulong[MaskWords];
        int number = Ids("42")[0];
        fixed (ulong* b = before)
        fixed (ulong* a = after)
        {
            Assert.Equal(0, fill(constraint, b, (nuint)before.Length));
            Assert.False(TokenMask.IsAllowed(before, number)); // city is a string
            Assert.Equal((int)CampfireStatus.TokenNotAllowed, accept(constraint, number));
            Assert.Contains($"token {number} is not allowed", LastError.Message);
            Assert.Equal((int)CampfireStatus.UnknownToken, accept(constraint, HarmonyTokens.VocabularySize));
            Assert.Equal(0, fill(constraint, a, (nuint)after.Length));
        }
        Assert.Equal(before, after);
        Assert.Equal(0, accept(constraint, Ids("\"")[0]));
    }

    [Fact]
    public void A_short_mask_buffer_is_buffer_too_small_and_left_untouched()
    {
        delegate* unmanaged<nint, ulong*, nuint, int> fill = &ConstraintExports.FillMask;
        nint constraint = Start(CreateGrammar(Conversation));
        var mask = new ulong[MaskWords];
        Array.Fill(mask, 0xABABABABABABABABUL);
        fixed (ulong* m = mask)
        {
            Assert.Equal((int)CampfireStatus.BufferTooSmall, fill(constraint, m, (nuint)(MaskWords - 1)));
            Assert.Contains($"needs {MaskWords} words", LastError.Message);
            Assert.Equal((int)CampfireStatus.BufferTooSmall, fill(constraint, null, 0));
            Assert.Equal((int)CampfireStatus.NullPointer, fill(constraint, null, 4));
        }
        Assert.All(mask, word => Assert.Equal(0xABABABABABABABABUL, word));
    }

    [Fact]
    public void Filling_and_accepting_allocate_nothing_per_token_once_warm()
    {
        var grammar = HarmonyTokenGrammar.ForConversation(Campfire.Harmony.Json.HarmonyJson.ParseConversation(Encoding.UTF8.GetBytes(Conversation)));
        int[] ids = Ids("""<|channel|>analysis<|message|>Checking the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Oslo", "days": 12}<|call|>""");
        var mask = new ulong[MaskWords];
        void Run()
        {
            var constraint = new NativeConstraint(grammar.Start());
            foreach (int id in ids)
            {
                Assert.Equal(0, constraint.FillMask(mask));
                Assert.Equal(0, constraint.Accept(id));
            }
        }
        for (int i = 0; i < 3; i++) Run();
        // A constraint allocates its JSON scratch once, at its first JSON content (per sequence, not per token): the
        // measured part starts after the first token of the call's arguments.
        int firstJson = Array.LastIndexOf(ids, HarmonyTokens.Message) + 1;
        var warm = new NativeConstraint(grammar.Start());
        foreach (int id in ids.AsSpan(0, firstJson + 1))
        {
            warm.FillMask(mask);
            warm.Accept(id);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (int id in ids.AsSpan(firstJson + 1))
        {
            warm.FillMask(mask);
            warm.Accept(id);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(ids.Length - firstJson > 8);
        Assert.True(warm.IsComplete);
    }

    [Fact]
    public void A_bad_conversation_or_schema_is_reported_with_its_status()
    {
        delegate* unmanaged<byte*, nuint, nint*, int> create = &ConstraintExports.CreateGrammar;
        nint grammar = 0;
        foreach (var (json, status) in new[]
                 {
                     ("{\"messages\": [", CampfireStatus.MalformedJson),
                     ("""{"messages":[{"role":"developer","content":[{"type":"developer_content","tools":{"functions":{"name":"functions","tools":[{"name":"f","description":"d","parameters":{"type":"no-such-type"}}]}}}]}]}""", CampfireStatus.InvalidConversation),
                 })
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(json);
            fixed (byte* p = utf8)
                Assert.Equal((int)status, create(p, (nuint)utf8.Length, &grammar));
        }
        Assert.Equal((int)CampfireStatus.NullPointer, create(null, 0, null));
    }

    [GeneratedRegex(@"^#define CAMPFIRE_MASK_WORDS\s+(?<n>[0-9]+)\b", RegexOptions.Multiline)]
    private static partial Regex MaskWordsDefine();

    [GeneratedRegex(@"^#define CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED\s+(?<n>[0-9]+)\b", RegexOptions.Multiline)]
    private static partial Regex TokenNotAllowedDefine();

    [Fact]
    public void The_header_states_the_mask_size_and_the_new_status_as_the_library_has_them()
    {
        string header = File.ReadAllText(HeaderPath());
        Assert.Equal(MaskWords, int.Parse(MaskWordsDefine().Match(header).Groups["n"].Value, CultureInfo.InvariantCulture));
        Assert.Equal((int)CampfireStatus.TokenNotAllowed, int.Parse(TokenNotAllowedDefine().Match(header).Groups["n"].Value, CultureInfo.InvariantCulture));
    }

    private static string HeaderPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Campfire.Core.sln")))
                return Path.Combine(directory.FullName, "native", "include", "campfire.h");
        }
        throw new InvalidOperationException($"no Campfire.Core.sln above {AppContext.BaseDirectory}");
    }
}
