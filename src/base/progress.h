// A one-line progress bar for long work on the command line (imports, re-indexing): items done,
// megabytes read, the rate, and a bar with the percentage when the total is known. Drawn on a
// terminal only (stderr, so stdout stays the command's answer), redrawn at most ten times a
// second, cleared when done. Not thread-safe: one thread updates it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "base/clock.h"

namespace zx {

class ProgressBar {
 public:
  // Draws on `out` when `enabled` (ProgressBar::Wanted() for stderr); `label` starts the line.
  ProgressBar(std::string label, bool enabled, std::FILE* out = stderr,
              const Clock& clock = SystemClock::Instance());
  ~ProgressBar() { Finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Whether stderr is a terminal (a bar makes sense there and nowhere else).
  static bool Wanted();

  // `items` done and `bytes` of `total_bytes` read (0: unknown); redraws when 100 ms have
  // passed since the last drawing.
  void Update(uint64_t items, uint64_t bytes, uint64_t total_bytes);
  // Clears the line (once; later calls and updates do nothing).
  void Finish();

  // The line drawn for these figures after `seconds`, e.g.
  // "导入 [#########-----------]  45%  450,000 rows  45.0 MB  1.2 MB/s".
  static std::string Render(const std::string& label, uint64_t items, uint64_t bytes,
                            uint64_t total_bytes, double seconds);

 private:
  std::string label_;
  bool enabled_;
  std::FILE* out_;
  const Clock& clock_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false, finished_ = false;
  size_t width_ = 0;  // of the last line drawn, to clear it
};

}  // namespace zx
