// The knowledge base in the database (knowledge/kb_store.h): seeding (first start, a changed
// file, an entry edited in the console, new entries), the review workflow and every illegal
// move, as-of dates with a future-dated version under a FakeClock, and the upgrade of a data
// directory of knowledge/1-2.
#include "knowledge/kb_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/testing/temp_dir.h"
#include "knowledge/loader.h"
#include "storage/testing/test_database.h"

namespace zx::knowledge {
namespace {

constexpr int64_t kStart = 1764900000000;  // 2025-12-05 10:00 China time
constexpr int64_t kDay = 24 * 3600 * 1000;

security::Principal Person(const std::string& name, security::Role role) {
  security::Principal p;
  p.kind = security::Principal::Kind::kUser;
  p.id = "u:" + name;
  p.name = name;
  p.role = role;
  return p;
}

Entry MakeEntry(const std::string& id, const std::string& answer) {
  Entry e;
  e.id = id;
  e.kind = "faq";
  e.department = "ybj";
  e.sla = "-";
  e.title = "标题" + id;
  e.version = 1;
  e.effective = "2025-01-01";
  e.source = "示例市医疗保障局";
  e.answer = answer;
  e.keywords = {"异地就医"};
  e.synonyms = {"异地备案"};
  e.colloquial = {"去外地看病"};
  for (int i = 0; i < 12; ++i) e.phrasings.push_back(id + "问题" + std::to_string(i));
  return e;
}

std::string Toml(const Entry& e) {
  std::string s = "\n[[entry]]\nid = \"" + e.id + "\"\nkind = \"faq\"\ndepartment = \"" +
                  e.department + "\"\nsla = \"-\"\ntitle = \"" + e.title +
                  "\"\nversion = " + std::to_string(e.version) + "\neffective = \"" + e.effective +
                  "\"\nsource = \"" + e.source + "\"\nanswer = \"" + e.answer +
                  "\"\nkeywords = [\"异地就医\"]\nsynonyms = [\"异地备案\"]\n"
                  "colloquial = [\"去外地看病\"]\nphrasings = [";
  for (size_t i = 0; i < e.phrasings.size(); ++i) s += (i ? ", \"" : "\"") + e.phrasings[i] + "\"";
  return s + "]\n";
}

class KbStoreTest : public ::testing::Test {
 protected:
  KbStoreTest() : clock_(kStart) {
    db_ = std::move(storage::testing::OpenTestDatabase().value());
    store_ = std::move(KnowledgeStore::Open(*db_, clock_).value());
    std::filesystem::create_directories(dir_.path() + "/entries");
    Write("departments.tsv", "code\tname\nybj\t示例市医疗保障局\nrsj\t示例市人社局\n");
    Write("synonyms.tsv", "canonical\tvariants\n医保\t医疗保险|医疗保障\n");
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
  }
  void WriteEntries(const std::vector<Entry>& entries) {
    std::string text = "# 医疗保障（示例市医疗保障局）\n";
    for (const auto& e : entries) text += Toml(e);
    Write("entries/yb.toml", text);
  }
  void Seed(const std::vector<Entry>& entries) {
    WriteEntries(entries);
    Status s = store_->SeedFrom(dir_.path());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string AnswerOn(const std::string& date, const std::string& id) {
    auto kb = store_->AsOf(date);
    EXPECT_TRUE(kb.ok()) << kb.status().ToString();
    const Entry* e = kb.ok() ? kb->Find(id) : nullptr;
    return e ? e->answer + "@v" + std::to_string(e->version) : "(none)";
  }
  // A console edit of `id` by `editor`, approved by `reviewer`; returns its version.
  int Publish(const std::string& id, const std::string& answer, const security::Principal& editor,
              const security::Principal& reviewer, const std::string& effective = "") {
    Entry e = store_->Current(id).value().entry;
    e.answer = answer;
    auto ref = store_->CreateDraft(e, editor, "edit");
    EXPECT_TRUE(ref.ok()) << ref.status().ToString();
    EXPECT_TRUE(store_->Submit(*ref, editor).ok());
    auto a = store_->Approve(*ref, effective, reviewer, "ok");
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return ref->version;
  }

  FakeClock clock_;
  zx::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<KnowledgeStore> store_;
  security::Principal alice_ = Person("alice", security::Role::kEditor);
  security::Principal bob_ = Person("bob", security::Role::kEditor);
  security::Principal root_ = Person("root", security::Role::kAdmin);
};

TEST_F(KbStoreTest, TodayIsTheChinaDateOfTheClock) {
  EXPECT_EQ(store_->Today(), "2025-12-05");
  clock_.Set(kStart + 14 * 3600 * 1000);  // 00:00 China time on the 6th
  EXPECT_EQ(store_->Today(), "2025-12-06");
}

TEST_F(KbStoreTest, FirstSeedImportsTheFilesAsPublishedVersions) {
  Entry a = MakeEntry("yb.a", "答案A");
  a.version = 3;
  Seed({a, MakeEntry("yb.b", "答案B")});
  auto kb = store_->AsOf("2025-12-05");
  ASSERT_TRUE(kb.ok());
  ASSERT_EQ(kb->entries.size(), 2u);
  EXPECT_EQ(kb->entries[0].id, "yb.a");  // file order
  EXPECT_EQ(kb->entries[0].version, 3);  // the file's version
  EXPECT_EQ(kb->entries[0].phrasings, a.phrasings);
  EXPECT_EQ(kb->entries[0].colloquial, a.colloquial);
  EXPECT_EQ(kb->DepartmentName("ybj"), "示例市医疗保障局");
  ASSERT_EQ(kb->synonyms.size(), 1u);
  EXPECT_EQ(kb->synonyms[0].variants, (std::vector<std::string>{"医疗保险", "医疗保障"}));
  auto v = store_->Versions("yb.a").value();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].status, VersionStatus::kPublished);
  EXPECT_EQ(v[0].editor, "kb/");
  EXPECT_EQ(v[0].published_ms, kStart);
  auto areas = store_->Areas().value();
  ASSERT_EQ(areas.size(), 1u);
  EXPECT_EQ(areas[0].code, "yb");
  EXPECT_EQ(areas[0].name, "医疗保障");
  EXPECT_EQ(areas[0].entries, 2);
  // Before any effective date: nothing.
  EXPECT_TRUE(store_->AsOf("2024-12-31")->entries.empty());
}

TEST_F(KbStoreTest, SeedingAgainUnchangedWritesNothing) {
  Seed({MakeEntry("yb.a", "答案A")});
  Seed({MakeEntry("yb.a", "答案A")});
  EXPECT_EQ(store_->Versions("yb.a")->size(), 1u);
}

TEST_F(KbStoreTest, AChangedFileUpdatesAnEntryThatCameFromTheSeed) {
  Seed({MakeEntry("yb.a", "答案A")});
  Seed({MakeEntry("yb.a", "答案A改")});
  auto v = store_->Versions("yb.a").value();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].entry.version, 2);
  EXPECT_EQ(v[1].editor, "kb/");
  EXPECT_EQ(v[0].status, VersionStatus::kSuperseded);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "答案A改@v2");
}

