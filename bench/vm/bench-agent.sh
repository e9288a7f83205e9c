#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench-agent.sh — the guest side of the VM benchmark: boot timings and tdispd's cost, then power off.
#
# bench/vm/boot.sh appends this to a copy of the VM suite's initramfs as /usr/lib/tdispd-test/agent,
# in place of the suite's agent, so the suite's units run it unchanged: "agent setup" before tdispd
# (nothing to prepare here) and "agent run" once tdispd started and udev's coldplug was triggered.
# It prints, on the second serial port as the suite's agent does, "TDISPD-TEST: initrd.bench.KEY=VALUE"
# lines, which run-vm.sh collects into OUTDIR/markers, and ends with "initrd.end=1".
#
# Timings are systemd's own CLOCK_MONOTONIC stamps (microseconds since the kernel started), so the
# agent's own start-up costs nothing in them. tdispd's CPU time is its cgroup's usage (all processes
# of tdispd.service) once the boot has settled — udev's coldplug "add" events reach tdispd after its
# READY=1 and are part of its cost.
set -u

TDISPD=/usr/local/sbin/tdispd
for p in /usr/local/sbin/tdispd /usr/sbin/tdispd /usr/bin/tdispd; do
    [[ -x $p ]] && TDISPD=$p && break
done

exec 3> /dev/ttyS1 || exit 1
stty -F /dev/ttyS1 raw -echo 2> /dev/null

marker() {
    printf 'TDISPD-TEST: initrd.bench.%s=%s\n' "$1" "$2" >&3
}

prop() {
    systemctl show -P "$2" "$1" 2> /dev/null
}

cpu_usec_of() {   # cpu_usec_of UNIT — the unit's cgroup CPU time in microseconds, or empty
    local cg
    cg=$(prop "$1" ControlGroup)
    [[ -n $cg && -r /sys/fs/cgroup$cg/cpu.stat ]] || return 0
    awk '$1 == "usage_usec" { print $2 }' "/sys/fs/cgroup$cg/cpu.stat"
}

# Waits until tdispd used no CPU for 2 s (max 120 s): the boot's device events are all handled.
settle() {
    local last cur same=0 start=$SECONDS
    udevadm settle --timeout=120 2> /dev/null
    last=$(cpu_usec_of tdispd.service)
    while ((SECONDS - start < 120)); do
        sleep 0.5
        cur=$(cpu_usec_of tdispd.service)
        if [[ $cur == "$last" ]]; then
            ((++same >= 4)) && break
        else
            same=0
            last=$cur
        fi
    done
    marker settle_seconds "$((SECONDS - start))"
}

# A fixed user-space workload, timed here and on the host, to turn guest CPU time into host time.
calibrate() {
    local t
    TIMEFORMAT='%3R %3U %3S'
    t=$( { time (for ((i = 0; i < 200000; i++)); do :; done); } 2>&1)
    marker calibrate.bash_loop "$t"
    t=$( { time (for ((i = 0; i < 20; i++)); do "$TDISPD" --check-config > /dev/null 2>&1; done); } 2>&1)
    marker calibrate.check_config_x20 "$t"
}

run() {
    local unit key pid n_pci=0 n_bound=0 n_virtio=0 n_all=0 d cmd lines
    # sysinit.target is reached after tdispd (ordered Before=sysinit.target); wait for it.
    for ((i = 0; i < 1200; i++)); do
        [[ $(prop sysinit.target ActiveState) == active ]] && break
        sleep 0.1
    done
    settle

    read -r cmd < /proc/cmdline
    marker cmdline "$cmd"
    for key in UserspaceTimestampMonotonic InitRDTimestampMonotonic KernelTimestampMonotonic; do
        marker "manager.$key" "$(systemctl show -P "$key" 2> /dev/null)"
    done
    for unit in sysinit.target basic.target systemd-udevd.service systemd-udev-trigger.service \
        systemd-modules-load.service systemd-journald.service; do
        for key in InactiveExitTimestampMonotonic ActiveEnterTimestampMonotonic; do
            marker "unit.$unit.$key" "$(prop "$unit" "$key")"
        done
    done
    for key in ActiveState SubState ConditionResult ExecMainStartTimestampMonotonic \
        ActiveEnterTimestampMonotonic InactiveExitTimestampMonotonic CPUUsageNSec MemoryCurrent \
        MemoryPeak MainPID StatusText NRestarts; do
        marker "tdispd.$key" "$(prop tdispd.service "$key")"
    done
    marker tdispd.cgroup_cpu_usec "$(cpu_usec_of tdispd.service)"
    # Where else a boot with tdispd spends CPU on its one vCPU: journald stores every record tdispd
    # logs, udevd handles the events of the bindings. The busy ticks of the whole guest (kernel
    # workers and probes too) say how much more the boot did in all.
    for unit in systemd-journald.service systemd-udevd.service; do
        marker "unit.$unit.cgroup_cpu_usec" "$(cpu_usec_of "$unit")"
    done
    marker cpu.busy_ticks "$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)"
    pid=$(prop tdispd.service MainPID)
    if [[ -n $pid && $pid != 0 && -r /proc/$pid/status ]]; then
        marker tdispd.status "$(grep -E '^(VmHWM|VmRSS|RssAnon|RssFile)' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ';')"
        # utime and stime in clock ticks: stime holds the kernel's work in tdispd's context — sysfs,
        # and the probe of every driver tdispd binds, which runs in the writer of "bind".
        marker tdispd.utime_ticks "$(awk '{ print $14 }' "/proc/$pid/stat")"
        marker tdispd.stime_ticks "$(awk '{ print $15 }' "/proc/$pid/stat")"
        marker tdispd.clk_tck "$(getconf CLK_TCK 2> /dev/null || echo 100)"
        marker tdispd.ctxt_switches "$(grep -E '^(voluntary|nonvoluntary)_ctxt_switches' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ';')"
        [[ -r /proc/$pid/schedstat ]] && marker tdispd.schedstat "$(< "/proc/$pid/schedstat")"
    fi
    for d in /sys/bus/pci/devices/*; do
        n_pci=$((n_pci + 1))
        [[ -e $d/driver ]] && n_bound=$((n_bound + 1))
    done
    marker devices.pci "$n_pci"
    marker devices.pci_bound "$n_bound"
    for d in /sys/bus/virtio/devices/*; do
        [[ -e $d ]] && n_virtio=$((n_virtio + 1))
    done
    marker devices.virtio "$n_virtio"
    for d in /sys/bus/*/devices/*; do
        [[ -e $d ]] && n_all=$((n_all + 1))
    done
    marker devices.all_buses "$n_all"
    marker autoprobe.pci "$(< /sys/bus/pci/drivers_autoprobe)"
    mapfile -t lines < <(journalctl -b -u tdispd.service -o cat --no-pager 2> /dev/null)
    marker tdispd.journal_lines "${#lines[@]}"
    calibrate
    marker uptime "$(cut -d' ' -f1 /proc/uptime)"
    printf 'TDISPD-TEST: initrd.end=1\n' >&3
    exec 3>&-
    systemctl --no-block poweroff
}

case "${1-}" in
    setup) exit 0 ;;
    run) run ;;
    *)
        echo "usage: $0 setup|run" >&2
        exit 2
        ;;
esac
