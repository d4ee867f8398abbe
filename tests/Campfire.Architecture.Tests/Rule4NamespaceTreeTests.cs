namespace Campfire.Architecture.Tests;

/// <summary>
/// Rule 4: every type of a library lives in its assembly's namespace tree (Campfire.X or Campfire.X.*), and the types of
/// Campfire.Harmony only in its root namespace and its seven layer namespaces. Compiler- and source-generator output is
/// not checked; nested types live where their declaring type does.
/// </summary>
public sealed class Rule4NamespaceTreeTests
{
    private const string Rule = "Rule 4 (types live in their assembly's namespace tree)";

    private static readonly string[] HarmonyNamespaces =
    [
        "Campfire.Harmony",
        "Campfire.Harmony.Tokenization",
        "Campfire.Harmony.Model",
        "Campfire.Harmony.Json",
        "Campfire.Harmony.Rendering",
        "Campfire.Harmony.Parsing",
        "Campfire.Harmony.Tools",
        "Campfire.Harmony.Constraints",
        "Campfire.Harmony.Engine",
    ];

    [Fact]
    public void Rule4_EveryLibraryType_LivesInItsAssemblyNamespaceTree()
    {
        var offenders = (
            from name in Libraries.Names
            from type in Libraries.HandWrittenTopLevelTypes(Libraries.Get(name))
            let ns = type.Namespace ?? ""
            where ns != name && !ns.StartsWith(name + ".", StringComparison.Ordinal)
            orderby type.FullName
            select $"\t{type.FullName} (assembly {name}) is in namespace '{ns}', outside {name}[.*]").ToList();
        Assert.True(offenders.Count == 0,
            $"{Rule} broken by {offenders.Count} type(s):\n{string.Join('\n', offenders)}");
    }

    [Fact]
    public void Rule4_HarmonyTypes_LiveOnlyInRootAndLayerNamespaces()
    {
        var offenders = Libraries.HandWrittenTopLevelTypes(Libraries.Get(Libraries.Harmony))
            .Where(t => !HarmonyNamespaces.Contains(t.Namespace ?? "", StringComparer.Ordinal))
            .Select(t => $"\t{t.FullName} is in namespace '{t.Namespace}', not one of {string.Join(", ", HarmonyNamespaces)}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(offenders.Count == 0,
            $"{Rule} broken by {offenders.Count} Campfire.Harmony type(s):\n{string.Join('\n', offenders)}");
    }
}
