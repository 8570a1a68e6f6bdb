#include "campaigns/return_visits.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "base/log.h"

namespace zx::campaigns {
namespace {

struct Attempt {
  std::string order_id;
  int64_t round = 0;
  int64_t n = 0;
  std::string call_id;
};

// What the verdict column holds besides a key: the attempts found nobody; or the engine would
// not call (dnc, cancelled) and a person visits.
constexpr const char* kUnanswered = "unanswered";
constexpr const char* kForPerson = "person";

// The engine's hook, inside the transaction of the attempt's outcome: the verdict kept on the
// order's row, once (a row with a verdict is never overwritten).
Status KeepVerdict(storage::Database& db, const AttemptOutcome& o) {
  std::string verdict;
  if (o.outcome == "confirmed" && o.key >= '1' && o.key <= '3')
    verdict = std::string(1, o.key);
  else if (!o.final)
    return Status::Ok();  // tried again later
  else
    verdict = o.outcome == "dnc" || o.outcome == "cancelled" ? kForPerson : kUnanswered;
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db.Prepare("UPDATE return_visit_targets SET verdict = ?, attempt_id = ? "
                                 "WHERE campaign_id = ? AND seq = ? AND verdict = ''"));
  return st.Bind(1, verdict).Bind(2, o.attempt_id).Bind(3, o.campaign_id).Bind(4, o.seq).Run();
}

// The digits of an order number, spaced so that speech reads them one by one.
std::string Spelled(const std::string& id) {
  std::string out;
  for (char c : id) {
    if (!out.empty()) out += ' ';
    out += c;
  }
  return out;
}

std::string Render(const std::string& text, const std::string& id) {
  std::string out = text;
  if (auto at = out.find("{id}"); at != std::string::npos) out.replace(at, 4, Spelled(id));
  return out;
}

}  // namespace

std::function<bool(int64_t)> CallingWindow(const tickets::SlaCalendar& calendar,
                                           std::vector<tickets::WorkingPeriod> periods,
                                           bool working_days_only) {
  return [&calendar, periods = std::move(periods), working_days_only](int64_t unix_ms) {
    if (working_days_only) {
      auto working = calendar.IsWorkingDay(unix_ms);
      if (!working.ok() || !*working) return false;
    }
    const int64_t minute = tickets::ToChinaLocal(unix_ms).ms_of_day / 60000;
    for (const auto& p : periods)
      if (minute >= p.start_minute && minute < p.end_minute) return true;
    return false;
  };
}

const ConfigSection<VisitConfig>& VisitConfigSection() {
  using C = VisitConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("visits")
          .Text("hours", &C::hours,
                "return-visit calling window, China time: HH:MM-HH:MM[,HH:MM-HH:MM...]")
          .Number("working_days_only", &C::working_days_only, 0, 1,
                  "1: call on working days of the holiday calendar only")
          .Number("max_attempts", &C::max_attempts, 1, 10,
                  "calls per visit before it is left 未回访")
          .Number("retry_after_min", &C::retry_after_min, 1, 1440,
                  "minutes before the second call (then twice as long)")
          .Number("check_every_s", &C::check_every_s, 1, 3600,
                  "how often visits are added to the campaign and verdicts put on orders")
          .Number("message_wait_hours", &C::message_wait_hours, 1, 720,
                  "hours a chat citizen has to answer the return-visit message before 未回访"));
  return *section;
}

Result<ReturnVisitOptions> ReturnVisitOptionsFrom(const VisitConfig& config) {
  auto periods = tickets::ParsePeriods(config.hours);
  if (!periods.ok()) return InvalidArgument("visits.hours: " + periods.status().message());
  ReturnVisitOptions options;
  options.max_attempts = config.max_attempts;
  options.retry_after_ms = config.retry_after_min * 60LL * 1000;
  options.check_every = std::chrono::seconds(config.check_every_s);
  options.periods = std::move(*periods);
  options.working_days_only = config.working_days_only != 0;
  return options;
}

