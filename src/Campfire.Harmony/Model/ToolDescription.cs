using System.Text.Json;

namespace Campfire.Harmony.Model;

/// <summary>
/// One tool of a namespace: its name, a description (rendered as <c>//</c> comment lines) and its parameters as a JSON
/// Schema (rendered as a TypeScript-like type). Without parameters the tool renders as <c>() => any</c>.
/// </summary>
public sealed record ToolDescription
{
    /// <summary>A tool named <paramref name="name"/>.</summary>
    /// <param name="name">The tool's name within its namespace (e.g. <c>get_weather</c>).</param>
    /// <param name="description">What the tool does, rendered as comment lines above it.</param>
    /// <param name="parameters">The parameters' JSON Schema (an object schema), or null (or a JSON null) for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="description"/> is null.</exception>
    public ToolDescription(string name, string description, JsonElement? parameters = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Description = description ?? throw new ArgumentNullException(nameof(description));
        Parameters = parameters;
    }

    /// <summary>Parses <paramref name="parametersJson"/> as the parameters' JSON Schema.</summary>
    /// <exception cref="HarmonyModelException"><paramref name="parametersJson"/> is not valid JSON.</exception>
    public ToolDescription(string name, string description, string parametersJson)
        : this(name, description, ParseSchema(parametersJson)) { }

    /// <summary>The tool's name within its namespace.</summary>
    public string Name { get; init; }

    /// <summary>What the tool does, rendered as <c>//</c> comment lines above it.</summary>
    public string Description { get; init; }

    /// <summary>The parameters' JSON Schema; null when the tool takes none. Always a detached (cloned) element.</summary>
    public JsonElement? Parameters
    {
        get;
        init => field = value is { } element && element.ValueKind != JsonValueKind.Null ? element.Clone() : null;
    }

    /// <summary>A copy with <paramref name="parameters"/> as the JSON Schema (null: none).</summary>
    public ToolDescription WithParameters(JsonElement? parameters) => this with { Parameters = parameters };

    /// <summary>Value equality: same name and description (ordinal) and deeply equal schemas.</summary>
    public bool Equals(ToolDescription? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && (Parameters, other.Parameters) switch
        {
            (null, null) => true,
            ({ } a, { } b) => JsonElement.DeepEquals(a, b),
            _ => false,
        };

    /// <summary>A hash consistent with <see cref="Equals(ToolDescription?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Name, Description, Parameters.HasValue);

    private static JsonElement ParseSchema(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new HarmonyModelException($"tool parameters are not valid JSON: {e.Message}");
        }
    }
}
