using System.Text.Json;
using Campfire.Harmony.Tools;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Campfire.Search;

[System.Text.Json.Serialization.JsonSerializable(typeof(IndexManifest))]
internal sealed partial class IndexManifestContext : System.Text.Json.Serialization.JsonSerializerContext;
