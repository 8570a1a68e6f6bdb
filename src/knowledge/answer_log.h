// AnswerLog: what the knowledge base is used for and what it could not answer (issue 14, points
// 3 and 7). Two records, kept in the database (tables kb_hits, kb_unanswered,
// kb_unanswered_clusters; SQL portable, storage/database.h):
//   - hits: answers given from each entry, per China calendar day (UTC+8, as tickets/calendar.h
//     counts days); HitsSince gives the entries list its `hits_7d`;
//   - unanswered questions: a citizen question asked back (kAskedBack), answered under the
//     threshold plus a margin (kLowConfidence), handed over for repeated failures (kHandedOver),
//     or answered and then rated 不满意 (kUnhelpful); with channel, reason, time and
//     conversation. They are grouped into clusters of similar questions
//     (knowledge/question_clusters.h) that editors resolve (the questions became phrasings of an
//     entry, or a new entry) or dismiss.
//
// Answering never waits on a write: Record only adds to memory (hits summed per day and topic,
// questions queued, at most max_pending; beyond that they are dropped and counted). A worker
// thread writes the batch every `flush_every`, and Stop (or the destructor) writes what is left.
// HitsSince adds what is still in memory, so counts are current.
//
// Personal data: the question is the citizen's own words. Phone and ID numbers are masked
// (text/pii.h MaskText) before anything else sees it (clusters compare masked text), and the
// masked text is sealed (security::FieldCipher, aad FieldAad("kb_unanswered", "question_enc",
// question id)) like conversation turns; it is never logged. Without a cipher no question text
// is stored (only reason, channel, time), and clusters of questions from before a restart keep
// their counts but cannot take new members. EncryptedColumns and RetentionRules register the
// column for `zhixian keys reencrypt` and the retention job (transcripts).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/china_date.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "knowledge/entry.h"
#include "knowledge/knowledge_config.h"
#include "knowledge/question_clusters.h"
#include "security/field_cipher.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "storage/database.h"

namespace zx::knowledge {

class KnowledgeEngine;

// Why a question counts as not answered.
inline constexpr char kAskedBack[] = "asked_back";
inline constexpr char kLowConfidence[] = "low_confidence";
inline constexpr char kHandedOver[] = "failures";  // escalation.h's reason code
inline constexpr char kUnhelpful[] = "unhelpful";

// A cluster's status.
inline constexpr char kClusterOpen[] = "open";
inline constexpr char kClusterResolved[] = "resolved";
inline constexpr char kClusterDismissed[] = "dismissed";

struct AnswerLogOptions {
  // Answers from a non-meta entry below this confidence count as kLowConfidence:
  // knowledge.answer_threshold + knowledge.unanswered_margin (AnswerLogOptionsFrom).
  double low_confidence_below = 0.55;
  std::chrono::milliseconds flush_every{2000};
  size_t max_pending = 10000;   // questions waiting to be written; more are dropped
  size_t max_reloaded = 50000;  // newest questions read back into the clusters at Open
  ClusterOptions clusters;
  // Normalises text for clustering; empty: text::Normalizer (t2s, width, case).
  std::function<std::string(std::string_view)> normalize;
  // Texts counted in the clusters' document frequencies only (BackgroundQuestions).
  std::vector<std::string> background;
};

AnswerLogOptions AnswerLogOptionsFrom(const KnowledgeConfig& config);
// The phrasings and colloquial forms of every entry: the background of the clusters' IDF.
std::vector<std::string> BackgroundQuestions(const KnowledgeBase& kb);

// One citizen question and what became of it.
struct AskedQuestion {
  std::string question;              // as asked (masked and sealed before it is stored)
  std::string channel;               // "api", or the conversation's channel ("web", "voice", ...)
  std::string conversation_id;       // "" outside a conversation
  std::optional<std::string> topic;  // the entry it was answered from; none: not answered
  double confidence = 0;             // of the answer, or of the best guess
  std::string unanswered;            // "" answered; else kAskedBack, kLowConfidence, ...
  // Counts a hit of `topic`; false for a later judgement of a question already counted (a
  // rating after the answer).
  bool hit = true;
};

struct UnansweredCluster {
  std::string id;  // "uq" + 16 hex digits
  std::string status;
  std::string label;  // its most central question (masked)
  int64_t count = 0;  // questions in it
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  std::map<std::string, int64_t> channels;  // channel -> questions
  std::map<std::string, int64_t> reasons;   // reason -> questions
  std::vector<std::string> examples;        // up to 5 distinct questions (masked), newest first
  // Once closed: "phrasings" or "new_entry" (resolved), "dismissed"; the entry and draft
  // version it went to, the dismissal's reason, who and when.
  std::string resolution;
  std::string entry_id;
  int version = 0;
  std::string reason;
  std::string closed_by;
  int64_t closed_ms = 0;
};

// How a cluster was closed.
struct ClusterClosing {
  std::string resolution;  // "phrasings", "new_entry" (-> resolved), "dismissed"
  std::string entry_id;
  int version = 0;
  std::string reason;  // why dismissed (1-200 characters)
  std::string by;      // principal id
};

class AnswerLog {
 public:
  // Migrates, reads the open clusters back and starts the writer. `cipher` may be null (see
  // above); `metrics` may be null (else as ExportGauge).
  static Result<std::unique_ptr<AnswerLog>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
      const Clock& clock, AnswerLogOptions options = {}, Metrics* metrics = nullptr);
  // Creates the tables only (migration "kb_answers"), for a schema made without the log
  // (`zhixian migrate`); Open does it too.
  static Status Migrate(storage::Database& db);
  ~AnswerLog();
  AnswerLog(const AnswerLog&) = delete;
  AnswerLog& operator=(const AnswerLog&) = delete;

