#!/bin/sh
# Fuzzes the gzip/DEFLATE and IDX readers with libFuzzer (Linux; the Swift toolchain ships libFuzzer).
#
#   Tests/Fuzz/run.sh [seconds]          # default 120
#
# Builds Sources/Engine/**/*.swift + Tests/Fuzz/FuzzDataReaders.swift with -sanitize=fuzzer,address
# into .build-fuzz/, seeds a working corpus in .build-fuzz/corpus from Tests/Fuzz/seeds and, when
# present, small real files, then runs. Crashing inputs are written to .build-fuzz/crash-*; turn each
# into a regression test in Tests/EngineTests/GzipFuzzRegressionTests.swift. Afterwards,
# Tests/Fuzz/differential.sh compares every gzip/DEFLATE input of the corpus with zlib (needs python3):
# the fuzzer finds crashes, the comparison finds inputs decoded wrongly without crashing.
# The harness is rebuilt whenever a source file is newer than it.
set -eu
cd "$(dirname "$0")/../.."
seconds="${1:-120}"
out=.build-fuzz
mkdir -p "$out/corpus"
stale=yes
if [ -x "$out/fuzz-data-readers" ] && [ -z "$(find Sources/Engine Tests/Fuzz/FuzzDataReaders.swift -newer "$out/fuzz-data-readers" -name '*.swift')" ]; then
    stale=
fi
[ -z "$stale" ] || swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Engine \
    $(find Sources/Engine -name '*.swift') Tests/Fuzz/FuzzDataReaders.swift -o "$out/fuzz-data-readers"
cp Tests/Fuzz/seeds/* "$out/corpus/" 2>/dev/null || true
# MNIST's smallest file (4.5 kB of real zlib output), from the shared data folder, never committed.
mnist="${DLFS_DATA_DIR:-../shared/data/mnist}/t10k-labels-idx1-ubyte.gz"
if [ -f "$mnist" ]; then { printf '\000'; cat "$mnist"; } > "$out/corpus/mnist-t10k-labels-gz"; fi
"$out/fuzz-data-readers" "$out/corpus" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/" -print_final_stats=1
