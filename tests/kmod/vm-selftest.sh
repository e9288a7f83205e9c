#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# vm-selftest.sh: prove the test modules in a real VM, without the project's VM harness.
#
# Builds the modules, packs them with busybox into a throwaway initramfs, boots Debian's kernel in
# QEMU (TCG) with two pci-testdev devices (one at boot, one hot-plugged into a PCIe root port) and
# checks the serial console for the guest's verdict. The guest runs devsec-selftest.sh (under
# busybox sh and, when the host has it, bash), then checks what the self-test cannot do alone:
# the tsm0 change uevent, remove/rescan, hotplug, rmmod with an accepted device, the ERROR path
# of a cleared Memory Space Enable, and the devices= name form.
#
# Usage: vm-selftest.sh [KVER [WORKDIR]]   (defaults 6.1.0-56-amd64, a fresh mktemp -d)
#        KMODTEST_VERBOSE=1 also prints the modules' kernel messages and the emulator's event log
# Needs: linux-image-KVER, linux-headers-KVER, qemu-system-x86, busybox, cpio, socat.
# Exit 0 when the guest printed "KMODTEST: ALL PASS"; the serial log is WORKDIR/serial.log.
set -eu

kver=${1:-6.1.0-56-amd64}
work=${2:-$(mktemp -d /tmp/kmodtest.XXXXXX)}
src=$(cd "$(dirname "$0")" && pwd)
kernel=/boot/vmlinuz-$kver
mkdir -p "$work"
root=$work/root
log=$work/serial.log
mon=$work/mon.sock

[ -r "$kernel" ] || { echo "vm-selftest.sh: no $kernel" >&2; exit 1; }

"$src"/build.sh "$kver" "$work/out" >/dev/null

# ---- initramfs: busybox, optionally bash, the modules, the tools ----
rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules/$kver/extra" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
copy_with_libs() { # BINARY: copy it and the shared libraries it needs, keeping their paths
    cp "$1" "$root/bin/"
    ldd "$1" | while read -r a b c _; do
        for lib in "$a" "$c"; do
            case $lib in /*) mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" ;; esac
        done
        : "$b"
    done
}
copy_with_libs "$(command -v busybox)"
if command -v bash >/dev/null; then
    copy_with_libs "$(command -v bash)"
fi
cp "$work"/out/tsm_emu.ko "$work"/out/ccprepare_test.ko "$root/lib/modules/$kver/extra/"
cp "$work"/out/tsm-evidence-dump "$work"/out/devsec-selftest.sh "$root/bin/"
cp /lib/modules/"$kver"/modules.builtin* "$root/lib/modules/$kver/" 2>/dev/null || true
: >"$root/lib/modules/$kver/modules.order"
depmod -b "$root" "$kver"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# Guest side of vm-selftest.sh: prints KMODTEST: lines, then powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

fails=0
ok() { echo "KMODTEST: ok $*"; }
bad() { echo "KMODTEST: FAIL: $*"; fails=$((fails + 1)); }
check() { # DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
wait_for() { # SECONDS PATH
    i=0
    while [ ! -e "$2" ] && [ "$i" -lt "$(($1 * 10))" ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$2" ]
}
in_file() { # FILE TEXT
    while IFS= read -r l; do case $l in *"$2"*) return 0 ;; esac; done <"$1"
    return 1
}
state() { cat "/sys/kernel/debug/tsm_emu/$1/state"; }

DEV=0000:00:05.0
D=/sys/bus/pci/devices/$DEV
echo "KMODTEST: boot $(uname -r)"

uevent sh -c 'echo "$ACTION $DEVPATH" >>/tmp/uevents' &
sleep 0.5
modprobe tsm_emu
modprobe ccprepare_test
check "tsm_emu and ccprepare_test loaded" test -d /sys/class/tsm/tsm0 -a -d /sys/bus/pci/drivers/ccprepare_test
check "tsm/ group on $DEV" test -d "$D/tsm"
check "no tsm/ group on the host bridge" test ! -e /sys/bus/pci/devices/0000:00:00.0/tsm
sleep 0.5
check "change uevent on tsm0" in_file /tmp/uevents "change /devices/virtual/tsm/tsm0"
check "ccprepare_test did not autobind" test ! -e "$D/driver"

sh /bin/devsec-selftest.sh "$DEV" || bad "devsec-selftest.sh under busybox sh"
if [ -x /bin/bash ]; then
    bash /bin/devsec-selftest.sh "$DEV" || bad "devsec-selftest.sh under bash"
fi

# Lock, unlock and accept send no uevent; bind and unbind do.
check "no change uevent on $DEV" sh -c "! grep -q 'change .*/$DEV\$' /tmp/uevents"
check "bind uevent on $DEV" grep -q "bind .*/$DEV\$" /tmp/uevents

# A cleared Memory Space Enable sends a locked interface to ERROR (checked at accept).
echo tsm0 >"$D/tsm/lock"
cmd=$(od -An -tx1 -j4 -N1 "$D/config" | tr -d ' ')
printf "\\$(printf '%o' $((0x$cmd & ~2)))" | dd of="$D/config" bs=1 seek=4 conv=notrunc 2>/dev/null
check "accept fails after MSE was cleared" sh -c "! echo 1 >$D/tsm/accept 2>/dev/null"
check "state ERROR after MSE was cleared" test "$(state $DEV)" = ERROR
echo tsm0 >"$D/tsm/unlock"
printf "\\$(printf '%o' $((0x$cmd)))" | dd of="$D/config" bs=1 seek=4 conv=notrunc 2>/dev/null

# remove and rescan: the notifier drops and re-adds the group and the state.
echo tsm0 >"$D/tsm/lock"
echo 1 >"$D/remove"
check "debugfs dir gone with the device" test ! -e "/sys/kernel/debug/tsm_emu/$DEV"
echo 1 >/sys/bus/pci/rescan
check "tsm/ group back after rescan" wait_for 5 "$D/tsm/lock"
check "fresh state after rescan" test "$(state $DEV)" = CONFIG_UNLOCKED

# rmmod with an accepted device cleans /proc/iomem; reload with the name form of devices=.
echo tsm0 >"$D/tsm/lock"
echo 1 >"$D/tsm/accept"
check "encrypted MMIO while accepted" in_file /proc/iomem "PCI MMIO Encrypted"
rmmod tsm_emu
check "tsm/ group gone after rmmod" test ! -e "$D/tsm"
check "encrypted MMIO gone after rmmod" sh -c '! grep -q "PCI MMIO Encrypted" /proc/iomem'
check "tsm class gone after rmmod" test ! -e /sys/class/tsm/tsm0
insmod /lib/modules/$(uname -r)/extra/tsm_emu.ko devices=0000:00:05.0 chunk_size=1000
check "devices= by name" test -d "$D/tsm"
tsm-evidence-dump -c -t cert0 "$DEV" >/tmp/chunks
n=0; while read -r l; do case $l in "chunk type=cert0 "*) n=$((n + 1)) ;; esac; done </tmp/chunks
check "chunk_size=1000 gives 7 cert0 chunks (got $n)" test "$n" -eq 7

