// Sealed files: large personal data (call recordings) encrypted with SM4-GCM while it is
// written, so that it never lies on disk in clear.
//
// The file is a header and a sequence of independently sealed segments (the "STREAM"
// construction of online authenticated encryption):
//
//   "ZXSEAL1\n" | key version (u32 BE) | segment size (u32 BE) | nonce prefix (8 random bytes)
//   segment*:   ciphertext length (u32 BE) | SM4-GCM ciphertext || tag
//
// Segment i is sealed under the data key of that version with nonce = prefix || i (u32 BE) and
// associated data = `aad` || i || final flag, so a segment that is changed, dropped, reordered,
// moved to another file or cut off fails to open. The writer closes with a (possibly empty)
// final segment; a file without one was cut short (the process died mid-call): its complete
// segments still open, and the reader says the file is incomplete.
//
// Writes are buffered; a segment is sealed every `segment_bytes` of plaintext, so a crash loses
// at most that much. Not thread-safe; one writer per file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "security/keys.h"

namespace zx::security {

class SealedFileWriter {
 public:
  static constexpr size_t kDefaultSegmentBytes = 32000;  // 1 s of 8 kHz 16-bit stereo

  // Creates `path` (mode 0600, refusing one that exists) under the ring's current data key.
  static Result<std::unique_ptr<SealedFileWriter>> Create(
      const std::string& path, std::shared_ptr<const KeyRing> keys, std::string aad,
      size_t segment_bytes = kDefaultSegmentBytes);
  ~SealedFileWriter();  // closes if Close was not called

  Status Write(std::string_view data);
  // Seals what is buffered as the final segment and closes the file.
  Status Close();

  uint32_t key_version() const { return version_; }
  uint64_t plaintext_bytes() const { return total_; }

 private:
  SealedFileWriter() = default;
  Status Seal(bool final);

  std::FILE* file_ = nullptr;
  std::shared_ptr<const KeyRing> keys_;
  std::string aad_, prefix_, buffer_;
  uint32_t version_ = 0;
  uint32_t index_ = 0;
  size_t segment_bytes_ = kDefaultSegmentBytes;
  uint64_t total_ = 0;
};

struct SealedFileContents {
  std::string data;       // the plaintext of every segment that opened
  bool complete = false;  // the final segment was there
  uint32_t key_version = 0;
};

// Opens a sealed file. kDataLoss, naming the segment, when a segment does not authenticate or
// the layout is broken; an incomplete file (no final segment) is not an error.
// kFailedPrecondition when its key version is not in `keys`; kNotFound when there is no file.
Result<SealedFileContents> OpenSealedFile(const std::string& path, const KeyRing& keys,
                                          std::string_view aad);

}  // namespace zx::security
