// A recording IRQ sink for device tests: the level of each line and the rising edges seen.
#pragma once

#include "devices/bus.h"

struct FakeIrq : devices::IrqSink {
  bool level[16] = {};
  int rises[16] = {};
  void setIrq(unsigned irq, bool l) override {
    if (l && !level[irq]) ++rises[irq];
    level[irq] = l;
  }
};
