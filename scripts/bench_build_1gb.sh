#!/usr/bin/env bash
# Peak RSS and throughput of `tokenmill build` over a 1 GB JSONL input (byte-level tokenizer).
# Usage: scripts/bench_build_1gb.sh [MB]   (default 1000). Needs a release build (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1000}
WORK=${BENCH_DIR:-/tmp/tokenmill-bench-1gb}
mkdir -p "$WORK"
INPUT="$WORK/corpus_${MB}mb.jsonl"
[ -f "$INPUT" ] || python3 scripts/make_repeated_jsonl.py examples/quickstart/data/python_docs.jsonl.gz "$INPUT" "$MB"
BYTES=$(stat -c %s "$INPUT")
for JOBS in 1 2; do
  cat > "$WORK/recipe.yaml" <<YAML
name: bench-1gb
output_dir: out-$JOBS
sequence_length: 2048
sequences_per_shard: 16384
rejects: false
sources: [{name: en, paths: ['$INPUT'], id_field: id, target_tokens: $BYTES}]
YAML
  /usr/bin/time -v .build/release/tokenmill build "$WORK/recipe.yaml" --jobs "$JOBS" --force --quiet 2> "$WORK/time-$JOBS.txt"
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time-$JOBS.txt")
  RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$JOBS.txt")
  CPU=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/time-$JOBS.txt")
  python3 - "$BYTES" "$SECS" "$RSS" "$CPU" "$JOBS" <<'PY'
import sys
b, secs, rss, cpu, jobs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"jobs {jobs}: {b/1e6:.0f} MB in {secs:.1f} s wall, {cpu:.1f} s CPU -> {b/1e6/secs:.1f} MB/s wall, "
      f"{b/1e6/cpu:.1f} MB/CPU-s; peak RSS {rss/1024:.0f} MiB")
PY
  rm -rf "$WORK/out-$JOBS"
done
