#include "knowledge/kb_test_store.h"

#include <algorithm>

namespace zx::knowledge {
namespace {

// Times are unix milliseconds: BIGINT on PostgreSQL, whose INTEGER is 32 bits.
constexpr const char* kSchema = R"sql(
    CREATE TABLE kb_hit_tests (
      id TEXT PRIMARY KEY, who TEXT NOT NULL, question TEXT NOT NULL, source TEXT NOT NULL,
      as_of TEXT NOT NULL, created_ms INTEGER NOT NULL, decision TEXT NOT NULL,
      topic TEXT NOT NULL, confidence REAL NOT NULL, reply TEXT NOT NULL,
      expected TEXT NOT NULL DEFAULT '', expected_by TEXT NOT NULL DEFAULT '',
      expected_ms INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX kb_hit_tests_created ON kb_hit_tests(created_ms);
    CREATE TABLE kb_batch_tests (
      id TEXT PRIMARY KEY, who TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
      as_of TEXT NOT NULL, created_ms INTEGER NOT NULL, total INTEGER NOT NULL,
      top1 INTEGER NOT NULL, confident_wrong INTEGER NOT NULL, asked_back INTEGER NOT NULL,
      handed_over INTEGER NOT NULL);
    CREATE TABLE kb_batch_results (
      batch_id TEXT NOT NULL REFERENCES kb_batch_tests(id), position INTEGER NOT NULL,
      line INTEGER NOT NULL, question TEXT NOT NULL, expected TEXT NOT NULL, got TEXT NOT NULL,
      confidence REAL NOT NULL, decision TEXT NOT NULL, top1 INTEGER NOT NULL,
      PRIMARY KEY (batch_id, position));
    CREATE TABLE kb_batch_errors (
      batch_id TEXT NOT NULL REFERENCES kb_batch_tests(id), position INTEGER NOT NULL,
      line INTEGER NOT NULL, col INTEGER NOT NULL, message TEXT NOT NULL,
      PRIMARY KEY (batch_id, position));
)sql";

std::string Postgres(std::string sql) {
  for (const char* col : {"created_ms INTEGER", "expected_ms INTEGER"}) {
    std::string from = col;
    std::string to = from.substr(0, from.find(' ')) + " BIGINT";
    for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at))
      sql.replace(at, from.size(), to);
  }
  return sql;
}

constexpr char kHitColumns[] =
    "id, who, question, source, as_of, created_ms, decision, topic, confidence, reply, expected, "
    "expected_by, expected_ms";

HitTestRecord HitFrom(const storage::Statement& q) {
  HitTestRecord r;
  r.id = q.Text(0);
  r.who = q.Text(1);
  r.question = q.Text(2);
  r.source = q.Text(3);
  r.as_of = q.Text(4);
  r.created_ms = q.Int(5);
  r.decision = q.Text(6);
  r.topic = q.Text(7);
  r.confidence = q.Double(8);
  r.reply = q.Text(9);
  r.expected = q.Text(10);
  r.expected_by = q.Text(11);
  r.expected_ms = q.Int(12);
  return r;
}

}  // namespace

Result<std::unique_ptr<KbTestStore>> KbTestStore::Open(storage::Database& db) {
  ZX_RETURN_IF_ERROR(db.Migrate({{"kb_tests", 1, kSchema, Postgres(kSchema)}}));
  return std::unique_ptr<KbTestStore>(new KbTestStore(db));
}

Status KbTestStore::AddHitTest(const HitTestRecord& r) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare(std::string("INSERT INTO kb_hit_tests (") + kHitColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, r.id).Bind(2, r.who).Bind(3, r.question).Bind(4, r.source).Bind(5, r.as_of);
  st.Bind(6, r.created_ms).Bind(7, r.decision).Bind(8, r.topic).Bind(9, r.confidence);
  st.Bind(10, r.reply).Bind(11, r.expected).Bind(12, r.expected_by).Bind(13, r.expected_ms);
  return st.Run();
}

Result<std::vector<HitTestRecord>> KbTestStore::HitTests(int limit) const {
  limit = std::clamp(limit, 1, 500);
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare(std::string("SELECT ") + kHitColumns +
                                  " FROM kb_hit_tests ORDER BY created_ms DESC, id DESC LIMIT ?"));
  q.Bind(1, int64_t{limit});
  std::vector<HitTestRecord> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(HitFrom(q));
  }
  return out;
}

