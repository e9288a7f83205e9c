#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# agent.sh — the guest side of the VM suite: run one scenario, print what happened, power off.
#
# Runs in the initramfs and, for scenarios that boot the root filesystem, again in the booted
# system. The scenario comes from the kernel command line (tdispd.test=NAME). Everything the host
# asserts on is printed to the second serial port (/dev/ttyS1), which nothing else writes to, so
# kernel messages never break a line:
#
#   TDISPD-TEST: <phase>.<key>=<value>                 one fact (phase: initrd or system)
#   TDISPD-TEST: host.request=<name>                   ask the host to act (QEMU monitor)
#   TDISPD-TEST-BEGIN <phase>.<name> / TDISPD-TEST-END <phase>.<name>   a block (journal, output)
#
# Should ttyS1 stop working (a tdispd that unbinds the serial port), the agent falls back to the
# kernel log: facts and tdispd's journal as text go to /dev/kmsg, which the kernel prints on its
# early console (earlyprintk=...,keep, driver-less) and run-vm.sh picks up from console.log.
#
# "agent setup" runs before tdispd (scenario preparation: e.g. a broken configuration); "agent run"
# runs after tdispd started or failed, waits until device bindings are stable, acts, reports.
set -u

OUT=/dev/ttyS1
TEST_DATA=/usr/lib/tdispd-test
SCENARIO=
PHASE=system
[[ -e /etc/initrd-release ]] && PHASE=initrd

for arg in $(< /proc/cmdline); do
    case "$arg" in
        tdispd.test=*) SCENARIO="${arg#tdispd.test=}" ;;
    esac
done

KMSG=
exec 3> "$OUT" || KMSG=1
stty -F "$OUT" raw -echo 2> /dev/null

# emit LINE: one line to the host, on ttyS1 or else through the kernel log (priority "crit", so that
# the quiet console shows it; the kernel cuts records at about 1000 bytes).
emit() {
    if [[ -z $KMSG ]] && printf '%s\n' "$1" >&3 2> /dev/null; then
        return 0
    fi
    KMSG=1
    printf '<2>%s\n' "${1:0:900}" > /dev/kmsg 2> /dev/null
}

# Copies standard input to the host: as is on ttyS1, line by line through the kernel log otherwise.
emit_stream() {
    local line
    if [[ -z $KMSG ]] && cat >&3 2> /dev/null; then
        return 0
    fi
    KMSG=1
    while IFS= read -r line; do
        emit "TDISPD-TEST-LINE $line"
    done
}

marker() {
    emit "TDISPD-TEST: $PHASE.$1=$2"
}

block_begin() {
    emit "TDISPD-TEST-BEGIN $PHASE.$1"
}

block_end() {
    emit "TDISPD-TEST-END $PHASE.$1"
}

uptime_s() {
    local up
    read -r up _ < /proc/uptime
    echo "$up"
}

unit_prop() {
    systemctl show -P "$2" "$1" 2> /dev/null
}

# "driver" of a sysfs device, or "-" when nothing is bound.
driver_of() {
    local link
    if [[ -L $1/driver ]]; then
        link=$(readlink "$1/driver")
        echo "${link##*/}"
    else
        echo -
    fi
}

