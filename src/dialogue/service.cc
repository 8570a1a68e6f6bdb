#include "dialogue/service.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "dialogue/conversation_store.h"
#include "dialogue/emotion.h"
#include "dialogue/flow.h"
#include "dialogue/rules.h"
#include "dialogue/state.h"
#include "dialogue/turn.h"
#include "dialogue/understanding.h"
#include "knowledge/answer.h"
#include "knowledge/entry.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

constexpr char kRemovedByRetention[] = "（内容已按保留期限删除）";
constexpr char kAgentJoined[] = "人工坐席已接入，请问有什么可以帮您？";

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

class Service final : public DialogueService {
 public:
  Service(ConversationStore store, const knowledge::Assistant& assistant,
          const knowledge::KnowledgeBase& kb, FlowRegistry flows, EmotionDetector emotions,
          RiskDetector risks, Rules rules, std::unique_ptr<text::Normalizer> normalizer,
          Districts districts, const DialogueOptions& options, const Clock& clock,
          ActionRegistry actions)
      : store_(std::move(store)),
        kb_(kb),
        flows_(std::move(flows)),
        emotions_(std::move(emotions)),
        risks_(std::move(risks)),
        rules_(std::move(rules)),
        normalizer_(std::move(normalizer)),
        districts_(std::move(districts)),
        options_(options),
        clock_(clock),
        actions_(std::move(actions)),
        understander_(assistant, kb_, *normalizer_, emotions_, risks_, rules_, districts_),
        deps_{assistant,
              kb_,
              flows_,
              emotions_,
              rules_,
              *normalizer_,
              [this](const std::string& id, const State& st) {
                return store_.QueuePosition(id, clock_.NowUnixMillis(), QueueUrgency(st));
              },
              options_.agents_online} {}

