#include "http/dashboard_routes.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/age_band.h"
#include "dialogue/conversation_figures.h"
#include "dialogue/rules.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/ticket_json.h"
#include "text/table_writer.h"
#include "tickets/calendar.h"
#include "tickets/figures.h"

namespace zx::http {
namespace {

using nlohmann::json;
using text::Cell;

constexpr char kRead[] = "stats.read";
constexpr char kExport[] = "report.export";
constexpr int64_t kDayMs = 86400000;
constexpr int64_t kDefaultPeriodMs = 7 * kDayMs;
constexpr int64_t kSmallestCell = 5;  // portraits never show fewer people (DOMAIN.md)
constexpr int kTopTopics = 20;
constexpr size_t kMaxDetailRows = 100000;

// A count as a portrait shows it: fewer than kSmallestCell people never as a number.
json PortraitCount(int64_t n) { return n >= kSmallestCell ? json(n) : json("<5"); }
// A count of 5 or more hidden so that a "<5" beside it cannot be worked out by subtraction.
constexpr char kHiddenBeside[] = "≥5";

// `known` in its order, then any other key of `counted` (sorted).
template <typename Map>
std::vector<std::string> KnownThenCounted(const std::vector<std::string>& known,
                                          const Map& counted) {
  std::vector<std::string> out = known;
  for (const auto& [key, value] : counted)
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

struct Query {
  int64_t from_ms = 0, until_ms = 0;
  std::string channel, district, department;
};

// One card: a count (no denominator) or a rate, with the period before.
struct Card {
  std::string code, label, formula;
  int64_t numerator = 0;
  int64_t denominator = -1;  // -1: a count
  int64_t prev_numerator = 0;
  int64_t prev_denominator = -1;

  bool rate() const { return denominator >= 0; }
  double value() const {
    return rate() ? (denominator ? static_cast<double>(numerator) / denominator : 0)
                  : static_cast<double>(numerator);
  }
  double previous() const {
    return rate() ? (prev_denominator ? static_cast<double>(prev_numerator) / prev_denominator : 0)
                  : static_cast<double>(prev_numerator);
  }
};

struct Period {
  dialogue::ConversationFigures conversations;
  tickets::Figures orders;
  int64_t calls_answered = 0;  // voice conversations begun (by the assistant or a person)
  int64_t calls = 0;           // and the callers refused for want of room
};

class Dashboard {
 public:
  Dashboard(DashboardSources s, security::AuditLog& audit) : s_(std::move(s)), guard_(&audit) {}

  Result<Query> QueryOf(const Request& req) const {
    Query q;
    ZX_ASSIGN_OR_RETURN(q.from_ms, ParseTimeParam(req, "from"));
    ZX_ASSIGN_OR_RETURN(q.until_ms, ParseTimeParam(req, "until"));
    if (q.until_ms == 0) q.until_ms = s_.clock->NowUnixMillis() + 1;
    if (q.from_ms == 0) q.from_ms = q.until_ms - kDefaultPeriodMs;
    if (q.from_ms >= q.until_ms)
      return InvalidArgument("query parameter from must be before until");
    if (q.until_ms - q.from_ms > 366 * kDayMs)
      return InvalidArgument("a dashboard period is at most 366 days");
    for (auto [name, out] : {std::pair{"channel", &q.channel}, std::pair{"district", &q.district},
                             std::pair{"department", &q.department}}) {
      if (auto v = req.Query(name)) *out = std::string(v->substr(0, 64));
    }
    return q;
  }

  Result<Period> Compute(const Query& q, int64_t from_ms, int64_t until_ms,
                         size_t max_rows = 0) const {
    Period p;
    dialogue::ConversationFigureQuery cq;
    cq.max_rows = max_rows;
    cq.from_ms = from_ms;
    cq.until_ms = until_ms;
    cq.channel = q.channel;
    cq.district = q.district;
    if (!q.department.empty()) {
      auto kb = s_.kb();
      cq.topic_filter = [kb, d = q.department](const std::string& topic) {
        const knowledge::Entry* e = kb ? kb->Find(topic) : nullptr;
        return e && e->department == d;
      };
    }
    ZX_ASSIGN_OR_RETURN(p.conversations, dialogue::ComputeConversationFigures(*s_.db, cq));
    ZX_ASSIGN_OR_RETURN(p.orders,
                        tickets::FigureQueries(*s_.db).Compute(TicketQuery(q, from_ms, until_ms)));
    // 接通率 is of every call, whatever the filters.
    dialogue::ConversationFigureQuery voice;
    voice.from_ms = from_ms;
    voice.until_ms = until_ms;
    voice.channel = "voice";
    ZX_ASSIGN_OR_RETURN(dialogue::ConversationFigures calls,
                        dialogue::ComputeConversationFigures(*s_.db, voice));
    p.calls_answered = calls.Started();
    int64_t refused = 0;
    if (s_.refused_calls) {
      ZX_ASSIGN_OR_RETURN(refused, s_.refused_calls(from_ms, until_ms));
    }
    p.calls = p.calls_answered + refused;
    return p;
  }

  static tickets::FigureQuery TicketQuery(const Query& q, int64_t from_ms, int64_t until_ms) {
    tickets::FigureQuery t;
    t.from_ms = from_ms;
    t.until_ms = until_ms;
    t.department = q.department;
    t.district = q.district;
    return t;
  }

  std::vector<Card> Cards(const Period& now, const Period& before) const {
    auto rate = [](std::string code, std::string label, std::string formula, const tickets::Rate& a,
                   const tickets::Rate& b) {
      return Card{std::move(code), std::move(label), std::move(formula), a.numerator,
                  a.denominator,   b.numerator,      b.denominator};
    };
    const auto& c = now.conversations;
    const auto& c0 = before.conversations;
    return {
        {"volume", "受理量", "本期开始的会话数（各渠道）", c.Started(), -1, c0.Started(), -1},
        {"ai_share", "智能服务占比", "未经人工结束的会话 ÷ 全部会话", c.WithoutPerson(),
         c.Started(), c0.WithoutPerson(), c0.Started()},
        {"answer_rate", "接通率",
         "接通的来电 ÷ 全部来电（含满线未接通的来电；全市电话，不受筛选影响）", now.calls_answered,
         now.calls, before.calls_answered, before.calls},
        rate("response", "响应率", "签收限时内签收的任务 ÷ 本期派发的任务", now.orders.response,
             before.orders.response),
        rate("on_time", "按时办结率", "期限内办结的任务 ÷ 本期办结的任务", now.orders.on_time,
             before.orders.on_time),
        rate("solved", "解决率", "回访为已解决的工单 ÷ 本期回访的工单", now.orders.solved,
             before.orders.solved),
        rate("satisfied", "满意率", "（满意 + 基本满意）÷ 本期回访的工单", now.orders.satisfied,
             before.orders.satisfied),
        {"warned", "预警", "本期标记预警的任务数", now.orders.warned, -1, before.orders.warned, -1},
        {"overdue", "超时", "本期标记超时的任务数", now.orders.overdue, -1, before.orders.overdue,
         -1},
    };
  }

  std::string TitleOf(const std::string& topic) const {
    if (topic.empty()) return "未分类";
    auto kb = s_.kb ? s_.kb() : nullptr;
    const knowledge::Entry* e = kb ? kb->Find(topic) : nullptr;
    return e ? e->title : topic;
  }
  std::string DepartmentName(const std::string& code) const {
    auto it = s_.department_names.find(code);
    return it == s_.department_names.end() ? code : it->second;
  }

  // Everything the screen and the workbook show; with `detail`, the conversations counted (at
  // most kMaxDetailRows, for the workbook's detail sheet).
  Result<json> Build(const Query& q, text::SheetTable* detail = nullptr) const {
    const int64_t span = q.until_ms - q.from_ms;
    ZX_ASSIGN_OR_RETURN(Period now, Compute(q, q.from_ms, q.until_ms, detail ? kMaxDetailRows : 0));
    if (detail) *detail = DetailSheet(now.conversations);
    ZX_ASSIGN_OR_RETURN(Period before, Compute(q, q.from_ms - span, q.from_ms));
    json cards = json::array();
    for (const Card& c : Cards(now, before)) {
      json card = {{"code", c.code},
                   {"label", c.label},
                   {"formula", c.formula},
                   {"value", c.value()},
                   {"numerator", c.numerator},
                   {"previous", c.previous()},
                   {"change", c.value() - c.previous()}};
      card["denominator"] = c.rate() ? json(c.denominator) : json(nullptr);
      card["previous_numerator"] = c.prev_numerator;
      card["previous_denominator"] = c.rate() ? json(c.prev_denominator) : json(nullptr);
      cards.push_back(std::move(card));
    }
    const auto& cf = now.conversations;
    json channels = json::array();
    json hours = json::array();
    for (const auto& [code, f] : cf.channels) {
      channels.push_back(
          {{"channel", code},
           {"name", ChannelName(code)},
           {"started", f.started},
           {"without_person", f.without_person},
           {"share", f.started ? static_cast<double>(f.without_person) / f.started : 0}});
      hours.push_back({{"channel", code}, {"name", ChannelName(code)}, {"counts", f.by_hour}});
    }
    json heatmap = json::array();
    for (const auto& day : cf.heatmap) heatmap.push_back(day);
    auto ranked = [&](const std::vector<std::pair<std::string, int64_t>>& counts) {
      json out = json::array();
      for (const auto& [topic, n] : counts) {
        if (static_cast<int>(out.size()) >= kTopTopics) break;
        out.push_back({{"topic", topic}, {"title", TitleOf(topic)}, {"count", n}});
      }
      return out;
    };
    std::vector<std::pair<std::string, int64_t>> topics(cf.topics.begin(), cf.topics.end());
    std::stable_sort(topics.begin(), topics.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    tickets::FigureQueries figures(*s_.db);
    ZX_ASSIGN_OR_RETURN(auto order_topics, figures.Topics(TicketQuery(q, q.from_ms, q.until_ms)));
    std::vector<std::pair<std::string, int64_t>> categories;
    for (const auto& t : order_topics) categories.emplace_back(t.topic, t.count);
    ZX_ASSIGN_OR_RETURN(auto spots, figures.Hotspots(s_.clock->NowUnixMillis()));
    json hotspots = json::array();
    for (const auto& h : spots)
      if (q.district.empty() || h.district == q.district)
        hotspots.push_back({{"topic", h.topic},
                            {"title", TitleOf(h.topic)},
                            {"district", h.district},
                            {"count", h.count},
                            {"usual", h.usual},
                            {"rise", h.rise}});
    json satisfaction = json::array();
    for (const char* r : {"满意", "基本满意", "不满意"}) {
      auto it = cf.satisfaction.find(r);
      satisfaction.push_back(
          {{"rating", r}, {"count", it == cf.satisfaction.end() ? 0 : it->second}});
    }
    json on_time = json::array();
    {
      // Every department, or the one the filter names.
      std::vector<tickets::Figures> rows;
      if (q.department.empty()) {
        ZX_ASSIGN_OR_RETURN(rows, figures.ByDepartment(TicketQuery(q, q.from_ms, q.until_ms)));
      } else {
        rows.push_back(now.orders);
      }
      for (const auto& f : rows)
        on_time.push_back({{"department", f.department},
                           {"name", DepartmentName(f.department)},
                           {"value", f.on_time.value()},
                           {"numerator", f.on_time.numerator},
                           {"denominator", f.on_time.denominator},
                           {"returned", f.returned},
                           {"extensions", f.extensions}});
    }
    json districts = json::array();
    for (const auto& [d, n] : cf.districts)
      districts.push_back({{"district", d}, {"count", PortraitCount(n)}});
    int64_t unanswered = 0;
    if (s_.answers) {
      ZX_ASSIGN_OR_RETURN(unanswered, s_.answers->OpenClusters());
    }
    return json{{"period", {{"from_ms", q.from_ms}, {"until_ms", q.until_ms}}},
                {"previous", {{"from_ms", q.from_ms - span}, {"until_ms", q.from_ms}}},
                {"filters",
                 {{"channel", q.channel}, {"district", q.district}, {"department", q.department}}},
                {"options", Options()},
                {"demo", s_.demo && s_.demo()},
                {"cards", std::move(cards)},
                {"charts",
                 {{"channels", std::move(channels)},
                  {"hours", std::move(hours)},
                  {"heatmap", std::move(heatmap)},
                  {"topics", ranked(topics)},
                  {"categories", ranked(categories)},
                  {"hotspots", std::move(hotspots)},
                  {"satisfaction", std::move(satisfaction)},
                  {"on_time", std::move(on_time)},
                  {"districts", std::move(districts)},
                  {"ages", AgePortrait(cf, s_.age_bands, s_.districts)},
                  {"unanswered_open", unanswered}}}};
  }

  std::string ChannelName(const std::string& code) const {
    auto it = s_.channel_names.find(code);
    return it == s_.channel_names.end() ? code : it->second;
  }

  json Options() const {
    json channels = json::array(), departments = json::array();
    for (const auto& [code, name] : s_.channel_names)
      channels.push_back({{"code", code}, {"name", name}});
    for (const auto& [code, name] : s_.department_names)
      departments.push_back({{"code", code}, {"name", name}});
    return {{"channels", channels}, {"districts", s_.districts}, {"departments", departments}};
  }

  Response Get(const Request& req) const {
    auto result = [&]() -> Result<json> {
      ZX_ASSIGN_OR_RETURN(Query q, QueryOf(req));
      ZX_ASSIGN_OR_RETURN(json out, Build(q));
      ZX_RETURN_IF_ERROR(
          guard_.Record(req, "stats.dashboard", "dashboard", "", Dump(out["filters"])));
      return out;
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return Response::Json(200, *result);
  }

  Response Export(const Request& req) const {
    auto result = [&]() -> Result<Response> {
      ZX_ASSIGN_OR_RETURN(Query q, QueryOf(req));
      text::SheetTable detail;
      ZX_ASSIGN_OR_RETURN(json d, Build(q, &detail));
      std::vector<text::SheetTable> sheets = Sheets(d);
      sheets.push_back(std::move(detail));
      ZX_ASSIGN_OR_RETURN(std::string body, text::WriteXlsx(sheets));
      ZX_RETURN_IF_ERROR(guard_.Record(req, "stats.export", "dashboard", "", Dump(d["filters"])));
      Response r;
      r.body = std::move(body);
      r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"dashboard.xlsx\"");
      return r;
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return std::move(*result);
  }

  text::SheetTable DetailSheet(const dialogue::ConversationFigures& f) const {
    text::SheetTable t{
        "明细", {"会话", "渠道", "开始时间", "状态", "转人工", "话题", "区县", "评价"}, {}};
    for (const auto& r : f.rows) {
      std::string topics;
      for (const auto& topic : r.topics) topics += (topics.empty() ? "" : "、") + TitleOf(topic);
      t.rows.push_back({r.id, ChannelName(r.channel), tickets::FormatDeadline(r.created_ms),
                        r.state, std::string(r.handed_over ? "是" : "否"), topics, r.district,
                        r.rating});
    }
    return t;
  }

  // A sheet per chart and the cards' sheet, from the very JSON the API answers.
  static std::vector<text::SheetTable> Sheets(const json& d) {
    auto num = [](const json& v) -> Cell {
      return v.is_number() ? Cell(v.get<double>())
                           : Cell(v.is_string() ? v.get<std::string>() : "");
    };
    auto str = [](const json& v) -> Cell { return v.is_string() ? v.get<std::string>() : ""; };
    std::vector<text::SheetTable> sheets;
    text::SheetTable cards{"指标", {"指标", "数值", "分子", "分母", "上期", "变化", "口径"}, {}};
    for (const auto& c : d["cards"])
      cards.rows.push_back({str(c["label"]), num(c["value"]), num(c["numerator"]),
                            num(c["denominator"]), num(c["previous"]), num(c["change"]),
                            str(c["formula"])});
    text::SheetTable period{"期间", {"项目", "开始", "结束"}, {}};
    for (const char* k : {"period", "previous"})
      period.rows.push_back({std::string(k == std::string("period") ? "本期" : "上期"),
                             tickets::FormatDeadline(d[k]["from_ms"].get<int64_t>()),
                             tickets::FormatDeadline(d[k]["until_ms"].get<int64_t>())});
    const json& ch = d["charts"];
    text::SheetTable channels{"渠道", {"渠道", "会话", "未经人工", "智能服务占比"}, {}};
    for (const auto& c : ch["channels"])
      channels.rows.push_back(
          {str(c["name"]), num(c["started"]), num(c["without_person"]), num(c["share"])});
    text::SheetTable hours{"时段", {"渠道"}, {}};
    for (int h = 0; h < 24; ++h) hours.header.push_back(std::to_string(h) + "时");
    for (const auto& c : ch["hours"]) {
      std::vector<Cell> row{str(c["name"])};
      for (const auto& n : c["counts"]) row.push_back(num(n));
      hours.rows.push_back(std::move(row));
    }
    text::SheetTable heat{"星期时段", {"星期"}, {}};
    for (int h = 0; h < 24; ++h) heat.header.push_back(std::to_string(h) + "时");
    const char* days[] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
    for (size_t i = 0; i < ch["heatmap"].size() && i < 7; ++i) {
      std::vector<Cell> row{std::string(days[i])};
      for (const auto& n : ch["heatmap"][i]) row.push_back(num(n));
      heat.rows.push_back(std::move(row));
    }
    auto ranked = [&](const char* name, const char* key) {
      text::SheetTable t{name, {"事项", "名称", "数量"}, {}};
      for (const auto& r : ch[key])
        t.rows.push_back({str(r["topic"]), str(r["title"]), num(r["count"])});
      return t;
    };
    text::SheetTable hot{"热点", {"事项", "名称", "区县", "数量", "常态", "倍数"}, {}};
    for (const auto& h : ch["hotspots"])
      hot.rows.push_back({str(h["topic"]), str(h["title"]), str(h["district"]), num(h["count"]),
                          num(h["usual"]), num(h["rise"])});
    text::SheetTable sat{"满意度", {"评价", "数量"}, {}};
    for (const auto& s : ch["satisfaction"])
      sat.rows.push_back({str(s["rating"]), num(s["count"])});
    text::SheetTable dept{
        "按时办结", {"部门", "名称", "按时办结率", "按时办结", "办结", "退单", "延期"}, {}};
    for (const auto& r : ch["on_time"])
      dept.rows.push_back({str(r["department"]), str(r["name"]), num(r["value"]),
                           num(r["numerator"]), num(r["denominator"]), num(r["returned"]),
                           num(r["extensions"])});
    text::SheetTable districts{"区县", {"区县", "会话"}, {}};
    for (const auto& r : ch["districts"])
      districts.rows.push_back({str(r["district"]), num(r["count"])});
    // 年龄段画像: a row per band, its total and a column per district, "<5" as the API has it.
    text::SheetTable ages{"年龄段", {"年龄段", "合计"}, {}};
    const json& age_rows = ch["ages"];
    if (!age_rows.empty())
      for (const auto& c : age_rows[0]["districts"]) ages.header.push_back(c.value("district", ""));
    for (const auto& r : age_rows) {
      std::vector<Cell> row{str(r["band"]), num(r["count"])};
      for (const auto& c : r["districts"]) row.push_back(num(c["count"]));
      ages.rows.push_back(std::move(row));
    }
    text::SheetTable unanswered{"未解决问题", {"项目", "数量"}, {}};
    unanswered.rows.push_back({std::string("待处理问题簇"), num(ch["unanswered_open"])});
    for (auto* t : {&cards, &period, &channels, &hours, &heat}) sheets.push_back(std::move(*t));
    sheets.push_back(ranked("会话话题", "topics"));
    sheets.push_back(ranked("工单分类", "categories"));
    for (auto* t : {&hot, &sat, &dept, &districts, &ages, &unanswered})
      sheets.push_back(std::move(*t));
    return sheets;
  }

 private:
  DashboardSources s_;
  RecordGuard guard_;
};

}  // namespace

Status LoadDashboardNames(const std::string& kb_dir, DashboardSources& sources) {
  ZX_ASSIGN_OR_RETURN(sources.channel_names, dialogue::LoadCodeNames(kb_dir + "/channels.tsv"));
  ZX_ASSIGN_OR_RETURN(sources.department_names,
                      dialogue::LoadCodeNames(kb_dir + "/departments.tsv"));
  ZX_ASSIGN_OR_RETURN(dialogue::Districts districts,
                      dialogue::LoadDistricts(kb_dir + "/districts.tsv"));
  sources.districts.clear();
  for (const auto& [code, name] : districts) sources.districts.push_back(name);
  ZX_ASSIGN_OR_RETURN(dialogue::AgeBands bands, dialogue::LoadAgeBands(kb_dir + "/age_bands.tsv"));
  sources.age_bands.clear();
  for (const auto& band : bands) sources.age_bands.push_back(band.label);
  return Status::Ok();
}

json AgePortrait(const dialogue::ConversationFigures& figures,
                 const std::vector<std::string>& bands, const std::vector<std::string>& districts) {
  if (figures.ages.empty()) return json::array();  // no conversation of the period gave an age
  std::map<std::string, int64_t> counted_districts;
  for (const auto& [band, per_district] : figures.age_districts)
    for (const auto& [d, n] : per_district) counted_districts[d] += n;
  const std::vector<std::string> columns = KnownThenCounted(districts, counted_districts);
  json out = json::array();
  for (const std::string& band : KnownThenCounted(bands, figures.ages)) {
    auto total = figures.ages.find(band);
    auto per_district = figures.age_districts.find(band);
    std::vector<int64_t> counts;
    for (const std::string& d : columns) {
      int64_t n = 0;
      if (per_district != figures.age_districts.end()) {
        auto it = per_district->second.find(d);
        n = it == per_district->second.end() ? 0 : it->second;
      }
      counts.push_back(n);
    }
    json total_count = PortraitCount(total == figures.ages.end() ? 0 : total->second);
    json cells = json::array();
    for (size_t i = 0; i < columns.size(); ++i)
      cells.push_back({{"district", columns[i]}, {"count", PortraitCount(counts[i])}});
    // A row's total less its shown cells would give its one hidden cell: a second one is
    // hidden too, the smallest shown (or the total), as "≥5", which says no more than that.
    const auto hidden =
        std::count_if(counts.begin(), counts.end(), [](int64_t n) { return n < kSmallestCell; });
    if (hidden == 1 && total_count.is_number()) {
      std::optional<size_t> smallest;
      for (size_t i = 0; i < counts.size(); ++i)
        if (counts[i] >= kSmallestCell && (!smallest || counts[i] < counts[*smallest]))
          smallest = i;
      (smallest ? cells[*smallest]["count"] : total_count) = kHiddenBeside;
    }
    out.push_back(
        {{"band", band}, {"count", std::move(total_count)}, {"districts", std::move(cells)}});
  }
  return out;
}

void AddDashboardRoutes(Router& router, DashboardSources sources, security::AuditLog& audit) {
  auto dashboard = std::make_shared<const Dashboard>(std::move(sources), audit);
  router.Add("GET", "/api/v1/stats/dashboard", kRead,
             [dashboard](const Request& req) { return dashboard->Get(req); });
  router.Add("GET", "/api/v1/stats/dashboard/export", kExport,
             [dashboard](const Request& req) { return dashboard->Export(req); });
}

}  // namespace zx::http
