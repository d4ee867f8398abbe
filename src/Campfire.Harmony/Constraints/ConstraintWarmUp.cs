using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// Samples a few sequences under a scratch constraint of a grammar, as a random model would, so that the first real
/// tokens of each kind of position (header, free text, JSON structure, strings, numbers, whitespace runs) do not pay for
/// compiling the mask's code or for first touches of its tables. Deterministic: the same grammar walks the same
/// sequences. Biased towards JSON punctuation and terminators so that sequences reach calls and end within the cap.
/// </summary>
internal static class ConstraintWarmUp
{
    private const int Sequences = 4;
    private const int MaxTokensPerSequence = 80;

    private static readonly int[] Punctuation = [.. "\"{}[],:-0123456789".Select(c => (int)O200kSingleByteId((byte)c))];

    public static TimeSpan Run(HarmonyTokenGrammar grammar)
    {
        long started = Stopwatch.GetTimestamp();
        var constraint = new HarmonyTokenConstraint(grammar);
        int words = TokenMask.WordCount(grammar.VocabularySize);
        ulong[] mask = ArrayPool<ulong>.Shared.Rent(words);
        int[] allowed = ArrayPool<int>.Shared.Rent(grammar.VocabularySize);
        var random = new Random(20261202);
        try
        {
            for (int sequence = 0; sequence < Sequences; sequence++)
            {
                constraint.Reset();
                for (int step = 0; step < MaxTokensPerSequence && !constraint.IsComplete; step++)
                {
                    constraint.WriteAllowedTokens(mask.AsSpan(0, words));
                    int id = Pick(mask.AsSpan(0, words), allowed, random);
                    if (id < 0 || !constraint.TryAccept(id))
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(mask);
            ArrayPool<int>.Shared.Return(allowed);
        }
        return Stopwatch.GetElapsedTime(started);
    }

    private static int Pick(ReadOnlySpan<ulong> mask, int[] allowed, Random random)
    {
        int roll = random.Next(6);
        if (roll == 0)
        {
            // A terminator or header special when one is allowed: ends texts and moves headers on.
            int special = RandomAllowed(mask, HarmonyTokens.FirstSpecial, HarmonyTokens.VocabularySize, allowed, random);
            if (special >= 0)
                return special;
        }
        else if (roll <= 2)
        {
            int count = 0;
            foreach (int id in Punctuation)
            {
                if (TokenMask.IsAllowed(mask, id))
                    allowed[count++] = id;
            }
            if (count > 0)
                return allowed[random.Next(count)];
        }
        return RandomAllowed(mask, 0, HarmonyTokens.VocabularySize, allowed, random);
    }

    private static int RandomAllowed(ReadOnlySpan<ulong> mask, int from, int to, int[] allowed, Random random)
    {
        int count = 0;
        for (int word = from >> 6; word < mask.Length && word << 6 < to; word++)
        {
            for (ulong bits = mask[word]; bits != 0; bits &= bits - 1)
            {
                int id = (word << 6) + BitOperations.TrailingZeroCount(bits);
                if (id >= from && id < to)
                    allowed[count++] = id;
            }
        }
        return count == 0 ? -1 : allowed[random.Next(count)];
    }

    private static int O200kSingleByteId(byte b) =>
        O200kHarmonyTokenizer.Instance.EncodeToIds(((char)b).ToString(), allowSpecialTokens: false)[0];
}
