#!/usr/bin/env bash
# Redraws the figures the book embeds, from each lesson's default run (seed 1):
#
#   DLFS_DATA_DIR=/path/to/mnist book/figures/regenerate.sh          # every chapter, 01–08
#   DLFS_DATA_DIR=/path/to/mnist book/figures/regenerate.sh 01 06    # only these
#
# Each lesson runs exactly as the book prints it, into its default run folder runs/<lesson>/<date-time>/
# (kept: open it to see every figure; its printed output is saved there as output.txt); the figures a
# chapter shows are copied here as NN-name.svg. Lessons 04 and 05 take a few minutes
# each (lesson 05 runs twice, with and without dropout, for its comparison); the rest take seconds
# to a minute or two. Extra lesson flags, e.g. --threads 1, can be passed in LESSON_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
figures=book/figures
chapters=("$@")
[ ${#chapters[@]} -eq 0 ] && chapters=(01 02 03 04 05 06 07 08)
declare -A folders   # run name → its run folder

swift build --product lesson01-linear-softmax >/dev/null   # builds the engine once; the rest below
bin=$(swift build --show-bin-path)

# run NAME LESSON [flags…]: one run, its output shown and kept; its folder is read off the last line.
run() {
    local name=$1 lesson=$2
    shift 2
    swift build --product "$lesson" >/dev/null
    echo "\$ swift run $lesson $*" >&2
    local output
    # shellcheck disable=SC2086
    output=$("$bin/$lesson" "$@" ${LESSON_FLAGS:-} | tee /dev/stderr)
    folders[$name]=$(echo "$output" | sed -n 's/^run folder: \(.*\) (.*)$/\1/p')
    echo "$output" > "${folders[$name]}/output.txt"
}

# keep CHAPTER NAME FILE…: copy that run's figures into book/figures as CHAPTER-FILE.
keep() {
    local chapter=$1 name=$2
    shift 2
    for file in "$@"; do cp "${folders[$name]}/$file" "$figures/$chapter-$file"; done
}

for chapter in "${chapters[@]}"; do
    case $chapter in
    01) run 01 lesson01-linear-softmax && keep 01 01 curves.svg templates.svg confusion.svg mistakes.svg ;;
    02) run 02 lesson02-train-longer && keep 02 02 curves.svg confusion.svg ;;
    03) run 03 lesson03-adam && keep 03 03 curves.svg ;;
    04) run 04 lesson04-convolutions && keep 04 04 curves.svg filters.svg feature-maps-1.svg feature-maps-2.svg confusion.svg mistakes.svg ;;
    05) run keep-0.5 lesson05-dropout \
        && run keep-1 lesson05-dropout --keep-prob 1 --compare "${folders[keep-0.5]}" \
        && keep 05 keep-1 comparison.svg ;;
    06) run 06 lesson06-init-histograms && keep 06 06 histograms.svg ;;
    07) run 07 lesson07-residual-blocks && keep 07 07 curves.svg ;;
    08) run 08 lesson08-augmentation && keep 08 08 curves.svg augmented-samples.svg ;;
    *) echo "regenerate.sh: no chapter '$chapter' (expected 01 to 08)" >&2; exit 2 ;;
    esac
done
ls -l "$figures"/*.svg >&2
