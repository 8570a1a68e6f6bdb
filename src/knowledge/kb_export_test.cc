// Export (knowledge/kb_export.h): the repository's kb/, exported as TOML and loaded back by the
// loader as it is, every field equal; through the store too; and an XLSX workbook.
#include "knowledge/kb_export.h"

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "knowledge/kb_store.h"
#include "knowledge/loader.h"
#include "storage/testing/test_database.h"

namespace zx::knowledge {
namespace {

void ExpectSameEntries(const KnowledgeBase& a, const KnowledgeBase& b) {
  ASSERT_EQ(a.entries.size(), b.entries.size());
  // The export groups entries by area; compare by id.
  for (const Entry& x : a.entries) {
    const Entry* y = b.Find(x.id);
    ASSERT_NE(y, nullptr) << x.id;
    EXPECT_EQ(x.kind, y->kind) << x.id;
    EXPECT_EQ(x.department, y->department) << x.id;
    EXPECT_EQ(x.sla, y->sla) << x.id;
    EXPECT_EQ(x.title, y->title) << x.id;
    EXPECT_EQ(x.version, y->version) << x.id;
    EXPECT_EQ(x.effective, y->effective) << x.id;
    EXPECT_EQ(x.source, y->source) << x.id;
    EXPECT_EQ(x.answer, y->answer) << x.id;
    EXPECT_EQ(x.keywords, y->keywords) << x.id;
    EXPECT_EQ(x.synonyms, y->synonyms) << x.id;
    EXPECT_EQ(x.colloquial, y->colloquial) << x.id;
    EXPECT_EQ(x.phrasings, y->phrasings) << x.id;
  }
}

TEST(KbExport, TomlLoadsBackWithEveryField) {
  const std::string kb_dir = std::string(ZX_SOURCE_DIR) + "/kb";
  auto files = LoadKnowledgeBase(kb_dir).value();
  // Text a file must escape: quotes, backslashes, tabs, triple quotes, a control character.
  files.entries[0].answer = "他说\"办\"\\n，\t再\"\"\"问\x01。\n第二行";
  files.entries[0].phrasings[0] = "带\"引号\"的问法\\";
  zx::testing::TempDir out;
  auto written = ExportTomlDir(files, LoadAreaNames(kb_dir).value(), out.path());
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto back = LoadKnowledgeBase(out.path());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameEntries(files, *back);
  ASSERT_EQ(back->synonyms.size(), files.synonyms.size());
  for (size_t i = 0; i < files.synonyms.size(); ++i) {
    EXPECT_EQ(back->synonyms[i].canonical, files.synonyms[i].canonical);
    EXPECT_EQ(back->synonyms[i].variants, files.synonyms[i].variants);
  }
  EXPECT_EQ(back->departments, files.departments);
  EXPECT_EQ(LoadAreaNames(out.path()).value(), LoadAreaNames(kb_dir).value());
}

TEST(KbExport, WhatTheStoreServesExportsAndLoadsBack) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  FakeClock clock(1764900000000);
  auto store = std::move(KnowledgeStore::Open(*db, clock).value());
  ASSERT_TRUE(store->SeedFrom(std::string(ZX_SOURCE_DIR) + "/kb").ok());
  auto kb = store->AsOf(store->Today()).value();
  zx::testing::TempDir out;
  ASSERT_TRUE(ExportTomlDir(kb, {}, out.path()).ok());
  auto back = LoadKnowledgeBase(out.path());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameEntries(kb, *back);
  // One area's file alone parses as it is.
  std::vector<Entry> yb;
  for (const auto& e : kb.entries)
    if (e.id.rfind("yb.", 0) == 0) yb.push_back(e);
  auto parsed = ParseEntries(EntriesToml(yb, "医疗保障"), "yb.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), yb.size());
}

TEST(KbExport, XlsxIsAWorkbook) {
  auto files = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb").value();
  auto bytes = EntriesXlsx(files);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes->substr(0, 2), "PK");
  EXPECT_GT(bytes->size(), 10000u);
}

}  // namespace
}  // namespace zx::knowledge
