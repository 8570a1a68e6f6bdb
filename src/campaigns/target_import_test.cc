// The import of target files (campaigns/target_import.h), rule by rule as DOMAIN.md "Target
// files for notification campaigns" writes them: line numbers, exact duplicates, normalisation,
// the checks in their order with their reason codes, normalised duplicates, one call per
// person, the do-not-call list; the file forms (BOM, CRLF, GBK, XLSX) and the errors that stop
// an import (a bad header, a missing file, bad scenarios).
#include "campaigns/target_import.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>

#include <fstream>

#include "base/clock.h"
#include "base/testing/temp_dir.h"

namespace zx::campaigns {
namespace {

const std::string kScenarios = std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml";
constexpr tickets::Date kAsOf{2026, 12, 1};

// Every rule at least once; the comment at the end of a line says what becomes of it.
// Valid ID numbers (check characters computed): 110101199003078515 (A), 44030419851231002X
// (B), 110101198501010017 (C), 330106199203150027 (D), 51010719951001042X (E),
// 310115197802151236, 320583198808086660.
const char* const kFile =
    "场景,姓名,性别,手机号,身份证号,逾期天数,应缴金额,截止日期,原参保地,缺少材料,申请编号,备注\n"
    "ob.overdue,张三,男,13812345678,110101199003078515,15,1234.50,2026-12-20,,,,\n"  // 2 A
    "ob.card_ready,张三,男,138-1234-5678,110101199003078515,,,,,,SB2026001,\n"       // 3 A, merged
    "ob.overdue,张三,男,13812345678,110101199003078515,15,1234.50,2026-12-20,,,,\n"  // 4 = 2
    "ob.overdue, 张三 ,男,+86 138 1234 5678,110101199003078515,十五,\"1,234.50\",2026/12/20,,,,\n"
    // 5 ~ 2
    "ob.transfer,李四,女,13900001111,44030419851231002x,,,2026年12月31日,A市,,,\n"  // 6 B
    "ob.new_enrollee,,男,13900002222,310115197802151236,,,,,,,\n"            // 7 missing 姓名
    "ob.pension,王五,男,139000022,310115197802151236,,,,,,,\n"               // 8 unknown scenario
    "ob.overdue,赵六,男,1390000333,320583198808086660,10,,2026-12-20,,,,\n"  // 9 missing 应缴金额
    "ob.card_ready,钱七,女,12900004444,110101199003078516,,,,,,SB1,\n"       // 10 invalid phone
    "ob.card_ready,孙八,男,13900005555,110101199003078516,,,,,,SB2,\n"       // 11 checksum
    "ob.card_ready,周九,男,13900006666,110101202701011232,,,,,,SB3,\n"       // 12 birth 2027
    "ob.iit_reminder,吴十,女,13900007777,110101198501010017,,,2026-12-31,,,,\n"  // 13 C, DNC
    "ob.material_missing,吴十,女,13900007777,110101198501010017,,,2027/01/15,,\"身份证复印件\n"
    "户口本\",SQ2026002,\n"                                                       // 14-15 C
    "ob.new_enrollee,郑一,男,１３９００００８８８８,330106199203150027,,,,,,,\n"  // 16 D
    "ob.new_enrollee,,男,,,,,,,,,\n"                                    // 17 missing 姓名
    "ob.card_ready,钱七,女,12900004444,110101199003078516,,,,,,SB1,\n"  // 18 = 10
    "ob.overdue,冯二,男,13900009999,51010719951001042X,30,两千元,2026年12月1日,,,,\n"  // 19 E
    "ob.card_ready,张三,男,13812345678,110101199003078515,,,,,,SB2026001,另一备注\n"   // 20 ~ 3
    "ob.card_ready,陈三,男,13900001212,110101202701011233,,,,,,SB4,\n"  // 21 checksum first
    "ob.pension,,男,13900001313,310115197802151236,,,,,,,\n";           // 22 missing 姓名 first

Result<ImportReport> Import(std::string_view csv, const DoNotCallList* dnc = nullptr,
                            tickets::Date as_of = kAsOf) {
  static const ScenarioTable scenarios = ScenarioTable::Load(kScenarios).value();
  ZX_ASSIGN_OR_RETURN(text::Table table, text::ParseDelimited(csv, ',', "targets.csv"));
  return ImportTargets(table, "targets.csv", {&scenarios, dnc, as_of});
}

using Pairs = std::vector<std::pair<size_t, size_t>>;
Pairs Of(const std::vector<DuplicateRecord>& list) {
  Pairs out;
  for (const auto& d : list) out.emplace_back(d.line, d.duplicate_of);
  return out;
}

using Groups = std::vector<std::vector<size_t>>;
Groups Of(const std::vector<LineGroup>& list) {
  Groups out;
  for (const auto& g : list) out.push_back(g.lines);
  return out;
}

std::string Reasons(const ImportReport& r) {
  std::string out;
  for (const auto& x : r.rejected) {
    out += std::to_string(x.line) + ":" + ReasonCode(x.reason) + ":" + x.field + " ";
  }
  return out;
}

class TargetImportTest : public ::testing::Test {
 protected:
  static const DoNotCallList& Dnc() {
    static const Result<DoNotCallList> list =
        DoNotCallList::Parse("# 拒绝来电\n139-0000-7777  # 本人要求\n\n", "dnc.txt");
    return *list;
  }
  const DoNotCallList& dnc_ = Dnc();
};

TEST_F(TargetImportTest, EveryRuleOnOneFile) {
  auto r = Import(kFile, &dnc_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->records, 20u);  // line 15 continues line 14's quoted field
  EXPECT_EQ(Of(r->exact_duplicates), (Pairs{{4, 2}, {18, 10}}));
  EXPECT_EQ(Reasons(*r),
            "7:missing_field:姓名 8:unknown_scenario:场景 9:missing_field:应缴金额 "
            "10:invalid_phone:手机号 11:invalid_id_checksum:身份证号 "
            "12:invalid_id_birth_date:身份证号 17:missing_field:姓名 "
            "21:invalid_id_checksum:身份证号 22:missing_field:姓名 ");
  EXPECT_EQ(r->accepted, 9u);
  EXPECT_EQ(Of(r->normalized_duplicates), (Pairs{{5, 2}, {20, 3}}));
  EXPECT_EQ(r->notices_by_scenario, (std::map<std::string, size_t>{{"ob.card_ready", 1},
                                                                   {"ob.iit_reminder", 1},
                                                                   {"ob.material_missing", 1},
                                                                   {"ob.new_enrollee", 1},
                                                                   {"ob.overdue", 2},
                                                                   {"ob.transfer", 1}}));
  EXPECT_EQ(r->people, 5u);
  EXPECT_EQ(Of(r->merged), (Groups{{2, 3}}));
  EXPECT_EQ(Of(r->dnc_suppressed), (Groups{{13, 14}}));
  EXPECT_EQ(r->calls, 4u);
  // The counts add up.
  EXPECT_EQ(r->records, r->accepted + r->rejected.size() + r->exact_duplicates.size());
  EXPECT_EQ(r->calls, r->people - r->dnc_suppressed.size());

  // The planned calls carry the normalised notices, for the campaign engine.
  ASSERT_EQ(r->planned.size(), 4u);
  const PlannedCall& a = r->planned[0];
  EXPECT_EQ(a.id_number, "110101199003078515");
  EXPECT_EQ(a.phone, "13812345678");
  EXPECT_EQ(a.name, "张三");
  ASSERT_EQ(a.notices.size(), 2u);
  EXPECT_EQ(a.notices[0].scenario, "ob.overdue");
  EXPECT_EQ(a.notices[0].amount_fen, 123450);
  EXPECT_EQ(a.notices[0].days, 15);
  EXPECT_EQ(a.notices[0].due_by, (tickets::Date{2026, 12, 20}));
  EXPECT_EQ(a.notices[1].application_no, "SB2026001");
  EXPECT_EQ(r->planned[1].id_number, "44030419851231002X");
  EXPECT_EQ(r->planned[1].notices[0].due_by, (tickets::Date{2026, 12, 31}));
  EXPECT_EQ(r->planned[1].notices[0].previous_place, "A市");
  EXPECT_EQ(r->planned[2].phone, "13900008888");           // full-width digits
  EXPECT_EQ(r->planned[3].notices[0].amount_fen, 200000);  // 两千元
  EXPECT_EQ(r->planned[3].notices[0].due_by, (tickets::Date{2026, 12, 1}));
}

TEST_F(TargetImportTest, BomAndCrlfChangeNothing) {
  std::string crlf = "\xEF\xBB\xBF";
  for (const char* p = kFile; *p; ++p)
    crlf += *p == '\n' ? std::string("\r\n") : std::string(1, *p);
  auto lf = Import(kFile, &dnc_);
  auto r = Import(crlf, &dnc_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->records, lf->records);
  EXPECT_EQ(Reasons(*r), Reasons(*lf));
  EXPECT_EQ(Of(r->exact_duplicates), Of(lf->exact_duplicates));
  EXPECT_EQ(Of(r->normalized_duplicates), Of(lf->normalized_duplicates));
  EXPECT_EQ(Of(r->dnc_suppressed), (Groups{{13, 14}}));
  EXPECT_EQ(r->calls, 4u);
  EXPECT_EQ(r->planned[0].notices.size(), 2u);
}

TEST_F(TargetImportTest, WithoutTheDoNotCallListThePersonIsCalledOnceForBothNotices) {
  auto r = Import(kFile);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dnc_suppressed.empty());
  EXPECT_EQ(Of(r->merged), (Groups{{2, 3}, {13, 14}}));
  EXPECT_EQ(r->calls, 5u);
}

TEST_F(TargetImportTest, TheCampaignDateDecidesABirthDate) {
  // Born 2026-12-02: rejected on the 1st, good on the 2nd.
  std::string csv =
      "姓名,手机号,身份证号,场景\n"
      "小明,13800001111,11010520261202001X,ob.new_enrollee\n";
  EXPECT_EQ(Reasons(*Import(csv)), "2:invalid_id_birth_date:身份证号 ");
  EXPECT_EQ(Import(csv, nullptr, {2026, 12, 2})->calls, 1u);
}

TEST_F(TargetImportTest, EveryScenarioNeedsItsFields) {
  // Each scenario with one of its needed fields empty, in the order of scenarios.toml.
  std::string csv =
      "姓名,手机号,身份证号,场景,逾期天数,应缴金额,截止日期,原参保地,缺少材料,申请编号\n"
      "甲,13800001111,110101199003078515,ob.overdue,,100,2026-12-31,,,\n"
      "乙,13800001112,110101199003078515,ob.overdue,3,100,,,,\n"
      "丙,13800001113,110101199003078515,ob.transfer,,,2026-12-31,,,\n"
      "丁,13800001114,110101199003078515,ob.transfer,,,,A市,,\n"
      "戊,13800001115,110101199003078515,ob.material_missing,,,2026-12-31,,,SQ1\n"
      "己,13800001116,110101199003078515,ob.material_missing,,,2026-12-31,,户口本,\n"
      "庚,13800001117,110101199003078515,ob.card_ready,,,,,,\n"
      "辛,13800001118,110101199003078515,ob.iit_reminder,,,,,,\n"
      "壬,13800001119,110101199003078515,ob.new_enrollee,,,,,,\n";
  auto r = Import(csv);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Reasons(*r),
            "2:missing_field:逾期天数 3:missing_field:截止日期 4:missing_field:原参保地 "
            "5:missing_field:截止日期 6:missing_field:缺少材料 7:missing_field:申请编号 "
            "8:missing_field:申请编号 9:missing_field:截止日期 ");
  EXPECT_EQ(r->calls, 1u);
}

