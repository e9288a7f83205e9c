#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run.sh — the tdispd benchmark, one command: build, run every part, print the table, write JSON.
#
#   bench/run.sh [--quick] [--no-vm] [--build-dir DIR] [run.py options…]
#
# Builds the project in DIR (default: ./build, or $BENCH_BUILD_DIR; "meson setup" if it does not
# exist yet), then runs bench/run.py, which writes bench/results/latest.json and latest.md and prints
# the table. A full run takes 6–10 minutes on two cores (the QEMU boots more than half of it);
# --quick about 4, --no-vm (no boots) about 2. See bench/README.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$src/build}
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir) build=$2; shift 2 ;;
        --build-dir=*) build=${1#*=}; shift ;;
        *) args+=("$1"); shift ;;
    esac
done

if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" "$src" > /dev/null
fi
ninja -C "$build" > /dev/null
exec /usr/bin/python3 "$src/bench/run.py" --build-dir "$build" "${args[@]}"
