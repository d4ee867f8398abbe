using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

/// <summary>A citation as the model writes it in an answer: <c>【{cursor}†L{start}-L{end}】</c> or <c>【{cursor}†L{line}】</c>.</summary>
/// <param name="Index">Where the citation starts in the answer text (UTF-16 index).</param>
/// <param name="Length">Its length in UTF-16 code units.</param>
public sealed record Citation(int Cursor, int StartLine, int EndLine, int Index, int Length, string Text);
