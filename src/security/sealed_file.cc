#include "security/sealed_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"
#include "security/crypto.h"

namespace zx::security {
namespace {

constexpr std::string_view kMagic = "ZXSEAL1\n";
constexpr size_t kPrefixBytes = 8;
constexpr size_t kHeaderBytes = kMagic.size() + 4 + 4 + kPrefixBytes;
// A segment longer than this is a broken length field, not a recording.
constexpr uint32_t kMaxSegmentBytes = 64u << 20;

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint32_t GetU32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
}

std::string Nonce(const std::string& prefix, uint32_t index) {
  std::string nonce = prefix;
  PutU32(nonce, index);
  return nonce;
}

std::string SegmentAad(std::string_view aad, uint32_t index, bool final) {
  std::string out(aad);
  PutU32(out, index);
  out.push_back(final ? '\1' : '\0');
  return out;
}

}  // namespace

Result<std::unique_ptr<SealedFileWriter>> SealedFileWriter::Create(
    const std::string& path, std::shared_ptr<const KeyRing> keys, std::string aad,
    size_t segment_bytes) {
  if (!keys) return InvalidArgument("sealed file needs a key ring");
  if (segment_bytes == 0 || segment_bytes > kMaxSegmentBytes - kGcmTagBytes)
    return InvalidArgument("segment size out of range");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<SealedFileWriter> w(new SealedFileWriter());
  w->file_ = ::fdopen(fd, "wb");
  if (!w->file_) {
    ::close(fd);
    return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  w->keys_ = std::move(keys);
  w->aad_ = std::move(aad);
  w->version_ = w->keys_->current_version();
  w->prefix_ = RandomBytes(kPrefixBytes);
  w->segment_bytes_ = segment_bytes;
  w->buffer_.reserve(segment_bytes);
  std::string header(kMagic);
  PutU32(header, w->version_);
  PutU32(header, static_cast<uint32_t>(segment_bytes));
  header += w->prefix_;
  if (std::fwrite(header.data(), 1, header.size(), w->file_) != header.size())
    return Unavailable("cannot write " + path + ": " + std::strerror(errno));
  return w;
}

SealedFileWriter::~SealedFileWriter() { (void)Close(); }

Status SealedFileWriter::Write(std::string_view data) {
  if (!file_) return FailedPrecondition("sealed file is closed");
  total_ += data.size();
  while (!data.empty()) {
    size_t n = std::min(data.size(), segment_bytes_ - buffer_.size());
    buffer_.append(data.substr(0, n));
    data.remove_prefix(n);
    if (buffer_.size() == segment_bytes_) ZX_RETURN_IF_ERROR(Seal(false));
  }
  return Status::Ok();
}

Status SealedFileWriter::Seal(bool final) {
  const std::string* key = keys_->DataKey(version_);
  if (!key) return Internal("data key version " + std::to_string(version_) + " vanished");
  ZX_ASSIGN_OR_RETURN(auto sealed, Sm4GcmEncrypt(*key, Nonce(prefix_, index_),
                                                 SegmentAad(aad_, index_, final), buffer_));
  std::string record;
  PutU32(record, static_cast<uint32_t>(sealed.size()));
  record += sealed;
  buffer_.clear();
  ++index_;
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size())
    return Unavailable(std::string("cannot write sealed file: ") + std::strerror(errno));
  return Status::Ok();
}

Status SealedFileWriter::Close() {
  if (!file_) return Status::Ok();
  Status sealed = Seal(true);
  int closed = std::fclose(file_);
  file_ = nullptr;
  Wipe(buffer_);
  if (!sealed.ok()) return sealed;
  if (closed != 0)
    return Unavailable(std::string("cannot close sealed file: ") + std::strerror(errno));
  return Status::Ok();
}

Result<SealedFileContents> OpenSealedFile(const std::string& path, const KeyRing& keys,
                                          std::string_view aad) {
  auto read = ReadFile(path);
  if (!read.ok()) return NotFound("no sealed file " + path);
  const std::string& bytes = *read;
  if (bytes.size() < kHeaderBytes || std::string_view(bytes).substr(0, kMagic.size()) != kMagic)
    return DataLoss(path + " is not a sealed file (no ZXSEAL1 header)");
  SealedFileContents out;
  out.key_version = GetU32(bytes.data() + kMagic.size());
  uint32_t segment_bytes = GetU32(bytes.data() + kMagic.size() + 4);
  std::string prefix = bytes.substr(kMagic.size() + 8, kPrefixBytes);
  if (segment_bytes == 0 || segment_bytes > kMaxSegmentBytes - kGcmTagBytes)
    return DataLoss(path + ": segment size " + std::to_string(segment_bytes) + " in the header");
  const std::string* key = keys.DataKey(out.key_version);
  if (!key)
    return FailedPrecondition(path + " is sealed under data key version " +
                              std::to_string(out.key_version) + ", which the key file lacks");
  size_t pos = kHeaderBytes;
  for (uint32_t index = 0; pos < bytes.size(); ++index) {
    std::string where = path + " segment " + std::to_string(index);
    // A record cut off at the end is what a process killed mid-write leaves: the file is
    // incomplete, not corrupt.
    if (bytes.size() - pos < 4) break;
    uint32_t len = GetU32(bytes.data() + pos);
    pos += 4;
    // Every segment holds segment_bytes, the final one at most that: a changed length field
    // must not pass for a cut-off file.
    if (len < kGcmTagBytes || len > segment_bytes + kGcmTagBytes)
      return DataLoss(where + ": length " + std::to_string(len) + " is not a segment's");
    if (len > bytes.size() - pos) break;
    std::string_view sealed(bytes.data() + pos, len);
    pos += len;
    bool last = pos == bytes.size();
    std::string nonce = Nonce(prefix, index);
    // Only the last segment may carry the final flag; try it there first.
    auto plain = Sm4GcmDecrypt(*key, nonce, SegmentAad(aad, index, last), sealed);
    if (!plain.ok() && last) {
      plain = Sm4GcmDecrypt(*key, nonce, SegmentAad(aad, index, false), sealed);
      if (plain.ok()) last = false;  // cut short after a whole segment
    }
    if (!plain.ok())
      return DataLoss(where + " does not authenticate (changed, moved or reordered)");
    out.data += *plain;
    out.complete = last;
    Wipe(*plain);
  }
  return out;
}

}  // namespace zx::security
