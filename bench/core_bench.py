# SPDX-License-Identifier: LGPL-2.1-or-later
"""core_bench.py — part 1: the pure core, driven by bench-core (bench-core.c).

Runs bench-core over the machine sizes and rule counts, then counts instructions with callgrind for
the sizes where that is cheap: the same passes, one each, noise-free. The timed figures are CPU time
of the benchmark thread (CLOCK_THREAD_CPUTIME_ID), medians over repetitions with min and max.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run_bench_core(binary, devices, rules, reps, quick, mix="mixed"):
    argv = [binary, "--devices=" + ",".join(map(str, devices)), "--rules=" + ",".join(map(str, rules)),
            "--reps=%d" % reps, "--mix=" + mix]
    if quick:
        argv.append("--quick")
    out = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _annotate(path, inclusive):
    """The function table of callgrind_annotate: [(instructions, function, object)], largest first."""
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", "--inclusive=" + ("yes" if inclusive else "no"), path],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    rows = []
    in_table = False
    for line in out.splitlines():
        if line.rstrip().endswith("file:function"):
            in_table = True
            continue
        if not in_table or line.startswith("---"):
            continue
        if not line.strip():
            if rows:
                break
            continue
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)(?: \[(.*)\])?$", line)
        if not m:
            continue
        where = m.group(2)
        fn = where.rsplit(":", 1)[1] if ":" in where else where
        rows.append((int(m.group(1).replace(",", "")), fn, os.path.basename(m.group(3) or "")))
    return rows


def _total(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return None


def callgrind(binary, devices, rules, workdir, profile=False):
    """Instructions per device of one coldplug pass and one decide pass; with profile, the functions
    where the coldplug pass spends its instructions (exclusive counts)."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return {"skipped": "valgrind is not installed"}
    out = os.path.join(workdir, "callgrind.%d.%d" % (devices, rules))
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, binary,
                    "--devices=%d" % devices, "--rules=%d" % rules, "--once"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incl = {}
    for ir, fn, _ in _annotate(out, True):
        if fn in ("bench_coldplug_pass", "bench_decide_pass") and fn not in incl:
            incl[fn] = ir
    result = {
        "devices": devices,
        "rules": rules,
        "coldplug_instructions_per_device": incl.get("bench_coldplug_pass", 0) / devices,
        "decide_instructions_per_device": incl.get("bench_decide_pass", 0) / devices,
    }
    if profile:
        prof = out + ".coldplug"
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + prof,
                        "--toggle-collect=bench_coldplug_pass", binary,
                        "--devices=%d" % devices, "--rules=%d" % rules, "--once"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = _annotate(prof, False)
        total = _total(prof) or 1
        result["profile"] = [{"function": fn, "object": obj, "instructions_per_device": round(ir / devices, 1),
                              "share": round(ir / total, 4)} for ir, fn, obj in rows[:12]]
        incl_rows = _annotate(prof, True)
        wanted = ("policy_decide", "device_info_from_properties", "registry_sort_coldplug",
                  "registry_add_prepared", "device_dispatch", "registry_new", "outcome_done", "process")
        seen = {}
        for ir, fn, _ in incl_rows:
            if fn in wanted and fn not in seen:
                seen[fn] = round(ir / devices, 1)
        result["inclusive_instructions_per_device"] = seen
    return result


def run(build, mode, log):
    binary = os.path.join(build, "bench", "bench-core")
    if not os.path.exists(binary):
        raise SystemExit("bench: %s is missing; build first" % binary)
    if mode == "smoke":
        devices, rules, reps, quick = [10, 100], [2, 10], 1, True
        cg = [(100, 10, True)]
    elif mode == "quick":
        devices, rules, reps, quick = [10, 1000, 10000, 100000], [10, 100], 3, True
        cg = [(1000, 100, True), (10000, 100, False)]
    else:
        devices, rules, reps, quick = [10, 1000, 10000, 100000], [10, 100], 5, False
        cg = [(1000, 10, False), (1000, 100, True), (10000, 10, False), (10000, 100, False)]

    log("core: bench-core --devices %s --rules %s (%d repetitions)" % (devices, rules, reps))
    runs = run_bench_core(binary, devices, rules, reps, quick)
    for r in runs:
        log("  %6d devices %3d rules: coldplug %.0f ns/device, decide %.0f ns/device, %.0f B/device" % (
            r["devices"], r["rules"], r["coldplug_ns_per_device"]["median"], r["decide_ns_per_device"]["median"],
            r["heap_bytes_per_device"]))
    # Where the rule walk's time goes: the same 100-rule policy with only id matches, or only globs.
    mixes = []
    if mode != "smoke":
        for mix in ("ids", "globs"):
            mixes += run_bench_core(binary, [1000], [100], reps, quick, mix)

    workdir = tempfile.mkdtemp(prefix="tdb-cg-", dir="/tmp")
    counts = []
    try:
        for n, r, prof in cg:
            log("core: callgrind, %d devices, %d rules" % (n, r))
            try:
                counts.append(callgrind(binary, n, r, workdir, profile=prof))
            except subprocess.CalledProcessError as e:
                # e.g. a sanitizer build, which valgrind cannot run
                counts.append({"devices": n, "rules": r, "skipped": "callgrind failed: %s" % e})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    return {
        "method": {
            "time": "CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID) per device; median of the "
                    "repetitions, each repetition enough passes to last >= 20 ms",
            "memory": "glibc mallinfo2().uordblks delta per tracked device, between an empty and a full "
                      "registry (allocated chunk bytes, headers included); VmRSS delta beside it",
            "instructions": "callgrind Ir, inclusive, of one coldplug pass and one decide pass, per device",
            "machine": "groups of 8 PCI functions: a root port bound to built-in pcieport, then an allowed "
                       "NIC (bind), a NIC bound to a refused driver (unbind + pin), an unknown device (pin), "
                       "a virtio function bound to a trusted driver (keep)",
            "policy": "R rules: R-2 fillers that match nothing (60% Vendor=+Device=, 10% each Class=, "
                      "Bus=+Vendor=, Modalias= glob, Path= glob), then the NIC rule and the shipped "
                      "virtio-pci rule, so every device walks every rule",
        },
        "runs": runs,
        "rule_mix": mixes,
        "callgrind": counts,
    }
