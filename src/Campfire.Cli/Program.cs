using System.CommandLine;
using Campfire.Cli;
using Campfire.Harmony;

var root = new RootCommand("campfire: Harmony tokenizer, renderer, parser and engine for gpt-oss");
foreach (var command in typeof(ICliCommand).Assembly.GetTypes()
             .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICliCommand).IsAssignableFrom(t))
             .OrderBy(t => t.Name, StringComparer.Ordinal)
             .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build()))
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        Console.Error.WriteLine($"campfire: {error.Message}");
    return ExitCodes.BadUsage;
}

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (HarmonyException e)
{
    return CliInput.Fail(e.Message);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("campfire: cancelled");
    return 130;
}
