namespace Campfire.Harmony.Tokenization;

/// <summary>The o200k_base ranks could not be loaded (missing or corrupt Microsoft.ML.Tokenizers.Data.O200kBase).</summary>
public sealed class TokenizerDataException : HarmonyException
{
    /// <summary>The ranks could not be loaded; <paramref name="message"/> says which check failed (line, rank, resource).</summary>
    /// <param name="message">What was missing or malformed.</param>
    /// <param name="inner">The I/O or assembly-loading exception behind it, or null.</param>
    public TokenizerDataException(string message, Exception? inner = null) : base(message, inner) { }
}
