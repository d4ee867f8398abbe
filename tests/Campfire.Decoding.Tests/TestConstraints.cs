using Campfire.Harmony.Constraints;

namespace Campfire.Decoding.Tests;

/// <summary>Allows, at step k, only the ids <c>Allowed(k)</c> returns; complete after <c>Length</c> accepted ids (or
/// never, when Length is 0). Records what it was asked and what it accepted.</summary>
internal sealed class RuleConstraint(int vocabulary, Func<int, int, bool> allowed, int length = 0) : ITokenConstraint
{
    public int VocabularySize => vocabulary;
    public bool IsComplete => length > 0 && Accepted.Count >= length;
    public List<int> Accepted { get; } = new();
    public int MasksWritten { get; private set; }

    /// <summary>What happened, in order: "prepare", "mask", "accept".</summary>
    public List<string> Calls { get; } = new();

    /// <summary>Runs inside <see cref="Prepare"/> (to hold it until the test lets go).</summary>
    public Action? OnPrepare { get; init; }

    public void Prepare()
    {
        lock (Calls) Calls.Add("prepare");
        OnPrepare?.Invoke();
    }

    /// <summary>When set, TryAccept refuses this id even though the mask allows it (a constraint with a bug).</summary>
    public int RefuseId { get; init; } = -1;

    public void WriteAllowedTokens(Span<ulong> mask)
    {
        if (mask.Length < TokenMask.WordCount(vocabulary)) throw new ArgumentException("mask too small", nameof(mask));
        MasksWritten++;
        lock (Calls) Calls.Add("mask");
        mask[..TokenMask.WordCount(vocabulary)].Clear();
        if (IsComplete) return;
        for (int id = 0; id < vocabulary; id++)
            if (allowed(Accepted.Count, id)) mask[id >> 6] |= 1UL << (id & 63);
    }

    public bool TryAccept(int tokenId)
    {
        if (IsComplete || tokenId < 0 || tokenId >= vocabulary || tokenId == RefuseId || !allowed(Accepted.Count, tokenId)) return false;
        Accepted.Add(tokenId);
        lock (Calls) Calls.Add("accept");
        return true;
    }
}
