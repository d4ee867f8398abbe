namespace Campfire.Guidance.Tests;

public sealed class SampleCorpusTests
{
    [Fact]
    public void Corpus_covers_the_emergencies_the_demo_promises()
    {
        var ids = SampleCorpus.Load().Select(d => d.Id).ToHashSet();
        foreach (var topic in new[] { "choking", "severe-bleeding", "burns", "cpr", "shock", "recovery-position", "seizures" })
            Assert.Contains(topic, ids);
    }

    [Fact]
    public void Every_sheet_is_marked_as_a_sample_and_names_its_guideline()
    {
        foreach (var document in SampleCorpus.Load())
        {
            Assert.Contains("Not medical authority", document.Text);
            Assert.Contains("Summarises: IFRC International First Aid, Resuscitation and Education", document.Text);
            Assert.False(string.IsNullOrWhiteSpace(document.Title));
        }
    }

    [Fact]
    public void Every_sheet_fits_the_browser_width_so_line_numbers_equal_file_lines()
    {
        foreach (var document in SampleCorpus.Load())
            Assert.All(document.Text.Split('\n'), line => Assert.True(line.Length <= 80, $"{document.Id}: {line}"));
    }
}
