#include "dialogue/conversation_figures.h"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "dialogue/rules.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kChinaOffsetMs = 8 * kHourMs;

}  // namespace

int64_t ConversationFigures::Started() const {
  int64_t n = 0;
  for (const auto& [c, f] : channels) n += f.started;
  return n;
}

int64_t ConversationFigures::WithoutPerson() const {
  int64_t n = 0;
  for (const auto& [c, f] : channels) n += f.without_person;
  return n;
}

Result<ConversationFigures> ComputeConversationFigures(storage::Database& db,
                                                       const ConversationFigureQuery& q) {
  std::string sql =
      "SELECT channel, created_ms, queued_ms, state, satisfaction, summary, id FROM "
      "conversations WHERE created_ms >= ? AND created_ms < ?";
  if (!q.channel.empty()) sql += " AND channel = ?";
  sql += " ORDER BY created_ms, id";
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db.Prepare(sql));
  st.Bind(1, q.from_ms).Bind(2, q.until_ms > 0 ? q.until_ms : std::numeric_limits<int64_t>::max());
  if (!q.channel.empty()) st.Bind(3, q.channel);
  const bool filtered = !q.district.empty() || q.topic_filter;
  ConversationFigures out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    std::set<std::string> topics;
    std::string district, age_band;
    if (!st.IsNull(5)) {
      json summary = json::parse(st.Text(5), nullptr, false);
      if (summary.is_object()) {
        for (const auto& p : summary.value("涉及政策", json::array()))
          if (p.is_object() && p.contains("topic") && p["topic"].is_string())
            topics.insert(p["topic"].get<std::string>());
        const json& subject = summary.value("咨询主体", json::object());
        if (subject.is_object() && subject.contains("district") && subject["district"].is_string())
          district = subject["district"].get<std::string>();
        if (subject.is_object() && subject.contains("age_band") && subject["age_band"].is_string())
          age_band = subject["age_band"].get<std::string>();
      }
    }
    if (filtered) {
      if (!q.district.empty() && district != q.district) continue;
      if (q.topic_filter) {
        bool any = false;
        for (const auto& t : topics) any = any || q.topic_filter(t);
        if (!any) continue;
      }
    }
    const int64_t created = st.Int(1);
    const int64_t local = created + kChinaOffsetMs;
    const int hour = static_cast<int>((local / kHourMs) % 24);
    const int weekday = static_cast<int>((local / (24 * kHourMs) + 3) % 7);  // 1970-01-01: Thu
    ChannelFigures& c = out.channels[st.Text(0)];
    ++c.started;
    ++c.by_hour[hour];
    ++out.heatmap[weekday][hour];
    if (st.Text(3) == "ended" && st.IsNull(2)) ++c.without_person;
    for (const auto& t : topics) ++out.topics[t];
    if (!district.empty()) ++out.districts[district];
    if (!age_band.empty()) {
      ++out.ages[age_band];
      if (!district.empty()) ++out.age_districts[age_band][district];
    }
    const std::string rating = st.IsNull(4) ? "" : st.Text(4);
    if (!rating.empty()) ++out.satisfaction[rating];
    if (out.rows.size() < q.max_rows)
      out.rows.push_back({st.Text(6), st.Text(0), created, st.Text(3), !st.IsNull(2),
                          std::vector<std::string>(topics.begin(), topics.end()), district,
                          rating});
  }
}

Result<std::map<std::string, std::string>> LoadCodeNames(const std::string& path) {
  std::map<std::string, std::string> out;
  // The districts file has the same form (code <TAB> name).
  ZX_ASSIGN_OR_RETURN(Districts rows, LoadDistricts(path));
  for (auto& [code, name] : rows) out[code] = name;
  return out;
}

}  // namespace zx::dialogue
