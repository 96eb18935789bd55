"""`xray86 run` as a student or a TA runs it: each case gives the command line, the exit status
it must end with and what standard output and standard error must hold, with the reason for
each number. Usage: run_cases.py XRAY86 BOOT_IMAGES GROUP [GUEST_KERNEL GUEST_ARCHIVE
SOURCE_DIR] (one ctest per group)."""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

XRAY86, BOOT, GROUP = sys.argv[1], sys.argv[2], sys.argv[3]
GUEST_KERNEL = sys.argv[4] if len(sys.argv) > 4 else ""
GUEST_ARCHIVE = sys.argv[5] if len(sys.argv) > 5 else ""
SOURCE = sys.argv[6] if len(sys.argv) > 6 else ""
GRADING_ARCHIVE = sys.argv[7] if len(sys.argv) > 7 else ""
failures = []


def run(args, stdin=b"", timeout=120):
    p = subprocess.run([XRAY86, "run", *args], input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, args, status, stdout=None, stdout_end=None, stderr_has=(), stdin=b""):
    got, out, err = run(args, stdin)
    problems = []
    if got != status:
        problems.append(f"status {got}, expected {status}")
    if stdout is not None and out != stdout:
        problems.append(f"stdout {out!r}, expected {stdout!r}")
    if stdout_end is not None and not out.endswith(stdout_end):
        problems.append(f"stdout ends {out[-80:]!r}, expected ...{stdout_end!r}")
    for text in stderr_has:
        if text not in err:
            problems.append(f"stderr lacks {text!r}: {err[-400:]!r}")
    if problems:
        failures.append(f"{name}: " + "; ".join(problems))
    else:
        print(f"ok {name}")


def boot(name):
    return os.path.join(BOOT, name)


