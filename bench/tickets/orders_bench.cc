// Work-order speed (issue 12 bars: creating an order <= 2 ms p99 in process, a filtered page of
// 100,000 orders <= 20 ms). Creates N orders through WorkOrders (real calendar, sealed contact,
// 并单 check, dispatch, history) in a database file, then times list queries. Baselines measured
// in the same run:
//   - creating: the same orders with SQLite's automatic checkpoint inside the COMMIT (the
//     configuration before issue 12's fix; a database of its own, min(N, 30000) orders), and one
//     plain INSERT of the order row alone (the least any store must do per order);
//   - a department's list: the query before tickets/2 (every order of the district probed for a
//     task of the department), on the same database.
// `--breakdown` also times 20,000 creates with one thing changed each (no checkpointer thread,
// no cipher, no 并单 check, synchronous=FULL) to show where the time of a create goes.
//
//   build/bench/tickets/orders_bench [N=100000] [--breakdown]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "security/keys.h"
#include "tickets/order_list.h"
#include "tickets/sla_calendar.h"
#include "tickets/work_orders.h"

using namespace zx;
using Steady = std::chrono::steady_clock;

namespace {

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

template <typename F>
double TimeUs(F&& f) {
  auto t0 = Steady::now();
  f();
  return std::chrono::duration<double, std::micro>(Steady::now() - t0).count();
}

const char* kTopics[] = {"ts.garbage", "ts.noise", "ts.road_damage", "ts.parking", "ts.property"};
const char* kDepartments[] = {"cgj", "gaj", "cgj", "gaj", "zjj"};
const char* kDistricts[] = {"东城区", "西城区", "高新区", "临河县"};
const char* kTiers[] = {"24h", "24h", "24h", "7d", "2h"};

tickets::NewOrder OrderNo(int i) {
  tickets::NewOrder o;
  o.channel = "chat";
  o.text = "小区门口问题反映，联系电话1381234" + std::to_string(1000 + i % 9000);
  o.summary = "问题反映";
  o.topic = kTopics[i % 5];
  o.district = kDistricts[i % 4];
  o.place = "幸福路" + std::to_string(i) + "号";
  o.tier = *tickets::ParseTier(kTiers[i % 5]);
  o.departments = {{kDepartments[i % 5], tickets::Role::kLead}};
  o.contact = "1381234" + std::to_string(1000 + i % 9000);
  return o;
}

struct Run {
  std::unique_ptr<storage::Database> db;
  std::shared_ptr<security::FieldCipher> cipher;
  std::unique_ptr<tickets::WorkOrders> orders;
  std::vector<double> create_us;
};

struct Setup {
  bool background_checkpoints = true;
  bool cipher = true;
  bool merge = true;
  bool full_sync = false;
};

// A fresh database file in `dir` with `n` orders created one by one, each timed.
Run Create(const std::string& dir, int n, const Setup& setup, const tickets::SlaCalendar& sla) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Run run;
  run.db = std::move(storage::Database::Open(dir + "/zx.db").value());
  // The configuration before: SQLite's automatic checkpoint in the COMMIT, in place of the
  // driver's checkpoint thread (which then hears of no commit).
  if (!setup.background_checkpoints) (void)run.db->Exec("PRAGMA wal_autocheckpoint=1000");
  if (setup.full_sync) (void)run.db->Exec("PRAGMA synchronous=FULL");
  static FakeClock clock(1764900000000);  // 2025-12-05 10:00 China time; runs share it
  if (setup.cipher)
    run.cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
  tickets::WorkOrderOptions options;
  options.merge_duplicates = setup.merge;
  run.orders =
      std::move(tickets::WorkOrders::Open(*run.db, run.cipher, sla, clock, options).value());
  run.create_us.reserve(n);
  for (int i = 0; i < n; ++i) {
    tickets::NewOrder o = OrderNo(i);
    run.create_us.push_back(TimeUs([&] { (void)run.orders->Create(o, "bench").value(); }));
    clock.Advance(std::chrono::seconds(20));
  }
  return run;
}

void PrintCreate(const char* name, const std::vector<double>& us) {
  std::printf("%-44s p50 %.3f  p99 %.3f  p99.9 %.3f  max %.1f ms  (%zu)\n", name,
              Percentile(us, 0.5) / 1000, Percentile(us, 0.99) / 1000, Percentile(us, 0.999) / 1000,
              Percentile(us, 1.0) / 1000, us.size());
}

