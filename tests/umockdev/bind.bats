#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# bind.bats — allowed drivers get bound, pinned by driver_override, parents before children, by the
# first matching rule; a driver whose module is not loaded fails the device.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start
}

teardown() {
    umockdev_teardown
}

@test "an allowed driver ends bound, with driver_override pinned to its name first" {
    policy 50-nic.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
    assert_override 0000:01:00.0 e1000e
    local override bind
    override=$(write_line "$(devattr 0000:01:00.0 driver_override)" e1000e)
    bind=$(write_line "$(drvfile pci e1000e bind)" 0000:01:00.0)
    [ -n "$override" ] && [ -n "$bind" ] && [ "$override" -lt "$bind" ] ||
        fail "expected driver_override=e1000e (line ${override:-none}) before bind (line ${bind:-none}):
$(writes)"
    run writes
    assert_line "$(drvfile pci e1000e bind)	0000:01:00.0	ok"
}

@test "a driver chosen through the modalias and TrustedDrivers= is bound; the bound one stays" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
TrustedDrivers=e1000e
EOF
    policy 50-nic.policy <<EOF
[Match]
Vendor=8086
Device=10d3
[Policy]
Action=shared
EOF
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
    assert_override 0000:01:00.0 e1000e
    assert_driver 0000:00:03.0 e1000e
    refute_written "$(drvfile pci e1000e unbind)" 0000:00:03.0
}

@test "'-' and '_' are the same in driver globs (virtio_pci trusts virtio-pci)" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=shared
TrustedDrivers=virtio_pci virtio-net
EOF
    tdispd_start
    wait_driver 0000:00:02.0 virtio-pci
    wait_driver virtio0 virtio_net
    assert_driver 0000:00:07.0 virtio-pci
    assert_no_driver virtio1        # virtio_rng is not trusted
}

@test "parents before children: virtio0 is bound only after its virtio-pci function" {
    policy 50-virtio-pci.policy <<EOF
[Match]
Path=0000:00:02.0
[Policy]
Action=shared
Driver=virtio-pci
EOF
    policy 60-virtio-net.policy <<EOF
[Match]
Bus=virtio
Modalias=virtio:d00000001v*
[Policy]
Action=shared
Driver=virtio_net
EOF
    tdispd_start
    wait_driver 0000:00:02.0 virtio-pci
    wait_driver virtio0 virtio_net
    local parent child
    parent=$(write_line "$(drvfile pci virtio-pci bind)" 0000:00:02.0)
    child=$(write_line "$(drvfile virtio virtio_net bind)" virtio0)
    [ "$parent" -lt "$child" ] || fail "virtio0 bound (line $child) before 0000:00:02.0 (line $parent):
$(writes)"
    ! grep -q parent-unbound "$KSTATE/kernel.log" || fail "$(grep parent-unbound "$KSTATE/kernel.log")"
}

@test "a child whose parent stays unbound waits and gets no driver" {
    # virtio0 is allowed, its virtio-pci function is not (DefaultAction=deny)
    policy 60-virtio-net.policy <<EOF
[Match]
Bus=virtio
[Policy]
Action=shared
Driver=virtio_net
EOF
    tdispd_start
    settle
    assert_no_driver 0000:00:02.0
    assert_no_driver virtio0
    refute_written "$(drvfile virtio virtio_net bind)" virtio0
    tdispd_log_has 'TDISPD_DEVICE=virtio0.*TDISPD_STATE=waiting-parent' ||
        fail "no record with TDISPD_STATE=waiting-parent for virtio0"
}

@test "first match wins in lexical file order" {
    # written in the opposite order, so that creation order cannot pass for file order
    policy 20-allow.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    policy 10-deny.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=deny
EOF
    tdispd_start
    settle
    assert_no_driver 0000:01:00.0
    assert_override 0000:01:00.0 none
    refute_written "$(drvfile pci e1000e bind)"
    tdispd_log_has 'TDISPD_DEVICE=0000:01:00.0.*TDISPD_RULE=[^ ]*10-deny' ||
        fail "no record naming 10-deny.policy as the rule for 0000:01:00.0"
}

@test "first match wins in lexical file order (the allowing rule first)" {
    policy 20-deny.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=deny
EOF
    policy 10-allow.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
}

@test "a driver whose module is not loaded cannot be bound: the device fails, unbound" {
    policy 50-igb.policy <<EOF
[Match]
Path=0000:00:06.0
[Policy]
Action=shared
Driver=igb
EOF
    tdispd_start
    settle
    assert_no_driver 0000:00:06.0
    refute_written /sys/bus/pci/drivers/igb/bind
    tdispd_log_has 'TDISPD_DEVICE=0000:00:06.0.*TDISPD_STATE=failed' ||
        fail "no record with TDISPD_STATE=failed for 0000:00:06.0"
}

@test "a module loaded for one device binds nothing else (autoprobe is off first)" {
    kctl modload allow
    kctl plug hot-igb           # a second igb NIC, present before tdispd starts
    assert_no_driver 0000:00:09.0
    policy 50-igb.policy <<EOF
[Match]
Path=0000:00:06.0
[Policy]
Action=shared
Driver=igb
EOF
    tdispd_start
    wait_driver 0000:00:06.0 igb
    assert_written "(init_module)" igb
    assert_no_driver 0000:00:09.0
    local load autoprobe
    load=$(write_line "(init_module)" igb)
    autoprobe=$(write_line /sys/bus/pci/drivers_autoprobe 0)
    [ "$autoprobe" -lt "$load" ] || fail "igb was loaded (line $load) before pci autoprobe went off (line $autoprobe)"
}

@test "a deferred probe (EAGAIN) is retried until the driver binds" {
    policy 50-nic.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    kctl fail-probe 0000:01:00.0 EAGAIN
    tdispd_start
    wait_for written "$(drvfile pci e1000e bind)" 0000:01:00.0 || fail "no bind attempt"
    assert_no_driver 0000:01:00.0
    kctl fail-probe 0000:01:00.0 off
    wait_driver 0000:01:00.0 e1000e
    run writes
    assert_line "$(drvfile pci e1000e bind)	0000:01:00.0	EAGAIN"
}

@test "a probe that fails (EIO) leaves the device unbound and failed" {
    policy 50-nic.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    kctl fail-probe 0000:01:00.0 EIO
    tdispd_start
    wait_for written "$(drvfile pci e1000e bind)" 0000:01:00.0 || fail "no bind attempt"
    settle
    assert_no_driver 0000:01:00.0
    tdispd_log_has 'TDISPD_DEVICE=0000:01:00.0.*TDISPD_STATE=failed' ||
        fail "no record with TDISPD_STATE=failed for 0000:01:00.0"
}
