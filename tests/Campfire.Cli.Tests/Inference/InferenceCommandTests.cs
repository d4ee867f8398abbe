using System.Text.Json;
using System.Text.RegularExpressions;

namespace Campfire.Cli.Tests.Inference;

/// <summary>Runs <c>dotnet campfire.dll</c> from the test output (which carries the patched TorchSharp natives).</summary>
internal static class Campfire
{
    public static (int Code, string Out, string Err) Run(string stdin, params string[] args) =>
        Errors.CampfireProcess.RunWith(stdin, null, args);
}

public sealed class TinyModels : IDisposable
{
    public TinyModels()
    {
        Root = Directory.CreateTempSubdirectory("campfire-cli-tiny-").FullName;
        Original = Path.Combine(Root, "original");
        HuggingFace = Path.Combine(Root, "hf");
        foreach (var (dir, layout) in new[] { (Original, "original"), (HuggingFace, "hf") })
        {
            var (code, _, err) = Campfire.Run("", "make-tiny-model", dir, "--layout", layout, "--vocab", "256", "--seed", "5");
            Assert.True(code == 0, err);
        }
    }

    public string Root { get; }
    public string Original { get; }
    public string HuggingFace { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

public sealed class InferenceCommandTests(TinyModels tiny) : IClassFixture<TinyModels>
{
    private static int[] Ids(string json) => JsonSerializer.Deserialize<int[]>(json)!;

    [Fact]
    public void Greedy_generate_is_deterministic_and_the_same_for_both_layouts()
    {
        var first = Campfire.Run("[1, 2, 3, 200]", "generate", "--model", tiny.Original, "--max-tokens", "8", "--threads", "1");
        Assert.True(first.Code == 0, first.Err);
        var ids = Ids(first.Out);
        Assert.Equal(8, ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
        Assert.Equal(ids, Ids(Campfire.Run("[1, 2, 3, 200]", "generate", "--model", tiny.Original, "--max-tokens", "8", "--threads", "1").Out));
        Assert.Equal(ids, Ids(Campfire.Run("[1, 2, 3, 200]", "generate", "--model", tiny.HuggingFace, "--max-tokens", "8", "--threads", "1").Out));
    }

    /// <summary>
    /// Weights read with file reads (the default for gpt-oss-20b-sized checkpoints, forced here) give the bits of the
    /// mapping, so the same ids, greedy and sampled, at one and two threads.
    /// </summary>
    [Fact]
    public void Weights_read_with_file_reads_generate_the_ids_of_the_mapping()
    {
        foreach (var extra in new[] { new[] { "--threads", "1" }, ["--threads", "2", "--temperature", "0.8", "--seed", "11"] })
        {
            string[] args = ["generate", "--model", tiny.Original, "--max-tokens", "12", .. extra];
            var mapped = Errors.CampfireProcess.RunWith("[1, 2, 3, 200]", new Dictionary<string, string> { ["CAMPFIRE_FILE_READS"] = "0" }, args);
            var read = Errors.CampfireProcess.RunWith("[1, 2, 3, 200]", new Dictionary<string, string> { ["CAMPFIRE_FILE_READS"] = "1" }, args);
            Assert.True(mapped.Code == 0, mapped.Err);
            Assert.True(read.Code == 0, read.Err);
            Assert.Equal(12, Ids(read.Out).Length);
            Assert.Equal(Ids(mapped.Out), Ids(read.Out));
        }
    }

    [Fact]
    public void Seeded_sampling_reproduces_and_profile_and_trace_are_written()
    {
        string trace = Path.Combine(tiny.Root, "trace.json");
        string[] args = ["generate", "--model", tiny.Original, "--threads", "1", "--max-tokens", "6", "--temperature", "1", "--top-p", "0.9", "--seed", "3", "--profile", "--trace", trace];
        var a = Campfire.Run("[4, 5]", args);
        Assert.True(a.Code == 0, a.Err);
        Assert.Equal(Ids(a.Out), Ids(Campfire.Run("[4, 5]", args).Out));
        Assert.Contains("step ms p50 / p90 / p99", a.Err);
        Assert.Contains("decode tokens/s", a.Err);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(trace));
        Assert.Contains(doc.RootElement.GetProperty("traceEvents").EnumerateArray(), e => e.GetProperty("name").GetString() == "step");
    }

    [Theory]
    [InlineData("0")]   // greedy: the model picks the token inside its call
    [InlineData("1")]   // the host sampler picks it
    public void Profile_splits_a_step_into_attention_moe_with_its_router_and_experts_unembedding_and_sampling_that_fit_in_the_step(string temperature)
    {
        string trace = Path.Combine(tiny.Root, $"spans-{temperature}.json");
        var r = Campfire.Run("[4, 5, 6]", "generate", "--model", tiny.Original, "--threads", "1", "--max-tokens", "6",
            "--temperature", temperature, "--seed", "1", "--profile", "--trace", trace);
        Assert.True(r.Code == 0, r.Err);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        double Row(string name) => double.Parse(Regex.Match(r.Err, $@"^{Regex.Escape(name)}\s+([0-9.]+)", RegexOptions.Multiline).Groups[1].Value, c);
        double[] Parts(string name)
        {
            var m = Regex.Match(r.Err, $@"^{Regex.Escape(name)}\s+attention ([0-9.]+) ms, moe ([0-9.]+) ms \(router ([0-9.]+), experts ([0-9.]+)\), unembedding ([0-9.]+) ms, sampling ([0-9.]+) ms, other ([0-9.]+) ms$", RegexOptions.Multiline);
            Assert.True(m.Success, r.Err);
            // attention, moe, unembedding, sampling, other, then the MoE's router and experts
            return [.. new[] { 1, 2, 5, 6, 7, 3, 4 }.Select(g => double.Parse(m.Groups[g].Value, c))];
        }
        var step = Parts("step breakdown (mean)");
        var prefill = Parts("prefill breakdown");
        // The unembedding of this 256-id vocabulary takes a few microseconds: under the table's 0.01 ms, so its spans are
        // checked in the trace below, which keeps fractions of a microsecond.
        Assert.All(step[..2], ms => Assert.True(ms > 0, r.Err));
        // Each figure is rounded to 0.01 ms: four of them may exceed the whole by 0.02 at most.
        Assert.True(step[..4].Sum() <= Row("step ms mean") + 0.02, r.Err);
        Assert.True(prefill[..4].Sum() <= Row("prefill ms") + 0.02, r.Err);
        // The router and the experts are inside the MoE's time.
        Assert.True(step[5] + step[6] <= step[1] + 0.02, r.Err);
        Assert.True(prefill[5] + prefill[6] <= prefill[1] + 0.02, r.Err);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(trace));
        var names = doc.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "step", "attention", "moe", "router", "experts", "unembedding", "sampling" }, names);
        var unembeddings = doc.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("name").GetString() == "unembedding").ToList();
        Assert.True(unembeddings.Count >= 6, $"{unembeddings.Count} unembedding spans");
        Assert.All(unembeddings, e => Assert.True(e.GetProperty("dur").GetDouble() > 0, e.ToString()));
    }

    [Theory]
    [InlineData("[1, -2]", new[] { "--max-tokens", "3" }, "element 1 is not a non-negative integer token id")]
    [InlineData("{\"a\":1}", new[] { "--max-tokens", "3" }, "expected a JSON array")]
    [InlineData("[1, 2", new[] { "--max-tokens", "3" }, "not valid JSON")]
    [InlineData("[]", new[] { "--max-tokens", "3" }, "the prompt is empty")]
    [InlineData("[1, 300]", new[] { "--max-tokens", "3" }, "token id 300 (at index 1) is outside this model's vocabulary")]
    [InlineData("[1]", new[] { "--device", "cuda" }, "--device cuda needs a CUDA build of libtorch 2.10")]
    public void Bad_input_fails_with_exit_1_and_one_clear_line(string stdin, string[] extra, string expected)
    {
        var r = Campfire.Run(stdin, ["generate", "--model", tiny.Original, "--threads", "1", .. extra]);
        Assert.Equal(1, r.Code);
        Assert.Contains(expected, r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_missing_model_folder_is_a_clear_error()
    {
        var r = Campfire.Run("[1]", "generate", "--model", Path.Combine(tiny.Root, "nope"));
        Assert.Equal(1, r.Code);
        Assert.Contains("no such model folder", r.Err);
    }

    [Fact]
    public void Chat_and_demo_run_the_emergency_flow_on_a_real_vocabulary_tiny_model()
    {
        string dir = Path.Combine(tiny.Root, "real");
        Assert.Equal(0, Campfire.Run("", "make-tiny-model", dir).Code);
        var r = Campfire.Run("", "chat", "--model", dir, "--max-tokens", "8", "--threads", "1", "--profile", "My friend burned a hand");
        // A random model writes no final answer: chat exits 1 and says why on its last stderr line.
        Assert.True(r.Code == 1, r.Err);
        Assert.EndsWith("campfire: chat: no final answer: the model reached --max-tokens before writing a final answer (raise --max-tokens)", r.Err.TrimEnd());
        Assert.Contains("[run] ", r.Err);            // the engine ran to completion
        Assert.Contains("prompt tokens", r.Err);     // the decode loop's profile
        Assert.Contains("Safety note", r.Out);

        // campfire demo --model takes the same path.
        // (demo exits 1 when no final answer came, which a random model never writes.)
        var demo = Campfire.Run("", "demo", "--model", dir, "--max-tokens", "4");
        Assert.Contains("TorchSharp decode loop (CPU, float32)", demo.Out);
        Assert.Contains("stopped: MaxTokens", demo.Out);
        Assert.DoesNotContain("Unhandled", demo.Err);
        Assert.Equal(1, demo.Code);
        Assert.EndsWith("campfire: demo: no final answer: the model reached --max-tokens before writing a final answer (raise --max-tokens)", demo.Err.Trim());
    }
}