TEST_F(KbStoreTest, AChangedFileNeverOverwritesAConsoleEdit) {
  Seed({MakeEntry("yb.a", "答案A")});
  Publish("yb.a", "控制台的答案", alice_, bob_);
  // kb/ changes the same entry and adds a new one.
  Seed({MakeEntry("yb.a", "文件的新答案"), MakeEntry("yb.new", "新条目")});
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "控制台的答案@v2");
  EXPECT_EQ(store_->Versions("yb.a")->size(), 2u);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.new"), "新条目@v1");
  // An open console draft counts as an edit too.
  auto draft = store_->CreateDraft(MakeEntry("yb.new", "草稿"), alice_, "");
  ASSERT_TRUE(draft.ok());
  Seed({MakeEntry("yb.a", "文件的新答案"), MakeEntry("yb.new", "新条目又改")});
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.new"), "新条目@v1");
}

TEST_F(KbStoreTest, AMalformedFileFailsTheSeedAndKeepsWhatWasThere) {
  Seed({MakeEntry("yb.a", "答案A")});
  Entry bad = MakeEntry("yb.a", "答案A改");
  bad.phrasings.resize(3);
  WriteEntries({bad});
  Status s = store_->SeedFrom(dir_.path());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "答案A@v1");
}

TEST_F(KbStoreTest, TwoPeopleDraftSubmitAndPublish) {
  Seed({MakeEntry("yb.a", "答案A")});
  int published = 0;
  store_->OnPublished([&] { ++published; });
  Entry e = MakeEntry("yb.a", "新答案");
  auto ref = store_->SaveDraft(e, alice_, "改比例");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->version, 2);
  // One open draft: saving again updates it.
  e.answer = "新答案二";
  auto again = store_->SaveDraft(e, alice_, "再改");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 2);
  EXPECT_EQ(store_->Versions("yb.a")->size(), 2u);
  EXPECT_EQ(store_->WithDrafts()->Find("yb.a")->answer, "新答案二");
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "答案A@v1");

  auto submitted = store_->Submit(*ref, alice_);
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(submitted->status, VersionStatus::kSubmitted);
  EXPECT_EQ(store_->ReviewQueue()->size(), 1u);
  // The editor cannot approve their own version.
  auto own = store_->Approve(*ref, "", alice_, "");
  EXPECT_EQ(own.status().code(), Code::kPermissionDenied);
  auto a = store_->Approve(*ref, "2025-12-05", bob_, "核对无误");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->alone);
  EXPECT_EQ(a->version.status, VersionStatus::kPublished);
  EXPECT_EQ(a->version.reviewer, "bob");
  EXPECT_EQ(a->version.editor, "alice");
  EXPECT_EQ(a->version.note, "再改");
  EXPECT_EQ(a->version.review_note, "核对无误");
  EXPECT_EQ(published, 1);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "新答案二@v2");
  EXPECT_EQ(store_->Get({"yb.a", 1})->status, VersionStatus::kSuperseded);
  EXPECT_TRUE(store_->ReviewQueue()->empty());
}