def stops():
    # serial_poll.S prints "> ", echoes a line and prints "> " again; with one line of the two
    # it waits (it polls the line status register), which ends the run with status 0.
    check("idle_polling_guest", ["--kernel", boot("serial_poll.elf"), "--input", "ab\\n",
                                 "--exit-when-idle", "--quiet"], 0, stdout="> ab\n> ")
    # serial_irq_loop.S waits in a ring-3 loop with the receive interrupt on and no timer: no
    # event at all, so the run sees it between pieces (a quarter of --stuck-after).
    check("idle_interrupt_guest", ["--kernel", boot("serial_irq_loop.elf"), "--input", "ab\\n",
                                   "--exit-when-idle", "--quiet"], 0, stdout="> ab\n> ")
    # The built-in shell after one command: `free` prints the free pages, then the prompt.
    check("idle_builtin_shell", ["--input", "free\\n", "--exit-when-idle"], 0,
          stdout_end="$ free\nfree pages: 15981 (63924 KB)\n$ ",
          stderr_has=["xray86: the guest waits for input and --input is used up"])
    # busy_irqs_off.S spins 10 s of guest time with interrupts off after the line, then prints
    # "done" 0.1 s later, as MIT xv6's wait() freeing a 100 MB child under a lock in usertests:
    # busy, not waiting, so the run ends only after "done\n> " (at 11.1 s + the quiet second).
    check("idle_not_while_busy", ["--kernel", boot("busy_irqs_off.elf"), "--input", "x\\n",
                                  "--exit-when-idle", "--quiet"], 0, stdout="> x\ndone\n> ")
    # Without --exit-when-idle, a guest that waits for input the used-up script will never give
    # ends the run after --stuck-after seconds of that waiting (status 12), as MIT xv6 does when
    # its processes deadlock (docs/smp.md): all asleep, nothing prints, --until never comes.
    # serial_poll.S waits from its second prompt on (1 s, seen at a piece's end: 1.25 s).
    check("waiting_polling_guest", ["--kernel", boot("serial_poll.elf"), "--input", "ab\\n",
                                    "--stuck-after", "1", "--quiet"], 12, stdout="> ab\n> ",
          stderr_has=["xray86: the guest has waited for input for 1 s of guest time and --input "
                      "is used up: nothing runs (a deadlock, or a command waiting for more "
                      "input); its last line: > ab;"])
    # The built-in shell after `free`; 3 s, because its boot (filling 64 MB of free pages) spends
    # over 2 s with interrupts off, which a shorter --stuck-after takes for a panic's spin.
    check("waiting_builtin_shell", ["--input", "free\\n", "--until", "console:never printed",
                                    "--stuck-after", "3"], 12,
          stdout_end="$ free\nfree pages: 15981 (63924 KB)\n$ ",
          stderr_has=["xray86: the guest has waited for input for 3 s of guest time",
                      "its last line: free pages: 15981 (63924 KB);"])
    # --stuck-after 0 turns the waiting test off with the stuck one: the run goes on to its limit.
    check("waiting_off", ["--kernel", boot("serial_poll.elf"), "--input", "ab\\n",
                          "--stuck-after", "0", "--max-insns", "50000000", "--quiet"], 4,
          stdout="> ab\n> ", stderr_has=["xray86 run summary"])
    check("idle_needs_a_script", ["--kernel", boot("serial_poll.elf"), "--exit-when-idle"], 2,
          stderr_has=["--exit-when-idle needs a script to use up: --input or --input-file"])
    # --until console:TEXT stops right after the text, before cowtest's newline.
    check("until_console", ["--until", "console:all 11 checks ok", "--quiet"], 0,
          stdout_end="ok all-frames: free pages at start 15980, at end 15980\n"
                     "cowtest: all 11 checks ok")
    # boot_hello.S prints "Hello from INT 10h\r\n" and exits: 100 instructions stop it first.
    check("until_insn", ["--disk", boot("boot_hello.img"), "--until", "insn:100"], 0,
          stderr_has=["xray86: reached --until insn:100; 100 instructions"])
    check("until_bad", ["--until", "pf:0"], 2, stderr_has=["xray86: --until pf:0: expected exit"])
    check("until_unknown_symbol", ["--until", "symbol:nosuchfunction"], 2,
          stderr_has=["xray86: --until symbol:nosuchfunction: no symbol nosuchfunction"])
    # Every form of --until on the command line ends the run with status 0 and says which was
    # reached: the demo's first resolved page fault (cowtest's first fork), the kernel's fork
    # entered and returned from, a cycle count, and an event: the first page fault the kernel
    # takes itself (CPL 0: cowtest's kernel-write check, docs/lab.md).
    for cond in ("pf:1", "symbol:fork", "ret:fork", "cycle:5000000", "event:kind=pf and cpl=0"):
        check(f"until_{cond.split(':')[0]}", ["--until", cond], 0,
              stderr_has=[f"xray86: reached --until {cond}; "])
    # After the last line of a script: the prompt that follows `free`'s output.
    check("until_prompt_after_script", ["--input", "free\\n", "--until",
                                        "console:KB)\n$ ", "--quiet"], 0,
          stdout_end="$ free\nfree pages: 15981 (63924 KB)\n$ ")
    # A guest that halts with interrupts off (a boot sector of CLI, HLT) ends by itself: status 6
    # (docs/platform.md, "Exit status"), with the reason and the summary of a failed run.
    sector = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"xray86-cli-hlt-{os.getpid()}.img")
    with open(sector, "wb") as f:
        f.write(b"\xfa\xf4" + bytes(508) + b"\x55\xaa")
    check("halted_guest", ["--disk", sector], 6,
          stderr_has=["xray86: guest halted with interrupts disabled; ", "xray86 run summary"])
    os.unlink(sector)
    # An opcode the CPU lacks (MOVAPS, 0F 28 C1: SSE) raises #UD as on hardware; this sector's
    # IVT entry 6 points at CLI; HLT (offset 20h), so the run ends halted (status 6). With
    # --stop-on-unsupported the run stops at the opcode instead: status 10, the opcode named.
    #   xor ax,ax; mov ds,ax; mov word [18h],7C20h; mov word [1Ah],0; movaps xmm0,xmm1; jmp $
    code = (b"\x31\xc0\x8e\xd8\xc7\x06\x18\x00\x20\x7c\xc7\x06\x1a\x00\x00\x00"
            b"\x0f\x28\xc1\xeb\xfe")
    code += bytes(0x20 - len(code)) + b"\xfa\xf4"
    with open(sector, "wb") as f:
        f.write(code + bytes(510 - len(code)) + b"\x55\xaa")
    check("unsupported_raises_ud", ["--disk", sector], 6,
          stderr_has=["xray86: guest halted with interrupts disabled; "])
    check("stop_on_unsupported", ["--disk", sector, "--stop-on-unsupported"], 10,
          stderr_has=["unsupported instruction: MMX/SSE opcode 0F 28"])
    os.unlink(sector)
    # --max-insns stays a limit: status 4, and the summary as for every failing run.
    check("max_insns_is_a_limit", ["--disk", boot("boot_hello.img"), "--max-insns", "100"], 4,
          stderr_has=["xray86 run summary"])
    # panic_spin.S prints "panic: test" and spins with interrupts off: after one second of guest
    # time (33 million cycles, counted from a piece's end, so at most 1.25 s) status 12.
    check("stuck_guest", ["--kernel", boot("panic_spin.elf"), "--stuck-after", "1"], 12,
          stdout="panic: test\n",
          stderr_has=["xray86: the guest spins with interrupts off, no I/O and no interrupt; "
                      "its last line: panic: test;"])


