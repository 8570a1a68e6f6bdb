#include "knowledge/store.h"

#include <map>

#include "base/log.h"
#include "knowledge/loader.h"

namespace zx::knowledge {
namespace {

const char* kListKinds[] = {"keyword", "synonym", "colloquial", "phrasing"};

std::vector<std::string>& ListOf(Entry& e, const std::string& kind) {
  if (kind == "keyword") return e.keywords;
  if (kind == "synonym") return e.synonyms;
  if (kind == "colloquial") return e.colloquial;
  return e.phrasings;
}

}  // namespace

Status MigrateKnowledge(storage::Database& db) {
  return db.Migrate({{"knowledge", 1, R"sql(
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
  )sql"}});
}

Status SaveKnowledgeBase(storage::Database& db, const KnowledgeBase& kb) {
  return db.Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(
        db.Exec("DELETE FROM kb_terms; DELETE FROM kb_entries; "
                "DELETE FROM kb_synonyms; DELETE FROM kb_departments;"));
    ZX_ASSIGN_OR_RETURN(storage::Statement dep,
                        db.Prepare("INSERT INTO kb_departments (code, name) VALUES (?1, ?2)"));
    for (const auto& [code, name] : kb.departments) {
      dep.Reset();
      dep.Bind(1, code).Bind(2, name);
      ZX_RETURN_IF_ERROR(dep.Run());
    }
    ZX_ASSIGN_OR_RETURN(
        storage::Statement entry,
        db.Prepare(
            "INSERT INTO kb_entries (id, version, kind, department, sla, title, effective, source, "
            "answer, origin, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    ZX_ASSIGN_OR_RETURN(storage::Statement term,
                        db.Prepare("INSERT INTO kb_terms (entry_id, kind, position, text) "
                                   "VALUES (?1, ?2, ?3, ?4)"));
    // A version already recorded keeps its first_loaded.
    ZX_ASSIGN_OR_RETURN(
        storage::Statement version,
        db.Prepare("INSERT INTO kb_entry_versions (id, version, title, answer, effective) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id, version) DO NOTHING"));
    ZX_ASSIGN_OR_RETURN(storage::Statement syn,
                        db.Prepare("INSERT INTO kb_synonyms (canonical, position, variant) "
                                   "VALUES (?1, ?2, ?3)"));
    int64_t pos = 0;
    for (const auto& e : kb.entries) {
      entry.Reset();
      entry.Bind(1, e.id).Bind(2, int64_t{e.version}).Bind(3, e.kind).Bind(4, e.department);
      entry.Bind(5, e.sla).Bind(6, e.title).Bind(7, e.effective).Bind(8, e.source);
      entry.Bind(9, e.answer).Bind(10, e.origin).Bind(11, pos++);
      ZX_RETURN_IF_ERROR(entry.Run());
      version.Reset();
      version.Bind(1, e.id).Bind(2, int64_t{e.version}).Bind(3, e.title).Bind(4, e.answer);
      version.Bind(5, e.effective);
      ZX_RETURN_IF_ERROR(version.Run());
      Entry copy = e;
      for (const char* kind : kListKinds) {
        int64_t i = 0;
        for (const auto& text : ListOf(copy, kind)) {
          term.Reset();
          term.Bind(1, e.id).Bind(2, std::string_view(kind)).Bind(3, i++).Bind(4, text);
          ZX_RETURN_IF_ERROR(term.Run());
        }
      }
    }
    // One position per variant, in file order: the order of reading back (ORDER BY rowid is
    // SQLite's alone). The variants of one group are consecutive, which is what groups them.
    pos = 0;
    for (const auto& s : kb.synonyms) {
      for (const auto& v : s.variants) {
        syn.Reset();
        syn.Bind(1, s.canonical).Bind(2, pos++).Bind(3, v);
        ZX_RETURN_IF_ERROR(syn.Run());
      }
    }
    return Status::Ok();
  });
}

Result<KnowledgeBase> ReadKnowledgeBase(storage::Database& db) {
  KnowledgeBase kb;
  ZX_ASSIGN_OR_RETURN(
      storage::Statement q,
      db.Prepare(
          "SELECT id, version, kind, department, sla, title, effective, source, answer, origin "
          "FROM kb_entries ORDER BY position"));
  std::map<std::string, size_t> at;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Entry e;
    e.id = q.Text(0);
    e.version = static_cast<int>(q.Int(1));
    e.kind = q.Text(2);
    e.department = q.Text(3);
    e.sla = q.Text(4);
    e.title = q.Text(5);
    e.effective = q.Text(6);
    e.source = q.Text(7);
    e.answer = q.Text(8);
    e.origin = q.Text(9);
    at[e.id] = kb.entries.size();
    kb.entries.push_back(std::move(e));
  }
  ZX_ASSIGN_OR_RETURN(
      storage::Statement t,
      db.Prepare("SELECT entry_id, kind, text FROM kb_terms ORDER BY entry_id, kind, position"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    auto it = at.find(t.Text(0));
    if (it == at.end()) return DataLoss("kb_terms refers to a missing entry " + t.Text(0));
    ListOf(kb.entries[it->second], t.Text(1)).push_back(t.Text(2));
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement s,
                      db.Prepare("SELECT canonical, variant FROM kb_synonyms ORDER BY position"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (kb.synonyms.empty() || kb.synonyms.back().canonical != s.Text(0))
      kb.synonyms.push_back({s.Text(0), {}});
    kb.synonyms.back().variants.push_back(s.Text(1));
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement d, db.Prepare("SELECT code, name FROM kb_departments"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, d.Step());
    if (!row) break;
    kb.departments[d.Text(0)] = d.Text(1);
  }
  return kb;
}

Result<KnowledgeBase> LoadIntoDatabase(storage::Database& db, const std::string& kb_dir) {
  ZX_RETURN_IF_ERROR(MigrateKnowledge(db));
  ZX_ASSIGN_OR_RETURN(KnowledgeBase files, LoadKnowledgeBase(kb_dir));
  ZX_RETURN_IF_ERROR(SaveKnowledgeBase(db, files));
  ZX_ASSIGN_OR_RETURN(KnowledgeBase kb, ReadKnowledgeBase(db));
  log::Info("kb.loaded entries={} synonyms={} dir={}", kb.entries.size(), kb.synonyms.size(),
            kb_dir);
  return kb;
}

}  // namespace zx::knowledge
