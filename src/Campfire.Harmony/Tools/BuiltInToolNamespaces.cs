using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>
/// The built-in tool namespaces gpt-oss was trained on (<c>browser</c>, <c>python</c>), seen from the tool layer. The
/// text and schemas themselves are the reference's, held once in <see cref="ToolNamespaceConfig.Browser"/> and
/// <see cref="ToolNamespaceConfig.Python"/>; everything here is derived from them.
/// </summary>
public static class BuiltInToolNamespaces
{
    /// <summary>Every built-in namespace, as the reference renders it in the system message.</summary>
    public static ImmutableArray<ToolNamespaceConfig> All { get; } = [ToolNamespaceConfig.Browser, ToolNamespaceConfig.Python];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static ImmutableArray<string> Names { get; } = [.. All.Select(ns => ns.Name)];

    /// <summary>Whether <paramref name="namespaceName"/> is a built-in namespace (rendered in the system message,
    /// called on the analysis channel).</summary>
    public static bool Contains(string namespaceName) => Names.Contains(namespaceName, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="recipient"/> (e.g. <c>browser.search</c>) addresses a method of a built-in namespace.</summary>
    public static bool IsBuiltInRecipient(string recipient)
    {
        var dot = recipient.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Contains(recipient[..dot]);
    }

    /// <summary>The reference's configuration of a built-in namespace.</summary>
    /// <exception cref="ArgumentException"><paramref name="namespaceName"/> is not built in.</exception>
    public static ToolNamespaceConfig Get(string namespaceName) =>
        All.FirstOrDefault(ns => ns.Name == namespaceName)
        ?? throw new ArgumentException($"'{namespaceName}' is not a built-in tool namespace ({string.Join(", ", Names)}).", nameof(namespaceName));

    /// <summary>The methods of a built-in namespace as tool definitions (name, description, parameter schema).</summary>
    public static ImmutableArray<ToolDefinition> Methods(string namespaceName) =>
        [.. Get(namespaceName).Tools.Select(t => new ToolDefinition(t.Name, t.Description, t.Parameters?.GetRawText()))];
}