CampaignRules ReturnVisitRules(const ReturnVisitOptions& options) {
  CampaignRules rules;
  rules.periods = options.periods;
  rules.working_days_only = options.working_days_only;
  rules.max_attempts = options.max_attempts;
  int64_t wait = options.retry_after_ms;
  for (int i = 0; i < std::max(1, options.max_attempts - 1); ++i, wait *= 2)
    rules.retry_after_ms.push_back(wait);
  return rules;
}

Status ReturnVisits::Migrate(storage::Database& db) {
  return db.Migrate({// Before the campaign: one row per attempt, written before its call was
                     // placed. done: 0 while the call may still be going, 1 once its result was
                     // taken. Kept as history; no row is added any more.
                     {"return_visits", 1, R"sql(
    CREATE TABLE return_visits (
      order_id TEXT NOT NULL,
      round INTEGER NOT NULL,
      n INTEGER NOT NULL,
      call_id TEXT NOT NULL DEFAULT '',
      started_ms BIGINT NOT NULL,
      done INTEGER NOT NULL DEFAULT 0,
      outcome TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (order_id, round, n));
    CREATE INDEX return_visits_open ON return_visits(done);
  )sql"},
                     // The campaign's target of each order and round; verdict: '' not yet, '1'
                     // '2' '3' the key, 'unanswered', 'person' (left to staff); applied: 1 once
                     // it is on the order. No personal data: the number is the target's, sealed.
                     {"return_visits", 2, R"sql(
    CREATE TABLE return_visit_targets (
      order_id TEXT NOT NULL,
      round INTEGER NOT NULL,
      campaign_id TEXT NOT NULL,
      seq BIGINT NOT NULL,
      added_ms BIGINT NOT NULL,
      verdict TEXT NOT NULL DEFAULT '',
      attempt_id TEXT NOT NULL DEFAULT '',
      applied INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (order_id, round));
    CREATE INDEX return_visit_targets_seq ON return_visit_targets(campaign_id, seq);
    CREATE INDEX return_visit_targets_apply ON return_visit_targets(applied, verdict);
  )sql"}});
}

Result<std::unique_ptr<ReturnVisits>> ReturnVisits::Open(storage::Database& db,
                                                         tickets::WorkOrders& orders,
                                                         Campaigns& campaigns, NoticeCalls& calls,
                                                         const Clock& clock,
                                                         ReturnVisitOptions options) {
  if (options.max_attempts < 1 || options.max_attempts > 10)
    return InvalidArgument("return visits: max_attempts must be 1-10");
  if (options.retry_after_ms < 1000)
    return InvalidArgument("return visits: retry_after_ms must be at least 1000");
  ZX_RETURN_IF_ERROR(Migrate(db));
  // The hook holds the database only: it outlives this object on the engine's thread.
  ZX_RETURN_IF_ERROR(
      campaigns
          .OpenStanding(kReturnVisitCampaign, "工单回访", ReturnVisitRules(options),
                        [&db](const AttemptOutcome& o) { return KeepVerdict(db, o); })
          .status());
  return std::unique_ptr<ReturnVisits>(
      new ReturnVisits(db, orders, campaigns, calls, clock, std::move(options)));
}

Result<ReturnVisitTick> ReturnVisits::Tick() {
  ReturnVisitTick tick;
  ZX_RETURN_IF_ERROR(Apply(tick));
  ZX_RETURN_IF_ERROR(FinishLegacy(tick));
  ZX_RETURN_IF_ERROR(AddDue(tick));
  return tick;
}

// The verdicts the engine kept, put on their orders. An order no longer 待回访 in that round
// had it put on already (a crash before the mark) or was visited by a person: only marked.
Status ReturnVisits::Apply(ReturnVisitTick& tick) {
  struct Kept {
    std::string order_id;
    int64_t round = 0;
    std::string verdict, attempt_id;
  };
  std::vector<Kept> kept;
  {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT order_id, round, verdict, attempt_id FROM "
                                    "return_visit_targets WHERE applied = 0 AND verdict <> '' "
                                    "ORDER BY added_ms LIMIT 200"));
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      kept.push_back({st.Text(0), st.Int(1), st.Text(2), st.Text(3)});
    }
  }
  for (const Kept& k : kept) {
    auto order = orders_.Get(k.order_id);
    if (!order.ok() && order.status().code() != Code::kNotFound) return order.status();
    const bool due = order.ok() && order->state == tickets::OrderState::kResolved &&
                     order->visit == tickets::VisitState::kDue && order->reopened == k.round;
    if (due && k.verdict.size() == 1) {
      auto satisfaction = tickets::ParseSatisfaction(k.verdict);
      auto visited = orders_.RecordVisit(k.order_id, k.verdict != "3", *satisfaction, "system",
                                         "电话回访按键" + k.verdict + " (" + k.attempt_id + ")");
      if (!visited.ok()) {
        log::Warn("return_visit.record_failed order={} error=\"{}\"", k.order_id,
                  visited.status().message());
        continue;  // again on the next Tick
      }
      ++tick.answered;
    } else if (due && k.verdict == kUnanswered) {
      auto given_up = orders_.VisitUnanswered(k.order_id, "system");
      if (!given_up.ok()) {
        log::Warn("return_visit.unanswered_failed order={} error=\"{}\"", k.order_id,
                  given_up.status().message());
        continue;
      }
      ++tick.unanswered;
    } else if (due) {
      log::Info("return_visit.for_person order={} attempt={}", k.order_id, k.attempt_id);
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement done,
                        db_.Prepare("UPDATE return_visit_targets SET applied = 1 WHERE "
                                    "order_id = ? AND round = ?"));
    ZX_RETURN_IF_ERROR(done.Bind(1, k.order_id).Bind(2, k.round).Run());
  }
  return Status::Ok();
}

