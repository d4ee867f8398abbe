using BenchmarkDotNet.Attributes;
using Campfire.Kernels;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// Issue #17's kernels for the parts of a step the MXFP4 decode kernel does not cover, on the `small` preset's shapes
/// (hidden 1024, vocabulary 201,088): prefill's product of one expert with the prompt tokens that chose it
/// (<see cref="Mxfp4MatVec.MultiplyMany"/> against one <see cref="Mxfp4MatVec.Multiply(System.ReadOnlySpan{byte}, System.ReadOnlySpan{byte}, System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.Span{float}, int, Mxfp4Isa?)"/>
/// per token), and one token's unembedding from bf16 weights (<see cref="Bf16MatVec"/> against widening each row to fp32
/// and a SIMD dot, the unfused form).
/// </summary>
[MemoryDiagnoser]
public class PrefillAndDenseKernelBenchmarks
{
    private const int Hidden = 1024;
    private const int ExpertRows = 2048;   // mlp1 of the small preset: 2 × intermediate 1024
    private const int Vocabulary = 201088;

    private byte[] _blocks = [];
    private byte[] _scales = [];
    private float[] _tokens = [];
    private float[] _expertOut = [];
    private ushort[] _unembedding = [];
    private float[] _hidden = [];
    private float[] _logits = [];
    private float[] _row = [];

    /// <summary>
    /// Prompt tokens that chose the expert: 12 (25 tokens × top-4 of the small preset's 8 experts) and 3 (of gpt-oss-20b's
    /// 32, where the kernel takes four rows × three tokens at a time).
    /// </summary>
    [Params(3, 12)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1024);
        int groups = Hidden / 32;
        _blocks = new byte[ExpertRows * groups * 16];
        random.NextBytes(_blocks);
        _scales = new byte[ExpertRows * groups];
        for (int i = 0; i < _scales.Length; i++) _scales[i] = (byte)random.Next(116, 126);
        _tokens = new float[Tokens * Hidden];
        for (int i = 0; i < _tokens.Length; i++) _tokens[i] = (float)(random.NextDouble() * 2 - 1);
        _expertOut = new float[Tokens * ExpertRows];
        _unembedding = new ushort[(long)Vocabulary * Hidden];
        for (long i = 0; i < _unembedding.LongLength; i++) _unembedding[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() * 0.06 - 0.03)) >> 16);
        _hidden = new float[Hidden];
        for (int i = 0; i < Hidden; i++) _hidden[i] = (float)(random.NextDouble() * 2 - 1);
        _logits = new float[Vocabulary];
        _row = new float[Hidden];
    }

    [Benchmark(Baseline = true)]
    public float ExpertOncePerToken()
    {
        for (int j = 0; j < Tokens; j++)
            Mxfp4MatVec.Multiply(_blocks, _scales, _tokens.AsSpan(j * Hidden, Hidden), ReadOnlySpan<float>.Empty, _expertOut.AsSpan(j * ExpertRows, ExpertRows));
        return _expertOut[0];
    }

    [Benchmark]
    public float ExpertForAllTokens()
    {
        Mxfp4MatVec.MultiplyMany(_blocks, _scales, _tokens, Hidden, ReadOnlySpan<float>.Empty, _expertOut);
        return _expertOut[0];
    }

    [Benchmark]
    public float UnembeddingWidenRowThenDot()
    {
        for (int r = 0; r < Vocabulary; r++)
        {
            var bits = _unembedding.AsSpan(r * Hidden, Hidden);
            for (int k = 0; k < Hidden; k++) _row[k] = BitConverter.Int32BitsToSingle(bits[k] << 16);
            _logits[r] = Dot(_row, _hidden);
        }
        return _logits[0];
    }

    [Benchmark]
    public float UnembeddingBf16Kernel()
    {
        Bf16MatVec.Multiply(_unembedding, _hidden, ReadOnlySpan<float>.Empty, _logits);
        return _logits[0];
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Runtime.Intrinsics.Vector256<float>>(a);
        var vb = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Runtime.Intrinsics.Vector256<float>>(b);
        var s0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
        var s1 = s0;
        int i = 0;
        for (; i + 2 <= va.Length; i += 2)
        {
            s0 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(va[i], vb[i], s0);
            s1 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(va[i + 1], vb[i + 1], s1);
        }
        return System.Runtime.Intrinsics.Vector256.Sum(s0 + s1);
    }
}
