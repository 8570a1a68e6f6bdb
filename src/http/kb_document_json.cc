#include "http/kb_document_json.h"

namespace zx::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// The string at `key` into `out` when present; an error naming the key when it is not a string.
Status OptionalString(const json& body, const char* key, std::optional<std::string>* out) {
  auto it = body.find(key);
  if (it == body.end()) return Status::Ok();
  if (!it->is_string()) return InvalidArgument(std::string(key) + " must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

ordered_json DocumentErrorJson(const knowledge::DocumentJob& job) {
  if (job.error_code.empty()) return nullptr;
  return ordered_json{{"code", job.error_code}, {"message", job.error_message}};
}

ordered_json DocumentSummaryJson(const knowledge::DocumentJob& job) {
  return ordered_json{{"id", job.id},
                      {"name", job.name},
                      {"kind", job.kind},
                      {"status", job.status},
                      {"progress", job.progress},
                      {"error", DocumentErrorJson(job)},
                      {"proposals", job.proposals},
                      {"open_proposals", job.open_proposals},
                      {"uploaded_by", job.uploaded_by},
                      {"created_ms", job.created_ms},
                      {"updated_ms", job.updated_ms}};
}

ordered_json ProposalJson(const knowledge::StoredProposal& s) {
  const knowledge::Proposal& p = s.proposal;
  ordered_json overlaps = ordered_json::array();
  for (const knowledge::Overlap& o : p.overlaps)
    overlaps.push_back({{"id", o.id}, {"title", o.title}, {"confidence", o.confidence}});
  ordered_json draft = nullptr;
  if (!s.draft_id.empty()) draft = {{"id", s.draft_id}, {"version", s.draft_version}};
  return ordered_json{
      {"n", p.n},
      {"title", p.title},
      {"answer", p.answer},
      {"source", p.source},
      {"doc_number", p.doc_number},
      {"effective", p.effective},
      {"excerpt", p.excerpt},
      // The engine when a language model wrote the answer; null: the text's own.
      {"written_by", p.written_by.empty() ? ordered_json() : ordered_json(p.written_by)},
      {"overlaps", std::move(overlaps)},
      {"state", s.state},
      {"reason", s.reason},
      {"draft", std::move(draft)},
      {"decided_by", s.decided_by},
      {"decided_ms", s.decided_ms ? ordered_json(s.decided_ms) : ordered_json()}};
}

ordered_json DocumentDetailJson(const knowledge::DocumentDetail& d) {
  ordered_json j = DocumentSummaryJson(d.job);
  j["bytes"] = d.job.bytes;
  j["pages"] = d.job.pages;
  j["title"] = d.job.title;
  j["source"] = d.job.source;
  j["doc_number"] = d.job.doc_number;
  j["issued"] = d.job.issued;
  j["effective"] = d.job.effective;
  j["text"] = d.job.text;
  ordered_json proposals = ordered_json::array();
  for (const knowledge::StoredProposal& p : d.proposals) proposals.push_back(ProposalJson(p));
  j["proposals"] = std::move(proposals);
  return j;
}

Result<knowledge::ProposalEdit> ProposalEditFromJson(const json& body) {
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  knowledge::ProposalEdit e;
  ZX_RETURN_IF_ERROR(OptionalString(body, "title", &e.title));
  ZX_RETURN_IF_ERROR(OptionalString(body, "answer", &e.answer));
  ZX_RETURN_IF_ERROR(OptionalString(body, "source", &e.source));
  ZX_RETURN_IF_ERROR(OptionalString(body, "doc_number", &e.doc_number));
  ZX_RETURN_IF_ERROR(OptionalString(body, "effective", &e.effective));
  return e;
}

Result<knowledge::AcceptRequest> AcceptRequestFromJson(const json& body) {
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  knowledge::AcceptRequest r;
  std::optional<std::string> entry_id, kind, department, sla, note;
  ZX_RETURN_IF_ERROR(OptionalString(body, "entry_id", &entry_id));
  ZX_RETURN_IF_ERROR(OptionalString(body, "kind", &kind));
  ZX_RETURN_IF_ERROR(OptionalString(body, "department", &department));
  ZX_RETURN_IF_ERROR(OptionalString(body, "sla", &sla));
  ZX_RETURN_IF_ERROR(OptionalString(body, "note", &note));
  if (!entry_id) return InvalidArgument("entry_id is required");
  r.entry_id = *entry_id;
  if (kind) r.kind = *kind;
  if (department) r.department = *department;
  if (sla) r.sla = *sla;
  if (note) r.note = *note;
  return r;
}

}  // namespace zx::http
