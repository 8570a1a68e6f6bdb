#include "base/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace zx {
namespace {

// What the bar wrote to a memory stream.
struct Captured {
  char* data = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&data, &size);
  ~Captured() {
    if (f) std::fclose(f);
    std::free(data);
  }
  std::string Text() {
    std::fflush(f);
    return std::string(data, size);
  }
};

TEST(ProgressBarTest, RendersTheFigures) {
  EXPECT_EQ(ProgressBar::Render("导入", 450000, 45000000, 100000000, 2.0),
            "导入 [#########-----------]  45%  450,000 rows  45.0 MB  22.5 MB/s");
  EXPECT_EQ(ProgressBar::Render("导入", 12, 1000000, 0, 0.0), "导入  12 rows  1.0 MB  0.0 MB/s");
}

TEST(ProgressBarTest, DrawsAtMostTenTimesASecondAndClearsWhenDone) {
  FakeClock clock(1000);
  Captured out;
  {
    ProgressBar bar("导入", true, out.f, clock);
    bar.Update(1, 10, 100);
    bar.Update(2, 20, 100);  // 0 ms later: not drawn
    clock.Advance(std::chrono::milliseconds(100));
    bar.Update(3, 30, 100);
    bar.Finish();
    bar.Update(4, 40, 100);  // after Finish: nothing
  }
  std::string text = out.Text();
  size_t draws = 0;
  for (size_t at = 0; (at = text.find(" rows", at)) != std::string::npos; ++at) ++draws;
  EXPECT_EQ(draws, 2u) << text;
  EXPECT_NE(text.find("  1 rows"), std::string::npos);
  EXPECT_NE(text.find("  3 rows"), std::string::npos);
  EXPECT_EQ(text.back(), '\r');  // the line cleared
}

TEST(ProgressBarTest, DisabledWritesNothing) {
  FakeClock clock;
  Captured out;
  {
    ProgressBar bar("导入", false, out.f, clock);
    bar.Update(1, 10, 100);
  }
  EXPECT_EQ(out.Text(), "");
}

}  // namespace
}  // namespace zx
