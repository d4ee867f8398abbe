using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Decoding;

/// <summary>
/// Picks the next token on the host: greedy (temperature 0, first maximum wins), or softmax(logits / T) restricted to
/// the nucleus (smallest set of most likely tokens whose mass reaches top-p), drawn with a seeded generator so a seed
/// reproduces a run. Scratch buffers are sized once per vocabulary: no allocation per token.
/// </summary>
public sealed class TokenSampler
{
    private readonly float[] _weights;
    private readonly float[] _candidateKeys;
    private readonly int[] _candidateIds;
    private SplitMix64 _random;

    public TokenSampler(int vocabularySize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        _weights = new float[vocabularySize];
        _candidateKeys = new float[vocabularySize];
        _candidateIds = new int[vocabularySize];
        _random = new SplitMix64(seed);
    }

    public int VocabularySize => _weights.Length;

    public void Reseed(ulong seed) => _random = new SplitMix64(seed);

    public int Sample(ReadOnlySpan<float> logits, float temperature, float topP)
    {
        if (logits.Length != _weights.Length)
            throw new ArgumentException($"expected {_weights.Length} logits, got {logits.Length}", nameof(logits));
        if (!(temperature >= 0) || float.IsInfinity(temperature))
            throw new SamplingException($"temperature must be a finite number ≥ 0, got {temperature}");
        if (!(topP > 0 && topP <= 1))
            throw new SamplingException($"top-p must be in (0, 1], got {topP}");
        if (temperature == 0) return ArgMax(logits);

        float max = MaxOf(logits);
        if (float.IsNaN(max) || float.IsNegativeInfinity(max))
            throw new SamplingException("the model produced logits that are NaN or all −∞");
        float inverse = 1f / temperature;
        var weights = _weights.AsSpan();
        double total = ScaledExp(logits, weights, max, inverse);
        if (double.IsNaN(total)) throw new SamplingException("the model produced NaN logits");

        if (topP >= 1) return DrawAll(weights, total);
        return SampleNucleus(weights, total, topP);
    }

    /// <summary>
    /// Samples as <see cref="Sample(ReadOnlySpan{float}, float, float)"/> does, among the ids <paramref name="mask"/>
    /// allows only (bit <c>id % 64</c> of word <c>id / 64</c>, the <see cref="Campfire.Harmony.Constraints.TokenMask"/>
    /// layout): a masked id gets zero probability, so it is never drawn however large its logit; temperature 0 picks the
    /// first maximum among the allowed ids. Ids past the logits are ignored.
    /// </summary>
    /// <exception cref="SamplingException">The mask allows no id of this vocabulary, or the allowed logits are NaN or
    /// all −∞, or the settings are invalid.</exception>
    /// <exception cref="ArgumentException">The mask is shorter than the vocabulary needs.</exception>
    public int Sample(ReadOnlySpan<float> logits, float temperature, float topP, ReadOnlySpan<ulong> mask)
    {
        if (logits.Length != _weights.Length)
            throw new ArgumentException($"expected {_weights.Length} logits, got {logits.Length}", nameof(logits));
        int words = (logits.Length + 63) >> 6;
        if (mask.Length < words)
            throw new ArgumentException($"the mask has {mask.Length} words; {logits.Length} ids need {words}", nameof(mask));
        if (!(temperature >= 0) || float.IsInfinity(temperature))
            throw new SamplingException($"temperature must be a finite number ≥ 0, got {temperature}");
        if (!(topP > 0 && topP <= 1))
            throw new SamplingException($"top-p must be in (0, 1], got {topP}");
        mask = mask[..words];
        EnsureAnyAllowed(mask, logits.Length);
        if (temperature == 0) return MaskedArgMax(logits, mask);

        float max = MaskedMax(logits, mask, out _);
        if (float.IsNaN(max) || float.IsNegativeInfinity(max))
            throw new SamplingException("the model produced logits that are NaN or all −∞ among the ids the constraint allows");
        double total = MaskedScaledExp(logits, mask, _weights, max, 1f / temperature);
        if (double.IsNaN(total)) throw new SamplingException("the model produced NaN logits");
        if (topP >= 1) return DrawAll(_weights, total);
        return SampleNucleus(_weights, total, topP);
    }

