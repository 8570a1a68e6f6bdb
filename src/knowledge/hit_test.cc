#include "knowledge/hit_test.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "base/log.h"
#include "text/pii.h"

namespace zx::knowledge {
namespace {

// "ht" / "bt" and 16 hex digits.
std::string NewId(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (uint64_t v = rng(), i = 0; i < 16; ++i, v >>= 4) id += kHex[v & 15];
  return id;
}

// FNV-1a over everything an engine is built from: equal keys, equal engines.
struct Fingerprint {
  uint64_t h = 1469598103934665603ull;
  void Add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // a separator no UTF-8 text holds
  }
};

uint64_t FingerprintOf(const KnowledgeBase& kb) {
  Fingerprint f;
  for (const auto& e : kb.entries) {
    for (const std::string* s : {&e.id, &e.kind, &e.title, &e.source, &e.answer}) f.Add(*s);
    f.Add(std::to_string(e.version));
    for (const auto* list : {&e.keywords, &e.synonyms, &e.colloquial, &e.phrasings}) {
      f.Add("[");
      for (const auto& w : *list) f.Add(w);
    }
  }
  for (const auto& s : kb.synonyms) {
    f.Add(s.canonical);
    for (const auto& v : s.variants) f.Add(v);
  }
  return f.h;
}

// "YYYY-MM-DD" with a month and day that exist.
bool IsDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  int y = std::stoi(std::string(d.substr(0, 4)));
  int m = std::stoi(std::string(d.substr(5, 2)));
  int day = std::stoi(std::string(d.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || day < 1 || day > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && day == 29 && !leap);
}

// Today in China Standard Time (UTC+8 all year), "YYYY-MM-DD".
std::string ChinaToday(const Clock& clock) {
  int64_t days = (clock.NowUnixMillis() + 8 * 3600 * 1000LL) / 86400000LL;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m),
                static_cast<int>(d));
  return out;
}

}  // namespace

PublishedEngine FixedEngine(const KnowledgeEngine& engine) {
  return [&engine] {
    return std::shared_ptr<const KnowledgeEngine>(std::shared_ptr<void>(), &engine);
  };
}

std::string_view SourceName(Source source) {
  switch (source) {
    case Source::kDraft:
      return "draft";
    case Source::kAsOf:
      return "as_of";
    case Source::kPublished:
      break;
  }
  return "published";
}

Result<Source> ParseSource(std::string_view name) {
  if (name.empty() || name == "published") return Source::kPublished;
  if (name == "draft") return Source::kDraft;
  if (name == "as_of") return Source::kAsOf;
  return InvalidArgument("source must be published, draft or as_of");
}

HitTester::HitTester(KbTestStore& store, PublishedEngine published, DraftSource draft,
                     AsOfSource as_of, HandoverCheck handover, HitTesterOptions options,
                     const Clock& clock)
    : store_(store),
      published_(std::move(published)),
      draft_(std::move(draft)),
      as_of_(std::move(as_of)),
      handover_(std::move(handover)),
      options_(std::move(options)),
      clock_(clock) {}

HitTester::~HitTester() = default;

int HitTester::builds() const {
  std::lock_guard lock(mu_);
  return builds_;
}

Result<std::shared_ptr<const KnowledgeEngine>> HitTester::Cached(KnowledgeBase kb) {
  const uint64_t key = FingerprintOf(kb);
  std::lock_guard lock(mu_);
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first != key) continue;
    cache_.splice(cache_.begin(), cache_, it);
    return cache_.front().second;
  }
  namespace fs = std::filesystem;
  std::string dir = (fs::path(options_.work_root) /
                     ("engine-" + std::to_string(::getpid()) + "-" + std::to_string(next_dir_++)))
                        .string();
  ZX_ASSIGN_OR_RETURN(std::shared_ptr<const KnowledgeEngine> engine,
                      KnowledgeEngine::BuildInOwnDirectory(std::move(kb), options_.engine, dir));
  ++builds_;
  cache_.emplace_front(key, engine);
  while (cache_.size() > std::max<size_t>(options_.cache_size, 1)) cache_.pop_back();
  return engine;
}

Result<std::shared_ptr<const KnowledgeEngine>> HitTester::EngineFor(Source source,
                                                                    const std::string& as_of) {
  switch (source) {
    case Source::kPublished: {
      auto engine = published_ ? published_() : nullptr;
      if (!engine) return Unavailable("the published knowledge base is not loaded yet");
      return engine;
    }
    case Source::kDraft: {
      if (!draft_) {
        // No drafts kept yet: the drafts on top of the published knowledge base are it.
        auto engine = published_ ? published_() : nullptr;
        if (!engine) return Unavailable("the published knowledge base is not loaded yet");
        return engine;
      }
      ZX_ASSIGN_OR_RETURN(KnowledgeBase kb, draft_());
      return Cached(std::move(kb));
    }
    case Source::kAsOf: {
      std::string date = as_of.empty() ? ChinaToday(clock_) : as_of;
      if (!IsDate(date)) return InvalidArgument("as_of must be a date YYYY-MM-DD");
      if (!as_of_) return Unavailable("answers as of a date need the versioned knowledge base");
      ZX_ASSIGN_OR_RETURN(KnowledgeBase kb, as_of_(date));
      return Cached(std::move(kb));
    }
  }
  return InvalidArgument("unknown source");
}

