#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# fake-kernel.bats — the harness checked on its own, without tdispd: the fixture modules directory,
# the testbed, and the fake kernel's answers to shell writes made under the same preload as tdispd.

load helpers

setup_file() {
    umockdev_setup_file
}

setup() {
    umockdev_setup
    kernel_start
}

teardown() {
    umockdev_teardown
}

# sh -c SCRIPT, run as tdispd runs (umockdev preload + sysfs shim); $status/$output via bats `run`.
sh_in_testbed() {
    run in_testbed bash -c "$1"
}

@test "fixture modules: depmod -b indexes the aliases and modprobe resolves them" {
    [ -s "$MODULES_DIR/modules.alias.bin" ]
    [ -s "$MODULES_DIR/modules.builtin.alias.bin" ]
    run modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null -R 'pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00'
    assert_success
    assert_output e1000e
    run modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null -R 'virtio:d00000001v00001AF4'
    assert_output virtio_net
    # built-in modules resolve through modules.builtin.modinfo
    run modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null -R 'pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01'
    assert_output ahci
    # dependencies come from symbols, as for real modules
    run grep '^kernel/drivers/fixture/virtio_pci.ko:' "$MODULES_DIR/modules.dep"
    assert_output --partial virtio.ko
    assert_output --partial virtio_ring.ko
    run modinfo -b "$MODULES_ROOT" -k "$KVER" -F vermagic nvme
    assert_output --partial "$KVER"
}

@test "fixture modules: a modprobe.d alias resolves only with the fixture's configuration" {
    run modprobe -d "$MODULES_ROOT" -S "$KVER" -C "$MODULES_ROOT/etc/modprobe.d" \
        -R 'ccprepare_pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00'
    assert_success
    assert_output ccprep_fixture
    run modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null \
        -R 'ccprepare_pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00'
    assert_failure
}

@test "testbed: devices, drivers and modules look like 6.1's sysfs" {
    local d
    d=$(devdir 0000:00:03.0)
    [ "$d" = "$SYS/devices/pci0000:00/0000:00:03.0" ]
    [ "$(cat "$d/vendor")" = 0x8086 ]
    [ "$(cat "$d/class")" = 0x020000 ]
    [ "$(cat "$d/modalias")" = pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00 ]
    [ "$(cat "$d/driver_override")" = "(null)" ]
    [ -e "$d/remove" ]
    run cat "$d/uevent"
    assert_line DRIVER=e1000e
    assert_line PCI_ID=8086:10D3
    assert_line PCI_SUBSYS_ID=8086:A01F
    assert_line PCI_CLASS=20000
    assert_line PCI_SLOT_NAME=0000:00:03.0
    assert_driver 0000:00:03.0 e1000e
    # module driver: module link, initstate live, /sys/module/<m>/drivers/<bus>:<drv>
    [ "$(readlink -f "$SYS/bus/pci/drivers/e1000e/module")" = "$SYS/module/e1000e" ]
    [ "$(cat "$SYS/module/e1000e/initstate")" = live ]
    [ "$(readlink -f "$SYS/module/virtio_pci/drivers/pci:virtio-pci")" = "$SYS/bus/pci/drivers/virtio-pci" ]
    # built-in driver: no module link, /sys/module/<m> without initstate
    [ ! -e "$SYS/bus/pci/drivers/ahci/module" ]
    [ -d "$SYS/module/ahci" ] && [ ! -e "$SYS/module/ahci/initstate" ]
    # unloaded module: no driver directory, nothing in /sys/module
    [ ! -e "$SYS/bus/pci/drivers/igb" ] && [ ! -e "$SYS/module/igb" ]
    # virtio: child of its PCI function, no driver_override
    d=$(devdir virtio0)
    [ "$d" = "$SYS/devices/pci0000:00/0000:00:02.0/virtio0" ]
    [ ! -e "$d/driver_override" ]
    [ "$(cat "$d/modalias")" = virtio:d00000001v00001AF4 ]
    # autoprobe on everywhere; the late bus is absent
    for b in pci virtio platform usb serio cpu; do assert_autoprobe "$b" 1; done
    [ ! -e "$SYS/bus/auxiliary" ]
    grep -q '^e1000e ' "$ROOT/proc/modules"
    assert_no_untracked_writes
}

