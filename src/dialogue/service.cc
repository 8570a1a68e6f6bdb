#include "dialogue/service.h"

#include "base/file.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

#include <toml++/toml.h>

#include "base/log.h"
#include "base/toml_file.h"
#include "dialogue/emotion.h"
#include "dialogue/escalation.h"
#include "dialogue/flow.h"
#include "dialogue/summary.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

constexpr char kGreeting[] =
    "您好，这里是示例市12345政务服务热线智能助手。请问有什么可以帮您？"
    "您可以直接说要办的事，比如“社保卡丢了怎么办”。";
constexpr char kTellMore[] =
    "好的。请您说说具体遇到了什么事，我来帮您查；需要人工也可以直接说“转人工”。";
constexpr char kRemovedByRetention[] = "（内容已按保留期限删除）";
// Confidence above which a question about another calculator leaves the active one.
constexpr double kSwitchConfidence = 0.6;
constexpr char kNotUnderstood[] = "抱歉，我没有听明白。您可以换个说法，或者说“转人工”。";

// Words that make a short utterance a follow-up of the previous question ("那失业金呢？").
bool IsFollowUp(std::string_view s) {
  auto starts = [&](std::string_view p) { return s.substr(0, p.size()) == p; };
  bool ends_ne = s.size() >= 3 && (s.substr(s.size() - 3) == "呢" ||
                                   (s.size() >= 4 && s.substr(s.size() - 4) == "呢?"));
  return s.size() <= 42 &&
         (starts("那") || starts("如果") || starts("要是") || starts("还有") || ends_ne);
}

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// "1", "第一个", "一", "2." ... → 0-based choice, or -1.
int ParseChoice(std::string_view s) {
  static const std::vector<std::pair<std::string, int>> kWords = {{"1", 0}, {"一", 0}, {"第一", 0},
                                                                  {"2", 1}, {"二", 1}, {"第二", 1},
                                                                  {"3", 2}, {"三", 2}, {"第三", 2}};
  std::string t;
  for (char c : std::string(s))
    if (c != ' ' && c != '.' && c != ',' && c != '?') t += c;
  for (const char* tail : {"个", "项", "条", "吧", "的"})
    while (t.size() >= 3 && t.substr(t.size() - 3) == tail) t.resize(t.size() - 3);
  for (const auto& [w, i] : kWords)
    if (t == w) return i;
  return -1;
}

// A message as the service accepts it: valid UTF-8, trimmed, not empty, not too long.
Result<std::string> CheckedText(std::string_view raw) {
  if (!text::IsValidUtf8(raw)) return InvalidArgument("text is not valid UTF-8");
  std::string text = Trim(raw);
  if (text.empty()) return InvalidArgument("text must not be empty");
  if (CountChars(text) > kMaxMessageChars)
    return ResourceExhausted("text is longer than " + std::to_string(kMaxMessageChars) +
                             " characters");
  return text;
}

// An agent's summary correction: known elements only, each text, a number, or a list or object
// of those (two levels at most, 50 parts each), every text valid UTF-8 of at most 1000
// characters.
Status CheckSummaryValue(const std::string& key, const json& v, int depth) {
  if (v.is_null() || v.is_number() || v.is_boolean()) return Status::Ok();
  if (v.is_string()) {
    const auto& t = v.get_ref<const std::string&>();
    if (!text::IsValidUtf8(t)) return InvalidArgument("summary element '" + key + "' is not UTF-8");
    if (CountChars(t) > 1000)
      return InvalidArgument("summary element '" + key + "' is longer than 1000 characters");
    return Status::Ok();
  }
  if (depth >= 2 || v.size() > 50)
    return InvalidArgument("summary element '" + key + "' is nested too deeply or too long");
  for (const auto& part : v) ZX_RETURN_IF_ERROR(CheckSummaryValue(key, part, depth + 1));
  return Status::Ok();
}

Status CheckSummaryCorrection(const json& corrected) {
  if (!corrected.is_object()) return InvalidArgument("summary must be a JSON object");
  if (corrected.empty()) return InvalidArgument("the correction names no element");
  static const std::set<std::string> kKeys = {"咨询主体", "诉求类型", "涉及政策",  "处理建议",
                                              "待办事项", "风险提示", "满意度预测"};
  for (const auto& [k, v] : corrected.items()) {
    if (!kKeys.count(k)) return InvalidArgument("unknown summary element '" + k + "'");
    ZX_RETURN_IF_ERROR(CheckSummaryValue(k, v, 0));
  }
  return Status::Ok();
}

std::string NewId() { return "c" + security::HexEncode(security::RandomBytes(16)); }
// The citizen's token: 128 random bits, of which only the SM3 hash is stored.
std::string NewToken() { return "ct" + security::HexEncode(security::RandomBytes(16)); }
std::string TokenHash(std::string_view token) { return security::HexEncode(security::Sm3(token)); }

// kb/districts.tsv: "code<TAB>name" per line after a header; names as citizens say them.
Result<std::vector<std::pair<std::string, std::string>>> LoadDistricts(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  if (path.empty()) return out;
  auto read = ReadFile(path);
  if (read.status().code() == Code::kNotFound) return out;  // optional: no districts known
  if (!read.ok()) return read.status();
  const std::string* text = &*read;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || (line_no == 1 && line.starts_with("code\t"))) continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 >= line.size())
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": expected \"code<TAB>name\"");
    out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

// kb/dialogue.toml.
struct Rules {
  std::map<std::string, std::vector<std::string>> require_words;  // topic -> words
  std::map<std::string, std::vector<std::string>> request_types;  // 诉求类型 -> words

