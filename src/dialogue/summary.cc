#include "dialogue/summary.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace zx::dialogue {
namespace {

using nlohmann::json;

// 诉求类型: what the citizen called it (举报, 表扬), else by the kind of topic; the most serious
// kind heard wins.
std::string RequestType(const std::vector<const knowledge::Entry*>& entries,
                        const std::vector<std::string>& said) {
  for (const char* t : {"举报", "表扬"})
    if (std::find(said.begin(), said.end(), t) != said.end() &&
        (std::string(t) == "举报" || entries.empty()))
      return t;
  std::string type = "咨询";
  int rank = 0;
  for (const auto* e : entries) {
    std::string t = e->kind == "complaint"
                        ? (e->sla == "7d" && e->department == "jd" ? "建议" : "投诉")
                    : e->kind == "query" ? "求助"
                                         : "咨询";
    int r = t == "投诉" ? 3 : t == "建议" ? 2 : t == "求助" ? 1 : 0;
    if (r > rank) rank = r, type = t;
  }
  return type;
}

std::string SlaText(const std::string& sla) {
  return sla == "2h"    ? "2小时"
         : sla == "24h" ? "24小时"
         : sla == "7d"  ? "7个工作日"
         : sla == "15d" ? "15个工作日"
                        : sla;
}

}  // namespace

Summary MakeSevenElementSummary(const SummaryInput& in, const knowledge::KnowledgeBase& kb) {
  std::vector<const knowledge::Entry*> entries;
  for (const auto& t : in.topics) {
    const auto* e = kb.Find(t);
    if (e && e->kind != "meta") entries.push_back(e);
  }

  bool enterprise = false;
  for (const auto* e : entries) enterprise |= e->id.rfind("qy.", 0) == 0;
  Summary out;
  out.subject.type = enterprise ? "企业" : "个人";
  if (!in.districts.empty()) out.subject.district = in.districts[0];
  if (!in.contact.empty()) out.subject.contact = in.contact;
  if (!in.address.empty()) out.subject.address = in.address;
  if (!in.age_band.empty()) out.subject.age_band = in.age_band;
  for (const auto* e : entries) {
    auto used = in.versions.find(e->id);
    out.policies.push_back(
        {e->id, e->title, used == in.versions.end() ? e->version : used->second});
  }

  std::vector<std::string> advice, todo;
  // A danger (injury, fire, gas, collapse...) is dealt with within 2 hours, whatever the topic's
  // usual time limit.
  auto sla = [&](const knowledge::Entry* e) { return SlaText(in.danger ? "2h" : e->sla); };
  bool complaint = false;
  for (const auto* e : entries) {
    if (e->kind == "complaint" && in.ticket && !complaint) {
      // The order exists: the summary names it, its department and its real time limit.
      complaint = true;
      const TicketRef& t = *in.ticket;
      std::string where =
          t.department.empty() ? "待人工派单" : "派" + kb.DepartmentName(t.department) + "办理";
      advice.push_back("已登记工单" + t.id + "，" + where + "，时限" + SlaText(t.sla));
      todo.push_back("跟踪工单" + t.id + "办理进度（" + SlaText(t.sla) + "），办结后回访");
    } else if (e->kind == "complaint") {
      complaint = true;
      advice.push_back("登记工单，派" + kb.DepartmentName(e->department) + "办理，时限" + sla(e));
      todo.push_back("派单至" + kb.DepartmentName(e->department) + "（" + sla(e) +
                     "），办结后回访");
    } else if (e->kind == "query") {
      todo.push_back("核验身份后查询“" + e->title + "”进度并告知来电人");
    }
  }
  if (in.danger && !complaint) {
    advice.push_back("涉及人身或公共安全，立即登记工单，时限" + SlaText("2h"));
    todo.push_back("按紧急事项派单（2小时），办结后回访");
  }
  for (const auto& r : in.results) advice.push_back("已告知测算结果：" + r);
  if (in.handed_over) {
    advice.push_back("已转人工：" + in.handoff_reason);
    todo.push_back("人工坐席接续处理，避免重复询问已填信息");
  }
  if (entries.empty() && !in.handed_over) {
    advice.push_back("未识别明确诉求");
    todo.push_back("必要时回访确认诉求");
  }
  if (advice.empty()) advice.push_back("已按知识库答复并注明依据，无需后续处理");

  // 满意度预测: strong negative feelings or an unresolved exchange lower it.
  bool angry = false, pleased = false;
  for (const auto& e : in.emotions) {
    if (!e.any()) continue;
    bool negative = e.emotion == Emotion::kAnger || e.emotion == Emotion::kRage ||
                    e.emotion == Emotion::kDisappointment;
    angry |= negative && e.level >= Level::kMedium;
    pleased |= e.emotion == Emotion::kSatisfaction;
  }
  std::string satisfaction = angry                                        ? "不满意"
                             : in.handed_over || in.unresolved_turns >= 2 ? "基本满意"
                             : entries.empty() && !pleased                ? "基本满意"
                                                                          : "满意";
  std::string joined;
  for (const auto& a : advice) joined += (joined.empty() ? "" : "；") + a;
  out.request_type = RequestType(entries, in.request_types);
  out.advice = std::move(joined);
  out.todo = std::move(todo);
  out.risks = in.risks;
  out.satisfaction = std::move(satisfaction);
  return out;
}