# The binding state that the scenarios wait on, cheaply (a few processes: this runs every second
# under TCG, where each fork costs).
snapshot_bindings() {
    find /sys/bus/pci/devices/ /sys/bus/virtio/devices/ -maxdepth 2 -name driver -printf '%h=%l\n' 2> /dev/null
    ls /sys/bus/pci/devices/ /sys/bus/virtio/devices/ 2> /dev/null
    cat /sys/bus/*/drivers_autoprobe
}

# Waits until tdispd has left its start-up, then until no binding changed for 3 s (max $1 s).
wait_stable() {
    local limit="$1" start now last cur same=0 state
    start=$SECONDS
    while ((SECONDS - start < limit)); do
        state=$(unit_prop tdispd.service ActiveState)
        [[ $state == activating || $state == deactivating ]] || break
        sleep 0.5
    done
    udevadm settle --timeout=60 2> /dev/null
    marker "${2:-settle}.udev_seconds" "$((SECONDS - start))"
    last=$(snapshot_bindings)
    while ((SECONDS - start < limit)); do
        sleep 1
        cur=$(snapshot_bindings)
        if [[ $cur == "$last" ]]; then
            ((++same >= 3)) && break
        else
            same=0
            last=$cur
        fi
    done
    now=$SECONDS
    marker "${2:-settle}.seconds" "$((now - start))"
}

wait_for_path() {
    local path="$1" limit="$2" start=$SECONDS
    while [[ ! -e $path ]]; do
        ((SECONDS - start >= limit)) && return 1
        sleep 0.5
    done
}

# "systemctl show" once per unit: properties as markers under PREFIX.
report_props() {
    local prefix="$1" unit="$2" props="$3" line
    while IFS= read -r line; do
        [[ $line == *=* ]] && marker "$prefix.${line%%=*}" "${line#*=}"
    done < <(systemctl show -p "$props" "$unit" 2> /dev/null)
}

report_unit() {
    local unit
    report_props tdispd tdispd.service ActiveState,SubState,Result,ExecMainStatus,ExecMainCode,NRestarts,MainPID,StatusText,ConditionResult,InactiveExitTimestampMonotonic,ActiveEnterTimestampMonotonic
    # When the units tdispd is ordered against ran (microseconds since boot).
    for unit in systemd-udevd systemd-udev-trigger systemd-modules-load; do
        report_props "unit.$unit" "$unit.service" InactiveExitTimestampMonotonic,ActiveEnterTimestampMonotonic
    done
}

report_state() {
    local d f v vendor device
    report_unit
    for f in /sys/bus/*/drivers_autoprobe; do
        read -r v < "$f"
        f=${f%/drivers_autoprobe}
        marker "autoprobe.${f##*/}" "$v"
    done
    if [[ -e /sys/module/module/parameters/modules_autoprobe ]]; then
        marker modules_autoprobe "$(< /sys/module/module/parameters/modules_autoprobe)"
    fi
    for d in /sys/bus/pci/devices/*; do
        f=${d##*/}
        read -r vendor < "$d/vendor"
        read -r device < "$d/device"
        read -r v < "$d/class"
        marker "pci.$f.id" "$vendor:$device"
        marker "pci.$f.class" "$v"
        marker "pci.$f.driver" "$(driver_of "$d")"
        read -r v < "$d/driver_override"
        marker "pci.$f.driver_override" "$v"
        if [[ -e $d/tsm ]]; then
            marker "pci.$f.tsm" "$(cd "$d/tsm" && echo *)"
        fi
    done
    for d in /sys/bus/virtio/devices/*; do
        [[ -e $d ]] || continue
        f=${d##*/}
        v=$(readlink -f "$d/..")
        marker "virtio.$f.parent" "${v##*/}"
        read -r v < "$d/device"
        marker "virtio.$f.device" "$v"
        marker "virtio.$f.driver" "$(driver_of "$d")"
    done
    marker modules "$(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
    if [[ -d /run/tdispd ]]; then
        marker rundir "$(cd /run/tdispd && find . -mindepth 1 | sort | tr '\n' ' ')"
    else
        marker rundir "-"
    fi
}

report_journal() {
    if [[ -n $KMSG ]]; then
        # The kernel log cannot carry JSON records (too long): tdispd's messages as text instead.
        block_begin journal-tdispd-text
        journalctl -b -u tdispd.service -o short-monotonic --no-pager 2> /dev/null | emit_stream
        block_end journal-tdispd-text
        return
    fi
    block_begin journal
    journalctl -b -u tdispd.service -o json --no-pager 2> /dev/null | emit_stream
    block_end journal
    block_begin journal-text
    journalctl -b -o short-monotonic --no-pager 2> /dev/null | emit_stream
    block_end journal-text
}

