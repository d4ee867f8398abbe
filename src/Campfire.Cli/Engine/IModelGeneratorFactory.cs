using Campfire.Harmony.Engine;

namespace Campfire.Cli.Engine;

/// <summary>
/// Makes a real model's <see cref="ITokenGenerator"/> for <c>campfire demo --model DIR</c>. The CLI discovers
/// implementations in its assembly by reflection (as it does commands), so adding the TorchSharp decode loop means
/// adding one class; without one, <c>--model</c> says that this build has no local model support.
/// </summary>
public interface IModelGeneratorFactory
{
    /// <summary>Short name shown in the demo header, e.g. "TorchSharp (CPU)".</summary>
    string Name { get; }

    /// <summary>Loads the model in <paramref name="modelDirectory"/>; throws a <see cref="Campfire.Harmony.HarmonyException"/> naming the problem.</summary>
    ITokenGenerator Create(string modelDirectory);
}

/// <summary>Finds the <see cref="IModelGeneratorFactory"/> implementations of the CLI assembly.</summary>
public static class ModelGeneratorFactories
{
    public static IReadOnlyList<IModelGeneratorFactory> Discover() =>
        typeof(IModelGeneratorFactory).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IModelGeneratorFactory).IsAssignableFrom(t)
                        && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IModelGeneratorFactory)Activator.CreateInstance(t)!)
            .ToArray();
}
