#include "knowledge/kb_store.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/china_date.h"
#include "base/log.h"
#include "knowledge/loader.h"

namespace zx::knowledge {
namespace {

// Stored states; published, scheduled and superseded are approved versions seen from a date.
constexpr std::string_view kDraft = "draft";
constexpr std::string_view kSubmitted = "submitted";
constexpr std::string_view kApproved = "approved";
constexpr std::string_view kRejected = "rejected";
constexpr std::string_view kWithdrawn = "withdrawn";
// The editor of versions that came from kb/.
constexpr std::string_view kSeedEditor = "kb/";

const char* kListKinds[] = {"keyword", "synonym", "colloquial", "phrasing"};

std::vector<std::string>& ListOf(Entry& e, std::string_view kind) {
  if (kind == "keyword") return e.keywords;
  if (kind == "synonym") return e.synonyms;
  if (kind == "colloquial") return e.colloquial;
  return e.phrasings;
}

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

// Text fields as the files give them (the loader trims them too).
Entry Normalized(Entry e) {
  for (std::string* f :
       {&e.id, &e.kind, &e.department, &e.sla, &e.title, &e.effective, &e.source, &e.answer})
    *f = Trim(*f);
  return e;
}

Status Invalid(const EntryProblem& p) { return InvalidArgument(p.field + ": " + p.message); }

// The content of an entry, the version number and origin aside.
bool SameContent(const Entry& a, const Entry& b) {
  return a.id == b.id && a.kind == b.kind && a.department == b.department && a.sla == b.sla &&
         a.title == b.title && a.effective == b.effective && a.source == b.source &&
         a.answer == b.answer && a.keywords == b.keywords && a.synonyms == b.synonyms &&
         a.colloquial == b.colloquial && a.phrasings == b.phrasings;
}

// FNV-1a (64 bits) of an entry as its file gives it, to notice a changed file between starts.
std::string SeedHash(const Entry& e) {
  uint64_t h = 1469598103934665603ull;
  auto add = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
  };
  for (const std::string* f :
       {&e.id, &e.kind, &e.department, &e.sla, &e.title, &e.effective, &e.source, &e.answer})
    add(*f);
  add(std::to_string(e.version));
  for (const auto* list : {&e.keywords, &e.synonyms, &e.colloquial, &e.phrasings}) {
    for (const auto& s : *list) add(s);
    add("\x1e");
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string AreaOf(const std::string& id) { return id.substr(0, id.find('.')); }

// Unix ms of 00:00 China Standard Time on `date` (checked a date before).
int64_t DayStartMs(std::string_view date) {
  auto ms = ChinaDayStartMs(date);
  return ms.ok() ? *ms : 0;
}

bool IsOpen(VersionStatus s) {
  return s == VersionStatus::kDraft || s == VersionStatus::kSubmitted;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool Mentions(const Entry& e, const std::string& q) {
  if (Lower(e.title).find(q) != std::string::npos) return true;
  if (Lower(e.answer).find(q) != std::string::npos) return true;
  for (const auto* list : {&e.keywords, &e.phrasings})
    for (const auto& s : *list)
      if (Lower(s).find(q) != std::string::npos) return true;
  return false;
}

Status Identified(const security::Principal& by) {
  if (by.id.empty()) return Status(Code::kUnauthenticated, "sign in to change the knowledge base");
  return Status::Ok();
}

std::string NameOf(const security::Principal& by) { return by.name.empty() ? by.id : by.name; }

// The versions of one entry with their status as of `today` (they arrive with the stored state
// in `status`: approved as kPublished). Returns the index of the one citizens get on `date`.
std::optional<size_t> Pick(const std::vector<EntryVersion*>& versions, std::string_view date) {
  std::optional<size_t> best;
  for (size_t i = 0; i < versions.size(); ++i) {
    const EntryVersion& v = *versions[i];
    if (v.status != VersionStatus::kPublished || v.entry.effective > date) continue;
    if (!best) {
      best = i;
      continue;
    }
    const Entry& b = versions[*best]->entry;
    if (v.entry.effective > b.effective ||
        (v.entry.effective == b.effective && v.entry.version > b.version))
      best = i;
  }
  return best;
}

// Groups `all` (ordered by entry, version) per entry.
std::map<std::string, std::vector<EntryVersion*>> ByEntry(std::vector<EntryVersion>& all) {
  std::map<std::string, std::vector<EntryVersion*>> out;
  for (auto& v : all) out[v.entry.id].push_back(&v);
  return out;
}

}  // namespace

std::string_view VersionStatusName(VersionStatus status) {
  switch (status) {
    case VersionStatus::kDraft:
      return "draft";
    case VersionStatus::kSubmitted:
      return "submitted";
    case VersionStatus::kRejected:
      return "rejected";
    case VersionStatus::kScheduled:
      return "scheduled";
    case VersionStatus::kPublished:
      return "published";
    case VersionStatus::kSuperseded:
      return "superseded";
    case VersionStatus::kWithdrawn:
      return "withdrawn";
  }
  return "draft";
}

struct KnowledgeStore::Topic {
  std::string id;
  int64_t position = 0;
  std::string seed_hash;
};

Result<std::unique_ptr<KnowledgeStore>> KnowledgeStore::Open(storage::Database& db,
                                                             const Clock& clock) {
  ZX_RETURN_IF_ERROR(db.Migrate({{"knowledge", 1, R"sql(
    CREATE TABLE kb_entries (
      id TEXT PRIMARY KEY, version INTEGER NOT NULL, kind TEXT NOT NULL,
      department TEXT NOT NULL, sla TEXT NOT NULL, title TEXT NOT NULL,
      effective TEXT NOT NULL, source TEXT NOT NULL, answer TEXT NOT NULL,
      origin TEXT NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE kb_terms (
      entry_id TEXT NOT NULL REFERENCES kb_entries(id) ON DELETE CASCADE,
      kind TEXT NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL);
    CREATE INDEX kb_terms_entry ON kb_terms(entry_id);
    CREATE TABLE kb_entry_versions (
      id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, answer TEXT NOT NULL,
      effective TEXT NOT NULL, first_loaded TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id, version));
    CREATE TABLE kb_synonyms (canonical TEXT NOT NULL, position INTEGER NOT NULL,
                              variant TEXT NOT NULL);
  )sql"},
                                 {"knowledge", 2, R"sql(
    CREATE TABLE kb_departments (code TEXT PRIMARY KEY, name TEXT NOT NULL);
  )sql"},
                                 // Every version with its content; the entries of knowledge/1-2
                                 // (the files last loaded) become published versions by kb/.
                                 {"knowledge", 3, R"sql(
    CREATE TABLE kb_topics (id TEXT PRIMARY KEY, position BIGINT NOT NULL,
                            seed_hash TEXT NOT NULL);
    CREATE TABLE kb_versions (
      entry_id TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL,
      kind TEXT NOT NULL, department TEXT NOT NULL, sla TEXT NOT NULL, title TEXT NOT NULL,
      effective TEXT NOT NULL, source TEXT NOT NULL, answer TEXT NOT NULL,
      editor TEXT NOT NULL, editor_id TEXT NOT NULL, reviewer TEXT NOT NULL,
      reviewer_id TEXT NOT NULL, note TEXT NOT NULL, review_note TEXT NOT NULL,
      created_ms BIGINT NOT NULL, reviewed_ms BIGINT NOT NULL, published_ms BIGINT NOT NULL,
      PRIMARY KEY (entry_id, version));
    CREATE INDEX kb_versions_state ON kb_versions(state, effective);
    CREATE TABLE kb_version_terms (
      entry_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
      position INTEGER NOT NULL, text TEXT NOT NULL,
      PRIMARY KEY (entry_id, version, kind, position));
    CREATE TABLE kb_areas (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO kb_topics (id, position, seed_hash) SELECT id, position, '' FROM kb_entries;
    INSERT INTO kb_versions (entry_id, version, state, kind, department, sla, title, effective,
                             source, answer, editor, editor_id, reviewer, reviewer_id, note,
                             review_note, created_ms, reviewed_ms, published_ms)
      SELECT id, version, 'approved', kind, department, sla, title, effective, source, answer,
             'kb/', 'kb/', '', '', 'upgraded from the knowledge base of an earlier version', '',
             0, 0, 0 FROM kb_entries;
    INSERT INTO kb_version_terms (entry_id, version, kind, position, text)
      SELECT t.entry_id, e.version, t.kind, t.position, t.text
      FROM kb_terms t JOIN kb_entries e ON e.id = t.entry_id;
    DROP TABLE kb_terms;
    DROP TABLE kb_entries;
    DROP TABLE kb_entry_versions;
  )sql"}}));
  return std::unique_ptr<KnowledgeStore>(new KnowledgeStore(db, clock));
}

std::string KnowledgeStore::Today() const { return ChinaDate(clock_.NowUnixMillis()); }

Result<std::vector<KnowledgeStore::Topic>> KnowledgeStore::Topics() const {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement q,
      db_.Prepare("SELECT id, position, seed_hash FROM kb_topics ORDER BY position, id"));
  std::vector<Topic> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Text(0), q.Int(1), q.Text(2)});
  }
  return out;
}

Result<std::vector<EntryVersion>> KnowledgeStore::Load(
    std::optional<std::string_view> entry_id) const {
  const bool one = entry_id.has_value();
  std::string where = one ? " WHERE entry_id = ?1" : "";
  ZX_ASSIGN_OR_RETURN(
      storage::Statement q,
      db_.Prepare("SELECT entry_id, version, state, kind, department, sla, title, effective, "
                  "source, answer, editor, editor_id, reviewer, reviewer_id, note, review_note, "
                  "created_ms, reviewed_ms, published_ms FROM kb_versions" +
                  where + " ORDER BY entry_id, version"));
  if (one) q.Bind(1, *entry_id);
  std::vector<EntryVersion> out;
  std::map<std::pair<std::string, int64_t>, size_t> at;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EntryVersion v;
    Entry& e = v.entry;
    e.id = q.Text(0);
    e.version = static_cast<int>(q.Int(1));
    std::string state = q.Text(2);
    v.status = state == kDraft       ? VersionStatus::kDraft
               : state == kSubmitted ? VersionStatus::kSubmitted
               : state == kRejected  ? VersionStatus::kRejected
               : state == kWithdrawn ? VersionStatus::kWithdrawn
                                     : VersionStatus::kPublished;  // approved: refined below
    e.kind = q.Text(3);
    e.department = q.Text(4);
    e.sla = q.Text(5);
    e.title = q.Text(6);
    e.effective = q.Text(7);
    e.source = q.Text(8);
    e.answer = q.Text(9);
    e.origin = "database:" + e.id + " v" + std::to_string(e.version);
    v.editor = q.Text(10);
    v.editor_id = q.Text(11);
    v.reviewer = q.Text(12);
    v.reviewer_id = q.Text(13);
    v.note = q.Text(14);
    v.review_note = q.Text(15);
    v.created_ms = q.Int(16);
    v.reviewed_ms = q.Int(17);
    v.published_ms = q.Int(18);
    at[{e.id, e.version}] = out.size();
    out.push_back(std::move(v));
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement t,
                      db_.Prepare("SELECT entry_id, version, kind, text FROM kb_version_terms" +
                                  where + " ORDER BY entry_id, version, kind, position"));
  if (one) t.Bind(1, *entry_id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    auto it = at.find({t.Text(0), t.Int(1)});
    if (it == at.end())
      return DataLoss("kb_version_terms refers to a missing version " + t.Text(0) + " v" +
                      std::to_string(t.Int(1)));
    ListOf(out[it->second].entry, t.Text(2)).push_back(t.Text(3));
  }
  // Approved versions as of today: published (the pick), scheduled (later) or superseded.
  std::string today = Today();
  for (auto& [id, versions] : ByEntry(out)) {
    std::optional<size_t> pick = Pick(versions, today);
    for (size_t i = 0; i < versions.size(); ++i) {
      EntryVersion& v = *versions[i];
      if (v.status != VersionStatus::kPublished || (pick && *pick == i)) continue;
      v.status = v.entry.effective > today ? VersionStatus::kScheduled : VersionStatus::kSuperseded;
    }
  }
  return out;
}

Status KnowledgeStore::Insert(const EntryVersion& v, std::string_view state) {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement s,
      db_.Prepare("INSERT INTO kb_versions (entry_id, version, state, kind, department, sla, "
                  "title, effective, source, answer, editor, editor_id, reviewer, reviewer_id, "
                  "note, review_note, created_ms, reviewed_ms, published_ms) VALUES (?1, ?2, ?3, "
                  "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"));
  const Entry& e = v.entry;
  s.Bind(1, e.id).Bind(2, int64_t{e.version}).Bind(3, state).Bind(4, e.kind);
  s.Bind(5, e.department).Bind(6, e.sla).Bind(7, e.title).Bind(8, e.effective);
  s.Bind(9, e.source).Bind(10, e.answer).Bind(11, v.editor).Bind(12, v.editor_id);
  s.Bind(13, v.reviewer).Bind(14, v.reviewer_id).Bind(15, v.note).Bind(16, v.review_note);
  s.Bind(17, v.created_ms).Bind(18, v.reviewed_ms).Bind(19, v.published_ms);
  ZX_RETURN_IF_ERROR(s.Run());
  ZX_ASSIGN_OR_RETURN(storage::Statement t,
                      db_.Prepare("INSERT INTO kb_version_terms (entry_id, version, kind, "
                                  "position, text) VALUES (?1, ?2, ?3, ?4, ?5)"));
  Entry copy = e;
  for (const char* kind : kListKinds) {
    int64_t i = 0;
    for (const auto& text : ListOf(copy, kind)) {
      t.Reset();
      t.Bind(1, e.id).Bind(2, int64_t{e.version}).Bind(3, std::string_view(kind));
      t.Bind(4, i++).Bind(5, text);
      ZX_RETURN_IF_ERROR(t.Run());
    }
  }
  return Status::Ok();
}

// A draft's content replaced: the row and its terms, written again.
Status KnowledgeStore::UpdateContent(const EntryVersion& v) {
  for (const char* table : {"kb_version_terms", "kb_versions"}) {
    ZX_ASSIGN_OR_RETURN(storage::Statement d, db_.Prepare(std::string("DELETE FROM ") + table +
                                                          " WHERE entry_id = ?1 AND version = ?2"));
    d.Bind(1, v.entry.id).Bind(2, int64_t{v.entry.version});
    ZX_RETURN_IF_ERROR(d.Run());
  }
  return Insert(v, kDraft);
}

Status KnowledgeStore::SetState(const VersionRef& ref, std::string_view state,
                                const EntryVersion& v) {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement s,
      db_.Prepare("UPDATE kb_versions SET state = ?1, effective = ?2, reviewer = ?3, "
                  "reviewer_id = ?4, review_note = ?5, reviewed_ms = ?6, published_ms = ?7 "
                  "WHERE entry_id = ?8 AND version = ?9"));
  s.Bind(1, state).Bind(2, v.entry.effective).Bind(3, v.reviewer).Bind(4, v.reviewer_id);
  s.Bind(5, v.review_note).Bind(6, v.reviewed_ms).Bind(7, v.published_ms);
  s.Bind(8, ref.id).Bind(9, int64_t{ref.version});
  return s.Run();
}

