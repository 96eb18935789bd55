#!/usr/bin/env python3
"""Checks that the host's C and C++ files match .clang-format (clang-format --dry-run -Werror).

Usage: check_format.py CLANG_FORMAT SOURCE_ROOT. Prints the files that do not match, with how
to fix them, and exits 1; exits 0 when all match. The guest's kernel and user programs
(guest/kernel, guest/user) keep xv6's own layout, which students compare with the lab handout:
their .clang-format files turn formatting off, and this check honours that like clang-format does.
"""
import pathlib
import subprocess
import sys

FOLDERS = ["emu", "mmu", "devices", "tests", "bench", "include", "examples", "guest", "fuzz"]
SUFFIXES = {".c", ".cc", ".cpp", ".h", ".hpp"}


def main(clang_format, root):
    files = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                files.append(path)
    bad = []
    for path in files:
        r = subprocess.run([clang_format, "--dry-run", "-Werror", str(path)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            bad.append(path.relative_to(root))
    for b in bad:
        print(f"{b}: does not match .clang-format (fix: clang-format -i {b})")
    print(f"{len(files)} files checked, {len(bad)} to reformat")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], pathlib.Path(sys.argv[2])))
