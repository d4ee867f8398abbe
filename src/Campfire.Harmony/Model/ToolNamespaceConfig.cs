using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// A namespace of tools (<c>functions</c>, <c>browser</c>, <c>python</c>, ...): rendered as a <c>## name</c> section with
/// its description and, when it has tools, a <c>namespace name { ... }</c> block.
/// </summary>
public sealed record ToolNamespaceConfig
{
    /// <summary>A namespace named <paramref name="name"/> with these tools.</summary>
    /// <param name="name">The namespace's name (<c>functions</c>, <c>browser</c>, ...), also the <c>## name</c> heading.</param>
    /// <param name="description">Text under the heading, or null for none.</param>
    /// <param name="tools">The tools, in rendering order; a default array counts as empty.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public ToolNamespaceConfig(string name, string? description, ImmutableArray<ToolDescription> tools)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Description = description;
        Tools = tools.IsDefault ? [] : tools;
    }

    /// <summary>A namespace named <paramref name="name"/> with these tools, in order.</summary>
    /// <param name="name">The namespace's name, also its <c>## name</c> heading.</param>
    /// <param name="description">Text under the heading, or null for none.</param>
    /// <param name="tools">The tools, in rendering order.</param>
    public ToolNamespaceConfig(string name, string? description, params IEnumerable<ToolDescription> tools)
        : this(name, description, [.. tools]) { }

    /// <summary>The namespace's name, the key under which content maps hold it.</summary>
    public string Name { get; init; }

    /// <summary>Text under the <c>## name</c> heading, or null for none.</summary>
    public string? Description { get; init; }

    /// <summary>The tools, in rendering order (never a default array).</summary>
    public ImmutableArray<ToolDescription> Tools { get; init; }

    /// <summary>A copy with exactly these tools.</summary>
    public ToolNamespaceConfig WithTools(params IEnumerable<ToolDescription> tools) => this with { Tools = [.. tools] };

    /// <summary>Value equality: same name and description (ordinal) and equal tools in order.</summary>
    public bool Equals(ToolNamespaceConfig? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && Tools.SequenceEqual(other.Tools);

    /// <summary>A hash consistent with <see cref="Equals(ToolNamespaceConfig?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Name, Description, Tools.Length);

    /// <summary>The built-in browser tool, exactly as the reference defines it.</summary>
    public static ToolNamespaceConfig Browser => BuiltInTools.Browser;

    /// <summary>The built-in python tool, exactly as the reference defines it.</summary>
    public static ToolNamespaceConfig Python => BuiltInTools.Python;
}
