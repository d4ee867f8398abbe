using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// Post-RoPE keys and values of every layer. Full-attention layers keep every position (grown by doubling); sliding
/// layers keep a ring buffer (slot = position mod ring size) of the window size plus a rewind margin, since no query
/// looks further back than the window. The margin lets <see cref="TruncateTo"/> step back that many tokens (a new turn
/// whose prompt re-renders the end of the last completion differently) without a full recompute; 0 gives a ring of
/// exactly the window.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerKv[] _layers;

    public KvCache(GptOssConfig config, ScalarType dtype, Device device, int rewindMargin = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rewindMargin);
        _layers = new LayerKv[config.NumHiddenLayers];
        for (int l = 0; l < _layers.Length; l++)
            _layers[l] = new LayerKv(config.IsSliding(l) ? config.SlidingWindow : 0, rewindMargin, config.NumKeyValueHeads, config.HeadDim, dtype, device);
    }

    /// <summary>
    /// Drops every position from <paramref name="length"/> on, when each layer still holds what the next query needs;
    /// false (cache unchanged) when a sliding layer's ring has already overwritten a needed position.
    /// </summary>
    public bool TruncateTo(long length)
    {
        if (length < 0 || length > Length) return false;
        foreach (var layer in _layers)
            if (!layer.CanTruncateTo(length, Length)) return false;
        foreach (var layer in _layers) layer.TruncateTo(length);
        Length = length;
        return true;
    }

    /// <summary>Positions processed so far: the next token goes at this position.</summary>
    public long Length { get; private set; }

    internal LayerKv Layer(int index) => _layers[index];

    internal void Advance(int tokens) => Length += tokens;

    public void Reset()
    {
        foreach (var layer in _layers) layer.Reset();
        Length = 0;
    }

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
    }

    internal sealed class LayerKv(int window, int margin, int heads, int headDim, ScalarType dtype, Device device) : IDisposable
    {
        private readonly int _ring = window > 0 ? window + margin : 0;
        private Tensor? _keys;
        private Tensor? _values;
        private long[] _positions = [];
        private int _count;

        public int Window => window;
        public bool Sliding => window > 0;

        /// <summary>Cached keys/values [S, kv_heads, head_dim] and their absolute positions (-1: empty ring slot).</summary>
        public (Tensor? Keys, Tensor? Values, long[] Positions) Past()
        {
            if (_count == 0 || _keys is null) return (null, null, []);
            if (Sliding) return (_keys, _values, _positions);
            return (_keys.narrow(0, 0, _count), _values!.narrow(0, 0, _count), _positions.AsSpan(0, _count).ToArray());
        }

        public void Append(Tensor keys, Tensor values, long firstPosition)
        {
            int t = (int)keys.shape[0];
            if (Sliding)
            {
                EnsureStorage(0);
                int keep = Math.Min(t, _ring);
                var slots = new long[keep];
                for (int i = 0; i < keep; i++)
                {
                    long p = firstPosition + t - keep + i;
                    slots[i] = p % _ring;
                    _positions[slots[i]] = p;
                }
                using var index = tensor(slots, device: device);
                _keys!.index_copy_(0, index, keys.narrow(0, t - keep, keep).to(dtype));
                _values!.index_copy_(0, index, values.narrow(0, t - keep, keep).to(dtype));
                _count = Math.Min(_ring, _count + t);
                return;
            }
            int needed = _count + t;
            EnsureStorage(needed);
            _keys!.narrow(0, _count, t).copy_(keys);
            _values!.narrow(0, _count, t).copy_(values);
            for (int i = 0; i < t; i++) _positions[_count + i] = firstPosition + i;
            _count = needed;
        }

        // Sliding layers: the whole ring, once. Full layers: room for `needed` positions, grown by doubling.
        private void EnsureStorage(int needed)
        {
            if (Sliding)
            {
                if (_keys is not null) return;
                _keys = zeros([_ring, heads, headDim], dtype, device).DetachFromDisposeScope();
                _values = zeros([_ring, heads, headDim], dtype, device).DetachFromDisposeScope();
                _positions = new long[_ring];
                Array.Fill(_positions, -1);
                _capacity = _ring;
                return;
            }
            if (_keys is not null && needed <= _capacity) return;
            long capacity = Math.Max(needed, Math.Max(64, _capacity * 2L));
            var grownK = zeros([capacity, heads, headDim], dtype, device).DetachFromDisposeScope();
            var grownV = zeros([capacity, heads, headDim], dtype, device).DetachFromDisposeScope();
            if (_count > 0)
            {
                grownK.narrow(0, 0, _count).copy_(_keys!.narrow(0, 0, _count));
                grownV.narrow(0, 0, _count).copy_(_values!.narrow(0, 0, _count));
            }
            _keys?.Dispose();
            _values?.Dispose();
            _keys = grownK;
            _values = grownV;
            _capacity = (int)capacity;
            Array.Resize(ref _positions, (int)capacity);
        }

        // The storage's slot count, kept here because reading a tensor's shape costs microseconds (an array per call).
        private int _capacity;

        /// <summary>
        /// Appends one position's key and value (fp32, [kvHeads · headDim] each) by writing the CPU storage directly,
        /// converted to the cache's dtype (exact when they were rounded to it already, as a bf16 model's are): the
        /// one-token attention kernel's path, without tensor operations.
        /// </summary>
        public void AppendOne(ReadOnlySpan<float> key, ReadOnlySpan<float> value, long position)
        {
            int slot;
            if (Sliding)
            {
                EnsureStorage(0);
                slot = (int)(position % _ring);
                if (_positions[slot] < 0) _count = Math.Min(_ring, _count + 1);
                _positions[slot] = position;
            }
            else
            {
                EnsureStorage(_count + 1);
                slot = _count;
                _positions[slot] = position;
                _count++;
            }
            Write(_keys!, slot, key);
            Write(_values!, slot, value);
        }

        private void Write(Tensor storage, int slot, ReadOnlySpan<float> row)
        {
            int width = heads * headDim;
            if (dtype == ScalarType.BFloat16)
            {
                Bf16.Narrow(row[..width], MemoryMarshal.Cast<byte, ushort>(storage.bytes).Slice(slot * width, width));
            }
            else
            {
                row[..width].CopyTo(MemoryMarshal.Cast<byte, float>(storage.bytes).Slice(slot * width, width));
            }
        }

        /// <summary>
        /// The slots a query at <paramref name="queryPosition"/> attends to, in position order for full layers (causal,
        /// and within the window on sliding layers); written to <paramref name="into"/> (at least
        /// <see cref="SlotCapacity"/> long), their count returned.
        /// </summary>
        public int AttendedSlots(long queryPosition, Span<int> into)
        {
            int count = 0;
            int slots = Sliding ? _ring : _count;
            for (int j = 0; j < slots; j++)
            {
                long p = _positions[j];
                if (p >= 0 && p <= queryPosition && (!Sliding || queryPosition - p < window)) into[count++] = j;
            }
            return count;
        }

        /// <summary>Slots the storage holds now (the ring, or the full layer's capacity).</summary>
        public int SlotCapacity => _keys is null ? 0 : _capacity;

        /// <summary>The CPU storage's bytes, [SlotCapacity, kvHeads, headDim] in the cache's dtype (empty before any append).</summary>
        public ReadOnlySpan<byte> KeyBytes => _keys is null ? default : _keys.bytes;

        /// <inheritdoc cref="KeyBytes"/>
        public ReadOnlySpan<byte> ValueBytes => _values is null ? default : _values.bytes;

        /// <summary>A query at <paramref name="length"/> needs positions length−window+1 .. length−1 (all before it on full layers).</summary>
        public bool CanTruncateTo(long length, long cached)
        {
            if (!Sliding || length == 0) return true;
            long oldestKept = cached;
            foreach (long p in _positions)
                if (p >= 0 && p < oldestKept) oldestKept = p;
            return Math.Max(0, length - window + 1) >= oldestKept;
        }

        public void TruncateTo(long length)
        {
            if (!Sliding)
            {
                _count = (int)Math.Min(_count, length);
                return;
            }
            int valid = 0;
            for (int i = 0; i < _positions.Length; i++)
            {
                if (_positions[i] >= length) _positions[i] = -1;
                if (_positions[i] >= 0) valid++;
            }
            _count = valid;
        }

        public void Reset()
        {
            _count = 0;
            if (Sliding) Array.Fill(_positions, -1);
        }

        public void Dispose()
        {
            _keys?.Dispose();
            _values?.Dispose();
        }
    }
}