Status KnowledgeStore::SeedFrom(const std::string& kb_dir) {
  ZX_ASSIGN_OR_RETURN(KnowledgeBase kb, LoadKnowledgeBase(kb_dir));
  ZX_ASSIGN_OR_RETURN(auto area_names, LoadAreaNames(kb_dir));
  std::lock_guard lock(mu_);
  int added = 0, updated = 0, skipped = 0;
  const int64_t now = clock_.NowUnixMillis();
  Status done = db_.Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(
        db_.Exec("DELETE FROM kb_synonyms; DELETE FROM kb_departments; DELETE FROM kb_areas;"));
    ZX_ASSIGN_OR_RETURN(storage::Statement dep,
                        db_.Prepare("INSERT INTO kb_departments (code, name) VALUES (?1, ?2)"));
    for (const auto& [code, name] : kb.departments) {
      dep.Reset();
      dep.Bind(1, code).Bind(2, name);
      ZX_RETURN_IF_ERROR(dep.Run());
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement area,
                        db_.Prepare("INSERT INTO kb_areas (code, name) VALUES (?1, ?2)"));
    for (const auto& [code, name] : area_names) {
      area.Reset();
      area.Bind(1, code).Bind(2, name);
      ZX_RETURN_IF_ERROR(area.Run());
    }
    // One position per variant, in file order; the variants of a group are consecutive.
    ZX_ASSIGN_OR_RETURN(storage::Statement syn,
                        db_.Prepare("INSERT INTO kb_synonyms (canonical, position, variant) "
                                    "VALUES (?1, ?2, ?3)"));
    int64_t pos = 0;
    for (const auto& s : kb.synonyms)
      for (const auto& v : s.variants) {
        syn.Reset();
        syn.Bind(1, s.canonical).Bind(2, pos++).Bind(3, v);
        ZX_RETURN_IF_ERROR(syn.Run());
      }

    ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
    ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> all, Load(std::nullopt));
    auto versions = ByEntry(all);
    std::map<std::string, const Topic*> known;
    int64_t next_position = 0;
    for (const auto& t : topics) {
      known[t.id] = &t;
      next_position = std::max(next_position, t.position + 1);
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement topic,
                        db_.Prepare("INSERT INTO kb_topics (id, position, seed_hash) VALUES "
                                    "(?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET seed_hash = "
                                    "excluded.seed_hash"));
    auto record = [&](const std::string& id, int64_t position, const std::string& hash) {
      topic.Reset();
      topic.Bind(1, id).Bind(2, position).Bind(3, hash);
      return topic.Run();
    };
    auto published = [&](const Entry& e, int version, std::string note) {
      EntryVersion v;
      v.entry = e;
      v.entry.version = version;
      v.editor = v.editor_id = std::string(kSeedEditor);
      v.note = std::move(note);
      v.created_ms = v.reviewed_ms = now;
      v.published_ms = std::max(now, DayStartMs(e.effective));
      return Insert(v, kApproved);
    };
    for (const Entry& e : kb.entries) {
      std::string hash = SeedHash(e);
      auto it = known.find(e.id);
      if (it == known.end() || versions[e.id].empty()) {
        int64_t position = it == known.end() ? next_position++ : it->second->position;
        ZX_RETURN_IF_ERROR(record(e.id, position, hash));
        ZX_RETURN_IF_ERROR(published(e, e.version, "kb/ seed"));
        ++added;
        continue;
      }
      if (it->second->seed_hash == hash) continue;
      const EntryVersion& newest = *versions[e.id].back();
      if (newest.editor_id != kSeedEditor) {
        // Edited in the console since: the console's version stands.
        log::Warn("kb.seed_skipped id={} version={} editor={}", e.id, newest.entry.version,
                  newest.editor);
        ++skipped;
        continue;
      }
      if (!SameContent(newest.entry, e))
        ZX_RETURN_IF_ERROR(published(e, std::max(e.version, newest.entry.version + 1),
                                     "kb/ seed: the file changed"));
      ZX_RETURN_IF_ERROR(record(e.id, it->second->position, hash));
      ++updated;
    }
    return Status::Ok();
  });
  ZX_RETURN_IF_ERROR(done);
  log::Info("kb.seeded dir={} entries={} added={} updated={} skipped={}", kb_dir, kb.entries.size(),
            added, updated, skipped);
  return Status::Ok();
}

