// The import as a stream (campaigns/target_import.h): the same report from a file read a row at
// a time as from a table in memory, the planned calls handed to a sink in the order of their
// first lines, notices of one person far apart in a file larger than the reader's chunks, the
// progress callback, and Excel date serials in an XLSX's 截止日期.
#include <gtest/gtest.h>

#include <xlsxwriter.h>
#include "base/file.h"

#include <fstream>

#include "base/testing/temp_dir.h"
#include "campaigns/target_fields.h"
#include "campaigns/target_import.h"

namespace zx::campaigns {
namespace {

const std::string kScenarios = std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml";

// A valid 身份证号 for person `i` (born 1990-01-01 + i % 28 days, sequence from i).
std::string IdOf(size_t i) {
  char first17[18];
  std::snprintf(first17, sizeof first17, "1101011990%02zu%02zu%03zu", 1 + i / 28 % 12, 1 + i % 28,
                i % 1000);
  return std::string(first17) + IdCheckCharacter(first17);
}

std::string PhoneOf(size_t i) {
  char phone[12];
  std::snprintf(phone, sizeof phone, "139%08zu", i);
  return phone;
}

// `people` people, each with an ob.card_ready notice in the first half of the file and an
// ob.iit_reminder in the second (some megabytes apart), a long quoted 备注 with line breaks
// on every row, CRLF; then one exact and one normalised duplicate, and a rejected row.
std::string FarApart(size_t people) {
  std::string csv = "姓名,手机号,身份证号,场景,申请编号,截止日期,备注\r\n";
  std::string remark = "\"" + std::string(300, 'x') + "\r\n第二行，\"\"引号\"\"\"";
  for (size_t i = 0; i < people; ++i) {
    csv += "张三," + PhoneOf(i) + "," + IdOf(i) + ",ob.card_ready,SB" + std::to_string(i) + ",," +
           remark + "\r\n";
  }
  for (size_t i = 0; i < people; ++i) {
    csv += "张三," + PhoneOf(i) + "," + IdOf(i) + ",ob.iit_reminder,,2026-12-31," + remark + "\r\n";
  }
  csv += "张三," + PhoneOf(0) + "," + IdOf(0) + ",ob.iit_reminder,,2026-12-31," + remark + "\r\n";
  csv += "张三,+86 " + PhoneOf(1) + "," + IdOf(1) + ",ob.iit_reminder,,2026/12/31,\r\n";
  csv += "张三,12345," + IdOf(2) + ",ob.card_ready,SB,,\r\n";
  return csv;
}

TEST(TargetImportStreamTest, CallsGoToTheSinkInTheOrderOfTheirFirstLines) {
  static const ScenarioTable scenarios = ScenarioTable::Load(kScenarios).value();
  constexpr size_t kPeople = 3000;  // about 2 MB: many chunks of the reader
  zx::testing::TempDir dir;
  std::string path = dir.File("far.csv");
  std::ofstream(path, std::ios::binary) << FarApart(kPeople);

  std::vector<PlannedCall> calls;
  std::vector<ImportProgress> progress;
  ImportRequest request{.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios};
  request.on_call = [&](PlannedCall&& call) {
    calls.push_back(std::move(call));
    return Status::Ok();
  };
  request.on_progress = [&](const ImportProgress& p) { progress.push_back(p); };
  auto r = ImportTargetFile(request);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->planned.empty());
  EXPECT_EQ(r->format, "CSV UTF-8");
  EXPECT_EQ(r->records, 2 * kPeople + 3);
  EXPECT_EQ(r->calls, kPeople);
  ASSERT_EQ(calls.size(), kPeople);
  // Each record spans two lines; the header is line 1.
  auto line_of = [](size_t record) { return 2 + 2 * record; };
  for (size_t i = 0; i < kPeople; i += 997) {
    SCOPED_TRACE(i);
    EXPECT_EQ(calls[i].id_number, IdOf(i));
    EXPECT_EQ(calls[i].phone, PhoneOf(i));
    ASSERT_EQ(calls[i].notices.size(), 2u);
    EXPECT_EQ(calls[i].notices[0].line, line_of(i));
    EXPECT_EQ(calls[i].notices[0].application_no, "SB" + std::to_string(i));
    EXPECT_EQ(calls[i].notices[1].line, line_of(kPeople + i));
    EXPECT_EQ(calls[i].notices[1].due_by, (tickets::Date{2026, 12, 31}));
  }
  ASSERT_EQ(r->exact_duplicates.size(), 1u);
  EXPECT_EQ(r->exact_duplicates[0].line, line_of(2 * kPeople));
  EXPECT_EQ(r->exact_duplicates[0].duplicate_of, line_of(kPeople));
  ASSERT_EQ(r->normalized_duplicates.size(), 1u);
  EXPECT_EQ(r->normalized_duplicates[0].line, line_of(2 * kPeople + 1));
  EXPECT_EQ(r->normalized_duplicates[0].duplicate_of, line_of(kPeople + 1));
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].line, line_of(2 * kPeople + 1) + 1);
  EXPECT_EQ(r->merged.size(), kPeople);

  // Progress: rows and bytes grow, the last report says done.
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(progress.back().done);
  EXPECT_EQ(progress.back().rows, r->records);
  EXPECT_EQ(progress.back().bytes, progress.back().total_bytes);
  EXPECT_GT(progress.back().total_bytes, 1'000'000u);

  // The same file read whole into a table gives the same report and calls.
  auto table = text::ReadTable(path);
  ASSERT_TRUE(table.ok());
  auto whole = ImportTargets(*table, path, {&scenarios, nullptr, {2026, 12, 1}});
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->records, r->records);
  EXPECT_EQ(whole->calls, r->calls);
  ASSERT_EQ(whole->planned.size(), calls.size());
  for (size_t i = 0; i < calls.size(); i += 499) {
    EXPECT_EQ(whole->planned[i].id_number, calls[i].id_number);
    EXPECT_EQ(whole->planned[i].notices.back().line, calls[i].notices.back().line);
  }
}