TEST_F(KbStoreTest, AnAdministratorMayPublishAlone) {
  Seed({MakeEntry("yb.a", "答案A")});
  auto ref = store_->SaveDraft(MakeEntry("yb.a", "管理员改"), root_, "");
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(store_->Submit(*ref, root_).ok());
  auto a = store_->Approve(*ref, "", root_, "");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->alone);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "管理员改@v2");
}

TEST_F(KbStoreTest, EveryIllegalMoveIsAClearError) {
  Seed({MakeEntry("yb.a", "答案A")});
  auto code = [](const auto& r) { return r.status().code(); };
  const VersionRef v1{"yb.a", 1};
  // A published version: not submitted again, approved, rejected; no restore of... itself is fine.
  EXPECT_EQ(code(store_->Submit(v1, alice_)), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Approve(v1, "", bob_, "")), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Reject(v1, "不对", bob_)), Code::kFailedPrecondition);
  auto draft = store_->SaveDraft(MakeEntry("yb.a", "草稿"), alice_, "").value();
  // A draft: not approved or rejected before it is submitted; not restored onto itself.
  EXPECT_EQ(code(store_->Approve(draft, "", bob_, "")), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Reject(draft, "不对", bob_)), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Restore(draft, alice_)), Code::kFailedPrecondition);
  ASSERT_TRUE(store_->Submit(draft, alice_).ok());
  // Submitted: not submitted twice, no second draft beside it, no own rejection.
  EXPECT_EQ(code(store_->Submit(draft, alice_)), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->SaveDraft(MakeEntry("yb.a", "又一稿"), bob_, "")),
            Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Reject(draft, "不对", alice_)), Code::kPermissionDenied);
  EXPECT_EQ(code(store_->Reject(draft, "  ", bob_)), Code::kInvalidArgument);
  EXPECT_EQ(code(store_->Approve(draft, "2025-02-30", bob_, "")), Code::kInvalidArgument);
  auto rejected = store_->Reject(draft, "数字有误", bob_);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->status, VersionStatus::kRejected);
  EXPECT_EQ(rejected->review_note, "数字有误");
  // Rejected: final.
  EXPECT_EQ(code(store_->Submit(draft, alice_)), Code::kFailedPrecondition);
  EXPECT_EQ(code(store_->Approve(draft, "", bob_, "")), Code::kFailedPrecondition);
  // Unknown entries and versions; an id taken; an anonymous caller.
  EXPECT_EQ(code(store_->Get({"yb.a", 9})), Code::kNotFound);
  EXPECT_EQ(code(store_->Submit({"yb.zz", 1}, alice_)), Code::kNotFound);
  EXPECT_EQ(code(store_->SaveDraft(MakeEntry("yb.zz", "x"), alice_, "")), Code::kNotFound);
  EXPECT_EQ(code(store_->CreateEntry(MakeEntry("yb.a", "x"), alice_, "")), Code::kAlreadyExists);
  EXPECT_EQ(code(store_->CreateDraft(MakeEntry("yb.a", "x"), security::Principal{}, "")),
            Code::kUnauthenticated);
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "答案A@v1");
}

