#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-initramfs.sh — the VM suite's initramfs: the pinned Debian kernel's modules, the project as
# "meson install" lays it out, the test kernel modules and the guest agent, built by dracut.
#
# Nothing outside the build directory is written. dracut runs from a private copy of its base
# directory (so the project's module and the test module sit in modules.d/ without touching
# /usr/lib/dracut), with an empty configuration (the host's dracut.conf.d does not leak in), in
# generic mode (--no-hostonly: this host's hardware is not the VM's). Kernel modules come from a
# hard-linked copy of /lib/modules/$KVER with the test modules added and depmod rerun, so that
# their ccprepare_pci: aliases resolve in the guest. The project reaches the image through its real
# dracut module: TDISPD_DESTDIR points it at the staging tree of "meson install --destdir".
#
# The result is cached under a key over every input; a rebuild happens only when one changed.
# Prints the image's path.
set -euo pipefail

# shellcheck source=SCRIPTDIR/vm-common.sh
. "$(dirname "$0")/vm-common.sh"

vm_require dracut depmod meson cpio zstd flock

[[ -x $VM_BUILD/tdispd ]] || vm_die "no tdispd in $VM_BUILD: build the project first (ninja -C $VM_BUILD)"

stage="$VM_WORK/stage"
kroot="$VM_WORK/kroot"
kmoddir="$kroot/lib/modules/$VM_KVER"
kmod_out="$VM_WORK/kmod"
dracut_base="$VM_WORK/dracut"

# The project, installed as a package would install it.
stage_project() {
    rm -rf "$stage"
    meson install -C "$VM_BUILD" --destdir "$stage" --no-rebuild --quiet > "$VM_WORK/install.log" 2>&1 ||
        vm_die "meson install failed (is the build complete? ninja -C $VM_BUILD), see $VM_WORK/install.log"
}

# The test kernel modules, when their sources exist: tests/kmod/build.sh KVER OUTDIR leaves the
# modules (*.ko), the TSM emulator's self-test (devsec-selftest.sh) and its helper programs there.
build_kmods() {
    rm -rf "$kmod_out"
    mkdir -p "$kmod_out"
    if [[ -x $VM_SRC/tests/kmod/build.sh ]]; then
        "$VM_SRC/tests/kmod/build.sh" "$VM_KVER" "$kmod_out" > "$VM_WORK/kmod-build.log" 2>&1 ||
            vm_die "tests/kmod/build.sh failed, see $VM_WORK/kmod-build.log"
    fi
}

# /lib/modules/$KVER as hard links (or symlinks across file systems), plus the test modules.
stage_kernel_modules() {
    if [[ ! -d $kmoddir/kernel ]]; then
        rm -rf "$kroot"
        mkdir -p "$kroot/lib/modules"
        cp -al "/lib/modules/$VM_KVER" "$kmoddir" 2> /dev/null ||
            { rm -rf "$kmoddir" && cp -a "/lib/modules/$VM_KVER" "$kmoddir"; }
        # depmod rewrites these; never write through a hard link into the host's tree.
        find "$kmoddir" -maxdepth 1 -type f -name 'modules.*' -exec sh -c \
            'for f; do cp --remove-destination "$f" "$f.copy" && mv "$f.copy" "$f"; done' sh {} +
        rm -f "$kmoddir/build" "$kmoddir/source"
    fi
    rm -rf "$kmoddir/updates/tdispd-test"
    mkdir -p "$kmoddir/updates/tdispd-test"
    find "$kmod_out" -name '*.ko' -exec cp {} "$kmoddir/updates/tdispd-test/" \;
    depmod -b "$kroot" "$VM_KVER"
}

stage_dracut() {
    local mod
    rm -rf "$dracut_base"
    cp -a /usr/lib/dracut "$dracut_base"
    mod=$(find "$stage" -type d -name 90tdispd -path '*/modules.d/*' | head -n1)
    [[ -n $mod ]] || vm_die "meson install did not install the dracut module 90tdispd"
    cp -a "$mod" "$dracut_base/modules.d/90tdispd"
    cp -a "$VM_DIR/guest/dracut/91tdispd-test" "$dracut_base/modules.d/91tdispd-test"
}

build() {
    local key img drivers kmod_src=()
    stage_project
    # The test modules' sources, not their build output (which embeds a temporary path).
    if [[ -d $VM_SRC/tests/kmod ]]; then
        mapfile -t kmod_src < <(find "$VM_SRC/tests/kmod" -maxdepth 1 -type f \
            \( -name '*.[ch]' -o -name '*.sh' -o -name Makefile -o -name Kbuild \) | LC_ALL=C sort)
    fi
    key=$(vm_hash "$stage" "${kmod_src[@]}" "$VM_DIR/guest" \
        "$0" "$VM_DIR/vm-common.sh" /usr/lib/dracut/dracut-version.sh "$VM_KERNEL")
    img="$VM_WORK/initramfs-$key.img"
    # The staged module tree serves the root file system too: keep it in step with the image.
    if [[ ! -s $img || $(cat "$kmoddir/.tdispd-vm-key" 2> /dev/null) != "$key" ]]; then
        build_kmods
        stage_kernel_modules
        echo "$key" > "$kmoddir/.tdispd-vm-key"
    fi
    if [[ ! -s $img ]]; then
        stage_dracut
        # Drivers of the suite's device set and root file system; the test modules when built.
        drivers="virtio_pci virtio_net virtio_blk virtio_rng e1000e nvme pci_stub ext4 slimbus"
        for mod in "$kmod_out"/*.ko; do
            [[ -e $mod ]] && drivers+=" $(basename "$mod" .ko)"
        done
        mkdir -p "$VM_WORK/tmp" "$VM_WORK/empty-confdir"
        local start=$SECONDS
        TDISPD_DESTDIR="$stage" \
            TDISPD_TEST_GUEST_DIR="$VM_DIR/guest" \
            TDISPD_TEST_KMOD_OUT="$kmod_out" \
            dracutbasedir="$dracut_base" \
            dracut --force --quiet --kver "$VM_KVER" --kmoddir "$kmoddir" \
            --conf /dev/null --confdir "$VM_WORK/empty-confdir" --tmpdir "$VM_WORK/tmp" \
            --no-hostonly --no-hostonly-cmdline --no-early-microcode --reproducible \
            -m "base bash systemd systemd-initrd systemd-modules-load udev-rules rootfs-block tdispd tdispd-test" \
            --add-drivers "$drivers" --filesystems ext4 \
            --compress zstd "$img.tmp" > "$VM_WORK/dracut.log" 2>&1 ||
            vm_die "dracut failed, see $VM_WORK/dracut.log"
        mv "$img.tmp" "$img"
        echo "dracut: $((SECONDS - start)) s" >> "$VM_WORK/dracut.log"
        # Drop old images, but not one a running VM may still be reading.
        find "$VM_WORK" -maxdepth 1 -name 'initramfs-*.img' ! -path "$img" -mmin +30 -delete
    fi
    ln -sfn "$(basename "$img")" "$VM_WORK/initramfs.img"
    # build-rootfs.sh keys on this too: the image carries the same kernel modules.
    echo "$key" > "$VM_WORK/initramfs.key"
    echo "$img"
}

mkdir -p "$VM_WORK"
vm_with_lock "$VM_WORK/locks/build-initramfs" build
