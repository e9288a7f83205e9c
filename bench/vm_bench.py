# SPDX-License-Identifier: LGPL-2.1-or-later
"""vm_bench.py — part 3: the same initramfs booted with tdispd and with rd.tdispd=0, under TCG.

Boots go through bench/vm/boot.sh, i.e. the VM suite's own build-initramfs.sh and run-vm.sh, with
the benchmark's guest agent (bench/vm/bench-agent.sh) in place of the suite's. Each pair (tdispd,
rd.tdispd=0) boots side by side, so that both halves of a ratio share the host's conditions; TCG
timings vary by ±30 % from one run to the next, so several pairs are booted and medians reported.

Figures per boot (systemd's CLOCK_MONOTONIC stamps, microseconds since the kernel started):
  sysinit_ms         sysinit.target reached
  userspace_ms       sysinit.target minus the start of systemd in the initramfs
  tdispd_ready_ms    tdispd's start to its READY=1: what it adds on the critical path, since
                     systemd-udev-trigger waits for it (Before=)
  tdispd_cpu_ms      tdispd.service's CPU time once the boot has settled (CPUUsageNSec)
  host_equiv_cpu_ms  tdispd_cpu_ms divided by this boot's TCG slowdown: the guest's CPU time for 20
                     runs of "tdispd --check-config" over the host's CPU time for the same 20 runs of the
                     same binary (measured in the same benchmark run). A bash loop gives a second factor,
                     reported beside it.
"""

import concurrent.futures
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def parse_markers(path):
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep and key.startswith("initrd.bench."):
                    out[key[len("initrd.bench."):]] = value
    except FileNotFoundError:
        pass
    return out


def _num(m, key, scale=1.0):
    try:
        v = float(m[key])
    except (KeyError, ValueError):
        return None
    return v * scale


def _cpu_seconds(text):
    """'REAL USER SYS' (bash TIMEFORMAT='%3R %3U %3S') → user + sys."""
    try:
        real, user, sys_ = (float(x) for x in text.split())
        return user + sys_
    except (AttributeError, ValueError):
        return None


def host_calibration(build, reps=5):
    """The host's CPU seconds for the agent's calibration workloads (median of reps)."""
    stage = os.path.join(build, "tests", "vm", "stage")
    conf = None
    for root, _, files in os.walk(stage):
        if "tdispd.conf" in files and root.endswith("/etc"):
            conf = os.path.join(root, "tdispd.conf")
            break
    policy_dirs = []
    for root, dirs, _ in os.walk(stage):
        if root.endswith("/tdispd") and "policy.d" in dirs:
            policy_dirs.append(os.path.join(root, "policy.d"))
    args = ["--check-config"] + (["--config=" + conf] if conf else []) + ["--policy-dir=" + d for d in policy_dirs]
    tdispd = os.path.join(build, "tdispd")
    script = ("TIMEFORMAT='%%3R %%3U %%3S'; "
              "{ time (for ((i = 0; i < 200000; i++)); do :; done); } 2>&1; "
              "{ time (for ((i = 0; i < 20; i++)); do %s %s > /dev/null 2>&1; done); } 2>&1"
              % (tdispd, " ".join("'%s'" % a for a in args)))
    loops, checks = [], []
    for _ in range(reps):
        out = subprocess.run(["bash", "-c", script], check=True, stdout=subprocess.PIPE, text=True).stdout.split("\n")
        loops.append(_cpu_seconds(out[0]))
        checks.append(_cpu_seconds(out[1]))
    return {"bash_loop_cpu_s": statistics.median(loops), "check_config_x20_cpu_s": statistics.median(checks)}


def boot(build, outdir, functions=0, kernel_args=()):
    env = dict(os.environ, TDISPD_BUILD_ROOT=build, TDISPD_SOURCE_ROOT=SRC)
    argv = [os.path.join(HERE, "vm", "boot.sh")]
    if functions:
        argv += ["--functions", str(functions)]
    argv += [outdir] + list(kernel_args)
    # One retry: the VM suite's scripts are shared with people who edit them, and a boot that failed
    # to start (not one that booted and reported) says nothing about tdispd.
    for attempt in range(2):
        t0 = time.monotonic()
        with open(outdir + ".log", "w") as log:
            rc = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        m = parse_markers(os.path.join(outdir, "markers"))
        if rc == 0 and m:
            break
        time.sleep(5)
    r = summarize(m, rc, time.monotonic() - t0, outdir)
    r["attempts"] = attempt + 1
    return r


