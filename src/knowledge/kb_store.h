// KnowledgeStore: the knowledge base in the database, every version of every entry, with review
// and effective dates (docs/knowledge.md "The knowledge base in the database").
//
// kb/ is the seed and the exchange format: the first start imports it (each entry's version as
// in its file, published, editor "kb/"); later starts add new entries and apply a changed file
// only to an entry whose newest version still came from the seed (an entry edited in the
// console keeps its console version: log `kb.seed_skipped id=...`). Synonyms, departments and
// the areas' names are not edited in the console: every seed replaces them.
//
// Workflow of a version (status, as of today):
//   draft -> submitted -> approved: `published` when its effective date <= today (the version
//   citizens get), `scheduled` (已计划) when later, `superseded` once another approved version
//   takes its place; or submitted -> `rejected`. An entry has at most one open version (draft
//   or submitted): saving a draft updates it. Restore copies an old version into that draft.
//   The approver (or rejecter) must not be the version's editor, except an administrator, who
//   may publish alone (Approval::alone says so; the caller audits it as kb.publish_alone). An
//   illegal move is kFailedPrecondition, one's own version kPermissionDenied, an unknown entry or
//   version kNotFound, content that breaks the loader's rules kInvalidArgument naming the field
//   ("answer: must not be empty"; CheckEntry gives the field itself).
//
// As of a date: for each entry the approved version with the greatest effective date <= date
// (ties: the higher version); entries with none are absent. Dates are "YYYY-MM-DD" in China
// Standard Time (UTC+8), today from the injected Clock.
//
// Thread-safe: writes are serialised by a mutex and each runs in one transaction. Portable SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "knowledge/entry.h"
#include "security/roles.h"
#include "storage/database.h"

namespace zx::knowledge {

struct VersionRef {
  std::string id;
  int version = 0;
};

enum class VersionStatus {
  kDraft,
  kSubmitted,
  kRejected,
  kScheduled,
  kPublished,
  kSuperseded,
  kWithdrawn
};
// "draft", "submitted", "rejected", "scheduled", "published", "superseded", "withdrawn".
std::string_view VersionStatusName(VersionStatus status);

// One version of one entry: its whole content (entry.version is this version) and its history.
struct EntryVersion {
  Entry entry;
  VersionStatus status = VersionStatus::kDraft;  // as of today
  std::string editor;                            // display name ("kb/", a login, "cli:root")
  std::string editor_id;                         // Principal::id, "kb/" or "cli:<user>"
  std::string reviewer, reviewer_id;             // "" until reviewed
  std::string note;                              // the editor's change note
  std::string review_note;                       // the reviewer's note or rejection reason
  int64_t created_ms = 0;                        // unix ms (0: upgraded from knowledge/2)
  int64_t reviewed_ms = 0;
  int64_t published_ms = 0;  // when it became (or becomes) what citizens get; 0 if never
};

// An entry in the list: its current version (the one citizens get today, else the newest) and
// its open version, if any.
struct EntryRow {
  std::string id, area, title, kind, department, effective;
  int version = 0;
  VersionStatus status = VersionStatus::kDraft;
  struct Open {
    int version = 0;
    VersionStatus status = VersionStatus::kDraft;
    std::string editor;
  };
  std::optional<Open> draft;
};

// Filters of the list; "" means any. `q` is searched (case-insensitive for Latin letters) in the
// title, keywords, phrasings and answer of the current and the open version.
struct EntryFilter {
  std::string area, kind, status, q;
};

struct Area {
  std::string code;  // "yb": the ids' prefix
  std::string name;  // "医疗保障", from the first comment line of kb/entries/yb.toml
  int entries = 0;
};

// What an approval did.
struct Approval {
  EntryVersion version;
  bool alone = false;  // an administrator approved their own version
};

class KnowledgeStore {
 public:
  // Migrates (knowledge/1..3; an old knowledge base's entries become published versions).
  static Result<std::unique_ptr<KnowledgeStore>> Open(storage::Database& db, const Clock& clock);

  // Imports kb_dir (LoadKnowledgeBase; a malformed file fails the whole seed) as described above.
  Status SeedFrom(const std::string& kb_dir);

