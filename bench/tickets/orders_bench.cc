// Work-order speed (issue 12 bars: creating an order <= 2 ms p99 in process, a filtered page of
// 100,000 orders <= 20 ms). Creates N orders through WorkOrders (real calendar, sealed contact,
// 并单 check, dispatch, history) in a database file, then times list queries. The baseline,
// measured in the same run on the same database: one plain INSERT of the order row alone, the
// least any store must do per order.
//
//   build/bench/tickets/orders_bench [N=100000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "security/keys.h"
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

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  const std::string dir = std::filesystem::temp_directory_path() / "zx_orders_bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db = std::move(storage::Database::Open(dir + "/zx.db").value());
  FakeClock clock(1764900000000);  // 2025-12-05 10:00 China time
  auto cipher = std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
  auto sla = tickets::MakeSlaCalendar(
      tickets::WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar").value());
  auto orders = std::move(tickets::WorkOrders::Open(*db, cipher, *sla, clock).value());
  const char* topics[] = {"ts.garbage", "ts.noise", "ts.road_damage", "ts.parking", "ts.property"};
  const char* departments[] = {"cgj", "gaj", "cgj", "gaj", "zjj"};
  const char* districts[] = {"东城区", "西城区", "高新区", "临河县"};
  const char* tiers[] = {"24h", "24h", "24h", "7d", "2h"};

  std::vector<double> create_us;
  create_us.reserve(n);
  for (int i = 0; i < n; ++i) {
    tickets::NewOrder o;
    o.channel = "chat";
    o.text = "小区门口问题反映，联系电话1381234" + std::to_string(1000 + i % 9000);
    o.summary = "问题反映";
    o.topic = topics[i % 5];
    o.district = districts[i % 4];
    o.place = "幸福路" + std::to_string(i) + "号";
    o.tier = *tickets::ParseTier(tiers[i % 5]);
    o.departments = {{departments[i % 5], tickets::Role::kLead}};
    o.contact = "1381234" + std::to_string(1000 + i % 9000);
    create_us.push_back(TimeUs([&] { (void)orders->Create(o, "bench").value(); }));
    clock.Advance(std::chrono::seconds(20));
  }

  // Baseline: the order row alone, one INSERT per order, same database.
  (void)db->Exec(
      "CREATE TABLE baseline_rows (id TEXT PRIMARY KEY, topic TEXT, district TEXT, "
      "place TEXT, text TEXT, created_ms BIGINT)");
  std::vector<double> base_us;
  const int base_n = std::min(n, 20000);
  for (int i = 0; i < base_n; ++i) {
    base_us.push_back(TimeUs([&] {
      auto st = db->Prepare("INSERT INTO baseline_rows VALUES (?, ?, ?, ?, ?, ?)").value();
      st.Bind(1, "B" + std::to_string(i)).Bind(2, topics[i % 5]).Bind(3, districts[i % 4]);
      st.Bind(4, "幸福路" + std::to_string(i) + "号").Bind(5, "问题反映").Bind(6, int64_t{i});
      (void)st.Run();
    }));
  }

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
  std::printf("orders_bench: %d orders (real calendar, sealed contact, 并单 check, history)\n", n);
  std::printf(
      "create   p50 %.3f ms  p99 %.3f ms   baseline INSERT p50 %.3f ms p99 %.3f ms  "
      "ratio p99 %.1fx\n",
      Percentile(create_us, 0.5) / 1000, Percentile(create_us, 0.99) / 1000,
      Percentile(base_us, 0.5) / 1000, Percentile(base_us, 0.99) / 1000,
      Percentile(create_us, 0.99) / std::max(1.0, Percentile(base_us, 0.99)));
  for (const auto& c : cases) {
    std::vector<double> us;
    int64_t total = 0;
    for (int r = 0; r < 50; ++r)
      us.push_back(TimeUs([&] { total = orders->List(c.q).value().total; }));
    std::printf("list %-26s p50 %.2f ms  p99 %.2f ms  (total %lld)\n", c.name,
                Percentile(us, 0.5) / 1000, Percentile(us, 0.99) / 1000,
                static_cast<long long>(total));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
