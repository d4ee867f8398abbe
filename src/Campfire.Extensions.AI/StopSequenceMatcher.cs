using System.Text;

namespace Campfire.Extensions.AI;

/// <summary>
/// Applies <c>ChatOptions.StopSequences</c> to streamed text: only a tail that could still grow into a stop sequence
/// is held back, so a caller never sees part of a stop sequence, and the text before a full match is released.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly int _holdBack;
    private readonly StringBuilder _pending = new();

    public StopSequenceMatcher(IEnumerable<string>? stopSequences)
    {
        _stops = stopSequences?.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray() ?? [];
        _holdBack = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length) - 1;
    }

    public bool IsActive => _stops.Length > 0;

    /// <summary>Adds <paramref name="text"/>; returns what can be shown now, and whether a stop sequence matched (then nothing more may be shown).</summary>
    public string Push(string text, out bool matched)
    {
        matched = false;
        if (_stops.Length == 0)
            return text;
        _pending.Append(text);
        var buffered = _pending.ToString();
        var first = -1;
        foreach (var stop in _stops)
        {
            var at = buffered.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
                first = at;
        }
        if (first >= 0)
        {
            matched = true;
            _pending.Clear();
            return buffered[..first];
        }
        var release = buffered.Length - LongestPendingPrefix(buffered);
        // Never split a surrogate pair between what is released and what is held.
        if (release > 0 && release < buffered.Length && char.IsHighSurrogate(buffered[release - 1]))
            release--;
        _pending.Remove(0, release);
        return buffered[..release];
    }

    /// <summary>Length of the longest tail of <paramref name="text"/> that could still grow into a stop sequence.</summary>
    private int LongestPendingPrefix(string text)
    {
        for (var length = Math.Min(_holdBack, text.Length); length > 0; length--)
        {
            var tail = text.AsSpan(text.Length - length);
            foreach (var stop in _stops)
            {
                if (stop.Length > length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                    return length;
            }
        }
        return 0;
    }

    /// <summary>At the end of the text (message ended), everything held back is released.</summary>
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
