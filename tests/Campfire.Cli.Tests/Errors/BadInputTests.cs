namespace Campfire.Cli.Tests.Errors;

/// <summary>Bad input: exit 1, one line naming the file and the problem in words, no stack trace.</summary>
public sealed class BadInputTests(ErrorFiles files) : IClassFixture<ErrorFiles>
{
    [Fact]
    public void Index_into_an_existing_file_says_so()
    {
        CampfireProcess.AssertFails(1, CampfireProcess.Run("index", files.Docs, "--out", files.ExistingFile), files.ExistingFile, "is a file");
    }

    [Fact]
    public void Index_into_an_unwritable_place_names_it()
    {
        string under = Path.Combine(files.ExistingFile, "index");
        CampfireProcess.AssertFails(1, CampfireProcess.Run("index", files.Docs, "--out", under), under, "cannot create the index folder");
    }

    [Fact]
    public void Index_names_both_files_of_a_duplicate_id()
    {
        CampfireProcess.AssertFails(1, CampfireProcess.Run("index", files.Duplicates, "--out", Path.Combine(files.Root, "dup-index")),
            "a.md", "a.txt", "'a'");
        Assert.False(Directory.Exists(Path.Combine(files.Root, "dup-index")));
    }

    [Theory]
    [InlineData("render")]
    [InlineData("parse")]
    [InlineData("generate")]
    public void Json_syntax_errors_name_the_file_and_one_position(string command)
    {
        string file = command == "render" ? files.TruncatedConversation : files.TruncatedIds;
        string[] args = command == "generate" ? ["generate", "--model", files.Docs, file] : [command, file];
        var line = CampfireProcess.AssertFails(1, CampfireProcess.Run(args), file, "not valid JSON at line 1, byte");
        Assert.DoesNotContain("LineNumber", line);
        Assert.DoesNotContain("BytePositionInLine", line);
    }

    [Theory]
    [InlineData("render")]
    [InlineData("parse")]
    [InlineData("tokenize")]
    [InlineData("decode")]
    [InlineData("generate")]
    public void A_directory_given_as_a_file_is_called_a_directory(string command)
    {
        string[] args = command == "generate" ? ["generate", "--model", files.Docs, files.Docs] : [command, files.Docs];
        var line = CampfireProcess.AssertFails(1, CampfireProcess.Run(args), files.Docs, "is a directory");
        Assert.DoesNotContain("denied", line);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        string missing = Path.Combine(files.Root, "missing.json");
        CampfireProcess.AssertFails(1, CampfireProcess.Run("render", missing), missing, "no such file");
    }

    [Fact]
    public void Parse_names_an_out_of_vocabulary_id_in_a_header()
    {
        CampfireProcess.AssertFails(1, CampfireProcess.Run("parse", files.HeaderWithUnknownId), files.HeaderWithUnknownId,
            "at token index", "token id 999999 is not in the o200k_harmony vocabulary");
    }

    [Fact]
    public void Text_parse_positions_are_byte_offsets()
    {
        CampfireProcess.AssertFails(1, CampfireProcess.Run("parse", "--strict", "--text", files.StrictTextError), files.StrictTextError, "at byte offset");
    }

    [Fact]
    public void Invalid_utf8_inside_a_json_string_is_called_invalid_utf8()
    {
        var line = CampfireProcess.AssertFails(1, CampfireProcess.Run("render", files.InvalidUtf8), files.InvalidUtf8, "not valid UTF-8");
        Assert.DoesNotContain("surrogate", line);
    }

    [Fact]
    public void An_unexpected_exception_prints_one_line_and_the_trace_only_with_verbose_or_the_variable()
    {
        var hook = new Dictionary<string, string> { ["CAMPFIRE_TEST_UNEXPECTED_FAILURE"] = "1" };
        var line = CampfireProcess.AssertFails(1, CampfireProcess.RunWith("[1]", hook, "decode"),
            "campfire: decode: unexpected error: a failure raised on purpose", "--verbose", "CAMPFIRE_VERBOSE=1");

        var verbose = CampfireProcess.RunWith("[1]", hook, "decode", "--verbose");
        Assert.Equal(1, verbose.Code);
        Assert.Contains("System.InvalidOperationException", verbose.Err);
        Assert.Contains("   at ", verbose.Err);
        Assert.EndsWith("campfire: decode: unexpected error: a failure raised on purpose by CAMPFIRE_TEST_UNEXPECTED_FAILURE=1", verbose.Err.TrimEnd());

        var variable = CampfireProcess.RunWith("[1]", new Dictionary<string, string>(hook) { ["CAMPFIRE_VERBOSE"] = "1" }, "decode");
        Assert.Equal(1, variable.Code);
        Assert.Contains("   at ", variable.Err);
        Assert.DoesNotContain("   at ", line);
    }

    [Fact]
    public void A_failure_prints_the_trace_only_with_verbose_or_the_variable()
    {
        CampfireProcess.AssertFails(1, CampfireProcess.Run("index", files.BadPdf, "--out", Path.Combine(files.Root, "pdf-index")), "x.pdf", "not a readable PDF");

        var verbose = CampfireProcess.Run("index", files.BadPdf, "--out", Path.Combine(files.Root, "pdf-index"), "--verbose");
        Assert.Equal(1, verbose.Code);
        Assert.Contains("   at ", verbose.Err);

        var variable = CampfireProcess.RunWith("", new Dictionary<string, string> { ["CAMPFIRE_VERBOSE"] = "1" },
            "index", files.BadPdf, "--out", Path.Combine(files.Root, "pdf-index"));
        Assert.Equal(1, variable.Code);
        Assert.Contains("   at ", variable.Err);
    }
}
