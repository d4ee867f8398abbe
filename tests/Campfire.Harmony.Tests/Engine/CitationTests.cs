using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tools;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Engine;

public sealed class CitationTests
{
    [Fact]
    public void Parser_finds_ranges_and_single_lines_with_positions()
    {
        var text = "Cool it 【3†L4-L6】 now【12†L9】. Not a citation: 【x†L1】 【1†Burns】";
        var citations = CitationParser.Parse(text);
        Assert.Equal(2, citations.Length);
        Assert.Equal((3, 4, 6, "【3†L4-L6】"), (citations[0].Cursor, citations[0].StartLine, citations[0].EndLine, citations[0].Text));
        Assert.Equal((12, 9, 9), (citations[1].Cursor, citations[1].StartLine, citations[1].EndLine));
        Assert.Equal("【12†L9】", text.Substring(citations[1].Index, citations[1].Length));
    }

    [Fact]
    public void Numbers_too_large_for_a_cursor_resolve_as_not_opened()
    {
        var citation = Assert.Single(CitationParser.Parse("【99999999999†L1】"));
        Assert.Equal(int.MaxValue, citation.Cursor);
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        Assert.Equal(CitationStatus.PageNotOpened, browser.Resolve(citation).Status);
    }

    private static async Task<BrowserTool> BrowserWithOpenedCpr()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        await browser.InvokeAsync(ToolCall.FromRecipient("browser.search", """{"query": "chest"}""", "1"), default);
        await browser.InvokeAsync(ToolCall.FromRecipient("browser.open", """{"cursor": 0, "id": 0, "loc": 0}""", "2"), default);
        await browser.InvokeAsync(ToolCall.FromRecipient("browser.open", """{"id": "long", "num_lines": 5}""", "3"), default);
        return browser;
    }

    [Fact]
    public async Task Valid_citation_resolves_to_document_title_and_lines()
    {
        var browser = await BrowserWithOpenedCpr();
        var resolved = browser.Resolve(CitationParser.Parse("【1†L4-L5】")[0]);
        Assert.Equal(CitationStatus.Valid, resolved.Status);
        Assert.Equal(("cpr", "CPR", "docs/cpr.md"), (resolved.DocumentId, resolved.Title, resolved.Url));
        Assert.Equal("Push hard and fast in the centre of the chest.\n100 to 120 compressions a minute.", resolved.CitedText);
        Assert.Null(resolved.Problem);
    }

    [Fact]
    public async Task Citation_to_a_page_never_opened_is_reported()
    {
        var browser = await BrowserWithOpenedCpr();
        var resolved = browser.Resolve(CitationParser.Parse("【7†L1】")[0]);
        Assert.Equal(CitationStatus.PageNotOpened, resolved.Status);
        Assert.Equal("cursor 7 was never opened in this conversation (opened cursors are 0 - 2)", resolved.Problem);
    }

    [Fact]
    public async Task Citation_past_the_end_of_the_page_or_reversed_is_out_of_range()
    {
        var browser = await BrowserWithOpenedCpr();
        var past = browser.Resolve(CitationParser.Parse("【1†L6-L40】")[0]);
        Assert.Equal(CitationStatus.LinesOutOfRange, past.Status);
        Assert.Contains("has lines L0-L6", past.Problem);
        Assert.Equal(CitationStatus.LinesOutOfRange, browser.Resolve(CitationParser.Parse("【1†L5-L2】")[0]).Status);
    }

    [Fact]
    public async Task Citation_of_lines_the_model_never_saw_is_reported()
    {
        var browser = await BrowserWithOpenedCpr();
        var resolved = browser.Resolve(CitationParser.Parse("【2†L200】")[0]);
        Assert.Equal(CitationStatus.LinesNotShown, resolved.Status);
        Assert.Contains("never displayed", resolved.Problem);
        Assert.Equal(CitationStatus.Valid, browser.Resolve(CitationParser.Parse("【2†L3】")[0]).Status);
    }

    [Fact]
    public void Without_a_browser_every_citation_is_unresolvable()
    {
        var resolved = Assert.Single(CitationParser.Resolve("see 【0†L1】", null));
        Assert.Equal(CitationStatus.PageNotOpened, resolved.Status);
    }

    [Fact]
    public async Task Engine_reports_citation_problems_as_events_and_in_the_summary()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(new BrowserTool(InMemorySearchBackend.FirstAid()).CreateConfig());
        engine.AddMessage(engine.CreateUserMessage("How fast are compressions?"));
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>analysis to=browser.search code<|message|>{\"query\": \"chest\"}<|call|>",
            "<|channel|>analysis to=browser.open code<|message|>{\"id\": 0, \"loc\": 0}<|call|>",
            "<|channel|>final<|message|>100 to 120 a minute 【1†L5】, hard and fast 【1†L4】, see also 【5†L1】 and 【1†L90】.<|return|>");
        var events = await Collect(engine.RunAsync(model));

        var final = Assert.Single(events.OfType<FinalAnswer>());
        Assert.Equal([CitationStatus.Valid, CitationStatus.Valid, CitationStatus.PageNotOpened, CitationStatus.LinesOutOfRange],
            final.Citations.Select(c => c.Status));
        Assert.Equal(["【5†L1】", "【1†L90】"], events.OfType<CitationProblem>().Select(p => p.Citation.Citation.Text));
        Assert.Equal(2, engine.GetConversationSummary().CitationProblems.Length);
    }
}