  Result<ConversationView> Start(const std::string& channel) override {
    std::string id = NewId();
    std::string token = NewToken();
    int64_t now = clock_.NowUnixMillis();
    State st;
    st.last_reply = rules_.greeting;
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(
          store_.Insert(id, channel.empty() ? "web" : channel, st, TokenHash(token), now));
      return store_.AppendTurn(id, "assistant", rules_.greeting, now, "{}");
    }));
    log::Info("conversation.start conversation={} channel={}", id, channel);
    bus_.Publish(ConversationStarted{id, channel.empty() ? "web" : channel});
    auto view = Get(id);
    if (view.ok()) view->token = std::move(token);
    return view;
  }

  Status CheckToken(const std::string& id, std::string_view token) const override {
    ZX_ASSIGN_OR_RETURN(std::optional<std::string> hash, store_.TokenHash(id));
    // Unknown id, no token (a conversation of another channel) and a wrong token answer alike.
    if (!hash || token.empty() || !security::ConstantTimeEquals(*hash, TokenHash(token)))
      return NotFound("no such conversation (or the token does not match)");
    return Status::Ok();
  }

  Result<Reply> Say(const std::string& id, std::string_view raw) override {
    return Turn(id, raw, nullptr);
  }

  Result<Reply> Choose(const std::string& id, const std::string& topic,
                       std::string_view said) override {
    if (!kb_.Find(topic)) return NotFound("no such topic: " + topic);
    return Turn(id, said, &topic);
  }

  // One citizen turn; `chosen`: the topic picked without words (Choose), answered through the
  // choice stage as a pick after asking back would be.
  Result<Reply> Turn(const std::string& id, std::string_view raw, const std::string* chosen) {
    ZX_ASSIGN_OR_RETURN(std::string text, CheckedText(raw));
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
    if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
    ZX_ASSIGN_OR_RETURN(int64_t citizen_turns, store_.CountTurns(id, "citizen"));
    if (citizen_turns >= options_.max_citizen_turns)
      return FailedPrecondition("this conversation already holds " +
                                std::to_string(options_.max_citizen_turns) +
                                " messages; please start a new one");

    int64_t now = clock_.NowUnixMillis();
    Reply reply;
    bool moved_up = false;
    if (st.state == kQueued || st.state == kAgent) {
      // Messages written while waiting are read for danger and anger too: the queue serves a
      // danger first (QueueUrgency), and the agent sees it in the summary's 风险提示.
      const int urgency_before = QueueUrgency(st);
      NoteWhileWithAgents(text, st);
      moved_up = st.state == kQueued && QueueUrgency(st) > urgency_before;
      reply =
          ReplyWhileWithAgents(id, st, store_.QueuePosition(id, now, QueueUrgency(st)), moved_up);
    } else {
      Understanding u = understander_.Understand(st, text);
      if (chosen) {
        st.pending_choices = {*chosen};
        u.choice = 0;
        // A calculator chosen again is a new calculation, not the offer to recompute the last.
        st.flows.erase(*chosen);
      }
      Remember(u, st);
      reply = RunTurn(deps_, id, st, u);
    }
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(store_.AppendTurn(id, "citizen", text, now, ""));
      if (!reply.text.empty())
        ZX_RETURN_IF_ERROR(
            store_.AppendTurn(id, "assistant", reply.text, now, EncodeReplyMeta(reply)));
      return store_.SaveState(id, st, now);
    }));
    reply.state = st.state;
    reply.queue_position = st.state == kQueued ? QueuePosition(id) : 0;
    if (st.state == kQueued && reply.handoff)
      log::Info("conversation.handoff conversation={} reason={}", id, st.handoff_reason);
    lock.unlock();
    bus_.Publish(CitizenSaid{id, text});
    bus_.Publish(TurnAnswered{id, reply});
    if (reply.handoff) {
      bus_.Publish(HandedOver{id, reply.handoff_reason.value_or(""), st.handoff_reason,
                              reply.queue_position});
      ActionRequest request;
      request.conversation_id = id;
      request.topic = st.topic;
      request.slots = st.ActiveSlots();
      request.reason = st.handoff_reason;
      RunActions("on_handoff", std::move(request));
    }
    if (st.state == kEnded) (void)End(id);  // goodbye: the summary is stored at once
    // A danger (or anger) jumps the queue: everyone queued may have a new place.
    if (moved_up || (reply.handoff && QueueUrgency(st) > 0)) NotifyQueueMoved();
    return reply;
  }

  Result<ConversationView> Get(const std::string& id, TurnPage page = {}) const override {
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    const State& st = rec.data;
    ConversationView v;
    v.id = id;
    v.channel = std::move(rec.channel);
    v.state = std::move(rec.state);
    v.agent_id = std::move(rec.agent_id);
    v.agent = std::move(rec.agent_name);
    v.summary = std::move(rec.summary);
    v.summary_corrected = std::move(rec.summary_corrected);
    v.topic = st.topic;
    for (const auto& topic : st.topics) AddDepartmentOf(topic, v.departments);
    if (st.topic) AddDepartmentOf(*st.topic, v.departments);
    for (const auto& name : st.districts)
      for (const auto& [code, district] : districts_)
        if (district == name &&
            std::find(v.districts.begin(), v.districts.end(), code) == v.districts.end())
          v.districts.push_back(code);
    v.slots = st.ActiveSlots();
    v.emotion = ToEmotionTag(st.emotions.empty() ? EmotionLabel{} : st.emotions.back());
    v.queue_position = v.state == kQueued ? QueuePosition(id) : 0;
    ZX_ASSIGN_OR_RETURN(v.turns_total, store_.CountTurns(id, ""));
    // The summary is made from every turn; a page of the transcript is what the caller shows.
    const bool need_all = page.summary && !v.summary && v.state != kActive;
    ZX_ASSIGN_OR_RETURN(
        std::vector<StoredTurn> stored,
        store_.Turns(id, need_all ? int64_t{-1} : page.after_seq,
                     need_all || page.limit <= 0 ? int64_t{0} : int64_t{page.limit} + 1));
    for (auto& t : stored)
      v.turns.push_back({t.seq, std::move(t.role),
                         t.text ? std::move(*t.text) : kRemovedByRetention, t.at_ms,
                         std::move(t.meta)});
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

  Result<Summary> End(const std::string& id) override {
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
    ZX_ASSIGN_OR_RETURN(ConversationView view, Get(id));
    if (st.state == kEnded && view.summary) return *view.summary;
    Summary summary = MakeSummary(st, view.turns);
    st.state = kEnded;
    int64_t now = clock_.NowUnixMillis();
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(store_.SaveState(id, st, now));
      return store_.SaveSummary(id, summary);
    }));
    lock.unlock();
    bus_.Publish(ConversationEnded{id});
    bus_.Publish(SummaryReady{id, summary});
    return summary;
  }

  std::vector<QueueItem> Queue() const override {
    std::vector<QueueItem> out;
    for (auto& q : store_.Queued()) {
      QueueItem item;
      item.id = q.id;
      item.position = static_cast<int>(out.size()) + 1;
      item.waiting_since_ms = q.queued_ms;
      item.reason = q.data.handoff_reason;
      item.slots = q.data.ActiveSlots();
      item.key_missing = q.key_missing;
      out.push_back(std::move(item));
    }
    for (auto& item : out) {
      if (item.key_missing) continue;
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
      ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
      if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
      ZX_ASSIGN_OR_RETURN(std::string holder, store_.Holder(id));
      if (st.state == kAgent && holder == agent.id) return Get(id);
      if (st.state == kAgent && !holder.empty() && !takeover)
        return FailedPrecondition(
            "another agent holds the conversation; a supervisor may take it over");
      st.state = kAgent;
      int64_t now = clock_.NowUnixMillis();
      ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
        ZX_RETURN_IF_ERROR(store_.SaveState(id, st, now));
        ZX_RETURN_IF_ERROR(store_.SaveHolder(id, agent.id, agent.name));
        return store_.AppendTurn(id, "agent", kAgentJoined, now, EncodeAgentMeta(agent.id));
      }));
      log::Info("conversation.taken conversation={} agent={} takeover={}", id, agent.id, takeover);
      lock.unlock();
      bus_.Publish(StateChanged{id, kAgent, 0});
      // Citizens are told that a person answers, not which login it is.
      bus_.Publish(AgentSaid{id, kAgentJoined});
    }
    NotifyQueueMoved();
    return Get(id);
  }

  Status AgentSay(const std::string& id, const StaffRef& agent, std::string_view raw) override {
    ZX_ASSIGN_OR_RETURN(std::string text, CheckedText(raw));
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
    if (st.state != kAgent)
      return FailedPrecondition("the conversation is not with an agent (state " + st.state +
                                "); take it first");
    ZX_ASSIGN_OR_RETURN(std::string holder, store_.Holder(id));
    if (agent.id.empty() || holder != agent.id)
      return Status(Code::kPermissionDenied, "another agent holds the conversation");
    int64_t now = clock_.NowUnixMillis();
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      return store_.AppendTurn(id, "agent", text, now, EncodeAgentMeta(agent.id));
    }));
    lock.unlock();
    bus_.Publish(AgentSaid{id, text});
    return Status::Ok();
  }

  Status CorrectSummary(const std::string& id, const StaffRef& agent,
                        std::string_view corrected_text) override {
    json corrected = json::parse(corrected_text, nullptr, false);
    if (corrected.is_discarded()) return InvalidArgument("summary must be a JSON object");
    ZX_RETURN_IF_ERROR(CheckSummaryCorrection(corrected));
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(ConversationView view, Get(id));
    if (agent.id.empty() || view.agent_id != agent.id)
      return Status(Code::kPermissionDenied,
                    view.agent_id.empty() ? "no agent held the conversation; nobody may correct it"
                                          : "another agent held the conversation");
    if (!view.summary)
      return FailedPrecondition("the conversation has no summary yet; end it first");
    json merged = json::parse(view.summary_corrected.empty() ? EncodeSummary(*view.summary)
                                                             : view.summary_corrected);
    for (const auto& [k, v] : corrected.items()) merged[k] = v;
    merged["_corrected_by"] = agent.id;
    merged["_corrected_ms"] = clock_.NowUnixMillis();
    return store_.SaveSummaryCorrection(
        id, merged.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  int Subscribe(const std::string& id, Listener listener) override {
    return bus_.Subscribe(id, std::move(listener));
  }
  void Unsubscribe(int subscription) override { bus_.Unsubscribe(subscription); }

 private:
  int QueuePosition(const std::string& id) const {
    return store_.QueuePosition(id, clock_.NowUnixMillis());
  }

  // What a message written while queued or with an agent says about the conversation: risks
  // and feelings, noted in the state like a turn's (Remember); a danger or anger at 高 raises
  // the handover's priority.
  void NoteWhileWithAgents(const std::string& text, State& st) const {
    const std::string norm = normalizer_->Normalize(text);
    const EmotionResult emotion = emotions_.Detect(norm, st.emotions);
    const std::vector<RiskHit> risks = risks_.Detect(norm);
    st.emotions.push_back(emotion.dominant);
    for (const auto& n : RiskNotes(emotion, risks)) st.risks.insert(n);
    if (HeardDanger(risks)) {
      st.danger = true;
      st.handoff_priority = std::max(st.handoff_priority, static_cast<int>(HandoffReason::kRisk));
    }
    const bool angry = emotion.level(Emotion::kAnger) == Level::kHigh ||
                       emotion.level(Emotion::kRage) == Level::kHigh;
    if (angry)
      st.handoff_priority = std::max(st.handoff_priority, static_cast<int>(HandoffReason::kAnger));
  }

  Summary MakeSummary(const State& st, const std::vector<TurnRecord>& turns) const {
    SummaryInput in;
    in.topics = st.topics;
    in.risks.assign(st.risks.begin(), st.risks.end());
    in.emotions = st.emotions;
    in.handed_over = st.escalation.handed_over;
    in.handoff_reason = st.handoff_reason;
    in.danger = st.danger;
    in.districts = st.districts;
    in.request_types.assign(st.request_types.begin(), st.request_types.end());
    in.unresolved_turns = 0;
    for (const auto& t : turns) {
      if (t.role != "assistant") continue;
      StoredReplyFacts f = ReadReplyMeta(t.meta);
      if (f.result_summary) in.results.push_back(*f.result_summary);
      if (f.unanswered && t.seq > 0) ++in.unresolved_turns;
    }
    return MakeSevenElementSummary(in, kb_);
  }

  void AddDepartmentOf(const std::string& topic, std::vector<std::string>& out) const {
    const knowledge::Entry* e = kb_.Find(topic);
    if (!e || e->department.empty() || e->department == "-") return;
    if (std::find(out.begin(), out.end(), e->department) == out.end()) out.push_back(e->department);
  }

  // The actions the data names for `trigger`; a failing action is logged, never the turn's
  // failure.
  void RunActions(const std::string& trigger, ActionRequest request) const {
    auto it = rules_.actions.find(trigger);
    if (it == rules_.actions.end()) return;
    request.trigger = trigger;
    for (const auto& name : it->second) {
      if (!actions_.Has(name)) continue;  // not wired in this process (tests, tools)
      request.action = name;
      Status s = actions_.Invoke(name, request);
      if (!s.ok())
        log::Warn("dialogue.action_failed action={} conversation={} error=\"{}\"", name,
                  request.conversation_id, s.message());
    }
  }

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

  // Everyone still queued moves up one place.
  void NotifyQueueMoved() {
    for (const auto& item : Queue()) bus_.Publish(StateChanged{item.id, kQueued, item.position});
  }

  ConversationStore store_;
  const knowledge::KnowledgeBase& kb_;
  FlowRegistry flows_;
  EmotionDetector emotions_;
  RiskDetector risks_;
  Rules rules_;
  std::unique_ptr<text::Normalizer> normalizer_;
  Districts districts_;  // code, name
  DialogueOptions options_;
  const Clock& clock_;
  ActionRegistry actions_;
  Understander understander_;
  TurnDeps deps_;
  EventBus bus_;

  std::mutex locks_mu_;
  std::unordered_map<std::string, std::shared_ptr<std::mutex>> locks_;
};

}  // namespace