finish() {
    marker uptime "$(uptime_s)"
    [[ -n $KMSG ]] && marker output kmsg
    marker end 1
    exec 3>&-
    systemctl --no-block poweroff
    exit 0
}

# -- scenarios --

# Hot-add devices through the host's QEMU monitor and watch the kernel's view of them.
scenario_hotplug() {
    local dev=/sys/bus/pci/devices/0000:01:00.0 dev2=/sys/bus/pci/devices/0000:02:00.0 mon
    # On 6.1 a hot-added PCI device binds inside the kernel, ignoring drivers_autoprobe, when its
    # driver is loaded. Make sure e1000e is (with autoprobe off loading it binds nothing).
    if grep -q '^e1000e ' /proc/modules; then
        marker hotplug.e1000e_loaded_before yes
    else
        marker hotplug.e1000e_loaded_before no
        modprobe e1000e
    fi
    udevadm monitor --kernel --subsystem-match=pci > /run/tdispd-test-uevents 2>&1 &
    mon=$!
    sleep 1
    emit 'TDISPD-TEST: host.request=hotplug-e1000e'
    if wait_for_path "$dev" 90; then
        marker hotplug.e1000e.appeared "$(uptime_s)"
    else
        marker hotplug.e1000e.appeared no
    fi
    emit 'TDISPD-TEST: host.request=hotplug-virtio-net'
    if wait_for_path "$dev2" 90; then
        marker hotplug.virtio.appeared "$(uptime_s)"
    else
        marker hotplug.virtio.appeared no
    fi
    wait_stable 60 hotplug.settle
    kill "$mon" 2> /dev/null
    wait "$mon" 2> /dev/null
    marker hotplug.e1000e.uevents "$(awk '/0000:01:00.0 \(pci\)/ { printf "%s ", $2 }' /run/tdispd-test-uevents)"
    marker hotplug.virtio.uevents "$(awk '/0000:02:00.0 \(pci\)/ { printf "%s ", $2 }' /run/tdispd-test-uevents)"
}

# Freeze tdispd, do behind its back what it must undo, kill it; systemd restarts it.
scenario_kill9() {
    local pid dev=/sys/bus/pci/devices/0000:00:03.0
    pid=$(unit_prop tdispd.service MainPID)
    marker kill9.pid_before "$pid"
    if [[ $pid == 0 ]]; then
        return
    fi
    kill -STOP "$pid"
    # A new bus while nobody watches: only the udev rule can switch its autoprobe off.
    modprobe slimbus
    udevadm settle --timeout=30
    marker kill9.newbus.slimbus.autoprobe "$(cat /sys/bus/slimbus/drivers_autoprobe 2> /dev/null || echo missing)"
    # A binding policy does not allow, made while tdispd is frozen.
    modprobe e1000e
    echo > "$dev/driver_override" 2> /dev/null
    echo 0000:00:03.0 > /sys/bus/pci/drivers/e1000e/bind 2> /dev/null
    marker kill9.e1000e.driver_while_stopped "$(driver_of "$dev")"
    kill9_and_await_restart "$pid" kill9
    wait_stable 60 kill9.settle
}

# The TSM emulator's own self-test drives the TDISP device by hand, which tdispd would undo: run
# it with tdispd stopped, then start tdispd again and let it take the device over.
scenario_tsm() {
    local rc
    marker tsm.class "$(cd /sys/class/tsm 2> /dev/null && echo *)"
    systemctl stop tdispd.service
    block_begin tsm-selftest
    TSM_EVIDENCE_DUMP="$TEST_DATA/tsm-evidence-dump" "$TEST_DATA/devsec-selftest.sh" > /run/tdispd-test-selftest 2>&1
    rc=$?
    emit_stream < /run/tdispd-test-selftest
    block_end tsm-selftest
    marker tsm.selftest_rc "$rc"
    systemctl start tdispd.service
    wait_stable 60 tsm.settle
}

