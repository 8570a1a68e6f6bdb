#include "http/kb_test_routes.h"

#include <atomic>
#include <filesystem>

#include "base/log.h"
#include "base/worker.h"
#include "dialogue/emotion.h"
#include "dialogue/escalation.h"
#include "http/errors.h"
#include "http/kb_test_json.h"
#include "http/record_access.h"
#include "text/normalizer.h"

namespace zx::http {
namespace {

using knowledge::HitTester;
using nlohmann::ordered_json;

constexpr char kTest[] = "kb.test";
constexpr char kEdit[] = "kb.edit";
constexpr char kXlsxType[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// In the documented key order.
Response JsonOk(int status, const ordered_json& j) {
  Response r;
  r.status = status;
  r.body = Dump(j);
  return r;
}

// A 400 with the body field it is about.
Response FieldError(const Status& s, const std::string& field) {
  Response r = ErrorResponse(s);
  if (field.empty()) return r;
  ordered_json j = {
      {"error", {{"code", CodeName(s.code())}, {"message", s.message()}, {"field", field}}}};
  r.body = Dump(j);
  return r;
}

class KbTestRoutes {
 public:
  KbTestRoutes(std::shared_ptr<HitTester> tester, security::AuditLog& audit)
      : tester_(std::move(tester)), guard_(&audit), worker_("zx-kb-tests") {}

  Response HitTest(const Request& req) {
    std::string field;
    auto parsed = ParseHitTestRequest(req.body, &field);
    if (!parsed.ok()) return FieldError(parsed.status(), field);
    const bool published = parsed->source == knowledge::Source::kPublished;
    auto run = [tester = tester_, guard = guard_, req, in = std::move(parsed).value()] {
      auto t = tester->Run(in.question, in.source, in.as_of, req.principal.name);
      if (!t.ok()) return ErrorResponse(t.status());
      Status audited = guard.Record(req, "kb.hit_test", "kb_hit_test", t->record.id,
                                    Dump({{"source", t->record.source},
                                          {"decision", t->record.decision},
                                          {"topic", t->record.topic}}));
      if (!audited.ok()) return ErrorResponse(audited);
      return JsonOk(200, HitTestJson(*t));
    };
    // The published engine is built already: a few milliseconds, answer at once.
    if (published) return run();
    return Later(std::move(run));
  }

  Response History(const Request& req) const {
    int limit = 50;
    if (auto v = req.Query("limit")) {
      try {
        size_t used = 0;
        limit = std::stoi(std::string(*v), &used);
        if (used != v->size() || limit < 1 || limit > 500) throw std::out_of_range("limit");
      } catch (const std::exception&) {
        return FieldError(InvalidArgument("limit must be a whole number 1-500"), "limit");
      }
    }
    auto list = tester_->History(limit);
    if (!list.ok()) return ErrorResponse(list.status());
    ordered_json items = ordered_json::array();
    for (const auto& r : *list) items.push_back(HitTestShortJson(r));
    return JsonOk(200, {{"items", std::move(items)}});
  }

  Response Expected(const Request& req) {
    std::string field;
    auto topic = ParseExpectedRequest(req.body, &field);
    if (!topic.ok()) return FieldError(topic.status(), field);
    std::string id(req.PathParam("id"));
    auto marked = tester_->MarkExpected(id, *topic, req.principal.name);
    if (!marked.ok())
      return marked.status().code() == Code::kInvalidArgument ? FieldError(marked.status(), "topic")
                                                              : ErrorResponse(marked.status());
    Status audited =
        guard_.Record(req, "kb.hit_test_expected", "kb_hit_test", id, Dump({{"topic", *topic}}));
    if (!audited.ok()) return ErrorResponse(audited);
    return JsonOk(200, HitTestShortJson(*marked));
  }

  Response CheckPhrasings(const Request& req) {
    std::string field;
    auto entry = ParseCheckPhrasingsRequest(req.body, &field);
    if (!entry.ok()) return FieldError(entry.status(), field);
    return Later([tester = tester_, e = std::move(entry).value()] {
      auto checks = tester->CheckPhrasings(e);
      if (!checks.ok()) return ErrorResponse(checks.status());
      return JsonOk(200, PhrasingChecksJson(*checks));
    });
  }

  Response Batch(const Request& req) {
    auto text = [&](std::string_view name) {
      auto v = req.Query(name);
      return v ? std::string(v->substr(0, 128)) : std::string();
    };
    auto source = knowledge::ParseSource(text("source"));
    if (!source.ok()) return FieldError(source.status(), "source");
    if (req.body.empty())
      return ErrorResponse(
          InvalidArgument("send the questions as the body: TSV, CSV or XLSX with the columns "
                          "question and expected"));
    std::string name = text("name");
    if (name.empty()) name = text("file");
    return Later(
        [tester = tester_, guard = guard_, req, source = *source, as_of = text("as_of"), name] {
          auto report = tester->Batch(req.body, name, source, as_of, req.principal.name);
          if (!report.ok()) return ErrorResponse(report.status());
          const auto& s = report->summary;
          Status audited = guard.Record(req, "kb.batch_test", "kb_batch_test", s.id,
                                        Dump({{"source", s.source},
                                              {"total", s.total},
                                              {"top1", s.top1},
                                              {"errors", report->errors.size()}}));
          if (!audited.ok()) return ErrorResponse(audited);
          return JsonOk(201, BatchReportJson(*report));
        });
  }

  Response BatchGet(const Request& req) const {
    std::string id(req.PathParam("id"));
    const bool xlsx = id.size() > 5 && id.compare(id.size() - 5, 5, ".xlsx") == 0;
    if (xlsx) id.resize(id.size() - 5);
    auto report = tester_->BatchReportOf(id);
    if (!report.ok()) return ErrorResponse(report.status());
    if (!xlsx) return JsonOk(200, BatchReportJson(*report));
    auto bytes = knowledge::BatchXlsx(*report);
    if (!bytes.ok()) return ErrorResponse(bytes.status());
    Response r = Response::Text(200, std::move(bytes).value(), kXlsxType);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"batch-test-" + id + ".xlsx\"");
    return r;
  }

 private:
  // `work` on the worker; the answer when it is done. 503 when too much is waiting already.
  Response Later(std::function<Response()> work) {
    if (queued_->load() >= kMaxQueued)
      return ErrorResponse(Unavailable("too many knowledge-base tests in progress; try again"));
    return Response::Later([this, queued = queued_, work = std::move(work)](Responder done) {
      ++*queued;
      bool posted = worker_.Post([queued, work, done] {
        Response r;
        try {
          r = work();
        } catch (const std::exception& e) {
          log::Error("kb.test_failed error=\"{}\"", e.what());
          r = ErrorResponse(Internal("the test failed; see the server log"));
        }
        --*queued;
        done(std::move(r));
      });
      if (!posted) {
        --*queued;
        done(ErrorResponse(Unavailable("the server is stopping")));
      }
    });
  }

  std::shared_ptr<HitTester> tester_;
  RecordGuard guard_;
  std::shared_ptr<std::atomic<int>> queued_ = std::make_shared<std::atomic<int>>(0);
  Worker worker_;  // last: stopped (its tasks run) before the rest goes
};

// The routes, each answering 503 with `why`.
void AddUnavailable(Router& router, const std::string& why) {
  auto h = [why](const Request&) { return ErrorResponse(Unavailable(why)); };
  router.Add("POST", "/api/v1/kb/hit-test", kTest, h);
  router.Add("GET", "/api/v1/kb/hit-tests", kTest, h);
  router.Add("POST", "/api/v1/kb/hit-tests/{id}/expected", kTest, h);
  router.Add("POST", "/api/v1/kb/check-phrasings", kEdit, h);
  router.Add("POST", "/api/v1/kb/batch-tests", kTest, h);
  router.AllowBodyUpTo(kMaxBatchUploadBytes);
  router.Add("GET", "/api/v1/kb/batch-tests/{id}", kTest, h);
}

// The tester and what it needs, kept alive by the routes.
struct Owned {
  std::unique_ptr<knowledge::KbTestStore> store;
};

}  // namespace

Result<knowledge::HandoverCheck> DialogueHandoverCheck(const std::string& kb_dir) {
  const std::filesystem::path kb = kb_dir;
  ZX_ASSIGN_OR_RETURN(dialogue::RiskDetector risks,
                      dialogue::RiskDetector::Load((kb / "risks.toml").string()));
  ZX_ASSIGN_OR_RETURN(dialogue::EmotionDetector emotions,
                      dialogue::EmotionDetector::Load((kb / "emotions.toml").string()));
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::Normalizer> created, text::Normalizer::Create());
  std::shared_ptr<const text::Normalizer> normalizer = std::move(created);
  return knowledge::HandoverCheck(
      [risks, emotions, normalizer](std::string_view question, const knowledge::Answer& answer) {
        std::string norm = normalizer->Normalize(question);
        std::vector<dialogue::RiskHit> hits = risks.Detect(norm);
        dialogue::EscalationInput in;
        in.asked_for_human = answer.topic == "meta.human";
        in.outcome = dialogue::TurnOutcome::kNeutral;  // one question: no run of failures
        in.emotion_levels = emotions.Detect(norm).levels;
        in.risks = hits;
        dialogue::EscalationState state;
        dialogue::EscalationDecision d = dialogue::DecideEscalation(in, &state);
        return knowledge::Handover{d.handoff, d.reason_code, d.reason_text};
      });
}

