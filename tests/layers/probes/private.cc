// Layering probe (tests/layers/CMakeLists.txt): a target that links zx_telephony and includes
// its private header. It must fail to compile: only telephony itself sees *_internal.h.
#include "telephony/gateway_internal.h"