// The department list as it was before tickets/2: count and page over tickets, each order of
// the district probed for a task of the department.
int64_t OldDepartmentList(storage::Database& db, const std::string& department,
                          const std::string& district) {
  const std::string where =
      " FROM tickets WHERE EXISTS (SELECT 1 FROM ticket_tasks t WHERE t.ticket_id = tickets.id "
      "AND t.department = ? AND t.state <> 'withdrawn') AND district = ?";
  auto count = db.Prepare("SELECT COUNT(*)" + where).value();
  count.Bind(1, department).Bind(2, district);
  int64_t total = *count.Step() ? count.Int(0) : 0;
  auto page = db.Prepare(
                    "SELECT id, state, topic, category, district, place, summary, "
                    "contact_masked, merged_into, tier, lead_department, created_ms, due_ms, "
                    "warned, overdue, visit" +
                    where + " ORDER BY created_ms DESC, id DESC LIMIT 50 OFFSET 0")
                  .value();
  page.Bind(1, department).Bind(2, district);
  while (*page.Step()) (void)page.Text(0);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 100000;
  bool breakdown = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--breakdown") == 0)
      breakdown = true;
    else
      n = std::atoi(argv[i]);
  }
  const std::string dir = std::filesystem::temp_directory_path() / "zx_orders_bench";
  auto sla = tickets::MakeSlaCalendar(
      tickets::WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar").value());

  std::printf("orders_bench: %d orders (real calendar, sealed contact, 并单 check, history)\n", n);
  // The old configuration first, in a database of its own, then removed.
  std::vector<double> before_us;
  {
    Run old = Create(dir + "/old", std::min(n, 30000), {.background_checkpoints = false}, *sla);
    PrintCreate("create, checkpoint in COMMIT (before; base)", old.create_us);
    before_us = old.create_us;
    old.orders.reset();
    old.db.reset();
    std::filesystem::remove_all(dir + "/old");
    if (breakdown) {
      struct Variant {
        const char* name;
        Setup setup;
      } variants[] = {
          {"  same, without the cipher (no sealing)",
           {.background_checkpoints = false, .cipher = false}},
          {"  same, without the 并单 check", {.background_checkpoints = false, .merge = false}},
          {"  same, synchronous=FULL", {.background_checkpoints = false, .full_sync = true}},
          {"  checkpoint thread, without the cipher", {.cipher = false}},
          {"  checkpoint thread, without the 并单 check", {.merge = false}},
          {"  checkpoint thread, synchronous=FULL", {.full_sync = true}},
      };
      for (const auto& v : variants) {
        Run r = Create(dir + "/variant", std::min(n, 20000), v.setup, *sla);
        PrintCreate(v.name, r.create_us);
      }
      std::filesystem::remove_all(dir + "/variant");
    }
  }

  Run run = Create(dir + "/main", n, {}, *sla);
  storage::Database& db = *run.db;
  tickets::WorkOrders& orders = *run.orders;

  // Baseline: the order row alone, one INSERT per order, same database.
  (void)db.Exec(
      "CREATE TABLE baseline_rows (id TEXT PRIMARY KEY, topic TEXT, district TEXT, "
      "place TEXT, text TEXT, created_ms BIGINT)");
  std::vector<double> base_us;
  const int base_n = std::min(n, 20000);
  for (int i = 0; i < base_n; ++i) {
    base_us.push_back(TimeUs([&] {
      auto st = db.Prepare("INSERT INTO baseline_rows VALUES (?, ?, ?, ?, ?, ?)").value();
      st.Bind(1, "B" + std::to_string(i)).Bind(2, kTopics[i % 5]).Bind(3, kDistricts[i % 4]);
      st.Bind(4, "幸福路" + std::to_string(i) + "号").Bind(5, "问题反映").Bind(6, int64_t{i});
      (void)st.Run();
    }));
  }
  PrintCreate("create, checkpoint thread (now)", run.create_us);
  PrintCreate("baseline: plain INSERT of the row (now)", base_us);
  std::printf("ratio p99: now / before %.2f, now / plain INSERT %.1f\n",
              Percentile(run.create_us, 0.99) / std::max(1.0, Percentile(before_us, 0.99)),
              Percentile(run.create_us, 0.99) / std::max(1.0, Percentile(base_us, 0.99)));

  struct Case {
    const char* name;
    tickets::OrderQuery q;
  };
  std::vector<Case> cases;
  {
    tickets::OrderQuery q;
    cases.push_back({"newest 50", q});
    q.department = "cgj";
    q.district = "东城区";
    cases.push_back({"department+district", q});
    tickets::OrderQuery d;
    d.department = "cgj";
    cases.push_back({"department", d});
    tickets::OrderQuery s;
    s.state = tickets::OrderState::kDispatched;
    s.sort = tickets::OrderQuery::kDue;
    s.descending = false;
    cases.push_back({"dispatched by due", s});
    tickets::OrderQuery deep;
    deep.district = "西城区";
    deep.offset = 20000;
    cases.push_back({"district, offset 20000", deep});
    tickets::OrderQuery phone;
    phone.phone = "13812345678";
    cases.push_back({"by phone (blind index)", phone});
  }
  for (const auto& c : cases) {
    std::vector<double> us;
    int64_t total = 0;
    for (int r = 0; r < 50; ++r)
      us.push_back(TimeUs([&] { total = orders.List(c.q).value().total; }));
    std::printf("list %-26s p50 %.2f ms  p99 %.2f ms  (total %lld)\n", c.name,
                Percentile(us, 0.5) / 1000, Percentile(us, 0.99) / 1000,
                static_cast<long long>(total));
  }
  {
    std::vector<double> us;
    int64_t total = 0;
    for (int r = 0; r < 50; ++r)
      us.push_back(TimeUs([&] { total = OldDepartmentList(db, "cgj", "东城区"); }));
    std::printf("list %-26s p50 %.2f ms  p99 %.2f ms  (total %lld)\n",
                "department+district, before", Percentile(us, 0.5) / 1000,
                Percentile(us, 0.99) / 1000, static_cast<long long>(total));
  }
  auto plan = tickets::ExplainOrderList(db, cases[1].q, run.cipher.get());
  std::printf("plan of department+district:\n%s",
              plan.ok() ? plan->c_str() : plan.status().ToString().c_str());
  std::error_code ec;
  std::printf("WAL file at the end: %.1f MB\n",
              static_cast<double>(std::filesystem::file_size(dir + "/main/zx.db-wal", ec)) / 1e6);
  run.orders.reset();
  run.db.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
