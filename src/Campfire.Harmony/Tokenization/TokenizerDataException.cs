namespace Campfire.Harmony.Tokenization;

/// <summary>The o200k_base ranks could not be loaded (missing or corrupt Microsoft.ML.Tokenizers.Data.O200kBase).</summary>
public sealed class TokenizerDataException : HarmonyException
{
    public TokenizerDataException(string message, Exception? inner = null) : base(message, inner) { }
}
