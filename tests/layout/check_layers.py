#!/usr/bin/env python3
"""Checks that each folder includes only the layers below it (docs/architecture.md).

The rule that matters most: emu/trace sees a run only through the event types (emu/events) and
the MMU's probes, never through the CPU or the Machine, so that every front end can share it.
Prints each offending include as FILE:LINE: and exits 1; exits 0 when every include is allowed.
"""
import pathlib
import re
import sys

# folder -> the project include prefixes its files may use (besides their own folder).
ALLOWED = {
    "emu/events": ["mmu/"],
    "emu/cpu": ["emu/events/", "mmu/"],
    "emu/trace": ["emu/events/", "mmu/", "xray86/", "devices/clock.h"],
    "emu/machine": ["emu/cpu/", "emu/events/", "mmu/", "devices/"],
    "emu/run": ["emu/machine/", "emu/trace/", "emu/events/", "emu/cpu/", "mmu/", "devices/", "xray86/"],
    "emu/view": ["emu/run/", "emu/machine/", "emu/trace/", "emu/events/", "emu/cpu/", "mmu/",
                 "devices/", "xray86/"],
    "emu/gdb": ["emu/run/", "emu/view/model.h", "emu/machine/", "emu/trace/", "emu/events/", "emu/cpu/",
                "mmu/", "devices/", "xray86/"],
    "emu/api": ["emu/run/", "emu/machine/", "emu/trace/", "emu/events/", "emu/cpu/", "emu/cli/machine_cli.h",
                "mmu/", "devices/", "xray86/"],
    "mmu": [],
    "devices": [],
}
PROJECT = ("emu/", "mmu/", "devices/", "xray86/", "guest/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(root):
    bad = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".h", ".cpp", ".inc"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                m = INCLUDE.match(line)
                if not m or not m.group(1).startswith(PROJECT):
                    continue
                target = m.group(1)
                own = target.startswith(folder + "/")
                if not own and not any(target.startswith(a) for a in allowed):
                    bad.append(f"{path.relative_to(root)}:{number}: {folder}/ may not include {target}")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
