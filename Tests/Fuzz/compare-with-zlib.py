#!/usr/bin/env python3
"""Differential check of the engine's gzip/DEFLATE decoder against zlib on a fuzz corpus.

Usage: compare-with-zlib.py DECODER CORPUS_DIR   (differential.sh passes both)
Prints every input where the engine and zlib disagree (one accepts, the other rejects, or the outputs
differ) and a summary line. Exit status 1 if any disagree.
"""
import hashlib, os, subprocess, sys, zlib

LIMIT = 1 << 24

def reference(mode, data):
    try:
        if mode == 0:   # gzip members one after another; zero padding after the last is allowed
            out, rest = b"", data
            while True:
                d = zlib.decompressobj(16 + 15)
                out += d.decompress(rest, LIMIT)
                if not d.eof:
                    return "err", "truncated or invalid"
                rest = d.unused_data
                if not rest or set(rest) == {0}:
                    return "ok", hashlib.sha256(out).hexdigest()
        d = zlib.decompressobj(-15)
        out = d.decompress(data, LIMIT + 1)
        if not d.eof or len(out) > LIMIT:
            return "err", "truncated, invalid or over the limit"
        return "ok", hashlib.sha256(out).hexdigest()
    except zlib.error as e:
        return "err", str(e)

decoder, corpus = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
ours = {}
for i in range(0, len(files), 200):
    out = subprocess.run([decoder] + files[i:i + 200], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        name, mode, status, detail = line.split(" ", 3)
        ours[name] = (int(mode), status, detail)
disagree = 0
for name, (mode, status, detail) in sorted(ours.items()):
    with open(os.path.join(corpus, name), "rb") as f:
        ref_status, ref_detail = reference(mode, f.read()[1:])
    if ref_status != status or (status == "ok" and ref_detail != detail):
        disagree += 1
        print(f"DIFF {name} mode {mode}: engine {status} {detail[:80]} | zlib {ref_status} {ref_detail[:80]}")
print(f"{len(ours)} gzip/DEFLATE inputs: {len(ours) - disagree} agree with zlib, {disagree} disagree")
sys.exit(1 if disagree else 0)
