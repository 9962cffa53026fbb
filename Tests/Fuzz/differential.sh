#!/bin/sh
# Compares the engine's gzip/DEFLATE decoder with zlib (Python's zlib module) on the fuzz corpus that
# run.sh grew in .build-fuzz/corpus. Needs python3; a developer tool, not part of CI.
set -eu
cd "$(dirname "$0")/../.."
out=.build-fuzz
mkdir -p "$out"
swiftc -O -parse-as-library -module-name Engine $(find Sources/Engine -name '*.swift') Tests/Fuzz/DecodeCorpus.swift \
    -o "$out/decode-corpus"
python3 Tests/Fuzz/compare-with-zlib.py "$out/decode-corpus" "${1:-$out/corpus}"