    /// <summary>Throws when <paramref name="mask"/> allows no id below <paramref name="vocabularySize"/>: a grammar that
    /// is not complete yet must allow something, so this is a bug in the constraint, reported before any draw.</summary>
    /// <exception cref="SamplingException">No id is allowed.</exception>
    public static void EnsureAnyAllowed(ReadOnlySpan<ulong> mask, int vocabularySize)
    {
        int needed = (vocabularySize + 63) >> 6;
        int found = mask[..Math.Min(mask.Length, needed)].IndexOfAnyExcept(0UL);
        if (found >= 0 && (found < needed - 1 || (mask[found] & LastWordBits(vocabularySize)) != 0)) return;
        throw new SamplingException($"the constraint allows no token id below {vocabularySize} here (an empty mask): nothing can be sampled");
    }

    /// <summary>The first maximum among the ids <paramref name="mask"/> allows (NaN never wins).</summary>
    /// <exception cref="SamplingException">No allowed id, or every allowed logit is NaN.</exception>
    public static int MaskedArgMax(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> mask)
    {
        float max = MaskedMax(logits, mask, out int at);
        if (at < 0)
        {
            EnsureAnyAllowed(mask, logits.Length);
            throw new SamplingException("the model produced NaN logits for every id the constraint allows");
        }
        return at;
    }