// Workers make the calls of a large import; the calls come out the same and in the same order.
TEST(TargetImportStreamTest, WorkersPlanTheSameCallsInTheSameOrder) {
  zx::testing::TempDir dir;
  std::string path = dir.File("far.csv");
  std::ofstream(path, std::ios::binary) << FarApart(5000);  // three blocks of people
  auto run = [&](int threads, std::vector<PlannedCall>& calls) {
    ImportRequest request{.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios};
    request.threads = threads;
    request.on_call = [&](PlannedCall&& call) {
      calls.push_back(std::move(call));
      return Status::Ok();
    };
    return ImportTargetFile(request);
  };
  std::vector<PlannedCall> one, three;
  auto a = run(1, one);
  auto b = run(3, three);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->calls, a->calls);
  EXPECT_EQ(b->merged.size(), a->merged.size());
  ASSERT_EQ(three.size(), one.size());
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(three[i].id_number, one[i].id_number) << i;
    ASSERT_EQ(three[i].notices.size(), one[i].notices.size());
    EXPECT_EQ(three[i].notices[1].line, one[i].notices[1].line);
    EXPECT_EQ(three[i].notices[0].application_no, one[i].notices[0].application_no);
  }
}

// A deployment with more scenarios than the index keeps in a bit each (32): normalised
// duplicates are found all the same, with the line of the first notice.
TEST(TargetImportStreamTest, ManyScenarios) {
  // The shipped [script] words, with a count and an ordinal for each of 40 scenarios.
  std::string shipped =
      ReadFile(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml").value();
  std::string toml = shipped.substr(0, shipped.find("\n[[scenario]]") + 1);
  std::string counts = "counts = [", ordinals = "ordinals = [";
  for (int i = 0; i < 40; ++i) {
    counts += std::string(i ? ", " : "") + "\"" + std::to_string(i + 1) + "\"";
    ordinals += std::string(i ? ", " : "") + "\"第" + std::to_string(i + 1) + "，\"";
  }
  for (auto [key, line] :
       {std::pair{"counts = [", counts + "]"}, {"ordinals = [", ordinals + "]"}}) {
    size_t at = toml.find(std::string("\n") + key) + 1;
    toml.replace(at, toml.find('\n', at) - at, line);
  }
  for (int i = 0; i < 40; ++i) {
    toml += "[[scenario]]\nid = \"ob.s" + std::to_string(i) +
            "\"\nname = \"场景\"\nneeds = []\nsay = \"请办理。\"\nsms = \"请办理。\"\norder = " +
            std::to_string(i + 1) + "\n";
  }
  auto scenarios = ScenarioTable::Parse(toml, "many.toml");
  ASSERT_TRUE(scenarios.ok()) << scenarios.status().message();
  std::string csv = "姓名,手机号,身份证号,场景,备注\n";
  int k = 0;
  for (int s : {35, 1, 35, 1, 39}) {  // 备注 differs: normalised duplicates, not exact ones
    std::string tail = ",ob.s" + std::to_string(s) + "," + std::to_string(++k) + "\n";
    csv += "张三," + PhoneOf(1) + "," + IdOf(1) + tail;
    csv += "李四," + PhoneOf(2) + "," + IdOf(2) + tail;
  }
  auto table = text::ParseDelimited(csv, ',', "many.csv");
  ASSERT_TRUE(table.ok());
  for (int threads : {1, 0}) {
    ImportOptions options{&*scenarios, nullptr, {2026, 12, 1}};
    options.threads = threads;
    auto r = ImportTargets(*table, "many.csv", options);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->accepted, 10u);
    ASSERT_EQ(r->normalized_duplicates.size(), 4u);
    EXPECT_EQ(r->normalized_duplicates[0].line, 6u);  // 张三 ob.s35 again
    EXPECT_EQ(r->normalized_duplicates[0].duplicate_of, 2u);
    EXPECT_EQ(r->normalized_duplicates[3].line, 9u);  // 李四 ob.s1 again
    EXPECT_EQ(r->normalized_duplicates[3].duplicate_of, 5u);
    EXPECT_EQ(r->notices_by_scenario.at("ob.s35"), 2u);
    ASSERT_EQ(r->planned.size(), 2u);
    EXPECT_EQ(r->planned[0].notices.size(), 3u);
    EXPECT_EQ(r->planned[0].notices[2].scenario, "ob.s39");
  }
}