TEST_F(TargetImportTest, RequiredFieldsAreCheckedInTheirOrder) {
  std::string csv =
      "姓名,手机号,身份证号,场景\n"
      "甲,,,\n"       // 手机号 before 身份证号 and 场景
      "甲,　,,x\n"    // an ideographic space is empty
      "甲,138,1,\n"   // 场景
      "甲,138,1,x\n"  // then unknown_scenario
      "甲,13800001111,1,ob.new_enrollee\n";
  EXPECT_EQ(Reasons(*Import(csv)),
            "2:missing_field:手机号 3:missing_field:手机号 4:missing_field:场景 "
            "5:unknown_scenario:场景 6:invalid_id_checksum:身份证号 ");
}

TEST_F(TargetImportTest, ColumnsInAnyOrderAndMissingOptionalOnes) {
  // No 申请编号 column: a card_ready record misses it; others are good.
  std::string csv =
      "场景,身份证号,手机号,姓名\n"
      "ob.card_ready,110101199003078515,13800001111,甲\n"
      "ob.new_enrollee,110101199003078515,13800001111,甲\n";
  auto r = Import(csv);
  EXPECT_EQ(Reasons(*r), "2:missing_field:申请编号 ");
  EXPECT_EQ(r->calls, 1u);
}

TEST_F(TargetImportTest, ABadHeaderIsAnErrorNamingTheFile) {
  auto r = Import("name,phone\n张三,13800001111\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(
      r.status().message().find("targets.csv: header: no column 姓名, 手机号, 身份证号, 场景"),
      std::string::npos)
      << r.status().message();
  auto twice = Import("姓名,手机号,身份证号,场景,手机号\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("column 手机号 twice"), std::string::npos);
  auto missing = Import("姓名,手机号,场景\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no column 身份证号"), std::string::npos);
  // A full-width or padded header cell is still the column.
  EXPECT_TRUE(Import(" 姓名 ,手机号,身份证号,场景\n").ok());
}