# Hotplug: the host adds a pci-testdev to the root port; it must get tsm/ too.
rmmod tsm_emu
modprobe tsm_emu
echo "KMODTEST: hotplug-ready"
hp=""
i=0
while [ -z "$hp" ] && [ $i -lt 600 ]; do
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/device")" = 0x0005 ] && [ "${d##*/}" != "$DEV" ] && hp=${d##*/}
    done
    [ -z "$hp" ] && sleep 0.1
    i=$((i + 1))
done
if [ -n "$hp" ]; then
    ok "hot-plugged pci-testdev $hp"
    check "tsm/ group on hot-plugged $hp" wait_for 5 "/sys/bus/pci/devices/$hp/tsm/lock"
    sh /bin/devsec-selftest.sh "$hp" >/tmp/hp.log 2>&1
    check "devsec-selftest.sh on hot-plugged $hp" in_file /tmp/hp.log "DEVSEC-SELFTEST: PASS"
else
    bad "no hot-plugged device appeared"
fi

if grep -q kmodtest.verbose /proc/cmdline; then
    dmesg | grep -E "tsm_emu|ccprepare" | sed 's/^/KMODTEST: dmesg: /'
    tail -n 40 /sys/kernel/debug/tsm_emu/event_log | sed 's/^/KMODTEST: event: /'
    echo tsm0 >"$D/tsm/lock"
    tsm-evidence-dump "$DEV" | sed 's/^/KMODTEST: evidence: /'
    tsm-evidence-dump -d -t report "$DEV" | sed 's/^/KMODTEST: evidence: /'
    echo tsm0 >"$D/tsm/unlock"
fi
check "no oops or warning in the kernel log" sh -c '! dmesg | grep -qE "BUG:|WARNING:|Oops|Call Trace"'
if [ "$fails" -eq 0 ]; then echo "KMODTEST: ALL PASS"; else echo "KMODTEST: FAILED ($fails)"; fi
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.img"

# ---- boot ----
rm -f "$mon" "$log"
# The host side of the hotplug check: wait for the guest's marker, then add the device.
(
    i=0
    while [ $i -lt 1800 ]; do
        if [ -S "$mon" ] && grep -aq "KMODTEST: hotplug-ready" "$log" 2>/dev/null; then
            echo "device_add pci-testdev,bus=rp1,id=hp0" | socat - "UNIX-CONNECT:$mon" >/dev/null
            exit 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
) &
plugger=$!

start=$(date +%s)
timeout 300 qemu-system-x86_64 -accel tcg -machine q35 -m 512 -smp 1 -cpu max \
    -kernel "$kernel" -initrd "$work/initrd.img" \
    -append "console=ttyS0 panic=-1 loglevel=4${KMODTEST_VERBOSE:+ kmodtest.verbose}" \
    -nographic -no-reboot -nic none -vga none \
    -monitor "unix:$mon,server,nowait" \
    -device pci-testdev,addr=05.0 \
    -device pcie-root-port,id=rp1,chassis=1,slot=1 \
    >"$log" 2>&1 </dev/null || true
kill "$plugger" 2>/dev/null || true
echo "vm-selftest.sh: guest ran $(($(date +%s) - start)) s; serial log: $log"

grep -a -E "KMODTEST:|DEVSEC-SELFTEST: (PASS|FAIL)" "$log" || true
grep -aq "KMODTEST: ALL PASS" "$log"
