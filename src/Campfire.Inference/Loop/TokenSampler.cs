using System.Numerics;
using System.Runtime.InteropServices;

namespace Campfire.Inference.Loop;

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
        double total = 0;
        var weights = _weights.AsSpan();
        for (int i = 0; i < logits.Length; i++)
        {
            float w = MathF.Exp((logits[i] - max) * inverse);
            weights[i] = w;
            total += w;
        }
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

    /// <summary>
    /// Only tokens at or above a cutoff can be in the nucleus once the mass at or above that cutoff reaches top-p, so
    /// the sort covers those few candidates instead of the whole vocabulary.
    /// </summary>
    private int SampleNucleus(Span<float> weights, double total, float topP)
    {
        double needed = topP * total;
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
                    // Negated so the ascending key sort puts the most likely first.
                    _candidateKeys[count] = -weights[i];
                    _candidateIds[count++] = i;
                    mass += weights[i];
                }
            }
            if (mass >= needed || cutoff == 0) break;
            cutoff = cutoff > 1e-30f ? cutoff / 1024 : 0;
        }
        var keys = _candidateKeys.AsSpan(0, count);
        var ids = _candidateIds.AsSpan(0, count);
        keys.Sort(ids); // deterministic for equal input, so a seed still reproduces a run
        double nucleus = 0;
        int size = 0;
        while (size < keys.Length)
        {
            nucleus -= keys[size++];
            if (nucleus >= needed) break;
        }
        double target = _random.NextDouble() * nucleus;
        double running = 0;
        for (int i = 0; i < size; i++)
        {
            running -= keys[i];
            if (running > target) return ids[i];
        }
        return ids[size - 1];
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
