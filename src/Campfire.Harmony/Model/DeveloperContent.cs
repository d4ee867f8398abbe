using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>The content of the developer message: instructions and tool namespaces (usually <c>functions</c>).</summary>
public sealed record DeveloperContent : Content
{
    public string? Instructions { get; init; }

    /// <summary>Tool namespaces by key, in the reference's order (code-point order of the keys).</summary>
    public ImmutableSortedDictionary<string, ToolNamespaceConfig>? Tools { get; init; }

    public static DeveloperContent Empty { get; } = new();

    public DeveloperContent WithInstructions(string? instructions) => this with { Instructions = instructions };
    public DeveloperContent WithTools(ToolNamespaceConfig ns) => this with { Tools = ToolNamespaceMap.With(Tools, ns) };
    public DeveloperContent WithTools(ImmutableSortedDictionary<string, ToolNamespaceConfig>? tools) => this with { Tools = tools };

    /// <summary>Sets the <c>functions</c> namespace (no description) to these tools, as the reference's <c>with_function_tools</c>.</summary>
    public DeveloperContent WithFunctionTools(params IEnumerable<ToolDescription> tools) =>
        WithTools(new ToolNamespaceConfig("functions", null, [.. tools]));

    public bool Equals(DeveloperContent? other) =>
        other is not null
        && string.Equals(Instructions, other.Instructions, StringComparison.Ordinal)
        && ToolNamespaceMap.MapsEqual(Tools, other.Tools);

    public override int GetHashCode() => HashCode.Combine(Instructions, Tools?.Count);
}
