using Campfire.Cli.Tests.Errors;

namespace Campfire.Cli.Tests.Engine;

/// <summary>The demo's and chat's options as a user meets them, through the built executable.</summary>
public sealed class DemoOptionsProcessTests
{
    [Fact]
    public void Demo_stream_prints_the_final_answer_and_the_safety_note_once()
    {
        var run = CampfireProcess.Run("demo", "--stream");
        Assert.True(run.Code == 0, run.Err);
        Assert.Single(Occurrences(run.Out, "4. Keep alternating 5 back blows")); // the answer's step 4 (the cited sheet numbers it 5)
        Assert.Single(Occurrences(run.Out, "Safety note"));
        Assert.Contains("══ Citations", run.Out);
    }

    [Theory]
    [InlineData("--dtype", "bfloat16", "--dtype and --threads need --model")]
    [InlineData("--threads", "2", "--dtype and --threads need --model")]
    public void Demo_model_options_need_a_model(string option, string value, string expected)
    {
        CampfireProcess.AssertFails(2, CampfireProcess.Run("demo", option, value), expected);
    }

    [Theory]
    [InlineData("--dtype", "int8", "--dtype must be float32 or bfloat16, got 'int8'")]
    [InlineData("--threads", "-1", "--threads must be ≥ 0, got -1")]
    public void Demo_model_options_are_checked(string option, string value, string expected)
    {
        CampfireProcess.AssertFails(2, CampfireProcess.Run("demo", "--model", AppContext.BaseDirectory, option, value), expected);
    }

    [Fact]
    public void Chat_takes_an_index_and_says_what_remote_generation_retries()
    {
        var help = CampfireProcess.Run("chat", "--help");
        Assert.Equal(0, help.Code);
        string flat = System.Text.RegularExpressions.Regex.Replace(help.Out, @"\s+", " "); // help wraps long descriptions
        Assert.Contains("--index", flat);
        Assert.Contains("retried up to 3 times", flat);
        Assert.Contains("within 120 s", flat);
    }

    private static IEnumerable<int> Occurrences(string text, string value)
    {
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
            yield return at;
    }
}
