#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-tests.sh — every test of tdispd, on a fresh Debian 12 machine: installs what is missing, builds
# with warnings as errors, runs all suites (unit, fuzz corpus replay, umockdev, VM), the unit suite
# built with clang, then the unit, fuzz and umockdev suites again under AddressSanitizer and UBSan.
# Ends with "N passed, N failed".
#
# Usage: tools/run-tests.sh [--no-vm] [--no-asan]
set -uo pipefail

cd "$(dirname "$0")/.."
vm=yes asan=yes
for a in "$@"; do
    case "$a" in
        --no-vm) vm=no ;;
        --no-asan) asan=no ;;
        *) echo "usage: $0 [--no-vm] [--no-asan]" >&2; exit 2 ;;
    esac
done

groups=(build test)
[ "$vm" = yes ] && groups+=(vm)
tools/install-deps.sh "${groups[@]}" || exit 1

status=0
logs=()

run_suite_build() {
    local dir=$1; shift
    local setup_args=("$@")
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dwerror=true "${setup_args[@]}" >"$dir.setup.log" 2>&1 || {
            cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" || return 1
}

mkdir -p build-logs
echo "== build (warnings are errors) =="
if run_suite_build build; then
    suites=(--suite unit --suite fuzz --suite lint --suite umockdev --suite bench-smoke)
    [ "$vm" = yes ] && suites+=(--suite vm)
    meson test -C build --print-errorlogs --num-processes 2 "${suites[@]}" || status=1
    logs+=(build/meson-logs/testlog.json)
else
    echo "build failed" >&2
    status=1
fi

# A second compiler sees other mistakes (clang's -Wswitch-enum lists sd-device's 64-bit sentinels).
echo "== build with clang (warnings are errors) =="
if CC=clang run_suite_build build-clang; then
    meson test -C build-clang --print-errorlogs --num-processes 2 --suite unit || status=1
    logs+=(build-clang/meson-logs/testlog.json)
else
    echo "clang build failed" >&2
    status=1
fi

if [ "$asan" = yes ]; then
    echo "== build with -Db_sanitize=address,undefined =="
    if run_suite_build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
        # libumockdev's preload must come before libasan can complain about link order.
        ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            meson test -C build-asan --print-errorlogs --num-processes 2 \
                --suite unit --suite fuzz --suite umockdev || status=1
        logs+=(build-asan/meson-logs/testlog.json)
    else
        echo "ASan build failed" >&2
        status=1
    fi
fi

python3 tests/summarize-results.py "${logs[@]}"
summary_status=$?
[ $summary_status -ne 0 ] && status=1
exit $status
