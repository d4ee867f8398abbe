using System.Text.Json;

namespace Campfire.Harmony.Tools;

/// <summary>A callable tool (or one method of a namespace): name, description and JSON-Schema parameters.</summary>
public sealed record ToolDefinition
{
    /// <summary>A definition, its schema parsed and checked.</summary>
    /// <param name="name">The tool's or method's name; letters, digits, '_' and '-', not starting with a digit.</param>
    /// <param name="description">What the model is told the tool does; null for none.</param>
    /// <param name="parametersJsonSchema">A JSON Schema object (<c>{"type":"object","properties":{…}}</c>), or null for no arguments.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or not an identifier, or
    /// <paramref name="parametersJsonSchema"/> is not valid JSON, not <c>"type": "object"</c> at the top, or malformed
    /// (bad types, <c>required</c> naming a missing property...).</exception>
    public ToolDefinition(string name, string? description = null, string? parametersJsonSchema = null)
    {
        ToolConfig.ValidateIdentifier(name, nameof(name), "tool name");
        Name = name;
        Description = description;
        if (parametersJsonSchema is not null)
        {
            Parameters = ToolConfig.ParseSchema(parametersJsonSchema, name);
            ParametersJson = parametersJsonSchema;
        }
    }

    /// <summary>The name the model calls: the part after the namespace (<c>get_weather</c> in <c>functions.get_weather</c>).</summary>
    public string Name { get; }

    /// <summary>What the model is told the tool does; null for none.</summary>
    public string? Description { get; }

    /// <summary>The schema as given; null when the tool takes no arguments.</summary>
    public string? ParametersJson { get; }

    /// <summary>The schema, parsed and validated.</summary>
    public JsonElement? Parameters { get; }
}
