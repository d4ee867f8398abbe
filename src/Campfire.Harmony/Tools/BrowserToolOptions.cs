namespace Campfire.Harmony.Tools;

/// <summary>Settings of <see cref="BrowserTool"/>; the constructor rejects inconsistent values.</summary>
public sealed record BrowserToolOptions
{
    /// <summary>The reference browser's settings: 1024-token views, 5 results by default, at most 20.</summary>
    public static BrowserToolOptions Default { get; } = new();

    /// <summary>How many tokens a page view shows when the call does not say how many lines (the reference uses 1024);
    /// the line that crosses the budget is still shown. At least 1.</summary>
    public int ViewTokens { get; init; } = 1024;

    /// <summary>Results a search returns when the call gives no <c>topn</c>/<c>k</c>; at least 1.</summary>
    public int DefaultTopN { get; init; } = 5;

    /// <summary>Upper bound for <c>topn</c>/<c>k</c> (larger requests are cut to it); at least <see cref="DefaultTopN"/>.</summary>
    public int MaxSearchResults { get; init; } = 20;

    /// <summary>Counts the tokens of a view's line (<c>L{n}: text\n</c>); null, the default, uses the o200k_harmony
    /// tokenizer.</summary>
    public Func<string, int>? CountTokens { get; init; }
}
