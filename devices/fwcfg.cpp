// QEMU fw_cfg, the port interface (see fwcfg.h).
#include "devices/fwcfg.h"

namespace devices {

namespace {
std::vector<uint8_t> little(uint64_t v, unsigned bytes) {
  std::vector<uint8_t> out(bytes);
  for (unsigned i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}
}  // namespace

FwCfg::FwCfg(uint16_t cpus, uint64_t ramBytes, const std::string& cmdline) {
  items_[kSignature] = {'Q', 'E', 'M', 'U'};
  items_[kId] = little(1, 4);  // bit 0: the traditional interface; bit 1 (DMA) clear
  items_[kRamSize] = little(ramBytes, 8);
  items_[kNbCpus] = little(cpus, 2);
  items_[kMaxCpus] = little(cpus, 2);
  if (cmdline.empty()) {
    items_[kCmdlineSize] = little(0, 4);
  } else {
    items_[kCmdlineSize] = little(cmdline.size() + 1, 4);
    items_[kCmdlineData].assign(cmdline.begin(), cmdline.end());
    items_[kCmdlineData].push_back(0);
  }
}

void FwCfg::attach(PortBus& bus) {
  bus.map(kSelectorPort, 2, this);
}

uint32_t FwCfg::ioRead(uint16_t port, unsigned size) {
  if (port != kDataPort) return allOnes(size);  // the selector is write-only
  // Bits 14 (write channel) and 15 (architecture-local) are part of the key; no item here has
  // them set, so such keys read as absent items.
  auto it = items_.find(selector_);
  if (it == items_.end() || offset_ >= it->second.size()) return 0;
  return it->second[offset_++];
}

void FwCfg::ioWrite(uint16_t port, uint32_t value, unsigned size) {
  if (port != kSelectorPort) return;  // data writes are ignored: no item is writable
  selector_ = size == 1 ? static_cast<uint16_t>((selector_ & 0xFF00) | (value & 0xFF))
                        : static_cast<uint16_t>(value);
  offset_ = 0;
}

}  // namespace devices