TEST_F(KbStoreTest, ContentIsCheckedByTheLoadersRulesNamingTheField) {
  Seed({MakeEntry("yb.a", "答案A")});
  auto message = [&](Entry e) { return store_->SaveDraft(e, alice_, "").status().message(); };
  Entry e = MakeEntry("yb.a", "  ");
  EXPECT_EQ(message(e), "answer: must not be empty");
  e = MakeEntry("yb.a", "答案");
  e.phrasings[3] = e.phrasings[1];
  EXPECT_EQ(message(e).substr(0, 24), "phrasings[3]: repeats \"y");
  e = MakeEntry("yb.a", "答案");
  e.department = "nope";
  EXPECT_EQ(message(e), "department: 'nope' is not in departments.tsv");
  e = MakeEntry("yb.a", "答案");
  e.kind = "complaint";
  EXPECT_EQ(message(e), "sla: is required for a complaint");
  e = MakeEntry("Bad Id", "答案");
  EXPECT_EQ(store_->CreateEntry(e, alice_, "").status().message().substr(0, 4), "id: ");
  EXPECT_EQ(store_->Versions("yb.a")->size(), 1u);  // nothing saved
}

// A draft is work in progress (a document's proposal has no phrasings yet): it saves with fewer
// than kMinPhrasings, and only a complete one can be submitted for review.
TEST_F(KbStoreTest, ADraftMayLackPhrasingsUntilItIsSubmitted) {
  Seed({MakeEntry("yb.a", "答案A")});
  Entry e = MakeEntry("yb.a", "答案B");
  e.phrasings.resize(11);
  auto draft = store_->SaveDraft(e, alice_, "还在补问法");
  ASSERT_TRUE(draft.ok()) << draft.status().message();
  auto refused = store_->Submit(*draft, alice_);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "phrasings: has 11 items, needs at least 12");
  e = MakeEntry("yb.a", "答案B");
  ASSERT_TRUE(store_->SaveDraft(e, alice_, "补齐").ok());
  EXPECT_TRUE(store_->Submit(*draft, alice_).ok());
}

TEST_F(KbStoreTest, AFutureDatedVersionIsScheduledUntilItsDay) {
  Seed({MakeEntry("yb.a", "比例70%")});
  int v = Publish("yb.a", "比例75%", alice_, bob_, "2026-01-01");
  EXPECT_EQ(v, 2);
  EXPECT_EQ(store_->Get({"yb.a", 2})->status, VersionStatus::kScheduled);
  EXPECT_EQ(store_->Get({"yb.a", 2})->published_ms, kStart + 26 * kDay + 14 * 3600 * 1000);
  EXPECT_EQ(AnswerOn("2025-12-31", "yb.a"), "比例70%@v1");
  EXPECT_EQ(AnswerOn("2026-01-01", "yb.a"), "比例75%@v2");
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "比例70%@v1");
  EXPECT_EQ(store_->NextEffectiveAfter("2025-12-05").value(), "2026-01-01");
  EXPECT_EQ(store_->NextEffectiveAfter("2026-01-01").value(), "");
  EXPECT_EQ(store_->AsOf("2025-13-01").status().code(), Code::kInvalidArgument);
  // The clock reaches the day: the scheduled version is what citizens get.
  clock_.Set(kStart + 27 * kDay);
  EXPECT_EQ(store_->Today(), "2026-01-01");
  EXPECT_EQ(store_->Get({"yb.a", 2})->status, VersionStatus::kPublished);
  EXPECT_EQ(store_->Get({"yb.a", 1})->status, VersionStatus::kSuperseded);
  EXPECT_EQ(store_->Current("yb.a")->entry.version, 2);
}