TEST(TargetImportStreamTest, AnErrorFromTheSinkStopsTheImport) {
  zx::testing::TempDir dir;
  std::string path = dir.File("t.csv");
  std::ofstream(path) << FarApart(10);
  ImportRequest request{.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios};
  for (int threads : {1, 2}) {
    size_t seen = 0;
    request.threads = threads;
    request.on_call = [&](PlannedCall&&) {
      return ++seen == 3 ? Unavailable("database is locked") : Status::Ok();
    };
    auto r = ImportTargetFile(request);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "database is locked");
    EXPECT_EQ(seen, 3u);
  }
}

TEST(TargetImportStreamTest, GbkFileGivesTheSameReportAsUtf8) {
  // The same rows in GBK (CRLF, quoted line breaks, Chinese in the fields and the header).
  std::string utf8 = FarApart(200);
  std::string gbk =
      "\xD0\xD5\xC3\xFB,\xCA\xD6\xBB\xFA\xBA\xC5,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5,\xB3\xA1\xBE\xB0,"
      "\xC9\xEA\xC7\xEB\xB1\xE0\xBA\xC5,\xBD\xD8\xD6\xB9\xC8\xD5\xC6\xDA,\xB1\xB8\xD7\xA2\r\n";
  const std::pair<std::string, std::string> kGbk[] = {{"张三", "\xD5\xC5\xC8\xFD"},
                                                      {"，", "\xA3\xAC"},
                                                      {"第二行", "\xB5\xDA\xB6\xFE\xD0\xD0"},
                                                      {"引号", "\xD2\xFD\xBA\xC5"}};
  for (size_t i = utf8.find("\r\n") + 2; i < utf8.size();) {
    bool replaced = false;
    for (const auto& [u, g] : kGbk) {
      if (utf8.compare(i, u.size(), u) == 0) {
        gbk += g;
        i += u.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    ASSERT_LT(static_cast<unsigned char>(utf8[i]), 0x80) << utf8.substr(i, 12);
    gbk += utf8[i++];
  }
  zx::testing::TempDir dir;
  std::string a = dir.File("u.csv"), b = dir.File("g.csv");
  std::ofstream(a, std::ios::binary) << utf8;
  std::ofstream(b, std::ios::binary) << gbk;
  std::vector<PlannedCall> ca, cb;
  auto run = [&](const std::string& path, std::vector<PlannedCall>& calls) {
    ImportRequest request{.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios};
    request.on_call = [&](PlannedCall&& call) {
      calls.push_back(std::move(call));
      return Status::Ok();
    };
    return ImportTargetFile(request);
  };
  auto ru = run(a, ca);
  ASSERT_TRUE(ru.ok()) << ru.status().message();
  EXPECT_EQ(ru->format, "CSV UTF-8");
  auto rg = run(b, cb);
  ASSERT_TRUE(rg.ok()) << rg.status().message();
  EXPECT_EQ(rg->format, "CSV GBK");
  EXPECT_EQ(rg->records, ru->records);
  EXPECT_EQ(rg->calls, ru->calls);
  EXPECT_EQ(rg->exact_duplicates.size(), 1u);
  EXPECT_EQ(rg->normalized_duplicates.size(), 1u);
  EXPECT_EQ(rg->rejected.size(), 1u);
  ASSERT_EQ(ca.size(), cb.size());
  for (size_t i = 0; i < ca.size(); ++i) {
    EXPECT_EQ(cb[i].name, "张三");
    EXPECT_EQ(cb[i].notices.size(), ca[i].notices.size());
    EXPECT_EQ(cb[i].notices.back().line, ca[i].notices.back().line);
  }
}

// The index cut into parts (ImportOptions::partitions; a large file is, one part in memory at a
// time, the others in a temporary file): the same report, every list to the line, and the same
// calls in the same order as with the index whole; max_listed cuts the lists, not the counts.
TEST(TargetImportStreamTest, PartsGiveTheSameReportAndCalls) {
  zx::testing::TempDir dir;
  std::string path = dir.File("far.csv");
  std::string csv = FarApart(3000);
  // More of every kind: exact duplicates of rejected rows, normalised duplicates of the far
  // notices, a person with a number on the do-not-call list.
  for (size_t i = 0; i < 3000; i += 211) {
    csv += "张三,12345," + IdOf(i) + ",ob.card_ready,SB,,\r\n";
    csv += "张三,12345," + IdOf(i) + ",ob.card_ready,SB,,\r\n";
    csv += "张三," + PhoneOf(i) + "," + IdOf(i) + ",ob.iit_reminder,,2026年12月31日,再次\r\n";
  }
  std::ofstream(path, std::ios::binary) << csv;
  DoNotCallList dnc = DoNotCallList::Parse(PhoneOf(7) + "\n" + PhoneOf(2999) + "\n", "dnc").value();
  static const ScenarioTable scenarios = ScenarioTable::Load(kScenarios).value();
  auto run = [&](size_t partitions, int threads, size_t max_listed,
                 std::vector<PlannedCall>& calls) {
    ImportOptions options{&scenarios, &dnc, {2026, 12, 1}};
    options.partitions = partitions;
    options.threads = threads;
    options.max_listed = max_listed;
    options.temp_dir = dir.path();
    options.on_call = [&](PlannedCall&& call) {
      calls.push_back(std::move(call));
      return Status::Ok();
    };
    auto stream = text::OpenTable(path);
    EXPECT_TRUE(stream.ok());
    return ImportTargets(**stream, path, options);
  };
  std::vector<PlannedCall> whole_calls;
  auto whole = run(1, 1, SIZE_MAX, whole_calls);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(whole->counts.rejected, whole->rejected.size());
  EXPECT_GT(whole->rejected.size(), 10u);
  EXPECT_GT(whole->exact_duplicates.size(), 10u);
  EXPECT_GT(whole->normalized_duplicates.size(), 10u);
  EXPECT_EQ(whole->dnc_suppressed.size(), 2u);
  auto lines = [](const std::vector<LineGroup>& groups) {
    std::vector<std::vector<size_t>> out;
    for (const LineGroup& g : groups) out.push_back(g.lines);
    return out;
  };
  auto dups = [](const std::vector<DuplicateRecord>& d) {
    std::vector<std::pair<size_t, size_t>> out;
    for (const DuplicateRecord& r : d) out.emplace_back(r.line, r.duplicate_of);
    return out;
  };
  for (auto [partitions, threads] : {std::pair{size_t{7}, 1}, std::pair{size_t{3}, 0}}) {
    SCOPED_TRACE(partitions);
    std::vector<PlannedCall> calls;
    auto r = run(partitions, threads, SIZE_MAX, calls);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->records, whole->records);
    EXPECT_EQ(r->accepted, whole->accepted);
    ASSERT_EQ(r->rejected.size(), whole->rejected.size());
    for (size_t i = 0; i < r->rejected.size(); ++i) {
      EXPECT_EQ(r->rejected[i].line, whole->rejected[i].line);
      EXPECT_EQ(r->rejected[i].reason, whole->rejected[i].reason);
    }
    EXPECT_EQ(dups(r->exact_duplicates), dups(whole->exact_duplicates));
    EXPECT_EQ(dups(r->normalized_duplicates), dups(whole->normalized_duplicates));
    EXPECT_EQ(r->notices_by_scenario, whole->notices_by_scenario);
    EXPECT_EQ(r->people, whole->people);
    EXPECT_EQ(lines(r->merged), lines(whole->merged));
    EXPECT_EQ(lines(r->dnc_suppressed), lines(whole->dnc_suppressed));
    EXPECT_EQ(r->calls, whole->calls);
    ASSERT_EQ(calls.size(), whole_calls.size());
    for (size_t i = 0; i < calls.size(); ++i) {
      ASSERT_EQ(calls[i].id_number, whole_calls[i].id_number) << i;
      ASSERT_EQ(calls[i].notices.size(), whole_calls[i].notices.size()) << i;
      for (size_t k = 0; k < calls[i].notices.size(); ++k) {
        EXPECT_EQ(calls[i].notices[k].line, whole_calls[i].notices[k].line);
        EXPECT_EQ(calls[i].notices[k].application_no, whole_calls[i].notices[k].application_no);
      }
    }
  }
  std::vector<PlannedCall> calls;
  auto counted = run(5, 1, 1, calls);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->rejected.size(), 1u);
  EXPECT_EQ(counted->merged.size(), 1u);
  EXPECT_EQ(counted->merged[0].lines, whole->merged[0].lines);  // the first by line
  EXPECT_EQ(counted->counts.rejected, whole->rejected.size());
  EXPECT_EQ(counted->counts.exact_duplicates, whole->exact_duplicates.size());
  EXPECT_EQ(counted->counts.normalized_duplicates, whole->normalized_duplicates.size());
  EXPECT_EQ(counted->counts.merged, whole->merged.size());
  EXPECT_EQ(counted->counts.dnc_suppressed, 2u);
  EXPECT_EQ(counted->calls, whole->calls);
}

