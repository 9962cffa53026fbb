#!/usr/bin/env bash
# Keeps every printed run in the book true: each output block of README.md and book/*.md (a ``` block
# whose first line is `$ swift run …`) is the real output of exactly that command, and each code
# listing marked `<!-- code: FILE from "FIRST" to "LAST" -->` is exactly those lines of FILE.
#
#   book/regenerate-outputs.sh                 # rerun every block's command, rewrite the block with its output
#   book/regenerate-outputs.sh --quick         # the same, skipping the long runs (listed below)
#   book/regenerate-outputs.sh --check         # rerun and report the blocks that differ (exit 1), rewrite nothing
#   book/regenerate-outputs.sh --list          # list the blocks, what --quick skips, and why; run nothing
#   book/regenerate-outputs.sh --listings      # only the code listings (with --check: only check them)
#   book/regenerate-outputs.sh book/04-convolutions.md --only simplecnn   # some files, blocks whose command contains TEXT
#
# The commands run from the repository's root, as printed, with stdout and stderr both captured (what
# a terminal shows; the live status line never appears when the output is not a terminal). The blocks
# write `--data-dir ../shared/data/mnist`, which resolves in a checkout next to the course's shared
# folder; elsewhere set DLFS_DATA_DIR=/path/to/mnist and that folder is used instead (and printed
# back as ../shared/data/mnist). `swift run [-c release] PRODUCT ARGS` runs the product built once by
# `swift build` (release: `swift build -c release`), so build messages are not part of the output.
#
# --check ignores only what differs from run to run by nature: the seconds and images/s of a
# `trained N steps in T s (R images/s)` line and any other `T s` duration (lesson 08's time column,
# whose width then varies too), and the date-time name of a run folder. Everything else, every
# accuracy and loss, must match to the last digit.
#
# --quick skips the long runs: lessons 01–03 at 10,000 steps or more (lessons 02 and 03 by default
# train 100,000), and lessons 04 and 05 above 2,000 steps (lesson 04's `--model simplecnn` trains
# 8,590). On the developers' 2-core machine those take from seconds (lesson 01, 10,000 steps) to
# about 20 minutes each (the CNN at 10,000 steps); the rest take at most a few minutes.
#
# Never run: `swift run -c release benchmark` (every number in it is a timing of the machine it ran
# on; the benchmark prints its own table), and blocks marked `<!-- output not regenerated: REASON -->`
# on the line before the block (e.g. a command that needs the reader's own picture).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

mode=write quick=0 only="" listings_only=0 files=()
while [ $# -gt 0 ]; do
  case $1 in
  --check) mode=check ;;
  --list) mode=list ;;
  --quick) quick=1 ;;
  --listings) listings_only=1 ;;
  --only) [ $# -ge 2 ] || { echo "regenerate-outputs.sh: --only needs a text to look for in the commands" >&2; exit 2; }
          only=$2; shift ;;
  -h|--help) usage; exit 0 ;;
  -*) echo "regenerate-outputs.sh: unknown option '$1' (expected --check, --list, --listings, --quick, --only TEXT or file names)" >&2; exit 2 ;;
  *) [ -f "$1" ] || { echo "regenerate-outputs.sh: no file '$1'" >&2; exit 2; }
     files+=("$1") ;;
  esac
  shift
done
[ ${#files[@]} -gt 0 ] || files=(README.md book/*.md)

book_data=../shared/data/mnist          # the data folder as the blocks print it
data=${DLFS_DATA_DIR:-$book_data}

# The steps a lesson command trains (its --steps, or its default), for --quick.
steps_of() {
  local cmd=$1 product=$2 steps
  steps=$(sed -n 's/.*--steps[ =]\([0-9_]*\).*/\1/p' <<<"$cmd" | tr -d _)
  if [ -z "$steps" ]; then
    case $product in
    lesson01-*|lesson05-*) steps=1000 ;;
    lesson02-*|lesson03-*) steps=100000 ;;
    lesson04-*) if [[ $cmd == *"--model simplecnn"* || $cmd == *"--model=simplecnn"* ]]; then steps=8590; else steps=1000; fi ;;
    *) steps=0 ;;
    esac
  fi
  echo "$steps"
}

