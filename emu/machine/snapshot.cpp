// Snapshots of the whole machine (docs/debug.md): each piece gives its state as a plain value and
// takes it back; the Machine gathers them, and puts back the wiring that follows from them (the
// running processor, the A20 gate's host shortcuts, the decoded code, which is not state).
#include "emu/machine/machine.h"

namespace emu {

size_t MachineSnapshot::ownBytes() const {
  size_t n = sizeof *this + ram.copied * sizeof(devices::Ram::Frame) +
             ram.frames.size() * sizeof(ram.frames[0]) + cpus.size() * sizeof(CoreState);
  for (const mmu::Mmu::State& m : mmus) {
    n += sizeof m + m.perSpace.size() * (sizeof(mmu::MmuStats) + 32) + m.ptFrames.size() * 8 +
         (m.dtlb.capacity() + m.itlb.capacity()) * sizeof(mmu::TlbEntry);
  }
  for (const devices::Disk::State& d : disks) {
    n += d.memory.size() + d.overlay.size() * (512 + 64);
  }
  return n;
}

std::shared_ptr<const MachineSnapshot> Machine::saveState(const MachineSnapshot* previous) const {
  auto s = std::make_shared<MachineSnapshot>();
  s->instructions = instructions();
  s->cycles = cycles();
  for (const auto& c : cpus_) s->cpus.push_back(c->state());
  for (const auto& m : mmus_) s->mmus.push_back(m->state());
  s->ram = ram_.save(previous != nullptr ? &previous->ram : nullptr);
  s->clock = clock_.now();
  s->pic = pic_.state();
  s->pit = pit_.state();
  s->com1 = com1_.state();
  s->ata = ata_.state();
  for (unsigned u = 0; u < 2; ++u) {
    const devices::Disk* d = ata_.disk(u);
    s->disks.push_back(d != nullptr ? d->state() : devices::Disk::State{});
  }
  s->kbc = kbc_.state();
  s->cmos = cmos_.state();
  s->cga = cga_.state();
  s->debug = debug_.state();
  s->fwcfg = fwcfg_.state();
  s->ioapic = ioapic_.state();
  s->apics = apics_.state();
  s->router = router_.state();
  s->ports = ports_.state();
  if (script_ != nullptr) s->script = script_->state();
  s->machine = static_cast<const MachineState&>(*this);
  return s;
}

void Machine::restoreState(const MachineSnapshot& s) {
  // The Machine's own state first (the A20 gate decides what frame() answers, which the MMUs'
  // host shortcuts are made from), then RAM, the MMUs (their watches of page-table frames) and
  // the processors (which drop their decoded code and look at the MMU's shortcuts).
  static_cast<MachineState&>(*this) = s.machine;
  ram_.restore(s.ram);
  for (size_t k = 0; k < mmus_.size() && k < s.mmus.size(); ++k) mmus_[k]->setState(s.mmus[k]);
  for (size_t k = 0; k < cpus_.size() && k < s.cpus.size(); ++k) cpus_[k]->setState(s.cpus[k]);
  clock_.set(s.clock);
  pic_.setState(s.pic);
  pit_.setState(s.pit);
  com1_.setState(s.com1);
  ata_.setState(s.ata);
  for (unsigned u = 0; u < 2 && u < s.disks.size(); ++u) {
    if (devices::Disk* d = ata_.disk(u)) d->setState(s.disks[u]);
  }
  kbc_.setState(s.kbc);
  cmos_.setState(s.cmos);
  cga_.setState(s.cga);
  debug_.setState(s.debug);
  fwcfg_.setState(s.fwcfg);
  ioapic_.setState(s.ioapic);
  apics_.setState(s.apics);
  router_.setState(s.router);
  ports_.setState(s.ports);
  if (script_ != nullptr && s.script) script_->setState(*s.script);
  if (cpus_.size() > 1) select(current_);
}

}  // namespace emu
