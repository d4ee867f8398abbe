using Campfire.Inference.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// Loads and shape-checks every tensor of a gpt-oss checkpoint onto a device. On the CPU, tensors kept in their stored
/// dtype are views of a read-only (copy-on-write) mapping of the file, not copies: a 20b-shaped checkpoint's 10 GB of
/// MXFP4 experts come into memory only as experts are used, and loading copies nothing.
/// </summary>
public sealed class GptOssWeights : IDisposable
{
    private GptOssWeights(GptOssConfig config, Tensor embedding, GptOssLayerWeights[] layers, Tensor finalNorm, Tensor unembedding)
    {
        Config = config;
        Embedding = embedding;
        Layers = layers;
        FinalNorm = finalNorm;
        Unembedding = unembedding;
    }

    public GptOssConfig Config { get; }
    public Tensor Embedding { get; }
    public GptOssLayerWeights[] Layers { get; }
    public Tensor FinalNorm { get; }
    public Tensor Unembedding { get; }

    /// <summary>Where <see cref="Unembedding"/> lies in its file (null for weights not loaded from files).</summary>
    public TensorFileRegion? UnembeddingFile { get; init; }

    public static GptOssWeights Load(GptOssCheckpoint checkpoint, Device device)
    {
        var c = checkpoint.Config;
        var n = checkpoint.Names;
        using var loader = new Loader(checkpoint.Tensors, device);
        int e = c.NumExperts, h = c.HiddenSize, i2 = 2 * c.IntermediateSize;
        long qkvRows = c.QueryWidth + 2L * c.KeyValueWidth;
        var layers = new GptOssLayerWeights[c.NumHiddenLayers];
        try
        {
            var embedding = loader.Dense(n.Embedding, [c.VocabSize, h]);
            for (int l = 0; l < c.NumHiddenLayers; l++)
            {
                layers[l] = new GptOssLayerWeights
                {
                    AttentionNorm = loader.Dense(n.AttentionNorm(l), [h], ScalarType.Float32),
                    QkvWeight = loader.Stacked(n.QkvWeight(l), [[c.QueryWidth, h], [c.KeyValueWidth, h], [c.KeyValueWidth, h]], [qkvRows, h]),
                    QkvBias = loader.Stacked(n.QkvBias(l), [[c.QueryWidth], [c.KeyValueWidth], [c.KeyValueWidth]], [qkvRows]),
                    Sinks = loader.Dense(n.Sinks(l), [c.NumAttentionHeads], ScalarType.Float32),
                    OutWeight = loader.Dense(n.OutWeight(l), [h, c.QueryWidth]),
                    OutBias = loader.Dense(n.OutBias(l), [h]),
                    MlpNorm = loader.Dense(n.MlpNorm(l), [h], ScalarType.Float32),
                    GateWeight = loader.Dense(n.GateWeight(l), [e, h]),
                    GateBias = loader.Dense(n.GateBias(l), [e]),
                    Mlp1Blocks = loader.Bytes(n.Mlp1Blocks(l), [e, i2, h / 32, 16]),
                    Mlp1Scales = loader.Bytes(n.Mlp1Scales(l), [e, i2, h / 32]),
                    Mlp1Bias = loader.Dense(n.Mlp1Bias(l), [e, i2]),
                    Mlp2Blocks = loader.Bytes(n.Mlp2Blocks(l), [e, h, c.IntermediateSize / 32, 16]),
                    Mlp2Scales = loader.Bytes(n.Mlp2Scales(l), [e, h, c.IntermediateSize / 32]),
                    Mlp2Bias = loader.Dense(n.Mlp2Bias(l), [e, h]),
                    QkvWeightFile = n.QkvWeight(l) is [var fused] ? loader.Region(fused) : null,
                    OutWeightFile = loader.Region(n.OutWeight(l)),
                    ExpertFiles = new ExpertFileRegions(loader.Region(n.Mlp1Blocks(l)), loader.Region(n.Mlp1Scales(l)),
                        loader.Region(n.Mlp2Blocks(l)), loader.Region(n.Mlp2Scales(l))),
                };
            }
            var norm = loader.Dense(n.FinalNorm, [h], ScalarType.Float32);
            var unembedding = loader.Dense(n.Unembedding, [c.VocabSize, h]);
            return new GptOssWeights(c, embedding, layers, norm, unembedding) { UnembeddingFile = loader.Region(n.Unembedding) };
        }
        catch
        {
            foreach (var layer in layers) layer?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Embedding.Dispose();
        foreach (var layer in Layers) layer.Dispose();
        FinalNorm.Dispose();
        Unembedding.Dispose();
    }

    private sealed class Loader(SafetensorsCheckpoint tensors, Device device) : IDisposable
    {
        // One whole-file mapping per (file, dtype); the tensors handed out are views of it and keep it alive.
        private readonly Dictionary<(string Path, ScalarType Type), Tensor> _mapped = new();

        /// <summary>A float tensor (BF16, F16 or F32 on disk), kept as stored unless <paramref name="convertTo"/> says otherwise.</summary>
        public Tensor Dense(string name, long[] shape, ScalarType? convertTo = null)
        {
            var (file, info) = tensors.Get(name);
            var type = info.DType switch
            {
                SafetensorsDType.BF16 => ScalarType.BFloat16,
                SafetensorsDType.F16 => ScalarType.Float16,
                SafetensorsDType.F32 => ScalarType.Float32,
                _ => throw new ModelCheckpointException($"{file.FilePath}: tensor '{name}' has dtype {info.DType.ToHeaderName()}, expected BF16, F16 or F32"),
            };
            CheckShape(file, info, shape);
            var t = Read(file, info, type);
            return convertTo is { } target && target != type ? Convert(t, target) : t;
        }

        public Tensor Bytes(string name, long[] shape)
        {
            var (file, info) = tensors.Get(name);
            if (info.DType != SafetensorsDType.U8)
                throw new ModelCheckpointException($"{file.FilePath}: tensor '{name}' has dtype {info.DType.ToHeaderName()}, expected U8 (MXFP4)");
            CheckShape(file, info, shape);
            return Read(file, info, ScalarType.Byte);
        }

        /// <summary>Where tensor <paramref name="name"/> lies in its file.</summary>
        public TensorFileRegion Region(string name)
        {
            var (file, info) = tensors.Get(name);
            return new TensorFileRegion(file.FilePath, info.FileOffset, info.ByteLength);
        }

        /// <summary>One fused tensor, or several (HF q/k/v) stacked along rows into the fused shape.</summary>
        public Tensor Stacked(string[] names, long[][] partShapes, long[] fusedShape)
        {
            if (names.Length == 1) return Dense(names[0], fusedShape);
            var parts = new Tensor[names.Length];
            try
            {
                for (int k = 0; k < names.Length; k++) parts[k] = Dense(names[k], partShapes[k]);
                return cat(parts, 0);
            }
            finally
            {
                foreach (var p in parts) p?.Dispose();
            }
        }

        private static void CheckShape(SafetensorsFile file, SafetensorsTensorInfo info, long[] expected)
        {
            if (!info.Shape.AsSpan().SequenceEqual(expected))
                throw new ModelCheckpointException($"{file.FilePath}: tensor '{info.Name}' has shape {info.ShapeText}, expected [{string.Join(", ", expected)}]");
        }

        private Tensor Read(SafetensorsFile file, SafetensorsTensorInfo info, ScalarType type)
        {
            if (device.type == DeviceType.CPU && info.ByteLength > 0 && TryMap(file, info, type) is { } view) return view;
            var host = empty(info.Shape, type, CPU);
            if (info.ByteLength > 0)
                file.FillTensor(info, host);
            if (device.type == DeviceType.CPU) return host;
            var moved = host.to(device);
            host.Dispose();
            return moved;
        }

        private Tensor? TryMap(SafetensorsFile file, SafetensorsTensorInfo info, ScalarType type)
        {
            int size = info.DType.ElementSize();
            if (info.FileOffset % size != 0) return null;
            if (!_mapped.TryGetValue((file.FilePath, type), out var whole))
            {
                // from_file without sharing maps the file privately: pages are read on first touch, writes never reach it.
                whole = from_file(file.FilePath, shared: false, size: file.FileLength / size, dtype: type);
                _mapped[(file.FilePath, type)] = whole;
            }
            using var flat = whole.narrow(0, info.FileOffset / size, info.ByteLength / size);
            return flat.view(info.Shape);
        }

        public void Dispose()
        {
            foreach (var whole in _mapped.Values) whole.Dispose();
            _mapped.Clear();
        }

        private static Tensor Convert(Tensor t, ScalarType target)
        {
            var converted = t.to(target);
            t.Dispose();
            return converted;
        }
    }
}
