#include "http/kb_entry_routes.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/kb_json.h"
#include "http/record_access.h"
#include "http/utf8.h"
#include "knowledge/kb_export.h"
#include "knowledge/version_diff.h"

namespace zx::http {
namespace {

using knowledge::EntryVersion;
using knowledge::KnowledgeStore;
using knowledge::VersionRef;
using nlohmann::json;

constexpr char kManage[] = "kb.manage";
constexpr char kEdit[] = "kb.edit";
constexpr char kReview[] = "kb.review";
constexpr char kObject[] = "kb_entry";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The field a validation message "FIELD: why" is about ("answer", "phrasings[3]"), or "".
std::string FieldOf(const std::string& message) {
  auto colon = message.find(": ");
  if (colon == std::string::npos || colon == 0 || colon > 40) return "";
  std::string field = message.substr(0, colon);
  bool ok = std::all_of(field.begin(), field.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '[' || c == ']';
  });
  return ok ? field : "";
}

// The JSON error, with "field" for a validation error about one field.
Response Error(const Status& s) {
  Response r = ErrorResponse(s);
  if (s.code() != Code::kInvalidArgument) return r;
  std::string field = FieldOf(s.message());
  if (field.empty()) return r;
  json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    j["error"]["field"] = field;
    r.body = Dump(j);
  }
  return r;
}

Result<json> BodyOf(const Request& req) {
  if (TrimBlank(req.body).empty()) return json::object();
  if (FindInvalidUtf8(req.body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument("request body must be a JSON object");
  return j;
}

// An optional string member; "FIELD: must be a string" otherwise.
Result<std::string> Str(const json& j, const char* name, size_t max = 2000) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max)
    return InvalidArgument(std::string(name) + ": is longer than " + std::to_string(max) +
                           " bytes");
  return v;
}

Result<int> PositiveInt(std::string_view text, const char* name) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1)
    return InvalidArgument(std::string(name) + ": must be a positive integer");
  return v;
}

Result<VersionRef> RefOf(const Request& req) {
  ZX_ASSIGN_OR_RETURN(int v, PositiveInt(req.PathParam("v"), "version"));
  return VersionRef{std::string(req.PathParam("id")), v};
}

class KbEntryRoutes {
 public:
  KbEntryRoutes(KnowledgeStore& store, security::AuditLog& audit, KbHits hits)
      : store_(store), guard_(&audit), hits_(std::move(hits)) {}

  Response Areas(const Request&) const {
    auto areas = store_.Areas();
    if (!areas.ok()) return Error(areas.status());
    json items = json::array();
    for (const auto& a : *areas) items.push_back(KbAreaJson(a));
    return Response::Json(200, {{"areas", std::move(items)}});
  }

  Response List(const Request& req) const {
    knowledge::EntryFilter f;
    f.area = std::string(req.Query("area").value_or(""));
    f.kind = std::string(req.Query("kind").value_or(""));
    f.status = std::string(req.Query("status").value_or(""));
    f.q = std::string(req.Query("q").value_or("").substr(0, 200));
    int page = 1, per_page = 20;
    if (auto p = req.Query("page")) {
      auto v = PositiveInt(*p, "page");
      if (!v.ok()) return Error(v.status());
      page = *v;
    }
    if (auto p = req.Query("per_page")) {
      auto v = PositiveInt(*p, "per_page");
      if (!v.ok() || *v > 200) return Error(InvalidArgument("per_page: must be 1 to 200"));
      per_page = *v;
    }
    std::string sort(req.Query("sort").value_or(""));
    bool descending = !sort.empty() && sort[0] == '-';
    if (descending) sort = sort.substr(1);
    static const char* kSorts[] = {"", "id", "title", "effective", "version", "hits"};
    if (std::find_if(std::begin(kSorts), std::end(kSorts),
                     [&](const char* s) { return sort == s; }) == std::end(kSorts))
      return Error(InvalidArgument("sort: must be id, title, effective, version or hits"));
    auto rows = store_.List(f);
    if (!rows.ok()) return Error(rows.status());
    std::map<std::string, int64_t> hits = hits_ ? hits_() : std::map<std::string, int64_t>{};
    auto hit = [&](const std::string& id) {
      auto it = hits.find(id);
      return it == hits.end() ? int64_t{0} : it->second;
    };
    if (!sort.empty())
      std::stable_sort(rows->begin(), rows->end(), [&](const auto& a, const auto& b) {
        if (sort == "id") return a.id < b.id;
        if (sort == "title") return a.title < b.title;
        if (sort == "effective") return a.effective < b.effective;
        if (sort == "version") return a.version < b.version;
        return hit(a.id) < hit(b.id);
      });
    if (descending) std::reverse(rows->begin(), rows->end());
    json items = json::array();
    const size_t first = static_cast<size_t>(page - 1) * per_page;
    for (size_t i = first; i < rows->size() && i < first + per_page; ++i)
      items.push_back(KbEntryRowJson((*rows)[i], hit((*rows)[i].id)));
    return Response::Json(200, {{"total", rows->size()},
                                {"page", page},
                                {"per_page", per_page},
                                {"items", std::move(items)}});
  }

