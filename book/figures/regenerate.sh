#!/usr/bin/env bash
# Redraws the figures the book embeds, from each lesson's default run (seed 1):
#
#   DLFS_DATA_DIR=/path/to/mnist book/figures/regenerate.sh          # every chapter, 01–06
#   DLFS_DATA_DIR=/path/to/mnist book/figures/regenerate.sh 01 06    # only these
#
# Each lesson runs into a scratch folder (its printed output is kept there as output.txt); the
# figures a chapter shows are copied here as NN-name.svg. Lessons 04 and 05 take a few minutes
# each (lesson 05 runs twice, with and without dropout, for its comparison); the rest take seconds
# to a minute or two. Extra lesson flags, e.g. --threads 1, can be passed in LESSON_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
figures=book/figures
chapters=("$@")
[ ${#chapters[@]} -eq 0 ] && chapters=(01 02 03 04 05 06)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

swift build --product lesson01-linear-softmax >/dev/null   # builds the engine once; the rest below
bin=$(swift build --show-bin-path)

# run LESSON FOLDER [flags…]: one default run, its output shown and kept.
run() {
    local lesson=$1 folder=$2
    shift 2
    swift build --product "$lesson" >/dev/null
    echo "== $lesson $*" >&2
    # shellcheck disable=SC2086
    "$bin/$lesson" --run-dir "$scratch/$folder" "$@" ${LESSON_FLAGS:-} | tee "$scratch/$folder.txt" >&2
    cp "$scratch/$folder.txt" "$scratch/$folder/output.txt"
}

# keep CHAPTER FOLDER FILE…: copy the run's figures into book/figures as CHAPTER-FILE.
keep() {
    local chapter=$1 folder=$2
    shift 2
    for file in "$@"; do cp "$scratch/$folder/$file" "$figures/$chapter-$file"; done
}

for chapter in "${chapters[@]}"; do
    case $chapter in
    01) run lesson01-linear-softmax 01 && keep 01 01 curves.svg templates.svg confusion.svg mistakes.svg ;;
    02) run lesson02-train-longer 02 && keep 02 02 curves.svg confusion.svg ;;
    03) run lesson03-adam 03 && keep 03 03 curves.svg ;;
    04) run lesson04-convolutions 04 && keep 04 04 curves.svg filters.svg feature-maps-1.svg feature-maps-2.svg confusion.svg mistakes.svg ;;
    05) run lesson05-dropout 05-keep-0.5 \
        && run lesson05-dropout 05-keep-1 --keep-prob 1 --compare "$scratch/05-keep-0.5" \
        && keep 05 05-keep-1 comparison.svg && keep 05 05-keep-0.5 filters.svg ;;
    06) run lesson06-init-histograms 06 && keep 06 06 histograms.svg ;;
    *) echo "regenerate.sh: no chapter '$chapter' (expected 01 to 06)" >&2; exit 2 ;;
    esac
done
ls -l "$figures"/*.svg >&2
