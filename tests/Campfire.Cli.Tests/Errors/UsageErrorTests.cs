namespace Campfire.Cli.Tests.Errors;

/// <summary>Bad usage, in every command: exit 2, one line about the option itself, no stack trace.</summary>
public sealed class UsageErrorTests(ErrorFiles files) : IClassFixture<ErrorFiles>
{
    [Theory]
    [InlineData("render")]
    [InlineData("parse")]
    [InlineData("tokenize")]
    [InlineData("decode")]
    [InlineData("generate", "--model", "m")]
    [InlineData("chat", "--model", "m", "hi")]
    [InlineData("demo")]
    [InlineData("index", "docs")]
    [InlineData("make-tiny-model", "d")]
    [InlineData("bench")]
    public void An_unknown_option_exits_2_naming_it(string command, params string[] rest)
    {
        var line = CampfireProcess.AssertFails(2, CampfireProcess.Run([command, "--bogus", .. rest]), "unknown option --bogus");
        Assert.Contains(command, line);
    }

    [Fact]
    public void An_unknown_option_before_a_file_is_blamed_not_the_file()
    {
        var line = CampfireProcess.AssertFails(2, CampfireProcess.Run("render", "--foo", files.TruncatedConversation), "unknown option --foo");
        Assert.DoesNotContain("truncated.json", line);
    }

    [Theory]
    [InlineData("--max-tokens", "-1", "--max-tokens must be positive, got -1")]
    [InlineData("--max-tokens", "0", "--max-tokens must be positive, got 0")]
    [InlineData("--max-tokens", "abc", "--max-tokens: 'abc' is not an integer")]
    [InlineData("--top-p", "2", "--top-p must be in (0, 1], got 2")]
    [InlineData("--top-p", "0", "--top-p must be in (0, 1], got 0")]
    [InlineData("--temperature", "NaN", "--temperature must be a finite number ≥ 0, got NaN")]
    [InlineData("--temperature", "-1", "--temperature must be a finite number ≥ 0, got -1")]
    [InlineData("--dtype", "int8", "--dtype must be float32 or bfloat16, got 'int8'")]
    [InlineData("--device", "tpu", "--device must be cpu or cuda, got 'tpu'")]
    [InlineData("--threads", "-2", "--threads must be ≥ 0, got -2")]
    public void Generate_refuses_a_bad_option_value_with_exit_2(string option, string value, string expected)
    {
        var line = CampfireProcess.AssertFails(2, CampfireProcess.RunWith("[1]", null, "generate", "--model", files.Docs, option, value), expected);
        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void Chat_refuses_a_bogus_protocol_without_dotnet_type_names()
    {
        var line = CampfireProcess.AssertFails(2, CampfireProcess.Run("chat", "--endpoint", "http://127.0.0.1:9", "--protocol", "bogus", "hi"),
            "--protocol must be vllm or sglang, got 'bogus'");
        Assert.DoesNotContain("Campfire.Remote", line);
        Assert.DoesNotContain("System.", line);
    }

    [Theory]
    [InlineData("--device", "cuda")]
    [InlineData("--dtype", "bfloat16")]
    [InlineData("--threads", "2")]
    [InlineData("--profile", null)]
    public void Chat_refuses_local_only_options_with_an_endpoint(string option, string? value)
    {
        string[] args = value is null
            ? ["chat", "--endpoint", "http://127.0.0.1:9", option, "hi"]
            : ["chat", "--endpoint", "http://127.0.0.1:9", option, value, "hi"];
        CampfireProcess.AssertFails(2, CampfireProcess.Run(args), $"{option} applies to a local --model only");
    }

    [Fact]
    public void Demo_refuses_an_empty_question()
    {
        CampfireProcess.AssertFails(2, CampfireProcess.Run("demo", "--model", files.Docs, "--question", ""), "--question must not be empty");
    }

    [Fact]
    public void Make_tiny_model_refuses_a_vocabulary_it_cannot_hold_and_creates_nothing()
    {
        string folder = Path.Combine(files.Root, "huge");
        CampfireProcess.AssertFails(2, CampfireProcess.Run("make-tiny-model", folder, "--vocab", "100000000"), "--vocab must be between 256 and");
        Assert.False(Directory.Exists(folder));
        CampfireProcess.AssertFails(2, CampfireProcess.Run("make-tiny-model", folder, "--layout", "gguf"), "--layout must be original or hf, got 'gguf'");
    }

    [Theory]
    [InlineData("render", "--next-role", "robot", "--next-role must be assistant, user, system, developer or tool, got 'robot'")]
    [InlineData("parse", "--role", "robot", "--role must be assistant, user, system, developer or tool, got 'robot'")]
    public void Role_options_name_the_roles_on_one_line(string command, string option, string value, string expected)
    {
        CampfireProcess.AssertFails(2, CampfireProcess.Run(command, option, value), expected);
    }

    [Fact]
    public void An_unknown_command_or_none_exits_2()
    {
        CampfireProcess.AssertFails(2, CampfireProcess.Run("bogus"), "unknown command 'bogus'");
        CampfireProcess.AssertFails(2, CampfireProcess.Run(), "no command given");
    }
}
