#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""run.py — the tdispd benchmark: runs every part, writes JSON, prints the table.

  bench/run.py --build-dir DIR [--quick | --smoke] [--no-vm] [--out FILE] [--check]
  bench/run.py --check-only FILE

Normally started by bench/run.sh, which builds first. Parts (bench/README.md):
  1. core       the pure core driven by a simulated kernel (core_bench.py, bench-core.c)
  2. umockdev   the real tdispd against a fake sysfs, beside the baseline and the floor (umockdev_bench.py)
  3. vm         boots under QEMU/TCG with and without tdispd (vm_bench.py)

--smoke is the tiny mode the 'bench-smoke' meson suite runs: it checks that the harness still runs
and writes well-formed JSON with the expected keys (--check), never how fast anything is.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, HERE)

SCHEMA = "tdispd-bench/1"
PROGRAMS = ("tdispd", "floor", "baseline")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def git(*args):
    try:
        return subprocess.run(["git", "-C", SRC] + list(args), check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def stats(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}


# ---- part 2 summaries -------------------------------------------------------------------------------

UMOCKDEV_METRICS = ("ready_ms", "cpu_ms", "harness_cpu_ms", "latency_median_ms", "latency_p99_ms",
                    "vm_hwm_kib", "rss_anon_kib", "sysfs_writes")


def flatten_trial(t):
    lat = t.get("latency_ms") or {}
    out = dict(t)
    out["latency_median_ms"] = lat.get("median")
    out["latency_p99_ms"] = lat.get("p99")
    return out


def summarize_umockdev(trials):
    by = {}
    for t in trials:
        by.setdefault(t["devices"], {}).setdefault(t["program"], []).append(flatten_trial(t))
    summary = {}
    for n, progs in sorted(by.items()):
        s = {}
        for p, ts in progs.items():
            ok = [t for t in ts if "error" not in t]
            s[p] = {m: stats([t.get(m) for t in ok]) for m in UMOCKDEV_METRICS}
            s[p]["trials"] = len(ts)
            s[p]["errors"] = [t["error"] for t in ts if "error" in t]
            s[p]["end_state_ok"] = all(t.get("end_state", {}).get("ok") for t in ok) and bool(ok)
            s[p]["latency_samples"] = sum((t.get("latency_ms") or {}).get("samples", 0) for t in ok)
        # Ratios within each repetition (the three programs ran back to back), then their spread.
        ratios = {}
        reps = sorted({t["rep"] for ts in progs.values() for t in ts})
        for m in ("ready_ms", "cpu_ms", "latency_median_ms", "latency_p99_ms", "vm_hwm_kib"):
            for num, den, name in (("tdispd", "floor", "tdispd_over_floor"),
                                   ("baseline", "tdispd", "baseline_over_tdispd")):
                vals = []
                for rep in reps:
                    a = next((t.get(m) for t in progs.get(num, []) if t["rep"] == rep and "error" not in t), None)
                    b = next((t.get(m) for t in progs.get(den, []) if t["rep"] == rep and "error" not in t), None)
                    if a is not None and b:
                        vals.append(a / b)
                ratios.setdefault(name, {})[m] = stats(vals)
        s["ratios"] = ratios
        summary[str(n)] = s
    return summary


# ---- part 3 summaries -------------------------------------------------------------------------------

def summarize_vm(vm):
    out = {}
    for kind in ("standard", "scaled"):
        boots = [b for b in vm["boots"] if b["set"] == kind and "error" not in b]
        if not boots:
            continue
        with_t = [b for b in boots if b["variant"] == "tdispd"]
        without = [b for b in boots if b["variant"] != "tdispd"]
        s = {
            "boots": len(boots),
            "sysinit_ms_tdispd": stats([b["sysinit_ms"] for b in with_t]),
            "sysinit_ms_without": stats([b["sysinit_ms"] for b in without]),
            "userspace_ms_tdispd": stats([b["userspace_ms"] for b in with_t]),
            "userspace_ms_without": stats([b["userspace_ms"] for b in without]),
            "tdispd_ready_ms": stats([b.get("tdispd_ready_ms") for b in with_t]),
            "tdispd_cpu_ms_tcg": stats([b.get("tdispd_cpu_ms") for b in with_t]),
            "host_equiv_cpu_ms": stats([b.get("host_equiv_cpu_ms") for b in with_t]),
            "host_equiv_cpu_ms_bash_factor": stats([b.get("host_equiv_cpu_ms_bash_factor") for b in with_t]),
            "tcg_factor_check_config": stats([b.get("tcg_factor_check_config") for b in boots]),
            "tcg_factor_bash_loop": stats([b.get("tcg_factor_bash_loop") for b in boots]),
            "tdispd_vmhwm_kib": stats([b.get("tdispd_vmhwm_kib") for b in with_t]),
            "devices": stats([b.get("devices") for b in with_t]),
            "tdispd_utime_ms_tcg": stats([b.get("tdispd_utime_ms") for b in with_t]),
            "tdispd_stime_ms_tcg": stats([b.get("tdispd_stime_ms") for b in with_t]),
            "pci_functions": stats([b.get("pci_functions") for b in with_t]),
        }
        # Per pair: the boot with tdispd over the one without (they ran side by side).
        pair_ratio, share = [], []
        for b in with_t:
            o = next((x for x in without if x["pair"] == b["pair"]), None)
            if o and o["sysinit_ms"]:
                pair_ratio.append(b["sysinit_ms"] / o["sysinit_ms"])
            if b.get("tdispd_ready_ms") is not None and b["sysinit_ms"]:
                share.append(b["tdispd_ready_ms"] / b["sysinit_ms"])
        s["sysinit_ratio_per_pair"] = stats(pair_ratio)
        s["tdispd_ready_share_of_sysinit"] = stats(share)
        per_dev = [b["host_equiv_cpu_ms"] / b["devices"] for b in with_t
                   if b.get("host_equiv_cpu_ms") is not None and b.get("devices")]
        s["host_equiv_cpu_ms_per_device"] = stats(per_dev)
        per_dev_ready = [b["tdispd_ready_ms"] / b["devices"] for b in with_t
                         if b.get("tdispd_ready_ms") is not None and b.get("devices")]
        s["tdispd_ready_ms_per_device_tcg"] = stats(per_dev_ready)
        out[kind] = s
    return out


# ---- targets ------------------------------------------------------------------------------------------

def target(tid, text, goal, measured, unit, met, note=""):
    return {"id": tid, "target": text, "goal": goal, "measured": measured, "unit": unit,
            "ratio": (measured / goal) if isinstance(measured, (int, float)) and goal else None,
            "met": met, "note": note}


def med(s):
    return s["median"] if s else None


def evaluate_targets(res):
    ts = []
    core = res.get("core") or {}
    runs = core.get("runs") or []

    def core_run(n, r):
        return next((x for x in runs if x["devices"] == n and x["rules"] == r and x.get("rule_mix", "mixed") == "mixed"), None)

    big = [x for x in runs if x["rules"] == 100 and x["devices"] >= 1000]
    if big:
        worst = max(big, key=lambda x: x["decide_ns_per_device"]["median"])
        v = worst["decide_ns_per_device"]["median"] / 1000
        ts.append(target("core.decision", "policy decision <= 2 us per device with 100 rules", 2.0, v, "us",
                         v <= 2.0, "worst median over %s devices" % sorted({x["devices"] for x in big})))
        worst = max(big, key=lambda x: x["coldplug_ns_per_device"]["median"])
        v = worst["coldplug_ns_per_device"]["median"] / 1000
        ts.append(target("core.coldplug", "decision plus actions issued (whole coldplug pass) <= 2 us per device "
                         "with 100 rules", 2.0, v, "us", v <= 2.0,
                         "worst median, at %d devices" % worst["devices"]))
        worst = max(big, key=lambda x: x["heap_bytes_per_device"])
        v = worst["heap_bytes_per_device"]
        ts.append(target("core.memory", "<= 1 KiB heap per tracked device", 1024, v, "bytes", v <= 1024,
                         "largest over the sizes; mallinfo2 uordblks delta"))
    for rules in (10, 100):
        a, b = core_run(1000, rules), core_run(100000, rules)
        if a and b:
            v = b["coldplug_ns_per_device"]["median"] / a["coldplug_ns_per_device"]["median"]
            ts.append(target("core.growth.%d" % rules, "cost per device flat from 1,000 to 100,000 devices "
                             "(%d rules; flat = within 1.2x)" % rules, 1.2, v, "x", v <= 1.2,
                             "CPU time per device at 100,000 over 1,000"))
    cg = [c for c in core.get("callgrind", []) if "skipped" not in c and c["rules"] == 100]
    if len(cg) >= 2:
        cg.sort(key=lambda c: c["devices"])
        v = cg[-1]["coldplug_instructions_per_device"] / cg[0]["coldplug_instructions_per_device"]
        ts.append(target("core.growth.instructions", "instructions per device flat (%d to %d devices, 100 rules)" %
                         (cg[0]["devices"], cg[-1]["devices"]), 1.2, v, "x", v <= 1.2, "callgrind Ir"))

    um = (res.get("umockdev") or {}).get("summary") or {}
    n = max(um, key=int) if um else None
    if n:
        s = um[n]
        r = s["ratios"]
        for m, label in (("ready_ms", "coldplug wall time to READY=1"), ("cpu_ms", "coldplug CPU time"),
                         ("latency_median_ms", "median bind-to-unbind")):
            v = med(r["baseline_over_tdispd"].get(m))
            ts.append(target("umockdev.vs_baseline.%s" % m, ">= 50x faster than the baseline: %s, %s devices" %
                             (label, n), 50, v, "x", v is not None and v >= 50))
        for m, label in (("ready_ms", "coldplug wall time to READY=1"), ("cpu_ms", "coldplug CPU time"),
                         ("latency_median_ms", "median bind-to-unbind")):
            v = med(r["tdispd_over_floor"].get(m))
            ts.append(target("umockdev.vs_floor.%s" % m, "within 2x of the floor: %s, %s devices" % (label, n),
                             2, v, "x", v is not None and v <= 2))
        v = med(s["tdispd"]["vm_hwm_kib"])
        ts.append(target("umockdev.rss", "peak RSS <= 8 MiB at %s devices" % n, 8 * 1024, v, "KiB",
                         v is not None and v <= 8 * 1024,
                         "VmHWM under the umockdev preload; the floor's is %s KiB" % med(s["floor"]["vm_hwm_kib"])))
        v = med(s["tdispd"]["latency_median_ms"])
        ts.append(target("umockdev.latency", "median bind-to-unbind < 1 ms at %s devices" % n, 1.0, v, "ms",
                         v is not None and v < 1.0, "p99 %s ms" % fmt(med(s["tdispd"]["latency_p99_ms"]))))

    vm = (res.get("vm") or {}).get("summary") or {}
    st = vm.get("standard")
    if st:
        a, b = med(st["sysinit_ms_tdispd"]), med(st["sysinit_ms_without"])
        pr = st.get("sysinit_ratio_per_pair")
        if a and b and pr:
            # The pairs booted side by side: their ratios cancel most of the host's drift.
            v = (pr["median"] - 1) * 100
            ts.append(target("vm.boot", "tdispd adds <= 5 % to the time to sysinit.target (TCG; median of the "
                             "side-by-side pairs)", 5, v, "%", v <= 5,
                             "pairs %+.0f … %+.0f %%; medians of all boots %.0f ms with, %.0f ms without (%+.0f %%); "
                             "tdispd's own start-to-READY, on the critical path, is %.1f %% of the boot" % (
                                 (pr["min"] - 1) * 100, (pr["max"] - 1) * 100, a, b, (a / b - 1) * 100,
                                 100 * (med(st["tdispd_ready_share_of_sysinit"]) or 0))))
        v = med(st["host_equiv_cpu_ms"])
        if v is not None:
            ts.append(target("vm.cpu", "tdispd CPU time < 50 ms host-equivalent", 50, v, "ms", v < 50,
                             "%.0f ms under TCG / TCG factor %.1f (check-config); with the bash-loop factor %s ms" %
                             (med(st["tdispd_cpu_ms_tcg"]), med(st["tcg_factor_check_config"]),
                              fmt(med(st["host_equiv_cpu_ms_bash_factor"])))))
    sc = vm.get("scaled")
    if st and sc:
        a, b = med(st["host_equiv_cpu_ms_per_device"]), med(sc["host_equiv_cpu_ms_per_device"])
        if a and b:
            ts.append(target("vm.growth", "CPU per device grows linearly on a real kernel (scaled boot over "
                             "standard boot; linear = within 1.2x)", 1.2, b / a, "x", b / a <= 1.2,
                             "%.0f vs %.0f devices" % (med(sc["devices"]), med(st["devices"]))))
    return ts


# ---- the table ----------------------------------------------------------------------------------------

def fmt(v, digits=None):
    if v is None:
        return "-"
    if isinstance(v, float):
        if digits is not None:
            return "%.*f" % (digits, v)
        a = abs(v)
        return "%.0f" % v if a >= 100 else "%.1f" % v if a >= 10 else "%.2f" % v if a >= 1 else "%.3f" % v
    return str(v)


def fs(s, digits=None):
    """median [min–max]"""
    if not s:
        return "-"
    if s["n"] == 1 or s["min"] == s["max"]:
        return fmt(s["median"], digits)
    return "%s [%s–%s]" % (fmt(s["median"], digits), fmt(s["min"], digits), fmt(s["max"], digits))


def table(res):
    lines = []
    meta = res["meta"]
    lines.append("tdispd benchmark — %s, commit %s%s, %s, %d CPUs, load %s → %s, mode %s" % (
        meta["date"], meta.get("git_commit") or "?", "+dirty" if meta.get("git_dirty") else "",
        meta["host"]["cpu"], meta["host"]["cpus"], meta["load_avg_start"], meta["load_avg_end"], meta["mode"]))
    lines.append("Figures: median [min–max] over repetitions; ratios are taken within each repetition, "
                 "then their median [min–max].")

    core = res.get("core")
    if core and "runs" in core:
        lines.append("")
        lines.append("## 1. Core throughput (pure core, simulated kernel; CPU time per device)")
        lines.append("")
        lines.append("| devices | rules | coldplug ns/device | of which parse / sort / add+act | decision ns/device | heap B/device "
                     "| actions (bind/unbind/pin) | vs 1,000 |")
        lines.append("|---:|---:|---:|---|---:|---:|---|---:|")
        for r in core["runs"]:
            base = next((x for x in core["runs"] if x["devices"] == 1000 and x["rules"] == r["rules"]), None)
            g = (r["coldplug_ns_per_device"]["median"] / base["coldplug_ns_per_device"]["median"]) if base else None
            a = r["actions"]
            ph = r.get("coldplug_phases") or {}
            phases = " / ".join("%.0f" % ph[k]["median"] for k in ("parse_ns_per_device", "sort_ns_per_device",
                                                                   "add_and_act_ns_per_device") if k in ph)
            lines.append("| %s | %d | %s | %s | %s | %.0f | %d/%d/%d | %s |" % (
                "{:,}".format(r["devices"]), r["rules"], fs(_s(r["coldplug_ns_per_device"]), 0), phases or "-",
                fs(_s(r["decide_ns_per_device"]), 0), r["heap_bytes_per_device"], a["bind"], a["unbind"],
                a["pin_none"], fmt(g, 2) + "x" if g else "-"))
        if core.get("rule_mix"):
            lines.append("")
            lines.append("Rule walk by kind of rule (1,000 devices, 100 rules): " + "; ".join(
                "%s %.0f ns/device" % (m["rule_mix"], m["decide_ns_per_device"]["median"]) for m in core["rule_mix"]))
        cg = [c for c in core.get("callgrind", []) if "skipped" not in c]
        if cg:
            lines.append("")
            lines.append("| callgrind | devices | rules | coldplug instructions/device | decision instructions/device |")
            lines.append("|---|---:|---:|---:|---:|")
            for c in cg:
                lines.append("| Ir | %s | %d | %.0f | %.0f |" % ("{:,}".format(c["devices"]), c["rules"],
                                                             c["coldplug_instructions_per_device"],
                                                             c["decide_instructions_per_device"]))
            prof = next((c for c in cg if c.get("profile")), None)
            if prof:
                lines.append("")
                lines.append("Where a coldplug pass spends its instructions (%s devices, %d rules, exclusive): " % (
                    "{:,}".format(prof["devices"]), prof["rules"]) + ", ".join(
                    "%s %.0f%%" % (p["function"], 100 * p["share"]) for p in prof["profile"][:8]))

    um = res.get("umockdev")
    if um and um.get("summary"):
        lines.append("")
        lines.append("## 2. The real binary against a fake sysfs (umockdev), side by side")
        lines.append("")
        lines.append("| PCI functions | figure | tdispd | floor | baseline | tdispd / floor | baseline / tdispd |")
        lines.append("|---:|---|---:|---:|---:|---:|---:|")
        names = {"ready_ms": "start → READY=1, ms (wall)", "cpu_ms": "CPU until READY=1, ms",
                 "harness_cpu_ms": "fake kernel's CPU meanwhile, ms", "latency_median_ms": "bind → unbind median, ms",
                 "latency_p99_ms": "bind → unbind p99, ms", "vm_hwm_kib": "peak RSS (VmHWM), KiB",
                 "rss_anon_kib": "RssAnon after, KiB", "sysfs_writes": "sysfs writes in coldplug"}
        for n, s in um["summary"].items():
            for m in UMOCKDEV_METRICS:
                r1 = s["ratios"]["tdispd_over_floor"].get(m) if m in s["ratios"]["tdispd_over_floor"] else None
                r2 = s["ratios"]["baseline_over_tdispd"].get(m) if m in s["ratios"]["baseline_over_tdispd"] else None
                lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                    n, names[m], fs(s.get("tdispd", {}).get(m)), fs(s.get("floor", {}).get(m)),
                    fs(s.get("baseline", {}).get(m)), fs(r1, 2) if r1 else "", fs(r2, 1) if r2 else ""))
            bad = [p for p in PROGRAMS if p in s and not s[p]["end_state_ok"]]
            if bad:
                lines.append("| %s | END STATE WRONG for | %s | | | | |" % (n, ", ".join(bad)))
        prof = um.get("profile")
        if prof and prof.get("functions"):
            f = prof["functions"]
            lines.append("")
            lines.append("tdispd under callgrind, %s PCI functions (%s): instructions per device, inclusive: " % (
                "{:,}".format(prof["devices"]), prof["note"]) + ", ".join(
                "%s %s%s" % (fn, "{:,}".format(v["instructions_per_device"]),
                             " (%d calls)" % v["calls"] if v["calls"] > 1 else "")
                for fn, v in f.items() if fn != "main") + "; whole run %s." % "{:,}".format(
                f.get("main", {}).get("instructions_per_device", 0)))

    vm = res.get("vm")
    if vm and vm.get("summary"):
        lines.append("")
        lines.append("## 3. In the VM (QEMU TCG, dracut initramfs, Debian 6.1 kernel)")
        lines.append("")
        lines.append("| boot | devices | sysinit.target, ms: with tdispd | without (rd.tdispd=0) | with / without "
                     "| tdispd start → READY, ms | share of boot | tdispd CPU, ms TCG | host-equivalent ms "
                     "| per device, µs host | peak RSS KiB |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for kind, s in vm["summary"].items():
            lines.append("| %s (%d pairs) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                kind, s["boots"] // 2, fs(s["devices"], 0), fs(s["sysinit_ms_tdispd"], 0), fs(s["sysinit_ms_without"], 0),
                fs(s["sysinit_ratio_per_pair"], 3), fs(s["tdispd_ready_ms"], 0),
                fs(_pct(s["tdispd_ready_share_of_sysinit"]), 1) + " %",
                fs(s["tdispd_cpu_ms_tcg"], 0), fs(s["host_equiv_cpu_ms"], 1),
                fs(_scale(s["host_equiv_cpu_ms_per_device"], 1000), 0), fs(s["tdispd_vmhwm_kib"], 0)))
        for kind, s in vm["summary"].items():
            if s.get("tdispd_utime_ms_tcg"):
                lines.append("")
                lines.append("%s: tdispd's CPU time under TCG is %s ms user and %s ms system; system time includes the "
                             "probe of every driver tdispd binds (it runs in the writer of \"bind\") and the kernel's "
                             "sysfs work." % (kind, fs(s["tdispd_utime_ms_tcg"], 0), fs(s["tdispd_stime_ms_tcg"], 0)))
        lines.append("")
        lines.append("TCG slowdown (guest CPU / host CPU, same work): tdispd --check-config x20 %s; bash loop %s." % (
            fs(vm["summary"].get("standard", {}).get("tcg_factor_check_config"), 1),
            fs(vm["summary"].get("standard", {}).get("tcg_factor_bash_loop"), 1)))
    elif vm and vm.get("skipped"):
        lines.append("")
        lines.append("## 3. In the VM: skipped (%s)" % vm["skipped"])

    lines.append("")
    lines.append("## Targets")
    lines.append("")
    lines.append("| target | measured | goal | measured / goal | met |")
    lines.append("|---|---:|---:|---:|---|")
    for t in res.get("targets", []):
        lines.append("| %s | %s %s | %s %s | %s | %s |" % (
            t["target"], fmt(t["measured"]), t["unit"], fmt(t["goal"]), t["unit"], fmt(t["ratio"], 2),
            "yes" if t["met"] else "**no**" + (" — " + t["note"] if t["note"] else "") if t["met"] is False else "-"))
    return "\n".join(lines)


