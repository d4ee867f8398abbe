namespace Campfire.Architecture.Tests;

/// <summary>
/// Rule 1: the core Campfire.Harmony references no TorchSharp, no Lucene, no HTTP or sockets, no System.Console, no
/// Microsoft.Extensions.AI and no Polly: hosts and back ends plug in from the outside.
/// </summary>
public sealed class Rule1CoreHarmonyTests
{
    private const string Rule = "Rule 1 (core Campfire.Harmony has no heavy or host dependencies)";

    private static readonly Forbidden[] ForbiddenInCore =
    [
        Forbidden.TorchSharp, Forbidden.Lucene, Forbidden.Http, Forbidden.Sockets, Forbidden.Console,
        Forbidden.ExtensionsAI, Forbidden.Polly,
    ];

    [Fact]
    public void Rule1_CoreHarmony_ReferencesNoTorchSharpLuceneHttpSocketsConsoleExtensionsAIOrPolly() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.Harmony, ForbiddenInCore);
}