@test "shell writes: unbind, driver_override, bind and their errors act like the kernel" {
    listen_start
    sh_in_testbed '
        echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/unbind || exit 1
        echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/unbind 2>/dev/null && exit 2  # ENODEV: not bound
        echo none > /sys/bus/pci/devices/0000:00:03.0/driver_override || exit 3
        echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/bind 2>/dev/null && exit 4    # ENODEV: override
        printf e1000e > /sys/bus/pci/devices/0000:00:03.0/driver_override || exit 5
        /bin/echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/bind || exit 6
        echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/bind 2>/dev/null && exit 7    # EBUSY: bound
        echo 0000:00:04.0 > /sys/bus/pci/drivers/e1000e/bind 2>/dev/null && exit 8    # ENODEV: no match
        exit 0'
    assert_success
    assert_driver 0000:00:03.0 e1000e
    assert_override 0000:00:03.0 e1000e
    run writes
    assert_line --index 0 "/sys/bus/pci/drivers/e1000e/unbind	0000:00:03.0	ok"
    assert_line --index 1 "/sys/bus/pci/drivers/e1000e/unbind	0000:00:03.0	ENODEV"
    assert_line --index 2 "/sys/devices/pci0000:00/0000:00:03.0/driver_override	none	ok"
    assert_line --index 3 "/sys/bus/pci/drivers/e1000e/bind	0000:00:03.0	ENODEV"
    assert_line --index 4 "/sys/devices/pci0000:00/0000:00:03.0/driver_override	e1000e	ok"
    assert_line --index 5 "/sys/bus/pci/drivers/e1000e/bind	0000:00:03.0	ok"
    assert_line --index 6 "/sys/bus/pci/drivers/e1000e/bind	0000:00:03.0	EBUSY"
    assert_line --index 7 "/sys/bus/pci/drivers/e1000e/bind	0000:00:04.0	ENODEV"
    wait_for grep -q '^bind ' "$EVENTS"
    run cat "$EVENTS"
    assert_line "unbind /devices/pci0000:00/0000:00:03.0 pci MODALIAS=pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"
    assert_line "bind /devices/pci0000:00/0000:00:03.0 pci DRIVER=e1000e MODALIAS=pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"
    assert_no_untracked_writes
}

@test "shell writes: drivers_autoprobe, drivers_probe, remove and an empty driver_override" {
    sh_in_testbed '
        echo 0 > /sys/bus/pci/drivers_autoprobe &&
        echo 0000:00:04.0 > /sys/bus/pci/drivers/nvme/unbind &&
        echo nvme > /sys/bus/pci/devices/0000:00:04.0/driver_override &&
        echo > /sys/bus/pci/devices/0000:00:04.0/driver_override &&
        echo 0000:00:04.0 > /sys/bus/pci/drivers_probe &&
        echo 1 > /sys/bus/pci/devices/0000:00:06.0/remove'
    assert_success
    assert_autoprobe pci 0
    assert_override 0000:00:04.0 "(null)"
    assert_driver 0000:00:04.0 nvme          # drivers_probe ignores drivers_autoprobe
    gone 0000:00:06.0
    assert_written /sys/bus/pci/drivers_autoprobe 0
    assert_written /sys/devices/pci0000:00/0000:00:04.0/driver_override ""
    assert_no_untracked_writes
}

