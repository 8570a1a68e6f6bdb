#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>

namespace zx::log {

void Init(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("zhixian");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

namespace {
std::atomic<Masker> g_masker{nullptr};
}  // namespace

void SetMasker(Masker masker) { g_masker.store(masker); }

std::string Scrub(std::string_view input) {
  std::string masked;
  if (Masker m = g_masker.load()) masked = m(input);
  std::string_view line = g_masker.load() ? std::string_view(masked) : input;
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
      out += line[i++];
      continue;
    }
    size_t j = i;
    while (j < line.size() && (std::isdigit(static_cast<unsigned char>(line[j])) ||
                               ((line[j] == 'X' || line[j] == 'x') && j - i == 17)))
      ++j;
    size_t n = j - i;
    if (n < 7) {
      out.append(line.substr(i, n));
    } else {
      out.append(line.substr(i, 3));
      out.append(n - 7, '*');
      out.append(line.substr(j - 4, 4));
    }
    i = j;
  }
  return out;
}

}  // namespace zx::log