  static Result<Rules> Load(const std::string& path, const text::Normalizer& normalizer) {
    Rules r;
    auto parsed = ReadTomlFile(path);
    if (!parsed.ok()) return parsed.status();
    toml::table t = std::move(parsed).value();
    for (auto [section, target] : {std::pair{"require_words", &r.require_words},
                                   std::pair{"request_types", &r.request_types}}) {
      const toml::table* sec = t[section].as_table();
      if (!sec) return InvalidArgument(path + ": section [" + section + "] is missing");
      for (const auto& [key, node] : *sec) {
        const toml::array* a = node.as_array();
        if (!a || a->empty())
          return InvalidArgument(path + ":" + std::to_string(node.source().begin.line) + ": " +
                                 std::string(key.str()) + " must be a list of words");
        for (const auto& w : *a) {
          if (!w.is_string())
            return InvalidArgument(path + ":" + std::to_string(w.source().begin.line) + ": " +
                                   std::string(key.str()) + " must contain only strings");
          (*target)[std::string(key.str())].push_back(
              normalizer.Normalize(*w.value<std::string>()));
        }
      }
    }
    return r;
  }

  // True when the topic needs no particular words, or `norm` contains one of them.
  bool Allows(const std::string& topic, const std::string& norm) const {
    auto it = require_words.find(topic);
    if (it == require_words.end()) return true;
    for (const auto& w : it->second)
      if (norm.find(w) != std::string::npos) return true;
    return false;
  }
};

// Everything the service remembers about a conversation between turns (stored as JSON).
struct State {
  std::string state = kActive;
  std::optional<std::string> topic;
  std::string last_question;                 // the last citizen text that found a topic
  std::string last_reply;                    // for "repeat"
  std::vector<std::string> pending_choices;  // topics offered when asking back
  std::map<std::string, FlowState> flows;    // calculator flows by id (kept when switching)
  std::string active_flow;                   // "" when none
  EscalationState escalation;
  std::vector<EmotionLabel> emotions;  // per citizen turn
  std::set<std::string> risks;         // 风险提示 labels heard
  std::vector<std::string> topics;     // topics answered, in order, unique
  std::string handoff_reason;
  std::vector<std::string> districts;
  std::set<std::string> request_types;  // 举报, 表扬 ... named in the citizen's words

  json ToJson() const {
    json flows_json = json::object();
    for (const auto& [id, f] : flows) flows_json[id] = dialogue::ToJson(f);
    json emo = json::array();
    for (const auto& e : emotions)
      emo.push_back({std::string(EmotionName(e.emotion)), std::string(LevelName(e.level))});
    return {{"state", state},
            {"topic", topic ? json(*topic) : json(nullptr)},
            {"last_question", last_question},
            {"last_reply", last_reply},
            {"pending_choices", pending_choices},
            {"flows", flows_json},
            {"active_flow", active_flow},
            {"failures", escalation.consecutive_failures},
            {"handed_over", escalation.handed_over},
            {"emotions", emo},
            {"risks", risks},
            {"topics", topics},
            {"handoff_reason", handoff_reason},
            {"districts", districts},
            {"request_types", request_types}};
  }

  static State FromJson(const json& j) {
    State s;
    s.state = j.value("state", std::string(kActive));
    if (j.contains("topic") && j["topic"].is_string()) s.topic = j["topic"].get<std::string>();
    s.last_question = j.value("last_question", "");
    s.last_reply = j.value("last_reply", "");
    s.pending_choices = j.value("pending_choices", std::vector<std::string>{});
    if (j.contains("flows"))
      for (const auto& [id, f] : j["flows"].items()) {
        auto fs = FlowStateFromJson(f);
        if (fs.ok()) s.flows[id] = *fs;
      }
    s.active_flow = j.value("active_flow", "");
    s.escalation.consecutive_failures = j.value("failures", 0);
    s.escalation.handed_over = j.value("handed_over", false);
    if (j.contains("emotions"))
      for (const auto& e : j["emotions"]) {
        auto em = EmotionFromName(e[0].get<std::string>());
        auto lv = LevelFromName(e[1].get<std::string>());
        if (em && lv) s.emotions.push_back({*em, *lv});
      }
    for (const auto& r : j.value("risks", std::vector<std::string>{})) s.risks.insert(r);
    s.topics = j.value("topics", std::vector<std::string>{});
    s.handoff_reason = j.value("handoff_reason", "");
    s.districts = j.value("districts", std::vector<std::string>{});
    for (const auto& r : j.value("request_types", std::vector<std::string>{}))
      s.request_types.insert(r);
    return s;
  }
};

class Service final : public DialogueService {
 public:
  Service(storage::Database& db, const knowledge::Assistant& assistant,
          const knowledge::KnowledgeBase& kb, FlowRegistry flows, EmotionDetector emotions,
          RiskDetector risks, Rules rules, std::unique_ptr<text::Normalizer> normalizer,
          std::vector<std::pair<std::string, std::string>> districts,
          const DialogueOptions& options, const Clock& clock, TextSealer sealer)
      : db_(db),
        assistant_(assistant),
        kb_(kb),
        flows_(std::move(flows)),
        emotions_(std::move(emotions)),
        risks_(std::move(risks)),
        rules_(std::move(rules)),
        normalizer_(std::move(normalizer)),
        districts_(std::move(districts)),
        options_(options),
        clock_(clock),
        sealer_(std::move(sealer)) {}

