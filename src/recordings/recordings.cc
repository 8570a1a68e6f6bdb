#include "app/recordings.h"

#include <sys/stat.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/sealed_file.h"
#include "telephony/gateway.h"
#include "telephony/media.h"
#include "telephony/wav.h"

namespace zx::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDir = "recordings";
constexpr const char* kSuffix = ".zxrec";
constexpr double kBytesPerSecond = telephony::kSampleRate * 2 * sizeof(int16_t);  // stereo

// Binds a file to its row: a sealed file renamed or copied to another id does not open.
std::string AadOf(const std::string& id) { return "call_recordings.audio:" + id; }

Status Migrate(storage::Database& db) {
  return db.Migrate({{"recordings", 1, R"sql(
    CREATE TABLE call_recordings (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      seconds REAL NOT NULL DEFAULT 0,
      caller_masked TEXT NOT NULL DEFAULT '',
      called_user TEXT NOT NULL DEFAULT '',
      file TEXT NOT NULL,
      key_version INTEGER NOT NULL);
    CREATE INDEX call_recordings_started ON call_recordings(started_at);
  )sql"}});
}

}  // namespace

// Runs database writes in order, off the libre thread.
class RecordingVault::Worker {
 public:
  explicit Worker(storage::Database& db) : db_(db), thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Post(std::function<Status(storage::Database&)> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and everything is written
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      if (Status s = job(db_); !s.ok())
        log::Error("recording.row_failed error=\"{}\"", s.message());
      lock.lock();
    }
  }

  storage::Database& db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<Status(storage::Database&)>> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

class RecordingVault::Sink final : public telephony::RecordingSink {
 public:
  Sink(std::unique_ptr<security::SealedFileWriter> file, std::string id, RecordingVault& vault)
      : file_(std::move(file)),
        id_(std::move(id)),
        vault_(vault),
        worker_(*vault.worker_),
        clock_(*vault.clock_) {}

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
    worker_.Post([id = id_, ended, seconds](storage::Database& db) -> Status {
      auto st = db.Prepare("UPDATE call_recordings SET ended_at = ?, seconds = ? WHERE id = ?");
      if (!st.ok()) return st.status();
      return st->Bind(1, ended).Bind(2, seconds).Bind(3, id).Run();
    });
    return closed;
  }

 private:
  std::unique_ptr<security::SealedFileWriter> file_;
  std::string id_;
  RecordingVault& vault_;
  Worker& worker_;
  const Clock& clock_;
  bool failed_ = false;
};

Result<std::unique_ptr<RecordingVault>> RecordingVault::Open(
    storage::Database& db, const std::string& data_dir,
    std::shared_ptr<const security::KeyRing> keys, const Clock& clock,
    RecordingVaultOptions options) {
  if (!keys) return InvalidArgument("recordings need the key file (security.key_file)");
  ZX_RETURN_IF_ERROR(Migrate(db));
  std::error_code ec;
  fs::path dir = fs::path(data_dir) / kDir;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::unique_ptr<RecordingVault> v(new RecordingVault());
  v->db_ = &db;
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
  v->measured_at_ms_ = clock.NowUnixMillis();
  v->worker_ = std::make_unique<Worker>(db);
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

void RecordingVault::MaybeRemeasure() {
  int64_t now = clock_->NowUnixMillis();
  if (now - measured_at_ms_.load() < 60000 || measuring_.exchange(true)) return;
  worker_->Post([this, now](storage::Database&) -> Status {
    int64_t written_before = written_.load();
    int64_t size = MeasureDir();
    measured_ = size;
    written_.fetch_sub(written_before);
    measured_at_ms_ = now;
    // Room again (the retention job purged old files): record again, with some slack so that
    // the alarm does not flap at the edge.
    if (over_.load() && used_bytes() < options_.max_bytes / 10 * 9) {
      over_ = false;
      log::Warn("recording.disk_budget_ok used_mb={:.1f} max_mb={:.1f} (recording again)",
                static_cast<double>(used_bytes()) / (1 << 20),
                static_cast<double>(options_.max_bytes) / (1 << 20));
    }
    measuring_ = false;
    return Status::Ok();
  });
}

RecordingVault::~RecordingVault() = default;

Status RecordingVault::RegisterOrphans() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data_dir_) / kDir, ec)) {
    if (entry.path().extension() != kSuffix) continue;
    std::string id = entry.path().stem().string();
    std::string file = std::string(kDir) + "/" + entry.path().filename().string();
    auto known = db_->Prepare("SELECT 1 FROM call_recordings WHERE id = ?");
    if (!known.ok()) return known.status();
    auto row = known->Bind(1, id).Step();
    if (!row.ok()) return row.status();
    if (*row) continue;
    auto mtime = fs::last_write_time(entry.path(), ec);
    int64_t started = ec ? clock_->NowUnixMillis()
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                               .count();
    auto insert = db_->Prepare(
        "INSERT INTO call_recordings (id, started_at, file, key_version) VALUES (?, ?, ?, 0)");
    if (!insert.ok()) return insert.status();
    ZX_RETURN_IF_ERROR(insert->Bind(1, id).Bind(2, started).Bind(3, file).Run());
    log::Warn("recording.orphan_registered id={} (its row was lost; retention will purge it)", id);
  }
  if (ec) return Unavailable("cannot list recordings: " + ec.message());
  return Status::Ok();
}

