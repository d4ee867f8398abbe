using System.Text;
using Campfire.Harmony.Tokenization;
using CsCheck;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// Long single pieces (no spaces) take the long-piece merge path; they must merge exactly like
/// Microsoft.ML.Tokenizers' BPE (lowest rank first, leftmost on ties). The peer is quadratic on such pieces,
/// so lengths stay at or below 20,000 chars and the count is sized for CI.
/// </summary>
public class TokenizerLongPieceParityTests
{
    private static readonly string[] Alphabets =
    [
        "abcdefghijklmnopqrstuvwxyz",
        "etaoinshrdlu",
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之",
        "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอะาิีึืุูเแโใไ่้๊๋",
        "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह्ािीुूेैोौं",
        "ab",
    ];

    private static readonly char[] RepeatedChars = ['a', 'z', 'x', 'я', '的', 'ก', '0', '.', '=', '-'];

    private static readonly string[] Patterns = ["ab", "abc", "xyz", "aab", "abcd", "ое", "ha", "ла", "你好", "=-"];

    private static readonly Gen<int> Length =
        Gen.Frequency((3, Gen.Int[1, 400]), (3, Gen.Int[400, 4000]), (1, Gen.Int[4000, 20000]));

    private static readonly Gen<string> RandomLetters =
        Gen.Select(Gen.Int[0, Alphabets.Length - 1], Length, Gen.UInt, (alphabet, length, seed) =>
        {
            var random = new Random((int)seed);
            string letters = Alphabets[alphabet];
            var builder = new StringBuilder(length);
            for (int i = 0; i < length; i++)
                builder.Append(letters[random.Next(letters.Length)]);
            return builder.ToString();
        });

    private static readonly Gen<string> RepeatedChar =
        Gen.Select(Gen.Int[0, RepeatedChars.Length - 1], Length, (c, length) => new string(RepeatedChars[c], length));

    private static readonly Gen<string> RepeatedPattern =
        Gen.Select(Gen.Int[0, Patterns.Length - 1], Length, (index, length) =>
        {
            string pattern = Patterns[index];
            var builder = new StringBuilder(length + pattern.Length);
            while (builder.Length < length)
                builder.Append(pattern);
            return builder.ToString(0, length);
        });

    private static readonly Gen<string> LongPiece =
        Gen.Frequency((3, RandomLetters), (2, RepeatedChar), (2, RepeatedPattern));

    [Fact]
    public void Long_pieces_without_spaces_encode_like_Microsoft_ML_Tokenizers()
    {
        LongPiece.Sample(text =>
        {
            int[] expected = PeerTokenizers.Encode(text, allowSpecialTokens: false);
            int[] actual = O200kHarmonyTokenizer.Instance.EncodeToIds(text);
            Assert.Equal(expected, actual);
        }, seed: "0L0ngP1ece00", iter: 120, threads: 1);
    }
}
