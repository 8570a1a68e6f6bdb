#include "campaigns/return_visits.h"

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
                  "how often due visits and finished calls are looked at"));
  return *section;
}

Result<ReturnVisitOptions> ReturnVisitOptionsFrom(const VisitConfig& config,
                                                  const tickets::SlaCalendar& calendar) {
  auto periods = tickets::ParsePeriods(config.hours);
  if (!periods.ok()) return InvalidArgument("visits.hours: " + periods.status().message());
  ReturnVisitOptions options;
  options.max_attempts = config.max_attempts;
  options.retry_after_ms = config.retry_after_min * 60LL * 1000;
  options.check_every = std::chrono::seconds(config.check_every_s);
  options.may_call = CallingWindow(calendar, std::move(*periods), config.working_days_only != 0);
  return options;
}

Status ReturnVisits::Migrate(storage::Database& db) {
  // One row per attempt, written before its call is placed. done: 0 while the call may still
  // be going, 1 once its result was taken.
  return db.Migrate({{"return_visits", 1, R"sql(
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
  )sql"}});
}

Result<std::unique_ptr<ReturnVisits>> ReturnVisits::Open(storage::Database& db,
                                                         tickets::WorkOrders& orders,
                                                         NoticeCalls& calls, const Clock& clock,
                                                         ReturnVisitOptions options) {
  if (options.max_attempts < 1 || options.max_attempts > 10)
    return InvalidArgument("return visits: max_attempts must be 1-10");
  ZX_RETURN_IF_ERROR(Migrate(db));
  return std::unique_ptr<ReturnVisits>(
      new ReturnVisits(db, orders, calls, clock, std::move(options)));
}

Result<ReturnVisitTick> ReturnVisits::Tick() {
  ReturnVisitTick tick;
  ZX_RETURN_IF_ERROR(Collect(tick));
  ZX_RETURN_IF_ERROR(StartDue(tick));
  return tick;
}

// The calls that ended: a verdict is recorded; no verdict leaves the next attempt to StartDue,
// or, after the last, the visit 未回访.
Status ReturnVisits::Collect(ReturnVisitTick& tick) {
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
      if (!visited.ok())
        log::Warn("return_visit.record_failed order={} error=\"{}\"", a.order_id,
                  visited.status().message());
      else
        ++tick.answered;
    } else if (a.n >= options_.max_attempts) {
      auto given_up = orders_.VisitUnanswered(a.order_id, "system");
      if (given_up.ok()) ++tick.unanswered;
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement done,
                        db_.Prepare("UPDATE return_visits SET done = 1, outcome = ? WHERE "
                                    "order_id = ? AND round = ? AND n = ?"));
    done.Bind(1, outcome).Bind(2, a.order_id).Bind(3, a.round).Bind(4, a.n);
    ZX_RETURN_IF_ERROR(done.Run());
  }
  return Status::Ok();
}

Status ReturnVisits::StartDue(ReturnVisitTick& tick) {
  const int64_t now = clock_.NowUnixMillis();
  if (!options_.may_call(now)) return Status::Ok();
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
    // The attempts of this round so far: none open, and the last one long enough ago.
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT COUNT(*), COALESCE(MAX(started_ms), 0), "
                                    "COALESCE(SUM(1 - done), 0) FROM return_visits WHERE "
                                    "order_id = ? AND round = ?"));
    st.Bind(1, order.id).Bind(2, static_cast<int64_t>(order.reopened));
    ZX_ASSIGN_OR_RETURN(bool has, st.Step());
    const int64_t made = has ? st.Int(0) : 0;
    const int64_t last = has ? st.Int(1) : 0;
    const int64_t still_open = has ? st.Int(2) : 0;
    if (still_open > 0 || made >= options_.max_attempts) continue;
    if (made > 0 && now < last + options_.retry_after_ms * (int64_t{1} << (made - 1))) continue;

    const int64_t n = made + 1;
    NoticeRequest r;
    r.number = *order.contact;
    r.text = Render(options_.text, order.id);
    r.attempt_id =
        "rv:" + order.id + ":" + std::to_string(order.reopened) + ":" + std::to_string(n);
    r.confirm_keys = "123";
    r.repeat_keys = "9";
    // The attempt is written first: a restart between the two never dials it a second time.
    ZX_ASSIGN_OR_RETURN(storage::Statement add,
                        db_.Prepare("INSERT INTO return_visits (order_id, round, n, started_ms) "
                                    "VALUES (?, ?, ?, ?) ON CONFLICT (order_id, round, n) DO "
                                    "NOTHING"));
    add.Bind(1, order.id).Bind(2, static_cast<int64_t>(order.reopened)).Bind(3, n).Bind(4, now);
    ZX_RETURN_IF_ERROR(add.Run());
    auto started = calls_.Start(r);
    std::string call_id;
    if (started.ok()) {
      call_id = started->call.id;
      ++tick.started;
    } else {
      log::Warn("return_visit.call_failed order={} error=\"{}\"", order.id,
                started.status().message());
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement set,
                        db_.Prepare("UPDATE return_visits SET call_id = ?, done = ? WHERE "
                                    "order_id = ? AND round = ? AND n = ?"));
    // A call that could not start counts as an attempt that found nobody.
    set.Bind(1, call_id)
        .Bind(2, static_cast<int64_t>(started.ok() ? 0 : 1))
        .Bind(3, order.id)
        .Bind(4, static_cast<int64_t>(order.reopened))
        .Bind(5, n);
    ZX_RETURN_IF_ERROR(set.Run());
    if (!started.ok() && n >= options_.max_attempts) {
      if (orders_.VisitUnanswered(order.id, "system").ok()) ++tick.unanswered;
    }
  }
  return Status::Ok();
}

void ReturnVisits::ScheduleOn(Worker& worker, std::function<bool()> may_run) {
  worker.Every(options_.check_every, [this, may_run = std::move(may_run)] {
    if (may_run && !may_run()) return;  // another node places them
    if (auto tick = Tick(); !tick.ok())
      log::Warn("tickets.visits_failed error=\"{}\"", tick.status().message());
  });
}

}  // namespace zx::campaigns
