#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build the test kernel modules (and the static evidence tool) for one kernel and copy them out.
#   build.sh [KVER [OUTDIR]]     defaults: 6.1.0-56-amd64, ./out
# Builds in a scratch copy, so the source tree stays clean and parallel builds do not collide.
set -eu

kver=${1:-6.1.0-56-amd64}
outdir=${2:-out}
src=$(cd "$(dirname "$0")" && pwd)
kdir=/lib/modules/$kver/build

if [ ! -d "$kdir" ]; then
    echo "build.sh: no kernel headers at $kdir (install linux-headers-$kver)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src"/Makefile "$src"/*.c "$src"/*.h "$work"/
make -s -C "$kdir" M="$work" CONFIG_DEBUG_INFO_BTF_MODULES= modules
${CC:-gcc} -O2 -Wall -Wextra -static -o "$work"/tsm-evidence-dump "$work"/tsm-evidence-dump.c

# Debug info makes up 95 % of the modules: strip it, initramfs images stay small.
strip --strip-debug "$work"/tsm_emu.ko "$work"/ccprepare_test.ko

mkdir -p "$outdir"
cp "$work"/tsm_emu.ko "$work"/ccprepare_test.ko "$work"/tsm-evidence-dump "$outdir"/
cp "$src"/devsec-selftest.sh "$outdir"/
echo "build.sh: $kver -> $outdir: tsm_emu.ko ccprepare_test.ko tsm-evidence-dump devsec-selftest.sh"
