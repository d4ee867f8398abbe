namespace Campfire.Harmony.Tokenization;

/// <summary>One named special token of o200k_harmony: its id and the literal text it decodes to.</summary>
/// <param name="Id">The token id, 199,998 or above.</param>
/// <param name="Literal">The literal, e.g. <c>&lt;|start|&gt;</c>; with special tokens allowed, encoding it gives <paramref name="Id"/>.</param>
public readonly record struct SpecialToken(int Id, string Literal);