Result<KnowledgeBase> KnowledgeStore::Build(std::string_view date, bool drafts) const {
  if (!IsDate(date))
    return InvalidArgument("date must be YYYY-MM-DD, got '" + std::string(date) + "'");
  ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> all, Load(std::nullopt));
  // Load's statuses are as of today; the pick is recomputed for `date` from the stored state.
  for (auto& v : all)
    if (v.status == VersionStatus::kScheduled || v.status == VersionStatus::kSuperseded)
      v.status = VersionStatus::kPublished;
  auto versions = ByEntry(all);
  KnowledgeBase kb;
  for (const Topic& t : topics) {
    const auto& list = versions[t.id];
    const EntryVersion* chosen = nullptr;
    if (auto pick = Pick(list, date)) chosen = list[*pick];
    if (drafts)
      for (const EntryVersion* v : list)
        if (IsOpen(v->status)) chosen = v;
    if (chosen) kb.entries.push_back(chosen->entry);
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement s,
                      db_.Prepare("SELECT canonical, variant FROM kb_synonyms ORDER BY position"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (kb.synonyms.empty() || kb.synonyms.back().canonical != s.Text(0))
      kb.synonyms.push_back({s.Text(0), {}});
    kb.synonyms.back().variants.push_back(s.Text(1));
  }
  ZX_ASSIGN_OR_RETURN(kb.departments, Departments());
  return kb;
}

