using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Campfire.Architecture.Tests;

/// <summary>
/// Rule 2: the layers inside Campfire.Harmony depend one way only:
/// Tokenization ← Model (+ Json) ← Rendering / Parsing ← Tools ← Constraints ← Engine. The root namespace Campfire.Harmony holds only
/// HarmonyException, sits below every layer and may be used by all of them.
/// </summary>
public sealed class Rule2HarmonyLayerTests
{
    private const string Rule = "Rule 2 (Campfire.Harmony layers: Tokenization <- Model/Json <- Rendering/Parsing <- Tools <- Constraints <- Engine)";

    private const string Tokenization = "Tokenization";
    private const string Model = "Model";
    private const string Json = "Json";
    private const string Rendering = "Rendering";
    private const string Parsing = "Parsing";
    private const string Tools = "Tools";
    private const string Constraints = "Constraints";
    private const string Engine = "Engine";

    [Fact]
    public void Rule2_Layers_Tokenization_DependsOnNoOtherLayer() =>
        AssertLayerDoesNotUse([Tokenization], [Model, Json, Rendering, Parsing, Tools, Constraints, Engine]);

    [Fact]
    public void Rule2_Layers_ModelAndJson_DoNotDependOnRenderingParsingToolsOrEngine() =>
        AssertLayerDoesNotUse([Model, Json], [Rendering, Parsing, Tools, Constraints, Engine]);

    [Fact]
    public void Rule2_Layers_Rendering_DoesNotDependOnParsingToolsOrEngine() =>
        AssertLayerDoesNotUse([Rendering], [Parsing, Tools, Constraints, Engine]);

    [Fact]
    public void Rule2_Layers_Parsing_DoesNotDependOnRenderingToolsOrEngine() =>
        AssertLayerDoesNotUse([Parsing], [Rendering, Tools, Constraints, Engine]);

    [Fact]
    public void Rule2_Layers_Tools_DoesNotDependOnConstraintsOrEngine() =>
        AssertLayerDoesNotUse([Tools], [Constraints, Engine]);

    [Fact]
    public void Rule2_Layers_Constraints_DoesNotDependOnEngine() =>
        AssertLayerDoesNotUse([Constraints], [Engine]);

    [Fact]
    public void Rule2_Layers_RootNamespace_DependsOnNoLayer()
    {
        var rule = Types().That().ResideInAssembly(Libraries.Get(Libraries.Harmony))
            .And().ResideInNamespace(Libraries.Harmony)
            .Should().NotDependOnAnyTypesThat()
            .ResideInNamespaceMatching(Layers(Tokenization, Model, Json, Rendering, Parsing, Tools, Constraints, Engine))
            .Because($"{Rule}: the root namespace is the bottom layer that every layer may use");
        rule.Check(Libraries.Architecture);
    }

    [Fact]
    public void Rule2_Layers_RootNamespace_HoldsOnlyHarmonyException()
    {
        var offenders = Libraries.HandWrittenTopLevelTypes(Libraries.Get(Libraries.Harmony))
            .Where(t => t.Namespace == Libraries.Harmony && t.Name != "HarmonyException")
            .Select(t => $"  {t.FullName} sits in the root namespace {Libraries.Harmony}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(offenders.Count == 0,
            $"{Rule} broken: the root namespace may hold only HarmonyException, {offenders.Count} other type(s):\n{string.Join('\n', offenders)}");
    }

    private static void AssertLayerDoesNotUse(string[] layer, string[] forbiddenLayers)
    {
        var rule = Types().That().ResideInAssembly(Libraries.Get(Libraries.Harmony))
            .And().ResideInNamespaceMatching(Layers(layer))
            .Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layers(forbiddenLayers))
            .Because($"{Rule}: {Names(layer)} must not depend on {Names(forbiddenLayers)}");
        rule.Check(Libraries.Architecture);
    }

    /// <summary>A regex matching the namespaces of the given layers and their sub-namespaces.</summary>
    private static string Layers(params string[] layers) =>
        $@"^Campfire\.Harmony\.({string.Join('|', layers)})(\..+)?$";

    private static string Names(string[] layers) =>
        string.Join(" / ", layers.Select(l => $"{Libraries.Harmony}.{l}"));
}
