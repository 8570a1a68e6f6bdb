// Helpers shared by the fuzz targets (fuzz/*.cc): checks that stop the fuzzer with a message.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace zx::fuzz {

// An invariant the code under test promises; a failure is a finding (abort -> crash file).
inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
    std::abort();
  }
}

// Splits fuzz input at the first occurrences of '\x01': part(i) is the i-th piece ("" after
// the last), so one input can feed several fields.
class Parts {
 public:
  Parts(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string_view Next() {
    size_t sep = rest_.find('\x01');
    std::string_view out = rest_.substr(0, sep);
    rest_ = sep == std::string_view::npos ? std::string_view() : rest_.substr(sep + 1);
    return out;
  }

 private:
  std::string_view rest_;
};

}  // namespace zx::fuzz
