#include "llm/grounding.h"

#include <gtest/gtest.h>

namespace zx::llm {
namespace {

TEST(Grounding, Placeholder) { EXPECT_TRUE(CheckGrounding("", {}, GroundingRules::Defaults()).ok); }

}  // namespace
}  // namespace zx::llm
