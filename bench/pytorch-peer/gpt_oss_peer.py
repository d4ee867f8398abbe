#!/usr/bin/env python3
"""A PyTorch gpt-oss decoder with a KV cache: the peer that issue #17 measures `campfire generate` against.

It computes what Campfire's GptOssModel computes, written the way a plain PyTorch implementation would:
RMSNorm in fp32; fused QKV with grouped-query attention (queries grouped per KV head, no repeat of K and V); YaRN RoPE
(NTK-by-parts frequencies, cos and sin scaled by the concentration 0.1 ln(factor) + 1, rotate-half) from the
checkpoint's config.json; sliding-window attention on even layers and full causal attention on odd ones, each with a
learned sink logit per head in the softmax denominator (scores, softmax and sinks in fp32); MoE router in fp32 with
top-k and a softmax over the chosen logits; SwiGLU (gate clamped above, linear clamped to +-limit, alpha 1.702) over
interleaved rows; untied unembedding; greedy.

Weights: its own safetensors reader maps the file (mmap + torch.frombuffer, no numpy). Dense weights are used as
stored in bfloat16 and widened once at load in float32; the embedding's rows are gathered, then widened. The MXFP4
experts are dequantised ONCE AT LOAD to the activation dtype (as openai/gpt-oss's torch reference does), so a step
multiplies dense expert matrices: [E, 2I, H] and [E, H, I] per layer. Each selected expert is applied as F.linear on
a view of its matrix (no per-token gather or copy). In bfloat16 the expert's hidden layer and SwiGLU are bf16 (as in
the reference); the router-weighted sum of the experts is accumulated in fp32 and rounded to the activation dtype.

Only the original layout (openai/gpt-oss tensor names, config.json with its field names) is read.

    python3 gpt_oss_peer.py --model DIR --prompt FILE --dtype float32|bfloat16 --threads N --max-tokens N

prints the generated ids (a JSON array, as `campfire generate` does) on stdout and "prefill ms", "step ms p50",
"decode tokens/s" (steps / total step time, as campfire's profile) on stderr.
"""
import argparse
import glob
import json
import math
import mmap
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

STOP_TOKENS = {200002, 200012, 199999}  # <|return|>, <|call|>, <|endoftext|>: campfire generate's stop set
SAFETENSORS_DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32, "U8": torch.uint8}
FP4_VALUES = [+0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0]


