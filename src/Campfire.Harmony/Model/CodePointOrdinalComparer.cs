namespace Campfire.Harmony.Model;

/// <summary>
/// Orders namespace keys as the reference's <c>BTreeMap&lt;String, _&gt;</c> does: by UTF-8 bytes, i.e. by code point
/// (plain UTF-16 ordinal order differs for characters above U+FFFF versus U+E000..U+FFFF).
/// </summary>
public sealed class CodePointOrdinalComparer : IComparer<string>
{
    /// <summary>The shared instance (the comparer has no state).</summary>
    public static CodePointOrdinalComparer Instance { get; } = new();

    /// <summary>Compares by code point, as UTF-8 bytes compare; null sorts first.</summary>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            char a = x[i], b = y[i];
            if (a == b) continue;
            // Surrogates (D800..DFFF) encode code points above every BMP character, so they sort after E000..FFFF.
            bool aSurrogate = char.IsSurrogate(a), bSurrogate = char.IsSurrogate(b);
            if (aSurrogate != bSurrogate)
                return aSurrogate ? (b >= '\uE000' ? 1 : a - b) : (a >= '\uE000' ? -1 : a - b);
            return a - b;
        }
        return x.Length - y.Length;
    }
}