def summarize(m, rc, wall, outdir):
    r = {"rc": rc, "wall_s": round(wall, 1), "dir": outdir}
    if rc != 0 or not m:
        r["error"] = "boot failed (rc %d), see %s.log and %s/console.log" % (rc, outdir, outdir)
        return r
    sysinit = _num(m, "unit.sysinit.target.ActiveEnterTimestampMonotonic", 1e-3)
    userspace = _num(m, "manager.UserspaceTimestampMonotonic", 1e-3)
    r["sysinit_ms"] = sysinit
    r["userspace_ms"] = sysinit - userspace if sysinit is not None and userspace is not None else None
    r["tdispd_active"] = m.get("tdispd.ActiveState") == "active"
    start = _num(m, "tdispd.ExecMainStartTimestampMonotonic", 1e-3)
    ready = _num(m, "tdispd.ActiveEnterTimestampMonotonic", 1e-3)
    r["tdispd_ready_ms"] = ready - start if r["tdispd_active"] and start and ready else None
    cpu = _num(m, "tdispd.CPUUsageNSec", 1e-6)
    r["tdispd_cpu_ms"] = cpu if r["tdispd_active"] else None
    r["tdispd_status"] = m.get("tdispd.StatusText")
    status = m.get("tdispd.status", "")
    for part in status.split(";"):
        k, _, v = part.partition(":")
        if k.strip() in ("VmHWM", "RssAnon", "RssFile") and v.strip():
            r["tdispd_" + k.strip().lower() + "_kib"] = int(v.split()[0])
    for key in ("utime_ticks", "stime_ticks"):
        v = _num(m, "tdispd." + key)
        if v is not None and r["tdispd_active"]:
            r["tdispd_" + key.replace("_ticks", "_ms")] = v * 1000.0 / (_num(m, "tdispd.clk_tck") or 100.0)
    sched = m.get("tdispd.schedstat", "").split()
    if len(sched) >= 2 and r["tdispd_active"]:
        r["tdispd_run_ms"], r["tdispd_runqueue_wait_ms"] = int(sched[0]) / 1e6, int(sched[1]) / 1e6
    ctxt = dict(p.split(":") for p in m.get("tdispd.ctxt_switches", "").replace(" ", "").split(";") if ":" in p)
    if ctxt and r["tdispd_active"]:
        r["tdispd_voluntary_switches"] = int(ctxt.get("voluntary_ctxt_switches", 0))
    r["journald_active_ms"] = _num(m, "unit.systemd-journald.service.ActiveEnterTimestampMonotonic", 1e-3)
    # The rest of the guest's CPU up to the agent's run: the added boot time of a one-vCPU guest is the
    # work added anywhere, not only in tdispd (PERFORMANCE.md, "The boot target").
    r["journald_cpu_ms"] = _num(m, "unit.systemd-journald.service.cgroup_cpu_usec", 1e-3)
    r["udevd_cpu_ms"] = _num(m, "unit.systemd-udevd.service.cgroup_cpu_usec", 1e-3)
    r["guest_busy_ms"] = _num(m, "cpu.busy_ticks", 10.0)
    r["tdispd_start_ms"] = start if r["tdispd_active"] else None
    r["devices"] = int(m["devices.all_buses"]) if m.get("devices.all_buses", "").isdigit() else None
    r["pci_functions"] = int(m["devices.pci"]) if m.get("devices.pci", "").isdigit() else None
    r["guest_bash_loop_cpu_s"] = _cpu_seconds(m.get("calibrate.bash_loop"))
    r["guest_check_config_x20_cpu_s"] = _cpu_seconds(m.get("calibrate.check_config_x20"))
    return r


def add_host_equivalents(r, host):
    if r.get("guest_check_config_x20_cpu_s") and host.get("check_config_x20_cpu_s"):
        r["tcg_factor_check_config"] = r["guest_check_config_x20_cpu_s"] / host["check_config_x20_cpu_s"]
    if r.get("guest_bash_loop_cpu_s") and host.get("bash_loop_cpu_s"):
        r["tcg_factor_bash_loop"] = r["guest_bash_loop_cpu_s"] / host["bash_loop_cpu_s"]
    if r.get("tdispd_cpu_ms") is not None:
        if r.get("tcg_factor_check_config"):
            r["host_equiv_cpu_ms"] = r["tdispd_cpu_ms"] / r["tcg_factor_check_config"]
        if r.get("tcg_factor_bash_loop"):
            r["host_equiv_cpu_ms_bash_factor"] = r["tdispd_cpu_ms"] / r["tcg_factor_bash_loop"]


def run(build, workdir, pairs, functions, log, scaled_pairs=1):
    """pairs standard pairs, then (if functions) scaled_pairs pairs with that many more PCI functions."""
    os.makedirs(workdir, exist_ok=True)
    plan = []
    for i in range(pairs):
        plan.append(("standard", i, 0))
    for i in range(scaled_pairs if functions else 0):
        plan.append(("scaled", i, functions))
    boots = []
    for kind, i, fn in plan:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            futs = {}
            for variant, args in (("tdispd", ()), ("rd.tdispd=0", ("rd.tdispd=0",))):
                out = os.path.join(workdir, "%s-%d-%s" % (kind, i, "tdispd" if not args else "rd0"))
                futs[variant] = ex.submit(boot, build, out, fn, args)
            for variant, f in futs.items():
                r = f.result()
                r.update({"set": kind, "pair": i, "variant": variant, "extra_functions": fn})
                boots.append(r)
                log("  vm %-8s pair %d %-11s: %s" % (kind, i, variant, brief(r)))
    host = host_calibration(build)
    for r in boots:
        add_host_equivalents(r, host)
    return {"host_calibration": host, "boots": boots}


def brief(r):
    if "error" in r:
        return "ERROR " + r["error"]
    parts = ["sysinit %.0f ms" % r["sysinit_ms"]]
    if r.get("tdispd_ready_ms") is not None:
        parts.append("tdispd start→READY %.0f ms" % r["tdispd_ready_ms"])
        parts.append("tdispd CPU %.0f ms (TCG)" % r["tdispd_cpu_ms"])
    parts.append("%s devices" % r.get("devices"))
    parts.append("wall %s s" % r["wall_s"])
    return ", ".join(parts)