# Waits until tdispd (process $4, if given) logged one of the given states for a device (max $3 s).
# Reports the state reached as marker tdisp.DEV.reached (or $5.reached).
wait_device_state() {
    local dev="$1" states="$2" limit="$3" pid="${4-}" key="${5:-tdisp.$1}" start=$SECONDS st
    local match=("TDISPD_DEVICE=$dev")
    [[ -n $pid ]] && match+=("_PID=$pid")
    while ((SECONDS - start < limit)); do
        for st in $states; do
            if [[ -n $(journalctl -q -u tdispd.service -o cat "${match[@]}" "TDISPD_STATE=$st" 2> /dev/null | head -n1) ]]; then
                marker "$key.reached" "$st"
                return 0
            fi
        done
        sleep 1
    done
    marker "$key.reached" "timeout"
    return 1
}

TSM_DEBUGFS=/sys/kernel/debug/tsm_emu

mount_debugfs() {
    grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
}

# tsm_emu_count DEV PATTERN: how many of the emulator's events for DEV match the grep -E PATTERN.
tsm_emu_count() {
    awk -v dev="$1" '$2 == dev { $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$TSM_DEBUGFS/event_log" |
        grep -c -E "$2"
}

report_tdisp() {
    local d v
    mount_debugfs
    for d in 0000:00:07.0 0000:00:09.0; do
        read -r v < "/sys/bus/pci/devices/$d/tsm/lock"
        marker "tdisp.$d.lock" "$v"
        read -r v < "/sys/bus/pci/devices/$d/tsm/accept"
        marker "tdisp.$d.accept" "$v"
        read -r v < "$TSM_DEBUGFS/$d/state"
        marker "tdisp.$d.emu_state" "$v"
        # What the emulated TSM saw, counted from its event log (since the module was loaded).
        marker "tdisp.$d.locks" "$(tsm_emu_count "$d" '^lock tsm0 -> 0 ')"
        marker "tdisp.$d.failed_locks" "$(tsm_emu_count "$d" '^lock tsm0 -> -')"
        marker "tdisp.$d.unlocks" "$(tsm_emu_count "$d" '^unlock tsm0 -> 0$')"
        marker "tdisp.$d.accepts" "$(tsm_emu_count "$d" '^accept -> 0$')"
        marker "tdisp.$d.interrupted_evidence_reads" "$(tsm_emu_count "$d" '^evidence-read -> -EAGAIN$')"
    done
    read -r v < "$TSM_DEBUGFS/violations"
    marker tdisp.violations "$v"
    marker tdisp.encrypted_mmio "$(grep -c 'PCI MMIO Encrypted' /proc/iomem)"
    block_begin tsm-emu-log
    cat "$TSM_DEBUGFS/event_log" "$TSM_DEBUGFS/violation_log" | emit_stream
    grep -i 'encrypted' /proc/iomem | emit_stream
    block_end tsm-emu-log
}

scenario_tdisp() {
    wait_device_state 0000:00:07.0 "running failed denied" 90
    wait_device_state 0000:00:09.0 "denied failed shared removing" 90
    wait_stable 30 tdisp.settle
    # The relying party's approval locks the topology (TopologyLock=on-approval): a device that
    # appears now must never get a driver, not even a trusted virtio-net.
    emit 'TDISPD-TEST: host.request=hotplug-virtio-net'
    if wait_for_path /sys/bus/pci/devices/0000:02:00.0 90; then
        marker tdisp.hotplug.appeared "$(uptime_s)"
    else
        marker tdisp.hotplug.appeared no
    fi
    wait_stable 30 tdisp.hotplug.settle
    report_tdisp
}