    private int DrawAll(Span<float> weights, double total)
    {
        double target = _random.NextDouble() * total;
        double running = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0) continue;
            running += weights[i];
            last = i;
            if (running > target) return i;
        }
        return last;
    }

    private static ulong LastWordBits(int vocabularySize) => (vocabularySize & 63) == 0 ? ulong.MaxValue : (1UL << (vocabularySize & 63)) - 1;

    /// <summary>Largest non-NaN logit among the allowed ids and the first id holding it (−1 when none: every allowed
    /// logit is NaN). Runs of fully allowed words go through the vectorised max in one call, runs of empty words are
    /// skipped in one search, mixed words go bit by bit: a free-text mask (nearly every word full) costs about what no
    /// mask costs.</summary>
    private static float MaskedMax(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> mask, out int at)
    {
        float max = float.NegativeInfinity;
        at = -1;
        int words = Math.Min(mask.Length, (logits.Length + 63) >> 6);
        int w = 0;
        while (w < words)
        {
            ulong bits = mask[w];
            if (bits == 0 || bits == ulong.MaxValue)
            {
                int run = mask[w..words].IndexOfAnyExcept(bits);
                int end = run < 0 ? words : w + run;
                if (bits != 0)
                {
                    int first = w << 6;
                    var block = logits[first..Math.Min(end << 6, logits.Length)];
                    float blockMax = MaxOf(block);
                    if (blockMax > max || (at < 0 && blockMax == max))
                    {
                        max = blockMax;
                        at = first + block.IndexOf(blockMax);
                    }
                }
                w = end;
                continue;
            }
            int start = w << 6;
            while (bits != 0)
            {
                int id = start + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (id >= logits.Length) break;
                float v = logits[id];
                if (v > max || (at < 0 && v == max))
                {
                    max = v;
                    at = id;
                }
            }
            w++;
        }
        return at < 0 ? float.NaN : max;
    }

    /// <summary>weights[i] = exp((logits[i] − max) · inverse) for allowed ids, 0 for the others; returns their sum.
    /// Runs of full or empty words are handled in one vectorised call each.</summary>
    private static double MaskedScaledExp(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> mask, Span<float> weights, float max, float inverse)
    {
        double total = 0;
        int words = Math.Min(mask.Length, (logits.Length + 63) >> 6);
        int w = 0;
        while (w < words)
        {
            ulong bits = mask[w];
            int first = w << 6;
            if (bits == 0 || bits == ulong.MaxValue)
            {
                int run = mask[w..words].IndexOfAnyExcept(bits);
                int end = run < 0 ? words : w + run;
                int last = Math.Min(end << 6, logits.Length);
                if (bits == 0) weights[first..last].Clear();
                else total += ScaledExp(logits[first..last], weights[first..last], max, inverse);
                w = end;
                continue;
            }
            int count = Math.Min(64, logits.Length - first);
            var target = weights.Slice(first, count);
            target.Clear();
            while (bits != 0)
            {
                int i = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (i >= count) break;
                float e = MathF.Exp((logits[first + i] - max) * inverse);
                target[i] = e;
                total += e;
            }
            w++;
        }
        return total;
    }

    /// <summary>weights[i] = exp((logits[i] − max) · inverse), vectorised; returns their sum.</summary>
    private static double ScaledExp(ReadOnlySpan<float> logits, Span<float> weights, float max, float inverse)
    {
        double total = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= Vector<float>.Count)
        {
            var vMax = new Vector<float>(max);
            var vInverse = new Vector<float>(inverse);
            var sum = Vector<float>.Zero;
            int last = logits.Length - Vector<float>.Count;
            for (; i <= last; i += Vector<float>.Count)
            {
                var w = Vector.Exp((new Vector<float>(logits[i..]) - vMax) * vInverse);
                w.CopyTo(weights[i..]);
                sum += w;
            }
            total = Vector.Sum(sum);
        }
        for (; i < logits.Length; i++)
        {
            float w = MathF.Exp((logits[i] - max) * inverse);
            weights[i] = w;
            total += w;
        }
        return total;
    }

    /// <summary>
    /// The nucleus is every token whose weight is at least τ, the weight at which the sorted order first reaches top-p.
    /// τ is found by quickselect (expected linear time), so nothing is sorted; the draw then walks the nucleus.
    /// </summary>
    private int SampleNucleus(Span<float> weights, double total, float topP)
    {
        double needed = topP * total;
        // Gather candidates: only weights at or above a cutoff whose mass already reaches top-p can be in the nucleus.
        float cutoff = 1f / 1024; // the maximum weight is exactly 1
        int count;
        while (true)
        {
            count = 0;
            double mass = 0;
            for (int i = 0; i < weights.Length; i++)
            {
                if (weights[i] >= cutoff && weights[i] > 0)
                {
                    _candidateKeys[count] = weights[i];
                    _candidateIds[count++] = i;
                    mass += weights[i];
                }
            }
            if (mass >= needed || cutoff == 0) break;
            cutoff = cutoff > 1e-30f ? cutoff / 1024 : 0;
        }
        var keys = _candidateKeys.AsSpan(0, count);
        var ids = _candidateIds.AsSpan(0, count);

        // Quickselect on weight: find τ = the k-th largest weight where the sorted prefix first reaches top-p.
        int from = 0, to = count; // undecided range [from, to); everything left of it is heavier and in the nucleus
        double heavier = 0;
        float tau;
        while (true)
        {
            float pivot = keys[from + (to - from) / 2];
            // Three-way partition of [from, to): > pivot | == pivot | < pivot.
            int greater = from, equal = from, less = to;
            double greaterMass = 0, equalMass = 0;
            while (equal < less)
            {
                float k = keys[equal];
                if (k > pivot)
                {
                    Swap(keys, ids, greater++, equal++);
                    greaterMass += k;
                }
                else if (k < pivot)
                {
                    Swap(keys, ids, equal, --less);
                }
                else
                {
                    equal++;
                    equalMass += k;
                }
            }
            if (heavier + greaterMass >= needed && greater > from)
            {
                to = greater;
                continue;
            }
            if (heavier + greaterMass + equalMass >= needed || less == to)
            {
                tau = pivot;
                break;
            }
            heavier += greaterMass + equalMass;
            from = less;
        }
        double nucleus = 0;
        foreach (float k in keys)
            if (k >= tau) nucleus += k;
        double target = _random.NextDouble() * nucleus;
        double running = 0;
        int lastId = -1;
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] < tau) continue;
            running += keys[i];
            lastId = ids[i];
            if (running > target) return lastId;
        }
        return lastId;
    }

    private static void Swap(Span<float> keys, Span<int> ids, int a, int b)
    {
        (keys[a], keys[b]) = (keys[b], keys[a]);
        (ids[a], ids[b]) = (ids[b], ids[a]);
    }

    /// <summary>Index of the first maximum (NaN never wins; all-NaN is an error).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        float max = MaxOf(logits);
        if (float.IsNaN(max)) throw new SamplingException("the model produced NaN logits");
        int found = logits.IndexOf(max);
        return found;
    }

    /// <summary>Largest non-NaN value; NaN when every value is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxOf(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new SamplingException("no logits");
        float max = float.NegativeInfinity;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var best = new Vector<float>(float.NegativeInfinity);
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            foreach (var v in vectors)
                best = Vector.ConditionalSelect(Vector.GreaterThan(v, best), v, best); // NaN lanes compare false
            for (int k = 0; k < Vector<float>.Count; k++)
                max = Math.Max(max, best[k]);
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            if (values[i] > max) max = values[i];
        }
        if (max == float.NegativeInfinity)
        {
            foreach (float v in values)
                if (!float.IsNaN(v)) return max;
            return float.NaN;
        }
        return max;
    }
}
