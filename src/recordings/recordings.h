// Call recordings at rest. Each answered call is written, while it goes, to a sealed file
// (security/sealed_file.h: SM4-GCM under the key file's current data key) at
// DATA/recordings/<id>.zxrec, and registered in the call_recordings table, which the retention
// job purges with the files after retention.recordings_hours (recording_store.h). Nothing of
// a call's audio is ever on disk in clear; `zhixian recordings export` turns one back into a
// WAV for someone allowed to listen (permission recording.read, audited).
//
// Disk budget: the vault keeps the total size of DATA/recordings under `max_bytes`
// (retention.recordings_max_mb). At the budget a recording in progress stops growing and new
// calls are not recorded (the calls themselves go on); the vault logs an error when that starts
// (recording.disk_budget_exceeded) and when there is room again, and counts each call it did
// not record in zhixian_recordings_skipped_total{reason="disk_budget"}. The directory is
// measured at Open and again every minute, a timer on the vault's worker (the retention job
// deletes files behind our back).
//
// Threads: the gateway makes sinks and writes frames on its libre thread, which must never wait
// for the database; rows are written by the vault's own zx::Worker (base/worker.h). A file whose
// row was never written (the process died first) is registered when the vault next opens, so
// retention still finds it. The SQL is in RecordingStore (recordings/recording_store.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "recordings/recording_store.h"
#include "security/keys.h"
#include "storage/database.h"
#include "telephony/recording.h"

namespace zx::recordings {

struct ExportedRecording {
  RecordingInfo info;
  bool complete = false;  // false: cut short (the process died mid-call)
  double seconds = 0;     // what the file held
};

struct RecordingVaultOptions {
  int64_t max_bytes = 0;       // disk budget of DATA/recordings; 0: no limit
  Metrics* metrics = nullptr;  // zhixian_recordings_*; may be null; must outlive the vault
};

class RecordingVault {
 public:
  // Creates the table and DATA/recordings (mode 0700), registers orphaned files.
  static Result<std::unique_ptr<RecordingVault>> Open(storage::Database& db,
                                                      const std::string& data_dir,
                                                      std::shared_ptr<const security::KeyRing> keys,
                                                      const Clock& clock,
                                                      RecordingVaultOptions options = {});
  ~RecordingVault();  // writes the rows still queued

  // The gateway's factory: a sealed sink per answered call, or none (nullptr) while the disk
  // budget is used up.
  telephony::RecordingFactory Factory();

  // Bytes under DATA/recordings as last measured plus what sinks wrote since.
  int64_t used_bytes() const { return measured_.load() + written_.load(); }
  bool over_budget() const { return over_.load(); }

  // Newest first.
  Result<std::vector<RecordingInfo>> List(int limit);
  // Returns when the rows queued so far are written and a measure due by the clock has run
  // (for tests that move a FakeClock).
  void Flush();
  // Decrypts recording `id` into a 16-bit stereo 8 kHz WAV at `out_path`. kNotFound for an
  // unknown id or a file already purged; kDataLoss when the file was tampered with.
  Result<ExportedRecording> ExportWav(const std::string& id, const std::string& out_path);

 private:
  class Sink;
  RecordingVault() = default;
  Status RegisterOrphans();
  int64_t MeasureDir() const;
  // Measures the directory again (on the worker, every minute).
  void Remeasure();
  // Writes a row on the worker, off the gateway's thread; logs a failure.
  void Write(std::function<Status(RecordingStore&)> job);
  // Whether `more` bytes still fit; logs and counts the crossing of the budget.
  bool Fits(int64_t more);

  std::unique_ptr<RecordingStore> store_;
  std::string data_dir_;
  std::shared_ptr<const security::KeyRing> keys_;
  const Clock* clock_ = nullptr;
  RecordingVaultOptions options_;
  std::atomic<int64_t> measured_{0};  // size of the directory at the last measure
  std::atomic<int64_t> written_{0};   // bytes written by sinks since then
  std::atomic<bool> over_{false};
  Counter* m_skipped_ = nullptr;
  Counter* m_exceeded_ = nullptr;
  std::unique_ptr<Worker> worker_;  // last: stopped (rows written) before the rest goes
};

}  // namespace zx::recordings
