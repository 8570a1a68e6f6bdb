#include "http/kb_json.h"

#include <string>

namespace zx::http {

using nlohmann::json;

json KbVersionJson(const knowledge::EntryVersion& v, bool lists) {
  const knowledge::Entry& e = v.entry;
  json j = {{"id", e.id},
            {"version", e.version},
            {"status", knowledge::VersionStatusName(v.status)},
            {"kind", e.kind},
            {"department", e.department},
            {"sla", e.sla},
            {"title", e.title},
            {"effective", e.effective},
            {"source", e.source},
            {"answer", e.answer},
            {"editor", v.editor},
            {"reviewer", v.reviewer},
            {"note", v.note},
            {"review_note", v.review_note},
            {"created_ms", v.created_ms},
            {"reviewed_ms", v.reviewed_ms},
            {"published_ms", v.published_ms}};
  if (lists) {
    j["keywords"] = e.keywords;
    j["synonyms"] = e.synonyms;
    j["colloquial"] = e.colloquial;
    j["phrasings"] = e.phrasings;
  }
  return j;
}

json KbEntryRowJson(const knowledge::EntryRow& row, int64_t hits_7d) {
  json draft = nullptr;
  if (row.draft)
    draft = {{"version", row.draft->version},
             {"status", knowledge::VersionStatusName(row.draft->status)},
             {"editor", row.draft->editor}};
  return {{"id", row.id},
          {"title", row.title},
          {"kind", row.kind},
          {"area", row.area},
          {"department", row.department},
          {"version", row.version},
          {"effective", row.effective},
          {"status", knowledge::VersionStatusName(row.status)},
          {"draft", draft},
          {"hits_7d", hits_7d}};
}

json KbAreaJson(const knowledge::Area& area) {
  return {{"code", area.code}, {"name", area.name}, {"entries", area.entries}};
}

json KbDiffJson(const std::vector<knowledge::FieldChange>& fields,
                const std::vector<knowledge::DiffPiece>& answer) {
  json f = json::array();
  for (const auto& c : fields) {
    if (c.list)
      f.push_back(
          {{"field", c.field}, {"from", c.from_items}, {"to", c.to_items}, {"changed", c.changed}});
    else
      f.push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}, {"changed", c.changed}});
  }
  json a = json::array();
  for (const auto& p : answer) a.push_back({{"op", knowledge::DiffOpName(p.op)}, {"text", p.text}});
  return {{"fields", std::move(f)}, {"answer", std::move(a)}};
}

Status ApplyEntryJson(const json& body, knowledge::Entry& entry,
                      std::initializer_list<const char*> also) {
  if (!body.is_object()) return InvalidArgument("body: must be a JSON object");
  const std::pair<const char*, std::string knowledge::Entry::*> texts[] = {
      {"id", &knowledge::Entry::id},
      {"kind", &knowledge::Entry::kind},
      {"department", &knowledge::Entry::department},
      {"sla", &knowledge::Entry::sla},
      {"title", &knowledge::Entry::title},
      {"effective", &knowledge::Entry::effective},
      {"source", &knowledge::Entry::source},
      {"answer", &knowledge::Entry::answer}};
  const std::pair<const char*, std::vector<std::string> knowledge::Entry::*> lists[] = {
      {"keywords", &knowledge::Entry::keywords},
      {"synonyms", &knowledge::Entry::synonyms},
      {"colloquial", &knowledge::Entry::colloquial},
      {"phrasings", &knowledge::Entry::phrasings}};
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (const auto& [name, member] : texts) {
      if (key != name) continue;
      known = true;
      if (!value.is_string()) return InvalidArgument(key + ": must be a string");
      entry.*member = value.get<std::string>();
    }
    for (const auto& [name, member] : lists) {
      if (key != name) continue;
      known = true;
      if (!value.is_array()) return InvalidArgument(key + ": must be an array of strings");
      std::vector<std::string> items;
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string())
          return InvalidArgument(key + "[" + std::to_string(i) + "]: must be a string");
        items.push_back(value[i].get<std::string>());
      }
      entry.*member = std::move(items);
    }
    // "version", "status" and the history are the store's; a client may send them back.
    for (const char* k : {"version", "status", "editor", "reviewer", "review_note", "created_ms",
                          "reviewed_ms", "published_ms"})
      known = known || key == k;
    for (const char* k : also) known = known || key == k;
    if (!known) return InvalidArgument(key.substr(0, 64) + ": unknown field");
  }
  return Status::Ok();
}

}  // namespace zx::http
