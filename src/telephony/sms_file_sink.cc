#include "telephony/sms_file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

#include "telephony/sms_http_gateway.h"
#include "text/pii.h"

namespace zx::telephony {
namespace {

class FileSmsSink final : public SmsGateway {
 public:
  FileSmsSink(FileSmsOptions options, int fd, const Clock& clock)
      : options_(std::move(options)), fd_(fd), clock_(clock) {}
  ~FileSmsSink() override { ::close(fd_); }

  Result<SmsReceipt> Send(const SmsMessage& message) override {
    ZX_RETURN_IF_ERROR(ValidateSmsMessage(message, options_.sign, options_.max_chars));
    SmsReceipt receipt;
    receipt.at_ms = clock_.NowUnixMillis();
    // Masked twice over: the number, and any phone or ID number the text carries.
    std::string line = "{\"at\":" + std::to_string(receipt.at_ms) + ",\"id\":\"" +
                       JsonEscape(message.id) + "\",\"to\":\"" +
                       JsonEscape(text::MaskPhone(message.to)) + "\",\"text\":\"" +
                       JsonEscape(text::MaskText(options_.sign + message.text)) + "\"}\n";
    {
      std::lock_guard lock(mu_);
      // One write of the whole line to an O_APPEND file: lines never interleave.
      ssize_t n = ::write(fd_, line.data(), line.size());
      if (n != static_cast<ssize_t>(line.size()))
        return Unavailable("sms: cannot append to " + options_.path + ": " +
                           (n < 0 ? std::strerror(errno) : "short write"));
    }
    receipt.accepted = true;
    receipt.provider_id = message.id;
    return receipt;
  }

  std::string Name() const override { return "file"; }

 private:
  const FileSmsOptions options_;
  const int fd_;
  const Clock& clock_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<SmsGateway>> MakeFileSmsSink(const FileSmsOptions& options,
                                                    const Clock& clock) {
  std::error_code ec;
  auto dir = std::filesystem::path(options.path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  int fd = ::open(options.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return InvalidArgument("sms: cannot open " + options.path +
                           " for appending: " + std::strerror(errno) +
                           " (sms.gateway = \"file\" writes DATA/sms.jsonl)");
  return std::unique_ptr<SmsGateway>(new FileSmsSink(options, fd, clock));
}

}  // namespace zx::telephony