  // The reason an answer counts as not answered: kAskedBack without a topic, kLowConfidence
  // for a non-meta topic under low_confidence_below, else "".
  std::string Judge(const std::optional<std::string>& topic, double confidence) const;
  // Notes one question (a hit when it has a topic; queued when `unanswered` is set). Never
  // touches the database.
  void Record(AskedQuestion question);
  // Writes what is pending now (the worker calls it every flush_every). On a failed write the
  // batch is dropped (logged, counted) and the clusters are read back from the database.
  Status Flush();
  // Writes what is left and stops the worker; Record after it is dropped. Idempotent.
  void Stop();

  // Today's China date, by the log's clock.
  std::string Today() const { return ChinaDate(clock_.NowUnixMillis()); }
  // Answers per topic from China date `date` ("YYYY-MM-DD") on, including today's unwritten.
  Result<std::map<std::string, int64_t>> HitsSince(std::string_view date) const;

  // Clusters of `status`, the largest first (then the latest), at most `limit`.
  Result<std::vector<UnansweredCluster>> Clusters(std::string_view status, int limit = 100) const;
  Result<UnansweredCluster> Cluster(const std::string& id) const;  // not_found
  Result<int64_t> OpenClusters() const;
  // Closes an open cluster: not_found, failed_precondition when not open, invalid_argument for
  // a closing without its entry (resolved) or reason (dismissed).
  Status Close(const std::string& id, const ClusterClosing& closing);

  // Keeps the gauge zhixian_kb_unanswered_open of `metrics` current from now on (the dashboard's
  // count of open clusters); `metrics` must outlive the log.
  void ExportGauge(Metrics& metrics);

  uint64_t dropped() const;
  const AnswerLogOptions& options() const { return options_; }

  static std::vector<security::EncryptedColumn> EncryptedColumns();
  static std::vector<security::RetentionRule> RetentionRules();

 private:
  struct Pending {
    AskedQuestion q;
    int64_t at_ms = 0;
  };
  AnswerLog(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
            const Clock& clock, AnswerLogOptions options, Metrics* metrics);
  Status Reload();  // the clusters from the database; caller holds write_mu_
  Status WriteBatch(const std::map<std::string, std::map<std::string, int64_t>>& hits,
                    const std::vector<Pending>& questions);
  std::string Unseal(const std::string& id, const std::string& sealed) const;
  Status Details(UnansweredCluster& c) const;
  void UpdateGauge() const;

  storage::Database& db_;
  std::shared_ptr<const security::FieldCipher> cipher_;
  const Clock& clock_;
  AnswerLogOptions options_;
  std::atomic<Gauge*> open_gauge_{nullptr};

  mutable std::mutex pending_mu_;
  std::map<std::string, std::map<std::string, int64_t>> hits_;  // day -> topic -> n; pending_mu_
  std::vector<Pending> pending_;                                // guarded by pending_mu_
  uint64_t dropped_ = 0;                                        // guarded by pending_mu_
  bool stopped_ = false;                                        // guarded by pending_mu_

  mutable std::mutex write_mu_;                 // one writer: the batch, the clusters and closings
  std::unique_ptr<QuestionClusters> clusters_;  // guarded by write_mu_
  std::unique_ptr<Worker> worker_;
};

// The entries an engine ranks first for `question` (the suggestion of a cluster's label):
// up to `n` (topic, title) pairs, meta entries left out.
struct Suggestion {
  std::string topic;
  std::string title;
};
std::vector<Suggestion> SuggestEntries(const KnowledgeEngine& engine, std::string_view question,
                                       int n = 3);

}  // namespace zx::knowledge