Result<std::unique_ptr<DialogueService>> DialogueService::Create(
    storage::Database& db, const knowledge::Assistant& assistant,
    const knowledge::KnowledgeBase& kb, const DialogueOptions& options, const Clock& clock,
    TextSealer sealer, ActionRegistry actions) {
  ZX_ASSIGN_OR_RETURN(ConversationStore store, ConversationStore::Open(db, std::move(sealer)));
  ZX_ASSIGN_OR_RETURN(FlowRegistry flows, FlowRegistry::Load(options.flows_dir));
  ZX_ASSIGN_OR_RETURN(EmotionDetector emotions, EmotionDetector::Load(options.emotions_file));
  ZX_ASSIGN_OR_RETURN(RiskDetector risks, RiskDetector::Load(options.risks_file));
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::Normalizer> normalizer, text::Normalizer::Create());
  ZX_ASSIGN_OR_RETURN(Rules rules, Rules::Load(options.rules_file, *normalizer));
  ZX_ASSIGN_OR_RETURN(Districts districts, LoadDistricts(options.districts_file));
  for (const auto& [trigger, names] : rules.actions)
    for (const auto& name : names)
      if (!actions.Has(name))
        log::Debug("dialogue.action_not_registered trigger={} action={}", trigger, name);
  return std::unique_ptr<DialogueService>(
      new Service(std::move(store), assistant, kb, std::move(flows), std::move(emotions),
                  std::move(risks), std::move(rules), std::move(normalizer), std::move(districts),
                  options, clock, std::move(actions)));
}

DialogueOptions DialogueOptionsFor(const std::string& kb_dir, const DialogueConfig& config) {
  const std::filesystem::path kb = kb_dir;
  DialogueOptions o;
  o.flows_dir = (kb / "flows").string();
  o.emotions_file = (kb / "emotions.toml").string();
  o.risks_file = (kb / "risks.toml").string();
  o.rules_file = (kb / "dialogue.toml").string();
  o.districts_file = (kb / "districts.tsv").string();
  o.max_citizen_turns = config.max_citizen_turns;
  return o;
}

}  // namespace zx::dialogue
