// Sealed files (call recordings): OpenSealedFile on any bytes, as a tampered or truncated file
// on disk would be. Invariants: no crash; what opens is never longer than the file; a file this
// process sealed opens to exactly what was written, whatever its content.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "base/clock.h"
#include "common.h"
#include "security/sealed_file.h"

using zx::fuzz::Check;

namespace {

const std::shared_ptr<const zx::security::KeyRing>& Ring() {
  static const auto ring = [] {
    zx::FakeClock clock(1'700'000'000'000);
    return std::make_shared<const zx::security::KeyRing>(zx::security::KeyRing::Generate(clock));
  }();
  return ring;
}

std::string TempPath(const char* what) {
  return "/tmp/zx_fuzz_sealed_" + std::to_string(::getpid()) + "_" + what;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // 1. Any bytes as a sealed file.
  std::string path = TempPath("any");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    auto opened = zx::security::OpenSealedFile(path, *Ring(), "rec:fuzz");
    if (opened.ok()) Check(opened->data.size() <= bytes.size(), "plaintext within the file");
    std::remove(path.c_str());
  }
  // 2. The bytes as a recording's audio: sealed in small segments, opened back.
  std::string sealed = TempPath("round");
  std::remove(sealed.c_str());
  auto writer = zx::security::SealedFileWriter::Create(sealed, Ring(), "rec:fuzz", 37);
  Check(writer.ok(), "writer created");
  Check((*writer)->Write(bytes).ok(), "written");
  Check((*writer)->Close().ok(), "closed");
  auto back = zx::security::OpenSealedFile(sealed, *Ring(), "rec:fuzz");
  Check(back.ok() && back->complete && back->data == bytes, "round trip");
  std::remove(sealed.c_str());
  return 0;
}