# Fault injection (scenario "tdisp-faults", armed by setup): the first lock fails with EBUSY and
# the first two evidence reads see the evidence change under them. tdispd must retry the lock after
# its backoff, discard the torn reads, and accept the device on evidence it read whole.
scenario_tdisp_faults() {
    wait_device_state 0000:00:07.0 "running failed denied" 120
    wait_stable 30 tdisp.settle
    marker tdisp.faults.fail_next_lock_left "$(< "$TSM_DEBUGFS/fail_next_lock")"
    marker tdisp.faults.evidence_unstable_left "$(< "$TSM_DEBUGFS/evidence_unstable")"
    report_tdisp
}

# A relying party that never answers (scenario "tdisp-timeout"): every attempt must time out after
# VerifierTimeoutSec=, the verifier be killed, the device unlocked, and after PipelineAttempts= the
# device falls back (OnReject=deny).
scenario_tdisp_timeout() {
    local pid started=0 alive=0
    wait_device_state 0000:00:07.0 "running failed denied" 120
    wait_stable 30 tdisp.settle
    while read -r pid; do
        ((++started))
        [[ -e /proc/$pid ]] && ((++alive))
    done < <(cat /run/tdispd-test/verifier.pids 2> /dev/null)
    marker tdisp.timeout.verifiers_started "$started"
    marker tdisp.timeout.verifiers_alive "$alive"
    report_tdisp
}

# Verifier=push (scenario "tdisp-push"): the example agent shipped with tdispd (push-agent.sh, see
# docs/push-mode.md) reads each waiting device's evidence through tdispctl, has it judged by
# "agent verify-certificates" standing in for a remote relying party, and posts each verdict with
# the digest of the evidence it judged.
scenario_tdisp_push() {
    local dev out=/run/tdispd-test/push
    mkdir -p "$out"
    for dev in 0000:00:07.0 0000:00:09.0; do
        wait_device_state "$dev" attesting 90 "" "tdisp.push.$dev.waiting"
    done
    # A verdict names the evidence it judged; one on other evidence is refused (status 7).
    tdispctl approve 0000:00:07.0 --digest="sha384:$(printf '%096d' 0)" > "$out/wrong-digest.txt" 2>&1
    marker tdisp.push.wrong_digest_rc "$?"
    marker tdisp.push.wrong_digest_message "$(head -n1 "$out/wrong-digest.txt")"
    LOCK_TOPOLOGY=yes timeout 120 "$TEST_DATA/push-agent.sh" --once "$TEST_DATA/agent" verify-certificates \
        > "$out/agent.txt" 2>&1
    marker tdisp.push.agent_rc "$?"
    block_begin push-agent
    emit_stream < "$out/agent.txt"
    block_end push-agent
    wait_device_state 0000:00:07.0 "running failed denied" 60
    wait_device_state 0000:00:09.0 "denied failed shared removing" 60
    wait_stable 30 tdisp.settle
    for dev in 0000:00:07.0 0000:00:09.0; do
        block_begin "tdispctl-show.$dev"
        tdispctl show "$dev" 2>&1 | emit_stream
        block_end "tdispctl-show.$dev"
    done
    report_tdisp
}

# kill -9 PID (tdispd's), then wait up to 60 s for systemd to restart it; PREFIX.restart_seconds and
# PREFIX.pid_after say how long that took and which process the new instance is.
kill9_and_await_restart() {
    local pid=$1 prefix=$2 start
    kill -KILL "$pid"
    start=$SECONDS
    while ((SECONDS - start < 60)); do
        [[ $(unit_prop tdispd.service NRestarts) -ge 1 &&
            $(unit_prop tdispd.service ActiveState) == active ]] && break
        sleep 0.5
    done
    marker "$prefix.restart_seconds" "$((SECONDS - start))"
    marker "$prefix.pid_after" "$(unit_prop tdispd.service MainPID)"
}