def signals():
    # serial_poll.S with one line of two waits for ever, polling the UART: a run to stop by
    # signal. Its port accesses are traced to a file; the signal ends the run at the next look
    # with the trace complete: the Perfetto file is one JSON document, the JSON lines file
    # parses line by line, and the summary is printed although --stats was not given.
    for sig, status, name in ((signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")):
        for fmt in ("perfetto", "jsonl"):
            path = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                f"xray86-signal-{os.getpid()}.{fmt}")
            p = subprocess.Popen([XRAY86, "run", "--kernel", boot("serial_poll.elf"), "--input",
                                  "ab\\n", "--trace", "io", "--trace-format", fmt,
                                  "--trace-out", path], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            time.sleep(1.0)
            p.send_signal(sig)
            out, err = p.communicate(timeout=60)
            err = err.decode()
            problems = []
            if p.returncode != status:
                problems.append(f"status {p.returncode}, expected {status}")
            if f"xray86: interrupted by {name};" not in err or "xray86 run summary" not in err:
                problems.append(f"stderr {err[-300:]!r}")
            text = open(path).read()
            os.unlink(path)
            try:
                if fmt == "perfetto":
                    events = json.loads(text)["traceEvents"]
                else:
                    events = [json.loads(line) for line in text.splitlines()]
                if len(events) < 100:
                    problems.append(f"only {len(events)} events")
            except (ValueError, KeyError) as e:
                problems.append(f"{fmt} file does not parse: {e}; ends {text[-80:]!r}")
            if problems:
                failures.append(f"{name}_{fmt}: " + "; ".join(problems))
            else:
                print(f"ok {name}_{fmt}: {len(events)} events")


def stdout():
    # A machine-readable trace on standard output: the console goes to standard error, and every
    # line of standard output is JSON. The demo's cowtest takes 16 + 5 + 1 COW faults and more.
    got, out, err = run(["--trace", "pf", "--trace-format", "jsonl", "--quiet"])
    lines = out.splitlines()
    try:
        kinds = {json.loads(line)["kind"] for line in lines}
    except ValueError as e:
        kinds = None
        failures.append(f"jsonl_on_stdout: a line is not JSON: {e}")
    if kinds is not None:
        if got != 0 or kinds != {"pf", "resolve"} or "cowtest: all 11 checks ok\n" not in err:
            failures.append(f"jsonl_on_stdout: status {got}, kinds {kinds}, stderr {err[:200]!r}")
        else:
            print(f"ok jsonl_on_stdout: {len(lines)} records")
    got, out, err = run(["--trace", "pf", "--trace-format", "perfetto", "--quiet"])
    try:
        n = len(json.loads(out)["traceEvents"])
        ok = got == 0 and "forkstorm: 8 rounds" in err
        (print(f"ok perfetto_on_stdout: {n} events") if ok else
         failures.append(f"perfetto_on_stdout: status {got}, stderr {err[:200]!r}"))
    except ValueError as e:
        failures.append(f"perfetto_on_stdout: not JSON: {e}")
    # A text trace of port accesses on standard output: serial_poll.S sends its console a byte
    # per OUT, each one traced, and the console lines still come out whole, each after the
    # records of its bytes: "> ab" and "> cde" (status (7 << 1) | 1 = 15, the bytes it read).
    got, out, err = run(["--kernel", boot("serial_poll.elf"), "--input", "ab\\ncde\\n",
                         "--trace", "io", "--quiet"])
    lines = out.splitlines()
    console = [l for l in lines if l.startswith(">")]
    records = sum(1 for l in lines if " io " in l)
    if got != 15 or console != ["> ab", "> cde"] or records < 100:
        failures.append(f"text_trace_console_lines: status {got}, console {console}, "
                        f"records {records}")
    else:
        print(f"ok text_trace_console_lines: {records} io records")


def progress():
    # The progress line needs standard error to be a terminal: a pseudo-terminal here. forkstorm
    # 1000 64 (1000 forks, 64 COW faults each) runs over a second of host time, and the line is
    # drawn every quarter second, so it appears; in a pipe, or with --quiet, never.
    def stderr_on_terminal(args):
        master, slave = pty.openpty()
        p = subprocess.Popen([XRAY86, "run", *args], stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        p.wait(timeout=120)
        os.close(master)
        return p.returncode, data.decode(errors="replace")
    status, err = stderr_on_terminal(["--input", "forkstorm 1000 64\\nexit\\n"])
    if status != 0 or "\r\x1b[Kxray86: guest " not in err or " MIPS, " not in err:
        failures.append(f"progress_on_terminal: status {status}, stderr {err[-300:]!r}")
    else:
        print("ok progress_on_terminal")
    status, err = stderr_on_terminal(["--input", "forkstorm 100 4\\nexit\\n", "--quiet"])
    if status != 0 or err != "":
        failures.append(f"progress_quiet: status {status}, stderr {err[-300:]!r}")
    else:
        print("ok progress_quiet")
    got, out, err = run(["--input", "forkstorm 100 4\\nexit\\n"])
    if got != 0 or "MIPS" in err:
        failures.append(f"progress_in_pipe: status {got}, stderr {err[-300:]!r}")
    else:
        print("ok progress_in_pipe")


def errors():
    # QEMU's options, typed from habit, get the xray86 form and status 2 before anything runs.
    qemu = {
        "-kernel k": "-kernel is QEMU's: use --kernel FILE",
        "-append run=cowtest": "-append is QEMU's: use --cmdline TEXT",
        "-initrd fs.img": "-initrd is QEMU's: use --module FILE",
        "-hda xv6.img": "-hda is QEMU's: use --disk FILE",
        "-gdb tcp::1234": "-gdb is QEMU's: use --gdb PORT (-gdb tcp::1234 is --gdb 1234)",
        "-d int": "-d is QEMU's: use --trace LIST (-d int is --trace exc,int; page faults alone: "
                  "--trace pf)",
        "-m 64": "-m is QEMU's: use --mem MB",
        "-nographic": "-nographic is QEMU's: not needed: the console is on standard output, and "
                      "no window opens unless --view",
        "-smp 2": "-smp is QEMU's: use --smp N (-smp 2 is --smp 2; docs/smp.md)",
    }
    for args, answer in qemu.items():
        check("qemu" + args.split()[0], ["--kernel", boot("mb_kernel.elf"), *args.split()], 2,
              stdout="", stderr_has=[f"xray86: error: {answer}\n"])
    # Typos: the nearest option by edit distance.
    for typo, meant in (("--trace-filer", "--trace-filter"), ("--max-insn", "--max-insns"),
                        ("-trace", "--trace"), ("--exit-when-iddle", "--exit-when-idle")):
        check("typo" + typo, [typo, "x"], 2,
              stderr_has=[f"xray86: error: unknown option {typo}; did you mean {meant}?\n"])
    # A filter that keeps only kinds not traced: a warning, and the run goes on (status 0).
    check("filter_excludes_trace", ["--trace", "pf", "--trace-filter", "kind=tlb", "--quiet"], 0,
          stderr_has=["xray86: warning: --trace-filter 'kind=tlb' keeps no kind that --trace pf "
                      "traces: the trace will be empty\n"])
    # A filter no event matches: no page fault of the demo is at CR2 0x1 (the lowest address,
    # text-readonly's write to its code, is 0x100), so the trace is empty, and a warning says so.
    check("filter_matches_nothing", ["--trace", "pf", "--trace-filter", "cr2 = 0x1", "--quiet"],
          0, stderr_has=["xray86: warning: --trace-filter 'cr2 = 0x1' matched no event of this "
                         "run\n"])
    # --view-at a function the run never calls: the picture is of the end, and a warning says so.
    png = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"xray86-view-{os.getpid()}.png")
    check("view_at_unreached", ["--input", "exit\\n", "--view-png", png, "--view-at",
                                "symbol:copyuvm", "--quiet"], 0,
          stderr_has=["xray86: warning: --view-at symbol:copyuvm was never reached ("])
    if os.path.exists(png):
        os.unlink(png)
    # The guest kernel booted without its archive names xray86's option; it powers off with
    # panic's status 0x7e, which xray86 returns as (0x7e << 1) | 1 = 253.
    check("guest_names_our_option", ["--kernel", GUEST_KERNEL], 253,
          stdout_end="panic: no initial archive (xray86: give --module)\n")


def status():
    # The line at the end states the guest's exit value and the status it became: boot_hello.S
    # writes 0x21 to the exit port, (0x21 << 1) | 1 = 67 as QEMU gives it (docs/platform.md,
    # "Exit status", first row).
    check("exit_value_image", ["--disk", boot("boot_hello.img")], 67,
          stderr_has=["xray86: guest wrote to the exit port 0xF4; guest exit value 33, exit "
                      "status 67; "])
    # One convention for every boot path: the teaching kernel powers off by ACPI for status 0
    # (docs/platform.md: status 0, "the guest powered off by ACPI") and writes any other status
    # v to port 0xF4 (status (v << 1) | 1). The same programs, built in and under --kernel with
    # the archive as a module, end with the same statuses:
    # - cowtest passes and exits 0: status 0;
    # - fork=eager fails 5 of cowtest's checks (docs/lab.md), cowtest exits 1: (1 << 1) | 1 = 3;
    # - mem=4 is under the kernel's 8 MB minimum: panic, poweroff(0x7e): (0x7e << 1) | 1 = 253;
    # - the shell's `exit 3` (run=sh, the built-in default): (3 << 1) | 1 = 7.
    powered_off = "xray86: guest powered off (ACPI, port 0x604); exit status 0; "
    cases = (("passes", ["--cmdline", "run=cowtest"], 0, "cowtest: all 11 checks ok\nrun: exit 0\n",
              powered_off),
             ("fails", ["--cmdline", "fork=eager run=cowtest"], 3,
              "cowtest: 5 of 10 checks FAILED\nrun: exit 1\n",
              "xray86: guest wrote to the exit port 0xF4; guest exit value 1, exit status 3; "),
             ("panics", ["--cmdline", "mem=4"], 253, "panic: less than 8 MB of memory\n",
              "guest exit value 126, exit status 253; "),
             ("shell_exit_3", ["--cmdline", "run=sh", "--input", "exit 3\\n"], 7,
              "run: exit 3\n", "guest exit value 3, exit status 7; "))
    for name, args, code, out, err in cases:
        check(f"builtin_{name}", args, code, stdout_end=out, stderr_has=[err])
        check(f"kernel_{name}", ["--kernel", GUEST_KERNEL, "--module", GUEST_ARCHIVE, *args],
              code, stdout_end=out, stderr_has=[err])
    # The demo of `xray86 run` with no options ends with its shell's `exit`: status 0.
    check("demo", [], 0, stdout_end="$ exit\nrun: exit 0\n", stderr_has=[powered_off])


def kernel_options():
    """The options guest/kernel/options.c's parser accepts, read here on their own (the build
    reads them with emu/machine/kernel_options.cmake): [(key, [values])] in the parser's order,
    an empty list for a number, and the keys that take the rest of the line."""
    text = open(os.path.join(SOURCE, "guest", "kernel", "options.c")).read()
    keys = {}
    current = None
    for kind, word in re.findall(r'wordis\(([wv]), *(?:eq|vlen), *"(\w+)"\)', text):
        if kind == "w":
            current = keys.setdefault(word, [])
        elif word not in current:
            current.append(word)
    rest = re.findall(r'strncmp\(s, *"(\w+)=",', text)
    # printoptions() names every key the kernel reports: each must be one the parser takes.
    printed = re.findall(r"(\w+)=%s", text)
    return list(keys.items()), rest, printed


def variants():
    options, rest, printed = kernel_options()
    names = [k for k, _ in options]
    if not options or rest != ["run"] or not set(printed) <= set(names):
        failures.append(f"options.c read as {options}, rest {rest}, printed {printed}")
        return
    # Every word the kernel accepts is accepted by `xray86 run --cmdline` for the built-in
    # kernel, and the kernel takes it (no "options: ignoring" line). Each runs `free` alone
    # (run=free), which needs no fork; mem= takes a number of MB (64: above the 8 MB minimum).
    for key, values in options:
        for value in values or ["64"]:
            word = f"{key}={value}"
            got, out, err = run(["--cmdline", f"{word} run=free", "--quiet"])
            if got == 2 or "options: ignoring" in out or "free pages: " not in out:
                failures.append(f"variant {word}: status {got}, stdout {out[-300:]!r}, "
                                f"stderr {err[-300:]!r}")
            else:
                print(f"ok variant {word}")
    # An unknown word: one line that lists every valid one, in the parser's order, and status 2
    # before anything runs. The kernel itself (booted as --kernel, where xray86 does not check)
    # would only warn and run its default.
    valid = ", ".join(f"{k}={'|'.join(v) if v else 'N'}" for k, v in options)
    valid += "".join(f", {k}=PROGRAM ARGS" for k in rest)
    check("unknown_variant", ["--cmdline", "cow_flsh=none"], 2, stdout="",
          stderr_has=[f"xray86: error: --cmdline: the built-in kernel has no option "
                      f"cow_flsh=none; it knows {valid} (docs/lab.md)\n"])
    got, out, err = run(["--cmdline", "cow_flsh=none"])
    if err.count("\n") != 1:
        failures.append(f"unknown_variant_one_line: {err!r}")
    check("unknown_variant_on_the_kernel", ["--kernel", GUEST_KERNEL, "--module", GUEST_ARCHIVE,
                                            "--cmdline", "cow_flsh=none run=free", "--quiet"], 0,
          stdout_end="run: exit 0\n")
    got, out, err = run(["--kernel", GUEST_KERNEL, "--module", GUEST_ARCHIVE, "--cmdline",
                         "cow_flsh=none run=free", "--quiet"])
    if "options: ignoring unknown cow_flsh=none\n" not in out:
        failures.append(f"unknown_variant_kernel_warns: {out[:300]!r}")
    # A value the key does not take, and mem= with no number.
    check("bad_variant_value", ["--cmdline", "cow_flush=never run=cowtest"], 2,
          stderr_has=["no option cow_flush=never;"])
    check("bad_mem", ["--cmdline", "mem=lots"], 2, stderr_has=["no option mem=lots;"])


def on_terminal(args, typed=(), timeout=60):
    """Runs xray86 with standard input and output on a pseudo-terminal, as a person at a
    terminal does. `typed` is a list of (text to wait for, keys to type then): each text must
    appear on the terminal before the keys are typed. Returns (status, everything printed)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([XRAY86, "run", *args], stdin=slave, stdout=slave,
                         stderr=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    steps = list(typed)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while steps and steps[0][0].encode() in seen:
            os.write(master, steps.pop(0)[1].encode())
            seen = b""  # the next text must come after these keys
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    if p.poll() is None:
        p.kill()
    status = p.wait(timeout=10)
    os.close(master)
    return status, seen.decode(errors="replace"), steps


def terminal():
    # From a terminal with no --input and no --cmdline: the built-in kernel's shell, no demo.
    # The prompt "$ " ends no line, so it must be pushed out while the shell waits, or a person
    # would type blind. `free` after boot finds 15981 free pages (the demo's first `free` too);
    # the shell echoes what is typed (the terminal is raw, the Enter key is "\r").
    status, seen, left = on_terminal(["--quiet"], [("$ ", "free\r"),
                                                   ("free pages: 15981 (63924 KB)\r\n$ ",
                                                    "exit\r")])
    if status != 0 or left or "cowtest" in seen:
        failures.append(f"terminal_shell: status {status}, steps left {left}, saw {seen[-300:]!r}")
    else:
        print("ok terminal_shell")
    # --demo types the demo script there too (scripts/demo.sh passes it): cowtest's checks,
    # then `exit` from the script ends the run with status 0.
    status, seen, _ = on_terminal(["--demo", "--quiet"])
    if status != 0 or "cowtest: all 11 checks ok" not in seen or "run: exit 0" not in seen:
        failures.append(f"terminal_demo: status {status}, saw {seen[-300:]!r}")
    else:
        print("ok terminal_demo")


def stdin():
    # Standard input is read only when the guest reads COM1: boot_hello.img prints through the
    # firmware and pit_hlt.elf only waits on the timer, so a `while read` loop around them
    # keeps each of its four lines whole.
    for image in ("--disk boot_hello.img", "--kernel pit_hlt.elf"):
        flag, name = image.split()
        script = (f'printf "l1\\nl2\\nl3\\nl4\\n" | while read x; do echo "$x"; '
                  f'"{XRAY86}" run --quiet {flag} "{boot(name)}" >/dev/null; done')
        out = subprocess.run(["sh", "-c", script], capture_output=True, timeout=120).stdout
        if out != b"l1\nl2\nl3\nl4\n":
            failures.append(f"stdin_left_alone {name}: {out!r}")
        else:
            print(f"ok stdin_left_alone {name}")
    # --interactive: the built-in shell reads the terminal (here a pipe) with no demo script;
    # `free` after boot finds 15981 free pages (the demo's own first `free`), `exit` ends it.
    # A pipe is not paced like --input: both lines arrive at once and are echoed first.
    check("interactive", ["--interactive", "--quiet"], 0, stdin=b"free\nexit\n",
          stdout_end="run: sh\nfree\nexit\n$ free pages: 15981 (63924 KB)\n$ run: exit 0\n")
    terminal()
    check("interactive_with_input", ["--interactive", "--input", "free\\n"], 2,
          stderr_has=["xray86: error: --interactive types from the terminal; --input and "
                      "--input-file type a script\n"])


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) % (1 << 64)
    return h


def explore():
    """--explore K (docs/smp.md, "Exploring seeds")."""
    import shlex
    race = boot("smp_race.elf")
    # tests/boot/smp_race.S: the racy counter's value depends on the seed; seeds 0 and 1 print
    # 0x11cb and 0x11c5 (docs/smp.md, tests/boot/smp_test.cpp), so seeds 0-3 are 4 outcomes and
    # the status is 16. The guest exits with 16 (status 33) in every seed.
    got, out, err = run(["--kernel", race, "--smp", "2", "--explore", "4"])
    lines = out.splitlines()
    problems = []
    if got != 16:
        problems.append(f"status {got}, expected 16: {err!r}")
    if not lines or lines[0] != ("xray86 explore: --smp 2, --smp-quantum 50, --schedule-seed 0 to 3: "
                                 "4 runs, 4 outcomes"):
        problems.append(f"first line {lines[:1]!r}")
    for k, seed in enumerate(range(4)):
        if f"outcome {k + 1}: 1 seed ({seed})" not in lines:
            problems.append(f"no line for outcome {k + 1}, seed {seed}")
    if lines.count("  exit status 33: guest wrote to the exit port 0xF4; guest exit value 16") != 4:
        problems.append("not 4 exit lines with status 33")
    for want in ["    outcome 1: racy 000011cb locked 00001770",
                 "    outcome 2: racy 000011c5 locked 00001770"]:
        if want not in lines:
            problems.append(f"no line {want!r}")
    # Each replay line is the same run: its console is the bytes whose length and FNV-1a the
    # outcome shows, computed here from the replay's own output.
    replays = [l[len("  replay: "):] for l in lines if l.startswith("  replay: ")]
    if len(replays) != 4:
        problems.append(f"{len(replays)} replay lines")
    for k, line in enumerate(replays[:2]):
        words = shlex.split(line)
        if words[:2] != [XRAY86, "run"] or words[-2:] != ["--schedule-seed", str(k)]:
            problems.append(f"replay line {line!r}")
            continue
        p = subprocess.run(words + ["--quiet"], capture_output=True, timeout=60)
        want = f"  console: 1 line, {len(p.stdout)} bytes, FNV-1a 0x{fnv1a(p.stdout):016x}"
        block = out.split(f"outcome {k + 1}: ")[1].split("  replay: ")[0]
        if want not in block.splitlines() or p.returncode != 33:
            problems.append(f"replay of seed {k}: {p.returncode} {want!r} not in {block!r}")
    # The same four seeds, counted from --schedule-seed 2: seeds 2 and 3 end as above.
    got2, out2, _ = run(["--kernel", race, "--smp", "2", "--schedule-seed", "2", "--explore", "2"])
    if got2 != 16 or "outcome 1: 1 seed (2)" not in out2 or \
            [l for l in out2.splitlines() if l.startswith("  console: 1")] != \
            [l for l in lines if l.startswith("  console: 1")][2:]:
        problems.append(f"from seed 2: {got2} {out2!r}")
    # Run twice, the report is the same bytes.
    if run(["--kernel", race, "--smp", "2", "--explore", "4"])[1] != out:
        problems.append("a second --explore 4 printed another report")
    if problems:
        failures.append("explore_smp_race: " + "; ".join(problems))
    else:
        print("ok explore_smp_race")
    # The correct kernel (reference counts under kmem.lock) over 3 seeds of cowrace, 2 rounds of
    # 16 pages: one outcome, cowrace's own status 0, so the status is 0.
    if GRADING_ARCHIVE:
        got, out, err = run(["--kernel", GUEST_KERNEL, "--module", GRADING_ARCHIVE, "--cmdline",
                             "run=cowrace 2 16", "--smp", "2", "--explore", "3"], timeout=300)
        lines = out.splitlines()
        if got != 0 or lines[0] != ("xray86 explore: --smp 2, --smp-quantum 50, --schedule-seed "
                                    "0 to 2: 3 runs, 1 outcome: every seed ends the same way") \
                or "outcome 1: 3 seeds (0 1 2)" not in lines or \
                "  exit status 0: guest powered off (ACPI, port 0x604)" not in lines:
            failures.append(f"explore_cowrace_lock_on: {got} {out!r} {err[-300:]!r}")
        else:
            print("ok explore_cowrace_lock_on")
    # Bad values: one line each, status 2.
    for name, args, message in [
            ("zero", ["--smp", "2", "--explore", "0"],
             "xray86: error: --explore 0: expected a number of seeds from 1 to 1000"),
            ("too_many", ["--smp", "2", "--explore", "1001"],
             "xray86: error: --explore 1001: expected a number of seeds from 1 to 1000"),
            ("one_cpu", ["--explore", "2"],
             "xray86: --explore varies the turns of several processors: give --smp 2 or more\n"),
            ("past_last_seed", ["--smp", "2", "--explore", "2", "--schedule-seed",
                                "18446744073709551615"],
             "xray86: --explore 2 from --schedule-seed 18446744073709551615 runs past the largest "
             "seed, 2^64-1\n"),
            ("stats", ["--smp", "2", "--explore", "2", "--stats"],
             "xray86: --explore runs many seeds and reports how they end; give --stats to the "
             "replay line of one seed\n"),
            ("trace", ["--smp", "2", "--explore", "2", "--trace", "pf"], "; give --trace to the replay line"),
            ("view", ["--smp", "2", "--explore", "2", "--view-png", "x.png"],
             "; give --view and --view-png to the replay line"),
            ("gdb", ["--smp", "2", "--explore", "2", "--gdb", "1234"], "; give --gdb to the replay line"),
            ("terminal", ["--smp", "2", "--explore", "2", "--input-file", "-"],
             "--explore types the same input into every run: give a script")]:
        check(f"explore_{name}", ["--kernel", race, *args], 2, stdout="", stderr_has=[message])


GROUPS = {"explore": explore, "errors": errors, "stdin": stdin, "status": status, "variants": variants, "stops": stops,
          "signals": signals, "stdout": stdout, "progress": progress}
GROUPS[GROUP]()
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
