// Layering probe (tests/layers/CMakeLists.txt): the control. A target that links zx_text may
// include text's and base's public headers, so this compiles; the failing probes therefore fail
// for the include alone.
#include "base/status.h"
#include "text/normalizer.h"
