namespace Campfire.Search;

[System.Text.Json.Serialization.JsonSerializable(typeof(IndexManifest))]
internal sealed partial class IndexManifestContext : System.Text.Json.Serialization.JsonSerializerContext;
