"""The commands and the numbers README.md and docs/*.md show are checked by running them, so none
can go stale.

1. Every `xray86 run` command in a shell block, and every one written inline in the prose (a code
   span that starts with `xray86 run`, `build/default/emu/xray86 run` or a variable a shell block
   of the same file set to such a command, like docs/lab.md's `$X`), runs and ends by itself with
   a status that is not an error: not 2 (bad usage: the doc is out of date), 4 (a limit: the run
   would not end), 6, 8, 10 or 12 (the guest failed), nor killed at the time limit. A pipeline
   runs its xray86 part. Skipped, and listed: commands on images the repository does not build
   (IMAGE, ELF, K, A, OPTIONS, MIT xv6's xv6.img, fs.img and kernel), the SDL window (--view without
   --view-png), the shell typed into by hand ("type commands" in the comment), QEMU, and an inline
   span that only names an option (it ends in an option that takes a value: `xray86 run
   --trace-filter`).
2. What the docs quote from a run is compared with a run. A comment
       <!-- checked: COMMAND -->        or        <!-- checked in DIR: COMMAND -->
   (one or more, one per line, invisible in the rendered page) names the run(s) the next block or
   paragraph quotes. In a block, every line but "..." must be a line the runs printed ("..."
   inside a line stands for any text). In a paragraph, each quote must be found in their output:
   a code span with a digit and two words (`free pages: 15990 (63960 KB)`, "..." again any text),
   "N instructions" and "N cycles" (commas in N are the docs'), and "X.Y million instructions"
   (the count rounded).
Runs happen in a scratch directory whose build/ is the real one, so pictures a command writes
(docs/*.png) land there, not in the source tree. Usage: check_doc_commands.py SOURCE_DIR BUILD_DIR
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SOURCE, BUILD = sys.argv[1], sys.argv[2]
PLACEHOLDERS = {"IMAGE", "ELF", "K", "A", "OPTIONS", "xv6.img", "fs.img", "kernel"}
FAILING = {2: "bad usage", 4: "a limit", 6: "halted", 8: "triple fault", 10: "unsupported",
           12: "stuck"}
XRAY86 = re.compile(r"^(build/default/emu/xray86|\.\./emu/xray86|xray86) run\b")


class Doc:
    """One Markdown file read once: its shell-block commands, inline commands and checked
    quotes, each with the directory it runs in and the variables its shell blocks set."""

    def __init__(self, path):
        self.name = os.path.relpath(path, SOURCE)
        self.commands = []  # (cwd, text, comment, inline)
        self.checks = []    # (line number, [(cwd, command)], kind "block"/"prose", [quotes])
        self.env, self.cwd = {}, ""
        lines = open(path, encoding="utf-8").read().split("\n")
        i = 0
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith("```"):
                end = i + 1
                while end < len(lines) and not lines[end].strip().startswith("```"):
                    end += 1
                if stripped in ("```sh", "```bash"):
                    self.shell_block(lines[i + 1:end])
                i = end + 1
                continue
            if stripped.startswith("<!-- checked"):
                i = self.checked(lines, i)
                continue
            self.inline(lines[i])
            i += 1

    def expand(self, text):
        for name, value in self.env.items():
            text = re.sub(r"\$" + name + r"\b", lambda _: value, text)
        return text

    def shell_block(self, block):
        self.cwd = ""
        joined = ""
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
                self.env[m.group(1)] = " ".join(shlex.split(m.group(2)))
                continue
            if text.startswith("cd "):
                self.cwd = text[3:].strip()
                continue
            text = self.expand(text)
            if XRAY86.match(text):
                self.commands.append((self.cwd, text, comment, False))

    def inline(self, line):
        for span in re.findall(r"`([^`]+)`", line):
            text = self.expand(span.strip()).split(" | ")[0].strip()
            uses_variable = span.strip().startswith("$")
            if text.startswith("qemu-system"):
                self.commands.append((self.cwd, text, "", True))
                continue
            if not XRAY86.match(text):
                continue
            if text.startswith("xray86 "):
                text = "build/default/emu/" + text
            # A variable of this file's shell blocks runs where they ran it; a literal command
            # from the repository's top.
            self.commands.append((self.cwd if uses_variable else "", text, "", True))

    def checked(self, lines, i):
        runs = []
        while i < len(lines) and lines[i].strip().startswith("<!-- checked"):
            m = re.match(r"^<!-- checked(?: in (\S+))?: (.*) -->$", lines[i].strip())
            if not m:
                raise SystemExit(f"{self.name}:{i + 1}: expected "
                                 "<!-- checked[ in DIR]: COMMAND -->")
            runs.append((m.group(1) or "", self.expand(m.group(2))))
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        start = i
        if i < len(lines) and lines[i].strip().startswith("```"):
            i += 1
            body = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            quotes = [l for l in body if l.strip() and l.strip() != "..."]
            self.checks.append((start + 1, runs, "block", quotes))
            return i + 1
        paragraph = []
        while i < len(lines) and lines[i].strip():
            paragraph.append(lines[i])
            i += 1
        self.checks.append((start + 1, runs, "prose", prose_quotes(" ".join(paragraph))))
        return i


def prose_quotes(text):
    quotes = []
    for span in re.findall(r"`([^`]+)`", text):
        words = re.findall(r"[A-Za-z]{3,}", span)
        if re.search(r"\d", span) and len(words) >= 2 and not re.match(r"^(\$|-|xray86)", span):
            quotes.append(span)
    for number, word in re.findall(r"(\d{1,3}(?:,\d{3})+|\d+) (instructions|cycles)\b", text):
        quotes.append(("count", int(number.replace(",", "")), word))
    for number in re.findall(r"(\d+\.\d) million instructions", text):
        quotes.append(("million", number))
    return quotes


def pattern(quote, whole_line):
    parts = [re.escape(p.strip()) for p in re.split(r"\.\.\.", quote)]
    body = ".*".join(p for p in parts if p)
    return re.compile((r"^\s*" + body + r"\s*$") if whole_line else body, re.MULTILINE)


def value_options(scratch):
    """The options of `xray86 run` that take a value, from its own --help."""
    p = subprocess.run([os.path.join(BUILD, "emu", "xray86"), "run", "--help"],
                       capture_output=True, text=True, cwd=scratch)
    takes = set()
    for line in p.stdout.splitlines():
        # "  -n,--max-instructions,--max-insns UINT:..." takes a value; "  --quiet    No ..." not:
        # CLI11 puts the value's type one space after the names, the help two or more.
        m = re.match(r"^\s+(-\S+)(?: ([A-Z]\S*))?(?:\s|$)", line)
        if m and m.group(2):
            takes.update(re.findall(r"-{1,2}[\w-]+", m.group(1)))
    return takes


def main():
    scratch = tempfile.mkdtemp(prefix="xray86-docs-")
    os.makedirs(os.path.join(scratch, "build"))
    os.symlink(BUILD, os.path.join(scratch, "build", "default"))
    os.makedirs(os.path.join(scratch, "docs"))
    takes_value = value_options(scratch)
    if "--trace-filter" not in takes_value or "--demo" in takes_value:
        raise SystemExit(f"cannot read the options of xray86 run --help: {sorted(takes_value)}")
    ran, skipped, failures, checked = 0, [], [], 0
    outputs = {}  # (cwd, command) -> (status, output): each distinct run once

    def run(cwd, text):
        key = (cwd, text)
        if key not in outputs:
            words = shlex.split(text, comments=True)
            try:
                p = subprocess.run(words, cwd=os.path.join(scratch, cwd),
                                   stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
                out = (p.stdout + p.stderr).decode(errors="replace").replace("\r", "")
                outputs[key] = (p.returncode, out)
            except subprocess.TimeoutExpired:
                outputs[key] = (None, "")
        return outputs[key]

    files = [os.path.join(SOURCE, "README.md")]
    files += sorted(glob.glob(os.path.join(SOURCE, "docs", "*.md")))
    for path in files:
        doc = Doc(path)
        seen = set()
        for cwd, text, comment, inline in doc.commands:
            where = f"{doc.name}: {text}" + (" (inline)" if inline else "")
            if (cwd, text) in seen:
                continue
            seen.add((cwd, text))
            try:
                words = shlex.split(text, comments=True)
            except ValueError as e:
                failures.append(f"{where}: not a shell command: {e}")
                continue
            if PLACEHOLDERS & set(words) or ("--view" in words and "--view-png" not in words) \
                    or "type commands" in comment or words[0].startswith("qemu") \
                    or (inline and words[-1] in takes_value):
                skipped.append(where)
                continue
            status, out = run(cwd, text)
            ran += 1
            if status is None or status in FAILING or status < 0:
                why = "did not end in 120 s" if status is None else \
                    f"status {status} ({FAILING.get(status, 'signal')}): {out[-300:]!r}"
                failures.append(f"{where}: {why}")
            else:
                print(f"ok (status {status}) {where}")
        for line, runs, kind, quotes in doc.checks:
            where = f"{doc.name}:{line}"
            if not quotes:
                failures.append(f"{where}: a checked {kind} that quotes nothing")
                continue
            out = ""
            for cwd, text in runs:
                status, o = run(cwd, text)
                if status is None or status in FAILING:
                    failures.append(f"{where}: {text}: status {status}")
                out += o
            counts = {w: [int(n) for n in re.findall(r"\b(\d+) " + w + r"\b", out)]
                      for w in ("instructions", "cycles")}
            for q in quotes:
                checked += 1
                if isinstance(q, str):
                    ok = pattern(q, kind == "block").search(out) is not None
                    what = repr(q)
                elif q[0] == "count":
                    ok = q[1] in counts[q[2]]
                    what = f"{q[1]:,} {q[2]} (the runs print {counts[q[2]]})"
                else:
                    ok = any(f"{n / 1e6:.1f}" == q[1] for n in counts["instructions"])
                    what = f"{q[1]} million instructions (the runs print {counts['instructions']})"
                if ok:
                    print(f"ok {where}: {what}")
                else:
                    failures.append(f"{where}: {what} is not what "
                                    f"{' / '.join(t for _, t in runs)} prints")
    shutil.rmtree(scratch)
    for s in skipped:
        print(f"skipped {s}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{ran} commands run, {len(skipped)} skipped, {checked} quotes checked, "
          f"{len(failures)} failed")
    sys.exit(1 if failures or ran == 0 or checked == 0 else 0)


main()
