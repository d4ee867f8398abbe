using System.Text.Json;

namespace Campfire.Harmony.Rendering;

/// <summary>Object access with the reference's semantics (serde_json with <c>preserve_order</c>).</summary>
internal static class JsonObjects
{
    /// <summary>Members in first-occurrence order; a repeated name yields its last value (what an IndexMap insert keeps).</summary>
    public static List<KeyValuePair<string, JsonElement>> DistinctMembers(JsonElement obj)
    {
        var members = new List<KeyValuePair<string, JsonElement>>();
        Dictionary<string, int>? positions = null; // only for large objects; small ones are scanned
        foreach (var property in obj.EnumerateObject())
        {
            string name = property.Name;
            int at = -1;
            if (positions is not null)
            {
                if (!positions.TryGetValue(name, out at))
                    at = -1;
            }
            else
            {
                for (int i = 0; i < members.Count; i++)
                {
                    if (string.Equals(members[i].Key, name, StringComparison.Ordinal))
                    {
                        at = i;
                        break;
                    }
                }
            }

            if (at >= 0)
            {
                members[at] = new(name, property.Value);
                continue;
            }
            members.Add(new(name, property.Value));
            if (positions is not null)
            {
                positions[name] = members.Count - 1;
            }
            else if (members.Count == 32)
            {
                positions = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < members.Count; i++)
                    positions[members[i].Key] = i;
            }
        }
        return members;
    }

    /// <summary><c>Value::get(key)</c>: the member of an object (the last one if repeated, as System.Text.Json also picks); nothing for non-objects.</summary>
    public static bool TryGet(JsonElement value, string name, out JsonElement member)
    {
        if (value.ValueKind == JsonValueKind.Object)
            return value.TryGetProperty(name, out member);
        member = default;
        return false;
    }

    public static string? GetString(JsonElement value, string name) =>
        TryGet(value, name, out var member) && member.ValueKind == JsonValueKind.String ? member.GetString() : null;

    public static bool IsTrue(JsonElement value, string name) =>
        TryGet(value, name, out var member) && member.ValueKind == JsonValueKind.True;
}
