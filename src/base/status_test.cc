#include "base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace zx {
namespace {

Result<std::unique_ptr<int>> MakeInt(bool ok, int value) {
  if (!ok) return NotFound("no int");
  return std::make_unique<int>(value);
}

// Two uses in one scope, a move-only value, and a Result<U> caller.
Result<int> Sum(bool first_ok, bool second_ok) {
  ZX_ASSIGN_OR_RETURN(auto a, MakeInt(first_ok, 2));
  ZX_ASSIGN_OR_RETURN(auto b, MakeInt(second_ok, 3));
  return *a + *b;
}

Status Assign(bool ok, std::string& out) {
  std::unique_ptr<int> value;
  ZX_ASSIGN_OR_RETURN(value, MakeInt(ok, 7));
  out = std::to_string(*value);
  return Status::Ok();
}

TEST(StatusTest, AssignOrReturnGivesTheValue) {
  Result<int> sum = Sum(true, true);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  std::string out;
  EXPECT_TRUE(Assign(true, out).ok());
  EXPECT_EQ(out, "7");
}

TEST(StatusTest, AssignOrReturnReturnsTheFirstError) {
  EXPECT_EQ(Sum(false, true).status().code(), Code::kNotFound);
  EXPECT_EQ(Sum(true, false).status().message(), "no int");
  std::string out = "untouched";
  EXPECT_EQ(Assign(false, out).code(), Code::kNotFound);
  EXPECT_EQ(out, "untouched");
}

}  // namespace
}  // namespace zx
