// Proposed entries from policy documents (knowledge/document_proposals.h) with the shipped rules
// (kb/documents.toml), on texts of 示例市 written for these tests: a 细则 of 第X条 articles as a
// PDF gives it (wrapped lines), a 通知 of 一、二、 sections with sub-items and a table as a DOCX
// gives it, the 文号 in its bracket forms, effective dates in digits, in Chinese numerals and
// "from the day it is issued", a document without headings, overlaps (also from the engine over
// the demo knowledge base), and a broken rules file.
#include "knowledge/document_proposals.h"

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "knowledge/loader.h"
#include "text/testing/sample_documents.h"

namespace zx::knowledge {
namespace {

const std::string kRules = std::string(ZX_SOURCE_DIR) + "/kb/documents.toml";

const DocumentRules& Rules() {
  static const DocumentRules rules = [] {
    auto r = LoadDocumentRules(kRules);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : DocumentRules{};
  }();
  return rules;
}

text::DocumentText Doc(const std::vector<std::string>& lines,
                       text::DocumentKind kind = text::DocumentKind::kPdf) {
  text::DocumentText d;
  d.kind = kind;
  for (const std::string& l : lines) d.paragraphs.push_back({l, 0, 1});
  return d;
}

TEST(DocumentProposalsTest, ArticlesOfARegulationAsAPdfGivesThem) {
  DocumentAnalysis a = ProposeEntries(Doc(text::testing::SamplePolicyLines()), Rules());
  EXPECT_EQ(a.title,
            "示例市医疗保障局关于印发《示例市职工基本医疗保险门诊共济保障实施细则》的通知");
  EXPECT_EQ(a.source, "示例市医疗保障局");
  EXPECT_EQ(a.doc_number, "示医保发〔2025〕12号");
  EXPECT_EQ(a.issued, "2025-01-20");
  EXPECT_EQ(a.effective, "2025-03-01");
  // 第一条 (purpose) and 第五条 (effective date, interpretation) are about the document itself.
  ASSERT_EQ(a.proposals.size(), 3u);
  const Proposal& p1 = a.proposals[0];
  EXPECT_EQ(p1.n, 1);
  EXPECT_EQ(p1.title, "普通门诊统筹起付标准");
  EXPECT_EQ(p1.answer, "普通门诊统筹起付标准：在职职工一个自然年度内为800元，退休人员为600元。");
  EXPECT_EQ(p1.source, "示例市医疗保障局");
  EXPECT_EQ(p1.doc_number, "示医保发〔2025〕12号");
  EXPECT_EQ(p1.effective, "2025-03-01");
  // A sentence wrapped over two lines is one again; the excerpt keeps the lines.
  const Proposal& p2 = a.proposals[1];
  EXPECT_EQ(p2.title, "普通门诊统筹支付比例");
  EXPECT_EQ(p2.answer,
            "普通门诊统筹支付比例：在一级及以下定点医疗机构就诊的，在职职工支付60%，退休人员支付"
            "70%；在二级及以上定点医疗机构就诊的，支付比例降低10个百分点。");
  EXPECT_EQ(p2.excerpt,
            "第三条 普通门诊统筹支付比例：在一级及以下定点医疗机构就诊的，在职职工支付60%，\n"
            "退休人员支付70%；在二级及以上定点医疗机构就诊的，支付比例降低10个百分点。");
  // An article without words of its own is named by the document's short name and its number.
  const Proposal& p3 = a.proposals[2];
  EXPECT_EQ(p3.title, "示例市职工基本医疗保险门诊共济保障实施细则 第四条");
  EXPECT_EQ(p3.answer.find("个人账户可以用于支付"), 0u);
  EXPECT_EQ(p3.answer.find("示例市医疗保障局\n"), std::string::npos);  // the signature is not in it
  EXPECT_EQ(p3.answer.find("2025年1月20日"), std::string::npos);
}

TEST(DocumentProposalsTest, SectionsOfANoticeAsADocxGivesThem) {
  std::vector<std::string> lines = {
      "示例市人力资源和社会保障局关于调整失业保险金标准的通知",
      "示人社发[2024]7号",
      "各区人力资源和社会保障局，各有关单位：",
      "为保障失业人员基本生活，经市人民政府同意，现就调整我市失业保险金标准有关事项通知如下：",
      "一、调整标准",
      "失业保险金标准由每月1850元调整为每月1980元。",
      "二、领取条件",
      "（一）失业前用人单位和本人已经缴纳失业保险费满一年的；",
      "（二）非因本人意愿中断就业的；",
      "（三）已经进行失业登记，并有求职要求的。",
      "三、办理渠道",
      "渠道 | 地址",
      "线上 | 示例市人社APP",
      "线下 | 各区就业服务中心",
      "四、本通知自2024年7月1日起执行。此前规定与本通知不一致的，以本通知为准。",
      "示例市人力资源和社会保障局",
      "2024年6月15日",
      "（此件主动公开）",
  };
  DocumentAnalysis a = ProposeEntries(Doc(lines, text::DocumentKind::kDocx), Rules());
  EXPECT_EQ(a.source, "示例市人力资源和社会保障局");
  EXPECT_EQ(a.doc_number, "示人社发〔2024〕7号");  // [] shown as 〔〕
  EXPECT_EQ(a.effective, "2024-07-01");
  EXPECT_EQ(a.issued, "2024-06-15");
  ASSERT_EQ(a.proposals.size(), 3u);
  EXPECT_EQ(a.proposals[0].title, "调整标准");
  EXPECT_EQ(a.proposals[0].answer, "失业保险金标准由每月1850元调整为每月1980元。");
  EXPECT_EQ(a.proposals[1].title, "领取条件");
  EXPECT_EQ(a.proposals[1].answer,
            "（一）失业前用人单位和本人已经缴纳失业保险费满一年的；\n（二）非因本人意愿中断就业的；"
            "\n（三）已经进行失业登记，并有求职要求的。");
  EXPECT_EQ(a.proposals[2].title, "办理渠道");
  EXPECT_EQ(a.proposals[2].answer, "渠道 | 地址\n线上 | 示例市人社APP\n线下 | 各区就业服务中心");
  for (const Proposal& p : a.proposals) EXPECT_EQ(p.effective, "2024-07-01") << p.title;
}

TEST(DocumentProposalsTest, DocNumbersInEveryBracketForm) {
  EXPECT_EQ(NormalizeDocNumber("示医保发（2025）3号"), "示医保发〔2025〕3号");
  EXPECT_EQ(NormalizeDocNumber("示医保发(2025)3号"), "示医保发〔2025〕3号");
  EXPECT_EQ(NormalizeDocNumber("示医保办〔 2023 〕 第15号"), "示医保办〔2023〕第15号");
  EXPECT_EQ(NormalizeDocNumber("示政办发［2022］8号"), "示政办发〔2022〕8号");
  for (const char* line :
       {"示医保发（2025）3号", "示医保发(2025)3号", "示医保发〔2025〕3号", "示医保发[2025]3号"}) {
    DocumentAnalysis a =
        ProposeEntries(Doc({"示例市医疗保障局关于做好门诊慢特病待遇认定工作的通知", line,
                            "门诊慢特病待遇认定由定点医疗机构按月办理，参保人员可就近申请。"}),
                       Rules());
    EXPECT_EQ(a.doc_number, "示医保发〔2025〕3号") << line;
  }
}

TEST(DocumentProposalsTest, EffectiveDatesInTheirForms) {
  auto effective = [](std::vector<std::string> lines) {
    lines.insert(lines.begin(), "示例市住房公积金管理中心关于调整住房公积金贷款额度的通知");
    return ProposeEntries(Doc(lines), Rules()).effective;
  };
  EXPECT_EQ(effective({"贷款最高额度调整为80万元。", "本通知自2025年1月1日起施行。"}),
            "2025-01-01");
  EXPECT_EQ(effective({"贷款最高额度调整为80万元，2025年3月1日起执行。"}), "2025-03-01");
  EXPECT_EQ(effective({"本通知自二〇二五年十月一日起实施。"}), "2025-10-01");
  EXPECT_EQ(effective({"本通知自二〇二四年十二月三十一日起生效。"}), "2024-12-31");
  // From the day it is issued: the date under the signature.
  EXPECT_EQ(effective({"贷款最高额度调整为80万元。", "本通知自印发之日起施行。",
                       "示例市住房公积金管理中心", "2025年2月8日"}),
            "2025-02-08");
  EXPECT_EQ(effective({"贷款最高额度调整为80万元。"}), "");
  // Not a date: month 13.
  EXPECT_EQ(effective({"本通知自2025年13月1日起施行。"}), "");
}

TEST(DocumentProposalsTest, ASectionsOwnFieldsWinOverTheDocuments) {
  std::vector<std::string> lines = {
      "示例市医疗保障局关于调整部分医疗服务项目价格的通知",
      "示医保发〔2025〕20号",
      "一、调整床位费",
      "三人间床位费调整为每日45元，自2025年5月1日起执行。",
      "二、调整诊查费",
      "普通门诊诊查费调整为每次15元，依据示医保发〔2024〕31号的规定执行。",
      "三、本通知自2025年4月1日起施行。",
  };
  DocumentAnalysis a = ProposeEntries(Doc(lines), Rules());
  EXPECT_EQ(a.effective, "2025-04-01");  // "本通知自…起施行" closes the document
  ASSERT_EQ(a.proposals.size(), 2u);
  EXPECT_EQ(a.proposals[0].effective, "2025-05-01");
  EXPECT_EQ(a.proposals[0].doc_number, "示医保发〔2025〕20号");
  EXPECT_EQ(a.proposals[1].effective, "2025-04-01");
  EXPECT_EQ(a.proposals[1].doc_number, "示医保发〔2024〕31号");  // without the word citing it
}

TEST(DocumentProposalsTest, ADocumentWithoutHeadingsIsOneProposal) {
  DocumentAnalysis a =
      ProposeEntries(Doc({"示例市民政局关于发放2025年度高龄津贴的通知", "示民发〔2025〕2号",
                          "各区民政局：", "年满80周岁的本市户籍老年人，每人每月发放高龄津贴100元，",
                          "年满90周岁的每人每月200元。", "示例市民政局", "2025年1月5日"}),
                     Rules());
  EXPECT_EQ(a.source, "示例市民政局");
  ASSERT_EQ(a.proposals.size(), 1u);
  EXPECT_EQ(a.proposals[0].title, "示例市民政局关于发放2025年度高龄津贴的通知");
  EXPECT_EQ(a.proposals[0].answer,
            "年满80周岁的本市户籍老年人，每人每月发放高龄津贴100元，年满90周岁的每人每月200元。");
}

TEST(DocumentProposalsTest, OverlapsAreTheConfidentOnesBestFirst) {
  std::vector<std::string> asked;
  OverlapFinder finder = [&](const std::string& text) {
    asked.push_back(text);
    return std::vector<Overlap>{{"yb.outpatient_pool", "门诊共济", 0.8},
                                {"yb.personal_account", "个人账户", 0.5},
                                {"yb.remote_filing", "异地就医备案", 0.3},
                                {"yb.card", "医保卡", 0.25},
                                {"yb.other", "其他", 0.01}};
  };
  DocumentAnalysis a = ProposeEntries(Doc(text::testing::SamplePolicyLines()), Rules(), finder);
  ASSERT_EQ(a.proposals.size(), 3u);
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(asked[0].find("普通门诊统筹起付标准。"), 0u);  // its title, then its answer
  ASSERT_EQ(a.proposals[0].overlaps.size(), 2u);           // overlaps.min_confidence
  EXPECT_EQ(a.proposals[0].overlaps[0].id, "yb.outpatient_pool");
  EXPECT_DOUBLE_EQ(a.proposals[0].overlaps[0].confidence, 0.8);
  EXPECT_EQ(a.proposals[0].overlaps[1].id, "yb.personal_account");
  // At most overlaps.max of them.
  DocumentRules any = Rules();
  any.min_overlap = 0.0;
  any.max_overlaps = 3;
  a = ProposeEntries(Doc(text::testing::SamplePolicyLines()), any, finder);
  ASSERT_EQ(a.proposals[0].overlaps.size(), 3u);
  EXPECT_EQ(a.proposals[0].overlaps[2].id, "yb.remote_filing");
}

// With the engine over the demo knowledge base: the article on the personal account's use for the
// family is flagged as overlapping the entry on 个人账户家庭共济, and no meta entry is offered.
TEST(DocumentProposalsTest, TheEngineFlagsAnExistingEntry) {
  zx::testing::TempDir work;
  auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
  ASSERT_TRUE(kb.ok()) << kb.status().message();
  EngineOptions o;
  o.work_dir = work.path();
  o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = KnowledgeEngine::Build(std::move(kb).value(), o);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  DocumentAnalysis a =
      ProposeEntries(Doc(text::testing::SamplePolicyLines()), Rules(), EngineOverlaps(**engine));
  ASSERT_EQ(a.proposals.size(), 3u);
  const Proposal& family = a.proposals[2];
  ASSERT_FALSE(family.overlaps.empty());
  EXPECT_EQ(family.overlaps[0].id, "yb.family_account");
  EXPECT_FALSE(family.overlaps[0].title.empty());
  EXPECT_GE(family.overlaps[0].confidence, Rules().min_overlap);
  for (const Proposal& p : a.proposals)
    for (const Overlap& ov : p.overlaps) EXPECT_NE(ov.id.rfind("meta.", 0), 0u) << ov.id;
}

TEST(DocumentProposalsTest, ABrokenRulesFileNamesTheLine) {
  auto bad = ParseDocumentRules(
      "[split]\nheadings = ['^第(条']\n[title]\npatterns = ['x']\n[doc_number]\npatterns = "
      "['y']\n[effective]\npatterns = ['z']\n",
      "documents.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("documents.toml:2"), std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("split.headings"), std::string::npos);
  auto missing = ParseDocumentRules("[split]\nheadings = ['^x']\n", "documents.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("title.patterns is missing"), std::string::npos);
  auto range = ParseDocumentRules(
      "[split]\nheadings = ['^x']\nmin_sections = 0\n[title]\npatterns = ['x']\n[doc_number]\n"
      "patterns = ['y']\n[effective]\npatterns = ['z']\n",
      "documents.toml");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("documents.toml:3"), std::string::npos);
}

}  // namespace
}  // namespace zx::knowledge
