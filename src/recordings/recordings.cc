#include "recordings/recordings.h"

#include <sys/stat.h>

#include <filesystem>
#include <functional>

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/field_cipher.h"
#include "security/sealed_file.h"
#include "telephony/gateway.h"
#include "telephony/media.h"
#include "telephony/wav.h"

namespace zx::recordings {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDir = "recordings";
constexpr const char* kSuffix = ".zxrec";
constexpr double kBytesPerSecond = telephony::kSampleRate * 2 * sizeof(int16_t);  // stereo

// Binds a file to its row: a sealed file renamed or copied to another id does not open.
std::string AadOf(const std::string& id) { return "call_recordings.audio:" + id; }

}  // namespace

class RecordingVault::Sink final : public telephony::RecordingSink {
 public:
  Sink(std::unique_ptr<security::SealedFileWriter> file, std::string id, RecordingVault& vault)
      : file_(std::move(file)), id_(std::move(id)), vault_(vault), clock_(*vault.clock_) {}

  void Write(const int16_t* samples, size_t count) override {
    if (failed_) return;
    auto bytes = static_cast<int64_t>(count * sizeof(int16_t));
    if (!vault_.Fits(bytes)) {
      failed_ = true;  // the disk budget is used up: the recording ends here, the call goes on
      log::Warn("recording.stopped id={} reason=disk_budget", id_);
      return;
    }
    // Little-endian 16-bit PCM, as on every machine zhixian runs on.
    Status s = file_->Write(
        std::string_view(reinterpret_cast<const char*>(samples), count * sizeof(int16_t)));
    vault_.written_.fetch_add(bytes);
    if (!s.ok()) {
      failed_ = true;  // a full disk: say so once, keep the call going
      log::Error("recording.write_failed id={} error=\"{}\"", id_, s.message());
    }
  }

  Status Close() override {
    Status closed = file_->Close();
    double seconds = static_cast<double>(file_->plaintext_bytes()) / kBytesPerSecond;
    int64_t ended = clock_.NowUnixMillis();
    vault_.Write([id = id_, ended, seconds](RecordingStore& store) {
      return store.MarkEnded(id, ended, seconds);
    });
    return closed;
  }

 private:
  std::unique_ptr<security::SealedFileWriter> file_;
  std::string id_;
  RecordingVault& vault_;
  const Clock& clock_;
  bool failed_ = false;
};

Result<std::unique_ptr<RecordingVault>> RecordingVault::Open(
    storage::Database& db, const std::string& data_dir,
    std::shared_ptr<const security::KeyRing> keys, const Clock& clock,
    RecordingVaultOptions options) {
  if (!keys) return InvalidArgument("recordings need the key file (security.key_file)");
  auto store = std::make_unique<RecordingStore>(db);
  ZX_RETURN_IF_ERROR(store->Migrate());
  std::error_code ec;
  fs::path dir = fs::path(data_dir) / kDir;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::unique_ptr<RecordingVault> v(new RecordingVault());
  v->store_ = std::move(store);
  v->data_dir_ = data_dir;
  v->keys_ = std::move(keys);
  v->clock_ = &clock;
  v->options_ = options;
  if (options.max_bytes < 0) return InvalidArgument("recordings disk budget must not be negative");
  if (Metrics* m = options.metrics) {
    v->m_skipped_ = &m->AddCounter("zhixian_recordings_skipped_total",
                                   "answered calls not recorded", {"reason"})
                         .With({"disk_budget"});
    v->m_exceeded_ = &m->AddCounter("zhixian_recordings_budget_exceeded_total",
                                    "times the recordings reached retention.recordings_max_mb")
                          .With({});
  }
  ZX_RETURN_IF_ERROR(v->RegisterOrphans());
  v->measured_ = v->MeasureDir();
  v->worker_ = std::make_unique<Worker>("zx-recordings", clock);
  RecordingVault* vault = v.get();
  v->worker_->Every(
      std::chrono::minutes(1), [vault] { vault->Remeasure(); }, std::chrono::minutes(1));
  if (options.max_bytes > 0 && v->measured_.load() >= options.max_bytes) (void)v->Fits(1);
  return v;
}

int64_t RecordingVault::MeasureDir() const {
  std::error_code ec;
  int64_t total = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(data_dir_) / kDir, ec)) {
    std::error_code size_ec;
    auto size = entry.file_size(size_ec);
    if (!size_ec) total += static_cast<int64_t>(size);
  }
  return total;
}

bool RecordingVault::Fits(int64_t more) {
  int64_t max = options_.max_bytes;
  if (max <= 0) return true;
  if (over_.load()) return false;
  int64_t used = used_bytes();
  if (used + more <= max) return true;
  if (!over_.exchange(true)) {
    if (m_exceeded_) m_exceeded_->Inc();
    log::Error(
        "recording.disk_budget_exceeded used_mb={:.1f} max_mb={:.1f} (calls go on without "
        "recording; fix: lower retention.recordings_hours or raise "
        "retention.recordings_max_mb)",
        static_cast<double>(used) / (1 << 20), static_cast<double>(max) / (1 << 20));
  }
  return false;
}

