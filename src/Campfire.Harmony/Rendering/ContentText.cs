using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// The text of system and developer content, exactly as the reference writes it before tokenizing it in one piece:
/// sections joined by a blank line. Each tool namespace's text (its TypeScript-like block) is built once per
/// <see cref="ToolNamespaceConfig"/> instance and cached, since schemas are the expensive part.
/// </summary>
internal static class ContentText
{
    /// <summary>The cache of the static text renderer; each <see cref="HarmonyRenderer"/> has its own.</summary>
    public static ConditionalWeakTable<ToolNamespaceConfig, string> SharedNamespaceTexts { get; } = new();

    public static string System(SystemContent system, bool conversationHasFunctionTools, ConditionalWeakTable<ToolNamespaceConfig, string>? namespaceTexts = null)
    {
        var sections = new List<string>(4);
        var top = new List<string>(3);
        if (system.ModelIdentity is { } identity)
            top.Add(identity);
        if (system.KnowledgeCutoff is { } cutoff)
            top.Add("Knowledge cutoff: " + cutoff);
        if (system.ConversationStartDate is { } date)
            top.Add("Current date: " + date);
        if (top.Count > 0)
            sections.Add(string.Join('\n', top));

        if (system.ReasoningEffort is { } effort)
        {
            sections.Add(effort switch
            {
                ReasoningEffort.Low => "Reasoning: low",
                ReasoningEffort.Medium => "Reasoning: medium",
                _ => "Reasoning: high",
            });
        }

        if (system.Tools is { Count: > 0 } tools)
            sections.Add(ToolsSection(tools, namespaceTexts));

        if (system.ChannelConfig is { ValidChannels.Length: > 0 } channels)
        {
            var header = new StringBuilder("# Valid channels: ").AppendJoin(", ", channels.ValidChannels).Append('.');
            if (channels.ChannelRequired)
                header.Append(" Channel must be included for every message.");
            if (conversationHasFunctionTools)
                header.Append("\nCalls to these tools must go to the commentary channel: 'functions'.");
            sections.Add(header.ToString());
        }
        return string.Join("\n\n", sections);
    }

    public static string Developer(DeveloperContent developer, ConditionalWeakTable<ToolNamespaceConfig, string>? namespaceTexts = null)
    {
        var sections = new List<string>(3);
        if (developer.Instructions is { } instructions)
        {
            sections.Add("# Instructions");
            sections.Add(instructions);
        }
        if (developer.Tools is { Count: > 0 } tools)
            sections.Add(ToolsSection(tools, namespaceTexts));
        return string.Join("\n\n", sections);
    }

    /// <summary>"# Tools" then each namespace (in key order), separated by blank lines.</summary>
    public static string ToolsSection(ImmutableSortedDictionary<string, ToolNamespaceConfig> tools, ConditionalWeakTable<ToolNamespaceConfig, string>? namespaceTexts = null)
    {
        var builder = new StringBuilder("# Tools");
        foreach (var ns in tools.Values)
            builder.Append("\n\n").Append(Namespace(ns, namespaceTexts));
        return builder.ToString();
    }

    /// <summary>A namespace's text, built once per instance and kept in <paramref name="namespaceTexts"/> (default: the shared cache).</summary>
    public static string Namespace(ToolNamespaceConfig ns, ConditionalWeakTable<ToolNamespaceConfig, string>? namespaceTexts = null) =>
        (namespaceTexts ?? SharedNamespaceTexts).GetValue(ns, static ns => BuildNamespace(ns));

    private static string BuildNamespace(ToolNamespaceConfig ns)
    {
        try
        {
            return BuildNamespaceText(ns);
        }
        catch (InvalidOperationException e)
        {
            // A JsonElement built by hand can hold a string .NET cannot read (a lone surrogate escape).
            throw new HarmonyRenderException(-1, $"tool namespace \"{ns.Name}\": a tool schema cannot be read: {e.Message}");
        }
    }

    private static string BuildNamespaceText(ToolNamespaceConfig ns)
    {
        var lines = new List<string> { $"## {ns.Name}\n" };
        bool hasTools = ns.Tools.Length > 0;
        if (ns.Description is { } description)
        {
            foreach (var line in RustLines(description))
                lines.Add(hasTools ? "// " + line : line);
        }
        if (hasTools)
        {
            lines.Add($"namespace {ns.Name} {{\n");
            foreach (var tool in ns.Tools)
            {
                foreach (var line in RustLines(tool.Description))
                    lines.Add("// " + line);
                lines.Add(tool.Parameters is { } parameters
                    ? $"type {tool.Name} = (_: {JsonSchemaTypeScript.Convert(parameters)}) => any;\n"
                    : $"type {tool.Name} = () => any;\n");
            }
            lines.Add($"}} // namespace {ns.Name}");
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Rust's <c>str::lines</c>: split on '\n', drop one '\r' before it, and no final empty line after a trailing '\n'
    /// (so "" has no lines at all).
    /// </summary>
    internal static List<string> RustLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline;
            int lineEnd = newline >= 0 && end > start && text[end - 1] == '\r' ? end - 1 : end;
            lines.Add(text[start..lineEnd]);
            if (newline < 0)
                break;
            start = newline + 1;
        }
        return lines;
    }
}