# Why a block is not run (empty: it is run). $1: the command, $2: the marker before the block, if any.
skip_reason() {
  local cmd=$1 marker=$2 product steps
  if [ -n "$marker" ]; then echo "$marker"; return; fi
  if [[ $cmd == *"swift run -c release benchmark"* ]]; then echo "the benchmark: every number in it is a timing"; return; fi
  if [ -n "$only" ] && [[ $cmd != *"$only"* ]]; then echo "not selected by --only"; return; fi
  product=$(sed -n 's/^swift run \(-c [a-z]* \)\{0,1\}\([^ ]*\).*/\2/p' <<<"$cmd")
  steps=$(steps_of "$cmd" "$product")
  if [ "$quick" = 1 ]; then
    case $product in
    lesson0[123]-*) [ "$steps" -lt 10000 ] || { echo "--quick: $steps steps"; return; } ;;
    lesson0[45]-*) [ "$steps" -le 2000 ] || { echo "--quick: $steps steps of the CNN"; return; } ;;
    esac
  fi
}

# Runs one block command as a reader would type it, from the root, and prints what it printed.
run_command() {
  local cmd=$1
  cmd=${cmd//"$book_data"/"$data"}
  (
    set +e +o pipefail
    swift() {
      if [ "${1:-}" != run ]; then command swift "$@"; return; fi
      shift
      local configuration=debug
      if [ "${1:-}" = -c ]; then configuration=$2; shift 2; fi
      local product=$1
      shift
      "$(command swift build -c "$configuration" --show-bin-path)/$product" "$@"
    }
    eval "$cmd"
  ) </dev/null 2>&1 | sed "s|$data|$book_data|g"
}

# What --check compares: the output without the parts that vary by nature.
normalize() {
  sed -E -e 's/in [0-9.]+ s \([0-9]+ images\/s\)/in T s (R images\/s)/' \
         -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}/DATE-TIME/g' \
         -e '/[0-9] s( |$)/{s/[0-9]+(\.[0-9]+)? s( |$)/T s\2/g; s/ +/ /g;}'
}

# The lines of FILE from the first one containing FIRST to the next one containing LAST and MORE
# lines after it, without the indentation they share.
excerpt() {
  local file=$1 first=$2 last=$3 more=${4:-0}
  awk -v first="$first" -v last="$last" -v more="$more" '
    !on && index($0, first) { on = 1 }
    on { kept[++count] = $0 }
    on && !ending && index($0, last) { ending = 1; left = more + 1 }
    ending && --left == 0 { found = 1; exit }
    END {
      if (!found) exit 1
      indent = -1
      for (k = 1; k <= count; k++) if (kept[k] ~ /[^ ]/) { match(kept[k], /^ */); if (indent < 0 || RLENGTH < indent) indent = RLENGTH }
      for (k = 1; k <= count; k++) print substr(kept[k], indent + 1)
    }' "$file"
}

if [ "$mode" != list ] && [ $listings_only = 0 ]; then
  if grep -q -e "--data-dir $book_data" "${files[@]}" && [ ! -e "$data/train-images-idx3-ubyte.gz" ] && [ ! -e "$data/train-images-idx3-ubyte" ]; then
    echo "regenerate-outputs.sh: MNIST not found in $data (set DLFS_DATA_DIR=/path/to/mnist)" >&2
    exit 1
  fi
  echo "building (swift build) ..." >&2
  swift build >/dev/null
fi

# block_lines FILE TARGET: the lines of the output block of FILE whose first line is TARGET (the `$ …` line).
block_lines() {
  awk -v target="$2" '
    on && $0 == "```" { exit }
    on { print }
    fence && $0 == target { on = 1; print }
    { fence = ($0 == "```") }' "$1"
}

# replace_block FILE TARGET NEWFILE: that block's lines replaced by NEWFILE's, the rest of FILE as it
# is now. Each block is written as soon as its command ends (an interrupted run keeps the blocks done).
replace_block() {
  local tmp
  tmp=$(mktemp)
  awk -v target="$2" -v repl="$3" '
    skipping { if ($0 == "```") { print; skipping = 0 } ; next }
    pending {
      pending = 0
      if ($0 == target && !done) { while ((getline l < repl) > 0) print l; skipping = 1; done = 1; next }
    }
    $0 == "```" { pending = 1 }
    { print }' "$1" > "$tmp"
  cat "$tmp" > "$1"
  rm -f "$tmp"
}

