namespace Campfire.Cli.Tests.Inference;

/// <summary>
/// The CLI does not bring libtorch (its first build downloads none of it): model commands load it from model support,
/// installed next to the executable in runtimes/linux-x64/native (this test output has it: the test project references
/// libtorch-cpu-linux-x64), or say in one line what to run when it is absent.
/// </summary>
public sealed class ModelSupportTests(TinyModels tiny) : IClassFixture<TinyModels>
{
    [Fact]
    public void Model_commands_load_the_model_support_installed_next_to_the_executable()
    {
        var run = Campfire.Run("[1, 2, 3]", "generate", "--model", tiny.Original, "--max-tokens", "4", "--threads", "1");
        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(4, System.Text.Json.JsonSerializer.Deserialize<int[]>(run.Out)!.Length);
    }

    [Theory]
    [InlineData("generate")]
    [InlineData("chat")]
    [InlineData("demo")]
    public void A_model_command_without_model_support_says_in_one_line_what_to_run(string command)
    {
        var empty = Directory.CreateTempSubdirectory("campfire-no-model-support-").FullName;
        try
        {
            string[] args = command switch
            {
                "generate" => ["generate", "--model", tiny.Original, "--max-tokens", "4"],
                "chat" => ["chat", "--model", tiny.Original, "--max-tokens", "4", "Hello?"],
                _ => ["demo", "--model", tiny.Original, "--max-tokens", "4"],
            };
            var run = Errors.CampfireProcess.RunWith("[1, 2, 3]", new Dictionary<string, string> { ["CAMPFIRE_MODEL_SUPPORT_DIR"] = empty }, args);
            Errors.CampfireProcess.AssertFails(1, run, "model support is not installed", empty, "./campfire fetches it on first model use",
                "dotnet build src/Campfire.ModelSupport -c Release", "CAMPFIRE_LIBTORCH_DIR");
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }
}
