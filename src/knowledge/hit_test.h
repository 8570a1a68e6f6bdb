// The hit test (命中测试), the batch test and "check phrasings" of the staff console: questions
// run through an engine of the published knowledge base, of the drafts on top of it, or of the
// knowledge base as it stood on a date, each explained (engine.h Explain), decided (answer, ask
// back, or hand over when the dialogue would hand over at once) and saved in the history.
//
// Engines for drafts and dates take a second or two to build: they are kept in a small LRU keyed
// by the content of the knowledge base they were built from (a changed draft is a new key, so
// nothing stale is ever answered), each in its own work directory under `work_root`, removed
// with the engine. Building blocks the caller: call Run with a draft or date source, CheckPhrasings
// and Batch off the server's I/O threads (the routes use a Worker). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "knowledge/batch_test.h"
#include "knowledge/engine.h"
#include "knowledge/kb_test_store.h"

namespace zx::knowledge {

// The published engine, as served to citizens now (kb-live's LiveKnowledge::Current).
using PublishedEngine = std::function<std::shared_ptr<const KnowledgeEngine>()>;
// The published knowledge base with every open draft on top (KnowledgeStore::WithDrafts).
using DraftSource = std::function<Result<KnowledgeBase>()>;
// The knowledge base citizens got on a date "YYYY-MM-DD" (KnowledgeStore::AsOf).
using AsOfSource = std::function<Result<KnowledgeBase>(std::string date)>;

// A published source over an engine that outlives every caller (not owned).
PublishedEngine FixedEngine(const KnowledgeEngine& engine);

// Whether the dialogue would hand the question over at once (a risk phrase, anger, a person
// asked for), given the engine's answer. Supplied from above (http: dialogue's detectors).
struct Handover {
  bool handover = false;
  std::string reason_code;  // "risk", "anger", "asked_for_human"
  std::string reason_text;  // Chinese, for the agent
};
using HandoverCheck = std::function<Handover(std::string_view question, const Answer& answer)>;

struct HitTesterOptions {
  EngineOptions engine;   // threshold, alternatives, dictionary of the engines built here
  std::string work_root;  // draft and as-of engines' directories; also XLSX uploads being read
  size_t cache_size = 4;  // engines kept
};

enum class Source { kPublished, kDraft, kAsOf };
std::string_view SourceName(Source source);
// "published", "draft", "as_of"; invalid_argument otherwise.
Result<Source> ParseSource(std::string_view name);

// One hit test as run: the record saved and the explanation.
struct HitTest {
  HitTestRecord record;
  Explanation explanation;
  Handover handover;
};

struct PhrasingCheck {
  std::string text;
  std::string topic;  // what it hits; "" when asked back
  double confidence = 0;
  std::string decision;  // "answer" | "ask_back" | "handover"
  bool ok = false;       // answered with the entry's own topic
};

class HitTester {
 public:
  // `store` must outlive the tester. A null `draft` uses the published knowledge base (no drafts
  // yet); a null `as_of` answers as_of tests unavailable; a null `handover` never hands over.
  HitTester(KbTestStore& store, PublishedEngine published, DraftSource draft, AsOfSource as_of,
            HandoverCheck handover, HitTesterOptions options, const Clock& clock);
  ~HitTester();

  // Runs, explains, decides and saves one test by `who`. invalid_argument for a bad date;
  // unavailable when the source cannot give a knowledge base.
  Result<HitTest> Run(const std::string& question, Source source, const std::string& as_of,
                      const std::string& who);
  Result<std::vector<HitTestRecord>> History(int limit) const { return store_.HitTests(limit); }
  // Marks what a test should have hit; invalid_argument for a topic unknown to the published
  // knowledge base, not_found for an unknown test.
  Result<HitTestRecord> MarkExpected(const std::string& id, const std::string& topic,
                                     const std::string& who);

  // Each phrasing of `entry` through an engine of the drafts with `entry` in place of the entry
  // of its id (added when new).
  Result<std::vector<PhrasingCheck>> CheckPhrasings(const Entry& entry);

  // Reads the file (batch_test.h), scores it against the source's engine and saves the report.
  Result<BatchReport> Batch(std::string_view file, const std::string& name, Source source,
                            const std::string& as_of, const std::string& who);
  Result<BatchReport> BatchReportOf(const std::string& id) const { return store_.Batch(id); }

  // The engine of a source (built or from the cache).
  Result<std::shared_ptr<const KnowledgeEngine>> EngineFor(Source source, const std::string& as_of);
  // Engines built so far (for tests: the cache at work).
  int builds() const;

 private:
  Result<std::shared_ptr<const KnowledgeEngine>> Cached(KnowledgeBase kb);
  std::string Decide(std::string_view question, const Answer& answer, Handover* handover) const;

  KbTestStore& store_;
  PublishedEngine published_;
  DraftSource draft_;
  AsOfSource as_of_;
  HandoverCheck handover_;
  HitTesterOptions options_;
  const Clock& clock_;

  mutable std::mutex mu_;  // the cache; held while building, so one build runs at a time
  std::list<std::pair<uint64_t, std::shared_ptr<const KnowledgeEngine>>> cache_;  // newest first
  int builds_ = 0;
  uint64_t next_dir_ = 0;
};

}  // namespace zx::knowledge
