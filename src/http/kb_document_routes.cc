#include "http/kb_document_routes.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "http/errors.h"
#include "http/kb_document_json.h"
#include "http/record_access.h"
#include "http/utf8.h"
#include "text/document_text.h"

namespace zx::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr char kEdit[] = "kb.edit";
constexpr char kObject[] = "kb_document";
constexpr char kDocxType[] =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

// The fields a 400 may be about, as the message of the error starts.
constexpr const char* kFields[] = {"title",      "answer",   "source", "doc_number",
                                   "effective",  "entry_id", "kind",   "sla",
                                   "department", "note",     "reason", "name"};

Response JsonResponse(int status, const ordered_json& j) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return r;
}

// The error answer, with "field" when the message is about one.
Response Error(const Status& s) {
  Response r = ErrorResponse(s);
  if (s.code() != Code::kInvalidArgument) return r;
  std::string_view m = s.message();
  for (const char* f : kFields) {
    std::string_view name(f);
    if (m.substr(0, name.size()) == name && m.size() > name.size() && m[name.size()] == ' ') {
      return JsonResponse(
          400, {{"error", {{"code", CodeName(s.code())}, {"message", m}, {"field", name}}}});
    }
  }
  return r;
}

std::string Details(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// {n} of the path: a whole number from 1.
Result<int> NumberParam(const Request& req) {
  std::string_view v = req.PathParam("n");
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 1) return NotFound("no such proposal");
  return n;
}

Result<json> Body(const Request& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return InvalidArgument("the body must be a JSON object");
  return body;
}

// What every call on one proposal starts from: the document, {n}, and the JSON body.
struct ProposalCall {
  std::string id;
  int n = 0;
  json body;
};
Result<ProposalCall> ProposalCallOf(const Request& req) {
  ZX_ASSIGN_OR_RETURN(int n, NumberParam(req));
  ZX_ASSIGN_OR_RETURN(json body, Body(req));
  return ProposalCall{std::string(req.PathParam("id")), n, std::move(body)};
}

// "filename*=UTF-8''..." of RFC 6266/5987, and a plain ASCII fallback.
std::string Disposition(const std::string& name, const std::string& kind) {
  std::string encoded;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  return "attachment; filename=\"document." + kind + "\"; filename*=UTF-8''" + encoded;
}

class KbDocumentRoutes {
 public:
  KbDocumentRoutes(knowledge::DocumentImports* imports, security::AuditLog& audit)
      : imports_(imports), guard_(&audit) {}

  Response Upload(const Request& req) const {
    auto name = req.Query("name");
    std::string file = name ? std::string(TrimBlank(*name)) : "";
    if (file.empty() || FindInvalidUtf8(file) || file.size() > 200)
      return Error(InvalidArgument("name must be the file's name (up to 200 bytes of UTF-8)"));
    for (unsigned char c : file)
      if (c < 0x20 || c == 0x7f)
        return Error(InvalidArgument("name must not hold control characters"));
    if (req.body.empty()) return Error(InvalidArgument("the body must be the file; it is empty"));
    if (text::SniffDocumentKind(std::string_view(req.body).substr(0, 1024)) ==
        text::DocumentKind::kUnknown) {
      return ErrorResponse(415, "unsupported", "只支持 PDF 和 DOCX 文件：请另存为其中一种再上传");
    }
    auto job = imports_->Upload(file, req.body, req.principal);
    if (!job.ok()) {
      if (job.status().code() == Code::kResourceExhausted)
        return ErrorResponse(413, "too_large", job.status().message());
      return Error(job.status());
    }
    Status audited = guard_.Record(req, "kb.document.upload", kObject, job->id,
                                   Details({{"name", job->name}, {"bytes", job->bytes}}));
    if (!audited.ok()) return Error(audited);
    return JsonResponse(202, {{"id", job->id}, {"name", job->name}, {"status", job->status}});
  }

  Response List(const Request& req) const {
    int limit = 200;
    if (auto v = req.Query("limit")) {
      auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
      if (ec != std::errc() || end != v->data() + v->size() || limit < 1 || limit > 1000)
        return Error(
            InvalidArgument("query parameter limit must be a whole number from 1 to 1000"));
    }
    auto jobs = imports_->List(limit);
    if (!jobs.ok()) return Error(jobs.status());
    ordered_json items = ordered_json::array();
    for (const auto& j : *jobs) items.push_back(DocumentSummaryJson(j));
    return JsonResponse(200, {{"items", std::move(items)}});
  }

  Response Get(const Request& req) const {
    auto d = imports_->Get(std::string(req.PathParam("id")));
    if (!d.ok()) return Error(d.status());
    return JsonResponse(200, DocumentDetailJson(*d));
  }

