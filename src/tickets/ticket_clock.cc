#include "tickets/ticket_clock.h"

#include <chrono>

#include "base/log.h"
#include "tickets/figures.h"

namespace zx::tickets {

void ScheduleTicketClock(Worker& worker, WorkOrders& orders, storage::Database& db,
                         Metrics& metrics, const Clock& clock, std::function<bool()> may_run,
                         std::function<void(const std::vector<SlaEvent>&)> marked) {
  auto& sla =
      metrics.AddCounter("zhixian_ticket_sla_events_total",
                         "work-order tasks marked 预警 (warned) or 超时 (overdue)", {"kind"});
  auto& hot = metrics.AddCounter("zhixian_ticket_hotspots_total",
                                 "hotspot warnings raised (topic x district bursts)", {"topic"});
  auto leads = [may_run] { return !may_run || may_run(); };
  worker.Every(std::chrono::seconds(30), [&orders, &sla, leads, marked] {
    if (!leads()) return;  // another node marks them
    auto events = orders.Tick();
    if (!events.ok()) log::Warn("tickets.tick_failed error=\"{}\"", events.status().message());
    for (const auto& e : events.ok() ? *events : std::vector<SlaEvent>{}) {
      bool overdue = e.kind == SlaEvent::kOverdue;
      sla.With({overdue ? "overdue" : "warned"}).Inc();
      log::Warn("tickets.{} order={} department={} escalated_to=supervisor",
                overdue ? "overdue" : "warned", e.order_id, e.department);
    }
    if (marked && events.ok() && !events->empty()) marked(*events);
  });
  auto& rates = metrics.AddGauge(
      "zhixian_ticket_rate",
      "the rates of DOMAIN.md over the last 30 days, from the stored orders (0..1)",
      {"department", "rate"});
  worker.Every(std::chrono::minutes(10), [&db, &hot, &rates, &clock, leads] {
    const int64_t now = clock.NowUnixMillis();
    FigureQuery period;
    period.from_ms = now - 30 * 86400000LL;
    period.until_ms = now;
    auto figures = FigureQueries(db).ByDepartment(period);
    auto total = FigureQueries(db).Compute(period);
    if (figures.ok() && total.ok()) figures->push_back(*total);
    for (const Figures& f : figures.ok() ? *figures : std::vector<Figures>{}) {
      rates.With({f.department, "response"}).Set(f.response.value());
      rates.With({f.department, "on_time"}).Set(f.on_time.value());
      rates.With({f.department, "solved"}).Set(f.solved.value());
      rates.With({f.department, "satisfied"}).Set(f.satisfied.value());
    }
    if (!leads()) return;  // another node raises the hotspot warnings
    auto spots = FigureQueries(db).Hotspots(now);
    for (const auto& h : spots.ok() ? *spots : std::vector<Hotspot>{}) {
      hot.With({h.topic}).Inc();
      log::Warn("tickets.hotspot topic={} district={} count={} usual={:.1f} rise={:.1f}", h.topic,
                h.district, h.count, h.usual, h.rise);
    }
  });
}

}  // namespace zx::tickets