# save_kill9_evidence DEV DIR WHEN — tdispctl evidence into DIR/WHEN; markers tdisp.kill9.evidence_WHEN_rc
# and tdisp.kill9.digest_WHEN.
save_kill9_evidence() {
    local dev=$1 dir=$2 when=$3
    tdispctl evidence "$dev" --output-dir="$dir/$when" > /dev/null 2>&1
    marker "tdisp.kill9.evidence_${when}_rc" "$?"
    marker "tdisp.kill9.digest_$when" "$(cat "$dir/$when/evidence-digest" 2> /dev/null)"
}

# kill -9 between lock and accept (scenario "tdisp-kill9", Verifier=push): while the device is locked
# and waits for its verdict, tdispd is killed. The new instance must not trust the lock it finds
# (no verdict was recorded): it unlocks, locks again and reads new evidence, so that a verdict on
# the evidence from before the kill is refused and one on the new evidence accepted.
scenario_tdisp_kill9() {
    local dev=0000:00:07.0 pid newpid
    local sysdev=/sys/bus/pci/devices/0000:00:07.0 out=/run/tdispd-test/kill9
    mkdir -p "$out"
    pid=$(unit_prop tdispd.service MainPID)
    wait_device_state "$dev" attesting 90 "$pid" tdisp.kill9.before || return 0
    save_kill9_evidence "$dev" "$out" before
    marker tdisp.kill9.lock_before "$(< "$sysdev/tsm/lock")"
    marker tdisp.kill9.accept_before "$(< "$sysdev/tsm/accept")"
    marker tdisp.kill9.driver_before "$(driver_of "$sysdev")"
    marker tdisp.kill9.pid_before "$pid"
    kill9_and_await_restart "$pid" tdisp.kill9
    newpid=$(unit_prop tdispd.service MainPID)
    wait_device_state "$dev" attesting 90 "$newpid" tdisp.kill9.after || return 0
    save_kill9_evidence "$dev" "$out" after
    tdispctl approve "$dev" --digest="$(< "$out/before/evidence-digest")" > "$out/stale.txt" 2>&1
    marker tdisp.kill9.stale_approve_rc "$?"
    marker tdisp.kill9.stale_approve_message "$(head -n1 "$out/stale.txt")"
    tdispctl approve "$dev" --digest="$(< "$out/after/evidence-digest")" \
        --reason="VM test: judged after the restart" > "$out/approve.txt" 2>&1
    marker tdisp.kill9.approve_rc "$?"
    wait_device_state "$dev" "running failed denied" 60 "$newpid"
    wait_stable 30 tdisp.settle
    report_tdisp
}

# Handover (scenario "rootfs-tdisp"): the initramfs accepts the device; the booted system's tdispd
# must carry it over as it is, never locking or accepting it a second time.
scenario_handover() {
    wait_device_state 0000:00:07.0 "running failed denied" 90
    wait_device_state 0000:00:09.0 "denied failed shared removing" 90
    wait_stable 30 tdisp.settle
    report_tdisp
}

run() {
    marker scenario "$SCENARIO"
    marker agent_start "$(uptime_s)"
    marker cmdline "$(< /proc/cmdline)"
    wait_stable 90
    marker stable_at "$(uptime_s)"
    case "$PHASE:$SCENARIO" in
        initrd:hotplug) scenario_hotplug ;;
        initrd:kill9) scenario_kill9 ;;
        initrd:tsm) scenario_tsm ;;
        initrd:tdisp) scenario_tdisp ;;
        initrd:tdisp-faults) scenario_tdisp_faults ;;
        initrd:tdisp-timeout) scenario_tdisp_timeout ;;
        initrd:tdisp-push) scenario_tdisp_push ;;
        initrd:tdisp-kill9) scenario_tdisp_kill9 ;;
        initrd:rootfs-tdisp) scenario_handover ;;
        system:rootfs-tdisp) report_tdisp ;;
    esac
    report_state
    marker reported_at "$(uptime_s)"
    report_journal
    # Scenarios that boot the root filesystem carry on after the initramfs.
    case "$PHASE:$SCENARIO" in
        initrd:rootfs*)
            marker continue 1
            exec 3>&-
            exit 0
            ;;
    esac
    finish
}