TEST(DoNotCallListTest, NumbersInAnyFormAndComments) {
  auto list = DoNotCallList::Parse(
      "# 拒接名单\r\n13800001111\r\n+86 139-0000-2222 # "
      "投诉过\r\n１３７００００３３３３\n\n#13600004444\n",
      "dnc.txt");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);
  EXPECT_TRUE(list->Contains("13800001111"));
  EXPECT_TRUE(list->Contains("13900002222"));
  EXPECT_TRUE(list->Contains("13700003333"));
  EXPECT_FALSE(list->Contains("13600004444"));
  auto bad = DoNotCallList::Parse("13800001111\n\xFF\xFE\n", "dnc.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("dnc.txt:2:"), std::string::npos);
  EXPECT_EQ(DoNotCallList::Load("/nonexistent/dnc.txt").status().code(), Code::kNotFound);
}

TEST(ScenarioTableTest, TheSixScenariosOfTheDomain) {
  auto t = ScenarioTable::Load(kScenarios);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->scenarios().size(), 6u);
  EXPECT_EQ(t->Find("ob.overdue")->needs,
            (std::vector<std::string>{"逾期天数", "应缴金额", "截止日期"}));
  EXPECT_EQ(t->Find("ob.transfer")->needs, (std::vector<std::string>{"原参保地", "截止日期"}));
  EXPECT_EQ(t->Find("ob.material_missing")->needs,
            (std::vector<std::string>{"缺少材料", "申请编号", "截止日期"}));
  EXPECT_EQ(t->Find("ob.card_ready")->needs, (std::vector<std::string>{"申请编号"}));
  EXPECT_EQ(t->Find("ob.iit_reminder")->needs, (std::vector<std::string>{"截止日期"}));
  EXPECT_TRUE(t->Find("ob.new_enrollee")->needs.empty());
  EXPECT_EQ(t->Find("ob.return_visit"), nullptr);  // not a target file's scenario
}

