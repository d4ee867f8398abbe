using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>Helpers for the tool-namespace maps of <see cref="SystemContent"/> and <see cref="DeveloperContent"/>.</summary>
public static class ToolNamespaceMap
{
    /// <summary>An empty map ordered by <see cref="CodePointOrdinalComparer"/>.</summary>
    public static ImmutableSortedDictionary<string, ToolNamespaceConfig> Empty { get; } =
        ImmutableSortedDictionary.Create<string, ToolNamespaceConfig>(CodePointOrdinalComparer.Instance);

    /// <summary>A map keyed by each namespace's name.</summary>
    public static ImmutableSortedDictionary<string, ToolNamespaceConfig> Of(params IEnumerable<ToolNamespaceConfig> namespaces)
    {
        var builder = Empty.ToBuilder();
        foreach (var ns in namespaces)
            builder[ns.Name] = ns;
        return builder.ToImmutable();
    }

    /// <summary><paramref name="map"/> (or an empty map) with <paramref name="ns"/> set under its name.</summary>
    public static ImmutableSortedDictionary<string, ToolNamespaceConfig> With(
        ImmutableSortedDictionary<string, ToolNamespaceConfig>? map, ToolNamespaceConfig ns) =>
        (map ?? Empty).WithComparers(CodePointOrdinalComparer.Instance).SetItem(ns.Name, ns);

    internal static bool MapsEqual(
        ImmutableSortedDictionary<string, ToolNamespaceConfig>? a, ImmutableSortedDictionary<string, ToolNamespaceConfig>? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null || a.Count != b.Count) return false;
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !value.Equals(other))
                return false;
        }
        return true;
    }
}