TEST_F(KbStoreTest, OnTheSameEffectiveDateTheHigherVersionWins) {
  Seed({MakeEntry("yb.a", "一")});
  Publish("yb.a", "二", alice_, bob_, "2025-01-01");
  EXPECT_EQ(AnswerOn("2025-06-01", "yb.a"), "二@v2");
  // An approved version with an earlier date than the current one does not replace it.
  Publish("yb.a", "三", alice_, bob_, "2024-06-01");
  EXPECT_EQ(AnswerOn("2025-06-01", "yb.a"), "二@v2");
  EXPECT_EQ(AnswerOn("2024-07-01", "yb.a"), "三@v3");
}

TEST_F(KbStoreTest, RestoreMakesADraftOfAnOldVersion) {
  Seed({MakeEntry("yb.a", "一")});
  Publish("yb.a", "二", alice_, bob_);
  auto restored = store_->Restore({"yb.a", 1}, alice_);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->version, 3);
  auto v = store_->Get(*restored).value();
  EXPECT_EQ(v.status, VersionStatus::kDraft);
  EXPECT_EQ(v.entry.answer, "一");
  EXPECT_EQ(v.note, "restored from version 1");
  EXPECT_EQ(AnswerOn("2025-12-05", "yb.a"), "二@v2");
}

TEST_F(KbStoreTest, PhrasingsGoIntoTheDraft) {
  Seed({MakeEntry("yb.a", "一")});
  auto ref = store_->AddDraftPhrasings("yb.a", {"新问法", "yb.a问题0", "新问法"}, alice_, "");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto v = store_->Get(*ref).value();
  EXPECT_EQ(v.status, VersionStatus::kDraft);
  EXPECT_EQ(v.entry.phrasings.size(), 13u);
  EXPECT_EQ(v.entry.phrasings.back(), "新问法");
  EXPECT_EQ(store_->AddDraftPhrasings("yb.a", {"再一个"}, bob_, "")->version, ref->version);
  EXPECT_EQ(store_->Get(*ref)->entry.phrasings.size(), 14u);
  EXPECT_EQ(store_->AddDraftPhrasings("yb.zz", {"x"}, bob_, "").status().code(), Code::kNotFound);
}

TEST_F(KbStoreTest, NewEntriesStartAsDraftsAndListsFilterAndSearch) {
  Seed({MakeEntry("yb.a", "异地就医备案"), MakeEntry("yb.b", "门诊报销")});
  auto ref = store_->CreateEntry(MakeEntry("yb.c", "长期护理保险"), alice_, "新条目");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->version, 1);
  EXPECT_EQ(store_->AsOf("2025-12-05")->Find("yb.c"), nullptr);
  EXPECT_NE(store_->WithDrafts()->Find("yb.c"), nullptr);
  auto all = store_->List({}).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].status, VersionStatus::kDraft);
  ASSERT_TRUE(all[2].draft.has_value());
  EXPECT_EQ(all[2].draft->editor, "alice");
  EXPECT_FALSE(all[0].draft.has_value());
  EXPECT_EQ(all[0].area, "yb");
  EXPECT_EQ(store_->List({.q = "门诊"})->size(), 1u);
  EXPECT_EQ(store_->List({.q = "yb.b问题3"})->size(), 1u);  // a phrasing
  EXPECT_EQ(store_->List({.q = "护理"})->size(), 1u);       // the draft's answer
  EXPECT_EQ(store_->List({.status = "draft"})->size(), 1u);
  EXPECT_EQ(store_->List({.status = "published"})->size(), 2u);
  EXPECT_EQ(store_->List({.area = "gjj"})->size(), 0u);
}

