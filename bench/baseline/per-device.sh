#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# per-device.sh — the baseline: what an administrator writes today instead of tdispd.
#
# A udev RUN+= program, run once per device as udev runs it (99-baseline.rules beside this file):
# on "add" it reads the device's modalias and ids, asks modprobe which modules serve the modalias
# (modprobe -R), picks the first one the allow list permits for this vendor:device, detaches any
# other driver (a built-in one, part of the measured kernel, is kept and pinned), and pins
# driver_override to that driver and writes bind — the steps driverctl takes for one device — or
# pins "none". On "bind" it unbinds a driver the allow list does not permit. On the bus's "add" it
# switches autoprobe off.
#
# Written as it would be deployed, with shell builtins wherever they do the job, so that only the
# unavoidable programs run: modprobe, and readlink for a bound device. dash (/bin/sh) writes a
# builtin echo with one write(2), as a sysfs attribute wants.
#
# Environment: ACTION, DEVPATH, DRIVER (from udev); BENCH_ALLOW (the allow list: "VVVV:DDDD module"
# lines, DDDD may be a glob); BENCH_MODULES_ROOT, BENCH_KVER, BENCH_MODPROBE_D (where modprobe looks;
# unset on a real system).
set -u

modprobe_resolve() {
    modprobe ${BENCH_MODULES_ROOT:+-d "$BENCH_MODULES_ROOT"} ${BENCH_KVER:+-S "$BENCH_KVER"} \
        ${BENCH_MODPROBE_D:+-C "$BENCH_MODPROBE_D"} -R "$1" 2>/dev/null
}

case "$DEVPATH" in
    /bus/*)
        echo 0 > "/sys$DEVPATH/drivers_autoprobe"
        exit 0
        ;;
esac

dev=/sys$DEVPATH
name=${DEVPATH##*/}
read -r modalias < "$dev/modalias" || exit 0
read -r vendor < "$dev/vendor"
read -r device < "$dev/device"
id="${vendor#0x}:${device#0x}"

# The module that may drive it: the first one modprobe names that the allow list permits for this id.
want=
for m in $(modprobe_resolve "$modalias"); do
    while read -r pattern module; do
        case "$pattern" in '#'*|'') continue ;; esac
        # shellcheck disable=SC2254 # the pattern is a glob on purpose
        case "$id" in $pattern) if [ "$module" = "$m" ]; then want=$m; break 2; fi ;; esac
    done < "$BENCH_ALLOW"
done

# The driver that module registers on the PCI bus ("virtio_pci" registers "virtio-pci").
drv=
if [ -n "$want" ]; then
    [ -d "/sys/module/$want" ] || modprobe_resolve "$want" > /dev/null
    for d in "/sys/module/$want/drivers/pci:"*; do
        [ -e "$d" ] && drv=${d##*/pci:}
    done
fi

if [ "$ACTION" = bind ]; then
    cur=${DRIVER-}
else
    cur=
    if [ -e "$dev/driver" ]; then
        cur=$(readlink "$dev/driver")
        cur=${cur##*/}
    fi
fi

if [ -n "$cur" ]; then
    # Kept (the allowed driver, or a built-in one, without a module link: part of the measured
    # kernel) and pinned, so that no other driver can take the device later.
    if [ "$cur" = "$drv" ] || { [ -z "$drv" ] && [ ! -e "/sys/bus/pci/drivers/$cur/module" ]; }; then
        [ "$ACTION" = bind ] || echo "$cur" > "$dev/driver_override"
        exit 0
    fi
    echo "$name" > "/sys/bus/pci/drivers/$cur/unbind"
fi
[ "$ACTION" = bind ] && exit 0

if [ -z "$drv" ]; then
    echo none > "$dev/driver_override"
    exit 0
fi
echo "$drv" > "$dev/driver_override"
echo "$name" > "/sys/bus/pci/drivers/$drv/bind"
