using System.Text;
using Campfire.Harmony.Tokenization;
using CsCheck;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// The long-piece encoder must give exactly what the merge simulation gives (lowest rank first, leftmost on ties),
/// itself checked against Microsoft.ML.Tokenizers in <see cref="TokenizerLongPieceParityTests"/>.
/// </summary>
public class BacktrackingEncoderTests
{
    private static readonly O200kVocabulary Vocabulary = O200kHarmonyTokenizer.Instance.Vocabulary;
    private static readonly BacktrackingEncoder Encoder = Vocabulary.LongPieceEncoder;

    private static int[] Simulated(ReadOnlySpan<byte> piece)
    {
        var ranks = new int[piece.Length];
        return ranks[..BytePairMerger.MergeBySimulation(Vocabulary, piece, ranks)];
    }

    private static int[] Backtracked(ReadOnlySpan<byte> piece)
    {
        var ranks = new int[piece.Length];
        int count = Encoder.Encode(piece, ranks);
        Assert.True(count >= 0, "the backtracking search failed");
        return ranks[..count];
    }

    [Fact]
    public void A_token_is_usable_exactly_when_merging_its_bytes_gives_the_token_itself()
    {
        int usable = 0;
        for (int rank = 0; rank < O200kVocabulary.OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> bytes = Vocabulary.GetBytes(rank);
            int[] merged = Simulated(bytes);
            bool reachable = merged.Length == 1 && merged[0] == rank;
            Assert.True(reachable == Encoder.IsUsable(rank), $"rank {rank}: merge gives [{string.Join(",", merged)}], usable {Encoder.IsUsable(rank)}");
            if (reachable)
            {
                usable++;
                Assert.Equal([rank], Backtracked(bytes));
            }
            else
            {
                Assert.Equal(merged, Backtracked(bytes));
            }
        }
        Assert.Equal(usable, Encoder.UsableCount);
    }

    private static readonly string[] Alphabets =
    [
        "abcdefghijklmnopqrstuvwxyz",
        "etaoinshrdlu",
        "ab",
        "aeiou",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之",
        "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอะาิีึืุูเแโใไ่้๊๋",
        "!\"#$%&()*+,-./:;<=>?@[]^_`{|}~",
        "0123456789",
    ];

    private static readonly Gen<int> Length = Gen.Frequency((4, Gen.Int[1, 300]), (2, Gen.Int[300, 3000]), (1, Gen.Int[3000, 30000]));

    private static readonly Gen<byte[]> RandomLetters =
        Gen.Select(Gen.Int[0, Alphabets.Length - 1], Length, Gen.Int, (alphabet, length, seed) =>
        {
            var random = new Random(seed);
            string letters = Alphabets[alphabet];
            var text = new StringBuilder(length);
            for (int i = 0; i < length; i++)
                text.Append(letters[random.Next(letters.Length)]);
            return Encoding.UTF8.GetBytes(text.ToString());
        });

    private static readonly Gen<byte[]> Repeated =
        Gen.Select(Gen.Int[1, 6], Length, Gen.Int, (unit, length, seed) =>
        {
            // A short random unit of letters repeated: the case where ties between equal pairs decide everything.
            var random = new Random(seed);
            var pattern = new byte[unit];
            for (int i = 0; i < unit; i++)
                pattern[i] = (byte)"aabbez=-. "[random.Next(10)];
            var bytes = new byte[length];
            for (int i = 0; i < length; i++)
                bytes[i] = pattern[i % unit];
            return bytes;
        });

    private static readonly Gen<byte[]> ConcatenatedTokens =
        Gen.Select(Gen.Int[1, 2000], Gen.Int, (tokens, seed) =>
        {
            // Neighbouring tokens whose bytes may merge across their boundary, including non-UTF-8 fragments.
            var random = new Random(seed);
            var bytes = new List<byte>();
            for (int i = 0; i < tokens; i++)
                bytes.AddRange(Vocabulary.GetBytes(random.Next(O200kVocabulary.OrdinaryCount)).ToArray());
            return bytes.ToArray();
        });

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[1, 5000];

    [Fact]
    public void Long_and_short_pieces_encode_exactly_as_the_merge_simulation()
    {
        Gen.Frequency((4, RandomLetters), (2, Repeated), (2, ConcatenatedTokens), (1, RandomBytes)).Sample(piece =>
        {
            Assert.Equal(Simulated(piece), Backtracked(piece));
        }, seed: "0BackTrack00", iter: 3000, threads: 1);
    }

    [Fact]
    public void Threads_sharing_the_encoder_get_the_results_of_a_single_thread()
    {
        // The pair-verdict cache is shared and written without locks: racing threads must still agree.
        var pieces = Enumerable.Range(0, 64).Select(seed =>
        {
            var random = new Random(seed);
            string letters = Alphabets[seed % Alphabets.Length];
            var text = new StringBuilder();
            for (int i = 0; i < 4000; i++)
                text.Append(letters[random.Next(letters.Length)]);
            return Encoding.UTF8.GetBytes(text.ToString());
        }).ToArray();
        int[][] expected = pieces.Select(p => Simulated(p)).ToArray();
        Parallel.For(0, pieces.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int index = i % pieces.Length;
            Assert.Equal(expected[index], Backtracked(pieces[index]));
        });
    }
}