Result<KnowledgeBase> KnowledgeStore::AsOf(std::string_view date) const {
  return Build(date, false);
}

Result<KnowledgeBase> KnowledgeStore::WithDrafts() const { return Build(Today(), true); }

Result<std::string> KnowledgeStore::NextEffectiveAfter(std::string_view date) const {
  if (!IsDate(date))
    return InvalidArgument("date must be YYYY-MM-DD, got '" + std::string(date) + "'");
  ZX_ASSIGN_OR_RETURN(storage::Statement q,
                      db_.Prepare("SELECT MIN(effective) FROM kb_versions WHERE state = ?1 AND "
                                  "effective > ?2"));
  q.Bind(1, kApproved).Bind(2, date);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.IsNull(0)) return std::string();
  return q.Text(0);
}

Result<std::map<std::string, std::string>> KnowledgeStore::Departments() const {
  std::map<std::string, std::string> out;
  ZX_ASSIGN_OR_RETURN(storage::Statement d, db_.Prepare("SELECT code, name FROM kb_departments"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, d.Step());
    if (!row) break;
    out[d.Text(0)] = d.Text(1);
  }
  return out;
}

Result<VersionRef> KnowledgeStore::WriteDraft(const Entry& entry, const security::Principal& by,
                                              std::string note, bool must_exist, bool must_be_new) {
  ZX_RETURN_IF_ERROR(Identified(by));
  Entry e = Normalized(entry);
  e.version = 1;  // checked as any version; the number is the store's
  ZX_ASSIGN_OR_RETURN(auto departments, Departments());
  if (auto problem = CheckEntry(e, departments, /*draft=*/true)) return Invalid(*problem);
  VersionRef ref{e.id, 0};
  Status done = db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> versions, Load(e.id));
    EntryVersion v;
    v.editor = NameOf(by);
    v.editor_id = by.id;
    v.note = std::move(note);
    v.created_ms = clock_.NowUnixMillis();
    if (versions.empty()) {
      if (must_exist) return NotFound("no knowledge entry '" + e.id + "'");
      ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
      int64_t position = 0;
      for (const auto& t : topics) position = std::max(position, t.position + 1);
      ZX_ASSIGN_OR_RETURN(storage::Statement t,
                          db_.Prepare("INSERT INTO kb_topics (id, position, seed_hash) VALUES "
                                      "(?1, ?2, '') ON CONFLICT (id) DO NOTHING"));
      t.Bind(1, e.id).Bind(2, position);
      ZX_RETURN_IF_ERROR(t.Run());
      v.entry = e;
      ref.version = 1;
      return Insert(v, kDraft);
    }
    if (must_be_new)
      return Status(Code::kAlreadyExists, "knowledge entry '" + e.id + "' exists already");
    for (const auto& open : versions) {
      if (open.status == VersionStatus::kSubmitted)
        return FailedPrecondition("version " + std::to_string(open.entry.version) + " of '" + e.id +
                                  "' is submitted for review: approve or reject it first");
      if (open.status == VersionStatus::kDraft) {
        v.entry = e;
        v.entry.version = ref.version = open.entry.version;
        return UpdateContent(v);
      }
    }
    v.entry = e;
    v.entry.version = ref.version = versions.back().entry.version + 1;
    return Insert(v, kDraft);
  });
  ZX_RETURN_IF_ERROR(done);
  return ref;
}

