using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>Settings of <see cref="BrowserTool"/>.</summary>
public sealed record BrowserToolOptions
{
    public static BrowserToolOptions Default { get; } = new();

    /// <summary>How many tokens a page view shows when the call does not say how many lines (the reference uses 1024).</summary>
    public int ViewTokens { get; init; } = 1024;

    /// <summary>Results a search returns when the call gives no <c>topn</c>/<c>k</c>.</summary>
    public int DefaultTopN { get; init; } = 5;

    /// <summary>Upper bound for <c>topn</c>/<c>k</c>.</summary>
    public int MaxSearchResults { get; init; } = 20;

    /// <summary>Counts the tokens of a view; the default is the o200k_harmony tokenizer.</summary>
    public Func<string, int>? CountTokens { get; init; }
}