# be64 SIZE: SIZE as 8 bytes, big-endian (the framing of tdispd's evidence digests).
be64() {
    local i out=
    for ((i = 56; i >= 0; i -= 8)); do
        out+=$(printf '\\x%02x' $(((${1} >> i) & 255)))
    done
    printf '%b' "$out"
}

# certificates_digest DIR [SUFFIX]: the certificates digest of one device (tdispd-verifier(7)),
# computed here, independently of tdispd's own implementation, from one file per object in DIR
# (cert0SUFFIX ... cert7SUFFIX: ".bin" from the kmod engineer's tsm-evidence-dump, none from
# tdispctl evidence --output-dir).
certificates_digest() {
    local dir="$1" suffix="${2-}" t size
    {
        printf 'tdispd-certificates-v1\0'
        for t in cert0 cert1 cert2 cert3 cert4 cert5 cert6 cert7; do
            [[ -f $dir/$t$suffix ]] || continue
            size=$(wc -c < "$dir/$t$suffix")
            printf '%s\0' "$t"
            be64 "$size"
            cat "$dir/$t$suffix"
        done
    } | sha384sum | cut -d' ' -f1
}

# The relying party's knowledge, prepared before tdispd starts: the certificates digest of
# 0000:00:07.0, read through the emulated TSM and digested here, and for 0000:00:09.0 a digest no
# certificate chain has. One file per device in /run/tdispd-test/reference.
setup_tdisp_references() {
    local dir=/run/tdispd-test/evidence digest
    modprobe tsm_emu
    mount_debugfs
    mkdir -p "$dir" /run/tdispd-test/reference /etc/tdispd/policy.d
    "$TEST_DATA/tsm-evidence-dump" -t cert0,cert1,cert2,cert3,cert4,cert5,cert6,cert7 -o "$dir" \
        0000:00:07.0 > /run/tdispd-test/evidence.txt 2>&1
    marker setup.tdisp.evidence_dump_rc "$?"
    digest=$(certificates_digest "$dir" .bin)
    marker setup.tdisp.certificates "sha384:$digest"
    echo "sha384:$digest" > /run/tdispd-test/reference/0000:00:07.0
    echo "sha384:$(printf '%096d' 0)" > /run/tdispd-test/reference/0000:00:09.0
}

# The same references as a local verifier's reference values (tdispd-verifier(7)).
write_reference_values() {
    cat > /etc/tdispd/vm-test-reference-values.json << EOT
{ "version": 1,
  "devices": [
    { "match": { "path": "0000:00:07.0" }, "certificates": "$(< /run/tdispd-test/reference/0000:00:07.0)" },
    { "match": { "path": "0000:00:09.0" }, "certificates": "$(< /run/tdispd-test/reference/0000:00:09.0)" } ] }
EOT
}

# write_tdisp_policy VERIFIER [PATH-GLOB]: a rule that accepts the emulated TDISP devices (those
# matching PATH-GLOB) with VERIFIER, and binds pci-stub once they are accepted.
write_tdisp_policy() {
    cat > /etc/tdispd/policy.d/40-vm-test-tdisp.policy << EOT
# VM suite, scenario "$SCENARIO": the emulated TDISP devices, accepted on a positive verdict.
[Match]
Bus=pci
Vendor=0x1b36
Device=0x0005
Path=${2:-*}

[Policy]
Action=accept
Driver=pci-stub
Verifier=$1
EOT
}

# write_test_config KEY=VALUE...: a drop-in for tdispd.conf's [Manager] section.
write_test_config() {
    mkdir -p /etc/tdispd.conf.d
    {
        echo "# VM suite, scenario \"$SCENARIO\""
        echo "[Manager]"
        printf '%s\n' "$@"
    } > /etc/tdispd.conf.d/50-vm-test.conf
}

