#!/usr/bin/env bash
# Fuzzes the decoders that take untrusted bytes (Sources/FuzzTargets) with libFuzzer, each for a bounded time, growing
# the committed corpus in Tests/FuzzTargetsTests/Corpus (which the tests replay).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET (60)] [TARGET…]     targets: wire json socketio lobby steps
#
# Builds `switchyard-fuzz` with -sanitize=fuzzer into .build-fuzz. A crash stops that target and leaves its input in
# .build-fuzz/artifacts/ (reproduce without the fuzzer: swift run switchyard-fuzz TARGET FILE). Prints, per target,
# the executions, the corpus size before and after, and whether anything was found.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(wire json socketio lobby steps)
scratch=.build-fuzz
swift build -c release --scratch-path "$scratch" --product switchyard-fuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DFUZZING
binary="$scratch/release/switchyard-fuzz"
mkdir -p "$scratch/artifacts"
status=0
summary=()
for target in "${targets[@]}"; do
  corpus="Tests/FuzzTargetsTests/Corpus/$target"
  work="$scratch/corpus/$target"
  mkdir -p "$corpus" "$work"
  before=$(ls "$corpus" | wc -l)
  log="$scratch/$target.log"
  rc=0
  # New inputs go to the scratch corpus; only those that add coverage are merged into the committed one.
  SWITCHYARD_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/artifacts/$target-" -print_final_stats=1 "$work" "$corpus" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    SWITCHYARD_FUZZ_TARGET=$target "$binary" -merge=1 -set_cover_merge=1 -max_len=1024 "$corpus" "$work" >>"$log" 2>&1 || rc=$?
  fi
  after=$(ls "$corpus" | wc -l)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    found="nothing"
  else
    found="CRASH or hang (exit $rc): $(ls -t "$scratch/artifacts/$target-"* 2>/dev/null | head -1)"
    status=1
  fi
  summary+=("$(printf '%-9s %12s runs in %ss, corpus %s -> %s, found: %s' "$target" "${runs:-?}" "$seconds" "$before" "$after" "$found")")
done
echo
printf '%s\n' "${summary[@]}"
echo "reproduce with: scripts/fuzz.sh $seconds ${targets[*]}"
exit "$status"
