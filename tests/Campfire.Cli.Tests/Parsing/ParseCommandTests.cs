using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Campfire.Cli.Commands;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Tests.Parsing;

public sealed class ParseCommandTests : IDisposable
{
    private const string CompletionText =
        "<|channel|>analysis<|message|>Need the weather.<|end|>" +
        "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>";

    private const string ExpectedJson =
        "{\"messages\":[{\"role\":\"assistant\",\"content\":\"Need the weather.\",\"channel\":\"analysis\"}," +
        "{\"role\":\"assistant\",\"recipient\":\"functions.get_weather\",\"content\":\"{\\\"city\\\": \\\"Oslo\\\"}\",\"channel\":\"commentary\",\"content_type\":\"<|constrain|>json\"}]}";

    private readonly string _directory = Directory.CreateTempSubdirectory("campfire-parse-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string content, string name)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string IdsFile(string harmonyText) =>
        WriteFile("[" + string.Join(", ", O200kHarmonyTokenizer.Instance.EncodeToIds(harmonyText, allowSpecialTokens: true)) + "]", "ids.json");

    private static (int ExitCode, string Output, string Error) Run(string file, Role? role = Role.Assistant, ParseMode mode = ParseMode.NonStrict, bool text = false)
    {
        using var output = new MemoryStream();
        var error = new StringWriter();
        int exitCode = ParseCommand.Run(new ParseCommand.ParseRequest(file, role, mode, text), output, error);
        return (exitCode, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }

    [Fact]
    public void Ids_after_an_assistant_prefill_print_the_messages_in_the_reference_shape()
    {
        var (exitCode, output, error) = Run(IdsFile(CompletionText));
        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(ExpectedJson + "\n", output);
    }

    [Fact]
    public void Text_input_gives_the_same_messages()
    {
        var (exitCode, output, _) = Run(WriteFile(CompletionText, "completion.txt"), text: true);
        Assert.Equal(0, exitCode);
        Assert.Equal(ExpectedJson + "\n", output);
    }

    [Fact]
    public void Trailing_newline_of_a_text_file_is_not_part_of_the_completion()
    {
        var (exitCode, output, _) = Run(WriteFile(CompletionText + "\n\n", "completion.txt"), mode: ParseMode.Strict, text: true);
        Assert.Equal(0, exitCode);
        Assert.Equal(ExpectedJson + "\n", output);
    }

    [Fact]
    public void Lenient_mode_adds_diagnostics()
    {
        var (exitCode, output, _) = Run(WriteFile(CompletionText + " trailing", "completion.txt"), mode: ParseMode.Lenient, text: true);
        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("messages").GetArrayLength());
        var diagnostic = doc.RootElement.GetProperty("diagnostics")[0];
        Assert.Equal("MissingStart", diagnostic.GetProperty("quirk").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(CompletionText), diagnostic.GetProperty("token_index").GetInt64());
    }

    [Fact]
    public void Non_strict_default_and_strict_differ_on_a_header_without_message_token()
    {
        string file = IdsFile("<|channel|>commentary Hello<|end|>");
        var nonStrict = Run(file);
        Assert.Equal(0, nonStrict.ExitCode);
        Assert.Contains("\"content\":\"Hello\"", nonStrict.Output);
        var strict = Run(file, mode: ParseMode.Strict);
        Assert.Equal(1, strict.ExitCode);
        Assert.Equal("", strict.Output);
        Assert.StartsWith($"campfire: {file}: at token index ", strict.Error);
        Assert.Single(strict.Error.Split((char)10, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Parse_error_names_the_token_index_and_what_was_expected()
    {
        var (exitCode, output, error) = Run(IdsFile(CompletionText + "oops"));
        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains($"at token index {O200kHarmonyTokenizer.Instance.EncodeToIds(CompletionText, true).Length} ", error);
        Assert.Contains("expecting start token", error);
    }

    [Theory]
    [InlineData("{\"ids\": [1, 2]}", "not a JSON array")]
    [InlineData("[1, \"two\"]", "element 1 is not an integer")]
    [InlineData("[1, 2", "not valid JSON")]
    [InlineData("[1] [2]", "not valid JSON")]
    public void Malformed_id_lists_are_rejected_with_one_line(string content, string expected)
    {
        var (exitCode, _, error) = Run(WriteFile(content, "bad.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains(expected, error);
        Assert.Single(error.Split((char)10, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Missing_file_is_bad_input()
    {
        var (exitCode, _, error) = Run(Path.Combine(_directory, "absent.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains("cannot read file", error);
    }

    [Fact]
    public void Command_line_reads_stdin_and_rejects_conflicting_modes()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "campfire.dll");
        var ok = Exec(cli, "parse --role assistant --text", CompletionText);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(ExpectedJson, ok.Output.TrimEnd());

        var conflict = Exec(cli, "parse --strict --lenient", "[]");
        Assert.Equal(2, conflict.ExitCode);

        var badRole = Exec(cli, "parse --role robot", "[]");
        Assert.Equal(2, badRole.ExitCode);
    }

    private static (int ExitCode, string Output, string Error) Exec(string dll, string arguments, string input)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        using (var stdin = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false)))
            stdin.Write(input);
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error);
    }
}
