#include "knowledge/loader.h"

#include <gtest/gtest.h>

#include <string>

namespace zx::knowledge {
namespace {

std::string Phrasings(int n) {
  std::string s = "phrasings = [";
  for (int i = 0; i < n; ++i)
    s += (i ? ", " : "") + std::string("\"问题") + std::to_string(i) + "\"";
  return s + "]\n";
}

std::string Entry(const std::string& extra_fields = "", int phrasings = 12) {
  return "[[entry]]\n"
         "id = \"sbk.apply\"\nkind = \"faq\"\ndepartment = \"rsj\"\nsla = \"-\"\n"
         "title = \"社保卡申领\"\nversion = 1\neffective = \"2025-01-01\"\n"
         "source = \"示例市人力资源和社会保障局\"\nanswer = "
         "\"\"\"\n带身份证去银行网点办。\n\"\"\"\n"
         "keywords = [\"社保卡\"]\nsynonyms = [\"社会保障卡\"]\ncolloquial = [\"医保卡\"]\n" +
         extra_fields + Phrasings(phrasings);
}

TEST(Loader, ParsesAValidEntry) {
  auto r = ParseEntries(Entry(), "kb/entries/sbk.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "sbk.apply");
  EXPECT_EQ((*r)[0].answer, "带身份证去银行网点办。");  // trimmed
  EXPECT_EQ((*r)[0].phrasings.size(), 12u);
  EXPECT_EQ((*r)[0].origin, "kb/entries/sbk.toml:1");
}

TEST(Loader, TomlSyntaxErrorNamesFileAndLine) {
  auto r = ParseEntries("[[entry]]\nid = \"a.b\"\ntitle = \"unterminated\n", "kb/entries/x.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("kb/entries/x.toml:3"), std::string::npos)
      << r.status().message();
}

TEST(Loader, TooFewPhrasingsNamesEntryFieldAndLine) {
  auto r = ParseEntries(Entry("", 5), "kb/entries/sbk.toml");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("kb/entries/sbk.toml:"), std::string::npos) << m;
  EXPECT_NE(m.find("'sbk.apply'"), std::string::npos) << m;
  EXPECT_NE(m.find("phrasings has 5 items, needs at least 12"), std::string::npos) << m;
}

TEST(Loader, RejectsMissingWrongAndUnknownFields) {
  std::string no_answer = Entry();
  no_answer.erase(no_answer.find("answer"), no_answer.find("keywords") - no_answer.find("answer"));
  auto a = ParseEntries(no_answer, "f.toml");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("answer is missing"), std::string::npos);

  std::string bad_kind = Entry();
  bad_kind.replace(bad_kind.find("\"faq\""), 5, "\"fqa\"");
  auto b = ParseEntries(bad_kind, "f.toml");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("f.toml:3"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("kind must be"), std::string::npos);

  auto c = ParseEntries(Entry("colour = \"red\"\n"), "f.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown field 'colour'"), std::string::npos);

  std::string bad_date = Entry();
  bad_date.replace(bad_date.find("2025-01-01"), 10, "2025-02-30");
  EXPECT_FALSE(ParseEntries(bad_date, "f.toml").ok());
}

TEST(Loader, RepeatedPhrasingIsRejected) {
  std::string e = Entry();
  const std::string one = "\"问题1\"";
  e.replace(e.find(one), one.size(), "\"问题0\"");
  auto r = ParseEntries(e, "f.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("repeats"), std::string::npos);
}

TEST(Loader, SynonymsFileErrors) {
  auto ok = ParseSynonyms("canonical\tvariants\n医保\t医疗保险|看病的钱\n", "s.tsv");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].variants.size(), 2u);
  auto no_tab = ParseSynonyms("h\n医保 医疗保险\n", "s.tsv");
  ASSERT_FALSE(no_tab.ok());
  EXPECT_NE(no_tab.status().message().find("s.tsv:2"), std::string::npos);
  EXPECT_FALSE(ParseSynonyms("h\n医保\ta\n医保\tb\n", "s.tsv").ok());
}

TEST(Loader, TheShippedKnowledgeBaseLoadsAndCoversEveryTopic) {
  auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  EXPECT_EQ(kb->entries.size(), 90u);
  for (const auto& e : kb->entries) EXPECT_GE(e.phrasings.size(), 12u) << e.id;
  EXPECT_GT(kb->synonyms.size(), 50u);
}

TEST(Loader, MissingDirectoryIsAClearError) {
  auto kb = LoadKnowledgeBase("/nonexistent/kb");
  ASSERT_FALSE(kb.ok());
  EXPECT_NE(kb.status().message().find("/nonexistent/kb/entries"), std::string::npos);
}

// The rules of the files, for one entry edited elsewhere: the problem names its field.
TEST(Loader, CheckEntryNamesTheField) {
  auto parsed = ParseEntries(Entry(), "f.toml");
  ASSERT_TRUE(parsed.ok());
  knowledge::Entry e = (*parsed)[0];
  EXPECT_FALSE(CheckEntry(e).has_value());
  auto field = [](const knowledge::Entry& x,
                  const std::map<std::string, std::string>& departments = {}) {
    auto p = CheckEntry(x, departments);
    return p ? p->field : std::string("(ok)");
  };
  knowledge::Entry x = e;
  x.answer = " \n";
  EXPECT_EQ(field(x), "answer");
  x = e;
  x.phrasings[3] = x.phrasings[0];
  EXPECT_EQ(field(x), "phrasings[3]");
  EXPECT_EQ(CheckEntry(x)->ToString(), "phrasings[3] repeats \"问题0\"");
  x = e;
  x.keywords.push_back("");
  EXPECT_EQ(field(x), "keywords[1]");
  x = e;
  x.effective = "2025-02-29";
  EXPECT_EQ(field(x), "effective");
  x = e;
  x.kind = "fqa";
  EXPECT_EQ(field(x), "kind");
  EXPECT_EQ(field(e, {{"ybj", "医保局"}}), "department");
  EXPECT_EQ(field(e, {{"rsj", "人社局"}}), "(ok)");
}

}  // namespace
}  // namespace zx::knowledge
