#include "tickets/learn.h"

#include <chrono>
#include <cstdio>
#include <ostream>

#include "tickets/router_model.h"

namespace zx::tickets {

Status LearnRouting(const LearnRequest& request, std::ostream& out) {
  auto started = std::chrono::steady_clock::now();
  // What the operator gave that cannot be learned from is an argument error (exit 2).
  auto read = ReadHistory(request.history, request.columns);
  if (!read.ok()) return InvalidArgument(read.status().message());
  const History& history = *read;
  out << "history " << request.history << ": " << history.rows_read << " rows read, "
      << history.examples.size() << " used, " << history.skipped.size() << " skipped\n";
  for (const auto& p : history.skipped) out << "  skipped " << p.message << "\n";
  for (const auto& w : history.warnings) out << "  warning " << w << "\n";

  RouterTextOptions text_options;
  text_options.jieba_dict = request.jieba_dict;
  auto text = RouterText::Create(text_options);
  if (!text.ok()) return InvalidArgument(text.status().message());
  RouterTrainReport report;
  auto model = RouterModel::Train(history.examples, *text, {}, &report);
  if (!model.ok()) return InvalidArgument(request.history + ": " + model.status().message());
  out << "labels (" << report.label_counts.size() << "):";
  for (const auto& [label, n] : report.label_counts) out << " " << label << " " << n << ";";
  out << "\n";
  char line[200];
  if (report.cross_validated) {
    std::snprintf(line, sizeof line, "cross-validated (%d-fold) macro-F1 %.3f, accuracy %.3f\n",
                  (*model)->options().folds, report.cross_validated->macro_f1,
                  report.cross_validated->accuracy);
    out << line;
  }
  std::string path = RouterModel::PathIn(request.data_dir);
  ZX_RETURN_IF_ERROR((*model)->Save(path));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::snprintf(line, sizeof line, "model saved: %s (%zu features) in %.1f s\n", path.c_str(),
                report.features, seconds);
  out << line;
  return Status::Ok();
}

}  // namespace zx::tickets
