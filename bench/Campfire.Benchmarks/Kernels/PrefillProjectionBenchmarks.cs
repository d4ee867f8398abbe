using BenchmarkDotNet.Attributes;
using Campfire.Kernels;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// A prefill's attention projection on the CPU: the prompt's tokens through one bf16 weight matrix, one
/// <see cref="Bf16MatVec.Multiply"/> per token (baseline: what running the prompt as decode steps costs) against one
/// <see cref="Bf16MatVec.MultiplyMany"/> (each row pair read and widened once per six tokens, see VectorTiles).
/// Shapes: the `small` preset's QKV (1,536 × 1,024) and gpt-oss-20b's (5,120 × 2,880), 25 prompt tokens.
/// </summary>
[MemoryDiagnoser]
public class PrefillProjectionBenchmarks
{
    private ushort[] _weights = [];
    private float[] _tokens = [];
    private float[] _outputs = [];
    private int _rows, _columns;

    [Params("small qkv 1536x1024", "20b qkv 5120x2880")]
    public string Shape { get; set; } = "small qkv 1536x1024";

    [Params(25)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_rows, _columns) = Shape.StartsWith("small", StringComparison.Ordinal) ? (1536, 1024) : (5120, 2880);
        var random = new Random(25);
        _weights = new ushort[_rows * _columns];
        for (int i = 0; i < _weights.Length; i++) _weights[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() * 0.06 - 0.03)) >> 16);
        _tokens = new float[Tokens * _columns];
        for (int i = 0; i < _tokens.Length; i++) _tokens[i] = (float)(random.NextDouble() * 2 - 1);
        _outputs = new float[Tokens * _rows];
    }

    [Benchmark(Baseline = true)]
    public float OneCallPerToken()
    {
        for (int j = 0; j < Tokens; j++)
            Bf16MatVec.Multiply(_weights, _tokens.AsSpan(j * _columns, _columns), ReadOnlySpan<float>.Empty, _outputs.AsSpan(j * _rows, _rows));
        return _outputs[0];
    }

    [Benchmark]
    public float OneCallForAllTokens()
    {
        Bf16MatVec.MultiplyMany(_weights, _tokens, _columns, ReadOnlySpan<float>.Empty, _outputs);
        return _outputs[0];
    }
}