Result<VersionRef> KnowledgeStore::CreateDraft(const Entry& entry, const security::Principal& by,
                                               std::string note) {
  std::lock_guard lock(mu_);
  return WriteDraft(entry, by, std::move(note), false, false);
}

Result<VersionRef> KnowledgeStore::CreateEntry(const Entry& entry, const security::Principal& by,
                                               std::string note) {
  std::lock_guard lock(mu_);
  return WriteDraft(entry, by, std::move(note), false, true);
}

Result<VersionRef> KnowledgeStore::SaveDraft(const Entry& entry, const security::Principal& by,
                                             std::string note) {
  std::lock_guard lock(mu_);
  return WriteDraft(entry, by, std::move(note), true, false);
}

Result<VersionRef> KnowledgeStore::AddDraftPhrasings(const std::string& entry_id,
                                                     const std::vector<std::string>& phrasings,
                                                     const security::Principal& by,
                                                     std::string note) {
  std::lock_guard lock(mu_);
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> versions, Load(entry_id));
  if (versions.empty()) return NotFound("no knowledge entry '" + entry_id + "'");
  const EntryVersion* base = nullptr;
  for (const auto& v : versions)
    if (IsOpen(v.status)) base = &v;
  if (!base) {
    ZX_ASSIGN_OR_RETURN(EntryVersion current, Current(entry_id));
    for (const auto& v : versions)
      if (v.entry.version == current.entry.version) base = &v;
  }
  Entry e = base->entry;
  for (const auto& p : phrasings) {
    std::string text = Trim(p);
    if (text.empty()) return InvalidArgument("phrasings: must not contain an empty question");
    if (std::find(e.phrasings.begin(), e.phrasings.end(), text) == e.phrasings.end())
      e.phrasings.push_back(std::move(text));
  }
  return WriteDraft(e, by, std::move(note), true, false);
}

