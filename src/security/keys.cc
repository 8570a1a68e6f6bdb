#include "security/keys.h"

#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "security/crypto.h"
#include "security/encoding.h"

namespace zx::security {
namespace {

constexpr std::string_view kMagic = "zhixian-keys";
constexpr int kFormatVersion = 1;

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

bool ParseUint(const std::string& s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// Writes all of `text` to a new file at `path` (O_EXCL, mode 0600) and fsyncs it.
Status WriteNewFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST)
      return {Code::kAlreadyExists, "key file " + path +
                                        " already exists; refusing to overwrite it (keys in it may "
                                        "be the only way to read existing data)"};
    return Unavailable("cannot create key file " + path + ": " + std::strerror(err));
  }
  // The umask may have narrowed the mode, never widened it; make it exactly 0600.
  (void)::fchmod(fd, 0600);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return Unavailable("cannot write key file " + path + ": " + std::strerror(err));
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return Unavailable("cannot sync key file " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace

KeyRing::~KeyRing() {
  for (auto& [v, e] : data_) Wipe(e.key);
  Wipe(hmac_key_);
}

KeyRing KeyRing::Generate(const Clock& clock) {
  KeyRing ring;
  ring.hmac_key_ = RandomBytes(kSm4KeyBytes);
  ring.data_[1] = {RandomBytes(kSm4KeyBytes), clock.NowUnixMillis()};
  ring.current_ = 1;
  return ring;
}

Result<KeyRing> KeyRing::Parse(std::string_view text, std::string_view origin) {
  KeyRing ring;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  bool saw_magic = false;
  bool saw_current = false;
  auto bad = [&](const std::string& why) {
    return DataLoss(std::string(origin) + ":" + std::to_string(line_no) + ": " + why);
  };
  auto key_field = [&](const std::string& hex, std::string* out) -> Status {
    auto raw = HexDecode(hex);
    if (!raw.ok() || raw->size() != kSm4KeyBytes)
      return bad("a key must be 32 hex digits (128 bits)");
    *out = std::move(*raw);
    return Status::Ok();
  };
  while (std::getline(in, line)) {
    ++line_no;
    auto f = Fields(line);
    if (f.empty() || f[0][0] == '#') continue;
    if (!saw_magic) {
      if (f.size() != 2 || f[0] != kMagic) return bad("not a zhixian key file");
      if (f[1] != std::to_string(kFormatVersion))
        return bad("key file format " + f[1] + " is not supported (this build reads 1)");
      saw_magic = true;
      continue;
    }
    uint64_t v = 0;
    if (f[0] == "hmac") {
      if (f.size() != 3 || !ParseUint(f[1], UINT32_MAX, &v) || v == 0)
        return bad("expected: hmac <version> <key>");
      if (!ring.hmac_key_.empty()) return bad("more than one hmac key");
      ZX_RETURN_IF_ERROR(key_field(f[2], &ring.hmac_key_));
    } else if (f[0] == "data") {
      uint64_t created = 0;
      if (f.size() != 4 || !ParseUint(f[1], UINT32_MAX, &v) || v == 0 ||
          !ParseUint(f[3], INT64_MAX, &created))
        return bad("expected: data <version> <key> <created unix ms>");
      if (ring.data_.count(uint32_t(v))) return bad("data key version " + f[1] + " twice");
      Entry e;
      ZX_RETURN_IF_ERROR(key_field(f[2], &e.key));
      e.created_ms = int64_t(created);
      ring.data_[uint32_t(v)] = std::move(e);
    } else if (f[0] == "current") {
      if (f.size() != 2 || !ParseUint(f[1], UINT32_MAX, &v) || v == 0)
        return bad("expected: current <version>");
      if (saw_current) return bad("more than one current line");
      ring.current_ = uint32_t(v);
      saw_current = true;
    } else {
      return bad("unknown line '" + f[0] + "'");
    }
  }
  auto bad_file = [&](const std::string& why) {
    return DataLoss(std::string(origin) + ": " + why);
  };
  if (!saw_magic) return bad_file("empty, or not a zhixian key file");
  if (ring.hmac_key_.empty()) return bad_file("no hmac key");
  if (ring.data_.empty()) return bad_file("no data key");
  if (!saw_current) return bad_file("no current line");
  if (!ring.data_.count(ring.current_))
    return bad_file("current version " + std::to_string(ring.current_) + " has no data key");
  return ring;
}

Result<KeyRing> KeyRing::Load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return NotFound("key file " + path +
                      " does not exist; create it with `zhixian keys init "
                      "--key-file " +
                      path + "`");
    return Unavailable("cannot open key file " + path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return FailedPrecondition("key file " + path + " is not a regular file");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", unsigned(st.st_mode & 0777));
    return FailedPrecondition("key file " + path + " has mode " + mode +
                              "; group and others must have no access: chmod 600 " + path);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Unavailable("cannot read key file " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, size_t(n));
    if (text.size() > (1 << 20)) {
      ::close(fd);
      return DataLoss("key file " + path + " is larger than 1 MiB; not a key file");
    }
  }
  ::close(fd);
  auto ring = Parse(text, path);
  Wipe(text);
  return ring;
}

std::string KeyRing::Serialize() const {
  std::string out =
      "# zhixian key file. Keep it secret, keep it outside the data directory, mode 0600.\n"
      "# Losing it makes encrypted personal data unreadable: back it up separately.\n"
      "# Created by `zhixian keys init`; `zhixian keys rotate` adds a data key.\n";
  out += std::string(kMagic) + " " + std::to_string(kFormatVersion) + "\n";
  out += "hmac 1 " + HexEncode(hmac_key_) + "\n";
  for (const auto& [v, e] : data_)
    out += "data " + std::to_string(v) + " " + HexEncode(e.key) + " " +
           std::to_string(e.created_ms) + "\n";
  out += "current " + std::to_string(current_) + "\n";
  return out;
}

const std::string* KeyRing::DataKey(uint32_t version) const {
  auto it = data_.find(version);
  return it == data_.end() ? nullptr : &it->second.key;
}

std::map<uint32_t, int64_t> KeyRing::versions() const {
  std::map<uint32_t, int64_t> out;
  for (const auto& [v, e] : data_) out[v] = e.created_ms;
  return out;
}

uint32_t KeyRing::Rotate(const Clock& clock) {
  uint32_t next = data_.empty() ? 1 : data_.rbegin()->first + 1;
  data_[next] = {RandomBytes(kSm4KeyBytes), clock.NowUnixMillis()};
  current_ = next;
  return next;
}

Status InitKeyFile(const std::string& path, const Clock& clock) {
  KeyRing ring = KeyRing::Generate(clock);
  std::string text = ring.Serialize();
  Status s = WriteNewFile(path, text);
  Wipe(text);
  return s;
}

Result<uint32_t> RotateKeyFile(const std::string& path, const Clock& clock) {
  ZX_ASSIGN_OR_RETURN(auto ring, KeyRing::Load(path));
  uint32_t v = ring.Rotate(clock);
  std::string text = ring.Serialize();
  std::string tmp = path + ".tmp";
  (void)::unlink(tmp.c_str());  // a leftover of an interrupted rotation
  Status s = WriteNewFile(tmp, text);
  Wipe(text);
  ZX_RETURN_IF_ERROR(s);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Unavailable("cannot replace key file " + path + ": " + std::strerror(err));
  }
  SyncParentDir(path);  // the rename, durable
  return v;
}

Status CheckKeyFileOutside(const std::string& key_file, const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path key = fs::weakly_canonical(fs::absolute(key_file, ec), ec);
  if (ec) return InvalidArgument("cannot resolve key file path " + key_file + ": " + ec.message());
  fs::path data = fs::weakly_canonical(fs::absolute(data_dir, ec), ec);
  if (ec) return InvalidArgument("cannot resolve data directory " + data_dir + ": " + ec.message());
  auto k = key.begin();
  for (auto d = data.begin(); d != data.end(); ++d, ++k) {
    if (d->empty()) continue;  // a trailing separator
    if (k == key.end() || *k != *d) return Status::Ok();
  }
  return FailedPrecondition("key file " + key_file + " is inside the data directory " + data_dir +
                            "; keep it elsewhere (e.g. /etc/zhixian/keys) so that a copy of the "
                            "data directory does not carry its own key");
}

}  // namespace zx::security
