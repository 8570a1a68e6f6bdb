#include "knowledge/answer_log.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>

#include "base/log.h"
#include "knowledge/engine.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/normalizer.h"
#include "text/pii.h"

namespace zx::knowledge {
namespace {

constexpr char kTable[] = "kb_unanswered";
constexpr char kColumn[] = "question_enc";
constexpr size_t kExamples = 5;

std::string NewId(std::string_view prefix) {
  return std::string(prefix) + security::HexEncode(security::RandomBytes(8));
}

bool IsStatus(std::string_view s) {
  return s == kClusterOpen || s == kClusterResolved || s == kClusterDismissed;
}

}  // namespace

AnswerLogOptions AnswerLogOptionsFrom(const KnowledgeConfig& config) {
  AnswerLogOptions o;
  o.low_confidence_below = config.answer_threshold + config.unanswered_margin;
  return o;
}

std::vector<std::string> BackgroundQuestions(const KnowledgeBase& kb) {
  std::vector<std::string> out;
  for (const Entry& e : kb.entries) {
    out.insert(out.end(), e.phrasings.begin(), e.phrasings.end());
    out.insert(out.end(), e.colloquial.begin(), e.colloquial.end());
  }
  return out;
}

AnswerLog::AnswerLog(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
                     const Clock& clock, AnswerLogOptions options, Metrics* metrics)
    : db_(db), cipher_(std::move(cipher)), clock_(clock), options_(std::move(options)) {
  if (metrics) ExportGauge(*metrics);
}

void AnswerLog::ExportGauge(Metrics& metrics) {
  open_gauge_ =
      &metrics
           .AddGauge("zhixian_kb_unanswered_open",
                     "Open clusters of questions the knowledge base could not answer.", {})
           .With({});
  UpdateGauge();
}

Status AnswerLog::Migrate(storage::Database& db) {
  // Times are unix milliseconds (BIGINT: 64 bits on PostgreSQL too). question_enc holds
  // FieldCipher output of the masked question, NULL without a cipher.
  return db.Migrate({{"kb_answers", 1, R"sql(
    CREATE TABLE kb_answer_hits (
      day TEXT NOT NULL,
      topic TEXT NOT NULL,
      hits BIGINT NOT NULL,
      PRIMARY KEY (day, topic));
    CREATE TABLE kb_unanswered_clusters (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      label_id TEXT NOT NULL DEFAULT '',
      questions BIGINT NOT NULL DEFAULT 0,
      first_ms BIGINT NOT NULL,
      last_ms BIGINT NOT NULL,
      resolution TEXT NOT NULL DEFAULT '',
      entry_id TEXT NOT NULL DEFAULT '',
      version BIGINT NOT NULL DEFAULT 0,
      reason TEXT NOT NULL DEFAULT '',
      closed_by TEXT NOT NULL DEFAULT '',
      closed_ms BIGINT NOT NULL DEFAULT 0);
    CREATE INDEX kb_unanswered_clusters_status ON kb_unanswered_clusters(status, questions);
    CREATE TABLE kb_unanswered (
      id TEXT PRIMARY KEY,
      cluster_id TEXT NOT NULL,
      at_ms BIGINT NOT NULL,
      channel TEXT NOT NULL,
      reason TEXT NOT NULL,
      conversation_id TEXT NOT NULL DEFAULT '',
      topic TEXT NOT NULL DEFAULT '',
      confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
      question_enc TEXT);
    CREATE INDEX kb_unanswered_cluster ON kb_unanswered(cluster_id, at_ms);
  )sql"}});
}

Result<std::unique_ptr<AnswerLog>> AnswerLog::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, const Clock& clock,
    AnswerLogOptions options, Metrics* metrics) {
  ZX_RETURN_IF_ERROR(Migrate(db));
  if (!options.normalize) {
    ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::Normalizer> n, text::Normalizer::Create());
    std::shared_ptr<const text::Normalizer> shared = std::move(n);
    options.normalize = [shared](std::string_view s) { return shared->Normalize(s); };
  }
  std::unique_ptr<AnswerLog> log(
      new AnswerLog(db, std::move(cipher), clock, std::move(options), metrics));
  {
    std::lock_guard lock(log->write_mu_);
    ZX_RETURN_IF_ERROR(log->Reload());
  }
  log->UpdateGauge();
  log->worker_ = std::make_unique<Worker>("zx-kb-answers", clock);
  AnswerLog* self = log.get();
  log->worker_->Every(
      log->options_.flush_every, [self] { (void)self->Flush(); }, log->options_.flush_every);
  return log;
}

AnswerLog::~AnswerLog() { Stop(); }

void AnswerLog::Stop() {
  {
    std::lock_guard lock(pending_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (worker_) worker_->Stop();
  (void)Flush();
}

std::string AnswerLog::Judge(const std::optional<std::string>& topic, double confidence) const {
  if (!topic) return kAskedBack;
  if (topic->starts_with("meta.")) return "";  // greetings, thanks: nothing to learn
  return confidence < options_.low_confidence_below ? kLowConfidence : "";
}

void AnswerLog::Record(AskedQuestion question) {
  const int64_t now = clock_.NowUnixMillis();
  const std::string day = ChinaDate(now);
  std::lock_guard lock(pending_mu_);
  if (stopped_) {
    ++dropped_;
    return;
  }
  if (question.topic && question.hit) ++hits_[day][*question.topic];
  if (question.unanswered.empty()) return;
  if (pending_.size() >= options_.max_pending) {
    ++dropped_;
    return;
  }
  pending_.push_back({std::move(question), now});
}

uint64_t AnswerLog::dropped() const {
  std::lock_guard lock(pending_mu_);
  return dropped_;
}

std::string AnswerLog::Unseal(const std::string& id, const std::string& sealed) const {
  if (!cipher_ || sealed.empty()) return "";
  auto plain = cipher_->Decrypt(sealed, security::FieldAad(kTable, kColumn, id));
  // Sealed under a key this server no longer holds (an in-memory key before a restart): the
  // question stays counted, its text unreadable.
  return plain.ok() ? std::move(plain).value() : "";
}

Status AnswerLog::Reload() {
  clusters_ = std::make_unique<QuestionClusters>(options_.clusters, options_.normalize);
  for (const std::string& text : options_.background) clusters_->Observe(text);
  ZX_ASSIGN_OR_RETURN(
      storage::Statement q,
      db_.Prepare("SELECT q.id, q.cluster_id, q.question_enc, c.status FROM kb_unanswered q "
                  "JOIN kb_unanswered_clusters c ON c.id = q.cluster_id "
                  "ORDER BY q.at_ms DESC, q.id DESC LIMIT ?"));
  q.Bind(1, static_cast<int64_t>(options_.max_reloaded));
  struct Row {
    std::string id, cluster, text;
    bool open;
  };
  std::vector<Row> rows;
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string text = q.IsNull(2) ? "" : Unseal(q.Text(0), q.Text(2));
    if (text.empty()) continue;
    rows.push_back({q.Text(0), q.Text(1), std::move(text), q.Text(3) == kClusterOpen});
  }
  std::reverse(rows.begin(), rows.end());  // in the order they were placed
  for (const Row& r : rows) {
    if (r.open)
      clusters_->Add(r.cluster, r.id, r.text);
    else
      clusters_->Observe(r.text);
  }
  return Status::Ok();
}

Status AnswerLog::Flush() {
  std::lock_guard write(write_mu_);
  std::map<std::string, std::map<std::string, int64_t>> hits;
  std::vector<Pending> batch;
  {
    std::lock_guard lock(pending_mu_);
    hits.swap(hits_);
    batch.swap(pending_);
  }
  if (hits.empty() && batch.empty()) return Status::Ok();
  Status written = WriteBatch(hits, batch);
  if (!written.ok()) {
    // Back in the queue for the next flush (a busy database is "try again"); the clusters as
    // the database holds them.
    log::Warn("kb.answers_write_failed questions={} error=\"{}\"", batch.size(), written.message());
    {
      std::lock_guard lock(pending_mu_);
      for (const auto& [day, topics] : hits)
        for (const auto& [topic, n] : topics) hits_[day][topic] += n;
      size_t room =
          options_.max_pending > pending_.size() ? options_.max_pending - pending_.size() : 0;
      if (batch.size() > room) {
        dropped_ += batch.size() - room;
        batch.resize(room);
      }
      pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    }
    Status reloaded = Reload();
    if (!reloaded.ok()) log::Warn("kb.answers_reload_failed error=\"{}\"", reloaded.message());
    return written;
  }
  UpdateGauge();
  return Status::Ok();
}

Status AnswerLog::WriteBatch(const std::map<std::string, std::map<std::string, int64_t>>& hits,
                             const std::vector<Pending>& questions) {
  return db_.Transaction([&]() -> Status {
    if (!hits.empty()) {
      ZX_ASSIGN_OR_RETURN(
          storage::Statement up,
          db_.Prepare("INSERT INTO kb_answer_hits (day, topic, hits) VALUES (?, ?, ?) "
                      "ON CONFLICT (day, topic) DO UPDATE SET hits = kb_answer_hits.hits + "
                      "excluded.hits"));
      for (const auto& [day, topics] : hits)
        for (const auto& [topic, n] : topics) {
          up.Reset();
          up.Bind(1, day).Bind(2, topic).Bind(3, n);
          ZX_RETURN_IF_ERROR(up.Run());
        }
    }
    if (questions.empty()) return Status::Ok();
    ZX_ASSIGN_OR_RETURN(
        storage::Statement ins,
        db_.Prepare("INSERT INTO kb_unanswered (id, cluster_id, at_ms, channel, reason, "
                    "conversation_id, topic, confidence, question_enc) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    ZX_ASSIGN_OR_RETURN(
        storage::Statement fresh,
        db_.Prepare("INSERT INTO kb_unanswered_clusters (id, status, questions, first_ms, "
                    "last_ms) VALUES (?, ?, 1, ?, ?)"));
    ZX_ASSIGN_OR_RETURN(
        storage::Statement grow,
        db_.Prepare("UPDATE kb_unanswered_clusters SET questions = questions + 1, "
                    "last_ms = CASE WHEN last_ms < ? THEN ? ELSE last_ms END WHERE id = ?"));
    std::set<std::string> touched;
    for (const Pending& p : questions) {
      // Masked first: neither the clusters nor the database ever hold a number in clear.
      const std::string masked = text::MaskText(p.q.question);
      const std::string id = NewId("q");
      const std::string new_cluster = NewId("uq");
      const std::string cluster = clusters_->Place(id, masked, new_cluster);
      ins.Reset();
      ins.Bind(1, id)
          .Bind(2, cluster)
          .Bind(3, p.at_ms)
          .Bind(4, p.q.channel.empty() ? std::string("unknown") : p.q.channel)
          .Bind(5, p.q.unanswered)
          .Bind(6, p.q.conversation_id)
          .Bind(7, p.q.topic.value_or(""))
          .Bind(8, p.q.confidence);
      if (cipher_)
        ins.Bind(9, cipher_->Encrypt(masked, security::FieldAad(kTable, kColumn, id)));
      else
        ins.BindNull(9);
      ZX_RETURN_IF_ERROR(ins.Run());
      if (cluster == new_cluster) {
        fresh.Reset();
        fresh.Bind(1, cluster).Bind(2, kClusterOpen).Bind(3, p.at_ms).Bind(4, p.at_ms);
        ZX_RETURN_IF_ERROR(fresh.Run());
      } else {
        grow.Reset();
        grow.Bind(1, p.at_ms).Bind(2, p.at_ms).Bind(3, cluster);
        ZX_RETURN_IF_ERROR(grow.Run());
      }
      touched.insert(cluster);
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement label,
                        db_.Prepare("UPDATE kb_unanswered_clusters SET label_id = ? WHERE id = ?"));
    for (const std::string& c : touched) {
      label.Reset();
      label.Bind(1, clusters_->Central(c)).Bind(2, c);
      ZX_RETURN_IF_ERROR(label.Run());
    }
    log::Debug("kb.answers_written questions={} clusters={}", questions.size(), touched.size());
    return Status::Ok();
  });
}

Result<std::map<std::string, int64_t>> AnswerLog::HitsSince(std::string_view date) const {
  ZX_RETURN_IF_ERROR(AddDays(date, 0).status());  // a date, or invalid_argument
  // Under the writer's lock: nothing is between memory and the database while counting.
  std::lock_guard write(write_mu_);
  std::map<std::string, int64_t> out;
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare("SELECT topic, SUM(hits) FROM kb_answer_hits WHERE day >= ? "
                                  "GROUP BY topic"));
  q.Bind(1, date);
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out[q.Text(0)] += q.Int(1);
  }
  std::lock_guard lock(pending_mu_);
  for (const auto& [day, topics] : hits_)
    if (day >= date)
      for (const auto& [topic, n] : topics) out[topic] += n;
  return out;
}

namespace {

constexpr char kClusterColumns[] =
    "id, status, label_id, questions, first_ms, last_ms, resolution, entry_id, version, reason, "
    "closed_by, closed_ms";

UnansweredCluster ClusterOfRow(const storage::Statement& r) {
  UnansweredCluster c;
  c.id = r.Text(0);
  c.status = r.Text(1);
  c.label = r.Text(2);  // the label question's id until filled in
  c.count = r.Int(3);
  c.first_ms = r.Int(4);
  c.last_ms = r.Int(5);
  c.resolution = r.Text(6);
  c.entry_id = r.Text(7);
  c.version = static_cast<int>(r.Int(8));
  c.reason = r.Text(9);
  c.closed_by = r.Text(10);
  c.closed_ms = r.Int(11);
  return c;
}

}  // namespace

Result<std::vector<UnansweredCluster>> AnswerLog::Clusters(std::string_view status,
                                                           int limit) const {
  if (!IsStatus(status)) return InvalidArgument("status must be open, resolved or dismissed");
  if (limit < 1 || limit > 500) return InvalidArgument("limit must be 1-500");
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare(std::string("SELECT ") + kClusterColumns +
                                  " FROM kb_unanswered_clusters WHERE status = ? "
                                  "ORDER BY questions DESC, last_ms DESC, id LIMIT ?"));
  q.Bind(1, status).Bind(2, static_cast<int64_t>(limit));
  std::vector<UnansweredCluster> out;
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ClusterOfRow(q));
  }
  for (UnansweredCluster& c : out) ZX_RETURN_IF_ERROR(Details(c));
  return out;
}