telephony::RecordingFactory RecordingVault::Factory() {
  return
      [this](const telephony::CallInfo& call) -> Result<std::unique_ptr<telephony::RecordingSink>> {
        MaybeRemeasure();
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
        worker_->Post([=, caller = call.caller_masked,
                       called = call.called_user](storage::Database& db) -> Status {
          auto st = db.Prepare(
              "INSERT INTO call_recordings (id, started_at, caller_masked, called_user, file, "
              "key_version) VALUES (?, ?, ?, ?, ?, ?)");
          if (!st.ok()) return st.status();
          return st->Bind(1, id)
              .Bind(2, started)
              .Bind(3, caller)
              .Bind(4, called)
              .Bind(5, file)
              .Bind(6, static_cast<int64_t>(version))
              .Run();
        });
        log::Info("recording.started call={} id={} key_version={}", call.id, id, version);
        return std::unique_ptr<telephony::RecordingSink>(
            new Sink(std::move(sealed).value(), id, *this));
      };
}

namespace {

RecordingInfo RowToInfo(const storage::Statement& st) {
  RecordingInfo r;
  r.id = st.Text(0);
  r.started_ms = st.Int(1);
  r.ended_ms = st.IsNull(2) ? 0 : st.Int(2);
  r.seconds = st.Double(3);
  r.caller_masked = st.Text(4);
  r.called_user = st.Text(5);
  r.file = st.Text(6);
  r.key_version = static_cast<uint32_t>(st.Int(7));
  return r;
}

constexpr const char* kColumns =
    "id, started_at, ended_at, seconds, caller_masked, called_user, file, key_version";

}  // namespace

Result<std::vector<RecordingInfo>> RecordingVault::List(int limit) {
  auto st = db_->Prepare(std::string("SELECT ") + kColumns +
                         " FROM call_recordings ORDER BY started_at DESC, id LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<int64_t>(limit));
  std::vector<RecordingInfo> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(RowToInfo(*st));
  }
  return out;
}

Result<ExportedRecording> RecordingVault::ExportWav(const std::string& id,
                                                    const std::string& out_path) {
  auto st = db_->Prepare(std::string("SELECT ") + kColumns + " FROM call_recordings WHERE id = ?");
  if (!st.ok()) return st.status();
  auto row = st->Bind(1, id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no recording " + id + " (unknown, or purged by retention)");
  ExportedRecording out;
  out.info = RowToInfo(*st);
  auto sealed =
      security::OpenSealedFile((fs::path(data_dir_) / out.info.file).string(), *keys_, AadOf(id));
  if (!sealed.ok()) return sealed.status();
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

}  // namespace zx::app
