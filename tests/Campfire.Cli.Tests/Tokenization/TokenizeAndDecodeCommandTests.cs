using System.Diagnostics;
using System.Text;
using Campfire.Cli.Commands;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Tests.Tokenization;

public class TokenizeAndDecodeCommandTests
{
    private static (int ExitCode, string Output) Tokenize(string text, bool special = false, bool count = false) =>
        Tokenize(Encoding.UTF8.GetBytes(text), special, count);

    private static (int ExitCode, string Output) Tokenize(byte[] utf8, bool special = false, bool count = false)
    {
        var output = new StringWriter();
        int exit = TokenizeCommand.Run(utf8, null, special, count, output);
        return (exit, output.ToString());
    }

    private static (int ExitCode, byte[] Output) Decode(string json)
    {
        var output = new MemoryStream();
        int exit = DecodeCommand.Run(Encoding.UTF8.GetBytes(json), "ids.json", output);
        return (exit, output.ToArray());
    }

    [Fact]
    public void Tokenize_prints_the_ids_as_one_JSON_array_on_one_line()
    {
        var (exit, output) = Tokenize("hello world");
        Assert.Equal(0, exit);
        Assert.Equal("[24912,2375]" + Environment.NewLine, output);
    }

    [Fact]
    public void Tokenize_treats_special_literals_as_text_unless_special_is_given()
    {
        Assert.Equal("[27,91,419,91,29]" + Environment.NewLine, Tokenize("<|end|>").Output);
        Assert.Equal("[200007]" + Environment.NewLine, Tokenize("<|end|>", special: true).Output);
    }

    [Fact]
    public void Tokenize_count_prints_only_the_number_of_tokens()
    {
        string text = "The quick brown fox jumps over the lazy dog.";
        var (exit, output) = Tokenize(text, count: true);
        Assert.Equal(0, exit);
        Assert.Equal(O200kHarmonyTokenizer.Instance.CountTokens(text) + Environment.NewLine, output);
    }

    [Fact]
    public void Tokenize_of_empty_input_is_an_empty_array()
    {
        Assert.Equal("[]" + Environment.NewLine, Tokenize("").Output);
    }

    [Fact]
    public void Tokenize_rejects_invalid_UTF8_naming_the_byte_offset()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var (exit, output) = Tokenize([(byte)'o', (byte)'k', 0xC3, 0x28]);
            Assert.Equal(1, exit);
            Assert.Equal("", output);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal("campfire: standard input: invalid UTF-8 at byte offset 2" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Decode_prints_the_text_with_special_tokens_as_literals()
    {
        var (exit, output) = Decode("[24912, 220, 200007, 2375]");
        Assert.Equal(0, exit);
        Assert.Equal("hello <|end|> world", Encoding.UTF8.GetString(output));
    }

    [Theory]
    [InlineData("[24912, 201088]", "campfire: ids.json: unknown token id 201088 at array index 1 (o200k_harmony ids are 0 to 201087)")]
    [InlineData("[-1]", "campfire: ids.json: unknown token id -1 at array index 0 (o200k_harmony ids are 0 to 201087)")]
    [InlineData("[1, \"x\"]", "campfire: ids.json: array index 1 is not an integer token id (byte offset 4)")]
    [InlineData("[1.5]", "campfire: ids.json: array index 0 is not an integer token id (byte offset 1)")]
    [InlineData("{\"ids\": [1]}", "campfire: ids.json: expected a JSON array of token ids at byte offset 0")]
    [InlineData("[1, 2", "campfire: ids.json: invalid JSON at line 1, byte 6")]
    [InlineData("[1] [2]", "campfire: ids.json: invalid JSON at line 1, byte 5")]
    public void Decode_rejects_bad_input_with_one_line_naming_the_problem_and_where(string json, string message)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var (exit, output) = Decode(json);
            Assert.Equal(1, exit);
            Assert.Empty(output);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal(message + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Tokenize_then_decode_round_trips_the_bytes()
    {
        string text = "Grüße 你好 👍🏽 <|start|>\r\n\ttabs  and  spaces ";
        string json = Tokenize(text, special: true).Output;
        Assert.Equal(text, Encoding.UTF8.GetString(Decode(json).Output));
    }

    // The process-level contract: exit codes and streams as other tools see them.

    private static (int ExitCode, string StdOut, string StdErr) RunCampfire(string arguments, string? stdin = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "campfire.dll");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(info)!;
        if (stdin is not null)
            process.StandardInput.BaseStream.Write(Encoding.UTF8.GetBytes(stdin));
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void The_campfire_process_tokenizes_stdin_and_a_file()
    {
        var fromStdin = RunCampfire("tokenize -", "hello world");
        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Equal("[24912,2375]", fromStdin.StdOut.Trim());

        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "<|start|>hi", new UTF8Encoding(false));
            var fromFile = RunCampfire($"tokenize --special --count \"{path}\"");
            Assert.Equal(0, fromFile.ExitCode);
            Assert.Equal("2", fromFile.StdOut.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_campfire_process_decodes_stdin()
    {
        var result = RunCampfire("decode", "[24912,2375]");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello world", result.StdOut);
    }

    [Fact]
    public void An_unreadable_file_exits_1_with_one_line_and_no_stack_trace()
    {
        var result = RunCampfire("tokenize /no/such/file.txt");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("campfire: /no/such/file.txt: cannot read file", result.StdErr);
        Assert.Single(result.StdErr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void An_unknown_id_exits_1_naming_the_id_and_its_index()
    {
        var result = RunCampfire("decode -", "[1,2,999999]");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown token id 999999 at array index 2", result.StdErr);
    }

    [Theory]
    [InlineData("tokenize --bogus")]
    [InlineData("decode --count")]
    [InlineData("tokenize a b")]
    public void Bad_usage_exits_2(string arguments)
    {
        var result = RunCampfire(arguments, "");
        Assert.Equal(2, result.ExitCode);
        Assert.NotEqual("", result.StdErr);
    }
}
