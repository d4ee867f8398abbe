using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;
using static Campfire.Harmony.Tests.Constraints.ConstraintTestKit;

namespace Campfire.Harmony.Tests.Constraints;

public class HarmonyTokenGrammarTests
{
    [Theory]
    [InlineData("<|channel|>final<|message|>Hello there.<|return|>")]
    [InlineData("<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Done.<|return|>")]
    [InlineData("<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Paris\"}<|call|>")]
    [InlineData(" to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Tokyo\", \"unit\": \"celsius\", \"days\": 3}<|call|>")]
    [InlineData("<|channel|>analysis to=browser.search code<|message|>{\"query\": \"choking first aid\", \"topn\": 3}<|call|>")]
    [InlineData("<|channel|>analysis to=browser.open code<|message|>{\"cursor\": 0, \"id\": \"https://x.org/a?b=\\\"c\\\"\", \"loc\": -1.5e3}<|call|>")]
    public void AllowsEveryTokenOfAValidCompletion(string completion)
    {
        var ids = Ids(completion);
        var constraint = WeatherGrammar().Start();
        int refused = FirstRefused(constraint, ids);
        Assert.True(refused < 0, refused < 0 ? "" : Describe(ids, refused));
        Assert.True(constraint.IsComplete);
    }

    [Theory]
    [InlineData("<|channel|>final<|message|>Hi<|call|>")]                    // call without a recipient
    [InlineData("<|channel|>analysis<|message|>Hi<|return|>")]               // return outside final
    [InlineData("<|channel|>chat<|message|>")]                               // unknown channel
    [InlineData(" to=functions.get_time<|channel|>commentary<|message|>")]   // unregistered tool
    [InlineData("<|message|>Hi")]                                            // channel required by the system message
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"unit\":\"celsius\"}<|call|>")] // required property missing
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"a\",\"wind\":1}")] // undeclared property
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"a\",\"unit\":\"kelvin\"}")] // not in the enum
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"a\",\"days\":2.5}")] // integer
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"a\",\"location\":\"b\"}")] // duplicate key
    [InlineData(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"a\"}<|end|>")] // a call ends with <|call|>
    [InlineData("<|channel|>final<|message|>Hi<|end|><|channel|>")]          // <|start|>assistant must follow <|end|>
    [InlineData("<|channel|>final<|message|>Hi<|return|><|start|>")]          // nothing after the end of the turn
    public void RefusesAnInvalidCompletionAtTheFirstWrongToken(string completion)
    {
        var ids = Ids(completion);
        var constraint = WeatherGrammar().Start();
        Assert.True(FirstRefused(constraint, ids) >= 0);
    }

    [Fact]
    public void RefusedTokenLeavesTheStateAsItWas()
    {
        var constraint = WeatherGrammar().Start();
        var prefix = Ids(" to=functions.get_weather<|channel|>commentary<|message|>{\"location\":\"Par");
        Assert.Equal(-1, FirstRefused(constraint, prefix));
        var before = new ulong[TokenMask.WordCount(constraint.VocabularySize)];
        constraint.WriteAllowedTokens(before);
        Assert.False(constraint.TryAccept(HarmonyTokens.Call));
        Assert.False(constraint.TryAccept(Ids("\n")[0]));
        Assert.False(constraint.TryAccept(-1));
        Assert.False(constraint.TryAccept(HarmonyTokens.VocabularySize));
        var after = new ulong[before.Length];
        constraint.WriteAllowedTokens(after);
        Assert.Equal(before, after);
        Assert.Equal(-1, FirstRefused(constraint, Ids("is\"}<|call|>")));
        Assert.True(constraint.IsComplete);
    }

    [Fact]
    public void MaskShorterThanTheVocabularyThrowsArgumentException()
    {
        var constraint = WeatherGrammar().Start();
        var mask = new ulong[TokenMask.WordCount(constraint.VocabularySize) - 1];
        var error = Assert.Throws<ArgumentException>(() => constraint.WriteAllowedTokens(mask));
        Assert.Equal("mask", error.ParamName);
    }

    [Fact]
    public void LongerMaskHasItsExtraWordsCleared()
    {
        var constraint = WeatherGrammar().Start();
        var mask = Enumerable.Repeat(ulong.MaxValue, TokenMask.WordCount(constraint.VocabularySize) + 2).ToArray();
        constraint.WriteAllowedTokens(mask);
        Assert.Equal(0UL, mask[^1]);
        Assert.Equal(0UL, mask[^2]);
    }

    [Fact]
    public void ContentNeverAllowsReservedOrHeaderSpecialTokens()
    {
        var constraint = WeatherGrammar().Start();
        Assert.Equal(-1, FirstRefused(constraint, Ids("<|channel|>final<|message|>Hi")));
        var mask = new ulong[TokenMask.WordCount(constraint.VocabularySize)];
        constraint.WriteAllowedTokens(mask);
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
            Assert.Equal(id is HarmonyTokens.End or HarmonyTokens.Return, TokenMask.IsAllowed(mask, id));
        Assert.Equal(HarmonyTokens.FirstSpecial + 2, TokenMask.CountAllowed(mask));
    }

    [Fact]
    public void CompleteSequenceAllowsNothing()
    {
        var constraint = WeatherGrammar().Start();
        Assert.Equal(-1, FirstRefused(constraint, Ids("<|channel|>final<|message|>Hi<|return|>")));
        var mask = new ulong[TokenMask.WordCount(constraint.VocabularySize)];
        constraint.WriteAllowedTokens(mask);
        Assert.Equal(0, TokenMask.CountAllowed(mask));
    }

    [Fact]
    public void ForcedHeaderStartsInsideTheHeader()
    {
        var grammar = WeatherGrammar();
        var constraint = grammar.Start(Ids(" to=functions.get_weather"));
        Assert.Equal(-1, FirstRefused(constraint, Ids("<|channel|>commentary <|constrain|>json<|message|>{\"location\":\"Oslo\"}<|call|>")));
        Assert.True(constraint.IsComplete);
        var bad = Assert.Throws<ArgumentException>(() => grammar.Start(Ids(" to=functions.nope")));
        Assert.Contains("forced header", bad.Message);
    }

    [Fact]
    public void GrammarIsCachedByToolsAndChannels()
    {
        Assert.Same(WeatherGrammar(), WeatherGrammar());
        var other = HarmonyTokenGrammar.Create(new HarmonyGrammarOptions { Channels = ["final"] });
        Assert.NotSame(WeatherGrammar(), other);
    }

    [Fact]
    public void SchemaThatIsNotAnObjectFailsAtBuildTimeWithTheToolAndPath()
    {
        var options = new HarmonyGrammarOptions { ToolNamespaces = [Functions(("broken", """{"type":"object","properties":{"a":{"type":"strin"}}}"""))] };
        var error = Assert.Throws<ConstraintSchemaException>(() => HarmonyTokenGrammar.Create(options));
        Assert.Equal("functions.broken", error.Tool);
        Assert.Equal("$.properties.a.type", error.Path);
    }

    [Fact]
    public void WarmMaskAndAcceptAllocateNothingPerToken()
    {
        var grammar = WeatherGrammar();
        var ids = Ids("<|channel|>analysis<|message|>Let me check.<|end|><|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Zürich\", \"unit\": \"celsius\", \"days\": 3}<|call|>");
        var constraint = (HarmonyTokenConstraint)grammar.Start();
        var mask = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];
        long allocated = AllocationProbe.LeastAllocated(() =>
        {
            constraint.Reset();
            foreach (int id in ids)
            {
                constraint.WriteAllowedTokens(mask);
                constraint.TryAccept(id);
            }
        }, 20);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void StartAllocatesUnderTwoKilobytesBeforeAnyJsonContent()
    {
        var grammar = WeatherGrammar();
        grammar.Start();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var constraint = grammar.Start();
        long started = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(started, 1, 2048);
        Assert.Equal(-1, FirstRefused(constraint, Ids("<|channel|>final<|message|>Hi<|return|>")));
    }

    [Fact]
    public void WarmMaskAndAcceptAllocateNothingOverToolArgumentHeavyTurns()
    {
        var grammar = HarmonyTokenGrammar.ForConversation(Campfire.Benchmarks.Data.ConstraintCorpus.ReportConversation());
        var turns = Campfire.Benchmarks.Data.ConstraintCorpus.ReportTurns(4);
        var constraints = turns.Select(_ => (HarmonyTokenConstraint)grammar.Start()).ToArray();
        var mask = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];
        long allocated = AllocationProbe.LeastAllocated(() =>
        {
            for (int t = 0; t < turns.Length; t++)
            {
                constraints[t].Reset();
                foreach (int id in turns[t])
                {
                    constraints[t].WriteAllowedTokens(mask);
                    constraints[t].TryAccept(id);
                }
            }
        }, 3);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void StringCacheMaskEqualsTheFullVocabularyWalkAtEveryJsonPosition()
    {
        var cases = new[]
        {
            (HarmonyTokenGrammar.ForConversation(Campfire.Benchmarks.Data.ConstraintCorpus.ReportConversation()), Campfire.Benchmarks.Data.ConstraintCorpus.ReportTurns(3)),
            (WeatherGrammar(), Campfire.Benchmarks.Data.ConstraintCorpus.WeatherTurns().Take(4).ToArray()),
            (WeatherGrammar(), new[] { Ids("<|channel|>analysis to=browser.open code<|message|>{\"id\": \"a\\\"b\\\\c\\u00e9\\n\", \"cursor\": 1}<|call|>") }),
        };
        var cached = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];
        var walked = new ulong[cached.Length];
        int compared = 0;
        foreach (var (grammar, turns) in cases)
        {
            foreach (var turn in turns)
            {
                var constraint = (HarmonyTokenConstraint)grammar.Start();
                foreach (int id in turn)
                {
                    constraint.WriteAllowedTokens(cached);
                    constraint.WriteAllowedTokensUncached(walked);
                    Assert.Equal(walked, cached);
                    compared++;
                    Assert.True(constraint.TryAccept(id));
                }
            }
        }
        Assert.True(compared > 500);
    }

    [Fact]
    public void CachedAndWhitespaceLedMasksEqualTheFullVocabularyWalkAlongRandomSampledSequences()
    {
        // Uniform sampling among the allowed ids is what a random model at temperature 1 does: it reaches whitespace
        // runs up to the cap, numbers cut by whitespace, enum values followed by blanks, nested closes.
        var grammars = new[]
        {
            WeatherGrammar(),
            HarmonyTokenGrammar.ForConversation(Campfire.Benchmarks.Data.ConstraintCorpus.ReportConversation()),
            HarmonyTokenGrammar.Create(new HarmonyGrammarOptions { ToolNamespaces = [Functions(
                ("spaced", """{"type":"object","properties":{"mode":{"enum":["a b","a\tb ","x"]},"n":{"type":"number"},"k":{"const":7},"flag":{"type":["boolean","null"]},"rows":{"type":"array","items":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"]}}},"required":["mode"]}"""),
                ("free", """{"type":"object","additionalProperties":{"type":["integer","string"]}}"""))] }),
        };
        var random = new Random(17);
        var cached = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];
        var walked = new ulong[cached.Length];
        int compared = 0, whitespaceRuns = 0;
        foreach (var grammar in grammars)
        {
            for (int run = 0; run < 12; run++)
            {
                var constraint = (HarmonyTokenConstraint)grammar.Start();
                bool json = false;
                var sequence = new List<int>();
                for (int step = 0; step < 120 && !constraint.IsComplete; step++)
                {
                    constraint.WriteAllowedTokens(cached);
                    constraint.WriteAllowedTokensUncached(walked);
                    if (!walked.AsSpan().SequenceEqual(cached))
                    {
                        int diff = Enumerable.Range(0, HarmonyTokens.VocabularySize).First(i => TokenMask.IsAllowed(walked, i) != TokenMask.IsAllowed(cached, i));
                        Assert.Fail($"after {System.Text.Json.JsonSerializer.Serialize(Tokenizer.Decode([.. sequence]))}: token {diff} {System.Text.Json.JsonSerializer.Serialize(Tokenizer.Decode([diff]))} walked {TokenMask.IsAllowed(walked, diff)} cached {TokenMask.IsAllowed(cached, diff)}");
                    }
                    compared++;
                    int id = PickAllowed(cached, random, preferWhitespace: json && run % 2 == 0);
                    Assert.True(constraint.TryAccept(id));
                    sequence.Add(id);
                    json |= id == HarmonyTokens.Message;
                    if (BlankTokens.Contains(id))
                        whitespaceRuns++;
                }
            }
        }
        Assert.True(compared > 2000, $"compared {compared}");
        Assert.True(whitespaceRuns > 300, $"whitespace tokens {whitespaceRuns}");
    }

    private static readonly HashSet<int> BlankTokens = [.. Enumerable.Range(0, HarmonyTokens.FirstSpecial)
        .Where(id => Tokenizer.GetTokenBytes(id) is { IsEmpty: false } bytes && !bytes.ContainsAnyExcept(" \t\n\r"u8))];

    private static int PickAllowed(ulong[] mask, Random random, bool preferWhitespace)
    {
        var allowed = new List<int>();
        for (int word = 0; word < mask.Length; word++)
        {
            for (ulong bits = mask[word]; bits != 0; bits &= bits - 1)
                allowed.Add(word * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits));
        }
        Assert.NotEmpty(allowed);
        if (preferWhitespace && random.Next(3) != 0)
        {
            var blanks = allowed.Where(BlankTokens.Contains).ToList();
            if (blanks.Count > 0)
                return blanks[random.Next(blanks.Count)];
        }
        return allowed[random.Next(allowed.Count)];
    }

    [Fact]
    public void PrepareLeavesTheSequenceWhereItWasAndGivesTheSameMasks()
    {
        var grammar = HarmonyTokenGrammar.Create(new HarmonyGrammarOptions { ToolNamespaces = [Functions(("prepared_tool", WeatherSchema))] });
        var turn = Ids(" to=functions.prepared_tool<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Oslo\", \"days\": 3}<|call|>");
        var prepared = grammar.Start();
        var plain = grammar.Start();
        var a = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];
        var b = new ulong[a.Length];
        for (int i = 0; i < turn.Length; i++)
        {
            if (i % 5 == 0)
                prepared.Prepare(); // idempotent, at any position
            prepared.WriteAllowedTokens(a);
            plain.WriteAllowedTokens(b);
            Assert.Equal(b, a);
            Assert.True(prepared.TryAccept(turn[i]));
            Assert.True(plain.TryAccept(turn[i]));
        }
        Assert.True(prepared.IsComplete);
    }
}
