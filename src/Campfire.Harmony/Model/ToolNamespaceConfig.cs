using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// A namespace of tools (<c>functions</c>, <c>browser</c>, <c>python</c>, ...): rendered as a <c>## name</c> section with
/// its description and, when it has tools, a <c>namespace name { ... }</c> block.
/// </summary>
public sealed record ToolNamespaceConfig
{
    public ToolNamespaceConfig(string name, string? description, ImmutableArray<ToolDescription> tools)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Description = description;
        Tools = tools.IsDefault ? [] : tools;
    }

    public ToolNamespaceConfig(string name, string? description, params IEnumerable<ToolDescription> tools)
        : this(name, description, [.. tools]) { }

    public string Name { get; init; }
    public string? Description { get; init; }
    public ImmutableArray<ToolDescription> Tools { get; init; }

    public ToolNamespaceConfig WithTools(params IEnumerable<ToolDescription> tools) => this with { Tools = [.. tools] };

    public bool Equals(ToolNamespaceConfig? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && Tools.SequenceEqual(other.Tools);

    public override int GetHashCode() => HashCode.Combine(Name, Description, Tools.Length);

    /// <summary>The built-in browser tool, exactly as the reference defines it.</summary>
    public static ToolNamespaceConfig Browser => BuiltInTools.Browser;

    /// <summary>The built-in python tool, exactly as the reference defines it.</summary>
    public static ToolNamespaceConfig Python => BuiltInTools.Python;
}
