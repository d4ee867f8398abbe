using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tests.Engine;

public sealed class BrowserToolTests
{
    private static async Task<string> Call(BrowserTool browser, string method, string args) =>
        await browser.InvokeAsync(ToolCall.FromRecipient("browser." + method, args, "c"), CancellationToken.None);

    [Fact]
    public async Task Search_results_are_a_numbered_page_with_links_in_the_reference_format()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        var page = await Call(browser, "search", """{"query": "burn water"}""");
        Assert.Equal(
            "[0] burn water\n**viewing lines [0 - 4] of 4**\n\n" +
            "L0: \nL1: URL: \nL2: # Search Results\nL3: \n" +
            "L4:   * 【0†Burns†burns.md】 # Burns",
            page);
        Assert.Equal(BrowserPageKind.SearchResults, browser.Pages[0].Kind);
    }

    [Fact]
    public async Task Open_a_result_link_shows_the_document_with_line_numbers()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await Call(browser, "search", """{"query": "chest"}""");
        var page = await Call(browser, "open", """{"id": 0, "cursor": 0, "loc": 0}""");
        Assert.Equal(
            "[1] CPR (docs/cpr.md)\n**viewing lines [0 - 6] of 6**\n\n" +
            "L0: \nL1: URL: docs/cpr.md\nL2: # CPR\nL3: \nL4: Push hard and fast in the centre of the chest.\n" +
            "L5: 100 to 120 compressions a minute.\nL6: Use an AED when it arrives.",
            page);
        Assert.Equal("cpr", browser.Pages[1].DocumentId);
    }

    [Fact]
    public async Task Open_accepts_the_specification_names_doc_id_start_and_end()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        var page = await Call(browser, "open", """{"doc_id": "burns", "start": 4, "end": 5}""");
        Assert.StartsWith("[0] Burns (docs/burns.md)\n**viewing lines [4 - 5] of 6**\n\nL4: Cool the burn", page);
        Assert.EndsWith("L5: Do not use ice.", page);
    }

    [Fact]
    public async Task Open_with_a_string_id_opens_by_document_id_or_url()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        Assert.StartsWith("[0] CPR", await Call(browser, "open", """{"id": "docs/cpr.md"}"""));
        Assert.StartsWith("[1] Burns", await Call(browser, "open", """{"id": "burns", "num_lines": 2}"""));
    }

    [Fact]
    public async Task Open_a_link_without_loc_centres_on_the_matching_snippet()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await Call(browser, "search", """{"query": "200"}""");
        var page = await Call(browser, "open", """{"id": 0}""");
        // The snippet is document line 200 (page line 202); the view starts 4 lines above it.
        Assert.StartsWith("[1] Long page (docs/long.md)\n**viewing lines [198 - ", page);
    }

    [Fact]
    public async Task Open_without_id_scrolls_the_current_page()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await Call(browser, "open", """{"id": "long", "num_lines": 10}""");
        var page = await Call(browser, "open", """{"loc": 100, "num_lines": 3}""");
        Assert.StartsWith("[1] Long page (docs/long.md)\n**viewing lines [100 - 102] of 301**\n\nL100: line 98 of", page);
        Assert.Same(browser.Pages[0], browser.Pages[1]);
    }

    [Fact]
    public async Task Views_are_limited_by_the_token_budget_when_no_line_count_is_given()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid(), new BrowserToolOptions { ViewTokens = 50, CountTokens = _ => 10 });
        var page = await Call(browser, "open", """{"id": "long"}""");
        Assert.Contains("**viewing lines [0 - 5] of 301**", page); // 6 lines: the fifth fills the budget, the sixth crosses it
    }

    [Fact]
    public async Task Find_lists_matches_in_the_reference_format_and_can_be_opened()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await Call(browser, "open", """{"id": "cpr"}""");
        var page = await Call(browser, "find", """{"pattern": "AED"}""");
        Assert.Equal(
            "[1] Find results for text: `aed` in `CPR` (docs/cpr.md/find?pattern=aed)\n**viewing lines [0 - 1] of 1**\n\n" +
            "L0: # 【0†match at L6】\nL1: Use an AED when it arrives.",
            page);
        var opened = await Call(browser, "open", """{"id": 0}""");
        Assert.StartsWith("[2] CPR (docs/cpr.md)\n**viewing lines [2 - ", opened);
    }

    [Fact]
    public async Task Find_accepts_doc_id_and_after()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        var page = await Call(browser, "find", """{"doc_id": "long", "pattern": "line 29", "after": 100}""");
        Assert.Contains("【0†match at L292】", page); // "line 290" is on page line 292; earlier matches are skipped
        Assert.DoesNotContain("match at L31】", page);
        Assert.Contains("No `find` results for pattern: `zebra`", await Call(browser, "find", """{"doc_id": "cpr", "pattern": "zebra"}"""));
    }

    [Theory]
    [InlineData("search", "{}", "`search` needs a non-empty `query`.")]
    [InlineData("search", """{"query": "x", "topn": 0}""", "`topn` must be at least 1, not 0.")]
    [InlineData("search", """{"query": 5}""", "`query` must be a string, not `5`.")]
    [InlineData("open", """{"id": 0}""", "No pages to access!")]
    [InlineData("open", """{"id": "missing"}""", "Error fetching URL `missing`: no such document")]
    [InlineData("open", """{"id": true}""", "`id` must be a link number or a document id string, not `true`.")]
    [InlineData("open", """{"id": "cpr", "loc": 50}""", "Invalid location parameter: `50`. Cannot exceed page maximum of 6.")]
    [InlineData("open", """{"id": "cpr", "start": 5, "end": 2}""", "`end` (2) is before `start` (5).")]
    [InlineData("open", """{"loc": "soon"}""", "`loc` must be an integer, not `\"soon\"`.")]
    [InlineData("find", """{"pattern": ""}""", "`find` needs a non-empty `pattern`.")]
    [InlineData("find", """{"pattern": "x"}""", "No pages to access!")]
    [InlineData("fly", "{}", "Unknown function: fly")]
    [InlineData("search", "[1]", "Invalid function arguments: expected a JSON object.")]
    [InlineData("search", "{oops", "Invalid function arguments:")]
    public async Task Bad_calls_raise_usage_errors_written_for_the_model(string method, string args, string expected)
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        var error = await Assert.ThrowsAsync<ToolUsageException>(() => Call(browser, method, args));
        Assert.StartsWith(expected, error.Message);
        Assert.Empty(browser.Pages); // a failed call leaves no page behind
    }

    [Fact]
    public async Task Cursor_out_of_range_names_the_valid_cursors_and_find_refuses_result_pages()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await Call(browser, "search", """{"query": "burn"}""");
        var error = await Assert.ThrowsAsync<ToolUsageException>(() => Call(browser, "open", """{"cursor": 4, "id": 0}"""));
        Assert.Equal("Cursor `4` is out of range. Available cursor indices: [0 - 0].", error.Message);
        var linkError = await Assert.ThrowsAsync<ToolUsageException>(() => Call(browser, "open", """{"cursor": 0, "id": 9}"""));
        Assert.Equal("Invalid link id `9`.", linkError.Message);
        var findError = await Assert.ThrowsAsync<ToolUsageException>(() => Call(browser, "find", """{"pattern": "x"}"""));
        Assert.Equal("Cannot run `find` on search results page or find results page", findError.Message);
        Assert.Single(browser.Pages);
    }

    [Fact]
    public async Task Search_accepts_q_and_k_and_caps_results()
    {
        var backend = InMemorySearchBackend.FirstAid();
        var browser = new BrowserTool(backend, new BrowserToolOptions { MaxSearchResults = 2, DefaultTopN = 1 });
        var page = await Call(browser, "search", """{"q": "the", "k": 10}""");
        Assert.Contains("【1†", page);
        Assert.DoesNotContain("【2†", page);
        Assert.Contains("No results for: `zebra`", await Call(browser, "search", """{"query": "zebra"}"""));
    }

    [Fact]
    public async Task Backend_failures_become_usage_errors()
    {
        var browser = new BrowserTool(new ThrowingBackend());
        var error = await Assert.ThrowsAsync<ToolUsageException>(() => Call(browser, "search", """{"query": "x"}"""));
        Assert.Equal("Error during search for `x`: disk on fire", error.Message);
    }

    [Fact]
    public void Text_helpers_follow_the_reference()
    {
        Assert.Equal(["", "a"], BrowserText.WrapLines("\na"));
        var wrapped = BrowserText.WrapLines(new string('x', 85) + " tail", 80);
        Assert.Equal([new string('x', 80), "xxxxx tail"], wrapped);
        var words = BrowserText.WrapLines(string.Join(' ', Enumerable.Repeat("word", 30)), 20);
        Assert.All(words, l => Assert.True(l.Length <= 20));
        Assert.Equal(string.Join(' ', Enumerable.Repeat("word", 30)), string.Concat(words));
        Assert.Equal("see Burns here", BrowserText.StripLinks("see 【3†Burns†burns.md】 here"));
        Assert.Equal(" end", BrowserText.StripLinks("tail】 end")); // a link cut by wrapping loses its first half, as in the reference
        Assert.Equal("【2†a‡b†src】", BrowserText.Link(2, "a†b", "src"));
        Assert.Equal("〖x〗", BrowserText.SanitizeDocumentText("【x】"));
        Assert.Equal("abcdefg...", BrowserText.Truncate("abcdefghijklmnop", 10));
        Assert.Equal("short", BrowserText.Truncate("short", 10));
    }

    [Fact]
    public void Config_describes_the_backend_source()
    {
        var config = new BrowserTool(new InMemorySearchBackend("clinic-docs")).CreateConfig();
        Assert.EndsWith("sources=clinic-docs", config.Definition.Description);
        Assert.Equal("browser", config.RecipientPrefix);
    }

    [Fact]
    public async Task Create_browser_tool_config_registers_a_working_browser()
    {
        var config = BrowserTool.CreateBrowserToolConfig(InMemorySearchBackend.FirstAid());
        var engine = new HarmonyEngine();
        engine.RegisterTool(config);
        var result = await engine.ExecuteToolCallAsync(engine.CreateToolCall("browser.search", """{"query": "burn"}"""));
        Assert.False(result.IsError);
        Assert.StartsWith("[0] burn", result.Content);
        var unknown = await engine.ExecuteToolCallAsync(engine.CreateToolCall("browser.click", "{}"));
        Assert.Equal(("Unknown function: click", true), (unknown.Content, unknown.IsError));
    }

    private sealed class ThrowingBackend : ISearchBackend
    {
        public string Source => "broken";
        public IReadOnlyList<SearchHit> Search(string query, int topN) => throw new IOException("disk on fire");
        public BrowserDocument? Fetch(string idOrUrl) => throw new IOException("disk on fire");
    }
}
