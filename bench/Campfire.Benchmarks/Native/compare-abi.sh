#!/usr/bin/env bash
# What the C ABI adds per token, measured in one window: the managed parser (NativeAbiTimingTool, JIT) and the C
# host (native/bench campfire_bench, NativeAOT library) run alternately REPEATS times; each figure is the best over
# all runs (each run: best whole pass of ROUNDS), and the "adds" column is C minus the managed parser. A second
# managed row also copies each event's text out (what the C paths hand over), for a like-for-like comparison.
#
#   bench/Campfire.Benchmarks/Native/compare-abi.sh [REPEATS] [ROUNDS]
#
# With CAMPFIRE_BEFORE_LIB=DIR (a folder holding another build's libcampfire.so, e.g. main's), each repeat also runs
# campfire_bench against that library (LD_LIBRARY_PATH comes before the binary's RUNPATH), and a "before" column shows
# its figures from the same window.
#
# Needs: cmake --build build (libcampfire.so and campfire_bench) and dotnet build bench/Campfire.Benchmarks -c Release.
set -euo pipefail
repeats=${1:-5}
rounds=${2:-300}
root=$(cd "$(dirname "$0")/../../.." && pwd)
bench="$root/build/native/bench/campfire_bench"
managed="$root/bench/Campfire.Benchmarks/bin/Release/net10.0/Campfire.Benchmarks.dll"
declare -A best
keep() { # name value
    if [[ -z "${best[$1]:-}" ]] || awk -v a="$2" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then best[$1]=$2; fi
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < repeats; r++)); do
    while read -r ns name; do keep "managed:$name" "$ns"; done < <(dotnet "$managed" --abi-managed-ns "$rounds" | awk '/^managed/ { print $2, $4 }')
    while read -r name ns; do keep "c:$name" "$ns"; done < <("$bench" --rounds "$rounds" | awk '/^abi/ { print $2, $(NF-1) }')
    if [[ -n "${CAMPFIRE_BEFORE_LIB:-}" ]]; then
        while read -r name ns; do keep "before:$name" "$ns"; done < <(LD_LIBRARY_PATH="$CAMPFIRE_BEFORE_LIB" "$bench" --rounds "$rounds" | awk '/^abi/ { print $2, $(NF-1) }')
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
base=${best[managed:parser]}
printf '%-44s %9s %7s %9s\n' "path (best of $repeats runs x $rounds passes)" "ns/token" "adds" "${CAMPFIRE_BEFORE_LIB:+before}"
copying=${best[managed:copying]}
printf '%-44s %9.2f %7s\n' "managed parser (JIT, baseline)" "$base" ""
printf '%-44s %9.2f %+7.2f\n' "managed parser + text copy (JIT)" "$copying" "$(awk -v a="$copying" -v b="$base" 'BEGIN { print a - b }')"
printf '%-44s %9.2f %+7.2f\n' "export layer in process (JIT, 64-token chunks)" "${best[managed:export]}" "$(awk -v a="${best[managed:export]}" -v b="$base" 'BEGIN { print a - b }')"
for path in feed_next chunk64 span next_event; do
    ns=${best[c:$path]}
    printf '%-44s %9.2f %+7.2f %9s\n' "C: $path" "$ns" "$(awk -v a="$ns" -v b="$base" 'BEGIN { print a - b }')" "${best[before:$path]:-}"
done