Result<EntryVersion> KnowledgeStore::Get(const VersionRef& ref) const {
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> versions, Load(ref.id));
  for (auto& v : versions)
    if (v.entry.version == ref.version) return std::move(v);
  return NotFound("no version " + std::to_string(ref.version) + " of knowledge entry '" + ref.id +
                  "'");
}

Result<std::vector<EntryVersion>> KnowledgeStore::Versions(const std::string& entry_id) const {
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> versions, Load(entry_id));
  if (versions.empty()) return NotFound("no knowledge entry '" + entry_id + "'");
  return versions;
}

Result<EntryVersion> KnowledgeStore::Current(const std::string& entry_id) const {
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> versions, Versions(entry_id));
  for (auto& v : versions)
    if (v.status == VersionStatus::kPublished) return std::move(v);
  return std::move(versions.back());
}

Result<EntryVersion> KnowledgeStore::Submit(const VersionRef& ref, const security::Principal& by) {
  ZX_RETURN_IF_ERROR(Identified(by));
  std::lock_guard lock(mu_);
  ZX_ASSIGN_OR_RETURN(EntryVersion v, Get(ref));
  if (v.status != VersionStatus::kDraft)
    return FailedPrecondition("version " + std::to_string(ref.version) + " of '" + ref.id +
                              "' is " + std::string(VersionStatusName(v.status)) +
                              "; only a draft can be submitted");
  // What is submitted must be complete (a draft may still lack phrasings).
  ZX_ASSIGN_OR_RETURN(auto departments, Departments());
  if (auto problem = CheckEntry(v.entry, departments)) return Invalid(*problem);
  ZX_RETURN_IF_ERROR(db_.Transaction([&] { return SetState(ref, kSubmitted, v); }));
  return Get(ref);
}

