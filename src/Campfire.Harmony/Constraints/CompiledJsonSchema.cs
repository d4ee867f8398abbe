using System.Text;
using System.Text.Json;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// The JSON Schemas of one grammar's tools, compiled into <see cref="SchemaNode"/>s that <see cref="JsonMachine"/> walks.
/// Supported: <c>type</c> (one or a list), <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>,
/// <c>enum</c>, <c>const</c>, and <c>anyOf</c>/<c>oneOf</c> of plain scalar types. Annotations and the keywords that only
/// narrow a value further (<c>minimum</c>, <c>pattern</c>, <c>format</c>, <c>minLength</c>...) are not enforced: the
/// mask admits what the schema's shape admits. Whatever cannot be expressed (<c>$ref</c>, <c>allOf</c>, <c>not</c>,
/// unions of structured schemas) admits any JSON value there. Declared properties close an object
/// (<c>additionalProperties</c> counts only for objects that declare none): the model is shown the declared ones only.
/// </summary>
internal sealed class CompiledJsonSchema
{
    /// <summary>How deeply values may nest (objects and arrays); deeper schemas are refused at build time.</summary>
    public const int MaxDepth = 16;

    private readonly List<SchemaNode> _nodes = [];
    private readonly List<int> _propertyNodes = [];
    private SchemaNode[] _frozen = [];
    private int[] _frozenProperties = [];

    public CompiledJsonSchema()
    {
        Literals = new LiteralTrie();
        AnyNode = _nodes.Count;
        _nodes.Add(default);
        _nodes[AnyNode] = new SchemaNode(JsonTypes.Any, -1, -1, 0, 0, 0, AnyNode, AnyNode);
    }

    public LiteralTrie Literals { get; }

    /// <summary>A node that admits any JSON value.</summary>
    public int AnyNode { get; }

    public ReadOnlySpan<SchemaNode> Nodes => _frozen;

    public ReadOnlySpan<int> PropertyNodes => _frozenProperties;

    public void Freeze()
    {
        Literals.Freeze();
        _frozen = [.. _nodes];
        _frozenProperties = [.. _propertyNodes];
    }

    /// <summary>Compiles one tool's parameter schema; returns its root node.</summary>
    /// <exception cref="ConstraintSchemaException">The schema is not a JSON object or boolean, or it nests too deeply,
    /// or an object declares more than 64 properties.</exception>
    public int Add(string tool, JsonElement schema) => Compile(tool, schema, "$", 0);

    private int Compile(string tool, JsonElement schema, string path, int depth)
    {
        if (depth > MaxDepth)
            ConstraintThrowHelper.ThrowSchema(tool, path, $"nests deeper than {MaxDepth} levels");
        if (schema.ValueKind is JsonValueKind.True)
            return AnyNode;
        if (schema.ValueKind != JsonValueKind.Object)
            ConstraintThrowHelper.ThrowSchema(tool, path, $"a schema must be a JSON object or true, found {schema.ValueKind}");

        if (schema.TryGetProperty("const", out var constant))
            return AddLiterals([constant]);
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                ConstraintThrowHelper.ThrowSchema(tool, path + ".enum", "enum must be a non-empty array");
            return AddLiterals([.. values.EnumerateArray()]);
        }

        JsonTypes types = JsonTypes.None;
        if (schema.TryGetProperty("type", out var type))
            types = ReadTypes(tool, type, path + ".type");
        else if (UnionTypes(schema) is { } union)
            types = union;
        else if (schema.TryGetProperty("anyOf", out _) || schema.TryGetProperty("oneOf", out _)
                 || schema.TryGetProperty("allOf", out _) || schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("not", out _))
            return AnyNode;
        else if (schema.TryGetProperty("properties", out _))
            types = JsonTypes.Object;
        else if (schema.TryGetProperty("items", out _))
            types = JsonTypes.Array;
        else
            return AnyNode;