std::string HitTester::Decide(std::string_view question, const Answer& answer,
                              Handover* handover) const {
  Handover h = handover_ ? handover_(question, answer) : Handover{};
  std::string decision = h.handover ? "handover" : answer.topic ? "answer" : "ask_back";
  if (handover) *handover = std::move(h);
  return decision;
}

Result<HitTest> HitTester::Run(const std::string& question, Source source, const std::string& as_of,
                               const std::string& who) {
  if (source == Source::kAsOf && !as_of.empty() && !IsDate(as_of))
    return InvalidArgument("as_of must be a date YYYY-MM-DD");
  ZX_ASSIGN_OR_RETURN(auto engine, EngineFor(source, as_of));
  HitTest t;
  t.explanation = engine->Explain(question);
  HitTestRecord& r = t.record;
  r.id = NewId("ht");
  r.who = who;
  r.question = text::MaskText(question);
  r.source = SourceName(source);
  r.as_of = source == Source::kAsOf ? (as_of.empty() ? ChinaToday(clock_) : as_of) : "";
  r.created_ms = clock_.NowUnixMillis();
  r.decision = Decide(question, t.explanation.answer, &t.handover);
  r.topic = t.explanation.candidates.empty() ? "" : t.explanation.candidates.front().topic;
  r.confidence = t.explanation.confidence;
  r.reply = text::MaskText(t.explanation.answer.text);
  ZX_RETURN_IF_ERROR(store_.AddHitTest(r));
  log::Info("kb.hit_test id={} source={} decision={} topic={}", r.id, r.source, r.decision,
            r.topic.empty() ? "-" : r.topic);
  return t;
}

Result<HitTestRecord> HitTester::MarkExpected(const std::string& id, const std::string& topic,
                                              const std::string& who) {
  ZX_ASSIGN_OR_RETURN(auto engine, EngineFor(Source::kPublished, ""));
  if (!topic.empty() && !engine->knowledge_base().Find(topic)) {
    // A topic of a draft not yet published is fine too.
    auto drafts = draft_ ? draft_() : Result<KnowledgeBase>(NotFound(""));
    if (!drafts.ok() || !drafts->Find(topic))
      return InvalidArgument("unknown topic \"" + topic + "\"");
  }
  ZX_RETURN_IF_ERROR(store_.SetExpected(id, topic, who, clock_.NowUnixMillis()));
  return store_.HitTest(id);
}

Result<std::vector<PhrasingCheck>> HitTester::CheckPhrasings(const Entry& entry) {
  if (entry.id.empty()) return InvalidArgument("the entry needs its id");
  if (entry.phrasings.empty()) return InvalidArgument("the entry has no phrasings to check");
  KnowledgeBase kb;
  if (draft_) {
    ZX_ASSIGN_OR_RETURN(kb, draft_());
  } else {
    ZX_ASSIGN_OR_RETURN(auto published, EngineFor(Source::kPublished, ""));
    kb = published->knowledge_base();
  }
  bool replaced = false;
  for (auto& e : kb.entries) {
    if (e.id != entry.id) continue;
    e = entry;
    replaced = true;
  }
  if (!replaced) kb.entries.push_back(entry);
  ZX_ASSIGN_OR_RETURN(auto engine, Cached(std::move(kb)));
  std::vector<PhrasingCheck> out;
  for (const auto& p : entry.phrasings) {
    Answer a = engine->Ask(p);
    PhrasingCheck c;
    c.text = p;
    c.topic = a.topic.value_or("");
    c.confidence = a.confidence;
    c.decision = Decide(p, a, nullptr);
    c.ok = c.decision == "answer" && c.topic == entry.id;
    out.push_back(std::move(c));
  }
  return out;
}

Result<BatchReport> HitTester::Batch(std::string_view file, const std::string& name, Source source,
                                     const std::string& as_of, const std::string& who) {
  if (source == Source::kAsOf && !as_of.empty() && !IsDate(as_of))
    return InvalidArgument("as_of must be a date YYYY-MM-DD");
  ZX_ASSIGN_OR_RETURN(auto engine, EngineFor(source, as_of));
  ZX_ASSIGN_OR_RETURN(BatchInput input,
                      ReadBatchFile(file, engine->knowledge_base(),
                                    (std::filesystem::path(options_.work_root) / "tmp").string()));
  BatchSummary s;
  s.id = NewId("bt");
  s.who = who;
  s.name = name;
  s.source = SourceName(source);
  s.as_of = source == Source::kAsOf ? (as_of.empty() ? ChinaToday(clock_) : as_of) : "";
  s.created_ms = clock_.NowUnixMillis();
  BatchReport report = ScoreBatch(
      input,
      [&](const std::string& q) {
        Answer a = engine->Ask(q);
        Judged j;
        j.decision = Decide(q, a, nullptr);
        // The best topic, answered or not (top-1 accuracy ignores the threshold).
        j.best = a.topic ? *a.topic : a.alternatives.empty() ? "" : a.alternatives.front().topic;
        j.confidence = a.confidence;
        return j;
      },
      std::move(s));
  ZX_RETURN_IF_ERROR(store_.AddBatch(report));
  log::Info("kb.batch_test id={} total={} top1={} confident_wrong={} asked_back={} errors={}",
            report.summary.id, report.summary.total, report.summary.top1,
            report.summary.confident_wrong, report.summary.asked_back, report.errors.size());
  return report;
}

}  // namespace zx::knowledge
