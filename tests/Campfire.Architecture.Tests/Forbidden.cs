using System.Text.RegularExpressions;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Campfire.Architecture.Tests;

/// <summary>A dependency a library must not have: by type (full name) and by assembly reference (name).</summary>
/// <param name="Label">What the rule calls it ("TorchSharp", "System.Net.Http").</param>
/// <param name="TypePattern">Regex over full type names.</param>
/// <param name="AssemblyPattern">Regex over referenced assembly names.</param>
internal sealed record Forbidden(string Label, string TypePattern, string AssemblyPattern)
{
    public static readonly Forbidden TorchSharp = new("TorchSharp", @"^TorchSharp(\.|$)", @"^(TorchSharp|LibTorchSharp)(\.|$)");
    public static readonly Forbidden Lucene = new("Lucene.Net*", @"^Lucene\.Net(\.|$)", @"^Lucene\.Net(\.|$)");
    public static readonly Forbidden Http = new("System.Net.Http", @"^System\.Net\.Http(\.|$)", @"^System\.Net\.Http(\.|$)");
    public static readonly Forbidden Sockets = new("System.Net.Sockets", @"^System\.Net\.Sockets(\.|$)", @"^System\.Net\.Sockets$");
    // System.Console and its companions in namespace System (ConsoleColor, ConsoleKey, ConsoleCancelEventArgs, ...).
    public static readonly Forbidden Console = new("System.Console", @"^System\.Console\w*$", @"^System\.Console$");
    public static readonly Forbidden ExtensionsAI = new("Microsoft.Extensions.AI", @"^Microsoft\.Extensions\.AI(\.|$)", @"^Microsoft\.Extensions\.AI(\.|$)");
    public static readonly Forbidden Polly = new("Polly", @"^Polly(\.|$)", @"^Polly(\.|$)");

    public static Forbidden Library(string assemblyName)
    {
        var escaped = Regex.Escape(assemblyName);
        return new(assemblyName, $@"^{escaped}(\.|$)", $"^{escaped}$");
    }

    /// <summary>
    /// Checks that <paramref name="assemblyName"/> does not reference any of <paramref name="forbidden"/>, both ways:
    /// no type depends on a forbidden type (ArchUnitNET, over the IL: signatures, bodies, attributes, generic
    /// arguments) and the compiled assembly has no forbidden assembly reference. One failure lists every offender.
    /// </summary>
    public static void AssertNotReferenced(string rule, string assemblyName, params Forbidden[] forbidden)
    {
        var failures = new List<string>();
        var pattern = string.Join('|', forbidden.Select(f => $"(?:{f.TypePattern})"));
        var archRule = Types().That().ResideInAssembly(Libraries.Get(assemblyName))
            .Should().NotDependOnAnyTypesThat().HaveFullNameMatching(pattern)
            .Because($"{rule}: {assemblyName} must not use {string.Join(", ", forbidden.Select(f => f.Label))}");
        try
        {
            archRule.Check(Libraries.Architecture);
        }
        catch (FailedArchRuleException e)
        {
            failures.Add(e.Message);
        }

        var references = (
            from reference in Libraries.Get(assemblyName).GetReferencedAssemblies()
            from f in forbidden
            where Regex.IsMatch(reference.Name ?? "", f.AssemblyPattern)
            select $"\t{assemblyName} references assembly {reference.Name} (forbidden: {f.Label})").ToList();
        if (references.Count > 0)
            failures.Add($"{rule} broken by {references.Count} assembly reference(s):\n{string.Join('\n', references)}");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