// The knowledge/1-2 tables (as an earlier version left them) become published versions.
TEST(KbStoreUpgrade, AnOldDataDirectoryKeepsItsEntriesAsPublishedVersions) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  ASSERT_TRUE(db->Migrate({{"knowledge", 1, R"sql(
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
  )sql"}}).ok());
  ASSERT_TRUE(db->Exec(R"sql(
    INSERT INTO kb_entries VALUES ('yb.b', 4, 'faq', 'ybj', '-', 'B', '2024-01-01', '局', '答B',
                                   'kb/entries/yb.toml:30', 1);
    INSERT INTO kb_entries VALUES ('yb.a', 2, 'faq', 'ybj', '-', 'A', '2024-01-01', '局', '答A',
                                   'kb/entries/yb.toml:1', 0);
    INSERT INTO kb_terms VALUES ('yb.a', 'phrasing', 1, '第二问'), ('yb.a', 'phrasing', 0, '第一问'),
                                ('yb.a', 'keyword', 0, '关键词'), ('yb.b', 'synonym', 0, '同义');
    INSERT INTO kb_entry_versions (id, version, title, answer, effective)
      VALUES ('yb.a', 2, 'A', '答A', '2024-01-01');
    INSERT INTO kb_departments VALUES ('ybj', '示例市医疗保障局');
  )sql")
                  .ok());
  FakeClock clock(kStart);
  auto store = KnowledgeStore::Open(*db, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto kb = (*store)->AsOf("2025-12-05");
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  ASSERT_EQ(kb->entries.size(), 2u);
  EXPECT_EQ(kb->entries[0].id, "yb.a");  // by the old position
  EXPECT_EQ(kb->entries[0].version, 2);
  EXPECT_EQ(kb->entries[0].answer, "答A");
  EXPECT_EQ(kb->entries[0].phrasings, (std::vector<std::string>{"第一问", "第二问"}));
  EXPECT_EQ(kb->entries[0].keywords, (std::vector<std::string>{"关键词"}));
  EXPECT_EQ(kb->entries[1].synonyms, (std::vector<std::string>{"同义"}));
  auto v = (*store)->Get({"yb.a", 2});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, VersionStatus::kPublished);
  EXPECT_EQ(v->editor, "kb/");
  EXPECT_EQ(kb->DepartmentName("ybj"), "示例市医疗保障局");
  EXPECT_FALSE(db->HasTable("kb_entries"));
}

// The real kb/ seeds, and seeding it twice changes nothing.
TEST(KbStoreSeed, TheRepositorysKnowledgeBase) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  FakeClock clock(kStart);
  auto store = std::move(KnowledgeStore::Open(*db, clock).value());
  const std::string kb_dir = std::string(ZX_SOURCE_DIR) + "/kb";
  ASSERT_TRUE(store->SeedFrom(kb_dir).ok());
  ASSERT_TRUE(store->SeedFrom(kb_dir).ok());
  auto files = LoadKnowledgeBase(kb_dir).value();
  auto kb = store->AsOf(store->Today()).value();
  ASSERT_EQ(kb.entries.size(), files.entries.size());
  for (size_t i = 0; i < kb.entries.size(); ++i) {
    EXPECT_EQ(kb.entries[i].id, files.entries[i].id);
    EXPECT_EQ(kb.entries[i].version, files.entries[i].version);
    EXPECT_EQ(kb.entries[i].phrasings, files.entries[i].phrasings);
  }
  EXPECT_EQ(store->List({})->size(), files.entries.size());
  EXPECT_EQ(store->SeedFrom("/nonexistent/kb").code(),
            LoadKnowledgeBase("/nonexistent/kb").status().code());
}

}  // namespace
}  // namespace zx::knowledge
