# SPDX-License-Identifier: LGPL-2.1-or-later
"""modules.py — builds a fixture modules directory: ROOT/lib/modules/KVER/ indexed by depmod -b.

Each loadable module of modules.list becomes a tiny relocatable ELF object (compiled with the C
compiler) whose .modinfo section carries name=, vermagic=, license=, alias= and depends= lines, as
modpost would write them. Each module exports one symbol (a __ksymtab_strings entry) and references
the symbols of the modules it depends on, so that depmod derives modules.dep from symbols exactly as
it does for real modules. Built-in modules go to modules.builtin and modules.builtin.modinfo. The
modprobe.d directory of the fixture is copied to ROOT/etc/modprobe.d.
"""

import os
import shutil
import subprocess
import tempfile

import fixture


def _c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def _symbol(module):
    return "%s_fixture_export" % module.replace("-", "_")


def module_source(mod, kver):
    modinfo = ["name=" + mod.name, "vermagic=%s SMP preempt mod_unload modversions " % kver, "license=GPL",
               "description=tdispd test fixture"]
    modinfo += ["alias=" + a for a in mod.aliases]
    modinfo.append("depends=" + ",".join(mod.depends))
    out = ["/* generated from tests/fixtures/modules/modules.list */",
           "#define IN_SECTION(s) __attribute__((used, section(s), aligned(1)))"]
    for i, line in enumerate(modinfo):
        out.append('static const char modinfo_%d[] IN_SECTION(".modinfo") = %s;' % (i, _c_string(line)))
    sym = _symbol(mod.name)
    out.append("char %s[4];" % sym)
    out.append('static const char ksymtab_strings[] IN_SECTION("__ksymtab_strings") = %s;' % _c_string(sym))
    for d in mod.depends:
        out.append("extern char %s[];" % _symbol(d))
    if mod.depends:
        refs = ", ".join(_symbol(d) for d in mod.depends)
        out.append("void *const deps[] __attribute__((used)) = { %s };" % refs)
    return "\n".join(out) + "\n"


def build(modules_list, modprobe_d, root, kver, cc="gcc", depmod="depmod"):
    modules = fixture.load_modules(modules_list)
    moddir = os.path.join(root, "lib", "modules", kver)
    kdir = os.path.join(moddir, "kernel", "drivers", "fixture")
    os.makedirs(kdir, exist_ok=True)

    loadable = [m for m in modules.values() if m.kind == "loadable"]
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for m in loadable:
            src = os.path.join(tmp, m.name + ".c")
            with open(src, "w") as f:
                f.write(module_source(m, kver))
            sources.append(src)
        if sources:
            subprocess.run([cc, "-c", "-O0", "-fno-common", "-fno-asynchronous-unwind-tables"] + sources,
                           cwd=tmp, check=True)
        for m in loadable:
            shutil.move(os.path.join(tmp, m.name + ".o"), os.path.join(kdir, m.name + ".ko"))

    builtin = [m for m in modules.values() if m.kind == "builtin"]
    with open(os.path.join(moddir, "modules.builtin"), "w") as f:
        for m in builtin:
            f.write("kernel/drivers/fixture/%s.ko\n" % m.name)
    with open(os.path.join(moddir, "modules.builtin.modinfo"), "wb") as f:
        for m in builtin:
            f.write(("%s.file=drivers/fixture/%s\0" % (m.name, m.name)).encode())
            for a in m.aliases:
                f.write(("%s.alias=%s\0" % (m.name, a)).encode())
    with open(os.path.join(moddir, "modules.order"), "w") as f:
        for m in loadable:
            f.write("kernel/drivers/fixture/%s.ko\n" % m.name)

    etc = os.path.join(root, "etc")
    os.makedirs(os.path.join(etc, "depmod.d"), exist_ok=True)
    if os.path.isdir(modprobe_d):
        shutil.copytree(modprobe_d, os.path.join(etc, "modprobe.d"), dirs_exist_ok=True)
    else:
        os.makedirs(os.path.join(etc, "modprobe.d"), exist_ok=True)

    # -C: only the fixture's (empty) depmod.d, never the host's /etc/depmod.d.
    subprocess.run([depmod, "-b", root, "-C", os.path.join(etc, "depmod.d"), kver], check=True)
    if not os.path.isfile(os.path.join(moddir, "modules.alias.bin")):
        raise RuntimeError("depmod wrote no modules.alias.bin in %s" % moddir)
    return moddir
