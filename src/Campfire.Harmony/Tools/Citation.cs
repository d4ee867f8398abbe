namespace Campfire.Harmony.Tools;

/// <summary>A citation as the model writes it in an answer: <c>【{cursor}†L{start}-L{end}】</c> or <c>【{cursor}†L{line}】</c>.</summary>
/// <param name="Cursor">The browser page cited (its index on the page stack); <see cref="int.MaxValue"/> when the
/// written number does not fit an <see cref="int"/>.</param>
/// <param name="StartLine">The first cited line (as the browser numbered it, <c>L{n}</c>); clamped like <paramref name="Cursor"/>.</param>
/// <param name="EndLine">The last cited line, inclusive; equal to <paramref name="StartLine"/> for a single line.</param>
/// <param name="Index">Where the citation starts in the answer text (UTF-16 index).</param>
/// <param name="Length">Its length in UTF-16 code units.</param>
/// <param name="Text">The citation exactly as written, brackets included.</param>
public sealed record Citation(int Cursor, int StartLine, int EndLine, int Index, int Length, string Text);
