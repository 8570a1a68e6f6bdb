#include "security/retention_job.h"

#include <utility>

#include "base/log.h"

namespace zx::security {

void ScheduleRetention(Worker& worker, std::chrono::milliseconds period,
                       std::function<Result<RetentionReport>()> run,
                       std::function<bool()> may_run) {
  worker.Every(period, [run = std::move(run), may_run = std::move(may_run)] {
    if (may_run && !may_run()) return;  // another node does it
    auto report = run();
    if (!report.ok()) {
      log::Error("retention_failed error=\"{}\"", report.status().message());
      return;
    }
    int64_t rows = 0;
    for (const auto& r : report->rules) rows += r.rows;
    log::Info("retention_done rules={} rows={} audit_seq={}", report->rules.size(), rows,
              report->audit_seq);
  });
}

}  // namespace zx::security