// The rv: calls placed before the campaign and still open: a key is recorded as it was then;
// the last attempt without one leaves the visit 未回访; otherwise the campaign's target goes on.
Status ReturnVisits::FinishLegacy(ReturnVisitTick& tick) {
  std::vector<Attempt> open;
  {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT order_id, round, n, call_id FROM return_visits "
                                    "WHERE done = 0 ORDER BY started_ms"));
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      open.push_back({st.Text(0), st.Int(1), st.Int(2), st.Text(3)});
    }
  }
  for (const auto& a : open) {
    auto call = calls_.CloseIfOrphaned(a.call_id);  // a dead node's call ends here
    if (call.ok() && call->state != NoticeState::kEnded) continue;
    std::string outcome = call.ok() ? NoticeOutcomeName(call->outcome) : "lost";
    char key = 0;
    if (call.ok() && call->outcome == NoticeOutcome::kConfirmed)
      for (char d : call->digits)
        if (d >= '1' && d <= '3') key = d;
    if (key) {
      auto satisfaction = tickets::ParseSatisfaction(std::string(1, key));
      auto visited = orders_.RecordVisit(a.order_id, key != '3', *satisfaction, "system",
                                         "电话回访按键" + std::string(1, key));
      if (visited.ok()) ++tick.answered;
    } else if (a.n >= options_.max_attempts) {
      if (orders_.VisitUnanswered(a.order_id, "system").ok()) ++tick.unanswered;
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement done,
                        db_.Prepare("UPDATE return_visits SET done = 1, outcome = ? WHERE "
                                    "order_id = ? AND round = ? AND n = ?"));
    done.Bind(1, outcome).Bind(2, a.order_id).Bind(3, a.round).Bind(4, a.n);
    ZX_RETURN_IF_ERROR(done.Run());
  }
  return Status::Ok();
}