std::string EncodeSummary(const Summary& s, bool with_contact) {
  const auto& sub = s.subject;
  json policies = json::array();
  for (const auto& p : s.policies)
    policies.push_back({{"topic", p.topic}, {"title", p.title}, {"version", p.version}});
  json j = {{"咨询主体",
             {{"type", sub.type},
              {"name", sub.name ? json(*sub.name) : json(nullptr)},
              {"district", sub.district ? json(*sub.district) : json(nullptr)},
              {"age_band", sub.age_band ? json(*sub.age_band) : json(nullptr)}}},
            {"诉求类型", s.request_type},
            {"涉及政策", policies},
            {"处理建议", s.advice},
            {"待办事项", s.todo},
            {"风险提示", s.risks},
            {"满意度预测", s.satisfaction}};
  if (!s.narrative.empty()) j["小结"] = {{"text", s.narrative}, {"written_by", s.narrative_by}};
  if (with_contact) {
    if (sub.contact) j["咨询主体"]["contact"] = *sub.contact;
    if (sub.address) j["咨询主体"]["address"] = *sub.address;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> SummaryFacts(const Summary& s) {
  auto joined = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : "；") + i;
    return out;
  };
  std::vector<std::string> out;
  std::string subject = "咨询主体：" + s.subject.type;
  if (s.subject.name) subject += "，" + *s.subject.name;
  if (s.subject.district) subject += "，" + *s.subject.district;
  out.push_back(subject + "。");
  if (!s.request_type.empty()) out.push_back("诉求类型：" + s.request_type + "。");
  if (!s.policies.empty()) {
    std::vector<std::string> titles;
    for (const auto& p : s.policies) titles.push_back("《" + p.title + "》");
    out.push_back("涉及政策：" + joined(titles) + "。");
  }
  if (!s.advice.empty()) out.push_back("处理建议：" + s.advice);
  if (!s.todo.empty()) out.push_back("待办事项：" + joined(s.todo) + "。");
  if (!s.risks.empty()) out.push_back("风险提示：" + joined(s.risks) + "。");
  if (!s.satisfaction.empty()) out.push_back("满意度预测：" + s.satisfaction + "。");
  return out;
}

std::optional<Summary> DecodeSummary(const std::string& stored) {
  json j = json::parse(stored, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  auto texts = [&](const json& v) {
    std::vector<std::string> out;
    if (v.is_array())
      for (const auto& t : v) out.push_back(text(t));
    return out;
  };
  auto opt = [](const json& v) {
    return v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
  };
  Summary s;
  const json subject = j.value("咨询主体", json::object());
  if (subject.is_object()) {
    s.subject.type = text(subject.value("type", json("个人")));
    s.subject.name = opt(subject.value("name", json(nullptr)));
    s.subject.district = opt(subject.value("district", json(nullptr)));
    s.subject.age_band = opt(subject.value("age_band", json(nullptr)));
    s.subject.contact = opt(subject.value("contact", json(nullptr)));
    s.subject.address = opt(subject.value("address", json(nullptr)));
  }
  s.request_type = text(j.value("诉求类型", json()));
  for (const auto& p : j.value("涉及政策", json::array()))
    if (p.is_object())
      s.policies.push_back(
          {text(p.value("topic", json())), text(p.value("title", json())), p.value("version", 1)});
  s.advice = text(j.value("处理建议", json()));
  s.todo = texts(j.value("待办事项", json()));
  s.risks = texts(j.value("风险提示", json()));
  s.satisfaction = text(j.value("满意度预测", json()));
  if (const json narrative = j.value("小结", json()); narrative.is_object()) {
    s.narrative = text(narrative.value("text", json()));
    s.narrative_by = text(narrative.value("written_by", json()));
  }
  return s;
}

}  // namespace zx::dialogue