Result<UnansweredCluster> AnswerLog::Cluster(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare(std::string("SELECT ") + kClusterColumns +
                                  " FROM kb_unanswered_clusters WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such cluster of unanswered questions: " + id);
  UnansweredCluster c = ClusterOfRow(q);
  ZX_RETURN_IF_ERROR(Details(c));
  return c;
}

// Counts by channel and reason, the label's text (c.label holds its id until here), examples.
Status AnswerLog::Details(UnansweredCluster& c) const {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement by,
      db_.Prepare("SELECT channel, reason, COUNT(*) FROM kb_unanswered WHERE cluster_id = ? "
                  "GROUP BY channel, reason"));
  by.Bind(1, c.id);
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, by.Step());
    if (!row) break;
    c.channels[by.Text(0)] += by.Int(2);
    c.reasons[by.Text(1)] += by.Int(2);
  }
  const std::string label_id = std::move(c.label);
  c.label.clear();
  ZX_ASSIGN_OR_RETURN(storage::Statement ex,
                      db_.Prepare("SELECT id, question_enc FROM kb_unanswered WHERE cluster_id = ? "
                                  "ORDER BY at_ms DESC, id DESC LIMIT 50"));
  ex.Bind(1, c.id);
  std::string newest;
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, ex.Step());
    if (!row) break;
    std::string text = ex.IsNull(1) ? "" : Unseal(ex.Text(0), ex.Text(1));
    if (text.empty()) continue;
    if (newest.empty()) newest = text;
    if (ex.Text(0) == label_id) c.label = text;
    if (c.examples.size() < kExamples &&
        std::find(c.examples.begin(), c.examples.end(), text) == c.examples.end())
      c.examples.push_back(std::move(text));
  }
  if (c.label.empty() && !label_id.empty()) {
    ZX_ASSIGN_OR_RETURN(storage::Statement l,
                        db_.Prepare("SELECT question_enc FROM kb_unanswered WHERE id = ?"));
    l.Bind(1, label_id);
    ZX_ASSIGN_OR_RETURN(bool row, l.Step());
    if (row && !l.IsNull(0)) c.label = Unseal(label_id, l.Text(0));
  }
  if (c.label.empty()) c.label = newest;
  return Status::Ok();
}

