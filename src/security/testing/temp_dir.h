// TempDir for the security tests and the tests above them that name it
// `security::testing::TempDir`: the one of base/testing/temp_dir.h. New code uses that one.
#pragma once

#include "base/testing/temp_dir.h"

namespace zx::security::testing {

using ::zx::testing::TempDir;

}  // namespace zx::security::testing
