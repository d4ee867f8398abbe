using System.Text.RegularExpressions;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Campfire.Architecture.Tests;

/// <summary>Rule 3: which library may reference which (by type, by assembly reference, and for Campfire.Guidance by project reference).</summary>
public sealed class Rule3LibraryDependencyTests
{
    private const string Rule = "Rule 3 (library dependencies)";

    [Fact]
    public void Rule3_Decoding_ReferencesNoTorchSharp() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.Decoding, Forbidden.TorchSharp);

    /// <summary>The kernels run under the benchmarks, which cannot load libtorch: plain C# only.</summary>
    [Fact]
    public void Rule3_Kernels_ReferencesNoTorchSharp() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.Kernels, Forbidden.TorchSharp);

    [Fact]
    public void Rule3_ExtensionsAI_ReferencesNoHttpNoRemoteNoInference() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.ExtensionsAI,
            Forbidden.Http, Forbidden.Library(Libraries.Remote), Forbidden.Library(Libraries.Inference));

    [Fact]
    public void Rule3_Remote_ReferencesNoMicrosoftExtensionsAI() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.Remote, Forbidden.ExtensionsAI);

    [Fact]
    public void Rule3_Search_ReferencesNoGuidance() =>
        Forbidden.AssertNotReferenced(Rule, Libraries.Search, Forbidden.Library(Libraries.Guidance));

    /// <summary>
    /// Nothing but Campfire.Guidance itself, the Campfire.Cli exe and test projects references Campfire.Guidance: no other
    /// library (types and assembly references) and no other project file in src/, bench/ or tests/.
    /// </summary>
    [Fact]
    public void Rule3_OnlyGuidanceCliAndTestsReferenceGuidance()
    {
        const string because = $"{Rule}: only Campfire.Guidance, Campfire.Cli and tests may reference Campfire.Guidance";
        var failures = new List<string>();
        var guidance = Libraries.Get(Libraries.Guidance);

        var archRule = Types().That().DoNotResideInAssembly(guidance)
            .Should().NotDependOnAnyTypesThat().ResideInAssembly(guidance)
            .Because(because);
        try
        {
            archRule.Check(Libraries.Architecture);
        }
        catch (FailedArchRuleException e)
        {
            failures.Add(e.Message);
        }

        var offenders = new List<string>();
        offenders.AddRange(
            from library in Libraries.All
            where library != guidance
            from reference in library.GetReferencedAssemblies()
            where reference.Name == Libraries.Guidance
            select $"\t{library.GetName().Name} references assembly {Libraries.Guidance}");

        foreach (var top in new[] { "src", "bench", "tests" })
        {
            var folder = Path.Combine(RepositoryFiles.Root, top);
            if (!Directory.Exists(folder))
                continue;
            foreach (var project in Directory.EnumerateFiles(folder, "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = RepositoryFiles.Relative(project);
                var allowed = relative.StartsWith("tests/", StringComparison.Ordinal)
                    || relative is "src/Campfire.Cli/Campfire.Cli.csproj" or "src/Campfire.Guidance/Campfire.Guidance.csproj";
                if (!allowed && Regex.IsMatch(File.ReadAllText(project), @"<ProjectReference\s+Include=""[^""]*Campfire\.Guidance\.csproj"""))
                    offenders.Add($"\t{relative} has a ProjectReference to Campfire.Guidance");
            }
        }
        if (offenders.Count > 0)
            failures.Add($"{because}; broken by:\n{string.Join('\n', offenders)}");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
