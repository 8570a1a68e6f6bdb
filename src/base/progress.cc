#include "base/progress.h"

#include <unistd.h>

#include <algorithm>

namespace zx {
namespace {

std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, bool enabled, std::FILE* out, const Clock& clock)
    : label_(std::move(label)), enabled_(enabled), out_(out), clock_(clock) {
  start_ = clock_.Monotonic();
}

bool ProgressBar::Wanted() { return ::isatty(STDERR_FILENO) != 0; }

std::string ProgressBar::Render(const std::string& label, uint64_t items, uint64_t bytes,
                                uint64_t total_bytes, double seconds) {
  std::string line = label;
  char buf[96];
  if (total_bytes > 0) {
    constexpr int kWidth = 20;
    double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_bytes));
    int filled = static_cast<int>(done * kWidth);
    line += " [" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "]";
    std::snprintf(buf, sizeof buf, " %3d%%", static_cast<int>(done * 100));
    line += buf;
  }
  double mb = static_cast<double>(bytes) / 1e6;
  std::snprintf(buf, sizeof buf, "  %.1f MB  %.1f MB/s", mb, seconds > 0 ? mb / seconds : 0.0);
  return line + "  " + Grouped(items) + " rows" + buf;
}

void ProgressBar::Update(uint64_t items, uint64_t bytes, uint64_t total_bytes) {
  if (!enabled_ || finished_) return;
  auto now = clock_.Monotonic();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double seconds = std::chrono::duration<double>(now - start_).count();
  std::string line = Render(label_, items, bytes, total_bytes, seconds);
  // Pad over a longer previous line rather than clearing it (no flicker).
  size_t width = line.size();
  if (width < width_) line += std::string(width_ - width, ' ');
  width_ = width;
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_ && drawn_) {
    std::fprintf(out_, "\r%s\r", std::string(width_, ' ').c_str());
    std::fflush(out_);
  }
}

}  // namespace zx