# A relying party that never answers: records its PID and sleeps without reading its input.
write_hanging_verifier() {
    cat > "$TEST_DATA/hanging-verifier" << 'EOT'
#!/bin/bash
echo $$ >> /run/tdispd-test/verifier.pids
exec sleep 600
EOT
    chmod 0755 "$TEST_DATA/hanging-verifier"
}

# "agent verify-certificates DEVICE DIR": the push agent's verify command. Approves (status 0) when
# the certificates in DIR (written by tdispctl evidence --output-dir) digest to the device's
# reference, rejects (status 1) otherwise; prints the reason.
verify_certificates() {
    local dev="$1" dir="$2" want got
    want=$(cat "/run/tdispd-test/reference/$dev" 2> /dev/null) || { echo "no reference for $dev"; return 1; }
    got="sha384:$(certificates_digest "$dir")"
    if [[ $got == "$want" ]]; then
        echo "VM test agent: certificates $got are the reference"
        return 0
    fi
    echo "VM test agent: certificates $got are not the reference"
    return 1
}

HANDOVER=/run/tdispd-test/handover

# Runs before tdispd.service, in the initramfs and (scenarios with a root file system) again in the
# booted system.
setup() {
    case "$PHASE:$SCENARIO" in
        initrd:tdisp | initrd:rootfs-tdisp)
            setup_tdisp_references
            write_reference_values
            write_tdisp_policy local:/etc/tdispd/vm-test-reference-values.json
            # /run survives switch-root: the booted system's setup installs the same files.
            mkdir -p "$HANDOVER"
            cp /etc/tdispd/vm-test-reference-values.json /etc/tdispd/policy.d/40-vm-test-tdisp.policy "$HANDOVER/"
            ;;
        system:rootfs-tdisp)
            mkdir -p /etc/tdispd/policy.d
            cp "$HANDOVER/vm-test-reference-values.json" /etc/tdispd/
            cp "$HANDOVER/40-vm-test-tdisp.policy" /etc/tdispd/policy.d/
            marker setup.handover "$(cd "$HANDOVER" && echo *)"
            ;;
        initrd:tdisp-faults)
            setup_tdisp_references
            write_reference_values
            write_tdisp_policy local:/etc/tdispd/vm-test-reference-values.json 0000:00:07.0
            echo 16 > "$TSM_DEBUGFS/fail_next_lock"
            echo 2 > "$TSM_DEBUGFS/evidence_unstable"
            marker setup.faults.armed "$(< "$TSM_DEBUGFS/fail_next_lock") $(< "$TSM_DEBUGFS/evidence_unstable")"
            ;;
        initrd:tdisp-timeout)
            setup_tdisp_references
            write_hanging_verifier
            write_tdisp_policy "exec:$TEST_DATA/hanging-verifier" 0000:00:07.0
            write_test_config VerifierTimeoutSec=3s PipelineAttempts=2
            ;;
        initrd:tdisp-push)
            setup_tdisp_references
            write_tdisp_policy push
            write_test_config VerifierTimeoutSec=5min
            ;;
        initrd:tdisp-kill9)
            setup_tdisp_references
            write_tdisp_policy push 0000:00:07.0
            write_test_config VerifierTimeoutSec=5min
            ;;
        initrd:badconfig)
            mkdir -p /etc/tdispd.conf.d
            cp "$TEST_DATA/99-broken.conf" /etc/tdispd.conf.d/99-broken.conf
            marker setup.badconfig /etc/tdispd.conf.d/99-broken.conf
            ;;
    esac
}

case "${1-}" in
    setup) setup ;;
    run) run ;;
    verify-certificates) verify_certificates "$2" "$3" ;;
    *)
        echo "usage: $0 setup|run|verify-certificates DEVICE DIR" >&2
        exit 2
        ;;
esac