  // What citizens get on `date` (kInvalidArgument for a malformed date), in kb/ file order.
  Result<KnowledgeBase> AsOf(std::string_view date) const;
  // Published today, with every open version (draft or submitted) on top; new entries included.
  Result<KnowledgeBase> WithDrafts() const;
  // The first effective date after `date` of an approved version; "" when none.
  Result<std::string> NextEffectiveAfter(std::string_view date) const;
  // Today in China Standard Time, from the clock.
  std::string Today() const;

  // Saves `entry` as the open draft of entry.id: a new entry when the id is unknown, else the
  // entry's open draft (updated) or a new one. entry.version is ignored.
  Result<VersionRef> CreateDraft(const Entry& entry, const security::Principal& by,
                                 std::string note);
  // A new entry only: kAlreadyExists when the id is known.
  Result<VersionRef> CreateEntry(const Entry& entry, const security::Principal& by,
                                 std::string note);
  // An existing entry only (kNotFound otherwise); kFailedPrecondition while a version is
  // submitted.
  Result<VersionRef> SaveDraft(const Entry& entry, const security::Principal& by, std::string note);
  // Adds `phrasings` (those not there yet) to the entry's draft, made from the current version
  // when there is none.
  Result<VersionRef> AddDraftPhrasings(const std::string& entry_id,
                                       const std::vector<std::string>& phrasings,
                                       const security::Principal& by, std::string note);
  // draft -> submitted.
  Result<EntryVersion> Submit(const VersionRef& ref, const security::Principal& by);
  // submitted -> approved, effective `effective` ("" keeps the version's own date).
  Result<Approval> Approve(const VersionRef& ref, std::string_view effective,
                           const security::Principal& by, std::string note);
  // submitted -> rejected, with the reason.
  Result<EntryVersion> Reject(const VersionRef& ref, std::string reason,
                              const security::Principal& by);
  // The content of `ref` as the entry's draft (new, or the open draft updated).
  Result<VersionRef> Restore(const VersionRef& ref, const security::Principal& by);
  // Each entry of `kb` whose content differs from its current version becomes a new published
  // version by `editor` (the CLI's `kb import`); returns the refs written.
  Result<std::vector<VersionRef>> ImportPublished(const KnowledgeBase& kb,
                                                  const std::string& editor_id,
                                                  const std::string& editor, std::string note);

  Result<EntryVersion> Get(const VersionRef& ref) const;
  // Every version of the entry, oldest first; kNotFound for an unknown entry.
  Result<std::vector<EntryVersion>> Versions(const std::string& entry_id) const;
  // The version citizens get today, else the newest one.
  Result<EntryVersion> Current(const std::string& entry_id) const;
  // The entries matching `filter`, in kb/ file order.
  Result<std::vector<EntryRow>> List(const EntryFilter& filter) const;
  // Submitted versions, oldest first.
  Result<std::vector<EntryVersion>> ReviewQueue() const;
  Result<std::vector<Area>> Areas() const;
  // The departments (code -> name) entries are checked against.
  Result<std::map<std::string, std::string>> Departments() const;

  // Called after an approval commits (and after an import), on the caller's thread.
  void OnPublished(std::function<void()> listener);

 private:
  KnowledgeStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  struct Topic;
  // The versions of one entry, or of all (nullopt), by entry and version; statuses as of today.
  Result<std::vector<EntryVersion>> Load(std::optional<std::string_view> entry_id) const;
  Result<std::vector<Topic>> Topics() const;
  Status Insert(const EntryVersion& v, std::string_view state);
  Status UpdateContent(const EntryVersion& v);
  Status SetState(const VersionRef& ref, std::string_view state, const EntryVersion& v);
  Result<VersionRef> WriteDraft(const Entry& entry, const security::Principal& by, std::string note,
                                bool must_exist, bool must_be_new);
  Result<KnowledgeBase> Build(std::string_view date, bool drafts) const;
  void Notify();

  storage::Database& db_;
  const Clock& clock_;
  mutable std::mutex mu_;  // serialises the read-check-write of each change
  std::mutex listeners_mu_;
  std::vector<std::function<void()>> listeners_;
};

}  // namespace zx::knowledge
