using System.Buffers.Binary;
using Campfire.Inference.Model;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// An independent oracle: the gpt-oss forward pass written plainly from the specification (platform-facts §5.2), in
/// float64, with no TorchSharp and no KV cache: every call recomputes the whole sequence. Weights are decoded here
/// from the raw checkpoint bytes (bf16 widening and MXFP4 by table) rather than through the code under test.
/// </summary>
internal sealed class ReferenceGptOss
{
    private readonly GptOssConfig _c;
    private readonly double[,] _embedding;
    private readonly Layer[] _layers;
    private readonly double[] _norm;
    private readonly double[,] _unembedding;

    /// <summary>When true, the sink term is left out of the softmax (plain causal attention).</summary>
    public bool WithoutSinks { get; init; }

    private static readonly double[] Fp4 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6];

    private sealed class Layer
    {
        public required double[] AttnNorm, QkvB, Sinks, OutB, MlpNorm, GateB;
        public required double[,] Qkv, Out, Gate, Mlp1B, Mlp2B;
        public required double[][,] Mlp1, Mlp2;
    }

    public ReferenceGptOss(string folder)
    {
        using var checkpoint = GptOssCheckpoint.Open(folder);
        _c = checkpoint.Config;
        var n = checkpoint.Names;
        var t = checkpoint.Tensors;
        _embedding = Matrix(t, n.Embedding);
        _layers = new Layer[_c.NumHiddenLayers];
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l] = new Layer
            {
                AttnNorm = Vector(t, n.AttentionNorm(l)),
                Qkv = StackRows(n.QkvWeight(l).Select(x => Matrix(t, x)).ToArray()),
                QkvB = n.QkvBias(l).SelectMany(x => Vector(t, x)).ToArray(),
                Sinks = Vector(t, n.Sinks(l)),
                Out = Matrix(t, n.OutWeight(l)),
                OutB = Vector(t, n.OutBias(l)),
                MlpNorm = Vector(t, n.MlpNorm(l)),
                Gate = Matrix(t, n.GateWeight(l)),
                GateB = Vector(t, n.GateBias(l)),
                Mlp1 = Experts(t, n.Mlp1Blocks(l), n.Mlp1Scales(l)),
                Mlp1B = Matrix(t, n.Mlp1Bias(l)),
                Mlp2 = Experts(t, n.Mlp2Blocks(l), n.Mlp2Scales(l)),
                Mlp2B = Matrix(t, n.Mlp2Bias(l)),
            };
        }
        _norm = Vector(t, n.FinalNorm);
        _unembedding = Matrix(t, n.Unembedding);
    }

    public GptOssConfig Config => _c;

    /// <summary>Logits [T, vocab] for every position of <paramref name="tokens"/>.</summary>
    public double[][] Forward(IReadOnlyList<int> tokens)
    {
        int T = tokens.Count, H = _c.HiddenSize;
        var x = new double[T][];
        for (int i = 0; i < T; i++)
        {
            x[i] = new double[H];
            for (int d = 0; d < H; d++) x[i][d] = _embedding[tokens[i], d];
        }
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var attn = Attention(x.Select(r => RmsNorm(r, layer.AttnNorm)).ToArray(), layer, _c.IsSliding(l));
            for (int i = 0; i < T; i++) Add(x[i], attn[i]);
            for (int i = 0; i < T; i++) Add(x[i], Moe(RmsNorm(x[i], layer.MlpNorm), layer));
        }
        return x.Select(r => Linear(_unembedding, RmsNorm(r, _norm), null)).ToArray();
    }

    private double[] RmsNorm(double[] x, double[] scale)
    {
        double sum = 0;
        foreach (double v in x) sum += v * v;
        double r = 1 / Math.Sqrt(sum / x.Length + _c.RmsNormEps);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * r * scale[i];
        return y;
    }

    private double[][] Attention(double[][] t, Layer w, bool sliding)
    {
        int T = t.Length, hd = _c.HeadDim, Hq = _c.NumAttentionHeads, Hkv = _c.NumKeyValueHeads;
        int half = hd / 2, qw = _c.QueryWidth, kw = _c.KeyValueWidth;
        // YaRN, from the specification's formulas.
        double s = _c.RopeScalingFactor;
        double conc = 0.1 * Math.Log(s) + 1;
        double low = half * Math.Log(_c.InitialContextLength / (_c.RopeNtkBeta * 2 * Math.PI)) / Math.Log(_c.RopeTheta);
        double high = half * Math.Log(_c.InitialContextLength / (_c.RopeNtkAlpha * 2 * Math.PI)) / Math.Log(_c.RopeTheta);
        var invFreq = new double[half];
        for (int i = 0; i < half; i++)
        {
            double freq = Math.Pow(_c.RopeTheta, 2.0 * i / hd);
            double mask = 1 - Math.Clamp((i - low) / (high - low), 0, 1);
            invFreq[i] = 1 / (s * freq) * (1 - mask) + 1 / freq * mask;
        }
        var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
        for (int i = 0; i < T; i++)
        {
            var qkv = Linear(w.Qkv, t[i], w.QkvB);
            q[i] = qkv[..qw]; k[i] = qkv[qw..(qw + kw)]; v[i] = qkv[(qw + kw)..];
            Rotate(q[i], Hq, i, invFreq, conc);
            Rotate(k[i], Hkv, i, invFreq, conc);
        }
        var o = new double[T][];
        double scale = 1 / Math.Sqrt(hd);
        for (int i = 0; i < T; i++)
        {
            o[i] = new double[qw];
            for (int h = 0; h < Hq; h++)
            {
                int kvh = h / (Hq / Hkv);
                var scores = new List<(int J, double S)>();
                for (int j = 0; j <= i; j++)
                {
                    if (sliding && i - j >= _c.SlidingWindow) continue;
                    double dot = 0;
                    for (int d = 0; d < hd; d++) dot += q[i][h * hd + d] * k[j][kvh * hd + d];
                    scores.Add((j, dot * scale));
                }
                double max = scores.Max(p => p.S);
                if (!WithoutSinks) max = Math.Max(max, w.Sinks[h]);
                double denom = scores.Sum(p => Math.Exp(p.S - max)) + (WithoutSinks ? 0 : Math.Exp(w.Sinks[h] - max));
                foreach (var (j, sc) in scores)
                {
                    double weight = Math.Exp(sc - max) / denom;
                    for (int d = 0; d < hd; d++) o[i][h * hd + d] += weight * v[j][kvh * hd + d];
                }
            }
        }
        return o.Select(r => Linear(w.Out, r, w.OutB)).ToArray();
    }

    private static void Rotate(double[] x, int heads, int position, double[] invFreq, double conc)
    {
        int half = invFreq.Length, hd = 2 * half;
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = position * invFreq[i];
                double cos = Math.Cos(angle) * conc, sin = Math.Sin(angle) * conc;
                double x1 = x[h * hd + i], x2 = x[h * hd + half + i];
                x[h * hd + i] = x1 * cos - x2 * sin;
                x[h * hd + half + i] = x2 * cos + x1 * sin;
            }
        }
    }

    private double[] Moe(double[] t, Layer w)
    {
        var g = Linear(w.Gate, t, w.GateB);
        var top = Enumerable.Range(0, g.Length).OrderByDescending(e => g[e]).ThenBy(e => e).Take(_c.ExpertsPerToken).ToArray();
        double max = top.Max(e => g[e]);
        double sum = top.Sum(e => Math.Exp(g[e] - max));
        var result = new double[t.Length];
        foreach (int e in top)
        {
            double weight = Math.Exp(g[e] - max) / sum;
            var h = Linear(w.Mlp1[e], t, Row(w.Mlp1B, e));
            var u = new double[_c.IntermediateSize];
            for (int i = 0; i < u.Length; i++)
            {
                double glu = Math.Min(h[2 * i], _c.SwigluLimit);
                double lin = Math.Clamp(h[2 * i + 1], -_c.SwigluLimit, _c.SwigluLimit);
                u[i] = glu / (1 + Math.Exp(-_c.SwigluAlpha * glu)) * (lin + 1);
            }
            var y = Linear(w.Mlp2[e], u, Row(w.Mlp2B, e));
            for (int d = 0; d < result.Length; d++) result[d] += weight * y[d];
        }
        return result;
    }

    private static double[] Linear(double[,] w, double[] x, double[]? b)
    {
        int rows = w.GetLength(0), cols = w.GetLength(1);
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = b?[r] ?? 0;
            for (int c = 0; c < cols; c++) sum += w[r, c] * x[c];
            y[r] = sum;
        }
        return y;
    }

    private static void Add(double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) x[i] += y[i];
    }

    private static double[] Row(double[,] m, int r) => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray();

    private static double[] Decode(SafetensorsCheckpoint t, string name)
    {
        var (file, info) = t.Get(name);
        var bytes = file.GetBytes(info);
        var result = new double[info.ElementCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = info.DType switch
            {
                SafetensorsDType.BF16 => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16),
                SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
                _ => throw new InvalidOperationException($"{name}: {info.DType}"),
            };
        }
        return result;
    }

    private static double[] Vector(SafetensorsCheckpoint t, string name) => Decode(t, name);

    private static double[,] Matrix(SafetensorsCheckpoint t, string name)
    {
        var info = t.Get(name).Info;
        var flat = Decode(t, name);
        int rows = (int)info.Shape[0], cols = (int)info.Shape[1];
        var m = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) m[r, c] = flat[r * cols + c];
        return m;
    }

    private static double[,] StackRows(double[][,] parts)
    {
        int cols = parts[0].GetLength(1), rows = parts.Sum(p => p.GetLength(0));
        var m = new double[rows, cols];
        int at = 0;
        foreach (var p in parts)
        {
            for (int r = 0; r < p.GetLength(0); r++, at++)
                for (int c = 0; c < cols; c++) m[at, c] = p[r, c];
        }
        return m;
    }

    private static double[][,] Experts(SafetensorsCheckpoint t, string blocksName, string scalesName)
    {
        var (bf, bi) = t.Get(blocksName);
        var (sf, si) = t.Get(scalesName);
        var blocks = bf.GetBytes(bi);
        var scales = sf.GetBytes(si);
        int e = (int)bi.Shape[0], rows = (int)bi.Shape[1], groups = (int)bi.Shape[2];
        var result = new double[e][,];
        for (int x = 0; x < e; x++)
        {
            result[x] = new double[rows, groups * 32];
            for (int r = 0; r < rows; r++)
            {
                for (int g = 0; g < groups; g++)
                {
                    double scale = Math.Pow(2, scales[(x * rows + r) * groups + g] - 127);
                    for (int b = 0; b < 16; b++)
                    {
                        byte v = blocks[((x * rows + r) * groups + g) * 16 + b];
                        result[x][r, g * 32 + 2 * b] = Fp4[v & 15] * scale;
                        result[x][r, g * 32 + 2 * b + 1] = Fp4[v >> 4] * scale;
                    }
                }
            }
        }
        return result;
    }
}
