"""Every `xray86 run` command in README.md and docs/*.md's shell blocks runs and ends by itself
with a status that is not an error: not 2 (bad usage: the doc is out of date), 4 (a limit: the
run would not end), 6, 8, 10 or 12 (the guest failed), nor killed at the time limit. Commands on
images the repository does not build (IMAGE, ELF, MIT xv6's xv6.img, fs.img and kernel), the
SDL window (--view without --view-png) and the shell typed into by hand ("type commands" in the
comment) are listed as skipped. Runs happen in a scratch directory whose build/ is the real one,
so pictures a command writes (docs/*.png) land there, not in the source tree.
Usage: check_doc_commands.py SOURCE_DIR BUILD_DIR"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SOURCE, BUILD = sys.argv[1], sys.argv[2]
PLACEHOLDERS = {"IMAGE", "ELF", "xv6.img", "fs.img", "kernel"}
FAILING = {2: "bad usage", 4: "a limit", 6: "halted", 8: "triple fault", 10: "unsupported",
           12: "stuck"}


def commands(path):
    blocks = []
    current = None
    for line in open(path, encoding="utf-8"):
        stripped = line.strip()
        if stripped.startswith("```"):
            if current is None and stripped in ("```sh", "```bash"):
                current = []
            elif current is not None:
                blocks.append(current)
                current = None
            continue
        if current is not None:
            current.append(line.rstrip("\n"))
    for block in blocks:
        cwd, env, joined = "", {}, ""
        for line in block:
            joined += line
            if joined.endswith("\\"):
                joined = joined[:-1] + " "
                continue
            text, joined = joined.strip(), ""
            comment = text.split(" #", 1)[1] if " #" in text else ""
            if not text or text.startswith("#"):
                continue
            m = re.match(r"^([A-Z]+)=(.*)$", text)
            if m:
                env[m.group(1)] = " ".join(shlex.split(m.group(2)))
                continue
            if text.startswith("cd "):
                cwd = text[3:].strip()
                continue
            for name, value in env.items():
                text = text.replace("$" + name, value)
            if re.match(r"^(build/default/emu/xray86|\.\./emu/xray86) run\b", text):
                yield cwd, text, comment


def main():
    scratch = tempfile.mkdtemp(prefix="xray86-docs-")
    os.makedirs(os.path.join(scratch, "build"))
    os.symlink(BUILD, os.path.join(scratch, "build", "default"))
    os.makedirs(os.path.join(scratch, "docs"))
    ran, skipped, failures = 0, [], []
    files = [os.path.join(SOURCE, "README.md")]
    files += sorted(glob.glob(os.path.join(SOURCE, "docs", "*.md")))
    for path in files:
        name = os.path.relpath(path, SOURCE)
        for cwd, text, comment in commands(path):
            where = f"{name}: {text}"
            try:
                words = shlex.split(text, comments=True)
            except ValueError as e:
                failures.append(f"{where}: not a shell command: {e}")
                continue
            if PLACEHOLDERS & set(words) or ("--view" in words and "--view-png" not in words) \
                    or "type commands" in comment:
                skipped.append(where)
                continue
            try:
                p = subprocess.run(words, cwd=os.path.join(scratch, cwd), stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=120)
                status = p.returncode
            except subprocess.TimeoutExpired:
                status = None
            ran += 1
            if status is None or status in FAILING or status < 0:
                why = "did not end in 120 s" if status is None else \
                    f"status {status} ({FAILING.get(status, 'signal')}): " \
                    f"{p.stderr.decode()[-300:]!r}"
                failures.append(f"{where}: {why}")
            else:
                print(f"ok (status {status}) {where}")
    shutil.rmtree(scratch)
    for s in skipped:
        print(f"skipped {s}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{ran} commands run, {len(skipped)} skipped, {len(failures)} failed")
    sys.exit(1 if failures or ran == 0 else 0)


main()
