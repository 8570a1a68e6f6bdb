// Layering probe (tests/layers/CMakeLists.txt): a target that links zx_text only and includes a
// header of storage, a module above text. It must fail to compile: storage's headers are not
// on its include path.
#include "storage/database.h"