// Orders 办结 with a number and no target for their round: one target each.
Status ReturnVisits::AddDue(ReturnVisitTick& tick) {
  const int64_t now = clock_.NowUnixMillis();
  tickets::OrderQuery q;
  q.state = tickets::OrderState::kResolved;
  q.sort = tickets::OrderQuery::kCreated;
  q.descending = false;
  q.limit = 500;
  ZX_ASSIGN_OR_RETURN(tickets::OrderPage page, orders_.List(q));
  for (const auto& row : page.rows) {
    if (row.visit != tickets::VisitState::kDue || row.contact_masked.empty()) continue;
    ZX_ASSIGN_OR_RETURN(tickets::Order order, orders_.Get(row.id, true));
    if (!order.contact || order.contact->empty()) continue;  // sealed under a lost key
    const auto round = static_cast<int64_t>(order.reopened);
    {
      ZX_ASSIGN_OR_RETURN(storage::Statement st,
                          db_.Prepare("SELECT COUNT(*) FROM return_visit_targets WHERE "
                                      "order_id = ? AND round = ?"));
      ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, order.id).Bind(2, round).Step());
      if (has && st.Int(0) > 0) continue;
    }
    // Attempts of this round made before the campaign (rv:): counted, none may be open.
    VerdictTarget v;
    v.key = order.id + ":" + std::to_string(round);
    v.phone = *order.contact;
    v.words = Render(options_.text, order.id);
    {
      ZX_ASSIGN_OR_RETURN(storage::Statement st,
                          db_.Prepare("SELECT COUNT(*), COALESCE(MAX(started_ms), 0), "
                                      "COALESCE(SUM(1 - done), 0) FROM return_visits WHERE "
                                      "order_id = ? AND round = ?"));
      ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, order.id).Bind(2, round).Step());
      const int64_t made = has ? st.Int(0) : 0;
      if (has && st.Int(2) > 0) continue;           // FinishLegacy first
      if (made >= options_.max_attempts) continue;  // given up then
      v.attempts_made = static_cast<int>(made);
      if (made > 0)
        v.not_before_ms = st.Int(1) + options_.retry_after_ms * (int64_t{1} << (made - 1));
    }
    bool added = false;
    Status s = db_.Transaction([&]() -> Status {
      ZX_ASSIGN_OR_RETURN(
          storage::Statement claim,
          db_.Prepare("INSERT INTO return_visit_targets (order_id, round, campaign_id, seq, "
                      "added_ms) VALUES (?, ?, ?, 0, ?) ON CONFLICT (order_id, round) DO "
                      "NOTHING RETURNING order_id"));
      claim.Bind(1, order.id).Bind(2, round).Bind(3, kReturnVisitCampaign).Bind(4, now);
      ZX_ASSIGN_OR_RETURN(added, claim.Step());
      claim.Reset();
      if (!added) return Status::Ok();
      ZX_ASSIGN_OR_RETURN(int64_t seq, campaigns_.AddVerdictTarget(kReturnVisitCampaign, v));
      ZX_ASSIGN_OR_RETURN(storage::Statement set,
                          db_.Prepare("UPDATE return_visit_targets SET seq = ? WHERE order_id = "
                                      "? AND round = ?"));
      return set.Bind(1, seq).Bind(2, order.id).Bind(3, round).Run();
    });
    if (!s.ok()) {
      log::Warn("return_visit.not_added order={} error=\"{}\"", order.id, s.message());
      if (s.code() == Code::kFailedPrecondition) return Status::Ok();  // campaign cancelled
      if (s.code() == Code::kAlreadyExists || s.code() == Code::kInvalidArgument) continue;
      return s;
    }
    if (added) {
      ++tick.added;
      log::Info("return_visit.target order={} round={} campaign={}", order.id, round,
                kReturnVisitCampaign);
    }
  }
  return Status::Ok();
}

void ReturnVisits::ScheduleOn(Worker& worker, std::function<bool()> may_run) {
  worker.Every(options_.check_every, [this, may_run = std::move(may_run)] {
    if (may_run && !may_run()) return;  // another node adds them
    if (auto tick = Tick(); !tick.ok())
      log::Warn("tickets.visits_failed error=\"{}\"", tick.status().message());
  });
}

}  // namespace zx::campaigns