  Response Entry(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto versions = store_.Versions(id);
    if (!versions.ok()) return Error(versions.status());
    auto current = store_.Current(id);
    if (!current.ok()) return Error(current.status());
    json list = json::array();
    for (const auto& v : *versions) list.push_back(KbVersionJson(v, false));
    return Response::Json(200, {{"current", KbVersionJson(*current)}, {"versions", list}});
  }

  Response Version(const Request& req) const {
    auto ref = RefOf(req);
    if (!ref.ok()) return Error(ref.status());
    return Answer(store_.Get(*ref));
  }

  Response Create(const Request& req) const {
    auto body = BodyOf(req);
    if (!body.ok()) return Error(body.status());
    knowledge::Entry e;
    Status applied = ApplyEntryJson(*body, e, {"note"});
    if (!applied.ok()) return Error(applied);
    auto note = Str(*body, "note");
    if (!note.ok()) return Error(note.status());
    auto ref = store_.CreateEntry(e, req.principal, *note);
    return Changed(req, ref, "kb.create", {{"note", *note}}, 201);
  }

  Response Draft(const Request& req) const {
    auto body = BodyOf(req);
    if (!body.ok()) return Error(body.status());
    std::string id(req.PathParam("id"));
    // The fields left out keep the open draft's values, or the current version's.
    auto versions = store_.Versions(id);
    if (!versions.ok()) return Error(versions.status());
    auto base = store_.Current(id);
    if (!base.ok()) return Error(base.status());
    knowledge::Entry e = base->entry;
    for (const auto& v : *versions)
      if (v.status == knowledge::VersionStatus::kDraft) e = v.entry;
    Status applied = ApplyEntryJson(*body, e, {"note"});
    if (!applied.ok()) return Error(applied);
    if (e.id != id) return Error(InvalidArgument("id: cannot change; create a new entry instead"));
    auto note = Str(*body, "note");
    if (!note.ok()) return Error(note.status());
    return Changed(req, store_.SaveDraft(e, req.principal, *note), "kb.draft", {{"note", *note}});
  }

