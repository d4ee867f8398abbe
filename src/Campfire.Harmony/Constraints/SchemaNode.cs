namespace Campfire.Harmony.Constraints;

/// <summary>One compiled schema: what a value at its position may be.</summary>
/// <param name="Types">The kinds admitted (ignored when <paramref name="LiteralRoot"/> is set).</param>
/// <param name="LiteralRoot">Root of the literal trie of its <c>enum</c>/<c>const</c> values (their JSON text), or -1.</param>
/// <param name="KeyRoot">Objects: root of the literal trie of the declared property names (each followed by its closing
/// quote), or -1 for free keys.</param>
/// <param name="PropertyStart">Objects: index of the first property's value node in <see cref="CompiledJsonSchema.PropertyNodes"/>.</param>
/// <param name="PropertyCount">Objects: number of declared properties (at most 64).</param>
/// <param name="Required">Objects: bit i set when property i is required.</param>
/// <param name="Additional">Objects with free keys: the node of their values.</param>
/// <param name="Items">Arrays: the node of the items.</param>
internal readonly record struct SchemaNode(
    JsonTypes Types, int LiteralRoot, int KeyRoot, int PropertyStart, int PropertyCount, ulong Required, int Additional, int Items)
{
    /// <summary>All properties declared; a closed object can take another one.</summary>
    public ulong AllProperties => PropertyCount >= 64 ? ulong.MaxValue : (1UL << PropertyCount) - 1;
}
