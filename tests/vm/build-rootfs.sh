#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-rootfs.sh — the VM suite's root file system: a Debian 12 image built by mkosi 14
# (mkosi/mkosi.default) with the project installed the way a package installs it ("meson install
# --destdir", with /lib folded into /usr/lib as on a merged-/usr system), the pinned kernel's
# modules (with the test modules and their depmod output, from build-initramfs.sh), the test policy
# and the test agent. Cached under a key over every input; prints the image's path.
set -euo pipefail

# shellcheck source=SCRIPTDIR/vm-common.sh
. "$(dirname "$0")/vm-common.sh"

vm_require mkosi debootstrap systemd-nspawn sfdisk mkfs.ext4 meson flock

# The initramfs build stages the kernel modules; reuse them.
"$VM_DIR/build-initramfs.sh" > /dev/null

extra="$VM_WORK/rootfs-extra"
kmoddir="$VM_WORK/kroot/lib/modules/$VM_KVER"

stage_extra() {
    local d
    rm -rf "$extra"
    mkdir -p "$extra"
    meson install -C "$VM_BUILD" --destdir "$extra" --no-rebuild --quiet > "$VM_WORK/install-rootfs.log" 2>&1 ||
        vm_die "meson install failed (is the build complete? ninja -C $VM_BUILD), see $VM_WORK/install-rootfs.log"
    # Debian 12 images have a merged /usr: /lib, /bin and /sbin are symlinks that an extra tree
    # must not replace with directories.
    for d in lib bin sbin; do
        if [[ -d $extra/$d && ! -L $extra/$d ]]; then
            mkdir -p "$extra/usr/$d"
            cp -a "$extra/$d/." "$extra/usr/$d/"
            rm -rf "${extra:?}/$d"
        fi
    done
    # The dracut module has no use in the image (it has no dracut).
    rm -rf "$extra/usr/lib/dracut"
    install -D -m 0755 "$VM_DIR/guest/agent.sh" "$extra/usr/lib/tdispd-test/agent"
    install -D -m 0644 "$VM_DIR/guest/tdispd-test-agent.service" "$extra/usr/lib/systemd/system/tdispd-test-agent.service"
    install -D -m 0644 "$VM_DIR/guest/tdispd-test-setup.service" "$extra/usr/lib/systemd/system/tdispd-test-setup.service"
    install -d "$extra/etc/tdispd/policy.d"
    install -m 0644 "$VM_DIR"/guest/policy/*.policy "$extra/etc/tdispd/policy.d/"
}

build() {
    local key img start
    stage_extra
    key=$(vm_hash "$extra" "$VM_WORK/initramfs.key" "$VM_DIR/mkosi" "$0" "$VM_DIR/vm-common.sh")
    img="$VM_WORK/rootfs-$key.raw"
    if [[ ! -s $img ]]; then
        mkdir -p "$extra/usr/lib/modules"
        cp -al "$kmoddir" "$extra/usr/lib/modules/" 2> /dev/null || cp -a "$kmoddir" "$extra/usr/lib/modules/"
        rm -rf "$VM_WORK/mkosi-work"
        mkdir -p "$VM_WORK/mkosi-cache" "$VM_WORK/mkosi-work"
        start=$SECONDS
        (cd "$VM_DIR/mkosi" &&
            mkosi --default mkosi.default --force \
                --extra-tree "$extra" \
                --cache "$VM_WORK/mkosi-cache" \
                --output-dir "$VM_WORK/mkosi-work" \
                --output "$VM_WORK/mkosi-work/rootfs.raw" \
                build) > "$VM_WORK/mkosi.log" 2>&1 ||
            vm_die "mkosi failed, see $VM_WORK/mkosi.log"
        mv "$VM_WORK/mkosi-work/rootfs.raw" "$img"
        rm -rf "$VM_WORK/mkosi-work"
        echo "mkosi: $((SECONDS - start)) s" >> "$VM_WORK/mkosi.log"
        find "$VM_WORK" -maxdepth 1 -name 'rootfs-*.raw' ! -path "$img" -mmin +30 -delete
    fi
    ln -sfn "$(basename "$img")" "$VM_WORK/rootfs.raw"
    echo "$img"
}

mkdir -p "$VM_WORK"
vm_with_lock "$VM_WORK/locks/build-rootfs" build
