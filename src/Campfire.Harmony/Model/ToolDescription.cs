using System.Text.Json;

namespace Campfire.Harmony.Model;

/// <summary>
/// One tool of a namespace: its name, a description (rendered as <c>//</c> comment lines) and its parameters as a JSON
/// Schema (rendered as a TypeScript-like type). Without parameters the tool renders as <c>() => any</c>.
/// </summary>
public sealed record ToolDescription
{
    public ToolDescription(string name, string description, JsonElement? parameters = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Description = description ?? throw new ArgumentNullException(nameof(description));
        Parameters = parameters;
    }

    /// <summary>Parses <paramref name="parametersJson"/> as the parameters' JSON Schema.</summary>
    public ToolDescription(string name, string description, string parametersJson)
        : this(name, description, ParseSchema(parametersJson)) { }

    public string Name { get; init; }
    public string Description { get; init; }

    /// <summary>The parameters' JSON Schema; null when the tool takes none. Always a detached (cloned) element.</summary>
    public JsonElement? Parameters
    {
        get;
        init => field = value is { } element && element.ValueKind != JsonValueKind.Null ? element.Clone() : null;
    }

    public ToolDescription WithParameters(JsonElement? parameters) => this with { Parameters = parameters };

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
