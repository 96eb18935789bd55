// Exit statuses of `xray86 run`: the one table, for every boot path (docs/platform.md shows it to
// users). The machine gives each way a run can end its status (Machine::Outcome), the Run passes
// it on (run::Stop), the command line exits with it and the API reports it
// (xray86::Stop::status).
//
// A guest's own status comes from the exit port as (code << 1) | 1 (QEMU's isa-debug-exit),
// always odd, so the emulator's own are even and never mistaken for one; a guest that powers
// off (ACPI soft-off at port 0x604, as QEMU's PIIX4; Bochs's "Shutdown" at 0x8900) ends with 0.
// The teaching kernel powers off for status 0 and uses the exit port otherwise, the same on
// every boot path. The command line adds 0 for --until reached and --exit-when-idle, 128 + the
// signal's number for SIGINT (130) and SIGTERM (143), and 16 for --explore's seeds that differ.
#pragma once

namespace emu::exit_status {

constexpr int kOk = 0;             // guest powered off (ACPI, 0x8900) or reset; a stop reached
constexpr int kCheckFailed = 1;    // --cpu-demo: the sieve's answer was wrong; or an internal error
constexpr int kBadUsage = 2;       // bad options, images or files (before the machine starts)
constexpr int kLimit = 4;          // --max-insns or --max-cycles reached
constexpr int kHalted = 6;         // halted with interrupts off (or nothing armed to wake it)
constexpr int kTripleFault = 8;    // shutdown after a fault while delivering #DF
constexpr int kUnsupported = 10;   // --stop-on-unsupported: an instruction this CPU lacks
constexpr int kStuck = 12;         // spun with interrupts off and no I/O (a panic that never halts)
constexpr int kOutputFailed = 14;  // an output (trace, console file, standard output) was cut short
constexpr int kOutcomesDiffer = 16;  // --explore: the seeds' runs did not all end the same way

}  // namespace emu::exit_status