  Response Phrasings(const Request& req) const {
    auto body = BodyOf(req);
    if (!body.ok()) return Error(body.status());
    auto it = body->find("phrasings");
    if (it == body->end() || !it->is_array() || it->empty())
      return Error(InvalidArgument("phrasings: must be a non-empty array of strings"));
    std::vector<std::string> phrasings;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string())
        return Error(InvalidArgument("phrasings[" + std::to_string(i) + "]: must be a string"));
      phrasings.push_back((*it)[i].get<std::string>());
    }
    auto note = Str(*body, "note");
    if (!note.ok()) return Error(note.status());
    std::string id(req.PathParam("id"));
    return Changed(req, store_.AddDraftPhrasings(id, phrasings, req.principal, *note),
                   "kb.phrasings", {{"added", phrasings.size()}});
  }

  Response Submit(const Request& req) const {
    auto ref = RefOf(req);
    if (!ref.ok()) return Error(ref.status());
    auto v = store_.Submit(*ref, req.principal);
    if (!v.ok()) return Error(v.status());
    return Recorded(req, *v, "kb.submit", json::object());
  }

  Response Approve(const Request& req) const {
    auto ref = RefOf(req);
    if (!ref.ok()) return Error(ref.status());
    auto body = BodyOf(req);
    if (!body.ok()) return Error(body.status());
    auto effective = Str(*body, "effective", 10);
    if (!effective.ok()) return Error(effective.status());
    auto note = Str(*body, "note");
    if (!note.ok()) return Error(note.status());
    auto a = store_.Approve(*ref, *effective, req.principal, *note);
    if (!a.ok()) return Error(a.status());
    return Recorded(req, a->version, a->alone ? "kb.publish_alone" : "kb.approve",
                    {{"effective", a->version.entry.effective},
                     {"status", knowledge::VersionStatusName(a->version.status)},
                     {"editor", a->version.editor}});
  }

  Response Reject(const Request& req) const {
    auto ref = RefOf(req);
    if (!ref.ok()) return Error(ref.status());
    auto body = BodyOf(req);
    if (!body.ok()) return Error(body.status());
    auto reason = Str(*body, "reason");
    if (!reason.ok()) return Error(reason.status());
    auto v = store_.Reject(*ref, *reason, req.principal);
    if (!v.ok()) return Error(v.status());
    return Recorded(req, *v, "kb.reject", {{"reason", *reason}});
  }

  Response Restore(const Request& req) const {
    auto ref = RefOf(req);
    if (!ref.ok()) return Error(ref.status());
    return Changed(req, store_.Restore(*ref, req.principal), "kb.restore",
                   {{"from_version", ref->version}});
  }

  Response Diff(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto from = PositiveInt(req.Query("from").value_or(""), "from");
    if (!from.ok()) return Error(from.status());
    auto to = PositiveInt(req.Query("to").value_or(""), "to");
    if (!to.ok()) return Error(to.status());
    auto a = store_.Get({id, *from});
    if (!a.ok()) return Error(a.status());
    auto b = store_.Get({id, *to});
    if (!b.ok()) return Error(b.status());
    return Response::Json(200, KbDiffJson(knowledge::DiffFields(a->entry, b->entry),
                                          knowledge::DiffWords(a->entry.answer, b->entry.answer)));
  }

  Response Review(const Request&) const {
    auto queue = store_.ReviewQueue();
    if (!queue.ok()) return Error(queue.status());
    json items = json::array();
    for (const auto& v : *queue) items.push_back(KbVersionJson(v));
    return Response::Json(200, {{"items", std::move(items)}});
  }

  Response Export(const Request& req) const {
    std::string format(req.Query("format").value_or("toml"));
    std::string area(req.Query("area").value_or(""));
    if (format != "toml" && format != "xlsx")
      return Error(InvalidArgument("format: must be toml or xlsx"));
    auto kb = store_.AsOf(store_.Today());
    if (!kb.ok()) return Error(kb.status());
    if (!area.empty())
      std::erase_if(kb->entries, [&](const knowledge::Entry& e) {
        return e.id.substr(0, e.id.find('.')) != area;
      });
    std::string name = area.empty() ? "kb" : "kb-" + area;
    for (char& c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) c = '_';
    Status recorded =
        guard_.Record(req, "kb.export", kObject, "",
                      Dump({{"format", format}, {"area", area}, {"entries", kb->entries.size()}}));
    if (!recorded.ok()) return Error(recorded);
    Response r;
    if (format == "xlsx") {
      auto bytes = knowledge::EntriesXlsx(*kb);
      if (!bytes.ok()) return Error(bytes.status());
      r = Response::Text(200, std::move(*bytes),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      name += ".xlsx";
    } else {
      std::string area_name;
      if (auto areas = store_.Areas(); areas.ok())
        for (const auto& a : *areas)
          if (a.code == area) area_name = a.name;
      r = Response::Text(200, knowledge::EntriesToml(kb->entries, area_name),
                         "application/toml; charset=utf-8");
      name += ".toml";
    }
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
    return r;
  }

 private:
  Response Answer(const Result<EntryVersion>& v) const {
    if (!v.ok()) return Error(v.status());
    return Response::Json(200, KbVersionJson(*v));
  }

  // After a change that made or updated a draft: audited, answered with the draft.
  Response Changed(const Request& req, const Result<VersionRef>& ref, std::string_view action,
                   json details, int status = 200) const {
    if (!ref.ok()) return Error(ref.status());
    auto v = store_.Get(*ref);
    if (!v.ok()) return Error(v.status());
    return Recorded(req, *v, action, std::move(details), status);
  }

  Response Recorded(const Request& req, const EntryVersion& v, std::string_view action,
                    json details, int status = 200) const {
    details["version"] = v.entry.version;
    Status recorded = guard_.Record(req, action, kObject, v.entry.id, Dump(details));
    if (!recorded.ok()) return Error(recorded);
    return Response::Json(status, KbVersionJson(v));
  }

  KnowledgeStore& store_;
  RecordGuard guard_;
  KbHits hits_;
};

}  // namespace

void AddKbEntryRoutes(Router& router, KnowledgeStore& store, security::AuditLog& audit,
                      KbHits hits_7d) {
  auto r = std::make_shared<KbEntryRoutes>(store, audit, std::move(hits_7d));
  auto bind = [r](Response (KbEntryRoutes::*m)(const Request&) const) {
    return [r, m](const Request& req) { return ((*r).*m)(req); };
  };
  const std::string e = "/api/v1/kb/entries";
  const std::string v = e + "/{id}/versions/{v}";
  router.Add("GET", "/api/v1/kb/areas", kManage, bind(&KbEntryRoutes::Areas));
  router.Add("GET", e, kManage, bind(&KbEntryRoutes::List));
  router.Add("POST", e, kEdit, bind(&KbEntryRoutes::Create));
  router.Add("GET", e + "/{id}", kManage, bind(&KbEntryRoutes::Entry));
  router.Add("PUT", e + "/{id}/draft", kEdit, bind(&KbEntryRoutes::Draft));
  router.Add("POST", e + "/{id}/phrasings", kEdit, bind(&KbEntryRoutes::Phrasings));
  router.Add("GET", e + "/{id}/diff", kManage, bind(&KbEntryRoutes::Diff));
  router.Add("GET", v, kManage, bind(&KbEntryRoutes::Version));
  router.Add("POST", v + "/submit", kEdit, bind(&KbEntryRoutes::Submit));
  router.Add("POST", v + "/approve", kReview, bind(&KbEntryRoutes::Approve));
  router.Add("POST", v + "/reject", kReview, bind(&KbEntryRoutes::Reject));
  router.Add("POST", v + "/restore", kEdit, bind(&KbEntryRoutes::Restore));
  router.Add("GET", "/api/v1/kb/review", kReview, bind(&KbEntryRoutes::Review));
  router.Add("GET", "/api/v1/kb/export", kManage, bind(&KbEntryRoutes::Export));
}

}  // namespace zx::http
