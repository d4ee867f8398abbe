using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>
/// Registers a tool with the engine: the recipient prefix the model addresses (<c>functions.get_weather</c> for one
/// function, or a built-in namespace such as <c>browser</c> with its <see cref="Methods"/>), what the model is told about
/// it, and the handler that executes calls. Validation happens here and when the engine registers it (against the tools already registered),
/// with <see cref="ArgumentException"/>s that name the reason.
/// </summary>
public sealed partial record ToolConfig
{
    /// <summary>The namespace of application functions (<c>functions.get_weather</c>); they are registered one by one
    /// and described in the developer message.</summary>
    public const string FunctionsNamespace = "functions";

    /// <summary>The built-in namespaces gpt-oss was trained on; they render in the system message.</summary>
    public static readonly ImmutableArray<string> BuiltInNamespaces = BuiltInToolNamespaces.Names;

    /// <summary>A registration of one function (<c>namespace.name</c>) or of a whole namespace (<c>namespace</c>, whose
    /// <see cref="Methods"/> must then be set).</summary>
    /// <param name="recipientPrefix"><c>namespace.name</c>, where name is <paramref name="definition"/>'s, or a namespace
    /// other than <c>functions</c>; letters, digits, '_' and '-', not starting with a digit.</param>
    /// <param name="definition">For a function, the function; for a namespace, its name and the description the model
    /// reads (its methods go in <see cref="Methods"/>).</param>
    /// <param name="handler">Executes the calls; null registers a tool the model is told about but whose calls get an
    /// error result.</param>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="recipientPrefix"/> is empty or malformed, names a method other
    /// than <paramref name="definition"/>, or is the bare <c>functions</c> namespace.</exception>
    public ToolConfig(string recipientPrefix, ToolDefinition definition, ITool? handler = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (string.IsNullOrWhiteSpace(recipientPrefix))
            throw new ArgumentException("Recipient prefix must not be empty.", nameof(recipientPrefix));
        if (!RecipientSyntax().IsMatch(recipientPrefix))
            throw new ArgumentException(
                $"Recipient prefix '{recipientPrefix}' is not of the form 'namespace' or 'namespace.name' (letters, digits, '_' and '-').",
                nameof(recipientPrefix));

        var dot = recipientPrefix.IndexOf('.', StringComparison.Ordinal);
        Namespace = dot < 0 ? recipientPrefix : recipientPrefix[..dot];
        if (dot >= 0)
        {
            var method = recipientPrefix[(dot + 1)..];
            if (!string.Equals(method, definition.Name, StringComparison.Ordinal))
                throw new ArgumentException(
                    $"Recipient prefix '{recipientPrefix}' names '{method}' but the definition is called '{definition.Name}'.",
                    nameof(definition));
        }
        else if (Namespace == FunctionsNamespace)
        {
            throw new ArgumentException("Function tools are registered one by one as 'functions.<name>'.", nameof(recipientPrefix));
        }

        RecipientPrefix = recipientPrefix;
        Definition = definition;
        Handler = handler;
    }

    /// <summary>What the model addresses: <c>functions.get_weather</c> for a function, <c>browser</c> for a namespace
    /// (whose calls are <c>browser.search</c> and so on).</summary>
    public string RecipientPrefix { get; }

    /// <summary>What the model is told about the tool: the function, or the namespace's name and description.</summary>
    public ToolDefinition Definition { get; }

    /// <summary>Executes the calls; null when the application does not handle them (calls then get an error result).</summary>
    public ITool? Handler { get; init; }

    /// <summary>The namespace part of the prefix (<c>functions</c>, <c>browser</c>).</summary>
    public string Namespace { get; }

