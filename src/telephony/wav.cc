#include "telephony/wav.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zx::telephony {
namespace {

void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
uint32_t Get32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

// A four-character chunk tag, without the literal's terminating NUL.
void PutTag(uint8_t* p, const char (&tag)[5]) { std::copy_n(tag, 4, p); }

void Header(uint8_t* h, int rate, int channels, uint32_t data_bytes) {
  PutTag(h, "RIFF");
  Put32(h + 4, 36 + data_bytes);
  PutTag(h + 8, "WAVE");
  PutTag(h + 12, "fmt ");
  Put32(h + 16, 16);
  Put16(h + 20, 1);  // PCM
  Put16(h + 22, static_cast<uint16_t>(channels));
  Put32(h + 24, static_cast<uint32_t>(rate));
  Put32(h + 28, static_cast<uint32_t>(rate * channels * 2));
  Put16(h + 32, static_cast<uint16_t>(channels * 2));
  Put16(h + 34, 16);
  PutTag(h + 36, "data");
  Put32(h + 40, data_bytes);
}

}  // namespace

Status WavWriter::Open(const std::string& path, int sample_rate, int channels) {
  ZX_RETURN_IF_ERROR(Close());
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 64 * 1024);
  uint8_t h[44];
  Header(h, sample_rate, channels, 0);
  std::fwrite(h, 1, sizeof(h), file_);
  data_bytes_ = 0;
  header_rate_ = sample_rate;
  header_channels_ = channels;
  return Status::Ok();
}

void WavWriter::Write(const int16_t* samples, size_t count) {
  if (!file_) return;
  // WAV is little-endian, as is every machine zhixian runs on.
  std::fwrite(samples, sizeof(int16_t), count, file_);
  data_bytes_ += static_cast<uint32_t>(count * sizeof(int16_t));
}

Status WavWriter::Close() {
  if (!file_) return Status::Ok();
  uint8_t h[44];
  Header(h, header_rate_, header_channels_, data_bytes_);
  bool ok = std::fseek(file_, 0, SEEK_SET) == 0 && std::fwrite(h, 1, sizeof(h), file_) == sizeof(h);
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  return ok ? Status::Ok() : Unavailable("cannot finish a WAV recording");
}

Result<WavData> ReadWav(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return NotFound("cannot open " + path);
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  std::fclose(f);
  if (bytes.size() < 44 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0)
    return InvalidArgument(path + ": not a WAV file");
  WavData out;
  size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    uint32_t size = Get32(&bytes[pos + 4]);
    if (std::memcmp(&bytes[pos], "fmt ", 4) == 0 && pos + 24 <= bytes.size()) {
      out.channels = Get16(&bytes[pos + 10]);
      out.sample_rate = static_cast<int>(Get32(&bytes[pos + 12]));
    } else if (std::memcmp(&bytes[pos], "data", 4) == 0) {
      size_t end = std::min(bytes.size(), pos + 8 + size);
      out.samples.resize((end - pos - 8) / 2);
      std::memcpy(out.samples.data(), &bytes[pos + 8], out.samples.size() * 2);
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  return InvalidArgument(path + ": no data chunk");
}

}  // namespace zx::telephony