  Response Edit(const Request& req) const {
    auto call = ProposalCallOf(req);
    if (!call.ok()) return Error(call.status());
    const auto& [id, n, body] = *call;
    auto edit_r = ProposalEditFromJson(body);
    if (!edit_r.ok()) return Error(edit_r.status());
    knowledge::ProposalEdit edit = std::move(edit_r).value();
    ordered_json fields = ordered_json::array();
    for (auto it = body.begin(); it != body.end(); ++it) fields.push_back(it.key());
    if (Status a = guard_.Record(req, "kb.document.edit", kObject, id,
                                 Details({{"n", n}, {"fields", fields}}));
        !a.ok())
      return Error(a);
    auto p = imports_->Edit(id, n, edit);
    if (!p.ok()) return Error(p.status());
    return JsonResponse(200, ProposalJson(*p));
  }

  Response Accept(const Request& req) const {
    auto call = ProposalCallOf(req);
    if (!call.ok()) return Error(call.status());
    const auto& [id, n, body] = *call;
    auto accept_r = AcceptRequestFromJson(body);
    if (!accept_r.ok()) return Error(accept_r.status());
    knowledge::AcceptRequest accept = std::move(accept_r).value();
    if (Status a = guard_.Record(req, "kb.document.accept", kObject, id,
                                 Details({{"n", n}, {"entry_id", accept.entry_id}}));
        !a.ok())
      return Error(a);
    auto r = imports_->Accept(id, n, accept, req.principal);
    if (!r.ok()) return Error(r.status());
    return JsonResponse(201, {{"draft", {{"id", r->draft.id}, {"version", r->draft.version}}},
                              {"proposal", ProposalJson(r->proposal)}});
  }

  Response Reject(const Request& req) const {
    auto call = ProposalCallOf(req);
    if (!call.ok()) return Error(call.status());
    const auto& [id, n, body] = *call;
    auto reason = body.find("reason");
    if (reason == body.end() || !reason->is_string())
      return Error(InvalidArgument("reason must be a string saying why"));
    if (Status a = guard_.Record(req, "kb.document.reject", kObject, id, Details({{"n", n}}));
        !a.ok())
      return Error(a);
    auto p = imports_->Reject(id, n, reason->get<std::string>(), req.principal);
    if (!p.ok()) return Error(p.status());
    return JsonResponse(200, ProposalJson(*p));
  }

  Response Original(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto d = imports_->Get(id);
    if (!d.ok()) return Error(d.status());
    auto original = imports_->Original(id);
    if (!original.ok()) return Error(original.status());
    auto bytes = ReadFile(original->first);
    if (!bytes.ok()) return Error(NotFound("the original file cannot be read"));
    const std::string& kind = original->second;
    Response r = Response::Text(200, std::move(bytes).value(),
                                kind == "pdf" ? "application/pdf" : kDocxType);
    r.headers.emplace_back("Content-Disposition", Disposition(d->job.name, kind));
    r.headers.emplace_back("Cache-Control", "private, no-store");
    return r;
  }

 private:
  knowledge::DocumentImports* imports_;
  RecordGuard guard_;
};

}  // namespace

void AddKbDocumentRoutes(Router& router, knowledge::DocumentImports* imports,
                         security::AuditLog& audit, KbDocumentRouteOptions options) {
  auto routes = std::make_shared<const KbDocumentRoutes>(imports, audit);
  using Method = Response (KbDocumentRoutes::*)(const Request&) const;
  auto bind = [routes, imports](Method m) -> Handler {
    return [routes, imports, m](const Request& req) {
      if (!imports)
        return ErrorResponse(Unavailable("document import is not available (see the server log)"));
      return ((*routes).*m)(req);
    };
  };
  const std::string base = "/api/v1/kb/documents";
  router.Add("POST", base, kEdit, bind(&KbDocumentRoutes::Upload));
  router.AllowBodyUpTo(options.max_upload_bytes);
  router.Add("GET", base, kEdit, bind(&KbDocumentRoutes::List));
  router.Add("GET", base + "/{id}", kEdit, bind(&KbDocumentRoutes::Get));
  router.Add("PUT", base + "/{id}/proposals/{n}", kEdit, bind(&KbDocumentRoutes::Edit));
  router.Add("POST", base + "/{id}/proposals/{n}/accept", kEdit, bind(&KbDocumentRoutes::Accept));
  router.Add("POST", base + "/{id}/proposals/{n}/reject", kEdit, bind(&KbDocumentRoutes::Reject));
  router.Add("GET", base + "/{id}/original", kEdit, bind(&KbDocumentRoutes::Original));
}

}  // namespace zx::http
