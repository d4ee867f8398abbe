#!/usr/bin/env bash
# Whole process, as a user runs it (issue #14): `campfire tokenize --count` against Microsoft.ML.Tokenizers'
# EncodeToIds of File.ReadAllText (the peer, in the bench project) on 10 and 60 MB of distinct mixed real text
# (English, multilingual, CJK/Thai, code, JSON from this machine's /usr/share, in half-megabyte runs). Best of 3 wall
# and user CPU seconds and the peak RSS of each; the 10 -> 60 MB slope cancels start-up. Not in CI (minutes).
#
#   bash bench/tokenize-whole-process.sh [DIR]      # DIR (default /tmp/campfire-tokenize) keeps the two inputs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/tmp/campfire-tokenize}"
mkdir -p "$dir"
dotnet build "$root/bench/Campfire.Benchmarks" -c Release -v q >/dev/null
bench="$root/bench/Campfire.Benchmarks/bin/Release/net10.0/Campfire.Benchmarks"
"$root/campfire" --help >/dev/null  # builds the CLI on first use
for mb in 10 60; do
  [ -f "$dir/mixed$mb.txt" ] || "$bench" --write-mixed-corpus "$mb" "$dir/mixed$mb.txt"
done

# best of 3: "wall_s user_s max_rss_kb"
best() {
  local best_wall="" best_user="" rss=""
  for _ in 1 2 3; do
    read -r wall user kb < <({ /usr/bin/time -f "%e %U %M" "$@" >/dev/null; } 2>&1 | tail -n 1)
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
    if [ -z "$best_user" ] || awk "BEGIN{exit !($user < $best_user)}"; then best_user=$user; fi
    rss=$kb
  done
  echo "$best_wall $best_user $rss"
}

declare -A result
for mb in 10 60; do
  result[campfire$mb]=$(best "$root/campfire" tokenize --count "$dir/mixed$mb.txt")
  result[peer$mb]=$(best "$bench" --peer-tokenize "$dir/mixed$mb.txt")
  echo "$mb MB: campfire ${result[campfire$mb]}  peer ${result[peer$mb]}  (wall s, user s, max RSS KB)"
done
read -r cw10 cu10 _ <<<"${result[campfire10]}"; read -r cw60 cu60 crss <<<"${result[campfire60]}"
read -r pw10 pu10 _ <<<"${result[peer10]}"; read -r pw60 pu60 prss <<<"${result[peer60]}"
awk -v a="$cw10" -v b="$cw60" -v c="$pw10" -v d="$pw60" -v e="$cu10" -v f="$cu60" -v g="$pu10" -v h="$pu60" 'BEGIN{
  printf "slope ratio (peer / campfire, 10 -> 60 MB): wall %.1fx, user CPU %.1fx\n", (d - c) / (b - a), (h - g) / (f - e) }'
echo "peak RSS on 60 MB: campfire ${crss} KB, peer ${prss} KB; $(uptime)"