    /// <summary>For a namespace registration (prefix without a method): its methods, e.g. search, open, find; empty for
    /// a function. Calls to other methods of the namespace get an error result.</summary>
    /// <exception cref="ArgumentNullException">Set to an array that contains null.</exception>
    /// <exception cref="ArgumentException">Set to an array with two methods of the same name.</exception>
    public ImmutableArray<ToolDefinition> Methods
    {
        get => _methods;
        init
        {
            if (value.IsDefault) value = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var method in value)
            {
                ArgumentNullException.ThrowIfNull(method, nameof(Methods));
                if (!seen.Add(method.Name))
                    throw new ArgumentException($"Namespace '{RecipientPrefix}' defines method '{method.Name}' twice.", nameof(Methods));
            }
            _methods = value;
        }
    }

    private readonly ImmutableArray<ToolDefinition> _methods = [];

    /// <summary>True for <c>browser</c>/<c>python</c>: rendered in the system message, called on the analysis channel.</summary>
    public bool IsBuiltIn => BuiltInToolNamespaces.Contains(Namespace);

    /// <summary>The prefix addresses a whole namespace (no method part).</summary>
    public bool IsNamespace => RecipientPrefix.IndexOf('.', StringComparison.Ordinal) < 0;

    /// <summary>A function tool (<c>functions.NAME</c>).</summary>
    /// <param name="name">The function's name; letters, digits, '_' and '-', not starting with a digit.</param>
    /// <param name="description">What the model is told the function does; null for none.</param>
    /// <param name="parametersJsonSchema">A JSON Schema object (<c>{"type":"object","properties":{…}}</c>), or null for no arguments.</param>
    /// <param name="handler">Executes the calls; null registers it without one.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not an identifier, or the schema is not valid JSON
    /// or not an object schema.</exception>
    public static ToolConfig Function(string name, string? description, string? parametersJsonSchema, ITool? handler = null) =>
        new($"{FunctionsNamespace}.{name}", new ToolDefinition(name, description, parametersJsonSchema), handler);

    /// <summary>A function tool with a delegate handler.</summary>
    /// <param name="name">The function's name; letters, digits, '_' and '-', not starting with a digit.</param>
    /// <param name="description">What the model is told the function does; null for none.</param>
    /// <param name="parametersJsonSchema">A JSON Schema object (<c>{"type":"object","properties":{…}}</c>), or null for no arguments.</param>
    /// <param name="handler">Executes a call and returns the text the model reads.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not an identifier, or the schema is not valid JSON
    /// or not an object schema.</exception>
    public static ToolConfig Function(
        string name, string? description, string? parametersJsonSchema, Func<ToolCall, CancellationToken, ValueTask<string>> handler) =>
        Function(name, description, parametersJsonSchema, new DelegateTool(handler));

    /// <summary>Whether a call to <paramref name="recipient"/> is handled by this registration: the exact prefix for a
    /// function, any <c>namespace.method</c> for a namespace (the method is checked when the call is executed).</summary>
    /// <param name="recipient">A full recipient as the model wrote it; compared ordinally.</param>
    public bool Matches(string recipient) =>
        IsNamespace
            ? recipient.Length > RecipientPrefix.Length && recipient.StartsWith(RecipientPrefix, StringComparison.Ordinal) && recipient[RecipientPrefix.Length] == '.'
            : string.Equals(recipient, RecipientPrefix, StringComparison.Ordinal);

    /// <summary>Checks the combination with already registered tools; throws the reason.</summary>
    internal void ValidateAgainst(IEnumerable<ToolConfig> registered)
    {
        if (IsNamespace && Methods.IsEmpty)
            throw new ArgumentException($"Namespace tool '{RecipientPrefix}' must define at least one method.", "config");
        foreach (var other in registered)
        {
            if (string.Equals(other.RecipientPrefix, RecipientPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"A tool named '{RecipientPrefix}' is already registered.", "config");
            if (other.Namespace == Namespace && (other.IsNamespace || IsNamespace))
                throw new ArgumentException(
                    $"Tool '{RecipientPrefix}' overlaps the registered '{other.RecipientPrefix}' in namespace '{Namespace}'.", "config");
        }
    }

    internal static void ValidateIdentifier(string name, string paramName, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"The {what} must not be empty.", paramName);
        if (!IdentifierSyntax().IsMatch(name))
            throw new ArgumentException($"The {what} '{name}' may only contain letters, digits, '_' and '-', and must not start with a digit.", paramName);
    }

    internal static JsonElement ParseSchema(string schemaJson, string toolName)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(schemaJson);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Parameters of tool '{toolName}' are not valid JSON: {e.Message}", "parametersJsonSchema", e);
        }
        ValidateSchemaNode(root, toolName, "parameters", isRoot: true);
        return root;
    }

    private static readonly HashSet<string> SchemaTypes = ["object", "array", "string", "number", "integer", "boolean", "null"];

    private static void ValidateSchemaNode(JsonElement node, string toolName, string path, bool isRoot)
    {
        if (node.ValueKind != JsonValueKind.Object)
            throw SchemaError(toolName, path, "must be a JSON object (a schema)");
        if (node.TryGetProperty("type", out var type))
        {
            switch (type.ValueKind)
            {
                case JsonValueKind.String when SchemaTypes.Contains(type.GetString()!):
                    break;
                case JsonValueKind.Array when type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && SchemaTypes.Contains(t.GetString()!)):
                    break;
                default:
                    throw SchemaError(toolName, path + ".type", $"'{type.GetRawText()}' is not a JSON-Schema type");
            }
        }
        if (isRoot && (!node.TryGetProperty("type", out var rootType) || rootType.ValueKind != JsonValueKind.String || rootType.GetString() != "object"))
            throw SchemaError(toolName, path, "must have \"type\": \"object\"");

        var propertyNames = new HashSet<string>(StringComparer.Ordinal);
        if (node.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                throw SchemaError(toolName, path + ".properties", "must be an object of property schemas");
            foreach (var property in properties.EnumerateObject())
            {
                propertyNames.Add(property.Name);
                ValidateSchemaNode(property.Value, toolName, $"{path}.properties.{property.Name}", isRoot: false);
            }
        }
        if (node.TryGetProperty("required", out var required))
        {
            if (required.ValueKind != JsonValueKind.Array)
                throw SchemaError(toolName, path + ".required", "must be an array of property names");
            foreach (var item in required.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    throw SchemaError(toolName, path + ".required", "must contain only strings");
                if (!propertyNames.Contains(item.GetString()!))
                    throw SchemaError(toolName, path + ".required", $"names '{item.GetString()}', which is not in properties");
            }
        }
        if (node.TryGetProperty("items", out var items))
            ValidateSchemaNode(items, toolName, path + ".items", isRoot: false);
        if (node.TryGetProperty("enum", out var enumValues) && enumValues.ValueKind != JsonValueKind.Array)
            throw SchemaError(toolName, path + ".enum", "must be an array");
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (!node.TryGetProperty(combinator, out var options)) continue;
            if (options.ValueKind != JsonValueKind.Array)
                throw SchemaError(toolName, $"{path}.{combinator}", "must be an array of schemas");
            var index = 0;
            foreach (var option in options.EnumerateArray())
                ValidateSchemaNode(option, toolName, $"{path}.{combinator}[{index++}]", isRoot: false);
        }
    }

    private static ArgumentException SchemaError(string toolName, string path, string reason) =>
        new($"Parameters of tool '{toolName}': {path} {reason}.", "parametersJsonSchema");

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)?$")]
    private static partial Regex RecipientSyntax();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*$")]
    private static partial Regex IdentifierSyntax();
}
