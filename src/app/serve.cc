// `zhixian serve`: the long-running server. Builds everything once, serves until SIGINT/SIGTERM,
// or drains first on SIGUSR1 (`zhixian drain`).
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/llm_wiring.h"
#include "app/security_context.h"
#include "app/voice_service.h"
#include "base/log.h"
#include "base/pid_file.h"
#include "base/readiness.h"
#include "base/stop_signal.h"
#include "campaigns/campaign_metrics.h"
#include "campaigns/campaign_service.h"
#include "campaigns/message_visits.h"
#include "campaigns/notice_calls.h"
#include "campaigns/return_visits.h"
#include "demo/seed.h"
#include "dialogue/callback_store.h"
#include "dialogue/desk.h"
#include "http/admin_routes.h"
#include "http/agent_desk_routes.h"
#include "http/callback_routes.h"
#include "http/campaign_routes.h"
#include "http/conversation_routes.h"
#include "http/conversation_ws.h"
#include "http/dashboard_routes.h"
#include "http/kb_document_routes.h"
#include "http/kb_entry_routes.h"
#include "http/kb_test_routes.h"
#include "http/kb_unanswered_routes.h"
#include "http/knowledge_routes.h"
#include "http/notice_call_routes.h"
#include "http/server.h"
#include "http/staff_event_routes.h"
#include "http/staff_routes.h"
#include "http/static_files.h"
#include "http/system_routes.h"
#include "http/ticket_report_routes.h"
#include "http/ticket_routes.h"
#include "security/key_file.h"
#include "storage/leases.h"
#include "storage/notifications.h"
#include "tickets/ticket_clock.h"
#include "voice/refused_calls.h"
#include "voice/turn_metrics.h"

