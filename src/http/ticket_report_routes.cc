#include "http/ticket_report_routes.h"

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/record_access.h"
#include "http/ticket_json.h"
#include "security/policy.h"
#include "text/table_writer.h"
#include "tickets/calendar.h"
#include "tickets/figures.h"

namespace zx::http {
namespace {

using nlohmann::json;

constexpr char kFigures[] = "ticket.figures";
constexpr char kExport[] = "report.export";
constexpr char kObject[] = "ticket";
constexpr int64_t kDayMs = 86400000;
constexpr int64_t kDefaultPeriodMs = 30 * kDayMs;
constexpr int kMaxExportRows = 100000;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json RateJson(const tickets::Rate& r) {
  return {{"numerator", r.numerator}, {"denominator", r.denominator}, {"value", r.value()}};
}

json FiguresJson(const tickets::Figures& f) {
  return {{"department", f.department},
          {"tier", f.tier},
          {"created", f.created},
          {"returned", f.returned},
          {"extensions", f.extensions},
          {"unanswered", f.unanswered},
          {"warned", f.warned},
          {"overdue", f.overdue},
          {"response", RateJson(f.response)},
          {"on_time", RateJson(f.on_time)},
          {"solved", RateJson(f.solved)},
          {"satisfied", RateJson(f.satisfied)}};
}

// "YYYY-MM-DD HH:MM" China time, "" for 0.
std::string Time(int64_t ms) { return ms ? tickets::FormatDeadline(ms) : std::string(); }

text::SheetTable FiguresTable(const std::vector<tickets::Figures>& rows) {
  text::SheetTable t;
  t.name = "数据";
  t.header = {"部门",   "时限",       "受理量", "响应率",     "按时办结率", "解决率",
              "满意率", "签收及时数", "派发数", "按时办结数", "办结数",     "已解决数",
              "回访数", "满意数",     "退单",   "延期",       "未回访"};
  for (const auto& f : rows)
    t.rows.push_back(
        {f.department.empty() ? std::string("全部") : f.department,
         f.tier.empty() ? std::string("全部") : f.tier, static_cast<double>(f.created),
         f.response.value(), f.on_time.value(), f.solved.value(), f.satisfied.value(),
         static_cast<double>(f.response.numerator), static_cast<double>(f.response.denominator),
         static_cast<double>(f.on_time.numerator), static_cast<double>(f.on_time.denominator),
         static_cast<double>(f.solved.numerator), static_cast<double>(f.solved.denominator),
         static_cast<double>(f.satisfied.numerator), static_cast<double>(f.returned),
         static_cast<double>(f.extensions), static_cast<double>(f.unanswered)});
  return t;
}

text::SheetTable OrdersTable(const std::vector<tickets::OrderRow>& rows) {
  text::SheetTable t;
  t.name = "工单";
  t.header = {"工单号",   "状态",     "事项",     "分类", "主办部门", "区县", "地点", "时限",
              "联系电话", "受理时间", "截止时间", "预警", "超时",     "并入", "摘要"};
  for (const auto& r : rows)
    t.rows.push_back({r.id, std::string(tickets::OrderStateLabel(r.state)), r.topic, r.category,
                      r.lead_department, r.district, r.place,
                      std::string(tickets::TierName(r.tier)), r.contact_masked, Time(r.created_ms),
                      Time(r.due_ms), std::string(r.warned ? "是" : ""),
                      std::string(r.overdue ? "是" : ""), r.merged_into, r.summary});
  return t;
}

// The export as a download: format=xlsx (default) or csv.
Result<Response> FileResponse(const Request& req, const std::string& stem,
                              const text::SheetTable& table) {
  auto format = req.Query("format");
  std::string f = format && !format->empty() ? std::string(*format) : "xlsx";
  Response r;
  if (f == "csv") {
    r.body = text::WriteCsv(table);
    r.content_type = "text/csv; charset=utf-8";
  } else if (f == "xlsx") {
    ZX_ASSIGN_OR_RETURN(r.body, text::WriteXlsx({table}));
    r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  } else {
    return InvalidArgument("query parameter format must be xlsx or csv");
  }
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + stem + "." + f + "\"");
  return r;
}

class ReportRoutes {
 public:
  ReportRoutes(tickets::WorkOrders& orders, storage::Database& db, security::AuditLog& audit,
               const Clock& clock)
      : orders_(orders), figures_(db), guard_(&audit), clock_(clock) {}

  // The period and tier asked for, and the caller's own department when the policy scopes it.
  Result<tickets::FigureQuery> PeriodOf(const Request& req, std::string_view permission) const {
    tickets::FigureQuery q;
    ZX_ASSIGN_OR_RETURN(q.from_ms, ParseTimeParam(req, "from"));
    ZX_ASSIGN_OR_RETURN(q.until_ms, ParseTimeParam(req, "until"));
    if (q.until_ms == 0) q.until_ms = clock_.NowUnixMillis() + 1;  // up to and including now
    if (q.from_ms == 0) q.from_ms = q.until_ms - kDefaultPeriodMs;
    if (q.from_ms >= q.until_ms)
      return InvalidArgument("query parameter from must be before until");
    if (auto v = req.Query("tier"); v && !v->empty()) {
      if (!tickets::ParseTier(*v))
        return InvalidArgument("query parameter tier must be 2h, 24h, 7d or 15d");
      q.tier = std::string(*v);
    }
    if (!security::AllowedOn(req.principal, permission, {}))
      q.department = req.principal.scope.department;
    return q;
  }

