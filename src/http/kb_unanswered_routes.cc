#include "http/kb_unanswered_routes.h"

#include <charconv>
#include <memory>
#include <optional>

#include "http/errors.h"
#include "http/kb_unanswered_json.h"
#include "http/record_access.h"
#include "http/utf8.h"
#include "text/pii.h"

namespace zx::http {
namespace {

using nlohmann::json;

constexpr char kEdit[] = "kb.edit";
constexpr char kManage[] = "kb.manage";
constexpr char kObject[] = "kb_unanswered";
constexpr size_t kMaxQuestions = 20;
constexpr size_t kMaxQuestionChars = 200;
constexpr size_t kMaxReasonChars = 200;
constexpr size_t kMaxNoteChars = 500;

// A bad field of the body: 400 naming it.
struct FieldError {
  Status status;
  std::string field;
};

Response Error(const Status& s) { return ErrorResponse(s); }
Response Error(const FieldError& e) { return FieldErrorResponse(e.status, e.field); }

// The body as a JSON object, or what is wrong with it.
Result<json> BodyObject(const Request& req, std::string_view example) {
  if (FindInvalidUtf8(req.body)) return InvalidArgument("request body is not valid UTF-8");
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object())
    return InvalidArgument("request body must be a JSON object like " + std::string(example));
  return body;
}

// A string field, trimmed: required ones must be non-empty; at most `max` characters.
std::optional<FieldError> TextField(const json& body, const std::string& name, bool required,
                                    size_t max, std::string* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (!required) return std::nullopt;
    return FieldError{InvalidArgument("field \"" + name + "\" is required"), name};
  }
  if (!it->is_string())
    return FieldError{InvalidArgument("field \"" + name + "\" must be a string"), name};
  *out = std::string(TrimBlank(it->get_ref<const std::string&>()));
  if (required && out->empty())
    return FieldError{InvalidArgument("field \"" + name + "\" must not be empty"), name};
  if (CountCodePoints(*out) > max)
    return FieldError{InvalidArgument("field \"" + name + "\" is longer than " +
                                      std::to_string(max) + " characters"),
                      name};
  return std::nullopt;
}

Result<int> IntQuery(const Request& req, std::string_view name, int fallback, int lo, int hi) {
  auto v = req.Query(name);
  if (!v) return fallback;
  int out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < lo || out > hi)
    return InvalidArgument("query parameter " + std::string(name) + " must be a whole number " +
                           std::to_string(lo) + "-" + std::to_string(hi));
  return out;
}

struct Routes {
  knowledge::AnswerLog* log;
  KbUnansweredDeps deps;
  RecordGuard guard;

  json ClusterJson(const knowledge::UnansweredCluster& c) const {
    std::vector<knowledge::Suggestion> suggested;
    if (deps.suggest && !c.label.empty()) suggested = deps.suggest(c.label);
    return UnansweredClusterJson(c, suggested);
  }

  // The cluster, which must still be open (404, 409).
  Result<knowledge::UnansweredCluster> OpenCluster(const std::string& id) const {
    ZX_ASSIGN_OR_RETURN(knowledge::UnansweredCluster c, log->Cluster(id));
    if (c.status != knowledge::kClusterOpen)
      return FailedPrecondition("the cluster is " + c.status + " already");
    return c;
  }

  // Closes cluster `id` as `closing` after recording `action` (audited first: no unrecorded
  // change), and answers with the cluster as it is then.
  Response Close(const Request& req, const std::string& id, const std::string& action,
                 knowledge::ClusterClosing closing, json details, json extra = nullptr) const {
    closing.by = req.principal.id;
    Status recorded = guard.Record(req, action, kObject, id, details.dump());
    if (!recorded.ok()) return Error(recorded);
    if (Status s = log->Close(id, closing); !s.ok()) return Error(s);
    auto after = log->Cluster(id);
    if (!after.ok()) return Error(after.status());
    if (extra.is_null()) return Response::Json(200, ClusterJson(*after));
    extra["cluster"] = ClusterJson(*after);
    return Response::Json(200, extra);
  }
};

}  // namespace

std::function<std::vector<knowledge::Suggestion>(std::string_view)> SuggestWith(
    std::function<std::shared_ptr<const knowledge::KnowledgeEngine>()> current) {
  return [current = std::move(current)](std::string_view q) {
    auto engine = current();
    return engine ? knowledge::SuggestEntries(*engine, q) : std::vector<knowledge::Suggestion>{};
  };
}

