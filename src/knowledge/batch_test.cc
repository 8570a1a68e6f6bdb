#include "knowledge/batch_test.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <optional>

#include "text/pii.h"
#include "text/table_stream.h"
#include "text/table_writer.h"
#include "text/utf8.h"

namespace zx::knowledge {
namespace {

constexpr size_t kMaxQuestionBytes = 6000;  // 2,000 characters of Chinese

std::string Trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  std::string out(s);
  // A byte-order mark left on a header field.
  if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

int FindColumn(const std::vector<std::string>& header,
               std::initializer_list<std::string_view> names) {
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = Lower(Trim(header[i]));
    for (auto n : names)
      if (h == n) return static_cast<int>(i);
  }
  return -1;
}

// An uploaded XLSX on disk while it is read; removed when this goes out of scope.
class TempFile {
 public:
  ~TempFile() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove(path_, ec);
  }
  Status Write(std::string_view bytes, const std::string& dir) {
    static std::atomic<uint64_t> counter{0};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string path = (std::filesystem::path(dir) / ("batch-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(++counter) + ".xlsx"))
                           .string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Unavailable("the uploaded file could not be stored for reading; try again");
    path_ = path;
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    bool closed = ::close(fd) == 0;
    if (done != bytes.size() || !closed)
      return Unavailable("the uploaded file could not be stored for reading; try again");
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A table error without the temporary file's name.
Status Named(const Status& s, const std::string& path) {
  if (s.ok() || path.empty()) return s;
  std::string message = s.message();
  for (const std::string& name : {path, std::filesystem::path(path).filename().string()}) {
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at))
      message.replace(at, name.size(), "upload.xlsx");
  }
  return Status(s.code(), message);
}

}  // namespace

Result<BatchInput> ReadBatchFile(std::string_view bytes, const KnowledgeBase& kb,
                                 const std::string& tmp_dir) {
  if (bytes.empty()) return InvalidArgument("the file is empty; send TSV, CSV or XLSX");
  TempFile xlsx;
  std::unique_ptr<text::TableStream> table;
  if (bytes.rfind("PK\x03\x04", 0) == 0) {
    ZX_RETURN_IF_ERROR(xlsx.Write(bytes, tmp_dir));
    auto opened = text::OpenXlsx(xlsx.path());
    if (!opened.ok()) return Named(opened.status(), xlsx.path());
    table = std::move(opened).value();
  } else {
    std::string_view first = bytes.substr(0, bytes.find('\n'));
    bool tsv = first.find('\t') != std::string_view::npos;
    ZX_ASSIGN_OR_RETURN(
        table, text::OpenDelimited(bytes, tsv ? '\t' : ',', tsv ? "upload.tsv" : "upload.csv"));
  }
  const auto& header = table->header();
  int q = FindColumn(header, {"question", "问题", "问句", "提问"});
  int t = FindColumn(header, {"expected", "expected_topic", "topic", "期望主题", "预期主题", "主题",
                              "期望", "应命中"});
  BatchInput in;
  auto add = [&](size_t line, std::string question, std::string expected) {
    if (in.questions.size() >= kMaxBatchQuestions) {
      if (in.errors.empty() || in.errors.back().column != 0 ||
          in.errors.back().message.rfind("more than", 0) != 0)
        in.errors.push_back({line, 0,
                             "more than " + std::to_string(kMaxBatchQuestions) +
                                 " questions: this row and the rest are not tested"});
      return;
    }
    if (question.empty()) {
      in.errors.push_back({line, q + 1, "the question is empty"});
    } else if (question.size() > kMaxQuestionBytes) {
      in.errors.push_back({line, q + 1, "the question is longer than 2000 characters"});
    } else if (expected.empty()) {
      in.errors.push_back({line, t + 1, "the expected topic is empty"});
    } else if (!kb.Find(expected)) {
      in.errors.push_back({line, t + 1, "unknown topic \"" + expected + "\""});
    } else {
      in.questions.push_back({line, std::move(question), std::move(expected)});
    }
  };
  if (q < 0 || t < 0) {
    // No header: a first row of question and topic is data.
    if (header.size() >= 2 && kb.Find(Trim(header[1]))) {
      q = 0, t = 1;
      add(1, Trim(header[0]), Trim(header[1]));
    } else {
      return InvalidArgument(
          "the first row must name the columns: question (问题) and expected (期望主题), e.g. "
          "\"question<TAB>expected\"");
    }
  }
  text::RowView row;
  for (;;) {
    auto more = table->Next(row);
    if (!more.ok()) return Named(more.status(), xlsx.path());
    if (!*more) break;
    auto field = [&](int i) {
      return i < static_cast<int>(row.fields.size()) ? Trim(row.fields[i]) : std::string();
    };
    add(row.line, field(q), field(t));
  }
  return in;
}

BatchReport ScoreBatch(const BatchInput& input, const Judge& judge, BatchSummary summary) {
  BatchReport report;
  report.errors = input.errors;
  for (const auto& q : input.questions) {
    Judged j = judge(q.question);
    BatchResult r;
    r.line = q.line;
    r.question = text::MaskText(q.question);
    r.expected = q.expected;
    r.got = j.best;
    r.confidence = j.confidence;
    r.decision = j.decision;
    r.top1 = j.best == q.expected;
    ++summary.total;
    if (r.top1) ++summary.top1;
    if (r.decision == "answer" && !r.top1) ++summary.confident_wrong;
    if (r.decision == "ask_back") ++summary.asked_back;
    if (r.decision == "handover") ++summary.handed_over;
    report.results.push_back(std::move(r));
  }
  report.summary = std::move(summary);
  return report;
}

Result<std::string> BatchXlsx(const BatchReport& report) {
  text::SheetTable results{
      "结果", {"行", "问题", "期望主题", "命中主题", "置信度", "决定", "命中"}, {}};
  for (const auto& r : report.results)
    results.rows.push_back({static_cast<double>(r.line), r.question, r.expected, r.got,
                            r.confidence, r.decision, std::string(r.top1 ? "是" : "否")});
  const BatchSummary& s = report.summary;
  text::SheetTable figures{"汇总", {"指标", "数量", "比例"}, {}};
  figures.rows.push_back({std::string("问题数"), static_cast<double>(s.total), 1.0});
  figures.rows.push_back(
      {std::string("首位命中 top1"), static_cast<double>(s.top1), s.Rate(s.top1)});
  figures.rows.push_back({std::string("高置信误答 confident_wrong"),
                          static_cast<double>(s.confident_wrong), s.Rate(s.confident_wrong)});
  figures.rows.push_back(
      {std::string("反问 asked_back"), static_cast<double>(s.asked_back), s.Rate(s.asked_back)});
  figures.rows.push_back(
      {std::string("转人工 handover"), static_cast<double>(s.handed_over), s.Rate(s.handed_over)});
  text::SheetTable errors{"错误行", {"行", "列", "原因"}, {}};
  for (const auto& e : report.errors)
    errors.rows.push_back({static_cast<double>(e.line), static_cast<double>(e.column), e.message});
  return text::WriteXlsx({results, figures, errors});
}

}  // namespace zx::knowledge
