using System.Text.RegularExpressions;

namespace Campfire.Cli.Tests.Inference;

/// <summary><c>campfire chat --script FILE</c>: one user turn per line, one conversation, and the profile's
/// per-round <c>prefilled tokens N of M</c> lines showing the KV cache kept between turns.</summary>
public sealed partial class ChatScriptCommandTests(TinyModels tiny) : IClassFixture<TinyModels>
{
    [Fact]
    public void A_script_runs_one_turn_per_line_in_one_conversation_and_later_rounds_prefill_only_new_tokens()
    {
        string dir = Path.Combine(tiny.Root, "script-model");
        Assert.Equal(0, Campfire.Run("", "make-tiny-model", dir).Code);
        string script = Path.Combine(tiny.Root, "turns.txt");
        File.WriteAllLines(script, ["My friend burned a hand", "", "Should I use ice?", "How long under water?"]);

        var r = Campfire.Run("", "chat", "--model", dir, "--max-tokens", "4", "--threads", "1", "--profile", "--script", script);

        // A random tiny model writes no final answer in 4 tokens: every turn still runs, and the run says why it ends
        // without one (exit 1).
        Assert.True(r.Code == 1, r.Err);
        Assert.Contains("campfire: chat: no final answer", r.Err, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Matches(r.Err, @"\[user\] ").Count);
        Assert.Equal(3, Regex.Matches(r.Err, @"\[run\] ").Count);
        var rounds = PrefilledLine().Matches(r.Err).Select(m => (Fed: int.Parse(m.Groups[1].Value), Prompt: int.Parse(m.Groups[2].Value))).ToList();
        Assert.True(rounds.Count >= 3, r.Err);
        Assert.Equal(rounds[0].Prompt, rounds[0].Fed); // the first round prefills everything
        foreach (var (fed, prompt) in rounds.Skip(1))
            Assert.True(fed < prompt / 2, $"a later round prefilled {fed} of {prompt} tokens");
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("demo")]
    public void Without_a_terminal_a_model_run_prints_no_progress_line(string command)
    {
        string[] args = command == "chat"
            ? ["chat", "--model", tiny.Original, "--max-tokens", "4", "--threads", "1", "My friend burned a hand"]
            : ["demo", "--model", tiny.Original, "--max-tokens", "4", "--threads", "1"];
        var r = Campfire.Run("", args);
        Assert.True(r.Code is 0 or 1, r.Err);
        Assert.DoesNotContain("model: ", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[2K", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', r.Err);
    }

    [Fact]
    public void Prompt_and_script_together_or_a_missing_script_are_refused()
    {
        var both = Campfire.Run("", "chat", "--model", "nowhere", "--script", "nowhere.txt", "a question");
        Assert.NotEqual(0, both.Code);
        var missing = Campfire.Run("", "chat", "--model", "nowhere", "--script", Path.Combine(tiny.Root, "no-such-file.txt"));
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("--script", missing.Err);
    }

    [GeneratedRegex(@"prefilled tokens (\d+) of (\d+)")]
    private static partial Regex PrefilledLine();
}
