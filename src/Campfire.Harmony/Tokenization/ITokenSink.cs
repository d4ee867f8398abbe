namespace Campfire.Harmony.Tokenization;

/// <summary>Where the encoder puts a piece's ids; a piece is written whole or not at all, so encoding can resume.</summary>
internal interface ITokenSink
{
    bool TryWrite(int id);
    bool TryWrite(scoped ReadOnlySpan<int> ids);
}
