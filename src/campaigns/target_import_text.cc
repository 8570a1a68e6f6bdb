// The import report as a person reads it (campaigns/target_import.h, FormatImportReport).
#include <algorithm>
#include <sstream>

#include "campaigns/target_fields.h"
#include "campaigns/target_import.h"
#include "text/pii.h"

namespace zx::campaigns {
namespace {

std::string Lines(const std::vector<size_t>& lines) {
  std::string out;
  for (size_t l : lines) out += (out.empty() ? "" : ", ") + std::to_string(l);
  return out;
}

// 张*先生 / 李*女士 from 性别, as a call addresses the person; the masked name alone otherwise.
std::string Addressed(const PlannedCall& call) {
  std::string name = text::MaskName(call.name);
  if (call.gender == "男") return name + "先生";
  if (call.gender == "女") return name + "女士";
  return name;
}

std::string NoticeText(const TargetRecord& n) {
  std::string out = n.scenario + " (line " + std::to_string(n.line);
  if (n.amount_fen) out += ", " + FormatAmountFen(*n.amount_fen) + "元";
  if (n.due_by) out += ", by " + tickets::FormatDate(*n.due_by);
  return out + ")";
}

}  // namespace

std::string FormatImportReport(const ImportReport& r, size_t max_calls) {
  std::ostringstream out;
  out << r.file << " (" << (r.format.empty() ? "table" : r.format) << "), campaign date "
      << tickets::FormatDate(r.as_of) << "\n";
  out << "records " << r.records << ": accepted " << r.accepted << ", rejected "
      << r.rejected.size() << ", exact duplicates " << r.exact_duplicates.size()
      << ", normalised duplicates " << r.normalized_duplicates.size() << "\n";
  out << "notices by scenario:";
  if (r.notices_by_scenario.empty()) out << " none";
  for (const auto& [scenario, n] : r.notices_by_scenario) out << " " << scenario << " " << n;
  out << "\npeople " << r.people << ", merged calls " << r.merged.size()
      << ", do-not-call suppressed " << r.dnc_suppressed.size() << ", calls planned " << r.calls
      << "\n";
  if (!r.rejected.empty()) {
    out << "\nrejected (line, reason, field):\n";
    for (const Rejection& x : r.rejected) {
      out << "  line " << x.line << "  " << ReasonCode(x.reason) << "  " << x.field << "\n";
    }
  }
  auto duplicates = [&](const char* title, const std::vector<DuplicateRecord>& list) {
    if (list.empty()) return;
    out << "\n" << title << ":\n";
    for (const DuplicateRecord& d : list) {
      out << "  line " << d.line << " repeats line " << d.duplicate_of << "\n";
    }
  };
  duplicates("exact duplicates (dropped)", r.exact_duplicates);
  duplicates("normalised duplicates (same person and scenario, dropped)", r.normalized_duplicates);
  auto groups = [&](const char* title, const std::vector<LineGroup>& list) {
    if (list.empty()) return;
    out << "\n" << title << ":\n";
    for (const LineGroup& g : list) out << "  lines " << Lines(g.lines) << "\n";
  };
  groups("merged (one call, several notices)", r.merged);
  groups("do-not-call (suppressed with all their notices)", r.dnc_suppressed);
  if (!r.planned.empty() && max_calls > 0) {
    out << "\ncalls planned:\n";
    for (size_t i = 0; i < r.planned.size() && i < max_calls; ++i) {
      const PlannedCall& call = r.planned[i];
      out << "  " << Addressed(call) << " " << text::MaskPhone(call.phone) << ":";
      for (size_t k = 0; k < call.notices.size(); ++k) {
        out << (k ? "; " : " ") << NoticeText(call.notices[k]);
      }
      out << "\n";
    }
    size_t calls = std::max(r.calls, r.planned.size());  // planned may hold only the first few
    if (calls > max_calls) {
      out << "  … and " << calls - max_calls << " more\n";
    }
  }
  return out.str();
}

}  // namespace zx::campaigns