void AddKbUnansweredRoutes(Router& router, knowledge::AnswerLog& log, security::AuditLog& audit,
                           Metrics& metrics, KbUnansweredDeps deps) {
  log.ExportGauge(metrics);
  auto routes = std::make_shared<const Routes>(Routes{&log, std::move(deps), RecordGuard(&audit)});

  router.Add("GET", "/api/v1/kb/unanswered", kEdit, [routes](const Request& req) {
    std::string status(req.Query("status").value_or(knowledge::kClusterOpen));
    auto limit = IntQuery(req, "limit", 100, 1, 500);
    if (!limit.ok()) return Error(limit.status());
    auto clusters = routes->log->Clusters(status, *limit);
    if (!clusters.ok()) return Error(clusters.status());
    auto open = routes->log->OpenClusters();
    if (!open.ok()) return Error(open.status());
    json items = json::array();
    for (const auto& c : *clusters) items.push_back(routes->ClusterJson(c));
    return Response::Json(200, {{"open", *open}, {"items", std::move(items)}});
  });

  router.Add("POST", "/api/v1/kb/unanswered/{id}/phrasings", kEdit, [routes](const Request& req) {
    const std::string id(req.PathParam("id"));
    auto body = BodyObject(req, R"({"entry_id": "yb.remote_filing", "questions": ["..."]})");
    if (!body.ok()) return Error(body.status());
    std::string entry_id, note;
    if (auto e = TextField(*body, "entry_id", true, 100, &entry_id)) return Error(*e);
    if (auto e = TextField(*body, "note", false, kMaxNoteChars, &note)) return Error(*e);
    auto qs = body->find("questions");
    if (qs == body->end() || !qs->is_array() || qs->empty() || qs->size() > kMaxQuestions)
      return Error(FieldError{InvalidArgument("field \"questions\" must be a list of 1-" +
                                              std::to_string(kMaxQuestions) + " questions"),
                              "questions"});
    std::vector<std::string> questions;
    for (size_t i = 0; i < qs->size(); ++i) {
      const std::string field = "questions[" + std::to_string(i) + "]";
      std::string q;
      if (auto e = TextField(json{{field, (*qs)[i]}}, field, true, kMaxQuestionChars, &q))
        return Error(*e);
      // Shown masked, but an editor may have typed one in: a phrasing never holds a number.
      questions.push_back(text::MaskText(q));
    }
    auto cluster = routes->OpenCluster(id);
    if (!cluster.ok()) return Error(cluster.status());
    if (!routes->deps.add_phrasings)
      return Error(Unavailable("adding phrasings to entries is not available on this server"));
    auto draft = routes->deps.add_phrasings(entry_id, questions, req.principal,
                                            note.empty() ? "未解答问题 " + id + " 的问法" : note);
    if (!draft.ok()) {
      const bool about_entry = draft.status().code() == Code::kNotFound;
      return about_entry ? Error(FieldError{draft.status(), "entry_id"}) : Error(draft.status());
    }
    return routes->Close(
        req, id, "kb.unanswered.phrasings", {"phrasings", draft->id, draft->version, "", ""},
        {{"entry_id", draft->id}, {"version", draft->version}, {"questions", questions.size()}},
        {{"id", draft->id}, {"version", draft->version}, {"status", "draft"}});
  });

  router.Add("POST", "/api/v1/kb/unanswered/{id}/resolve", kEdit, [routes](const Request& req) {
    const std::string id(req.PathParam("id"));
    auto body = BodyObject(req, R"({"entry_id": "yb.new_topic", "version": 1})");
    if (!body.ok()) return Error(body.status());
    std::string entry_id;
    if (auto e = TextField(*body, "entry_id", true, 100, &entry_id)) return Error(*e);
    auto v = body->find("version");
    if (v == body->end() || !v->is_number_integer() || v->get<int64_t>() < 1 ||
        v->get<int64_t>() > 1'000'000)
      return Error(FieldError{InvalidArgument("field \"version\" must be a whole number from 1"),
                              "version"});
    const int version = static_cast<int>(v->get<int64_t>());
    if (auto c = routes->OpenCluster(id); !c.ok()) return Error(c.status());
    return routes->Close(req, id, "kb.unanswered.resolve", {"new_entry", entry_id, version, "", ""},
                         {{"entry_id", entry_id}, {"version", version}, {"by", "new_entry"}});
  });

  router.Add("POST", "/api/v1/kb/unanswered/{id}/dismiss", kEdit, [routes](const Request& req) {
    const std::string id(req.PathParam("id"));
    auto body = BodyObject(req, R"({"reason": "不属于本热线受理范围"})");
    if (!body.ok()) return Error(body.status());
    std::string reason;
    if (auto e = TextField(*body, "reason", true, kMaxReasonChars, &reason)) return Error(*e);
    if (auto c = routes->OpenCluster(id); !c.ok()) return Error(c.status());
    return routes->Close(req, id, "kb.unanswered.dismiss", {"dismissed", "", 0, reason, ""},
                         {{"reason", reason}});
  });

  router.Add("GET", "/api/v1/kb/hits", kManage, [routes](const Request& req) {
    auto days = IntQuery(req, "days", 7, 1, 366);
    if (!days.ok()) return Error(days.status());
    auto since = AddDays(routes->log->Today(), -(*days - 1));
    if (!since.ok()) return Error(since.status());
    auto hits = routes->log->HitsSince(*since);
    if (!hits.ok()) return Error(hits.status());
    return Response::Json(200, HitsJson(*since, *days, *hits));
  });
}

}  // namespace zx::http
