using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Writes a JSON value the way the reference's <c>serde_json::Value</c> displays it (compact, keys in document order with
/// a repeated key kept at its first position holding its last value, strings escaped as serde does, integers as integers
/// and other numbers in Ryu's shortest form such as <c>10.0</c>, <c>1e21</c>, <c>1.5e-7</c>). Default values in tool schemas
/// are shown this way.
/// </summary>
internal static class SerdeJsonFormatter
{
    public static string Format(JsonElement value)
    {
        var builder = new StringBuilder();
        Append(builder, value);
        return builder.ToString();
    }

    public static void Append(StringBuilder builder, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                bool first = true;
                foreach (var (name, member) in JsonObjects.DistinctMembers(value))
                {
                    if (!first) builder.Append(',');
                    first = false;
                    AppendString(builder, name);
                    builder.Append(':');
                    Append(builder, member);
                }
                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                int index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index++ > 0) builder.Append(',');
                    Append(builder, item);
                }
                builder.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(builder, value.GetString()!);
                break;
            case JsonValueKind.Number:
                AppendNumber(builder, value.GetRawText());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    public static void AppendString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u00").Append(HexDigit(c >> 4)).Append(HexDigit(c & 0xF)); break;
                default: builder.Append(c); break;
            }
        }
        builder.Append('"');
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);

    /// <summary>serde_json keeps integers that fit u64 / i64 exactly; "-0" and everything else become f64.</summary>
    internal static void AppendNumber(StringBuilder builder, string raw)
    {
        bool integral = raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0;
        if (integral)
        {
            if (raw[0] == '-')
            {
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long negative) && negative != 0)
                {
                    builder.Append(negative.ToString(CultureInfo.InvariantCulture));
                    return;
                }
            }
            else if (ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out ulong positive))
            {
                builder.Append(positive.ToString(CultureInfo.InvariantCulture));
                return;
            }
        }
        double number = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        AppendRyu(builder, number);
    }

    /// <summary>Ryu's <c>format_finite</c> layout over the shortest round-trip digits.</summary>
    internal static void AppendRyu(StringBuilder builder, double value)
    {
        if (double.IsInfinity(value))
        {
            // serde_json cannot hold these; a JSON document parsed by System.Text.Json never yields them either.
            builder.Append("null");
            return;
        }
        if (double.IsNegative(value))
            builder.Append('-');
        value = Math.Abs(value);
        if (value == 0)
        {
            builder.Append("0.0");
            return;
        }

        // .NET's "R" gives the same shortest round-trip digits as Ryu, only laid out differently; reduce them to digits
        // and a power of ten so serde's layout rules can be applied below.
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        int exponentAt = r.IndexOfAny(['E', 'e']);
        int exponent = exponentAt >= 0 ? int.Parse(r.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var mantissa = exponentAt >= 0 ? r.AsSpan(0, exponentAt) : r.AsSpan();
        var digits = new StringBuilder(24);
        int point = mantissa.IndexOf('.');
        int fractionDigits = point >= 0 ? mantissa.Length - point - 1 : 0;
        foreach (char c in mantissa)
        {
            if (c != '.')
                digits.Append(c);
        }
        exponent -= fractionDigits;
        // The layout rules below count significant digits only (0.001 is 1e-3, 100 is 1e2).
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits.Remove(0, lead);
        while (digits.Length > 1 && digits[^1] == '0')
        {
            digits.Length--;
            exponent++;
        }

        int length = digits.Length;
        int k = exponent;
        int kk = length + k; // position of the decimal point relative to the digits' start
        if (k >= 0 && kk <= 16)
        {
            builder.Append(digits).Append('0', k).Append(".0");
        }
        else if (kk > 0 && kk <= 16)
        {
            builder.Append(digits.ToString(0, kk)).Append('.').Append(digits.ToString(kk, length - kk));
        }
        else if (kk > -5 && kk <= 0)
        {
            builder.Append("0.").Append('0', -kk).Append(digits);
        }
        else if (length == 1)
        {
            builder.Append(digits).Append('e').Append((kk - 1).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append(digits[0]).Append('.').Append(digits.ToString(1, length - 1))
                .Append('e').Append((kk - 1).ToString(CultureInfo.InvariantCulture));
        }
    }
}