TEST(ScenarioTableTest, ErrorsNameFileAndLine) {
  auto expect_error = [](const std::string& toml, const std::string& what) {
    auto t = ScenarioTable::Parse(toml, "s.toml");
    ASSERT_FALSE(t.ok()) << toml;
    EXPECT_NE(t.status().message().find(what), std::string::npos) << t.status().message();
  };
  expect_error("[[scenario]]\nid = \"ob.x\"\nneeds = [\"年龄\"]\n", "s.toml:3:");
  expect_error("[[scenario]]\nid = \"ob.x\"\nneeds = [\"姓名\"]\n", "must name columns");
  expect_error("[[scenario]]\nid = \"ob.x\"\nneeds = []\n[[scenario]]\nid = \"ob.x\"\nneeds = []\n",
               "s.toml:4: scenario 'ob.x' twice");
  expect_error("[[scenario]]\nid = \"ob.x\"\n", "needs a list 'needs'");
  expect_error("[[scenario]]\nid = \"ob.x\"\nneeds = []\ncolour = 1\n", "s.toml:4: unknown key");
  expect_error("[[scenario]\n", "s.toml:1:");
  expect_error("", "no [[scenario]]");
}

// GBK as Windows exports it, CRLF, a quoted field over two lines ("姓名,手机号,身份证号,场景,
// 缺少材料,申请编号,截止日期" / 张三 material_missing "身份证复印件<CRLF>户口本" / 李四
// card_ready).
TEST(TargetImportFileTest, GbkCsv) {
  zx::testing::TempDir dir;
  std::string path = dir.File("targets.csv");
  std::ofstream(path, std::ios::binary)
      << "\xD0\xD5\xC3\xFB,\xCA\xD6\xBB\xFA\xBA\xC5,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5,"
         "\xB3\xA1\xBE\xB0,\xC8\xB1\xC9\xD9\xB2\xC4\xC1\xCF,\xC9\xEA\xC7\xEB\xB1\xE0\xBA\xC5,"
         "\xBD\xD8\xD6\xB9\xC8\xD5\xC6\xDA\r\n\xD5\xC5\xC8\xFD,13812345678,110101199003078515,ob."
         "material_missing,"
         "\"\xC9\xED\xB7\xDD\xD6\xA4\xB8\xB4\xD3\xA1\xBC\xFE\r\n\xBB\xA7\xBF\xDA\xB1\xBE\",SQ001,"
         "2026\xC4\xEA"
         "12\xD4\xC2"
         "31\xC8\xD5\r\n\xC0\xEE\xCB\xC4,139 0000 "
         "1111,44030419851231002x,ob.card_ready,,SB002,\r\n";
  auto r = ImportTargetFile({.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, "CSV GBK");
  EXPECT_EQ(r->records, 2u);
  EXPECT_TRUE(r->rejected.empty()) << Reasons(*r);
  ASSERT_EQ(r->planned.size(), 2u);
  EXPECT_EQ(r->planned[0].name, "张三");
  EXPECT_EQ(r->planned[0].notices[0].missing_materials, "身份证复印件\r\n户口本");
  EXPECT_EQ(r->planned[0].notices[0].due_by, (tickets::Date{2026, 12, 31}));
  EXPECT_EQ(r->planned[1].notices[0].line, 4u);  // after the two-line record
  EXPECT_EQ(r->planned[1].phone, "13900001111");
  EXPECT_EQ(r->planned[1].id_number, "44030419851231002X");
}

void AddEntry(zipFile zip, const char* name, const std::string& body) {
  ASSERT_EQ(zipOpenNewFileInZip(zip, name, nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                Z_DEFAULT_COMPRESSION),
            ZIP_OK);
  ASSERT_EQ(zipWriteInFileInZip(zip, body.data(), static_cast<unsigned>(body.size())), ZIP_OK);
  ASSERT_EQ(zipCloseFileInZip(zip), ZIP_OK);
}

std::string Cell(const char* ref, const std::string& text) {
  return std::string("<c r=\"") + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}

// An XLSX as a department's system writes one: inline strings, a number cell for the amount,
// row 3 left empty (the line numbers are the sheet's row numbers).
TEST(TargetImportFileTest, Xlsx) {
  zx::testing::TempDir dir;
  std::string path = dir.File("targets.xlsx");
  zipFile zip = zipOpen(path.c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zip, nullptr);
  std::string header;
  const char* names[] = {"姓名", "手机号", "身份证号", "场景", "逾期天数", "应缴金额", "截止日期"};
  const char* refs[] = {"A1", "B1", "C1", "D1", "E1", "F1", "G1"};
  for (int i = 0; i < 7; ++i) header += Cell(refs[i], names[i]);
  std::string sheet =
      R"(<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
      "<row r=\"1\">" +
      header +
      "</row>"
      "<row r=\"2\">" +
      Cell("A2", "张三") + Cell("B2", "13812345678") + Cell("C2", "110101199003078515") +
      Cell("D2", "ob.overdue") + "<c r=\"E2\"><v>15</v></c><c r=\"F2\"><v>1234.5</v></c>" +
      Cell("G2", "2026年12月20日") + "</row><row r=\"4\">" + Cell("A4", "李四") +
      Cell("B4", "1380000") + Cell("C4", "44030419851231002X") + Cell("D4", "ob.new_enrollee") +
      "</row></sheetData></worksheet>";
  AddEntry(zip, "xl/worksheets/sheet1.xml", sheet);
  ASSERT_EQ(zipClose(zip, nullptr), ZIP_OK);

  auto r = ImportTargetFile({.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, "XLSX");
  EXPECT_EQ(r->records, 2u);
  EXPECT_EQ(Reasons(*r), "4:invalid_phone:手机号 ");
  ASSERT_EQ(r->planned.size(), 1u);
  EXPECT_EQ(r->planned[0].notices[0].amount_fen, 123450);
  EXPECT_EQ(r->planned[0].notices[0].line, 2u);
}

TEST(TargetImportFileTest, FileErrorsAndTheDefaultCampaignDate) {
  zx::testing::TempDir dir;
  std::string path = dir.File("t.csv");
  std::ofstream(path)
      << "姓名,手机号,身份证号,场景\n小明,13800001111,11010520261202001X,ob.new_enrollee\n";
  // Today, China time: 2026-12-01 16:30 UTC is already the 2nd in China.
  FakeClock clock(1'796'142'600'000);  // 2026-12-01T16:30:00Z
  auto r = ImportTargetFile({.file = path, .scenarios_file = kScenarios}, clock);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->as_of, (tickets::Date{2026, 12, 2}));
  EXPECT_EQ(r->calls, 1u);

  auto missing = ImportTargetFile({.file = dir.File("none.csv"), .scenarios_file = kScenarios});
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("none.csv"), std::string::npos);
  auto bad_date =
      ImportTargetFile({.file = path, .as_of = "2026-02-30", .scenarios_file = kScenarios});
  ASSERT_FALSE(bad_date.ok());
  EXPECT_NE(bad_date.status().message().find("--as-of"), std::string::npos);
  auto bad_dnc = ImportTargetFile(
      {.file = path, .dnc_file = dir.File("no-dnc.txt"), .scenarios_file = kScenarios});
  EXPECT_NE(bad_dnc.status().message().find("no-dnc.txt"), std::string::npos);
  auto bad_scenarios = ImportTargetFile({.file = path, .scenarios_file = dir.File("s.toml")});
  EXPECT_NE(bad_scenarios.status().message().find("s.toml"), std::string::npos);
  auto xls = ImportTargetFile({.file = dir.File("t.xls"), .scenarios_file = kScenarios});
  EXPECT_EQ(xls.status().code(), Code::kInvalidArgument);
}