Result<Approval> KnowledgeStore::Approve(const VersionRef& ref, std::string_view effective,
                                         const security::Principal& by, std::string note) {
  ZX_RETURN_IF_ERROR(Identified(by));
  Approval out;
  {
    std::lock_guard lock(mu_);
    ZX_ASSIGN_OR_RETURN(EntryVersion v, Get(ref));
    if (v.status != VersionStatus::kSubmitted)
      return FailedPrecondition("version " + std::to_string(ref.version) + " of '" + ref.id +
                                "' is " + std::string(VersionStatusName(v.status)) +
                                "; only a submitted version can be approved");
    std::string date = effective.empty() ? v.entry.effective : Trim(effective);
    if (!IsDate(date)) return InvalidArgument("effective: must be a date YYYY-MM-DD");
    out.alone = v.editor_id == by.id;
    if (out.alone && by.role != security::Role::kAdmin)
      return Status(Code::kPermissionDenied,
                    "version " + std::to_string(ref.version) + " of '" + ref.id +
                        "' is your own: another reviewer must approve it (an administrator may "
                        "publish alone)");
    const int64_t now = clock_.NowUnixMillis();
    v.entry.effective = date;
    v.reviewer = NameOf(by);
    v.reviewer_id = by.id;
    v.review_note = std::move(note);
    v.reviewed_ms = now;
    v.published_ms = std::max(now, DayStartMs(date));
    ZX_RETURN_IF_ERROR(db_.Transaction([&] { return SetState(ref, kApproved, v); }));
    ZX_ASSIGN_OR_RETURN(out.version, Get(ref));
  }
  Notify();
  return out;
}

Result<EntryVersion> KnowledgeStore::Reject(const VersionRef& ref, std::string reason,
                                            const security::Principal& by) {
  ZX_RETURN_IF_ERROR(Identified(by));
  std::lock_guard lock(mu_);
  ZX_ASSIGN_OR_RETURN(EntryVersion v, Get(ref));
  if (v.status != VersionStatus::kSubmitted)
    return FailedPrecondition("version " + std::to_string(ref.version) + " of '" + ref.id +
                              "' is " + std::string(VersionStatusName(v.status)) +
                              "; only a submitted version can be rejected");
  if (Trim(reason).empty()) return InvalidArgument("reason: must not be empty");
  if (v.editor_id == by.id && by.role != security::Role::kAdmin)
    return Status(Code::kPermissionDenied, "version " + std::to_string(ref.version) + " of '" +
                                               ref.id + "' is your own: another reviewer decides");
  v.reviewer = NameOf(by);
  v.reviewer_id = by.id;
  v.review_note = Trim(reason);
  v.reviewed_ms = clock_.NowUnixMillis();
  ZX_RETURN_IF_ERROR(db_.Transaction([&] { return SetState(ref, kRejected, v); }));
  return Get(ref);
}

Result<VersionRef> KnowledgeStore::Restore(const VersionRef& ref, const security::Principal& by) {
  std::lock_guard lock(mu_);
  ZX_ASSIGN_OR_RETURN(EntryVersion v, Get(ref));
  if (IsOpen(v.status))
    return FailedPrecondition("version " + std::to_string(ref.version) + " of '" + ref.id +
                              "' is the open " + std::string(VersionStatusName(v.status)) +
                              "; restore copies a closed version");
  return WriteDraft(v.entry, by, "restored from version " + std::to_string(ref.version), true,
                    false);
}

