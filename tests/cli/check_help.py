"""Every option of `xray86 run --help` explains itself with an example (the trace issue asks for
it), except --help itself. Reads the help text on standard input."""
import sys

blocks, current = [], None
for line in sys.stdin.read().splitlines():
    if line.startswith("  -"):
        current = [line]
        blocks.append(current)
    elif current is not None and line.startswith("      "):
        current.append(line)
    else:
        current = None
assert len(blocks) >= 30, f"only {len(blocks)} options found"
missing = [b[0].split()[0] for b in blocks if "Example:" not in " ".join(b) and not b[0].strip().startswith("-h,")]
assert not missing, "options without an example: " + ", ".join(missing)
print(f"{len(blocks)} options, each with an example")
