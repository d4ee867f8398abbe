using System.Text.Json;

namespace Campfire.Inference.Tests.Constraints;

/// <summary>
/// An independent check of tool arguments against the JSON Schema subset the tools here use (type or type list,
/// properties, required, enum, additionalProperties: false, items), so the acceptance test does not judge the
/// grammar's JSON with the grammar itself. Returns null when valid, else where and why not.
/// </summary>
internal static class SchemaCheck
{
    public static string? Problem(string json, JsonElement schema)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Problem(document.RootElement, schema, "$");
        }
        catch (JsonException e)
        {
            return $"not JSON: {e.Message}";
        }
    }

    private static string? Problem(JsonElement value, JsonElement schema, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            bool matches = type.ValueKind == JsonValueKind.Array
                ? type.EnumerateArray().Any(t => IsType(value, t.GetString()!))
                : IsType(value, type.GetString()!);
            if (!matches) return $"{path}: {value.ValueKind} is not of type {type.GetRawText()}";
        }
        if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(c => JsonElement.DeepEquals(c, value)))
            return $"{path}: {value.GetRawText()} is not one of {choices.GetRawText()}";
        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var member in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var memberSchema))
                {
                    if (Problem(member.Value, memberSchema, $"{path}.{member.Name}") is { } problem) return problem;
                }
                else if (schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.False)
                {
                    return $"{path}: property '{member.Name}' is not allowed";
                }
            }
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray())
                    if (!value.TryGetProperty(name.GetString()!, out _)) return $"{path}: required property '{name.GetString()}' is missing";
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            int i = 0;
            foreach (var item in value.EnumerateArray())
                if (Problem(item, items, $"{path}[{i++}]") is { } problem) return problem;
        }
        return null;
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new ArgumentException($"schema type '{type}' is outside what this check knows"),
    };
}