@test "hot-plug: autoprobe 1 binds, autoprobe 0 does not, the 6.1 race binds anyway" {
    listen_start
    run kctl plug hot-nic
    assert_success
    assert_driver 0000:00:08.0 e1000e
    kctl unplug hot-nic
    gone 0000:00:08.0
    sh_in_testbed 'echo 0 > /sys/bus/pci/drivers_autoprobe'
    kctl plug hot-nic
    assert_no_driver 0000:00:08.0
    kctl unplug hot-nic
    run kctl plug hot-nic race
    assert_output --partial "despite drivers_autoprobe=0"
    assert_driver 0000:00:08.0 e1000e
    wait_for at_least 8 "$EVENTS" 0000:00:08.0
    run grep 0000:00:08.0 "$EVENTS"
    assert_line --index 0 --regexp '^add '
    assert_line --index 1 --regexp '^bind .* DRIVER=e1000e'
    assert_line --index 2 --regexp '^unbind '
    assert_line --index 3 --regexp '^remove '
    assert_line --index 4 --regexp '^add '
    assert_line --index 5 --regexp '^remove '
    assert_line --index 6 --regexp '^add '
    assert_line --index 7 --regexp '^bind .* DRIVER=e1000e'
}

@test "new bus: drivers_autoprobe starts at 1 and a bus add uevent is sent" {
    listen_start
    run kctl newbus auxiliary aux-eth
    assert_success
    assert_autoprobe auxiliary 1
    assert_driver aux_fixture.eth.0 aux_fixture    # bound in the window before anyone wrote 0
    wait_for grep -q '^bind .*aux_fixture.eth.0' "$EVENTS"
    run cat "$EVENTS"
    assert_line --index 0 "add /bus/auxiliary bus"
    assert_line "add /bus/auxiliary/drivers/aux_fixture drivers"
    assert_line --partial "add /devices/pci0000:00/0000:00:04.0/aux_fixture.eth.0 auxiliary"
}

@test "uevents: a listener that does not read loses nothing" {
    listen_start
    kill -STOP "$LISTEN_PID"
    for _ in $(seq 30); do kctl uevent 0000:00:03.0 change >/dev/null; done
    kill -CONT "$LISTEN_PID"
    wait_for at_least 30 "$EVENTS" '^change '
    run grep -c '^change ' "$EVENTS"
    assert_output 30
}

@test "probe failures can be injected" {
    kctl unbind 0000:00:03.0
    kctl fail-probe 0000:00:03.0 EIO
    sh_in_testbed 'echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/bind'
    assert_failure
    assert_output --partial "Input/output error"
    assert_no_driver 0000:00:03.0
}

@test "writes that bypass the fake kernel are reported" {
    echo 0 >"$SYS/bus/usb/drivers_autoprobe"
    run kctl untracked
    assert_failure
    assert_output --partial "modified /sys/bus/usb/drivers_autoprobe"
}

@test "module loading goes to the fake kernel, never to the host's" {
    run in_testbed modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null igb
    assert_failure
    run writes
    assert_line "(init_module)	igb	EPERM"
    [ ! -e "$SYS/module/igb" ]
    kctl modload allow
    run in_testbed modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null igb
    assert_success
    [ "$(cat "$SYS/module/igb/initstate")" = live ]
    [ -e "$SYS/module/igb/drivers/pci:igb" ]
    assert_driver 0000:00:06.0 igb           # the driver registers and autoprobe (1) binds it
}

@test "a module loaded with drivers_autoprobe 0 (or modules_autoprobe N) binds nothing" {
    kctl modload allow
    kctl feature modules-autoprobe
    sh_in_testbed 'echo 0 > /sys/bus/pci/drivers_autoprobe'
    run in_testbed modprobe -d "$MODULES_ROOT" -S "$KVER" -C /dev/null igb
    assert_success
    assert_no_driver 0000:00:06.0
    sh_in_testbed 'echo 1 > /sys/bus/pci/drivers_autoprobe; echo N > /sys/module/module/parameters/modules_autoprobe'
    [ "$(cat "$SYS/module/module/parameters/modules_autoprobe")" = N ]
    kctl plug hot-nvme                       # autoprobe on: the hot-plugged device still binds
    assert_driver 0000:00:08.0 nvme
    assert_no_untracked_writes
}