def _s(d):
    return {"median": d["median"], "min": d["min"], "max": d["max"], "n": d.get("samples", 2)}


def _pct(s):
    return {k: (v * 100 if k != "n" else v) for k, v in s.items()} if s else None


def _scale(s, f):
    return {k: (v * f if k != "n" else v) for k, v in s.items()} if s else None


# ---- checking the output (the smoke test) ---------------------------------------------------------

REQUIRED = {
    "": ("schema", "meta", "core", "umockdev", "vm", "targets"),
    "meta": ("date", "mode", "host", "git_commit", "duration_s"),
    "core": ("method", "runs", "callgrind"),
    "core.runs[]": ("devices", "rules", "coldplug_ns_per_device", "decide_ns_per_device", "heap_bytes_per_device",
                    "actions", "states"),
    "umockdev": ("method", "trials", "summary"),
    "umockdev.trials[]": ("program", "devices", "rep"),
}
TARGET_KEYS = ("id", "target", "goal", "measured", "unit", "met")


def check_results(path):
    """Well-formed JSON with the expected keys; nothing about how fast. Returns a list of problems."""
    try:
        with open(path) as f:
            res = json.load(f)
    except (OSError, ValueError) as e:
        return ["%s: not readable JSON: %s" % (path, e)]
    problems = []
    if res.get("schema") != SCHEMA:
        problems.append("schema is %r, expected %r" % (res.get("schema"), SCHEMA))
    for where, keys in REQUIRED.items():
        objs = [res]
        for part in [p for p in where.split(".") if p]:
            nxt = []
            for o in objs:
                if part.endswith("[]"):
                    v = o.get(part[:-2]) if isinstance(o, dict) else None
                    if not isinstance(v, list) or not v:
                        problems.append("%s: missing or empty list" % where)
                    else:
                        nxt += v
                else:
                    v = o.get(part) if isinstance(o, dict) else None
                    if v is None:
                        problems.append("%s: missing" % where)
                    else:
                        nxt.append(v)
            objs = nxt
        for o in objs:
            if isinstance(o, dict) and "skipped" in o and where in ("umockdev", "vm"):
                continue
            for k in keys:
                if not isinstance(o, dict) or k not in o:
                    problems.append("%s: key %r missing" % (where or "top level", k))
    if not isinstance(res.get("targets"), list):
        problems.append("targets: not a list")
    for t in res.get("targets") or []:
        missing = [k for k in TARGET_KEYS if k not in t]
        if missing:
            problems.append("targets: entry %r lacks %s" % (t.get("id"), ", ".join(missing)))
    um = res.get("umockdev") or {}
    for t in um.get("trials", []):
        if "error" in t:
            problems.append("umockdev trial %s/%s failed: %s" % (t.get("program"), t.get("devices"), t["error"]))
        elif not t.get("end_state", {}).get("ok"):
            problems.append("umockdev trial %s/%s: end state differs from the expected one" %
                            (t.get("program"), t.get("devices")))
    return problems


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def main():
    p = argparse.ArgumentParser(description="the tdispd benchmark")
    p.add_argument("--build-dir", default=os.path.join(SRC, "build"))
    p.add_argument("--quick", action="store_true", help="fewer repetitions; one pair of boots of each kind")
    p.add_argument("--smoke", action="store_true", help="tiny run for the bench-smoke suite (no VM)")
    p.add_argument("--no-vm", action="store_true", help="leave out part 3")
    p.add_argument("--only", choices=("core", "umockdev", "vm"), action="append", help="run only these parts")
    p.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                   help="profile tdispd under callgrind at 1,000 devices (default: in the full run only)")
    p.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    p.add_argument("--check", action="store_true", help="check the JSON written (exit 1 on problems)")
    p.add_argument("--check-only", metavar="FILE")
    args = p.parse_args()

    if args.check_only:
        problems = check_results(args.check_only)
        for pr in problems:
            log("bench: " + pr)
        return 1 if problems else 0

    build = os.path.abspath(args.build_dir)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    parts = set(args.only or ("core", "umockdev", "vm"))
    if args.smoke or args.no_vm:
        parts.discard("vm")
    started = time.monotonic()
    res = {
        "schema": SCHEMA,
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": mode,
            "command": " ".join(sys.argv),
            "git_commit": git("rev-parse", "--short", "HEAD"),
            "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "host": {"cpu": cpu_model(), "cpus": os.cpu_count(), "kernel": platform.release()},
            "load_avg_start": loadavg(),
        },
        "core": None, "umockdev": None, "vm": None, "targets": [],
    }

    if "core" in parts:
        import core_bench
        try:
            res["core"] = core_bench.run(build, mode, log)
        except Exception as e:
            traceback.print_exc()
            res["core"] = {"error": str(e)}
    else:
        res["core"] = {"skipped": "not requested"}

    if "umockdev" in parts:
        import umockdev_bench
        sizes, reps, samples = {"smoke": ([16], 1, 5), "quick": ([100, 1000], 1, 30),
                                "full": ([100, 1000], 3, 100)}[mode]
        log("umockdev: %s PCI functions, %d repetition(s), %d latency samples each" % (sizes, reps, samples))
        try:
            trials = umockdev_bench.run(build, sizes, reps, samples, log)
            res["umockdev"] = {
                "method": {
                    "programs": {
                        "tdispd": "the daemon as built, 10-rule policy (8 fillers, the NIC rule, the shipped "
                                  "virtio-pci rule), log target console",
                        "floor": "bench-floor: autoprobe off, list devices, read driver link and modalias, only "
                                 "the writes that change something, no policy logic; listens to uevents first",
                        "baseline": "baseline/per-device.sh run per device by bench-floor --exec as udevd runs "
                                    "RUN+= programs (%d workers, udevd's default here); modprobe -R per device"
                                    % umockdev_bench.udev_children_max(),
                    },
                    "ready": "exec to READY=1 on the benchmark's NOTIFY_SOCKET (the baseline: all scripts done)",
                    "cpu": "tdispd: its CPU clock at READY=1; floor and baseline: own plus reaped children",
                    "latency": "fake kernel's stamp before sending a 'bind' uevent of a disallowed driver → "
                               "write-stamp.so's stamp on entry to the program's write() to that driver's "
                               "unbind file; one sample at a time, 20 ms apart",
                    "rss": "VmHWM and RssAnon from /proc after the latency samples, umockdev preload included",
                },
                "trials": trials,
                "summary": summarize_umockdev(trials),
            }
            if args.profile or (args.profile is None and mode == "full"):
                log("umockdev: tdispd under callgrind, 1,000 PCI functions (about a minute)")
                res["umockdev"]["profile"] = umockdev_bench.profile_tdispd(build, 1000, log)
        except Exception as e:
            traceback.print_exc()
            res["umockdev"] = {"error": str(e)}
    else:
        res["umockdev"] = {"skipped": "not requested"}

    if "vm" in parts:
        import vm_bench
        pairs, scaled_pairs = (1, 1) if mode == "quick" else (5, 2)
        functions = 120
        log("vm: %d standard pair(s) and %d pair(s) with %d more PCI functions (TCG boots, ~1 min a pair)" %
            (pairs, scaled_pairs, functions))
        try:
            vm = vm_bench.run(build, os.path.join(build, "bench", "vm-runs"), pairs, functions, log, scaled_pairs)
            vm["summary"] = summarize_vm(vm)
            res["vm"] = vm
        except Exception as e:
            traceback.print_exc()
            res["vm"] = {"error": str(e)}
    else:
        res["vm"] = {"skipped": "--no-vm" if (args.no_vm or args.smoke) else "not requested"}

    res["targets"] = evaluate_targets(res)
    res["meta"]["load_avg_end"] = loadavg()
    res["meta"]["duration_s"] = round(time.monotonic() - started, 1)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(res, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(args.out + ".tmp", args.out)
    text = table(res)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write("<!-- SPDX-License-Identifier: LGPL-2.1-or-later -->\n" + text + "\n")
    print(text)
    log("bench: wrote %s (%.0f s)" % (args.out, res["meta"]["duration_s"]))

    if args.check:
        problems = check_results(args.out)
        for pr in problems:
            log("bench: " + pr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