void AddKbTestRoutes(Router& router, std::shared_ptr<HitTester> tester, security::AuditLog& audit) {
  auto routes = std::make_shared<KbTestRoutes>(std::move(tester), audit);
  router.Add("POST", "/api/v1/kb/hit-test", kTest,
             [routes](const Request& req) { return routes->HitTest(req); });
  router.Add("GET", "/api/v1/kb/hit-tests", kTest,
             [routes](const Request& req) { return routes->History(req); });
  router.Add("POST", "/api/v1/kb/hit-tests/{id}/expected", kTest,
             [routes](const Request& req) { return routes->Expected(req); });
  router.Add("POST", "/api/v1/kb/check-phrasings", kEdit,
             [routes](const Request& req) { return routes->CheckPhrasings(req); });
  router.Add("POST", "/api/v1/kb/batch-tests", kTest,
             [routes](const Request& req) { return routes->Batch(req); });
  router.AllowBodyUpTo(kMaxBatchUploadBytes);
  router.Add("GET", "/api/v1/kb/batch-tests/{id}", kTest,
             [routes](const Request& req) { return routes->BatchGet(req); });
}

void AddKbTestRoutes(Router& router, KbTestWiring w) {
  auto store = knowledge::KbTestStore::Open(w.db);
  auto handover = DialogueHandoverCheck(w.config.kb_dir);
  Status s = !store.ok() ? store.status() : handover.status();
  if (!s.ok()) {
    log::Error("kb.tests_unavailable error=\"{}\"", s.message());
    AddUnavailable(router, "knowledge-base tests are unavailable: " + s.message());
    return;
  }
  knowledge::HitTesterOptions options;
  options.engine = knowledge::EngineOptionsFrom(w.config, "");
  options.work_root = (std::filesystem::path(w.data_dir) / "kb-tests").string();
  std::error_code ec;
  std::filesystem::remove_all(options.work_root, ec);  // engines of a previous run
  auto owned = std::make_shared<Owned>();
  owned->store = std::move(store).value();
  auto* tester = new HitTester(*owned->store, std::move(w.published), std::move(w.draft),
                               std::move(w.as_of), std::move(handover).value(), options,
                               w.clock ? *w.clock : SystemClock::Instance());
  // The store lives as long as the tester.
  std::shared_ptr<HitTester> shared(tester, [owned](HitTester* t) { delete t; });
  AddKbTestRoutes(router, std::move(shared), w.audit);
}

}  // namespace zx::http
