using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>The content of the developer message: instructions and tool namespaces (usually <c>functions</c>).</summary>
public sealed record DeveloperContent : Content
{
    /// <summary>The developer's instructions, rendered under <c># Instructions</c>; null for none.</summary>
    public string? Instructions { get; init; }

    /// <summary>Tool namespaces by key, in the reference's order (code-point order of the keys).</summary>
    public ImmutableSortedDictionary<string, ToolNamespaceConfig>? Tools { get; init; }

    /// <summary>Developer content without instructions or tools.</summary>
    public static DeveloperContent Empty { get; } = new();

    /// <summary>A copy with <paramref name="instructions"/> (null removes them).</summary>
    public DeveloperContent WithInstructions(string? instructions) => this with { Instructions = instructions };

    /// <summary>A copy with the namespace <paramref name="ns"/> set under its name (replacing one of the same name).</summary>
    public DeveloperContent WithTools(ToolNamespaceConfig ns) => this with { Tools = ToolNamespaceMap.With(Tools, ns) };

    /// <summary>A copy with exactly these namespaces (null removes all).</summary>
    public DeveloperContent WithTools(ImmutableSortedDictionary<string, ToolNamespaceConfig>? tools) => this with { Tools = tools };

    /// <summary>Sets the <c>functions</c> namespace (no description) to these tools, as the reference's <c>with_function_tools</c>.</summary>
    public DeveloperContent WithFunctionTools(params IEnumerable<ToolDescription> tools) =>
        WithTools(new ToolNamespaceConfig("functions", null, [.. tools]));

    /// <summary>Value equality: same instructions and equal namespaces under the same keys.</summary>
    public bool Equals(DeveloperContent? other) =>
        other is not null
        && string.Equals(Instructions, other.Instructions, StringComparison.Ordinal)
        && ToolNamespaceMap.MapsEqual(Tools, other.Tools);

    /// <summary>A hash consistent with <see cref="Equals(DeveloperContent?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Instructions, Tools?.Count);
}
