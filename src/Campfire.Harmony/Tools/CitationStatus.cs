namespace Campfire.Harmony.Tools;

/// <summary>The verdict on a citation (see <see cref="ResolvedCitation.Status"/>).</summary>
public enum CitationStatus
{
    /// <summary>The cursor names a page opened in this conversation and the lines exist and were shown.</summary>
    Valid,

    /// <summary>No page with that cursor was opened in this conversation.</summary>
    PageNotOpened,

    /// <summary>The page exists but the lines are past its end (or the range is reversed).</summary>
    LinesOutOfRange,

    /// <summary>The lines exist but the browser never displayed them: the model cannot have read them.</summary>
    LinesNotShown,
}
