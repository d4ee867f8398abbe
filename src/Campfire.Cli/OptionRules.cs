using System.CommandLine;
using System.Globalization;

namespace Campfire.Cli;

/// <summary>
/// Validators for option values: a value out of range is a parse error (exit 2) whose message names the option,
/// what it accepts and what it got.
/// </summary>
public static class OptionRules
{
    /// <summary>The value must be at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (!TryValue(result, out int value)) return;
            if (value < minimum)
                result.AddError($"{option.Name} must be {(minimum == 1 ? "positive" : $"≥ {minimum.ToString(CultureInfo.InvariantCulture)}")}, got {value.ToString(CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>The value must be a finite number accepted by <paramref name="accept"/>, described by <paramref name="range"/>.</summary>
    public static Option<float> Within(this Option<float> option, Func<float, bool> accept, string range)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(accept);
        option.Validators.Add(result =>
        {
            if (!TryValue(result, out float value)) return;
            if (!float.IsFinite(value) || !accept(value))
                result.AddError($"{option.Name} must be {range}, got {value.ToString(CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>The value, when given, must be one of <paramref name="values"/>.</summary>
    public static Option<T> OneOf<T>(this Option<T> option, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
                return;
            string given = result.Tokens[^1].Value;
            if (!values.Contains(given, StringComparer.Ordinal))
                result.AddError($"{option.Name} must be {Join(values)}, got '{given}'");
        });
        return option;
    }

    // A value that does not parse already has its error: validators skip it.
    private static bool TryValue<T>(System.CommandLine.Parsing.OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>"a, b or c".</summary>
    public static string Join(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Count == 1 ? values[0] : $"{string.Join(", ", values.Take(values.Count - 1))} or {values[^1]}";
    }
}
