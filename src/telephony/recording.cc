#include "telephony/recording.h"

#include <chrono>
#include <filesystem>

#include "telephony/gateway.h"
#include "telephony/media.h"
#include "telephony/wav.h"

namespace zx::telephony {
namespace {

class WavFileSink final : public RecordingSink {
 public:
  Status Open(const std::string& path) { return wav_.Open(path, kSampleRate, 2); }
  void Write(const int16_t* samples, size_t count) override { wav_.Write(samples, count); }
  Status Close() override { return wav_.Close(); }

 private:
  WavWriter wav_;
};

}  // namespace

RecordingFactory WavFileRecordings(std::string dir) {
  return [dir = std::move(dir)](const CallInfo& call) -> Result<std::unique_ptr<RecordingSink>> {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Unavailable("cannot create recordings directory " + dir + ": " + ec.message());
    auto unix_time = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    auto sink = std::make_unique<WavFileSink>();
    ZX_RETURN_IF_ERROR(sink->Open(dir + "/call-" + std::to_string(call.id) + "-" +
                                  std::to_string(unix_time) + ".wav"));
    return std::unique_ptr<RecordingSink>(std::move(sink));
  };
}

}  // namespace zx::telephony