namespace zx::app {
int RunServe(const CommonFlags& flags, const std::string& http_addr, const std::string& sip_addr) {
  // Block the stop signals in every thread; the main thread waits for them.
  BlockStopSignals();

  // The default key file (security.key_file = "auto"), made on the first start so that what
  // is sealed stays readable after a restart (docs/security.md).
  auto keys_config = LoadAppConfig(flags);
  Status keys = keys_config.ok() ? security::PrepareDefaultKeyFile(keys_config->security.key_file,
                                                                   keys_config->data.dir,
                                                                   SystemClock::Instance())
                                 : keys_config.status();
  if (!keys.ok()) {
    std::cerr << "zhixian: " << keys.message() << "\n";
    return keys.code() == Code::kUnavailable ? 1 : 2;
  }
  auto ctx = OpenApp(flags);
  if (!ctx.ok()) {
    std::cerr << "zhixian: " << ctx.status().message() << "\n";
    return ctx.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  Config& config = (*ctx)->config;
  if (!http_addr.empty()) config.server.http = http_addr;
  if (!sip_addr.empty()) config.server.sip = sip_addr;
  auto options = http::ServerOptionsFromConfig(config.server);
  if (!options.ok()) {
    std::cerr << "zhixian: " << options.status().message() << "\n";
    return 2;
  }

  // The periodic jobs one node of several does (storage/leases.h, docs/deployment.md): a job
  // runs on the node that holds its lease, renewed each round; another takes it over once the
  // lease runs out (three rounds of silence), at once when this node stops.
  auto leases = storage::Leases::Open(*(*ctx)->db, SystemClock::Instance(),
                                      storage::NodeName(config.data.dir));
  if (!leases.ok()) {
    std::cerr << "zhixian: " << leases.status().message() << "\n";
    return 1;
  }
  log::Info("cluster.node name={}", (*leases)->holder());
  std::vector<std::string> jobs;  // the leased jobs, given up at stop
  auto leads = [l = leases->get(), &jobs](std::string job, std::chrono::milliseconds ttl) {
    jobs.push_back(job);
    return [l, job = std::move(job), ttl] {
      auto held = l->Hold(job, ttl);
      if (!held.ok())
        log::Warn("cluster.lease_failed job={} error=\"{}\"", job, held.status().message());
      return held.ok() && *held;
    };
  };

  // Whether this node takes new work (base/readiness.h): /healthz and SIP OPTIONS say so to the
  // balancers; a database that stops answering takes the node out until it answers again.
  // Beside it, this node's liveness lease: while it is renewed, no other node closes its calls.
  Readiness readiness;
  Worker health_worker("zx-health");
  const std::string alive_job = storage::Leases::NodeJob((*leases)->holder());
  health_worker.Every(std::chrono::seconds(2), [&readiness, db = (*ctx)->db.get()] {
    readiness.SetDatabase(storage::CheckReachable(*db));
  });
  health_worker.Every(std::chrono::seconds(5), [l = leases->get(), &alive_job] {
    if (auto held = l->Hold(alive_job, std::chrono::seconds(20)); !held.ok())
      log::Warn("cluster.alive_failed error=\"{}\"", held.status().message());
  });

  Metrics metrics;
  auto router = std::make_shared<http::Router>();
  // Security (issue 3): stores, audit log, key file, the auth middleware that checks EVERY
  // route's permission, the rate limiter and the hourly retention job.
  // Route handlers get the caller in Request::principal; (*security)->context has the stores,
  // the audit log and the field cipher (null without security.key_file: store nothing personal).
  auto security = WireSecurity(*(*ctx)->db, config, *router, metrics,
                               leads("retention", std::chrono::minutes(65)));
  if (!security.ok()) {
    std::cerr << "zhixian: " << security.status().message() << "\n";
    return security.status().code() == Code::kInternal ? 1 : 2;
  }
  SecurityContext& sec = *(*security)->context;
  // Language models (issue 17, docs/llm.md): with [llm] answers on, the assistant's replies are
  // written anew by an engine and checked; otherwise `assistant` is the knowledge base itself.
  auto models = OpenLanguageModels(config.llm, config.knowledge.kb_dir, *(*ctx)->engine,
                                   SystemClock::Instance(), metrics);
  if (!models.ok()) {
    std::cerr << "zhixian: " << models.status().message() << "\n";
    return 2;
  }
  const knowledge::Assistant& assistant = (*models)->Assistant(*(*ctx)->engine);
  // Outbound notice calls (campaigns/notice_calls.h): the routes always exist; calls are placed
  // once voice is up (VoiceService attaches the runner), 503 while it is off.
  campaigns::NoticeCallOptions notice_options;
  notice_options.default_ring_timeout_s = config.trunk.ring_timeout_s;
  // Calls of several nodes on one database: each node's own, closed by another once it is gone.
  notice_options.node = (*leases)->holder();
  notice_options.node_gone = [l = leases->get()](const std::string& node) {
    auto alive = l->Alive(node);
    return alive.ok() && !*alive;  // unsure (the database did not answer): not gone
  };
  auto notices = campaigns::NoticeCalls::Open(*(*ctx)->db, sec.cipher, SystemClock::Instance(),
                                              notice_options);
  if (!notices.ok()) {
    std::cerr << "zhixian: notice calls: " << notices.status().message() << "\n";
    return 1;
  }
  // Call-back tasks (dialogue/callback_store.h): left by callers waiting for an agent; worked
  // by staff through /api/v1/callbacks.
  auto callbacks = dialogue::CallbackStore::Open(*(*ctx)->db, sec.cipher);
  if (!callbacks.ok()) {
    std::cerr << "zhixian: call-backs: " << callbacks.status().message() << "\n";
    return 1;
  }
  // Outbound campaigns over the notice calls, with their SMS fall-back (campaigns/
  // campaign_service.h): no engine without a key file.
  auto campaign_service = campaigns::OpenCampaignService(
      *(*ctx)->db, sec.cipher, **notices, *(*ctx)->sla, SystemClock::Instance(),
      {config.knowledge.kb_dir, config.data.dir, config.call.transfer_to, config.campaigns,
       config.sms});
  if (!campaign_service.ok()) {
    std::cerr << "zhixian: campaigns: " << campaign_service.status().message() << "\n";
    return campaign_service.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  campaigns::Campaigns* outbound = (*campaign_service)->engine.get();
  // Return visits of work orders as targets of the standing campaign ob.return_visit, under
  // [visits]' window and retries (campaigns/return_visits.h). No engine (no key file): every
  // visit waits for a person.
  auto visit_options = campaigns::ReturnVisitOptionsFrom(config.visits);
  if (!visit_options.ok()) {
    std::cerr << "zhixian: return visits: " << visit_options.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<campaigns::ReturnVisits> visits;
  if (outbound) {
    auto opened =
        campaigns::ReturnVisits::Open(*(*ctx)->db, *(*ctx)->work_orders, *outbound, **notices,
                                      SystemClock::Instance(), std::move(*visit_options));
    if (!opened.ok()) {
      std::cerr << "zhixian: return visits: " << opened.status().message() << "\n";
      return 1;
    }
    visits = std::move(*opened);
  }
  // Chat orders without a number are visited by a message in their conversation
  // (campaigns/message_visits.h): posted as an assistant turn, and the citizen's next message
  // to the ended conversation is taken as the verdict (the dialogue's late replies). Without
  // the words file (an older kb directory) those orders wait for a person, as before.
  std::unique_ptr<campaigns::MessageVisits> message_visits;
  const std::string visit_words_file = config.knowledge.kb_dir + "/campaigns/return_visit.toml";
  if (std::filesystem::exists(visit_words_file)) {
    auto words = campaigns::MessageVisitWords::Load(visit_words_file);
    if (!words.ok()) {
      std::cerr << "zhixian: return visits: " << words.status().message() << "\n";
      return 2;
    }
    campaigns::MessageVisitOptions message_options;
    message_options.wait_ms = config.visits.message_wait_hours * 3600LL * 1000;
    message_options.check_every = std::chrono::seconds(config.visits.check_every_s);
    auto opened = campaigns::MessageVisits::Open(
        *(*ctx)->db, *(*ctx)->work_orders, std::move(*words),
        [d = (*ctx)->dialogue.get()](const std::string& id, const std::string& text) {
          return d->PostNotice(id, text);
        },
        SystemClock::Instance(), message_options);
    if (!opened.ok()) {
      std::cerr << "zhixian: return visits: " << opened.status().message() << "\n";
      return 1;
    }
    message_visits = std::move(*opened);
    (*ctx)->dialogue->SetLateReplies(
        [m = message_visits.get()](const std::string& id, const std::string& text) {
          return m->Reply(id, text);
        });
  } else {
    log::Warn("return_visit.no_message_words file={}", visit_words_file);
  }
  // The engine citizens are answered by now (swapped on publish: knowledge/live_knowledge.h).
  auto current_engine = [live = (*ctx)->engine.get()] { return live->Current(); };
  // Policy documents: an accepted proposal becomes a draft of the knowledge store.
  auto documents = knowledge::OpenDocumentImports(
      *(*ctx)->db, config.knowledge, config.data.dir, current_engine,
      [kb = (*ctx)->kb_store.get()](const knowledge::Entry& e, const security::Principal& by,
                                    std::string note) { return kb->CreateDraft(e, by, note); },
      (*models)->draft_writer.get());
  // Every route set, bound to its services (http/router.h "Route sets").
  dialogue::DialogueService& dialogue = *(*ctx)->dialogue;
  (*models)->Attach(dialogue);
  knowledge::AnswerLog* answers = &(*ctx)->answers->log();
  // Several nodes on PostgreSQL: what happens to a conversation on one node reaches the chat
  // pages connected to the others (storage/notifications.h; none on SQLite, one node).
  auto notifications = storage::OpenNotifications(config.database.url, *(*ctx)->db);
  if (!notifications.ok()) {
    std::cerr << "zhixian: notifications: " << notifications.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<http::ClusterFrames> cluster_frames;
  if (*notifications)
    cluster_frames = std::make_unique<http::ClusterFrames>(dialogue, **notifications);
  // The agent desk: presence, canned replies and queues (kb/desk), the staff's live events, the
  // order form.
  auto presence = dialogue::Presence::Open(*(*ctx)->db, SystemClock::Instance());
  auto desk = dialogue::DeskData::Load(config.knowledge.kb_dir);
  http::DashboardSources dashboard;
  Status named = http::LoadDashboardNames(config.knowledge.kb_dir, dashboard);
  // Callers refused for want of room (the dashboard's 接通率), written by the phone service.
  auto refused = voice::RefusedCalls::Open(*(*ctx)->db, SystemClock::Instance());
  auto seeded = demo::FindSeedMark(*(*ctx)->db);  // `zhixian demo seed` ran: the data is synthetic
  const bool demo_data = seeded.ok() && seeded->has_value();
  for (const Status& s : {presence.status(), desk.status(), named, refused.status()})
    if (!s.ok()) {
      std::cerr << "zhixian: agent desk: " << s.message() << "\n";
      return s.code() == Code::kInvalidArgument ? 2 : 1;
    }
  http::StaffEvents staff_events(dialogue, cluster_frames.get(), notifications->get());
  // Campaign progress on the staff stream: the engine tells what a tick or a move changed.
  if (outbound)
    outbound->OnChange(
        [&staff_events](const std::string& id) { staff_events.CampaignChanged(id); });
  auto order_form = std::make_shared<const http::OrderForm>(*(*ctx)->intake, *(*ctx)->work_orders,
                                                            dialogue, *sec.audit);
  http::StaffRouteOptions staff =
      http::StaffRouteOptionsFrom(config.security, (*security)->login_pool.get());
  http::AddRouteSets(
      *router,
      {[&](http::Router& r) {
         http::AddStaffRoutes(r, *sec.authenticator, *sec.users, *sec.audit, staff);
       },
       [&](http::Router& r) { http::AddAdminRoutes(r, sec); },
       [&](http::Router& r) {
         http::AddSystemRoutes(r, metrics, [&readiness] { return readiness.Why(); });
       },
       [&](http::Router& r) {
         http::AddKbEntryRoutes(r, *(*ctx)->kb_store, *sec.audit, [answers] {
           auto since = AddDays(answers->Today(), -6);
           auto hits = since.ok() ? answers->HitsSince(*since) : since.status();
           return hits.ok() ? *hits : std::map<std::string, int64_t>{};
         });
       },
       [&](http::Router& r) {
         knowledge::KnowledgeStore& kb = *(*ctx)->kb_store;
         http::AddKbTestRoutes(
             r, {*(*ctx)->db, *sec.audit, config.knowledge, config.data.dir, current_engine,
                 [&kb] { return kb.WithDrafts(); }, [&kb](std::string d) { return kb.AsOf(d); }});
       },
       [&](http::Router& r) { http::AddKnowledgeRoutes(r, assistant, metrics, answers); },
       [&](http::Router& r) {
         knowledge::KnowledgeStore& kb = *(*ctx)->kb_store;
         http::AddKbUnansweredRoutes(
             r, *answers, *sec.audit, metrics,
             {http::SuggestWith(current_engine),
              [&kb](const std::string& id, const std::vector<std::string>& phrasings,
                    const security::Principal& by, std::string note) {
                return kb.AddDraftPhrasings(id, phrasings, by, std::move(note));
              }});
       },
       [&](http::Router& r) {
         http::AddConversationRoutes(r, dialogue, metrics, sec.audit.get(),
                                     http::ConversationRouteOptionsOver(*sec.users));
       },
       // The citizen chat page (web/chat, from the working directory) and its WebSocket.
       [&](http::Router& r) {
         http::AddConversationWebSocket(r, dialogue, (*security)->limiter.get(), &metrics,
                                        cluster_frames.get());
       },
       [&](http::Router& r) { http::AddStaticRoutes(r, "/chat", {.dir = "web/chat"}, "chat"); },
       [&](http::Router& r) { http::AddConsoleRoutes(r); },  // web/console/dist at /console/
       [&](http::Router& r) { http::AddNoticeCallRoutes(r, **notices, *sec.audit); },
       [&](http::Router& r) { http::AddCallbackRoutes(r, **callbacks, *sec.audit); },
       [&](http::Router& r) {
         http::AddAgentDeskRoutes(r, **presence, *sec.audit,
                                  {*desk, http::AgentsOf(*sec.users),
                                   [&staff_events] { staff_events.PresenceChanged(); },
                                   current_engine, (*models)->CardBriefs()});
       },
       [&](http::Router& r) { http::AddStaffEventRoutes(r, staff_events, sec.audit.get()); },
       [&](http::Router& r) {
         http::AddTicketRoutes(r, *(*ctx)->work_orders, *sec.audit, order_form);
       },
       [&](http::Router& r) {
         http::AddTicketReportRoutes(r, *(*ctx)->work_orders, *(*ctx)->db, *sec.audit,
                                     SystemClock::Instance());
       },
       [&](http::Router& r) {
         if (outbound) http::AddCampaignRoutes(r, *outbound, *sec.audit, config.data.dir);
       },
       [&](http::Router& r) {
         dashboard.db = (*ctx)->db.get();
         dashboard.answers = answers;
         dashboard.kb = [live = (*ctx)->engine.get()] { return live->Snapshot().kb; };
         dashboard.demo = [demo_data] { return demo_data; };
         dashboard.refused_calls = [store = refused->get()](int64_t from, int64_t until) {
           return store->Count(from, until);
         };
         dashboard.clock = &SystemClock::Instance();
         http::AddDashboardRoutes(r, std::move(dashboard), *sec.audit);
       },
       [&](http::Router& r) { http::AddKbDocumentRoutes(r, documents.get(), *sec.audit); }});
  Worker ticket_worker("zx-tickets");
  tickets::ScheduleTicketClock(
      ticket_worker, *(*ctx)->work_orders, *(*ctx)->db, metrics, SystemClock::Instance(),
      leads("tickets.clock", std::chrono::seconds(90)),
      [&staff_events](const std::vector<tickets::SlaEvent>& marked) {
        for (const auto& e : marked)
          staff_events.TicketMarked(e.order_id,
                                    e.kind == tickets::SlaEvent::kOverdue ? "overdue" : "warned",
                                    e.department, e.district);
      });
  if (visits)
    visits->ScheduleOn(
        ticket_worker,
        leads("tickets.visits", 3 * std::chrono::milliseconds(config.visits.check_every_s * 1000)));
  if (message_visits)
    message_visits->ScheduleOn(
        ticket_worker, leads("tickets.message_visits",
                             3 * std::chrono::milliseconds(config.visits.check_every_s * 1000)));
  (*ctx)->engine->AttachMetrics(metrics);  // a new day's versions: knowledge/live_knowledge.h
  (*ctx)->engine->ScheduleOn(ticket_worker);
  Worker campaign_worker("zx-campaigns");
  // Calls' turns in zhixian_turns_total{channel="voice"} (the HTTP and WebSocket turns are
  // counted at their routes): the conversations a call started, from the dialogue's events.
  int voice_turns =
      dialogue.Subscribe("", voice::CountVoiceTurns(http::ChannelTurns(metrics, "voice")));
  auto server = http::Server::Start(*options, router, metrics);
  if (!server.ok()) {
    std::cerr << "zhixian: " << server.status().message() << "\n";
    return 1;
  }
  // Voice (issue 5, app/voice_service.h): SIP gateway, IVR and speech synthesis; server.sip =
  // "off" disables it. A SIP address that cannot be bound stops start-up only when --sip was
  // given; with the default address the server runs on without voice and says so.
  std::unique_ptr<VoiceService> voice;
  if (config.server.sip != "off") {
    auto started = VoiceService::Start(
        config, dialogue, *(*ctx)->db, sec.cipher, notices->get(), &metrics, callbacks->get(),
        &(*models)->SpokenAssistant(*(*ctx)->engine), &readiness, refused->get());
    if (started.ok()) {
      voice = std::move(started).value();
    } else if (!sip_addr.empty() || started.status().code() == Code::kInvalidArgument) {
      std::cerr << "zhixian: voice: " << started.status().message() << "\n";
      return started.status().code() == Code::kInvalidArgument ? 2 : 1;
    } else {
      log::Warn("voice.disabled error=\"{}\" fix=\"free the SIP port or set server.sip\"",
                started.status().message());
    }
  }
  // For `zhixian drain` on this machine (app/node_commands.cc).
  auto pid_file =
      PidFile::Create((std::filesystem::path(config.data.dir) / kServePidFile).string());
  if (!pid_file.ok()) log::Warn("serve.no_pid_file error=\"{}\"", pid_file.status().message());
  // Campaigns tick once voice is up: a tick before would claim due targets only to find it
  // cannot call them yet, and put them off a minute for every node.
  if (outbound) {
    outbound->ScheduleOn(campaign_worker);
    campaign_worker.Every(std::chrono::seconds(10), [&] {
      if (Status s = campaigns::UpdateCampaignGauges(*outbound, metrics); !s.ok())
        log::Warn("campaign.gauges_failed error=\"{}\"", s.message());
    });
  }
  log::Info("serve.ready http=http://{}:{} data={}", options->host, (*server)->port(),
            config.data.dir);
  if (WaitForStopSignal() == StopRequest::kDrain) {
    // Nothing new here: the balancers see 503 and send new calls and requests elsewhere, the
    // cluster jobs go to another node now; the calls in progress finish (SIGTERM: at once).
    const telephony::GatewayStats before = voice ? voice->stats() : telephony::GatewayStats{};
    readiness.StartDraining();
    ticket_worker.Stop();
    campaign_worker.Stop();
    for (const std::string& job : jobs) (void)(*leases)->Release(job);
    log::Info("serve.draining calls={}", before.active_calls);
    // At least a few seconds, for the HTTP balancer's next health check and requests in flight;
    // behind a SIP dispatcher (it has probed this node), until a probe was answered 503, so that
    // no new call is on its way here when the node stops (at most 30 s).
    auto calls_up = [&] { return voice && voice->stats().active_calls > 0; };
    auto unprobed = [&] {
      return voice && before.pings > 0 && voice->stats().pings_refused == before.pings_refused;
    };
    const auto since = std::chrono::steady_clock::now();
    bool stop_now = StopSignalWithin(std::chrono::seconds(3));
    while (!stop_now && (calls_up() || (unprobed() && std::chrono::steady_clock::now() - since <
                                                          std::chrono::seconds(30))))
      stop_now = StopSignalWithin(std::chrono::milliseconds(200));
    if (!stop_now) log::Info("serve.drained calls=0");
  }
  ticket_worker.Stop();
  campaign_worker.Stop();
  health_worker.Stop();
  voice.reset();  // hangs up every call
  (*server)->Stop();
  dialogue.Unsubscribe(voice_turns);
  (*security)->login_pool->Stop();  // drops queued logins while the server's loop still exists
  (*security)->retention->Stop();
  for (const std::string& job : jobs) (void)(*leases)->Release(job);  // another node takes over
  (void)(*leases)->Release(alive_job);  // what this node left open is another's to close
  return 0;
}

}  // namespace zx::app
