#include "tests/cpu/cpu_fixture.h"