Result<int64_t> AnswerLog::OpenClusters() const {
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare("SELECT COUNT(*) FROM kb_unanswered_clusters WHERE status = ?"));
  q.Bind(1, kClusterOpen);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

void AnswerLog::UpdateGauge() const {
  Gauge* gauge = open_gauge_.load();
  if (!gauge) return;
  auto n = OpenClusters();
  if (n.ok()) gauge->Set(static_cast<double>(*n));
}

Status AnswerLog::Close(const std::string& id, const ClusterClosing& closing) {
  std::string status;
  if (closing.resolution == "phrasings" || closing.resolution == "new_entry") {
    if (closing.entry_id.empty())
      return InvalidArgument("field \"entry_id\" is required to resolve a cluster");
    status = kClusterResolved;
  } else if (closing.resolution == kClusterDismissed) {
    if (closing.reason.empty())
      return InvalidArgument("field \"reason\" is required to dismiss a cluster");
    status = kClusterDismissed;
  } else {
    return InvalidArgument("a cluster is closed as phrasings, new_entry or dismissed");
  }
  std::lock_guard write(write_mu_);
  ZX_ASSIGN_OR_RETURN(
      storage::Statement u,
      db_.Prepare("UPDATE kb_unanswered_clusters SET status = ?, resolution = ?, entry_id = ?, "
                  "version = ?, reason = ?, closed_by = ?, closed_ms = ? "
                  "WHERE id = ? AND status = ? RETURNING id"));
  u.Bind(1, status)
      .Bind(2, closing.resolution)
      .Bind(3, closing.entry_id)
      .Bind(4, static_cast<int64_t>(closing.version))
      .Bind(5, closing.reason)
      .Bind(6, closing.by)
      .Bind(7, clock_.NowUnixMillis())
      .Bind(8, id)
      .Bind(9, kClusterOpen);
  ZX_ASSIGN_OR_RETURN(bool changed, u.Step());
  if (!changed) {
    ZX_ASSIGN_OR_RETURN(storage::Statement q,
                        db_.Prepare("SELECT status FROM kb_unanswered_clusters WHERE id = ?"));
    q.Bind(1, id);
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return NotFound("no such cluster of unanswered questions: " + id);
    return FailedPrecondition("the cluster is " + q.Text(0) + " already");
  }
  (void)u.Step();  // to completion
  clusters_->Close(id);
  log::Info("kb.unanswered_closed cluster={} as={} entry={} by={}", id, closing.resolution,
            closing.entry_id, closing.by);
  UpdateGauge();
  return Status::Ok();
}

std::vector<security::EncryptedColumn> AnswerLog::EncryptedColumns() {
  return {{kTable, "id", kColumn}};
}

std::vector<security::RetentionRule> AnswerLog::RetentionRules() {
  return {{kTable,
           "at_ms",
           security::RetentionCategory::kTranscripts,
           "",
           {kColumn},
           "the unanswered questions' clusters, counts, channels and reasons"}};
}

std::vector<Suggestion> SuggestEntries(const KnowledgeEngine& engine, std::string_view question,
                                       int n) {
  std::vector<Suggestion> out;
  const KnowledgeBase& kb = engine.knowledge_base();
  for (const ScoredTopic& t : engine.Rank(question)) {
    if (static_cast<int>(out.size()) >= n) break;
    const Entry& e = kb.entries[t.topic];
    if (e.kind == "meta") continue;
    out.push_back({e.id, e.title});
  }
  return out;
}

}  // namespace zx::knowledge