class Safetensors:
    """Every tensor of the folder's *.safetensors files, as views of private (copy-on-write) file mappings."""

    def __init__(self, folder):
        self.tensors = {}
        self._maps = []
        files = sorted(glob.glob(os.path.join(folder, "*.safetensors")))
        if not files:
            raise SystemExit(f"{folder}: no .safetensors file")
        for path in files:
            with open(path, "rb") as f:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
            self._maps.append(mapped)
            (header_len,) = struct.unpack_from("<Q", mapped, 0)
            if 8 + header_len > len(mapped):
                raise SystemExit(f"{path}: header length {header_len} runs past the file")
            header = json.loads(bytes(mapped[8 : 8 + header_len]))
            base = 8 + header_len
            for name, info in header.items():
                if name == "__metadata__":
                    continue
                dtype = SAFETENSORS_DTYPES.get(info["dtype"])
                if dtype is None:
                    raise SystemExit(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
                begin, end = info["data_offsets"]
                shape = info["shape"]
                count = math.prod(shape)
                size = torch.tensor([], dtype=dtype).element_size()
                if end - begin != count * size or base + end > len(mapped):
                    raise SystemExit(f"{path}: tensor {name} has inconsistent offsets")
                flat = torch.frombuffer(mapped, dtype=dtype, count=count, offset=base + begin) if count else torch.empty(0, dtype=dtype)
                self.tensors[name] = flat.view(shape)

    def __getitem__(self, name):
        if name not in self.tensors:
            raise SystemExit(f"tensor {name} is missing (only the original layout is read)")
        return self.tensors[name]


def yarn_cos_sin(config, positions):
    """cos and sin [T, head_dim/2] in fp32, computed in fp64 and scaled by the YaRN concentration, as campfire's YarnRope."""
    d = config["head_dim"]
    half = d // 2
    theta = config["rope_theta"]
    s = config["rope_scaling_factor"]
    freq = theta ** (torch.arange(half, dtype=torch.float64) * 2.0 / d)
    if s > 1:
        concentration = 0.1 * math.log(s) + 1.0
        l0 = config["initial_context_length"]
        low = half * math.log(l0 / (config["rope_ntk_beta"] * 2 * math.pi)) / math.log(theta)
        high = half * math.log(l0 / (config["rope_ntk_alpha"] * 2 * math.pi)) / math.log(theta)
        ramp = ((torch.arange(half, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
        mask = 1 - ramp
        inv_freq = 1.0 / (s * freq) * (1 - mask) + 1.0 / freq * mask
    else:
        concentration = 1.0
        inv_freq = 1.0 / freq
    angles = torch.tensor(positions, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return (torch.cos(angles) * concentration).float(), (torch.sin(angles) * concentration).float()


def dequantize_mxfp4(blocks, scales, dtype):
    """[E, R, G, 16] bytes and [E, R, G] scales -> [E, R, G*32] in dtype (low nibble first, value * 2^(scale-127))."""
    lut = torch.tensor(FP4_VALUES, dtype=torch.float32)
    e, r, g, _ = blocks.shape
    out = torch.empty((e, r, g * 32), dtype=dtype)
    for x in range(e):  # one expert at a time keeps the fp32 temporaries small
        b = blocks[x].long()
        values = torch.stack([lut[b & 0x0F], lut[b >> 4]], dim=-1).reshape(r, g, 32)
        values = torch.ldexp(values, (scales[x].float() - 127)[..., None])
        out[x] = values.reshape(r, g * 32).to(dtype)
    return out


class Layer:
    pass


class GptOss:
    def __init__(self, folder, dtype):
        with open(os.path.join(folder, "config.json")) as f:
            self.config = json.load(f)
        c = self.config
        self.dtype = dtype
        st = Safetensors(folder)
        self._st = st  # keeps the mappings alive

        def dense(name):  # bf16 stays a view of the file; float32 is widened once here
            t = st[name]
            return t if t.dtype == dtype else t.to(dtype)

        self.embedding = st["embedding.weight"]
        self.layers = []
        for n in range(c["num_hidden_layers"]):
            p = f"block.{n}."
            layer = Layer()
            layer.attn_norm = st[p + "attn.norm.scale"].float()
            layer.qkv_w, layer.qkv_b = dense(p + "attn.qkv.weight"), dense(p + "attn.qkv.bias")
            layer.sinks = st[p + "attn.sinks"].float()
            layer.out_w, layer.out_b = dense(p + "attn.out.weight"), dense(p + "attn.out.bias")
            layer.mlp_norm = st[p + "mlp.norm.scale"].float()
            layer.gate_w, layer.gate_b = st[p + "mlp.gate.weight"].float(), st[p + "mlp.gate.bias"].float()
            layer.mlp1_w = dequantize_mxfp4(st[p + "mlp.mlp1_weight.blocks"], st[p + "mlp.mlp1_weight.scales"], dtype)
            layer.mlp1_b = dense(p + "mlp.mlp1_bias")
            layer.mlp2_w = dequantize_mxfp4(st[p + "mlp.mlp2_weight.blocks"], st[p + "mlp.mlp2_weight.scales"], dtype)
            layer.mlp2_b = dense(p + "mlp.mlp2_bias")
            layer.sliding = n % 2 == 0
            self.layers.append(layer)
        self.final_norm = st["norm.scale"].float()
        self.unembedding = dense("unembedding.weight")
        self.scale = 1.0 / math.sqrt(c["head_dim"])
        self.eps = 1e-5
        self.limit = float(c.get("swiglu_limit", 7.0))
        self.alpha = 1.702

    def new_cache(self, capacity):
        c = self.config
        shape = (capacity, c["num_key_value_heads"], c["head_dim"])
        return {"length": 0, "k": [torch.empty(shape, dtype=self.dtype) for _ in self.layers],
                "v": [torch.empty(shape, dtype=self.dtype) for _ in self.layers]}

    def rms_norm(self, x, scale):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps) * scale).to(self.dtype)

    def rope(self, x, cos, sin):
        half = x.shape[-1] // 2
        xf = x.float()
        x1, x2 = xf[..., :half], xf[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1).to(self.dtype)

    def attention(self, t, layer, l, cache, first, cos, sin):
        c = self.config
        n = t.shape[0]
        hq, hk, d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        g = hq // hk
        qkv = F.linear(t, layer.qkv_w, layer.qkv_b)
        q = self.rope(qkv[:, : hq * d].reshape(n, hq, d), cos, sin)
        k = self.rope(qkv[:, hq * d : (hq + hk) * d].reshape(n, hk, d), cos, sin)
        v = qkv[:, (hq + hk) * d :].reshape(n, hk, d)
        cache["k"][l][first : first + n] = k
        cache["v"][l][first : first + n] = v
        end = first + n
        start = max(0, end - n - c["sliding_window"] + 1) if layer.sliding else 0
        keys = cache["k"][l][start:end].float().permute(1, 2, 0)  # [hk, d, S]
        values = cache["v"][l][start:end].float().permute(1, 0, 2)  # [hk, S, d]
        s = end - start
        # Queries grouped by their KV head: [hk, g*n, d] (head h uses KV head h // g).
        qg = q.float().reshape(n, hk, g, d).permute(1, 2, 0, 3).reshape(hk, g * n, d)
        scores = torch.matmul(qg, keys) * self.scale  # [hk, g*n, S]
        if n > 1:  # one query: every key in [start, end) is allowed
            qpos = torch.arange(first, end).repeat(g)[:, None]
            kpos = torch.arange(start, end)[None, :]
            allowed = kpos <= qpos
            if layer.sliding:
                allowed &= qpos - kpos < c["sliding_window"]
            scores = scores.masked_fill(~allowed, float("-inf"))
        sink = layer.sinks.reshape(hk, g, 1, 1).expand(hk, g, n, 1).reshape(hk, g * n, 1)
        weights = torch.softmax(torch.cat([scores, sink], -1), -1)[..., :s]
        o = torch.matmul(weights, values)  # [hk, g*n, d]
        o = o.reshape(hk, g, n, d).permute(2, 0, 1, 3).reshape(n, hq * d).to(self.dtype)
        return F.linear(o, layer.out_w, layer.out_b)

    def moe(self, t, layer):
        c = self.config
        n = t.shape[0]
        k = c["experts_per_token"]
        gate = F.linear(t.float(), layer.gate_w, layer.gate_b)
        top_values, top_indices = torch.topk(gate, k, dim=-1, largest=True, sorted=True)
        expert_weights = torch.softmax(top_values, -1)
        out = torch.zeros((n, t.shape[1]), dtype=torch.float32)
        chosen = top_indices.tolist()
        if n == 1:
            # Experts in id order, as campfire adds them, so float32 sums round alike.
            for slot in sorted(range(k), key=lambda s: chosen[0][s]):
                e = chosen[0][slot]
                out += self.expert(t, layer, e).float() * expert_weights[0, slot]
            return out.to(self.dtype)
        flat = top_indices.reshape(-1)
        for e in range(c["num_experts"]):
            slots = (flat == e).nonzero().reshape(-1)
            if slots.numel() == 0:
                continue
            tokens = slots // k
            y = self.expert(t.index_select(0, tokens), layer, e).float()
            out.index_add_(0, tokens, y * expert_weights.reshape(-1).index_select(0, slots)[:, None])
        return out.to(self.dtype)

    def expert(self, x, layer, e):
        h = F.linear(x, layer.mlp1_w[e], layer.mlp1_b[e])
        glu = h[..., 0::2].clamp(max=self.limit)
        linear = h[..., 1::2].clamp(-self.limit, self.limit)
        u = glu * torch.sigmoid(glu * self.alpha) * (linear + 1)
        return F.linear(u, layer.mlp2_w[e], layer.mlp2_b[e])

    def forward(self, ids, cache):
        first = cache["length"]
        n = len(ids)
        x = self.embedding.index_select(0, torch.tensor(ids)).to(self.dtype)
        cos, sin = yarn_cos_sin(self.config, list(range(first, first + n)))
        cos, sin = cos[:, None, :], sin[:, None, :]
        for l, layer in enumerate(self.layers):
            x = x + self.attention(self.rms_norm(x, layer.attn_norm), layer, l, cache, first, cos, sin)
            x = x + self.moe(self.rms_norm(x, layer.mlp_norm), layer)
        cache["length"] = first + n
        x = self.rms_norm(x[-1:], self.final_norm)
        return F.linear(x, self.unembedding).float()


def percentile(values, p):
    """campfire's DecodeProfiler.StepPercentile: the ceil(p% * n)-th smallest."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(max(math.ceil(p / 100 * len(ordered)) - 1, 0), len(ordered) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompt", required=True, help="JSON array of token ids")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float32 if args.dtype == "float32" else torch.bfloat16
    with open(args.prompt) as f:
        prompt = json.load(f)

    with torch.inference_mode():
        start = time.perf_counter()
        model = GptOss(args.model, dtype)
        load_ms = (time.perf_counter() - start) * 1000
        cache = model.new_cache(len(prompt) + args.max_tokens)

        start = time.perf_counter()
        token = int(torch.argmax(model.forward(prompt, cache), -1))
        prefill_ms = (time.perf_counter() - start) * 1000
        generated = [token]
        steps = []
        while token not in STOP_TOKENS and len(generated) < args.max_tokens:
            start = time.perf_counter()
            token = int(torch.argmax(model.forward([token], cache), -1))
            steps.append((time.perf_counter() - start) * 1000)
            generated.append(token)

    print(json.dumps(generated, separators=(", ", ": ")))
    out = sys.stderr
    print(f"{'torch':<28} {torch.__version__} ({args.dtype}, {torch.get_num_threads()} threads)", file=out)
    print(f"{'model load ms':<28} {load_ms:.2f}", file=out)
    print(f"{'prompt tokens':<28} {len(prompt)}", file=out)
    print(f"{'prefill ms':<28} {prefill_ms:.2f}", file=out)
    print(f"{'generated tokens':<28} {len(generated)}", file=out)
    tokens_per_s = len(steps) / (sum(steps) / 1000) if steps else 0.0
    print(f"{'decode tokens/s':<28} {tokens_per_s:.1f}", file=out)
    print(f"{'step ms p50 / p90 / p99':<28} {percentile(steps, 50):.2f} / {percentile(steps, 90):.2f} / {percentile(steps, 99):.2f}", file=out)


if __name__ == "__main__":
    main()