void RecordingVault::Remeasure() {
  int64_t written_before = written_.load();
  int64_t size = MeasureDir();
  measured_ = size;
  written_.fetch_sub(written_before);
  // Room again (the retention job purged old files): record again, with some slack so that
  // the alarm does not flap at the edge.
  if (over_.load() && used_bytes() < options_.max_bytes / 10 * 9) {
    over_ = false;
    log::Warn("recording.disk_budget_ok used_mb={:.1f} max_mb={:.1f} (recording again)",
              static_cast<double>(used_bytes()) / (1 << 20),
              static_cast<double>(options_.max_bytes) / (1 << 20));
  }
}

void RecordingVault::Write(std::function<Status(RecordingStore&)> job) {
  worker_->Post([this, job = std::move(job)] {
    if (Status s = job(*store_); !s.ok())
      log::Error("recording.row_failed error=\"{}\"", s.message());
  });
}

void RecordingVault::Flush() { worker_->Flush(); }

// The worker first: the rows still queued are written while the store exists.
RecordingVault::~RecordingVault() { worker_.reset(); }

Status RecordingVault::RegisterOrphans() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data_dir_) / kDir, ec)) {
    if (entry.path().extension() != kSuffix) continue;
    std::string id = entry.path().stem().string();
    std::string file = std::string(kDir) + "/" + entry.path().filename().string();
    ZX_ASSIGN_OR_RETURN(bool known, store_->Exists(id));
    if (known) continue;
    auto mtime = fs::last_write_time(entry.path(), ec);
    int64_t started = ec ? clock_->NowUnixMillis()
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                               .count();
    RecordingInfo orphan;
    orphan.id = id;
    orphan.started_ms = started;
    orphan.file = file;
    orphan.key_version = 0;  // unknown; the sealed file names its key itself
    ZX_RETURN_IF_ERROR(store_->Insert(orphan));
    log::Warn("recording.orphan_registered id={} (its row was lost; retention will purge it)", id);
  }
  if (ec) return Unavailable("cannot list recordings: " + ec.message());
  return Status::Ok();
}

telephony::RecordingFactory RecordingVault::Factory() {
  return
      [this](const telephony::CallInfo& call) -> Result<std::unique_ptr<telephony::RecordingSink>> {
        if (!Fits(0)) {
          if (m_skipped_) m_skipped_->Inc();
          log::Warn("recording.skipped call={} reason=disk_budget", call.id);
          return std::unique_ptr<telephony::RecordingSink>();
        }
        std::string id = security::HexEncode(security::RandomBytes(8));
        std::string file = std::string(kDir) + "/" + id + kSuffix;
        auto sealed = security::SealedFileWriter::Create((fs::path(data_dir_) / file).string(),
                                                         keys_, AadOf(id));
        if (!sealed.ok()) return sealed.status();
        int64_t started = clock_->NowUnixMillis();
        uint32_t version = (*sealed)->key_version();
        RecordingInfo row;
        row.id = id;
        row.started_ms = started;
        row.caller_masked = call.caller_masked;
        row.called_user = call.called_user;
        row.file = file;
        row.key_version = version;
        Write([row = std::move(row)](RecordingStore& store) { return store.Insert(row); });
        log::Info("recording.started call={} id={} key_version={}", call.id, id, version);
        return std::unique_ptr<telephony::RecordingSink>(
            new Sink(std::move(sealed).value(), id, *this));
      };
}

Result<std::vector<RecordingInfo>> RecordingVault::List(int limit) { return store_->List(limit); }

Result<ExportedRecording> RecordingVault::ExportWav(const std::string& id,
                                                    const std::string& out_path) {
  ZX_ASSIGN_OR_RETURN(std::optional<RecordingInfo> info, store_->Find(id));
  if (!info) return NotFound("no recording " + id + " (unknown, or purged by retention)");
  ExportedRecording out;
  out.info = std::move(*info);
  auto sealed =
      security::OpenSealedFile((fs::path(data_dir_) / out.info.file).string(), *keys_, AadOf(id));
  if (!sealed.ok()) return security::AsKeyMissing(sealed.status(), "recording " + id);
  out.complete = sealed->complete;
  out.seconds = static_cast<double>(sealed->data.size()) / kBytesPerSecond;
  telephony::WavWriter wav;
  ZX_RETURN_IF_ERROR(wav.Open(out_path, telephony::kSampleRate, 2));
  wav.Write(reinterpret_cast<const int16_t*>(sealed->data.data()),
            sealed->data.size() / sizeof(int16_t));
  security::Wipe(sealed->data);
  ZX_RETURN_IF_ERROR(wav.Close());
  return out;
}

}  // namespace zx::recordings
