#!/usr/bin/env bash
# The gpt-oss-20b-shaped CPU run of issue #17 (not in CI: it writes ~13.8 GB and runs for minutes).
#
#   bash bench/gpt-oss-20b-shaped.sh [DIR] [RUNS...]
#
# DIR (default /tmp/campfire-20b) gets a random checkpoint with gpt-oss-20b's exact shapes (make-tiny-model --preset
# gpt-oss-20b, seed 0) unless it already holds one. RUNS are dtype:threads pairs (default bfloat16:1 bfloat16:2
# float32:2). Each run is `campfire generate --profile --max-tokens 8` on a fixed 25-token prompt under /usr/bin/time -v,
# greedy; the script prints the profile's lines, the peak RSS and the load average. Delete DIR afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/tmp/campfire-20b}"
shift || true
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(bfloat16:1 bfloat16:2 float32:2)
campfire="$root/campfire"

free -g | sed -n 1,2p
if [ ! -f "$dir/model.safetensors" ]; then
  start=$(date +%s.%N)
  "$campfire" make-tiny-model "$dir" --preset gpt-oss-20b
  echo "make-tiny-model: $(echo "$(date +%s.%N) - $start" | bc) s"
fi

prompt="$(mktemp)"
trap 'rm -f "$prompt"' EXIT
echo '[200006, 17360, 200008, 3575, 553, 17554, 11, 261, 4410, 2359, 22893, 6368, 13, 200007, 200006, 1428, 200008, 5299, 9538, 40341, 261, 1424, 13, 200007, 200006]' > "$prompt"

for run in "${runs[@]}"; do
  dtype="${run%%:*}"
  threads="${run##*:}"
  echo "== $dtype, --threads $threads; $(uptime)"
  /usr/bin/time -v "$campfire" generate "$prompt" --model "$dir" --profile --dtype "$dtype" --threads "$threads" --max-tokens 8 2>&1 |
    grep -E '^\[|model load ms|prefill ms|prefill breakdown|decode tokens/s|step ms|step breakdown|Maximum resident|Elapsed \(wall' || true
  echo "== done; $(uptime)"
done
