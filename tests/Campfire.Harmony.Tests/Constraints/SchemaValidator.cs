using System.Text.Json;

namespace Campfire.Harmony.Tests.Constraints;

/// <summary>
/// An independent JSON Schema check for the tests (the subset the tools use: type, properties, required,
/// additionalProperties, items, enum, const, anyOf/oneOf). <c>closed</c> also refuses properties a schema does not
/// declare when it declares some (the grammar's documented reading); without it, standard JSON Schema.
/// </summary>
internal static class SchemaValidator
{
    public static bool IsValid(JsonElement value, JsonElement schema, bool closed)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return true;
        if (schema.ValueKind != JsonValueKind.Object)
            return false;
        if (schema.TryGetProperty("const", out var constant))
            return JsonElement.DeepEquals(value, constant);
        if (schema.TryGetProperty("enum", out var values))
            return values.EnumerateArray().Any(v => JsonElement.DeepEquals(value, v));
        if (!schema.TryGetProperty("type", out var type))
        {
            if (schema.TryGetProperty("anyOf", out var any) || schema.TryGetProperty("oneOf", out any))
                return any.EnumerateArray().Any(branch => IsValid(value, branch, closed));
            if (schema.TryGetProperty("properties", out _))
                return value.ValueKind == JsonValueKind.Object && IsValidObject(value, schema, closed);
            return true;
        }
        var types = type.ValueKind == JsonValueKind.String ? [type.GetString()!] : type.EnumerateArray().Select(t => t.GetString()!).ToArray();
        foreach (var t in types)
        {
            bool ok = t switch
            {
                "string" => value.ValueKind == JsonValueKind.String,
                "number" => value.ValueKind == JsonValueKind.Number,
                "integer" => value.ValueKind == JsonValueKind.Number && IsIntegral(value.GetRawText()),
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "null" => value.ValueKind == JsonValueKind.Null,
                "object" => value.ValueKind == JsonValueKind.Object && IsValidObject(value, schema, closed),
                "array" => value.ValueKind == JsonValueKind.Array && IsValidArray(value, schema, closed),
                _ => false,
            };
            if (ok)
                return true;
        }
        return false;
    }

    private static bool IsIntegral(string number) =>
        number.IndexOfAny(['.', 'e', 'E']) < 0
        || (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d));

    private static bool IsValidObject(JsonElement value, JsonElement schema, bool closed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool hasProperties = schema.TryGetProperty("properties", out var properties) && properties.EnumerateObject().Any();
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                return false;
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (!IsValid(property.Value, propertySchema, closed))
                    return false;
                continue;
            }
            if (hasProperties && closed)
                return false;
            if (additional.ValueKind == JsonValueKind.False)
                return false;
            if (additional.ValueKind == JsonValueKind.Object && !IsValid(property.Value, additional, closed))
                return false;
        }
        if (schema.TryGetProperty("required", out var required))
            return required.EnumerateArray().All(r => seen.Contains(r.GetString()!));
        return true;
    }

    private static bool IsValidArray(JsonElement value, JsonElement schema, bool closed) =>
        !schema.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Object
        || value.EnumerateArray().All(item => IsValid(item, items, closed));
}