differ=0 regenerated=0 skipped=0 same=0 changed=0 listings=0
# The listings first (quick: no command runs), unless --only picks some output blocks.
for file in "${files[@]}"; do
  [ -z "$only" ] || break
  mapfile -t lines < "$file"
  out=()
  n=${#lines[@]}
  i=0
  rewrite=0
  while [ $i -lt $n ]; do
    line=${lines[$i]}
    # <!-- code: FILE from "FIRST" to "LAST" --> (or … to "LAST" +N: N lines more), then a ```swift block.
    if [[ $line =~ ^'<!-- code: '([^ ]+)' from "'(.*)'" to "'(.*)'"'( \+([0-9]+))?' -->'$ ]] && [ $((i + 1)) -lt $n ] && [[ ${lines[$((i + 1))]} == '```swift' ]]; then
      source=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} last=${BASH_REMATCH[3]} more=${BASH_REMATCH[5]:-0}
      out+=("$line" '```swift')
      j=$((i + 2))
      old=()
      while [ $j -lt $n ] && [ "${lines[$j]}" != '```' ]; do old+=("${lines[$j]}"); j=$((j + 1)); done
      if ! new=$(excerpt "$source" "$first" "$last" "$more"); then
        echo "$file:$((i + 1)): listing: no lines from \"$first\" to \"$last\" in $source" >&2
        differ=$((differ + 1))
        new=$(printf '%s\n' "${old[@]}")
      fi
      listings=$((listings + 1))
      if [ "$(printf '%s\n' "${old[@]}")" != "$new" ]; then
        case $mode in
        check) echo "$file:$((i + 1)): listing differs from $source (< book, > file):"
               diff <(printf '%s\n' "${old[@]}") <(echo "$new") | sed 's/^/    /' || true
               differ=$((differ + 1)) ;;
        write) echo "$file:$((i + 1)): listing rewritten from $source"; rewrite=1 ;;
        esac
      else
        same=$((same + 1))
      fi
      if [ "$mode" = write ]; then mapfile -t newlines <<<"$new"; out+=("${newlines[@]}"); else out+=("${old[@]}"); fi
      i=$j
      continue
    fi
    out+=("$line")
    i=$((i + 1))
  done
  if [ $rewrite = 1 ]; then printf '%s\n' "${out[@]}" > "$file"; fi
done

# The output blocks: ``` then `$ swift run …`, each command followed by what it printed.
for file in "${files[@]}"; do
  [ $listings_only = 0 ] || break
  mapfile -t lines < "$file"
  n=${#lines[@]}
  for ((i = 0; i + 1 < n; i++)); do
    [[ ${lines[$i]} == '```' && ${lines[$((i + 1))]} == '$ swift run '* ]] || continue
    marker=""
    if [ $i -gt 0 ] && [[ ${lines[$((i - 1))]} =~ ^'<!-- output not regenerated: '(.*)' -->'$ ]]; then marker=${BASH_REMATCH[1]}; fi
    target=${lines[$((i + 1))]}
    mapfile -t block < <(block_lines "$file" "$target")
    if [ ${#block[@]} -eq 0 ]; then echo "$file: the block of '$target' changed while this ran; run again" >&2; continue; fi
    commands=()
    for l in "${block[@]}"; do [[ $l == '$ '* ]] && commands+=("${l#\$ }"); done
    reason=""
    for c in "${commands[@]}"; do r=$(skip_reason "$c" "$marker"); [ -z "$r" ] || { reason=$r; break; }; done
    where="$file:$((i + 2)): $target"
    if [ -n "$reason" ]; then
      [ "$mode" = list ] && echo "skip  $where  ($reason)"
      skipped=$((skipped + 1))
      continue
    fi
    if [ "$mode" = list ]; then echo "run   $where"; continue; fi
    echo "running $where" >&2
    start=$SECONDS
    new=()
    for c in "${commands[@]}"; do
      new+=("\$ $c")
      output=$(run_command "$c")
      [ -z "$output" ] || { mapfile -t printed <<<"$output"; new+=("${printed[@]}"); }
    done
    echo "  ($((SECONDS - start)) s)" >&2
    regenerated=$((regenerated + 1))
    if [ "$(printf '%s\n' "${block[@]}" | normalize)" = "$(printf '%s\n' "${new[@]}" | normalize)" ]; then
      same=$((same + 1))
    elif [ "$mode" = check ]; then
      echo "$where: output differs (< book, > this run):"
      diff <(printf '%s\n' "${block[@]}") <(printf '%s\n' "${new[@]}") | sed 's/^/    /' || true
      differ=$((differ + 1))
    else
      echo "$where: rewritten"
      changed=$((changed + 1))
    fi
    if [ "$mode" = write ]; then
      tmp=$(mktemp)
      printf '%s\n' "${new[@]}" > "$tmp"
      replace_block "$file" "$target" "$tmp"
      rm -f "$tmp"
    fi
  done
done

case $mode in
list) echo "$skipped skipped" ;;
check) echo "checked $listings listings and $regenerated output blocks: $same the same, $differ differ; output blocks skipped: $skipped" >&2
       [ $differ = 0 ] ;;
write) echo "listings: $listings; output blocks run: $regenerated ($changed changed beyond timings and run-folder names), skipped: $skipped" >&2 ;;
esac
