using System.Text;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// Which merge path a piece takes (scan, simulation, backtracking) must never change its ids, and real text, whose
/// pieces stay far below <see cref="BytePairMerger.SimulationPieceLimit"/> bytes, must not pay for the backtracking
/// encoder's tables. The rank lookups behind every path go through a Bloom filter that must never hide a token.
/// </summary>
public class MergePathTests
{
    private static readonly O200kHarmonyTokenizer Tokenizer = O200kHarmonyTokenizer.Instance;
    private static readonly O200kVocabulary Vocabulary = Tokenizer.Vocabulary;

    private const string Han = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之";
    private const string Thai = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอะาิีึืุูเแโใไ่้๊๋";

    private static byte[] RandomPiece(string letters, int bytes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(text.ToString()) < bytes)
            text.Append(letters[random.Next(letters.Length)]);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public void Every_ordinary_token_is_found_by_its_bytes()
    {
        for (int rank = 0; rank < O200kVocabulary.OrdinaryCount; rank++)
            Assert.Equal(rank, Vocabulary.GetRank(Vocabulary.GetBytes(rank)));
    }

    [Theory]
    [InlineData(Han, 129)]
    [InlineData(Han, 600)]
    [InlineData(Han, 1024)]
    [InlineData(Thai, 300)]
    [InlineData("abcdefghijklmnopqrstuvwxyz", 1000)]
    [InlineData("a", 900)]
    public void Pieces_merged_by_simulation_get_the_backtracking_encoders_ids(string letters, int bytes)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            byte[] piece = RandomPiece(letters, bytes, seed);
            var merged = new int[piece.Length];
            var backtracked = new int[piece.Length];
            int count = BytePairMerger.Merge(Vocabulary, piece, merged);
            int expected = Vocabulary.LongPieceEncoder.Encode(piece, backtracked);
            Assert.Equal(backtracked[..expected], merged[..count]);
        }
    }

    [Theory]
    [InlineData(Han)]
    [InlineData(Thai)]
    [InlineData("abcdefghijklmnopqrstuvwxyz")]
    [InlineData("a")]
    [InlineData("ab 0123456789-+.,;:()[]{}\"'\n\tйцукенéàüß")]
    public void Short_pieces_merged_by_the_array_scan_get_the_backtracking_encoders_ids(string letters)
    {
        // Every length across the plain-loop and vector-call sizes of the array scan.
        var merged = new int[BytePairMerger.ShortPieceLimit];
        var backtracked = new int[BytePairMerger.ShortPieceLimit];
        for (int bytes = 2; bytes <= BytePairMerger.ShortPieceLimit - 4; bytes++)
        {
            byte[] piece = RandomPiece(letters, bytes, bytes);
            int count = BytePairMerger.MergeBySimulation(Vocabulary, piece, merged);
            int expected = Vocabulary.LongPieceEncoder.Encode(piece, backtracked);
            Assert.True(expected >= 0, $"the backtracking encoder found no encoding of {bytes} bytes");
            Assert.Equal(backtracked[..expected], merged[..count]);
        }
    }

    [Fact]
    public void Only_uncut_parts_over_the_simulation_limit_build_the_long_piece_tables()
    {
        var vocabulary = O200kVocabulary.Load();
        var ranks = new int[4096];
        BytePairMerger.Merge(vocabulary, RandomPiece(Han, BytePairMerger.SimulationPieceLimit - 2, 1), ranks);
        BytePairMerger.Merge(vocabulary, RandomPiece(Thai, 400, 2), ranks);
        Assert.False(vocabulary.HasLongPieceEncoder);

        // Random Han is cut into short parts where no token crosses (see LongPieceCutTests); a run of one letter is not.
        BytePairMerger.Merge(vocabulary, RandomPiece(Han, 3 * BytePairMerger.SimulationPieceLimit, 3), ranks);
        Assert.False(vocabulary.HasLongPieceEncoder);

        BytePairMerger.Merge(vocabulary, RandomPiece("a", BytePairMerger.SimulationPieceLimit + 1, 3), ranks);
        Assert.True(vocabulary.HasLongPieceEncoder);
    }

    [Fact]
    public void Encoding_a_piece_of_several_hundred_bytes_allocates_nothing()
    {
        string piece = Encoding.UTF8.GetString(RandomPiece(Han, 700, 4));
        var ids = new int[piece.Length * 3];
        Tokenizer.EncodeToIds(piece, ids, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Tokenizer.EncodeToIds(piece, ids, out _, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