  Result<ConversationView> Start(const std::string& channel) override {
    std::string id = NewId();
    std::string token = NewToken();
    int64_t now = clock_.NowUnixMillis();
    State st;
    st.last_reply = kGreeting;
    Status s = db_.Transaction([&]() -> Status {
      auto ins = db_.Prepare(
          "INSERT INTO conversations (id, channel, state, created_ms, updated_ms, data, "
          "citizen_token) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, id).Bind(2, channel.empty() ? "web" : channel).Bind(3, kActive).Bind(4, now);
      ins->Bind(5, SealState(id, st)).Bind(6, TokenHash(token));
      ZX_RETURN_IF_ERROR(ins->Run());
      return AppendTurn(id, "assistant", kGreeting, now, json{{"reply", kGreeting}});
    });
    if (!s.ok()) return s;
    log::Info("conversation.start conversation={} channel={}", id, channel);
    auto view = Get(id);
    if (view.ok()) view->token = std::move(token);
    return view;
  }

  Status CheckToken(const std::string& id, std::string_view token) const override {
    auto q = db_.Prepare("SELECT citizen_token FROM conversations WHERE id = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, id);
    auto row = q->Step();
    if (!row.ok()) return row.status();
    // Unknown id, no token (a conversation of another channel) and a wrong token answer alike.
    if (!*row || q->IsNull(0) || token.empty() ||
        !security::ConstantTimeEquals(q->Text(0), TokenHash(token)))
      return NotFound("no such conversation (or the token does not match)");
    return Status::Ok();
  }

  Result<json> Say(const std::string& id, std::string_view raw) override {
    auto checked = CheckedText(raw);
    if (!checked.ok()) return checked.status();
    std::string text = std::move(checked).value();
    auto lock = LockConversation(id);
    auto loaded = LoadState(id);
    if (!loaded.ok()) return loaded.status();
    State st = std::move(loaded).value();
    if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
    auto citizen_turns = CountTurns(id, "citizen");
    if (!citizen_turns.ok()) return citizen_turns.status();
    if (*citizen_turns >= options_.max_citizen_turns)
      return FailedPrecondition("this conversation already holds " +
                                std::to_string(options_.max_citizen_turns) +
                                " messages; please start a new one");

    int64_t now = clock_.NowUnixMillis();
    json reply;
    if (st.state == kQueued || st.state == kAgent) {
      reply = ReplyWhileWithAgents(id, st);
    } else {
      reply = Turn(id, st, text);
    }
    std::vector<json> events;
    Status s = db_.Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(AppendTurn(id, "citizen", text, now, nullptr));
      if (!reply["reply"].get<std::string>().empty())
        ZX_RETURN_IF_ERROR(AppendTurn(id, "assistant", reply["reply"], now, reply));
      return SaveState(id, st, now);
    });
    if (!s.ok()) return s;
    reply["state"] = st.state;
    reply["queue_position"] = st.state == kQueued ? QueuePosition(id) : 0;
    if (st.state == kQueued && reply["handoff"].get<bool>())
      log::Info("conversation.handoff conversation={} reason={}", id, st.handoff_reason);
    lock.unlock();
    Notify(id, json{{"type", "citizen"}, {"text", text}});
    json ev = reply;
    ev["type"] = "reply";
    Notify(id, ev);
    if (st.state == kEnded) (void)End(id);  // goodbye: the summary is stored at once
    return reply;
  }

