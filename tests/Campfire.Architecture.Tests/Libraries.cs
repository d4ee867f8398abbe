using System.CodeDom.Compiler;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Campfire.Architecture.Tests;

/// <summary>The libraries under src/ (every project but the Campfire.Cli exe), loaded once for all rules.</summary>
internal static class Libraries
{
    public const string Harmony = "Campfire.Harmony";
    public const string HarmonyTesting = "Campfire.Harmony.Testing";
    public const string Decoding = "Campfire.Decoding";
    public const string Inference = "Campfire.Inference";
    public const string Search = "Campfire.Search";
    public const string Guidance = "Campfire.Guidance";
    public const string Remote = "Campfire.Remote";
    public const string ExtensionsAI = "Campfire.Extensions.AI";
    public const string Native = "Campfire.Native";
    public const string Kernels = "Campfire.Kernels";

    public static readonly string[] Names =
        [Harmony, HarmonyTesting, Decoding, Inference, Search, Guidance, Remote, ExtensionsAI, Native, Kernels];

    private static readonly Lazy<IReadOnlyDictionary<string, Assembly>> LoadedAssemblies = new(() =>
        Names.ToDictionary(name => name, name => Assembly.Load(new AssemblyName(name)), StringComparer.Ordinal));

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> LoadedArchitecture = new(() =>
        new ArchUnitNET.Loader.ArchLoader().LoadAssemblies([.. LoadedAssemblies.Value.Values]).Build());

    /// <summary>The compiled library, by assembly name (loaded by name, so renamed types do not break the rules).</summary>
    public static Assembly Get(string name) => LoadedAssemblies.Value[name];

    public static IEnumerable<Assembly> All => Names.Select(Get);

    /// <summary>ArchUnitNET's model of all libraries (types of other assemblies appear as referenced stubs).</summary>
    public static ArchUnitNET.Domain.Architecture Architecture => LoadedArchitecture.Value;

    /// <summary>Top-level types written by hand: no compiler- or source-generator output (&lt;Module&gt;,
    /// &lt;PrivateImplementationDetails&gt;, embedded attributes such as NullableAttribute, regex generator types).</summary>
    public static IEnumerable<Type> HandWrittenTopLevelTypes(Assembly assembly) =>
        LoadableTypes(assembly).Where(t => !t.IsNested && !IsGenerated(t));

    public static bool IsGenerated(Type type) =>
        type.Name.Contains('<', StringComparison.Ordinal)
        || type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        || type.IsDefined(typeof(GeneratedCodeAttribute), inherit: false);

    private static Type[] LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return [.. e.Types.OfType<Type>()];
        }
    }
}