Result<HitTestRecord> KbTestStore::HitTest(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement q, db_.Prepare(std::string("SELECT ") + kHitColumns +
                                                        " FROM kb_hit_tests WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no hit test " + id);
  return HitFrom(q);
}

Status KbTestStore::SetExpected(const std::string& id, const std::string& topic,
                                const std::string& who, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE kb_hit_tests SET expected = ?, expected_by = ?, "
                                  "expected_ms = ? WHERE id = ? RETURNING id"));
  st.Bind(1, topic).Bind(2, who).Bind(3, now_ms).Bind(4, id);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("no hit test " + id);
  return st.Run();
}

Status KbTestStore::AddBatch(const BatchReport& report) {
  const BatchSummary& s = report.summary;
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement b,
        db_.Prepare("INSERT INTO kb_batch_tests (id, who, name, source, as_of, created_ms, total, "
                    "top1, confident_wrong, asked_back, handed_over) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    b.Bind(1, s.id).Bind(2, s.who).Bind(3, s.name).Bind(4, s.source).Bind(5, s.as_of);
    b.Bind(6, s.created_ms).Bind(7, int64_t{s.total}).Bind(8, int64_t{s.top1});
    b.Bind(9, int64_t{s.confident_wrong}).Bind(10, int64_t{s.asked_back});
    b.Bind(11, int64_t{s.handed_over});
    ZX_RETURN_IF_ERROR(b.Run());
    ZX_ASSIGN_OR_RETURN(
        storage::Statement r,
        db_.Prepare("INSERT INTO kb_batch_results (batch_id, position, line, question, expected, "
                    "got, confidence, decision, top1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    int64_t pos = 0;
    for (const auto& x : report.results) {
      r.Reset();
      r.Bind(1, s.id).Bind(2, pos++).Bind(3, static_cast<int64_t>(x.line)).Bind(4, x.question);
      r.Bind(5, x.expected).Bind(6, x.got).Bind(7, x.confidence).Bind(8, x.decision);
      r.Bind(9, int64_t{x.top1 ? 1 : 0});
      ZX_RETURN_IF_ERROR(r.Run());
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement e,
                        db_.Prepare("INSERT INTO kb_batch_errors (batch_id, position, line, col, "
                                    "message) VALUES (?, ?, ?, ?, ?)"));
    pos = 0;
    for (const auto& x : report.errors) {
      e.Reset();
      e.Bind(1, s.id).Bind(2, pos++).Bind(3, static_cast<int64_t>(x.line));
      e.Bind(4, int64_t{x.column}).Bind(5, x.message);
      ZX_RETURN_IF_ERROR(e.Run());
    }
    return Status::Ok();
  });
}

Result<BatchReport> KbTestStore::Batch(const std::string& id) const {
  BatchReport out;
  ZX_ASSIGN_OR_RETURN(
      storage::Statement b,
      db_.Prepare("SELECT id, who, name, source, as_of, created_ms, total, top1, confident_wrong, "
                  "asked_back, handed_over FROM kb_batch_tests WHERE id = ?"));
  b.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool found, b.Step());
  if (!found) return NotFound("no batch test " + id);
  BatchSummary& s = out.summary;
  s.id = b.Text(0);
  s.who = b.Text(1);
  s.name = b.Text(2);
  s.source = b.Text(3);
  s.as_of = b.Text(4);
  s.created_ms = b.Int(5);
  s.total = static_cast<int>(b.Int(6));
  s.top1 = static_cast<int>(b.Int(7));
  s.confident_wrong = static_cast<int>(b.Int(8));
  s.asked_back = static_cast<int>(b.Int(9));
  s.handed_over = static_cast<int>(b.Int(10));
  ZX_ASSIGN_OR_RETURN(
      storage::Statement r,
      db_.Prepare("SELECT line, question, expected, got, confidence, decision, top1 "
                  "FROM kb_batch_results WHERE batch_id = ? ORDER BY position"));
  r.Bind(1, id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, r.Step());
    if (!row) break;
    out.results.push_back({static_cast<size_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3),
                           r.Double(4), r.Text(5), r.Int(6) != 0});
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement e,
                      db_.Prepare("SELECT line, col, message FROM kb_batch_errors "
                                  "WHERE batch_id = ? ORDER BY position"));
  e.Bind(1, id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, e.Step());
    if (!row) break;
    out.errors.push_back({static_cast<size_t>(e.Int(0)), static_cast<int>(e.Int(1)), e.Text(2)});
  }
  return out;
}

}  // namespace zx::knowledge