  Result<ConversationView> Get(const std::string& id, TurnPage page = {}) const override {
    auto q = db_.Prepare(
        "SELECT channel, state, data, agent, summary, summary_corrected, agent_name "
        "FROM conversations WHERE id = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, id);
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return NotFound("no such conversation");
    ConversationView v;
    v.id = id;
    v.channel = q->Text(0);
    v.state = q->Text(1);
    auto opened = OpenState(id, q->Text(2));
    if (!opened.ok()) return opened.status();
    State st = std::move(opened).value();
    v.agent_id = q->Text(3);
    v.agent = q->IsNull(6) ? v.agent_id : q->Text(6);
    v.summary = q->IsNull(4) ? json(nullptr) : json::parse(q->Text(4), nullptr, false);
    if (!q->IsNull(5)) {
      auto corrected = OpenJson(id, "summary_corrected", q->Text(5));
      if (!corrected.ok()) return corrected.status();
      v.summary_corrected = std::move(corrected).value();
    }
    v.topic = st.topic;
    for (const auto& topic : st.topics) AddDepartmentOf(topic, v.departments);
    if (st.topic) AddDepartmentOf(*st.topic, v.departments);
    for (const auto& name : st.districts)
      for (const auto& [code, district] : districts_)
        if (district == name &&
            std::find(v.districts.begin(), v.districts.end(), code) == v.districts.end())
          v.districts.push_back(code);
    if (!st.active_flow.empty() && st.flows.count(st.active_flow))
      v.slots = st.flows.at(st.active_flow).slots;
    v.emotion = EmotionJson(st.emotions.empty() ? EmotionLabel{} : st.emotions.back());
    v.queue_position = v.state == kQueued ? QueuePosition(id) : 0;
    auto total = CountTurns(id, "");
    if (!total.ok()) return total.status();
    v.turns_total = *total;
    // The summary is made from every turn; a page of the transcript is what the caller shows.
    const bool need_all = page.summary && v.summary.is_null() && v.state != kActive;
    auto t = db_.Prepare(
        "SELECT seq, role, text, at_ms, meta FROM conversation_turns WHERE conversation_id = ?1 "
        "AND seq > ?2 ORDER BY seq LIMIT ?3");
    if (!t.ok()) return t.status();
    t->Bind(1, id).Bind(2, need_all ? int64_t{-1} : page.after_seq);
    // No page: a limit no conversation reaches (LIMIT -1 is SQLite's alone).
    t->Bind(3, need_all || page.limit <= 0 ? std::numeric_limits<int64_t>::max()
                                           : int64_t{page.limit} + 1);
    for (;;) {
      auto r = t->Step();
      if (!r.ok()) return r.status();
      if (!*r) break;
      TurnRecord turn;
      turn.seq = t->Int(0);
      turn.role = t->Text(1);
      if (t->IsNull(2)) {
        turn.text = kRemovedByRetention;
      } else {
        auto plain = Open(t->Text(2), id, turn.seq);
        if (!plain.ok()) return plain.status();
        turn.text = *plain;
      }
      turn.at_ms = t->Int(3);
      turn.meta = t->IsNull(4) ? json(nullptr) : json::parse(t->Text(4), nullptr, false);
      v.turns.push_back(std::move(turn));
    }
    if (need_all) {
      v.summary = MakeSummary(st, v.turns);
      std::erase_if(v.turns, [&](const TurnRecord& r) { return r.seq <= page.after_seq; });
    }
    if (page.limit > 0 && v.turns.size() > static_cast<size_t>(page.limit)) {
      v.turns.resize(page.limit);
      v.next_after = v.turns.back().seq;
    }
    return v;
  }

  Result<json> End(const std::string& id) override {
    auto lock = LockConversation(id);
    auto loaded = LoadState(id);
    if (!loaded.ok()) return loaded.status();
    State st = std::move(loaded).value();
    auto view = Get(id);
    if (!view.ok()) return view.status();
    if (st.state == kEnded && !view->summary.is_null()) return json{{"summary", view->summary}};
    json summary = MakeSummary(st, view->turns);
    st.state = kEnded;
    int64_t now = clock_.NowUnixMillis();
    Status s = db_.Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(SaveState(id, st, now));
      auto u = db_.Prepare("UPDATE conversations SET summary = ?2 WHERE id = ?1");
      if (!u.ok()) return u.status();
      u->Bind(1, id).Bind(2, summary.dump());
      return u->Run();
    });
    if (!s.ok()) return s;
    lock.unlock();
    Notify(id, json{{"type", "summary"}, {"summary", summary}});
    return json{{"summary", summary}};
  }

  std::vector<QueueItem> Queue() const override {
    std::vector<QueueItem> out;
    auto q = db_.Prepare(
        "SELECT id, queued_ms, data FROM conversations WHERE state = ?1 ORDER BY queued_ms, id");
    if (!q.ok()) return out;
    q->Bind(1, kQueued);
    while (true) {
      auto r = q->Step();
      if (!r.ok() || !*r) break;
      QueueItem item;
      item.id = q->Text(0);
      item.position = static_cast<int>(out.size()) + 1;
      item.waiting_since_ms = q->Int(1);
      auto opened = OpenState(item.id, q->Text(2));
      if (!opened.ok()) continue;
      State st = std::move(opened).value();
      item.reason = st.handoff_reason;
      if (!st.active_flow.empty() && st.flows.count(st.active_flow))
        item.slots = st.flows.at(st.active_flow).slots;
      else
        item.slots = json::object();
      out.push_back(std::move(item));
    }
    for (auto& item : out) {
      auto v = Get(item.id);
      if (v.ok()) item.summary = v->summary;
    }
    return out;
  }

  Result<ConversationView> Take(const std::string& id, const StaffRef& agent,
                                bool takeover) override {
    if (agent.id.empty()) return InvalidArgument("an agent needs an id to hold a conversation");
    {
      auto lock = LockConversation(id);
      auto loaded = LoadState(id);
      if (!loaded.ok()) return loaded.status();
      State st = std::move(loaded).value();
      if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
      auto holder = Holder(id);
      if (!holder.ok()) return holder.status();
      if (st.state == kAgent && *holder == agent.id) return Get(id);
      if (st.state == kAgent && !holder->empty() && !takeover)
        return FailedPrecondition(
            "another agent holds the conversation; a supervisor may take it over");
      st.state = kAgent;
      int64_t now = clock_.NowUnixMillis();
      std::string text = "人工坐席已接入，请问有什么可以帮您？";
      Status s = db_.Transaction([&]() -> Status {
        ZX_RETURN_IF_ERROR(SaveState(id, st, now));
        auto u = db_.Prepare("UPDATE conversations SET agent = ?2, agent_name = ?3 WHERE id = ?1");
        if (!u.ok()) return u.status();
        u->Bind(1, id).Bind(2, agent.id).Bind(3, agent.name);
        ZX_RETURN_IF_ERROR(u->Run());
        return AppendTurn(id, "agent", text, now, json{{"agent", agent.id}});
      });
      if (!s.ok()) return s;
      log::Info("conversation.taken conversation={} agent={} takeover={}", id, agent.id, takeover);
      Notify(id, json{{"type", "state"}, {"state", kAgent}, {"queue_position", 0}});
      // Citizens are told that a person answers, not which login it is.
      Notify(id, json{{"type", "agent"}, {"text", text}});
    }
    NotifyQueueMoved();
    return Get(id);
  }

  Status AgentSay(const std::string& id, const StaffRef& agent, std::string_view raw) override {
    auto checked = CheckedText(raw);
    if (!checked.ok()) return checked.status();
    std::string text = std::move(checked).value();
    auto lock = LockConversation(id);
    auto loaded = LoadState(id);
    if (!loaded.ok()) return loaded.status();
    if (loaded->state != kAgent)
      return FailedPrecondition("the conversation is not with an agent (state " + loaded->state +
                                "); take it first");
    auto holder = Holder(id);
    if (!holder.ok()) return holder.status();
    if (agent.id.empty() || *holder != agent.id)
      return Status(Code::kPermissionDenied, "another agent holds the conversation");
    int64_t now = clock_.NowUnixMillis();
    ZX_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
      return AppendTurn(id, "agent", text, now, json{{"agent", agent.id}});
    }));
    lock.unlock();
    Notify(id, json{{"type", "agent"}, {"text", text}});
    return Status::Ok();
  }

  Status CorrectSummary(const std::string& id, const StaffRef& agent,
                        const json& corrected) override {
    ZX_RETURN_IF_ERROR(CheckSummaryCorrection(corrected));
    auto lock = LockConversation(id);
    auto view = Get(id);
    if (!view.ok()) return view.status();
    if (agent.id.empty() || view->agent_id != agent.id)
      return Status(Code::kPermissionDenied,
                    view->agent_id.empty() ? "no agent held the conversation; nobody may correct it"
                                           : "another agent held the conversation");
    if (view->summary.is_null())
      return FailedPrecondition("the conversation has no summary yet; end it first");
    json merged = view->summary_corrected.is_null() ? view->summary : view->summary_corrected;
    for (const auto& [k, v] : corrected.items()) merged[k] = v;
    merged["_corrected_by"] = agent.id;
    merged["_corrected_ms"] = clock_.NowUnixMillis();
    auto u = db_.Prepare("UPDATE conversations SET summary_corrected = ?2 WHERE id = ?1");
    if (!u.ok()) return u.status();
    // Corrections carry what agents type (names, numbers, addresses): sealed like the turns.
    std::string plain = merged.dump(-1, ' ', false, json::error_handler_t::replace);
    u->Bind(1, id).Bind(
        2, sealer_.seal ? sealer_.seal(plain, "conversations", "summary_corrected", id) : plain);
    return u->Run();
  }

  int Subscribe(const std::string& id, Listener listener) override {
    std::lock_guard lock(listeners_mu_);
    int sub = ++next_subscription_;
    listeners_[sub] = {id, std::move(listener)};
    return sub;
  }

  void Unsubscribe(int subscription) override {
    std::lock_guard lock(listeners_mu_);
    listeners_.erase(subscription);
  }

 private:
  // --- one assistant turn -----------------------------------------------------------------

  json Turn(const std::string& id, State& st, const std::string& text) {
    std::string norm = normalizer_->Normalize(text);
    EmotionResult emotion = emotions_.Detect(norm, st.emotions);
    std::vector<RiskHit> risks = risks_.Detect(norm);
    st.emotions.push_back(emotion.dominant);
    for (const auto& n : RiskNotes(emotion, risks)) st.risks.insert(n);
    NoteDistricts(norm, st);
    for (const auto& [type, words] : rules_.request_types)
      for (const auto& w : words)
        if (norm.find(w) != std::string::npos) st.request_types.insert(type);

    json reply = {{"conversation_id", id},
                  {"slots", json::object()},
                  {"citations", json::array()},
                  {"steps", json::array()},
                  {"handoff", false},
                  {"ticket", nullptr},
                  {"done", false},
                  {"emotion", EmotionJson(emotion.dominant)}};
    TurnOutcome outcome = TurnOutcome::kNeutral;
    std::string out_text;
    std::optional<std::string> topic;

    // 1. A choice after asking back ("第二个").
    if (!st.pending_choices.empty()) {
      int choice = ParseChoice(norm);
      if (choice >= 0 && choice < static_cast<int>(st.pending_choices.size())) {
        std::string chosen = st.pending_choices[choice];
        st.pending_choices.clear();
        return AnswerTopic(id, st, chosen, text, norm, reply, emotion, risks);
      }
    }
    st.pending_choices.clear();

    // 2. An active calculator flow takes what it can use from the utterance.
    if (!st.active_flow.empty()) {
      const FlowDef* flow = flows_.Find(st.active_flow);
      if (flow) {
        // A confident question about another calculator switches to it ("加班费怎么算？...").
        knowledge::Answer other = assistant_.Ask(text);
        bool other_flow = other.topic && *other.topic != st.active_flow &&
                          flows_.Find(*other.topic) && other.confidence >= kSwitchConfidence &&
                          NamesTopic(norm, *other.topic);
        if (!other_flow) {
          FlowState before = st.flows[st.active_flow];
          StepResult r = Step(*flow, st.flows[st.active_flow], norm);
          bool used = !r.changed.empty() || !r.problems.empty() || r.kind == StepKind::kAnswer;
          bool elsewhere = !used && other.topic && *other.topic != st.active_flow;
          if (used || (!elsewhere && r.kind == StepKind::kAsk && !other.topic))
            return FinishFlowTurn(id, st, *flow, r, /*started=*/false, reply, emotion, risks);
          st.flows[st.active_flow] = before;  // nothing for the flow: leave it as it was
        }
      }
    }

    // 3. The knowledge engine, with the previous question as context for follow-ups: the new
    // words may replace the subject ("那失业金呢？") or the aspect ("那怎么申请呢？").
    // A follow-up asks about something else than the previous topic, so a reading that moves
    // on wins over one that stays.
    knowledge::Answer a = assistant_.Ask(text);
    if (IsFollowUp(norm) && st.topic && !st.last_question.empty()) {
      auto [aspect, subject] = SplitPrevious(st);
      auto better = [&](const knowledge::Answer& c) {
        if (!c.topic) return false;
        if (!a.topic) return true;
        bool c_moves = *c.topic != *st.topic, a_moves = *a.topic != *st.topic;
        return c_moves != a_moves ? c_moves : c.confidence > a.confidence;
      };
      for (const std::string& q : {aspect + " " + text, subject + " " + text}) {
        knowledge::Answer c = assistant_.Ask(q);
        if (better(c)) a = std::move(c);
      }
      a.question = text;
    }
    if (a.topic) return AnswerTopic(id, st, *a.topic, text, norm, reply, emotion, risks, &a);

    // 4. Not sure: ask back with the likeliest topics.
    for (const auto& alt : a.alternatives)
      if (alt.topic != "meta.out_of_scope") st.pending_choices.push_back(alt.topic);
    out_text = a.text.empty() ? kNotUnderstood : a.text;
    outcome = TurnOutcome::kUnresolved;
    return Finish(id, st, topic, out_text, outcome, reply, emotion, risks);
  }

  // Answers a topic the citizen asked about (or chose).
  json AnswerTopic(const std::string& id, State& st, const std::string& topic,
                   const std::string& text, const std::string& norm, json& reply,
                   const EmotionResult& emotion, const std::vector<RiskHit>& risks,
                   const knowledge::Answer* answer = nullptr) {
    const knowledge::Entry* e = kb_.Find(topic);
    if (!e)
      return Finish(id, st, {}, kNotUnderstood, TurnOutcome::kUnresolved, reply, emotion, risks);
    if (!rules_.Allows(topic, norm)) {
      // A feeling or a pleasantry, not a request: acknowledge it and carry on.
      return Finish(id, st, {}, kTellMore, TurnOutcome::kNeutral, reply, emotion, risks);
    }
    if (topic == "meta.service_complaint" && emotion.dominant.any() &&
        emotion.dominant.emotion == Emotion::kSatisfaction) {
      // Praise of the service, not a complaint about it.
      st.request_types.insert("表扬");
      const knowledge::Entry* thanks = kb_.Find("meta.thanks");
      return Finish(id, st, "meta.thanks", thanks ? thanks->answer : kTellMore,
                    TurnOutcome::kNeutral, reply, emotion, risks);
    }
    if (e->kind != "meta") {
      st.topic = topic;
      st.last_question = text;
      if (std::find(st.topics.begin(), st.topics.end(), topic) == st.topics.end())
        st.topics.push_back(topic);
    }
    if (topic == "meta.human")
      return Finish(id, st, topic, e->answer, TurnOutcome::kNeutral, reply, emotion, risks,
                    /*remember=*/true, /*asked_for_human=*/true);
    if (topic == "meta.repeat") {
      return Finish(id, st, topic, "好的，我再说一遍：" + st.last_reply, TurnOutcome::kNeutral,
                    reply, emotion, risks, /*remember=*/false);
    }
    if (topic == "meta.goodbye") {
      reply["done"] = true;
      std::string t = e->answer;
      json r = Finish(id, st, topic, t, TurnOutcome::kNeutral, reply, emotion, risks);
      st.state = kEnded;
      return r;
    }
    // Calculator topics run their flow, starting with what this utterance already says.
    if (const FlowDef* flow = flows_.Find(topic)) {
      // A related flow already under way (住院 → 异地) keeps what was said.
      FlowState& fs = st.flows[topic];
      if (fs.flow.empty()) {
        fs.flow = topic;
        if (!st.active_flow.empty() && st.flows.count(st.active_flow) &&
            st.flows[st.active_flow].flow != topic) {
          for (const auto& [k, v] : st.flows[st.active_flow].slots)
            if (flow->FindSlot(k)) fs.slots[k] = v;
        }
      }
      st.active_flow = topic;
      StepResult r = Step(*flow, fs, norm);
      return FinishFlowTurn(id, st, *flow, r, /*started=*/true, reply, emotion, risks);
    }
    knowledge::Answer local;
    if (!answer) {
      local = assistant_.Ask(e->title);
      local.topic = topic;
      local.text = e->answer;
      local.citations = {{e->id, e->title}};
      answer = &local;
    }
    json cites = json::array();
    for (const auto& c : answer->citations) cites.push_back({{"id", c.id}, {"title", c.title}});
    reply["citations"] = cites;
    reply["confidence"] = answer->confidence;
    TurnOutcome outcome = e->kind == "meta" && topic != "meta.out_of_scope"
                              ? TurnOutcome::kNeutral
                              : TurnOutcome::kResolved;
    return Finish(id, st, topic, answer->text, outcome, reply, emotion, risks);
  }

  // `started`: this turn opened the flow, so a question back is no failure.
  json FinishFlowTurn(const std::string& id, State& st, const FlowDef& flow, const StepResult& r,
                      bool started, json& reply, const EmotionResult& emotion,
                      const std::vector<RiskHit>& risks) {
    st.topic = flow.id;
    if (std::find(st.topics.begin(), st.topics.end(), flow.id) == st.topics.end())
      st.topics.push_back(flow.id);
    reply["slots"] = st.flows[flow.id].slots;
    TurnOutcome outcome = TurnOutcome::kNeutral;
    if (r.kind == StepKind::kAnswer && r.result) {
      reply["steps"] = r.result->steps;
      reply["result"] = ToJson(*r.result);
      reply["citations"] = json::array({{{"id", flow.id}, {"title", flow.title}}});
      outcome = TurnOutcome::kResolved;
    } else if (!started && r.kind == StepKind::kAsk && r.changed.empty() && r.problems.empty()) {
      outcome = TurnOutcome::kUnresolved;  // asked again: the answer was not understood
    }
    return Finish(id, st, flow.id, r.text, outcome, reply, emotion, risks);
  }

  // Applies emotion tone and the escalation rules, then fills in the reply.
  json Finish(const std::string& id, State& st, const std::optional<std::string>& topic,
              std::string text, TurnOutcome outcome, json& reply, const EmotionResult& emotion,
              const std::vector<RiskHit>& risks, bool remember = true,
              bool asked_for_human = false) {
    reply["topic"] = topic ? json(*topic) : json(nullptr);
    EscalationInput in;
    in.asked_for_human = asked_for_human;
    in.outcome = outcome;
    in.emotion_levels = emotion.levels;
    in.risks = risks;
    EscalationDecision d = DecideEscalation(in, &st.escalation);
    if (d.handoff) return Handoff(id, st, d.reason_code, d.reason_text, reply, emotion);
    ToneGuidance tone = ChooseTone(emotions_, emotion);
    if (tone.shorter) text = ShortenReply(text, 2);
    text = tone.prefix + text;
    if (remember) st.last_reply = text;
    reply["reply"] = text;
    return reply;
  }

  json Handoff(const std::string& id, State& st, const std::string& reason_code,
               const std::string& reason_text, json& reply, const EmotionResult& emotion) {
    st.state = kQueued;
    st.escalation.handed_over = true;
    st.handoff_reason = reason_text.empty() ? reason_code : reason_text;
    int position = QueuePosition(id, /*include_self=*/true);
    ToneGuidance tone = ChooseTone(emotions_, emotion);
    std::string text = tone.prefix + "正在为您转接人工坐席。";
    text +=
        options_.agents_online > 0 && position <= options_.agents_online
            ? "请稍候。"
            : "目前坐席繁忙，您排在第" + std::to_string(position) +
                  "位。您可以继续留言，坐席接入后会先看到您说的内容；也可以留下电话，我们会回拨。";
    st.last_reply = text;
    reply["reply"] = text;
    reply["handoff"] = true;
    reply["handoff_reason"] = reason_code;
    return reply;
  }

  json ReplyWhileWithAgents(const std::string& id, const State& st) {
    json reply = {{"conversation_id", id}, {"topic", nullptr},           {"slots", json::object()},
                  {"emotion", nullptr},    {"handoff", false},           {"ticket", nullptr},
                  {"done", false},         {"citations", json::array()}, {"steps", json::array()}};
    reply["reply"] = st.state == kQueued
                         ? "已记下您的留言。您排在第" + std::to_string(QueuePosition(id)) +
                               "位，坐席接入后会先看到这些内容。"
                         : "";  // with an agent: the agent answers
    return reply;
  }

  // The previous question split into its subject (the longest stretch of it that the topic's
  // area also uses: "失业金" of "领失业金需要满足什么条件") and what it asked about (the rest).
  std::pair<std::string, std::string> SplitPrevious(const State& st) const {
    text::utf8::CodePoints prev = text::utf8::Decode(normalizer_->Normalize(st.last_question));
    const std::string prev_text = normalizer_->Normalize(st.last_question);
    std::string area = st.topic->substr(0, st.topic->find('.') + 1);
    size_t best_at = 0, best_len = 0;
    for (const auto& e : kb_.entries) {
      if (e.id.rfind(area, 0) != 0) continue;
      for (const auto* l : {&e.keywords, &e.synonyms, &e.colloquial})
        for (const auto& w : *l) {
          text::utf8::CodePoints v = text::utf8::Decode(normalizer_->Normalize(w));
          for (size_t i = 0; i < prev.size(); ++i)
            for (size_t j = 0; j < v.size(); ++j) {
              size_t n = 0;
              while (i + n < prev.size() && j + n < v.size() && prev.cp[i + n] == v.cp[j + n]) ++n;
              if (n > best_len) best_at = i, best_len = n;
            }
        }
    }
    if (best_len < 2) return {prev_text, ""};
    size_t begin = prev.offset[best_at], end = prev.offset[best_at + best_len];
    return {prev_text.substr(0, begin) + prev_text.substr(end),
            prev_text.substr(begin, end - begin)};
  }

  // True when `norm` uses one of the topic's own words (its keywords, synonyms, colloquial
  // words): "加班费怎么算" names ld.overtime, "我月工资6000" names no calculator.
  bool NamesTopic(const std::string& norm, const std::string& topic) const {
    const knowledge::Entry* e = kb_.Find(topic);
    if (!e) return false;
    for (const auto* l : {&e->keywords, &e->synonyms, &e->colloquial})
      for (const auto& w : *l)
        if (norm.find(normalizer_->Normalize(w)) != std::string::npos) return true;
    return false;
  }

  void NoteDistricts(const std::string& norm, State& st) {
    for (const auto& [code, d] : districts_)
      if (norm.find(d) != std::string::npos &&
          std::find(st.districts.begin(), st.districts.end(), d) == st.districts.end())
        st.districts.push_back(d);
  }

  json MakeSummary(const State& st, const std::vector<TurnRecord>& turns) const {
    SummaryInput in;
    in.topics = st.topics;
    in.risks.assign(st.risks.begin(), st.risks.end());
    in.emotions = st.emotions;
    in.handed_over = st.escalation.handed_over;
    in.handoff_reason = st.handoff_reason;
    in.districts = st.districts;
    in.request_types.assign(st.request_types.begin(), st.request_types.end());
    for (const auto& t : turns)
      if (t.role == "assistant" && t.meta.is_object() && t.meta.contains("result"))
        in.results.push_back(t.meta["result"].value("summary", ""));
    in.unresolved_turns = 0;
    for (const auto& t : turns)
      if (t.role == "assistant" && t.meta.is_object() && t.meta.contains("topic") &&
          t.meta["topic"].is_null() && t.seq > 0)
        ++in.unresolved_turns;
    return MakeSevenElementSummary(in, kb_);
  }

  static json EmotionJson(const EmotionLabel& e) {
    if (!e.any()) return nullptr;
    return {{"name", std::string(EmotionName(e.emotion))},
            {"level", std::string(LevelName(e.level))}};
  }

  // --- storage ----------------------------------------------------------------------------

  // Turns stored for `id` (of `role`, or all when empty).
  Result<int64_t> CountTurns(const std::string& id, const std::string& role) const {
    auto q = db_.Prepare(
        "SELECT COUNT(*) FROM conversation_turns WHERE conversation_id = ?1 AND "
        "(?2 = '' OR role = ?2)");
    if (!q.ok()) return q.status();
    q->Bind(1, id).Bind(2, role);
    auto r = q->Step();
    if (!r.ok()) return r.status();
    return *r ? q->Int(0) : 0;
  }

  // The principal id of the agent holding `id` ("" when none).
  Result<std::string> Holder(const std::string& id) const {
    auto q = db_.Prepare("SELECT agent FROM conversations WHERE id = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, id);
    auto r = q->Step();
    if (!r.ok()) return r.status();
    if (!*r) return NotFound("no such conversation");
    return q->IsNull(0) ? std::string() : q->Text(0);
  }

  void AddDepartmentOf(const std::string& topic, std::vector<std::string>& out) const {
    const knowledge::Entry* e = kb_.Find(topic);
    if (!e || e->department.empty() || e->department == "-") return;
    if (std::find(out.begin(), out.end(), e->department) == out.end()) out.push_back(e->department);
  }

  // A sealed JSON column of `conversations` (data, summary_corrected), opened and parsed.
  Result<json> OpenJson(const std::string& id, const std::string& column,
                        const std::string& stored) const {
    std::string plain = stored;
    if (sealer_.open) {
      auto opened = sealer_.open(stored, "conversations", column, id);
      if (!opened.ok()) return opened.status();
      plain = std::move(opened).value();
    }
    json j = json::parse(plain, nullptr, false);
    if (j.is_discarded()) return DataLoss("conversation " + id + " has an unreadable " + column);
    return j;
  }

  Result<State> LoadState(const std::string& id) const {
    auto q = db_.Prepare("SELECT data, state FROM conversations WHERE id = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, id);
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return NotFound("no such conversation");
    auto st = OpenState(id, q->Text(0));
    if (!st.ok()) return st.status();
    st->state = q->Text(1);
    return st;
  }

  // The state holds what the citizen said (the last question, slot values): sealed like the
  // turns.
  std::string SealState(const std::string& id, const State& st) const {
    std::string plain = st.ToJson().dump(-1, ' ', false, json::error_handler_t::replace);
    return sealer_.seal ? sealer_.seal(plain, "conversations", "data", id) : plain;
  }
  Result<State> OpenState(const std::string& id, const std::string& stored) const {
    auto j = OpenJson(id, "data", stored);
    if (!j.ok()) return j.status();
    return State::FromJson(*j);
  }

  Status SaveState(const std::string& id, const State& st, int64_t now) {
    auto u = db_.Prepare(
        "UPDATE conversations SET state = ?2, data = ?3, updated_ms = ?4, "
        "queued_ms = CASE WHEN ?2 = 'queued' AND queued_ms IS NULL THEN ?4 ELSE queued_ms END "
        "WHERE id = ?1");
    if (!u.ok()) return u.status();
    u->Bind(1, id).Bind(2, st.state).Bind(3, SealState(id, st)).Bind(4, now);
    return u->Run();
  }

  Status AppendTurn(const std::string& id, const std::string& role, const std::string& text,
                    int64_t now, const json& meta) {
    auto seq_q = db_.Prepare(
        "SELECT COALESCE(MAX(seq), -1) + 1 FROM conversation_turns WHERE conversation_id = ?1");
    if (!seq_q.ok()) return seq_q.status();
    seq_q->Bind(1, id);
    auto r = seq_q->Step();
    if (!r.ok()) return r.status();
    int64_t seq = seq_q->Int(0);
    auto ins = db_.Prepare(
        "INSERT INTO conversation_turns (conversation_id, seq, role, text, at_ms, meta) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, id).Bind(2, seq).Bind(3, role).Bind(4, Seal(text, id, seq)).Bind(5, now);
    if (meta.is_null()) {
      ins->BindNull(6);
    } else {
      // The reply text is stored once, sealed, in `text`; the meta keeps the rest.
      json m = meta;
      m.erase("reply");
      m.erase("text");
      ins->Bind(6, m.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    return ins->Run();
  }

  std::string Seal(const std::string& text, const std::string& id, int64_t seq) const {
    return sealer_.seal
               ? sealer_.seal(text, "conversation_turns", "text", id + "/" + std::to_string(seq))
               : text;
  }
  Result<std::string> Open(const std::string& stored, const std::string& id, int64_t seq) const {
    return sealer_.open
               ? sealer_.open(stored, "conversation_turns", "text", id + "/" + std::to_string(seq))
               : Result<std::string>(stored);
  }

  int QueuePosition(const std::string& id, bool include_self = false) const {
    auto q = db_.Prepare(
        "SELECT COUNT(*) FROM conversations WHERE state = 'queued' AND id != ?1 AND "
        "queued_ms <= COALESCE((SELECT queued_ms FROM conversations WHERE id = ?1), ?2)");
    if (!q.ok()) return 1;
    q->Bind(1, id).Bind(2, clock_.NowUnixMillis());
    auto r = q->Step();
    return (r.ok() && *r ? static_cast<int>(q->Int(0)) : 0) + 1;
  }

  // --- concurrency and events -------------------------------------------------------------

  std::unique_lock<std::mutex> LockConversation(const std::string& id) {
    std::shared_ptr<std::mutex> mu;
    {
      std::lock_guard lock(locks_mu_);
      auto& slot = locks_[id];
      if (!slot) slot = std::make_shared<std::mutex>();
      mu = slot;
    }
    // The map keeps the mutex alive for the life of the service (one per conversation seen).
    return std::unique_lock<std::mutex>(*mu);
  }

  void Notify(const std::string& id, const json& event) {
    std::vector<Listener> targets;
    {
      std::lock_guard lock(listeners_mu_);
      for (const auto& [sub, l] : listeners_)
        if (l.first == id) targets.push_back(l.second);
    }
    for (auto& t : targets) t(event);
  }

  // Everyone still queued moves up one place.
  void NotifyQueueMoved() {
    for (const auto& item : Queue())
      Notify(item.id,
             json{{"type", "state"}, {"state", kQueued}, {"queue_position", item.position}});
  }

  storage::Database& db_;
  const knowledge::Assistant& assistant_;
  const knowledge::KnowledgeBase& kb_;
  FlowRegistry flows_;
  EmotionDetector emotions_;
  RiskDetector risks_;
  Rules rules_;
  std::unique_ptr<text::Normalizer> normalizer_;
  std::vector<std::pair<std::string, std::string>> districts_;  // code, name
  DialogueOptions options_;
  const Clock& clock_;
  TextSealer sealer_;

  std::mutex locks_mu_;
  std::unordered_map<std::string, std::shared_ptr<std::mutex>> locks_;
  std::mutex listeners_mu_;
  int next_subscription_ = 0;
  std::map<int, std::pair<std::string, Listener>> listeners_;
};

Status Migrate(storage::Database& db) {
  return db.Migrate({{"dialogue", 1, R"sql(
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY, channel TEXT NOT NULL, state TEXT NOT NULL,
      created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, queued_ms INTEGER,
      agent TEXT, data TEXT NOT NULL, summary TEXT, summary_corrected TEXT);
    CREATE INDEX conversations_state ON conversations(state, queued_ms);
    CREATE TABLE conversation_turns (
      conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL, role TEXT NOT NULL,
      text TEXT,  -- sealed; NULL once the retention period has passed
      at_ms INTEGER NOT NULL, meta TEXT,
      turn_key TEXT GENERATED ALWAYS AS (conversation_id || '/' || seq) VIRTUAL,
      PRIMARY KEY (conversation_id, seq));
  )sql"},
                     // The citizen's token (its SM3 hash) and the holder's login name.
                     {"dialogue", 2, R"sql(
    ALTER TABLE conversations ADD COLUMN citizen_token TEXT;
    ALTER TABLE conversations ADD COLUMN agent_name TEXT;
  )sql"}});
}

}  // namespace

Result<std::unique_ptr<DialogueService>> DialogueService::Create(
    storage::Database& db, const knowledge::Assistant& assistant,
    const knowledge::KnowledgeBase& kb, const DialogueOptions& options, const Clock& clock,
    TextSealer sealer) {
  ZX_RETURN_IF_ERROR(Migrate(db));
  auto flows = FlowRegistry::Load(options.flows_dir);
  if (!flows.ok()) return flows.status();
  auto emotions = EmotionDetector::Load(options.emotions_file);
  if (!emotions.ok()) return emotions.status();
  auto risks = RiskDetector::Load(options.risks_file);
  if (!risks.ok()) return risks.status();
  auto normalizer = text::Normalizer::Create();
  if (!normalizer.ok()) return normalizer.status();
  auto rules = Rules::Load(options.rules_file, **normalizer);
  if (!rules.ok()) return rules.status();
  auto districts = LoadDistricts(options.districts_file);
  if (!districts.ok()) return districts.status();
  return std::unique_ptr<DialogueService>(
      new Service(db, assistant, kb, std::move(flows).value(), std::move(emotions).value(),
                  std::move(risks).value(), std::move(rules).value(), std::move(normalizer).value(),
                  std::move(districts).value(), options, clock, std::move(sealer)));
}

}  // namespace zx::dialogue
