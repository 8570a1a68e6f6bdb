// The history of hit tests and batch tests (who tested what, when, against which knowledge base,
// and what came out), with "what it should have hit" marked on a hit test. Questions are kept
// with phone and ID numbers masked (text::MaskText). Thread-safe (the Database is).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "knowledge/batch_test.h"
#include "storage/database.h"

namespace zx::knowledge {

struct HitTestRecord {
  std::string id;
  std::string who;       // login name of the tester
  std::string question;  // masked
  std::string source;    // "published" | "draft" | "as_of"
  std::string as_of;     // "YYYY-MM-DD" for as_of, else ""
  int64_t created_ms = 0;
  std::string decision;  // "answer" | "ask_back" | "handover"
  std::string topic;     // the best topic ("" when nothing ranked)
  double confidence = 0;
  std::string reply;     // the reply as it would be sent (masked)
  std::string expected;  // what it should have hit; "" until marked
  std::string expected_by;
  int64_t expected_ms = 0;
};

class KbTestStore {
 public:
  // Migrates (module "kb_tests") and opens. `db` must outlive the store.
  static Result<std::unique_ptr<KbTestStore>> Open(storage::Database& db);

  Status AddHitTest(const HitTestRecord& record);
  // The newest first, at most `limit` (1..500).
  Result<std::vector<HitTestRecord>> HitTests(int limit) const;
  // not_found for an unknown id.
  Result<HitTestRecord> HitTest(const std::string& id) const;
  Status SetExpected(const std::string& id, const std::string& topic, const std::string& who,
                     int64_t now_ms);

  Status AddBatch(const BatchReport& report);
  // not_found for an unknown id.
  Result<BatchReport> Batch(const std::string& id) const;

 private:
  explicit KbTestStore(storage::Database& db) : db_(db) {}
  storage::Database& db_;
};

}  // namespace zx::knowledge
