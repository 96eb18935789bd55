// The gdb stub: the fourth front end on the one Run (docs/architecture.md, docs/debug.md). It
// serves the GDB remote serial protocol on a TCP port and turns gdb's packets into the Run's
// calls: stops between instructions (Run::setBreakpoints, Run::step, Run::requestStop), looks
// through the side-effect-free probes (Run::readLinear, readPhysical, the MMU's probe and TLB),
// and writes only through Run::writeLinear / writePhysical and the CPU's register setters.
//
// Breakpoints (Z0, Z1) are an EIP check at every instruction boundary, never an INT3 in the
// guest's memory; write watchpoints (Z2) compare the watched bytes after every instruction; read
// and access watchpoints (Z3, Z4) are the CPU's data watches (Cpu::setDataWatches), which look at
// every access to their pages. None changes the guest, the cycle count or the trace: a run with
// gdb attached gives the trace of the run without it.
//
// Reverse execution (bs, bc) replays the run from its start in a second Run built from the same
// configuration (the same options and input give the same run, instruction for instruction) up
// to the instruction wanted; the replay's console and trace go nowhere. reverse-continue replays
// twice: once to count the stops before here, once to stop at the last. Moving forward again
// runs the replay until it is back where the first run stopped, and the first run takes over.
//
// stub.cpp defines: Options, serve, Stub (the packets, running, stopping, reverse).
// monitor.cpp defines: Stub::monitor (`monitor ...` in gdb: info tlb, info pg, info mem, info
//   frames, info faults, phys, trace, break), Stub::monitorSession (--monitor on standard input).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/gdb/connection.h"
#include "emu/run/run.h"

namespace gdb {

struct Options {
  uint16_t port = 0;             // --gdb PORT (-s: 1234); 0: no debugger
  bool waitForDebugger = false;  // -S: stopped before the first instruction until gdb says go
};

// Serves gdb on the run until the guest ends, gdb kills it (the Stop), or gdb detaches or goes
// away (nullopt: the run goes on without it, as if gdb had never been there). `poll` is the
// front end's own look during a run (signals, progress); a message from it ends the session
// with that Stop. False and a one-line `error` when the port cannot be opened.
bool serve(run::Run& r, const Options& options, const run::Run::Poll& poll,
           std::optional<run::Stop>& stop, std::string& error);

// --monitor: the monitor commands without gdb, read from standard input at every stop of the
// run (`until`, a catchpoint, the end of the guest), answered on standard output (docs/debug.md).
// The Stop that ended the run, or nullopt when standard input ended first (the run then goes on
// without the monitor); nullopt with a one-line `error` when `until` is bad.
std::optional<run::Stop> monitorStdin(run::Run& r, const run::Until& until,
                                      const run::Run::Poll& poll, std::string& error);

class Stub;

}  // namespace gdb
