#include "tickets/intake.h"

#include <filesystem>
#include <sstream>

#include "base/file.h"
#include "base/toml_file.h"

namespace zx::tickets {
namespace {

void Replace(std::string& s, std::string_view key, const std::string& value) {
  for (size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size()))
    s.replace(at, key.size(), value);
}

void Keep(std::vector<FilledField>& fields, const std::string& name,
          const std::optional<std::string>& value, double confidence) {
  if (value && !value->empty()) fields.push_back({name, *value, confidence, std::nullopt, ""});
}

}  // namespace

Result<Classifier> LearnedRouter(const std::string& data_dir, const RouterTextOptions& options) {
  const std::string path = RouterModel::PathIn(data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Classifier{};
  ZX_ASSIGN_OR_RETURN(std::shared_ptr<const RouterText> text, RouterText::Create(options));
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<RouterModel> loaded, RouterModel::Load(path, text));
  std::shared_ptr<const RouterModel> model = std::move(loaded);
  return Classifier([model](std::string_view t) -> std::optional<CategoryGuess> {
    RoutePrediction p = model->Predict(t, 0);
    if (p.label.empty()) return std::nullopt;
    return CategoryGuess{p.label, p.confidence};
  });
}

std::string TierText(Tier tier) {
  switch (tier) {
    case Tier::k2h:
      return "2小时";
    case Tier::k24h:
      return "24小时";
    case Tier::k7d:
      return "7个工作日";
    case Tier::k15d:
      return "15个工作日";
  }
  return "";
}

Result<std::unique_ptr<Intake>> Intake::Open(const std::string& kb_dir, const AutoFiller& filler,
                                             WorkOrders& orders, Classifier classify) {
  namespace fs = std::filesystem;
  std::unique_ptr<Intake> in(new Intake(filler, orders, std::move(classify)));
  const std::string path = (fs::path(kb_dir) / "tickets" / "messages.toml").string();
  ZX_ASSIGN_OR_RETURN(toml::table root, ReadTomlFile(path));
  const toml::table* citizen = root["citizen"].as_table();
  if (!citizen) return InvalidArgument(path + ": a [citizen] table is required");
  for (const char* state : {"dispatched", "pending", "merged"}) {
    auto text = (*citizen)[state].value<std::string>();
    if (!text || text->empty())
      return InvalidArgument(path + ": [citizen] needs the sentence '" + state + "'");
    in->messages_[state] = *text;
  }
  // departments.tsv: "code<TAB>name", a header line first.
  auto tsv = ReadFile((fs::path(kb_dir) / "departments.tsv").string());
  if (tsv.ok()) {
    std::istringstream lines(*tsv);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      auto tab = line.find('\t');
      if (tab != std::string::npos) in->departments_[line.substr(0, tab)] = line.substr(tab + 1);
    }
  }
  return in;
}

std::string Intake::DepartmentName(const std::string& code) const {
  auto it = departments_.find(code);
  return it == departments_.end() ? code : it->second;
}

Draft Intake::MakeDraft(const IntakeRequest& r) const {
  AutofillInput input;
  input.text = r.text;
  input.topic = r.topic;
  if (classify_) input.category = classify_(r.text);
  input.known_contact = r.contact;
  Draft d = filler_.Fill(input);
  if (!d.district.value && r.districts.size() == 1) d.district = {r.districts[0], 0.8, true};
  if (r.danger) d.tier.value = MoreUrgent(d.tier.value, Tier::k2h);
  return d;
}

Result<Order> Intake::Create(const IntakeRequest& r, const std::string& actor) {
  Draft d = MakeDraft(r);
  NewOrder n;
  n.channel = r.channel;
  n.conversation_id = r.conversation_id;
  n.text = r.text;
  n.summary = d.summary.value;
  n.topic = d.topic.value.value_or("");
  n.category = d.category.value.value_or("");
  n.district = d.district.value.value_or("");
  n.place = d.place.value.value_or("");
  n.tier = d.tier.value;
  n.urgent = !d.dangers.empty() || r.danger;
  n.confidence = d.confidence;
  n.departments = d.departments.value;
  n.contact = d.contact.value.value_or(r.contact);
  n.name = r.name;
  n.address = r.address;
  Keep(n.fields, "topic", d.topic.value, d.topic.confidence);
  Keep(n.fields, "category", d.category.value, d.category.confidence);
  Keep(n.fields, "district", d.district.value, d.district.confidence);
  Keep(n.fields, "place", d.place.value, d.place.confidence);
  Keep(n.fields, "sla", std::string(TierName(d.tier.value)), d.tier.confidence);
  Keep(n.fields, "summary", d.summary.value, d.summary.confidence);
  if (auto lead = d.Lead()) Keep(n.fields, "department", *lead, d.departments.confidence);
  return orders_.Create(n, actor);
}

std::string Intake::CitizenNotice(const Order& order) const {
  const char* key = order.state == OrderState::kMerged            ? "merged"
                    : order.state == OrderState::kPendingDispatch ? "pending"
                                                                  : "dispatched";
  std::string text = messages_.at(key);
  Replace(text, "{id}", order.state == OrderState::kMerged ? order.merged_into : order.id);
  Replace(text, "{department}", DepartmentName(order.LeadDepartment()));
  Replace(text, "{limit}", TierText(order.tier));
  return text;
}

}  // namespace zx::tickets
