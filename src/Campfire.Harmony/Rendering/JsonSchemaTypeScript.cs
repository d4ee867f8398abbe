using System.Text;
using System.Text.Json;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Turns a tool's JSON Schema into the reference's TypeScript-like parameter type, rule for rule (its
/// <c>json_schema_to_typescript</c>): <c>oneOf</c> unions laid out one variant per line, type arrays joined by <c>|</c>,
/// objects with <c>// description</c>, title, examples and default comments, <c>?</c> for optional properties,
/// <c>| null</c> for nullable, string enums as literal unions, <c>T[]</c> / <c>Array&lt;any&gt;</c>, <c>any</c> otherwise.
/// Indentation and spacing quirks are the reference's (property types nest four spaces deeper, oneOf variants three).
/// Everything is written into one builder; this runs once per tool namespace (the result is cached).
/// </summary>
internal static class JsonSchemaTypeScript
{
    private const string PropertyIndent = "    ";
    private const string VariantIndent = "   ";

    public static string Convert(JsonElement schema)
    {
        var builder = new StringBuilder(256);
        Append(builder, schema, "");
        return builder.ToString();
    }

    public static void Append(StringBuilder output, JsonElement schema, string indent)
    {
        // A union at the top: each variant on its own line, " | " after the indent.
        if (JsonObjects.TryGet(schema, "oneOf", out var oneOf) && oneOf.ValueKind == JsonValueKind.Array)
        {
            string variantIndent = indent + VariantIndent;
            foreach (var variant in oneOf.EnumerateArray())
            {
                output.Append('\n').Append(indent).Append(" | ");
                AppendNullable(output, variant, variantIndent);
                var comments = new TrailingComments(output);
                if (JsonObjects.GetString(variant, "description") is { } description)
                    comments.Add(description);
                if (JsonObjects.TryGet(variant, "default", out var defaultValue))
                    comments.AddDefault(defaultValue, IsEnum(variant), rawEnumString: false);
            }
            return;
        }

        JsonObjects.TryGet(schema, "type", out var type);
        if (type.ValueKind == JsonValueKind.Array && AppendTypeUnion(output, type))
            return;

        if (type.ValueKind != JsonValueKind.String)
        {
            output.Append("any");
            return;
        }

        if (type.ValueEquals("object"))
        {
            AppendObject(output, schema, indent);
        }
        else if (type.ValueEquals("string"))
        {
            if (!(JsonObjects.TryGet(schema, "enum", out var values) && AppendStringLiterals(output, values)))
                output.Append("string");
        }
        else if (type.ValueEquals("number") || type.ValueEquals("integer"))
        {
            output.Append("number");
        }
        else if (type.ValueEquals("boolean"))
        {
            output.Append("boolean");
        }
        else if (type.ValueEquals("array"))
        {
            if (JsonObjects.TryGet(schema, "items", out var items))
            {
                Append(output, items, indent);
                output.Append("[]");
            }
            else
            {
                output.Append("Array<any>");
            }
        }
        else
        {
            output.Append("any");
        }
    }

    /// <summary>["integer", "string"] as "number | string"; false (nothing written) when no entry is a string.</summary>
    private static bool AppendTypeUnion(StringBuilder output, JsonElement types)
    {
        bool any = false;
        foreach (var entry in types.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String)
                continue;
            if (any)
                output.Append(" | ");
            if (entry.ValueEquals("integer"))
                output.Append("number");
            else
                output.Append(entry.GetString());
            any = true;
        }
        return any;
    }

    /// <summary>The string values of an enum as quoted literals; false (nothing written) when there are none.</summary>
    private static bool AppendStringLiterals(StringBuilder output, JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Array)
            return false;
        bool any = false;
        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind != JsonValueKind.String)
                continue;
            if (any)
                output.Append(" | ");
            output.Append('"').Append(value.GetString()).Append('"');
            any = true;
        }
        return any;
    }

    private static void AppendObject(StringBuilder output, JsonElement schema, string indent)
    {
        if (JsonObjects.GetString(schema, "description") is { } objectDescription)
            output.Append(indent).Append("// ").Append(objectDescription).Append('\n');
        output.Append("{\n");

        if (JsonObjects.TryGet(schema, "properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            JsonObjects.TryGet(schema, "required", out var required);
            string propertyIndent = indent + PropertyIndent;
            foreach (var (key, property) in JsonObjects.DistinctMembers(properties))
            {
                bool isRequired = IsListed(required, key);
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
                    AppendOneOfProperty(output, key, isRequired, property, oneOf, propertyDescription, indent);
                    continue;
                }

                output.Append(indent).Append(key).Append(isRequired ? ": " : "?: ");
                AppendNullable(output, property, propertyIndent);
                output.Append(',');
                if (!hasOneOf && JsonObjects.TryGet(property, "default", out var defaultValue))
                {
                    output.Append(" // default: ");
                    AppendDefault(output, defaultValue, IsEnum(property), rawEnumString: true);
                }
                output.Append('\n');
            }
        }
        output.Append(indent).Append('}');
    }

    private static void AppendOneOfProperty(
        StringBuilder output, string key, bool isRequired, JsonElement property, JsonElement oneOf, string? propertyDescription, string indent)
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
        {
            output.Append(indent).Append("// default: ");
            AppendDefault(output, propertyDefault, IsEnum(property), rawEnumString: true);
            output.Append('\n');
        }
        output.Append(indent).Append(key).Append(isRequired ? ":\n" : "?:\n");

        string variantIndent = indent + VariantIndent;
        int index = 0;
        foreach (var variant in oneOf.EnumerateArray())
        {
            output.Append(indent).Append(" | ");
            AppendNullable(output, variant, variantIndent);
            var comments = new TrailingComments(output);
            if (!(index == 0 && descriptionAbove)
                && JsonObjects.GetString(variant, "description") is { } variantDescription
                && variantDescription != propertyDescription)
            {
                comments.Add(variantDescription);
            }
            if (JsonObjects.TryGet(variant, "default", out var variantDefault))
                comments.AddDefault(variantDefault, IsEnum(variant), rawEnumString: true);
            output.Append('\n');
            index++;
        }
        output.Append(indent).Append(",\n");
    }

    /// <summary>The type of a property or variant, with " | null" added when nullable and no "null" shows in it yet.</summary>
    private static void AppendNullable(StringBuilder output, JsonElement schema, string indent)
    {
        int start = output.Length;
        Append(output, schema, indent);
        if (JsonObjects.IsTrue(schema, "nullable") && !Contains(output, start, "null"))
            output.Append(" | null");
    }

    private static bool Contains(StringBuilder output, int start, string text)
    {
        int length = output.Length - start;
        if (length < text.Length)
            return false;
        return output.ToString(start, length).Contains(text, StringComparison.Ordinal);
    }

    private static bool IsEnum(JsonElement schema) =>
        JsonObjects.TryGet(schema, "enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0;

    /// <summary>Whether <paramref name="name"/> is a string of the <c>required</c> array (anything else lists nothing).</summary>
    private static bool IsListed(JsonElement required, string name)
    {
        if (required.ValueKind != JsonValueKind.Array)
            return false;
        foreach (var entry in required.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String && entry.ValueEquals(name))
                return true;
        }
        return false;
    }

    /// <summary>
    /// A default value as the reference comments it: a string in quotes, as is (unquoted) when the schema is an enum
    /// and <paramref name="rawEnumString"/> (a top-level union variant shows it as JSON instead), anything else as JSON.
    /// </summary>
    private static void AppendDefault(StringBuilder output, JsonElement value, bool isEnum, bool rawEnumString)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            if (!isEnum)
            {
                output.Append('"').Append(value.GetString()).Append('"');
                return;
            }
            if (rawEnumString)
            {
                output.Append(value.GetString());
                return;
            }
        }
        SerdeJsonFormatter.Append(output, value);
    }

    /// <summary>Writes " // a b c": the separator before the first comment, a space between the next ones.</summary>
    private ref struct TrailingComments(StringBuilder output)
    {
        private bool _any;

        public void Add(string comment)
        {
            Separator();
            output.Append(comment);
        }

        public void AddDefault(JsonElement value, bool isEnum, bool rawEnumString)
        {
            Separator();
            output.Append("default: ");
            AppendDefault(output, value, isEnum, rawEnumString);
        }

        private void Separator()
        {
            output.Append(_any ? " " : " // ");
            _any = true;
        }
    }
}
