#include "demo/seed.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <string_view>
#include <vector>

#include "base/china_date.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/toml_file.h"
#include "campaigns/campaign_engine.h"
#include "campaigns/demo_dialler.h"
#include "campaigns/target_fields.h"
#include "dialogue/sealer.h"
#include "dialogue/ticket_action.h"
#include "tickets/intake.h"
#include "tickets/work_orders.h"

namespace zx::demo {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kChinaOffset = 8 * kHour;

// kb/demo.toml [campaign].
struct CampaignScript {
  std::string name, scenario;
  int targets = 60, starts_days_ago = 12, per_number_day = 3;
  std::vector<std::string> surnames, given_names;
  std::vector<std::pair<std::string, double>> outcomes;
};

// kb/demo.toml.
struct Script {
  int per_day = 40;
  double weekend_share = 0.5;
  std::vector<double> hours;
  std::vector<std::pair<std::string, double>> channels, kinds, ratings;
  std::vector<std::string> places;
  std::string goodbye, ask_person, agent_says, agent_closes, resolve_reply, return_reason,
      extension_reason;
  double rated_share = 0.6;
  // Invented ID numbers some questions carry (the age portrait).
  double id_share = 0;
  std::string id_phrase;
  std::vector<std::pair<std::string, double>> id_districts;
  std::vector<std::pair<std::pair<int, int>, double>> id_ages;  // (from, to) years: weight
  CampaignScript campaign;
};

// The "from-to" ages of an id_ages key ("30-44").
std::optional<std::pair<int, int>> AgeRange(std::string_view key) {
  int from = -1, to = -1;
  const std::string k(key);
  if (std::sscanf(k.c_str(), "%d-%d", &from, &to) != 2 || from < 0 || to < from || to > 120)
    return std::nullopt;
  return std::pair{from, to};
}

Status LoadIdNumbers(const std::string& path, const toml::table& t, Script& s) {
  auto bad = [&](const char* key, const char* why) {
    return InvalidArgument(path + ": " + key + " " + why);
  };
  s.id_share = t["id_share"].value_or(0.0);
  if (s.id_share < 0 || s.id_share > 1) return bad("id_share", "must be 0-1");
  if (s.id_share == 0) return Status::Ok();
  s.id_phrase = t["id_phrase"].value_or(std::string());
  if (s.id_phrase.find("{id}") == std::string::npos)
    return bad("id_phrase", "must hold {id} (and may hold {district})");
  if (const toml::table* w = t["id_districts"].as_table())
    for (const auto& [name, v] : *w)
      s.id_districts.emplace_back(std::string(name.str()), v.value_or(0.0));
  if (s.id_districts.empty()) return bad("id_districts", "must be a table of weights");
  if (const toml::table* w = t["id_ages"].as_table())
    for (const auto& [key, v] : *w) {
      auto range = AgeRange(key.str());
      if (!range) return bad("id_ages", "keys must be ages \"from-to\" (0-120)");
      s.id_ages.emplace_back(*range, v.value_or(0.0));
    }
  if (s.id_ages.empty()) return bad("id_ages", "must be a table of weights");
  return Status::Ok();
}

Status LoadCampaign(const std::string& path, const toml::table& t, CampaignScript& c) {
  auto bad = [&](const char* key, const char* why) {
    return InvalidArgument(path + ": campaign." + key + " " + why);
  };
  c.name = t["name"].value_or(std::string());
  c.scenario = t["scenario"].value_or(std::string());
  if (c.name.empty()) return bad("name", "must be a non-empty string");
  if (c.scenario.empty()) return bad("scenario", "must name a scenario of kb/campaigns");
  c.targets = static_cast<int>(t["targets"].value_or(int64_t{60}));
  c.starts_days_ago = static_cast<int>(t["starts_days_ago"].value_or(int64_t{12}));
  c.per_number_day = static_cast<int>(t["per_number_day"].value_or(int64_t{3}));
  if (c.targets < 1 || c.targets > 999) return bad("targets", "must be 1-999");
  if (c.starts_days_ago < 1) return bad("starts_days_ago", "must be at least 1");
  if (c.per_number_day < 1) return bad("per_number_day", "must be at least 1");
  for (auto [key, out] :
       {std::pair{"surnames", &c.surnames}, std::pair{"given_names", &c.given_names}}) {
    if (const toml::array* a = t[key].as_array())
      for (const auto& n : *a)
        if (auto v = n.value<std::string>()) out->push_back(*v);
    if (out->empty()) return bad(key, "must list at least one name");
  }
  const toml::table* w = t["outcomes"].as_table();
  if (!w || w->empty()) return bad("outcomes", "must be a table of weights");
  for (const auto& [name, v] : *w)
    c.outcomes.emplace_back(std::string(name.str()), v.value_or(0.0));
  return Status::Ok();
}

Result<Script> LoadScript(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(toml::table t, ReadTomlFile(path));
  Script s;
  auto bad = [&](const char* key, const char* why) {
    return InvalidArgument(path + ": " + key + " " + why);
  };
  s.per_day = static_cast<int>(t["per_day"].value_or(int64_t{40}));
  s.weekend_share = t["weekend_share"].value_or(0.5);
  s.rated_share = t["rated_share"].value_or(0.6);
  if (s.per_day < 1 || s.per_day > 1000) return bad("per_day", "must be 1-1000");
  if (const toml::array* a = t["hours"].as_array())
    for (const auto& h : *a) s.hours.push_back(h.value_or(0.0));
  if (s.hours.size() != 24) return bad("hours", "must list 24 weights");
  for (auto [key, out] : {std::pair{"channels", &s.channels}, std::pair{"kinds", &s.kinds},
                          std::pair{"ratings", &s.ratings}}) {
    const toml::table* w = t[key].as_table();
    if (!w || w->empty()) return bad(key, "must be a table of weights");
    for (const auto& [name, v] : *w) out->emplace_back(std::string(name.str()), v.value_or(0.0));
  }
  if (const toml::array* a = t["places"].as_array())
    for (const auto& p : *a)
      if (auto v = p.value<std::string>()) s.places.push_back(*v);
  if (s.places.empty()) return bad("places", "must name at least one place");
  for (auto [key, out] :
       {std::pair{"goodbye", &s.goodbye}, std::pair{"ask_person", &s.ask_person},
        std::pair{"agent_says", &s.agent_says}, std::pair{"agent_closes", &s.agent_closes},
        std::pair{"resolve_reply", &s.resolve_reply}, std::pair{"return_reason", &s.return_reason},
        std::pair{"extension_reason", &s.extension_reason}}) {
    auto v = t[key].value<std::string>();
    if (!v || v->empty()) return bad(key, "must be a non-empty string");
    *out = *v;
  }
  ZX_RETURN_IF_ERROR(LoadIdNumbers(path, t, s));
  const toml::table* campaign = t["campaign"].as_table();
  if (!campaign) return bad("[campaign]", "must be a table");
  ZX_RETURN_IF_ERROR(LoadCampaign(path, *campaign, s.campaign));
  return s;
}

Result<int64_t> CountRows(storage::Database& db, const std::string& table) {
  ZX_ASSIGN_OR_RETURN(auto q, db.Prepare("SELECT COUNT(*) FROM " + table));
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

Status MigrateMark(storage::Database& db) {
  return db.Migrate({{"demo_seed", 1, R"sql(
    CREATE TABLE demo_seed (
      seeded_ms INTEGER NOT NULL,
      days INTEGER NOT NULL,
      seed INTEGER NOT NULL);
  )sql"}});
}

// The campaign's side of a run: the real engine over the real notice calls, whose calls the
// demo dialler's invented citizens answer.
struct CampaignSide {
  campaigns::Campaigns& engine;
  campaigns::NoticeCalls& calls;
  campaigns::DemoDialler& dialler;
};

// The seeding run: one random source, one clock, events in time order.
class Run {
 public:
  Run(const SeedInputs& in, const Script& script, uint32_t seed, FakeClock& clock,
      dialogue::DialogueService& dialogue, tickets::WorkOrders& orders, CampaignSide campaign)
      : in_(in),
        s_(script),
        rng_(seed),
        clock_(clock),
        dialogue_(dialogue),
        orders_(orders),
        campaign_(campaign) {
    auto k = in.knowledge();
    for (const auto& e : k.kb->entries) {
      if (e.phrasings.empty() && e.colloquial.empty()) continue;
      if (e.kind == "faq" || e.kind == "calc" || e.kind == "complaint")
        by_kind_[e.kind].push_back(&e);
    }
    kb_ = k.kb;  // keeps the entries alive
  }

  // Schedules every conversation of [from, until) and a tick each hour, then runs them.
  Status Play(int64_t from, int64_t until) {
    for (int64_t day = from; day < until; day += kDay) {
      const int weekday = static_cast<int>(((day + kChinaOffset) / kDay + 3) % 7);  // Monday 0
      const double share = weekday >= 5 ? s_.weekend_share : 1.0;
      std::poisson_distribution<int> count(s_.per_day * share);
      for (int n = count(rng_); n > 0; --n) {
        const int hour = Pick(s_.hours);
        const int64_t at = day + hour * kHour + Uniform(0, kHour - 1);
        if (at < until) At(at, [this] { return Conversation(); });
      }
      for (int64_t h = day; h < day + kDay && h < until; h += kHour)
        At(h, [this] { return orders_.Tick().status(); });
    }
    At(std::max(from, until - s_.campaign.starts_days_ago * kDay),
       [this] { return StartCampaign(); });
    while (!events_.empty()) {
      Event e = events_.top();
      events_.pop();
      clock_.Set(e.at);
      if (Status st = e.fn(); !st.ok())
        log::Warn("demo.step_failed at={} error=\"{}\"", e.at, st.message());
    }
    return Status::Ok();
  }

  SeedReport report;

 private:
  struct Event {
    int64_t at;
    uint64_t seq;
    std::function<Status()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void At(int64_t at, std::function<Status()> fn) {
    if (at < in_.now_ms) events_.push({at, next_++, std::move(fn)});
  }
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Pick(const std::vector<double>& weights) {
    return std::discrete_distribution<int>(weights.begin(), weights.end())(rng_);
  }
  const std::string& Pick(const std::vector<std::pair<std::string, double>>& weighted) {
    std::vector<double> w;
    for (const auto& [name, weight] : weighted) w.push_back(weight);
    return weighted[Pick(w)].first;
  }
  const std::string& PhrasingOf(const knowledge::Entry& e) {
    const auto& list = e.phrasings.empty() ? e.colloquial : e.phrasings;
    return list[Uniform(0, static_cast<int64_t>(list.size()) - 1)];
  }
  void Later(int64_t minutes_lo, int64_t minutes_hi) {
    clock_.Advance(std::chrono::milliseconds(Uniform(minutes_lo * kMinute, minutes_hi * kMinute)));
  }

  Status Conversation() {
    const std::string channel = Pick(s_.channels);
    std::string kind = Pick(s_.kinds);
    if (kind != "person" && by_kind_[kind].empty()) kind = "person";
    ZX_ASSIGN_OR_RETURN(dialogue::ConversationView v, dialogue_.Start(channel));
    ++report.conversations;
    const std::string& id = v.id;
    bool ended = false;
    if (kind == "person") {
      ZX_RETURN_IF_ERROR(dialogue_.Say(id, s_.ask_person).status());
      ++report.handed_over;
      Later(1, 6);
      const dialogue::StaffRef agent{"u:demo", "demo.agent", "演示坐席"};
      ZX_RETURN_IF_ERROR(dialogue_.Take(id, agent, false).status());
      ZX_RETURN_IF_ERROR(dialogue_.AgentSay(id, agent, s_.agent_says));
      Later(2, 8);
      ZX_RETURN_IF_ERROR(dialogue_.AgentSay(id, agent, s_.agent_closes));
      ZX_RETURN_IF_ERROR(dialogue_.Close(id, agent, "").status());
      ended = true;
    } else {
      const auto& entries = by_kind_[kind];
      const knowledge::Entry& e = *entries[Uniform(0, static_cast<int64_t>(entries.size()) - 1)];
      std::string text = PhrasingOf(e);
      if (kind == "faq" && s_.id_share > 0 && Chance(s_.id_share)) text += IdWords();
      if (kind == "complaint")
        text += "，地址在" + s_.places[Uniform(0, static_cast<int64_t>(s_.places.size()) - 1)] +
                std::to_string(Uniform(1, 30)) + "号楼";
      ZX_ASSIGN_OR_RETURN(dialogue::Reply r, dialogue_.Say(id, text));
      if (r.ticket) Order(r.ticket->id);
      Later(0, 2);
      if (r.state != "ended" && r.state != "queued" && Chance(0.6)) {
        ZX_ASSIGN_OR_RETURN(dialogue::Reply bye, dialogue_.Say(id, s_.goodbye));
        ended = bye.state == "ended";
      }
      if (!ended) ZX_RETURN_IF_ERROR(dialogue_.End(id).status());
      ended = true;
    }
    if (ended && Chance(s_.rated_share)) {
      if (dialogue_.Rate(id, Pick(s_.ratings)).ok()) ++report.rated;
    }
    return Status::Ok();
  }

  // The words of a citizen who says where they live and gives an invented ID number: 东城区's
  // area code, a birth at an age of id_ages on today's China date, a valid check character.
  std::string IdWords() {
    std::vector<double> weights;
    for (const auto& [range, w] : s_.id_ages) weights.push_back(w);
    const auto [from, to] = s_.id_ages[Pick(weights)].first;
    const std::string today = ChinaDate(clock_.NowUnixMillis());
    const int age = static_cast<int>(Uniform(from, to));
    const int month = static_cast<int>(Uniform(1, 12)), day = static_cast<int>(Uniform(1, 28));
    // A birthday still to come this year: born a year earlier, so that the age is `age`.
    const bool to_come = month * 100 + day > std::stoi(today.substr(5, 2) + today.substr(8, 2));
    const int year = std::stoi(today.substr(0, 4)) - age - (to_come ? 1 : 0);
    char first17[32];  // 17 characters; room to spare for the compiler
    std::snprintf(first17, sizeof first17, "110101%04d%02d%02d%03d", year, month, day,
                  static_cast<int>(Uniform(100, 999)));
    std::string id = std::string(first17) + campaigns::IdCheckCharacter(first17);
    std::string words = s_.id_phrase;
    words.replace(words.find("{id}"), 4, id);
    if (size_t at = words.find("{district}"); at != std::string::npos)
      words.replace(at, 10, Pick(s_.id_districts));
    return words;
  }

  // A work order's life from now on, each step at its own time (steps after now never happen:
  // those orders are still in progress). Every department of the order acts on its own task.
  void Order(const std::string& id) {
    ++report.orders;
    auto o = orders_.Get(id);
    if (!o.ok() || o->tasks.empty()) return;  // 待人工派单: waits for a dispatcher
    std::vector<std::string> departments;
    for (const auto& t : o->tasks) departments.push_back(t.department);
    const int64_t now = clock_.NowUnixMillis();
    if (Chance(0.06)) {
      At(now + Uniform(20, 120) * kMinute, [this, id, d = departments.front()] {
        return Count(orders_.Return(id, d, s_.return_reason, "demo.handler"), report.returned);
      });
      return;
    }
    if (Chance(0.1)) return;  // never accepted: 待签收, then 超时
    const int64_t accepted = now + Uniform(5, 100) * kMinute;
    At(accepted, [this, id, departments] {
      Status last;
      for (const auto& d : departments) last = orders_.Accept(id, d, "demo.handler").status();
      return Count(last, report.accepted);
    });
    // Most are 办结 before the deadline, some after it.
    const int64_t due = o->tasks.front().due_ms;
    int64_t resolved =
        due > accepted && Chance(0.85)
            ? accepted + std::max(30 * kMinute, Uniform(0, (due - accepted) * 9 / 10))
            : std::max(accepted, due) + Uniform(1 * kHour, 2 * kDay);
    if (due > accepted + 4 * kHour && Chance(0.08)) {  // asked in time, before 办结
      const int64_t asked = accepted + Uniform(30, 180) * kMinute;
      At(asked, [this, id, d = departments.front()] {
        return Count(orders_.AskExtension(id, d, 2, s_.extension_reason, "demo.handler"),
                     report.extended);
      });
      resolved = std::max(resolved, asked + kHour);
    }
    if (Chance(0.15)) return;  // still 办理中
    At(resolved, [this, id, departments] {
      Status last;
      for (const auto& d : departments)
        last = orders_.Resolve(id, d, s_.resolve_reply, "demo.handler").status();
      return Count(last, report.resolved);
    });
    At(resolved + Uniform(4 * kHour, 2 * kDay), [this, id] {
      if (Chance(0.1)) return orders_.VisitUnanswered(id, "demo.visitor").status();
      const std::string& rating = Pick(s_.ratings);
      const tickets::Satisfaction s = rating == "满意" ? tickets::Satisfaction::kSatisfied
                                      : rating == "基本满意"
                                          ? tickets::Satisfaction::kBasicallySatisfied
                                          : tickets::Satisfaction::kDissatisfied;
      return Count(orders_.RecordVisit(id, Chance(0.85), s, "demo.visitor"), report.visited);
    });
  }

  // The campaign: a target file of invented citizens, imported, started, then run by the engine
  // once a minute inside its windows until it is finished (or the seeded time ends).
  Status StartCampaign() {
    const CampaignScript& c = s_.campaign;
    const auto path = std::filesystem::temp_directory_path() /
                      ("zx-demo-targets-" + std::to_string(Uniform(0, 1LL << 40)) + ".csv");
    {
      std::ofstream out(path);
      out << "姓名,性别,手机号,身份证号,场景,申请编号\n";
      for (int i = 0; i < c.targets; ++i) {
        // An invented 1980s birth in 东城区's code; the sequence's parity is the sex.
        char first17[32];  // 17 characters (i < 1000); room to spare for the compiler
        std::snprintf(first17, sizeof first17, "1101011980%02d%02d%03d", 1 + i % 12, 1 + i % 28,
                      100 + i);
        const bool male = (100 + i) % 2 == 1;
        char phone[24];
        std::snprintf(phone, sizeof phone, "1380000%04d", i + 1);
        out << c.surnames[Uniform(0, static_cast<int64_t>(c.surnames.size()) - 1)]
            << c.given_names[Uniform(0, static_cast<int64_t>(c.given_names.size()) - 1)] << ","
            << (male ? "男" : "女") << "," << phone << "," << first17
            << campaigns::IdCheckCharacter(first17) << "," << c.scenario << ",SBK" << 2026000 + i
            << "\n";
      }
    }
    auto created =
        campaign_.engine.Create(c.name, {path.string(), "演示名单.csv", "", ""}, "demo.supervisor");
    std::filesystem::remove(path);
    ZX_RETURN_IF_ERROR(created.status());
    campaign_id_ = created->campaign.id;
    ZX_RETURN_IF_ERROR(campaign_.engine.Start(campaign_id_, "demo.supervisor").status());
    CampaignStepAt(clock_.NowUnixMillis());
    return Status::Ok();
  }

  void CampaignStepAt(int64_t at) {
    At(campaign_.engine.NextWindow(at), [this] {
      campaign_.calls.Sync();
      ZX_RETURN_IF_ERROR(campaign_.engine.Tick().status());
      campaign_.dialler.Answer(campaign_.calls);
      ZX_ASSIGN_OR_RETURN(campaigns::Campaign c, campaign_.engine.Get(campaign_id_));
      if (c.state == campaigns::CampaignState::kRunning)
        CampaignStepAt(clock_.NowUnixMillis() + kMinute);
      return Status::Ok();
    });
  }

 public:
  std::string campaign_id_;

 private:
  // Counts a step that was taken; a refused one (an order merged or moved on meanwhile) is
  // skipped, as a real handler would find it.
  static Status Count(const Status& s, int64_t& counter) {
    if (s.ok()) ++counter;
    return s;
  }
  template <typename T>
  static Status Count(const Result<T>& r, int64_t& counter) {
    return Count(r.status(), counter);
  }

  const SeedInputs& in_;
  const Script& s_;
  std::mt19937_64 rng_;
  FakeClock& clock_;
  dialogue::DialogueService& dialogue_;
  tickets::WorkOrders& orders_;
  CampaignSide campaign_;
  std::shared_ptr<const knowledge::KnowledgeBase> kb_;
  std::map<std::string, std::vector<const knowledge::Entry*>> by_kind_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t next_ = 0;
};

}  // namespace

Result<std::optional<SeedMark>> FindSeedMark(storage::Database& db) {
  ZX_RETURN_IF_ERROR(MigrateMark(db));
  ZX_ASSIGN_OR_RETURN(auto q,
                      db.Prepare("SELECT seeded_ms, days FROM demo_seed ORDER BY seeded_ms"));
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<SeedMark>();
  return std::optional<SeedMark>(SeedMark{q.Int(0), static_cast<int>(q.Int(1))});
}

Result<SeedReport> Seed(const SeedInputs& in, const SeedOptions& options) {
  if (options.days < 1 || options.days > 90) return InvalidArgument("--days must be 1-90");
  ZX_ASSIGN_OR_RETURN(Script script, LoadScript(in.kb_dir + "/demo.toml"));
  // Whole days in China time, ending with today so far.
  const int64_t today = (in.now_ms + kChinaOffset) / kDay * kDay - kChinaOffset;
  const int64_t from = today - options.days * kDay;
  FakeClock clock(from);
  ZX_ASSIGN_OR_RETURN(auto orders,
                      tickets::WorkOrders::Open(*in.db, in.cipher, *in.calendar, clock));
  ZX_ASSIGN_OR_RETURN(auto intake, tickets::Intake::Open(in.kb_dir, *in.autofill, *orders));
  dialogue::ActionRegistry actions;
  ZX_RETURN_IF_ERROR(actions.Register(
      "notify_agents", [](const dialogue::ActionRequest&) { return dialogue::ActionOutcome{}; }));
  ZX_RETURN_IF_ERROR(
      actions.Register(dialogue::kCreateTicketAction, dialogue::CreateTicketAction(*intake)));
  ZX_ASSIGN_OR_RETURN(auto dialogue, dialogue::DialogueService::Create(
                                         *in.db, in.knowledge, in.dialogue, clock,
                                         dialogue::CipherSealer(in.cipher), std::move(actions)));
  // The campaign's voice is the demo dialler's: its citizens answer, nothing is dialled. The
  // engine runs under the configuration's defaults but for calls a day to one number (the
  // script's), so that its retries fit in the seeded days.
  ZX_ASSIGN_OR_RETURN(auto dialler,
                      campaigns::DemoDialler::Create(script.campaign.outcomes, options.seed));
  campaigns::SilentSynthesizer tts;
  ZX_ASSIGN_OR_RETURN(auto calls, campaigns::NoticeCalls::Open(*in.db, in.cipher, clock));
  ZX_RETURN_IF_ERROR(calls->Attach(dialler.get(), &tts));
  ZX_ASSIGN_OR_RETURN(auto scenarios,
                      campaigns::ScenarioTable::Load(in.kb_dir + "/campaigns/scenarios.toml"));
  if (!scenarios.Find(script.campaign.scenario))
    return InvalidArgument(in.kb_dir + "/demo.toml: campaign.scenario \"" +
                           script.campaign.scenario + "\" is not a scenario of kb/campaigns");
  ZX_ASSIGN_OR_RETURN(auto policy, campaigns::CampaignPolicyFrom(campaigns::CampaignConfig{}));
  policy.per_number_day = script.campaign.per_number_day;
  policy.per_number_week = std::max(policy.per_number_week, 3 * script.campaign.per_number_day);
  campaigns::SmsSend sms = [](const std::string&, const std::string&,
                              const std::string&) -> Result<campaigns::SmsResult> {
    return campaigns::SmsResult{true, "demo: not sent"};
  };
  ZX_ASSIGN_OR_RETURN(auto engine,
                      campaigns::Campaigns::Open(*in.db, in.cipher, *calls, sms, scenarios,
                                                 *in.calendar, clock, std::move(policy)));
  ZX_RETURN_IF_ERROR(MigrateMark(*in.db));
  for (const char* table : {"conversations", "tickets", "campaigns", "demo_seed"}) {
    ZX_ASSIGN_OR_RETURN(int64_t rows, CountRows(*in.db, table));
    if (rows > 0)
      return FailedPrecondition(std::string("the data directory already holds ") +
                                (table == std::string("demo_seed") ? "demo data" : table) +
                                ": a demo is seeded into a fresh data directory only");
  }
  Run run(in, script, options.seed, clock, *dialogue, *orders, {*engine, *calls, *dialler});
  ZX_RETURN_IF_ERROR(run.Play(from, in.now_ms));
  calls->Detach();
  ZX_ASSIGN_OR_RETURN(auto mark, in.db->Prepare("INSERT INTO demo_seed (seeded_ms, days, seed) "
                                                "VALUES (?, ?, ?)"));
  mark.Bind(1, in.now_ms).Bind(2, int64_t{options.days}).Bind(3, int64_t{options.seed});
  ZX_RETURN_IF_ERROR(mark.Run());
  SeedReport r = run.report;
  r.from_ms = from;
  r.until_ms = in.now_ms;
  r.campaign_id = run.campaign_id_;
  if (!r.campaign_id.empty()) {
    ZX_ASSIGN_OR_RETURN(campaigns::Campaign c, engine->Get(r.campaign_id));
    ZX_ASSIGN_OR_RETURN(campaigns::CampaignFigures f, engine->Figures(r.campaign_id));
    r.campaign_finished = c.state == campaigns::CampaignState::kFinished;
    r.campaign_targets = f.targets;
    r.campaign_confirmed = f.confirmed;
  }
  return r;
}

}  // namespace zx::demo
