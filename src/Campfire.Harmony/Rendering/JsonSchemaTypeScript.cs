using System.Text;
using System.Text.Json;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Turns a tool's JSON Schema into the reference's TypeScript-like parameter type, rule for rule (its
/// <c>json_schema_to_typescript</c>): <c>oneOf</c> unions laid out one variant per line, type arrays joined by <c>|</c>,
/// objects with <c>// description</c>, title, examples and default comments, <c>?</c> for optional properties,
/// <c>| null</c> for nullable, string enums as literal unions, <c>T[]</c> / <c>Array&lt;any&gt;</c>, <c>any</c> otherwise.
/// Indentation and spacing quirks are the reference's (property types nest four spaces deeper, oneOf variants three).
/// </summary>
internal static class JsonSchemaTypeScript
{
    public static string Convert(JsonElement schema)
    {
        var builder = new StringBuilder();
        Append(builder, schema, "");
        return builder.ToString();
    }

    private static bool IsEnum(JsonElement schema) =>
        JsonObjects.TryGet(schema, "enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0;

    private static void Append(StringBuilder output, JsonElement schema, string indent)
    {
        // A union at the top: each variant on its own line, " | " after the indent.
        if (JsonObjects.TryGet(schema, "oneOf", out var oneOf) && oneOf.ValueKind == JsonValueKind.Array)
        {
            foreach (var variant in oneOf.EnumerateArray())
            {
                output.Append('\n').Append(indent).Append(" | ");
                output.Append(VariantType(variant, indent + "   "));
                var trailing = new List<string>();
                if (JsonObjects.GetString(variant, "description") is { } description)
                    trailing.Add(description);
                if (JsonObjects.TryGet(variant, "default", out var defaultValue))
                    trailing.Add("default: " + DefaultText(defaultValue, IsEnum(variant), rawEnumString: false));
                if (trailing.Count > 0)
                    output.Append(" // ").AppendJoin(' ', trailing);
            }
            return;
        }

        JsonObjects.TryGet(schema, "type", out var type);
        if (type.ValueKind == JsonValueKind.Array)
        {
            bool any = false;
            foreach (var entry in type.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.String)
                    continue;
                if (any) output.Append(" | ");
                var name = entry.GetString()!;
                output.Append(name == "integer" ? "number" : name);
                any = true;
            }
            if (any)
                return;
        }

        if (type.ValueKind != JsonValueKind.String)
        {
            output.Append("any");
            return;
        }

        switch (type.GetString())
        {
            case "object":
                AppendObject(output, schema, indent);
                break;
            case "string":
                if (JsonObjects.TryGet(schema, "enum", out var values) && values.ValueKind == JsonValueKind.Array)
                {
                    bool anyValue = false;
                    foreach (var value in values.EnumerateArray())
                    {
                        if (value.ValueKind != JsonValueKind.String)
                            continue;
                        if (anyValue) output.Append(" | ");
                        output.Append('"').Append(value.GetString()).Append('"');
                        anyValue = true;
                    }
                    if (anyValue)
                        break;
                }
                output.Append("string");
                break;
            case "number":
            case "integer":
                output.Append("number");
                break;
            case "boolean":
                output.Append("boolean");
                break;
            case "array":
                if (JsonObjects.TryGet(schema, "items", out var items))
                {
                    Append(output, items, indent);
                    output.Append("[]");
                }
                else
                {
                    output.Append("Array<any>");
                }
                break;
            default:
                output.Append("any");
                break;
        }
    }

    private static void AppendObject(StringBuilder output, JsonElement schema, string indent)
    {
        if (JsonObjects.GetString(schema, "description") is { } objectDescription)
            output.Append(indent).Append("// ").Append(objectDescription).Append('\n');
        output.Append("{\n");

        if (JsonObjects.TryGet(schema, "properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (JsonObjects.TryGet(schema, "required", out var requiredList) && requiredList.ValueKind == JsonValueKind.Array)
            {
                foreach (var name in requiredList.EnumerateArray())
                {
                    if (name.ValueKind == JsonValueKind.String)
                        required.Add(name.GetString()!);
                }
            }

            foreach (var (key, property) in JsonObjects.DistinctMembers(properties))
            {
                string optionalMark = required.Contains(key) ? "" : "?";
                if (JsonObjects.GetString(property, "title") is { } title)
                    output.Append(indent).Append("// ").Append(title).Append('\n').Append(indent).Append("//\n");
                bool hasOneOf = JsonObjects.TryGet(property, "oneOf", out var oneOf);
                string? propertyDescription = JsonObjects.GetString(property, "description");
                if (!hasOneOf && propertyDescription is not null)
                    output.Append(indent).Append("// ").Append(propertyDescription).Append('\n');
                if (JsonObjects.TryGet(property, "examples", out var examples) && examples.ValueKind == JsonValueKind.Array && examples.GetArrayLength() > 0)
                {
                    output.Append(indent).Append("// Examples:\n");
                    foreach (var example in examples.EnumerateArray())
                    {
                        if (example.ValueKind == JsonValueKind.String)
                            output.Append(indent).Append("// - \"").Append(example.GetString()).Append("\"\n");
                    }
                }

                if (hasOneOf && oneOf.ValueKind == JsonValueKind.Array)
                {
                    AppendOneOfProperty(output, key, optionalMark, property, oneOf, propertyDescription, indent);
                    continue;
                }

                output.Append(indent).Append(key).Append(optionalMark).Append(": ");
                output.Append(VariantType(property, indent + "    "));
                output.Append(',');
                if (!hasOneOf && JsonObjects.TryGet(property, "default", out var defaultValue))
                    output.Append(" // default: ").Append(DefaultText(defaultValue, IsEnum(property), rawEnumString: true));
                output.Append('\n');
            }
        }
        output.Append(indent).Append('}');
    }

    private static void AppendOneOfProperty(
        StringBuilder output, string key, string optionalMark, JsonElement property, JsonElement oneOf, string? propertyDescription, string indent)
    {
        // The property's description is shown once: above the name, unless the first variant repeats it.
        bool firstVariantRepeatsDescription = propertyDescription is not null
            && oneOf.GetArrayLength() > 0
            && JsonObjects.GetString(oneOf[0], "description") == propertyDescription;
        bool descriptionAbove = false;
        if (!firstVariantRepeatsDescription && propertyDescription is not null)
        {
            output.Append(indent).Append("// ").Append(propertyDescription).Append('\n');
            descriptionAbove = true;
        }
        if (JsonObjects.TryGet(property, "default", out var propertyDefault))
            output.Append(indent).Append("// default: ").Append(DefaultText(propertyDefault, IsEnum(property), rawEnumString: true)).Append('\n');
        output.Append(indent).Append(key).Append(optionalMark).Append(":\n");

        int index = 0;
        foreach (var variant in oneOf.EnumerateArray())
        {
            output.Append(indent).Append(" | ");
            output.Append(VariantType(variant, indent + "   "));
            var trailing = new List<string>();
            if (!(index == 0 && descriptionAbove)
                && JsonObjects.GetString(variant, "description") is { } variantDescription
                && variantDescription != propertyDescription)
            {
                trailing.Add(variantDescription);
            }
            if (JsonObjects.TryGet(variant, "default", out var variantDefault))
                trailing.Add("default: " + DefaultText(variantDefault, IsEnum(variant), rawEnumString: true));
            if (trailing.Count > 0)
                output.Append(" // ").AppendJoin(' ', trailing);
            output.Append('\n');
            index++;
        }
        output.Append(indent).Append(",\n");
    }

    /// <summary>The type of a property or variant, with " | null" added when nullable and no "null" shows yet.</summary>
    private static string VariantType(JsonElement schema, string indent)
    {
        var builder = new StringBuilder();
        Append(builder, schema, indent);
        var text = builder.ToString();
        if (JsonObjects.IsTrue(schema, "nullable") && !text.Contains("null", StringComparison.Ordinal))
            text += " | null";
        return text;
    }

    /// <summary>
    /// A default value as the reference comments it: a string in quotes, as is (unquoted) when the schema is an enum
    /// and <paramref name="rawEnumString"/> (a top-level union variant shows it as JSON instead), anything else as JSON.
    /// </summary>
    private static string DefaultText(JsonElement value, bool isEnum, bool rawEnumString)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            if (!isEnum)
                return "\"" + value.GetString() + "\"";
            if (rawEnumString)
                return value.GetString()!;
        }
        return SerdeJsonFormatter.Format(value);
    }
}