  Result<std::vector<tickets::Figures>> Rows(const tickets::FigureQuery& q) const {
    std::vector<tickets::Figures> rows;
    if (q.department.empty()) {
      ZX_ASSIGN_OR_RETURN(rows, figures_.ByDepartment(q));
    }
    ZX_ASSIGN_OR_RETURN(tickets::Figures total, figures_.Compute(q));
    rows.push_back(std::move(total));
    return rows;
  }

  Response Figures(const Request& req) const {
    auto result = [&]() -> Result<json> {
      ZX_ASSIGN_OR_RETURN(tickets::FigureQuery q, PeriodOf(req, kFigures));
      ZX_ASSIGN_OR_RETURN(auto rows, Rows(q));
      ZX_RETURN_IF_ERROR(guard_.Record(req, "ticket.figures", kObject, "",
                                       Dump({{"from_ms", q.from_ms},
                                             {"until_ms", q.until_ms},
                                             {"department", q.department},
                                             {"tier", q.tier}})));
      json departments = json::array();
      for (size_t i = 0; i + 1 < rows.size(); ++i) departments.push_back(FiguresJson(rows[i]));
      return json{{"from_ms", q.from_ms},
                  {"until_ms", q.until_ms},
                  {"tier", q.tier},
                  {"total", FiguresJson(rows.back())},
                  {"departments", std::move(departments)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return Response::Json(200, *result);
  }

  Response Hotspots(const Request& req) const {
    auto result = [&]() -> Result<json> {
      ZX_ASSIGN_OR_RETURN(auto spots, figures_.Hotspots(clock_.NowUnixMillis()));
      std::string district;
      if (!security::AllowedOn(req.principal, kFigures, {}))
        district = req.principal.scope.district;
      json out = json::array();
      for (const auto& h : spots) {
        if (!district.empty() && h.district != district) continue;
        out.push_back({{"topic", h.topic},
                       {"district", h.district},
                       {"count", h.count},
                       {"usual", h.usual},
                       {"rise", h.rise}});
      }
      ZX_RETURN_IF_ERROR(guard_.Record(req, "ticket.hotspots", kObject, "",
                                       Dump({{"district", district}, {"results", out.size()}})));
      return json{{"hotspots", std::move(out)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return Response::Json(200, *result);
  }

  Response ExportFigures(const Request& req) const {
    auto result = [&]() -> Result<Response> {
      ZX_ASSIGN_OR_RETURN(tickets::FigureQuery q, PeriodOf(req, kExport));
      ZX_ASSIGN_OR_RETURN(auto rows, Rows(q));
      ZX_RETURN_IF_ERROR(guard_.Record(req, "ticket.export", kObject, "",
                                       Dump({{"what", "figures"},
                                             {"from_ms", q.from_ms},
                                             {"until_ms", q.until_ms},
                                             {"tier", q.tier},
                                             {"rows", rows.size()}})));
      return FileResponse(req, "figures", FiguresTable(rows));
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return std::move(*result);
  }

  // The list's filters without its paging: pages of 500 until the end or kMaxExportRows.
  Response ExportOrders(const Request& req) const {
    auto result = [&]() -> Result<Response> {
      ZX_ASSIGN_OR_RETURN(tickets::OrderQuery q, ParseTicketQuery(req));
      if (!security::AllowedOn(req.principal, kExport, {})) {
        q.department = req.principal.scope.department;
        q.district = req.principal.scope.district;
      }
      q.limit = 500;
      q.offset = 0;
      std::vector<tickets::OrderRow> rows;
      int64_t total = 0;
      do {
        ZX_ASSIGN_OR_RETURN(tickets::OrderPage page, orders_.List(q));
        total = page.total;
        for (auto& r : page.rows) rows.push_back(std::move(r));
        q.offset += q.limit;
        if (page.rows.empty()) break;
      } while (q.offset < total && static_cast<int>(rows.size()) < kMaxExportRows);
      if (static_cast<int>(rows.size()) > kMaxExportRows) rows.resize(kMaxExportRows);
      ZX_RETURN_IF_ERROR(guard_.Record(req, "ticket.export", kObject, "",
                                       Dump({{"what", "orders"},
                                             {"department", q.department},
                                             {"district", q.district},
                                             {"by_phone", !q.phone.empty()},
                                             {"rows", rows.size()},
                                             {"total", total}})));
      return FileResponse(req, "tickets", OrdersTable(rows));
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return std::move(*result);
  }

 private:
  tickets::WorkOrders& orders_;
  tickets::FigureQueries figures_;
  RecordGuard guard_;
  const Clock& clock_;
};

}  // namespace

void AddTicketReportRoutes(Router& router, tickets::WorkOrders& orders, storage::Database& db,
                           security::AuditLog& audit, const Clock& clock) {
  auto routes = std::make_shared<const ReportRoutes>(orders, db, audit, clock);
  const std::string base = "/api/v1/tickets";
  router.Add("GET", base + "/figures", kFigures,
             [routes](const Request& req) { return routes->Figures(req); });
  router.Add("GET", base + "/hotspots", kFigures,
             [routes](const Request& req) { return routes->Hotspots(req); });
  router.Add("GET", base + "/figures/export", kExport,
             [routes](const Request& req) { return routes->ExportFigures(req); });
  router.Add("GET", base + "/export", kExport,
             [routes](const Request& req) { return routes->ExportOrders(req); });
}

}  // namespace zx::http
