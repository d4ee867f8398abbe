namespace Campfire.Search;

/// <summary>A document read from a corpus folder, before indexing.</summary>
/// <param name="Id">Relative path without extension, with '/' separators (e.g. <c>choking</c>, <c>burns/chemical</c>).</param>
/// <param name="Title">The document's title (its heading, first line or HTML title), else one made from the id.</param>
/// <param name="SourceName">The file name shown as the result link's source.</param>
/// <param name="Text">Plain text, one paragraph or list item per line.</param>
public sealed record CorpusDocument(string Id, string Title, string SourceName, string Text)
{
    /// <summary>The URL-like address the browser shows and accepts (<c>corpus/choking.md</c>).</summary>
    public string Url => "corpus/" + Id + Path.GetExtension(SourceName);
}
