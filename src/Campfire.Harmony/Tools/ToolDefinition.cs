using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tools;

/// <summary>A callable tool (or one method of a namespace): name, description and JSON-Schema parameters.</summary>
public sealed record ToolDefinition
{
    /// <param name="parametersJsonSchema">A JSON Schema object (<c>{"type":"object","properties":{…}}</c>), or null for no arguments.</param>
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

    public string Name { get; }
    public string? Description { get; }

    /// <summary>The schema as given; null when the tool takes no arguments.</summary>
    public string? ParametersJson { get; }

    /// <summary>The schema, parsed and validated.</summary>
    public JsonElement? Parameters { get; }
}
