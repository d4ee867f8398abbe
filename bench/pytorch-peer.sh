#!/usr/bin/env bash
# Issue #17: `campfire generate` against a PyTorch gpt-oss with a KV cache (bench/pytorch-peer/gpt_oss_peer.py) on the
# same checkpoints, prompt and threads. Not in CI (CI has no torch).
#
#   bash bench/pytorch-peer.sh [--rounds R] [--max-tokens N] [--dir DIR] [--keep] [RUNS...]
#
# RUNS are checkpoint:dtype:threads triples, checkpoint one of tiny (make-tiny-model, vocab 201,088) and small
# (make-tiny-model --preset small: hidden 1024, 8 layers, 8 experts top-4); default: both checkpoints x float32,
# bfloat16 x --threads 1, 2. Each run is ours then the peer, alternated R times (default 3); the table keeps the best
# of the R (lowest prefill, lowest step p50, highest decode tokens/s) and the ratios peer / ours (above 1: ours is
# faster). First, the peer's greedy ids must equal ours on the tiny checkpoint in float32 (that validates the peer);
# every run also reports whether its ids equal ours. Checkpoints go to DIR (default /tmp/campfire-pytorch-peer) and are
# deleted at the end unless --keep. Installs PyTorch (Debian python3-torch) when python3 cannot import torch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
campfire="$root/campfire"
peer="$root/bench/pytorch-peer/gpt_oss_peer.py"
rounds=3
max_tokens=24
dir=/tmp/campfire-pytorch-peer
keep=0
runs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --max-tokens) max_tokens="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --install-only) install_only=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) runs+=("$1"); shift ;;
  esac
done
[ ${#runs[@]} -gt 0 ] || runs=(tiny:float32:1 tiny:bfloat16:1 tiny:float32:2 tiny:bfloat16:2
                               small:float32:1 small:bfloat16:1 small:float32:2 small:bfloat16:2)

# The first python3 that imports torch; else Debian's python3-torch, which is for the system's /usr/bin/python3 (a
# python3 earlier on PATH, e.g. pyenv's, does not see it).
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
done
if [ -z "$python" ]; then
  echo "installing PyTorch (Debian python3-torch)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
  python=/usr/bin/python3
fi
"$python" -c 'import torch; print("torch", torch.__version__)'
[ "${install_only:-0}" = 1 ] && exit 0

checkpoint() {  # the folder of a checkpoint kind, written on first use
  local kind="$1" folder="$dir/$1"
  if [ ! -f "$folder/model.safetensors" ]; then
    rm -rf "$folder"
    "$campfire" make-tiny-model "$folder" --preset "$kind" >&2
  fi
  echo "$folder"
}
[ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"
prompt="$dir/prompt.json"
# The 25-token Harmony prompt of bench/gpt-oss-20b-shaped.sh.
echo '[200006, 17360, 200008, 3575, 553, 17554, 11, 261, 4410, 2359, 22893, 6368, 13, 200007, 200006, 1428, 200008, 5299, 9538, 40341, 261, 1424, 13, 200007, 200006]' > "$prompt"

# run WHO KIND DTYPE THREADS: "ids<TAB>prefill ms<TAB>step p50<TAB>tokens/s<TAB>load ms" of one process.
run() {
  local who="$1" folder dtype="$3" threads="$4" out err
  folder="$(checkpoint "$2")"
  out="$(mktemp)"; err="$(mktemp)"
  if [ "$who" = ours ]; then
    "$campfire" generate "$prompt" --model "$folder" --profile --dtype "$dtype" --threads "$threads" --max-tokens "$max_tokens" >"$out" 2>"$err" ||
      { cat "$err" >&2; exit 1; }
  else
    "$python" "$peer" --prompt "$prompt" --model "$folder" --dtype "$dtype" --threads "$threads" --max-tokens "$max_tokens" >"$out" 2>"$err" ||
      { cat "$err" >&2; exit 1; }
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$(tr -d ' \n' <"$out")" \
    "$(awk '/^prefill ms/ {print $3}' "$err")" \
    "$(awk '/^step ms p50/ {print $8}' "$err")" \
    "$(awk '/^decode tokens\/s/ {print $3}' "$err")" \
    "$(awk '/^model load ms/ {print $4}' "$err")"
  rm -f "$out" "$err"
}

echo "== $(date -u '+%F %T') UTC; $(nproc) cores; $(uptime)"
echo "== $("$python" -c 'import torch; print("torch", torch.__version__, "| peer: experts dequantised at load")'); prompt 25 tokens, $max_tokens generated, greedy, best of $rounds"

# The peer is trusted only if it computes what we compute: same greedy ids, tiny checkpoint, float32.
ours_ids="$(run ours tiny float32 1 | cut -f1)"
peer_ids="$(run peer tiny float32 1 | cut -f1)"
if [ "$ours_ids" != "$peer_ids" ]; then
  echo "VALIDATION FAILED: tiny float32 greedy ids differ" >&2
  echo "  ours: $ours_ids" >&2
  echo "  peer: $peer_ids" >&2
  exit 1
fi
echo "== validation: tiny float32 greedy ids equal ($ours_ids)"

best() {  # best of the rounds: min prefill, min p50, max tokens/s
  sort -t$'\t' -k"$1","$1" -g | { if [ "$2" = max ]; then tail -1; else head -1; fi; } | cut -f"$1"
}

table="$(mktemp)"
printf '| checkpoint | dtype | threads | prefill ms ours / peer | ratio | step p50 ms ours / peer | ratio | decode tok/s ours / peer | load ms ours / peer | same ids |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n' >"$table"
for spec in "${runs[@]}"; do
  IFS=: read -r kind dtype threads <<<"$spec"
  echo "== $kind $dtype --threads $threads; $(uptime | sed 's/.*load/load/')"
  ours="$(mktemp)"; theirs="$(mktemp)"
  for ((r = 1; r <= rounds; r++)); do
    run ours "$kind" "$dtype" "$threads" | tee -a "$ours" | cut -f2- | sed 's/^/   ours /'
    run peer "$kind" "$dtype" "$threads" | tee -a "$theirs" | cut -f2- | sed 's/^/   peer /'
  done
  same=yes
  [ "$(cut -f1 "$ours" | sort -u)" = "$(cut -f1 "$theirs" | sort -u)" ] || same=no
  op=$(best 2 min <"$ours"); pp=$(best 2 min <"$theirs")
  os=$(best 3 min <"$ours"); ps=$(best 3 min <"$theirs")
  ot=$(best 4 max <"$ours"); pt=$(best 4 max <"$theirs")
  ol=$(best 5 min <"$ours"); pl=$(best 5 min <"$theirs")
  printf '| %s | %s | %s | %s / %s | %.2f× | %s / %s | %.2f× | %s / %s | %s / %s | %s |\n' "$kind" "$dtype" "$threads" \
    "$op" "$pp" "$(echo "$pp / $op" | bc -l)" "$os" "$ps" "$(echo "$ps / $os" | bc -l)" "$ot" "$pt" "$ol" "$pl" "$same" >>"$table"
  rm -f "$ours" "$theirs"
done
echo "== done $(date -u '+%T') UTC; $(uptime | sed 's/.*load/load/')"
echo "ratio = peer / ours (above 1: ours is faster)"
cat "$table"
rm -f "$table"