// A part of the index that cannot be written out stops the import with the reason.
TEST(TargetImportStreamTest, NoRoomForThePartsIsAnError) {
  zx::testing::TempDir dir;
  std::string path = dir.File("far.csv");
  std::ofstream(path, std::ios::binary) << FarApart(100);
  ImportRequest request{.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios};
  request.partitions = 4;
  request.temp_dir = dir.File("no-such-dir");
  auto r = ImportTargetFile(request);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no-such-dir"), std::string::npos);
}

// 截止日期 as Excel stores a date: a number (days since 1899-12-30) with a date format.
TEST(TargetImportStreamTest, ExcelDateSerialsAreDates) {
  zx::testing::TempDir dir;
  std::string path = dir.File("dates.xlsx");
  lxw_workbook* book = workbook_new(path.c_str());
  lxw_worksheet* sheet = workbook_add_worksheet(book, nullptr);
  lxw_format* date = workbook_add_format(book);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* chinese = workbook_add_format(book);
  format_set_num_format(chinese, "yyyy\"年\"m\"月\"d\"日\"");
  const char* header[] = {"姓名", "手机号", "身份证号", "场景", "截止日期"};
  for (int c = 0; c < 5; ++c) worksheet_write_string(sheet, 0, c, header[c], nullptr);
  auto person = [&](int row, const std::string& id) {
    worksheet_write_string(sheet, row, 0, "张三", nullptr);
    worksheet_write_string(sheet, row, 1, PhoneOf(row).c_str(), nullptr);
    worksheet_write_string(sheet, row, 2, id.c_str(), nullptr);
    worksheet_write_string(sheet, row, 3, "ob.iit_reminder", nullptr);
  };
  person(1, IdOf(1));
  worksheet_write_number(sheet, 1, 4, 46357, date);  // 2026-12-01
  person(2, IdOf(2));
  worksheet_write_number(sheet, 2, 4, 46387, chinese);  // 2026-12-31
  person(3, IdOf(3));
  worksheet_write_number(sheet, 3, 4, 46357, nullptr);  // a plain number: not a date
  ASSERT_EQ(workbook_close(book), LXW_NO_ERROR);

  auto r = ImportTargetFile({.file = path, .as_of = "2026-12-01", .scenarios_file = kScenarios});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, "XLSX");
  ASSERT_EQ(r->planned.size(), 3u);
  EXPECT_EQ(r->planned[0].notices[0].deadline, "2026-12-01");
  EXPECT_EQ(r->planned[0].notices[0].due_by, (tickets::Date{2026, 12, 1}));
  EXPECT_EQ(r->planned[1].notices[0].due_by, (tickets::Date{2026, 12, 31}));
  EXPECT_EQ(r->planned[2].notices[0].deadline, "46357");
  EXPECT_EQ(r->planned[2].notices[0].due_by, std::nullopt);
}

}  // namespace
}  // namespace zx::campaigns
