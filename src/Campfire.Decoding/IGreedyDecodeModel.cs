namespace Campfire.Decoding;

/// <summary>
/// A model that can also pick the greedy token itself (on the device, next to its logits), so greedy decoding moves one
/// id per step to the host instead of a vocabulary-sized row of logits. The loop uses it when the temperature is 0.
/// Ties resolve to the lowest id, as in <see cref="TokenSampler.ArgMax"/>.
/// </summary>
public interface IGreedyDecodeModel : IDecodeModel
{
    int PrefillGreedy(ReadOnlySpan<int> prompt);

    int DecodeGreedy(int token);
}
