using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Data;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Constraints;

/// <summary>
/// The grammar mask per generated token (WriteAllowedTokens over all 201,088 ids, then TryAccept of the token) over
/// the assistant turns of the shared 4k completion (mostly free text, 19 tool calls) and over tool-argument-heavy
/// turns (an incident report: nested objects, arrays, enums, numbers, escapes). Baseline, in the same run: the
/// unconstrained streaming parser over the same turns. Setup also prints the per-token distribution
/// (p50/p99 of one mask + accept, Stopwatch-timed) that the goal is stated in.
/// </summary>
public class ConstraintBenchmarks : ITokenWorkload
{
    private int[][] _turns = [];
    private HarmonyTokenConstraint[] _constraints = [];
    private readonly ulong[] _mask = new ulong[TokenMask.WordCount(HarmonyTokens.VocabularySize)];

    [Params("Weather4k", "ToolArgs")]
    public string Corpus { get; set; } = "Weather4k";

    public long TokensPerOperation => _turns.Sum(t => (long)t.Length);

    [GlobalSetup]
    public void Setup()
    {
        var (conversation, turns) = Corpus == "Weather4k"
            ? (ConstraintCorpus.WeatherConversation(), ConstraintCorpus.WeatherTurns())
            : (ConstraintCorpus.ReportConversation(), ConstraintCorpus.ReportTurns());
        _turns = turns;
        var grammar = HarmonyTokenGrammar.ForConversation(conversation);
        _constraints = [.. _turns.Select(_ => (HarmonyTokenConstraint)grammar.Start())];
        if (MaskAndAccept() != TokensPerOperation || StreamParser() == 0)
            throw new InvalidOperationException("benchmark input is not inside its grammar");
        PrintPerTokenDistribution();
    }

    [Benchmark(Baseline = true)]
    public long StreamParser()
    {
        long events = 0;
        foreach (var turn in _turns)
        {
            var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
            foreach (int token in turn)
            {
                for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                    events++;
            }
        }
        return events;
    }

    [Benchmark]
    [HotPath(Goal = "p50 ≤ 20 µs, p99 ≤ 200 µs per token, 0 B/token")]
    public long MaskAndAccept()
    {
        long accepted = 0;
        for (int t = 0; t < _turns.Length; t++)
        {
            var constraint = _constraints[t];
            constraint.Reset();
            foreach (int token in _turns[t])
            {
                constraint.WriteAllowedTokens(_mask);
                if (constraint.TryAccept(token))
                    accepted++;
            }
        }
        return accepted;
    }

    /// <summary>Per-token times of one mask + accept over 20 passes, after two warm passes.</summary>
    private void PrintPerTokenDistribution()
    {
        var times = new List<double>();
        for (int pass = 0; pass < 22; pass++)
        {
            for (int t = 0; t < _turns.Length; t++)
            {
                var constraint = _constraints[t];
                constraint.Reset();
                foreach (int token in _turns[t])
                {
                    long start = Stopwatch.GetTimestamp();
                    constraint.WriteAllowedTokens(_mask);
                    constraint.TryAccept(token);
                    if (pass >= 2)
                        times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
        }
        times.Sort();
        double P(double q) => times[(int)Math.Min(times.Count - 1, q * times.Count)];
        var vocabulary = ConstraintVocabulary.Instance;
        Console.WriteLine($"// constraint tables: built once per process in {vocabulary.BuildTime.TotalMilliseconds:F0} ms; trie of {vocabulary.Trie.NodeCount:N0} nodes");
        Console.WriteLine($"// constraint {Corpus}: {TokensPerOperation} tokens in {_turns.Length} turns; mask+accept us/token p50 {P(0.5):F1} p90 {P(0.9):F1} p99 {P(0.99):F1} max {times[^1]:F1} (n={times.Count})");
    }
}