        int keyRoot = -1, propertyStart = 0, propertyCount = 0, additional = AnyNode, items = AnyNode;
        ulong required = 0;
        if ((types & JsonTypes.Object) != 0)
            CompileObject(tool, schema, path, depth, out keyRoot, out propertyStart, out propertyCount, out required, out additional);
        if ((types & JsonTypes.Array) != 0 && schema.TryGetProperty("items", out var itemSchema))
            items = itemSchema.ValueKind == JsonValueKind.Array ? AnyNode : Compile(tool, itemSchema, path + ".items", depth + 1);
        _nodes.Add(new SchemaNode(types, -1, keyRoot, propertyStart, propertyCount, required, additional, items));
        return _nodes.Count - 1;
    }

    private void CompileObject(string tool, JsonElement schema, string path, int depth, out int keyRoot, out int propertyStart,
        out int propertyCount, out ulong required, out int additional)
    {
        keyRoot = -1;
        propertyStart = 0;
        propertyCount = 0;
        required = 0;
        additional = AnyNode;
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            var names = properties.EnumerateObject().ToList();
            if (names.Count > 64)
                ConstraintThrowHelper.ThrowSchema(tool, path + ".properties", $"declares {names.Count} properties; at most 64 are supported");
            if (names.Count > 0)
            {
                var valueNodes = new int[names.Count];
                for (int i = 0; i < names.Count; i++)
                    valueNodes[i] = Compile(tool, names[i].Value, $"{path}.properties.{names[i].Name}", depth + 1);
                keyRoot = Literals.NewRoot();
                propertyStart = _propertyNodes.Count;
                propertyCount = names.Count;
                _propertyNodes.AddRange(valueNodes);
                for (int i = 0; i < names.Count; i++)
                    Literals.Add(keyRoot, KeyBytes(names[i].Name), i);
                if (schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
                {
                    foreach (var r in req.EnumerateArray())
                    {
                        int index = r.ValueKind == JsonValueKind.String ? names.FindIndex(p => p.Name == r.GetString()) : -1;
                        if (index < 0)
                            ConstraintThrowHelper.ThrowSchema(tool, path + ".required", $"requires {r.GetRawText()}, which is not among its properties");
                        required |= 1UL << index;
                    }
                }
                return;
            }
        }
        if (schema.TryGetProperty("additionalProperties", out var extra))
        {
            if (extra.ValueKind == JsonValueKind.False)
            {
                // No property may appear: an empty object only.
                keyRoot = Literals.NewRoot();
                return;
            }
            additional = extra.ValueKind == JsonValueKind.Object ? Compile(tool, extra, path + ".additionalProperties", depth + 1) : AnyNode;
        }
    }

    /// <summary><c>anyOf</c>/<c>oneOf</c> whose branches are only <c>type</c>s: their union; null otherwise.</summary>
    private static JsonTypes? UnionTypes(JsonElement schema)
    {
        if (!schema.TryGetProperty("anyOf", out var branches) && !schema.TryGetProperty("oneOf", out branches))
            return null;
        if (branches.ValueKind != JsonValueKind.Array)
            return null;
        JsonTypes union = JsonTypes.None;
        foreach (var branch in branches.EnumerateArray())
        {
            if (branch.ValueKind != JsonValueKind.Object || !branch.TryGetProperty("type", out var t))
                return null;
            foreach (var p in branch.EnumerateObject())
            {
                if (p.Name is not ("type" or "description" or "title" or "default"))
                    return null;
            }
            JsonTypes one;
            try { one = ReadTypes("", t, ""); }
            catch (ConstraintSchemaException) { return null; }
            if ((one & (JsonTypes.Object | JsonTypes.Array)) != 0)
                return null;
            union |= one;
        }
        return union == JsonTypes.None ? null : union;
    }

    private static JsonTypes ReadTypes(string tool, JsonElement type, string path)
    {
        if (type.ValueKind == JsonValueKind.String)
            return ReadType(tool, type.GetString()!, path);
        if (type.ValueKind != JsonValueKind.Array)
            ConstraintThrowHelper.ThrowSchema(tool, path, "type must be a string or an array of strings");
        JsonTypes types = JsonTypes.None;
        foreach (var t in type.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String)
                ConstraintThrowHelper.ThrowSchema(tool, path, "type must be a string or an array of strings");
            types |= ReadType(tool, t.GetString()!, path);
        }
        return types == JsonTypes.None ? JsonTypes.Any : types;
    }

    private static JsonTypes ReadType(string tool, string name, string path) => name switch
    {
        "string" => JsonTypes.String,
        "number" => JsonTypes.Number,
        "integer" => JsonTypes.Integer,
        "boolean" => JsonTypes.Boolean,
        "null" => JsonTypes.Null,
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        _ => ConstraintThrowHelper.ThrowSchema<JsonTypes>(tool, path, $"unknown type \"{name}\""),
    };

    private int AddLiterals(IReadOnlyList<JsonElement> values)
    {
        int root = Literals.NewRoot();
        foreach (var value in values)
            Literals.Add(root, LiteralBytes(value), -1);
        _nodes.Add(new SchemaNode(JsonTypes.None, root, -1, 0, 0, 0, AnyNode, AnyNode));
        return _nodes.Count - 1;
    }

    /// <summary>The compact JSON text of a literal: the spelling the model is held to (an enum string written with other
    /// escapes is not admitted).</summary>
    private static byte[] LiteralBytes(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? [(byte)'"', .. KeyBytes(value.GetString()!)]
        : Encoding.UTF8.GetBytes(value.GetRawText());

    /// <summary>A string's content as JSON writes it with only the escapes it must use, then the closing quote.</summary>
    private static byte[] KeyBytes(string name)
    {
        var bytes = new List<byte>();
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            switch (b)
            {
                case (byte)'"': bytes.Add((byte)'\\'); bytes.Add((byte)'"'); break;
                case (byte)'\\': bytes.Add((byte)'\\'); bytes.Add((byte)'\\'); break;
                case (byte)'\n': bytes.Add((byte)'\\'); bytes.Add((byte)'n'); break;
                case (byte)'\t': bytes.Add((byte)'\\'); bytes.Add((byte)'t'); break;
                case (byte)'\r': bytes.Add((byte)'\\'); bytes.Add((byte)'r'); break;
                case < 0x20: bytes.AddRange(Encoding.ASCII.GetBytes($"\\u{b:x4}")); break;
                default: bytes.Add(b); break;
            }
        }
        bytes.Add((byte)'"');
        return [.. bytes];
    }
}
