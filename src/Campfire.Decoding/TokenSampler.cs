using System.Numerics;
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

        if (topP >= 1)
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
        return SampleNucleus(weights, total, topP);
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