TEST(TargetImportTextTest, ReadableReportMasksPersonalData) {
  static const ScenarioTable scenarios = ScenarioTable::Load(kScenarios).value();
  auto table = text::ParseDelimited(kFile, ',', "targets.csv");
  auto dnc = DoNotCallList::Parse("13900007777\n", "dnc.txt").value();
  auto r = ImportTargets(*table, "targets.csv", {&scenarios, &dnc, kAsOf});
  ASSERT_TRUE(r.ok());
  std::string text = FormatImportReport(*r);
  EXPECT_NE(text.find("records 20: accepted 9, rejected 9, exact duplicates 2, normalised "
                      "duplicates 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("calls planned 4"), std::string::npos);
  EXPECT_NE(text.find("line 10  invalid_phone  手机号"), std::string::npos);
  EXPECT_NE(text.find("line 4 repeats line 2"), std::string::npos);
  EXPECT_NE(text.find("lines 2, 3"), std::string::npos);
  EXPECT_NE(text.find("张*先生 138****5678: ob.overdue (line 2, 1,234.50元, by 2026-12-20)"),
            std::string::npos)
      << text;
  for (const char* personal : {"13812345678", "110101199003078515", "张三", "李四"}) {
    EXPECT_EQ(text.find(personal), std::string::npos) << personal;
  }
  EXPECT_NE(FormatImportReport(*r, 1).find("… and 3 more"), std::string::npos);
}

}  // namespace
}  // namespace zx::campaigns