Result<std::vector<VersionRef>> KnowledgeStore::ImportPublished(const KnowledgeBase& kb,
                                                                const std::string& editor_id,
                                                                const std::string& editor,
                                                                std::string note) {
  std::vector<VersionRef> written;
  {
    std::lock_guard lock(mu_);
    ZX_ASSIGN_OR_RETURN(auto departments, Departments());
    for (const Entry& e : kb.entries)
      if (auto problem = CheckEntry(e, departments))
        return InvalidArgument(e.origin + ": entry '" + e.id + "': " + problem->ToString());
    const int64_t now = clock_.NowUnixMillis();
    Status done = db_.Transaction([&]() -> Status {
      ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
      int64_t next_position = 0;
      for (const auto& t : topics) next_position = std::max(next_position, t.position + 1);
      ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> all, Load(std::nullopt));
      auto versions = ByEntry(all);
      for (const Entry& e : kb.entries) {
        const auto& list = versions[e.id];
        int version = std::max(e.version, 1);
        if (!list.empty()) {
          const EntryVersion* current = list.back();
          for (const EntryVersion* v : list)
            if (v->status == VersionStatus::kPublished) current = v;
          if (SameContent(current->entry, e)) continue;
          version = list.back()->entry.version + 1;
        } else {
          ZX_ASSIGN_OR_RETURN(storage::Statement t,
                              db_.Prepare("INSERT INTO kb_topics (id, position, seed_hash) "
                                          "VALUES (?1, ?2, '') ON CONFLICT (id) DO NOTHING"));
          t.Bind(1, e.id).Bind(2, next_position++);
          ZX_RETURN_IF_ERROR(t.Run());
        }
        EntryVersion v;
        v.entry = Normalized(e);
        v.entry.version = version;
        v.editor = v.reviewer = editor;
        v.editor_id = v.reviewer_id = editor_id;
        v.note = note;
        v.created_ms = v.reviewed_ms = now;
        v.published_ms = std::max(now, DayStartMs(e.effective));
        ZX_RETURN_IF_ERROR(Insert(v, kApproved));
        written.push_back({e.id, version});
      }
      return Status::Ok();
    });
    ZX_RETURN_IF_ERROR(done);
  }
  if (!written.empty()) Notify();
  return written;
}

Result<std::vector<EntryRow>> KnowledgeStore::List(const EntryFilter& filter) const {
  ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> all, Load(std::nullopt));
  auto versions = ByEntry(all);
  std::string q = Lower(Trim(filter.q));
  std::vector<EntryRow> out;
  for (const Topic& t : topics) {
    const auto& list = versions[t.id];
    if (list.empty()) continue;
    const EntryVersion* current = list.back();
    const EntryVersion* open = nullptr;
    for (const EntryVersion* v : list) {
      if (v->status == VersionStatus::kPublished) current = v;
      if (IsOpen(v->status)) open = v;
    }
    if (current == open) {
      // A new entry: its only live version is the draft; its newest closed one otherwise.
      for (const EntryVersion* v : list)
        if (v != open) current = v;
    }
    EntryRow row;
    row.id = t.id;
    row.area = AreaOf(t.id);
    const Entry& e = current->entry;
    row.title = e.title;
    row.kind = e.kind;
    row.department = e.department;
    row.effective = e.effective;
    row.version = e.version;
    row.status = current->status;
    if (open) row.draft = EntryRow::Open{open->entry.version, open->status, open->editor};
    if (!filter.area.empty() && row.area != filter.area) continue;
    if (!filter.kind.empty() && row.kind != filter.kind) continue;
    if (!filter.status.empty() && VersionStatusName(row.status) != filter.status &&
        !(open && VersionStatusName(open->status) == filter.status))
      continue;
    if (!q.empty() && !Mentions(e, q) && !(open && Mentions(open->entry, q))) continue;
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<EntryVersion>> KnowledgeStore::ReviewQueue() const {
  ZX_ASSIGN_OR_RETURN(std::vector<EntryVersion> all, Load(std::nullopt));
  std::vector<EntryVersion> out;
  for (auto& v : all)
    if (v.status == VersionStatus::kSubmitted) out.push_back(std::move(v));
  std::stable_sort(out.begin(), out.end(), [](const EntryVersion& a, const EntryVersion& b) {
    return a.created_ms < b.created_ms;
  });
  return out;
}

Result<std::vector<Area>> KnowledgeStore::Areas() const {
  std::map<std::string, Area> areas;
  ZX_ASSIGN_OR_RETURN(storage::Statement q, db_.Prepare("SELECT code, name FROM kb_areas"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    areas[q.Text(0)] = Area{q.Text(0), q.Text(1), 0};
  }
  ZX_ASSIGN_OR_RETURN(std::vector<Topic> topics, Topics());
  for (const Topic& t : topics) {
    Area& a = areas[AreaOf(t.id)];
    if (a.code.empty()) a.code = a.name = AreaOf(t.id);
    ++a.entries;
  }
  std::vector<Area> out;
  for (auto& [code, a] : areas)
    if (a.entries > 0) out.push_back(std::move(a));
  return out;
}

void KnowledgeStore::OnPublished(std::function<void()> listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void KnowledgeStore::Notify() {
  std::vector<std::function<void()>> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) l();
}

}  // namespace zx::knowledge
