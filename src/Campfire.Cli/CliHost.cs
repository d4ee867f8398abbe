using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Campfire.Harmony;

namespace Campfire.Cli;

/// <summary>
/// Builds the root command, parses, runs, and turns every failure into the exit-code contract: 2 and one line about
/// the option for bad usage, 1 and one line naming the problem for bad input, and never a stack trace unless
/// <c>--verbose</c> is given or <c>CAMPFIRE_VERBOSE=1</c> is set.
/// </summary>
public static partial class CliHost
{
    /// <summary>Environment variable that, set to 1, prints the full exception on an unexpected failure.</summary>
    public const string VerboseVariable = "CAMPFIRE_VERBOSE";

    /// <summary>A test hook and nothing else: set to 1, the command fails with an exception that is none of ours. No
    /// input makes a command fail unexpectedly on purpose, and the exe tests must pin what such a failure prints.</summary>
    internal const string UnexpectedFailureTestVariable = "CAMPFIRE_TEST_UNEXPECTED_FAILURE";

    /// <summary>Runs the CLI with these arguments and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool verbose = args.Contains("--verbose") || Environment.GetEnvironmentVariable(VerboseVariable) == "1";
        args = [.. args.Where(a => a != "--verbose")];
        string commandName = "campfire";
        try
        {
            var root = BuildRoot();
            var parsed = root.Parse(args);
            bool atRoot = parsed.CommandResult.Command == root;
            commandName = atRoot ? "campfire" : parsed.CommandResult.Command.Name;
            if (UsageError(parsed) is { } usage)
            {
                Console.Error.WriteLine($"campfire: {usage} (see campfire {(atRoot ? "" : commandName + " ")}--help)");
                return ExitCodes.BadUsage;
            }
            if (Environment.GetEnvironmentVariable(UnexpectedFailureTestVariable) == "1")
                throw new InvalidOperationException($"a failure raised on purpose by {UnexpectedFailureTestVariable}=1");
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine($"campfire: {(commandName == "campfire" ? "" : commandName + ": ")}{OneLine(e.Message)}");
            return ExitCodes.BadUsage;
        }
        catch (HarmonyException e)
        {
            if (verbose) Console.Error.WriteLine(e);
            Console.Error.WriteLine($"campfire: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("campfire: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            if (verbose) Console.Error.WriteLine(e);
            Console.Error.WriteLine($"campfire: {(commandName == "campfire" ? "" : commandName + ": ")}{Describe(e)}"
                                    + (verbose ? "" : $" (run with --verbose or {VerboseVariable}=1 for the details)"));
            return ExitCodes.BadInput;
        }
    }

    /// <summary>The root command with every <see cref="ICliCommand"/> in this assembly, and the global --verbose option.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("campfire: Harmony tokenizer, renderer, parser and engine for gpt-oss");
        root.Options.Add(new Option<bool>("--verbose")
        {
            Description = $"On an unexpected failure print the full exception (also: {VerboseVariable}=1)",
            Recursive = true,
        });
        foreach (var command in typeof(ICliCommand).Assembly.GetTypes()
                     .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICliCommand).IsAssignableFrom(t))
                     .OrderBy(t => t.Name, StringComparer.Ordinal)
                     .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build()))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>
    /// The one line to print for a parse that failed, or null when it did not. An unknown option is named as such
    /// even where the parser took it for a FILE argument; value errors name the option and what it accepts, in words.
    /// </summary>
    internal static string? UsageError(ParseResult parsed)
    {
        // An argument that looks like an option is an unknown option ("render --foo FILE" must blame --foo, not FILE).
        foreach (var argument in parsed.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                if (LooksLikeOption(token.Value))
                    return $"{parsed.CommandResult.Command.Name}: unknown option {token.Value} (use ./{token.Value} for a file of that name)";
            }
        }
        string prefix = parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + ": ";
        foreach (var token in parsed.UnmatchedTokens)
        {
            if (LooksLikeOption(token))
                return $"{prefix}unknown option {token}";
            if (parsed.CommandResult.Command is RootCommand)
                return $"unknown command '{token}'";
        }
        if (parsed.CommandResult.Command is RootCommand && parsed.Errors.Count > 0)
            return "no command given";
        if (parsed.Errors.Count == 0)
            return null;
        var error = parsed.Errors[0];
        string message = Rephrase(error.Message);
        return parsed.CommandResult.Command is RootCommand ? message : $"{parsed.CommandResult.Command.Name}: {message}";
    }

    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>System.CommandLine's messages without .NET type names.</summary>
    internal static string Rephrase(string message)
    {
        var match = CannotParse().Match(message);
        if (match.Success)
        {
            string type = match.Groups["type"].Value;
            string expected = type.Contains("Int", StringComparison.Ordinal) ? "an integer"
                : type.Contains("Single", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) ? "a number"
                : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
                : "a valid value";
            return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}";
        }
        return message;
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static string Describe(Exception e)
    {
        var innermost = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
        return innermost switch
        {
            UnauthorizedAccessException or IOException => OneLine(innermost.Message),
            OutOfMemoryException => "not enough memory",
            _ => $"unexpected error: {OneLine(innermost.Message)}",
        };
    }
}
