namespace Campfire.Cli.Tests;

/// <summary>
/// Commands run in-process report errors on the process-wide <see cref="Console.Error"/>, and some tests swap it to read
/// them: such test classes share this collection so that no other test writes to the console while one of them reads it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Process-wide console";
}
