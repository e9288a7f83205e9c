#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# install-deps.sh — installs what building and testing tdispd needs on Debian 12 (bookworm).
#
# Usage: tools/install-deps.sh [build|test|vm|all]...   (default: all)
# Runs apt-get as root (directly, or through sudo). Packages already installed are skipped, so a
# second run is quick and needs no network.
set -euo pipefail

KVER=6.1.0-56-amd64   # the pinned VM kernel: image and headers must match exactly

build_packages=(build-essential meson ninja-build pkg-config libsystemd-dev libudev-dev libkmod-dev
                libjson-c-dev libssl-dev scdoc)
test_packages=(bats bats-assert bats-support umockdev libumockdev-dev gir1.2-umockdev-1.0 python3-gi
               kmod socat jq shellcheck clang)
vm_packages=(qemu-system-x86 dracut-core cpio zstd "linux-image-$KVER" "linux-headers-$KVER" mkosi
             systemd debootstrap busybox-static)

wanted=()
for group in "${@:-all}"; do
    case "$group" in
        build) wanted+=("${build_packages[@]}") ;;
        test) wanted+=("${test_packages[@]}") ;;
        vm) wanted+=("${vm_packages[@]}") ;;
        all) wanted+=("${build_packages[@]}" "${test_packages[@]}" "${vm_packages[@]}") ;;
        *) echo "install-deps.sh: unknown group '$group' (build, test, vm, all)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps.sh: installing ${missing[*]}" >&2
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
