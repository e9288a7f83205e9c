#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# restart.bats — kill -9 at any time and a restart converge on the same end state (design.md,
# invariant 6); what changed while tdispd was down is judged on restart. Without TDISP devices or a
# topology lock nothing in the state file is relied on: its writes wait and are coalesced.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start
    policy 50-nic.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
}

teardown() {
    umockdev_teardown
}

# The state the default testbed converges to under this policy.
assert_converged() {
    assert_driver 0000:01:00.0 e1000e
    assert_override 0000:01:00.0 e1000e
    assert_no_driver 0000:00:03.0
    assert_no_driver 0000:00:04.0
    assert_no_driver virtio1
    assert_driver 0000:00:05.0 ahci
    assert_autoprobe pci 0
}

tdispd_kill9() {
    kill -KILL "$TDISPD_PID"
    wait "$TDISPD_PID" 2>/dev/null || true
}

@test "kill -9 and a restart converge on the same end state, without undoing allowed bindings" {
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
    assert_converged
    tdispd_kill9
    local before
    before=$(writes | wc -l)
    tdispd_start
    settle
    assert_converged
    # the second run finds no binding to change
    run bash -c "grep -v '^#' '$KSTATE/writes.log' | tail -n +$((before + 1)) | grep -E '/(bind|unbind)	' || true"
    assert_output ""
}

@test "bindings made while tdispd was down are undone on restart" {
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
    tdispd_kill9
    # while it is down: the 6.1 hot-plug race, and a kernel-internal probe past driver_override
    kctl plug hot-nic race
    kctl force-bind 0000:00:04.0 nvme
    assert_driver 0000:00:08.0 e1000e
    tdispd_start
    wait_no_driver 0000:00:08.0
    wait_no_driver 0000:00:04.0
    assert_converged
}

@test "kill -9 while a bind is being retried, then a restart, still converges" {
    kctl fail-probe 0000:01:00.0 EAGAIN
    tdispd_start
    wait_for written "$(drvfile pci e1000e bind)" 0000:01:00.0 || fail "no bind attempt"
    tdispd_kill9
    kctl fail-probe 0000:01:00.0 off
    tdispd_start
    wait_driver 0000:01:00.0 e1000e
    assert_converged
}

@test "without TDISP devices: READY=1 does not wait for the state file, and a burst of uevents costs one write" {
    tdispd_start --log-level=debug
    wait_driver 0000:01:00.0 e1000e
    wait_for output_at_least 1 state_writes coalesced || fail "the state file was never written"
    [ "$(state_writes "before READY=1")" -eq 0 ] || fail "READY=1 waited for a state file nothing relies on"
    settle
    local before
    before=$(state_writes)
    # three disallowed bindings at once, each undone (two transitions each)
    kctl batch "force-bind 0000:00:03.0 e1000e" "force-bind 0000:00:04.0 nvme" "force-bind 0000:00:02.0 virtio-pci"
    wait_no_driver 0000:00:03.0
    wait_no_driver 0000:00:04.0
    wait_no_driver 0000:00:02.0
    wait_for output_at_least $((before + 1)) state_writes || fail "the changes were never written"
    settle
    # one write, coalesced; two only if handling the burst took longer than the coalescing delay
    [ "$(state_writes)" -le $((before + 2)) ] || fail "$(($(state_writes) - before)) writes for one burst"
    [ "$(state_writes "at once")" -eq 0 ] || fail "an ordinary device's change was written at once"
    assert_converged
    # and a kill -9 now loses nothing a restart needs
    tdispd_kill9
    tdispd_start
    settle
    assert_converged
}
