#include "dialogue/service.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/china_date.h"
#include "base/log.h"
#include "dialogue/age_band.h"
#include "dialogue/contact.h"
#include "dialogue/conversation_store.h"
#include "dialogue/emotion.h"
#include "dialogue/flow.h"
#include "dialogue/rules.h"
#include "dialogue/satisfaction.h"
#include "dialogue/state.h"
#include "dialogue/turn.h"
#include "dialogue/understanding.h"
#include "knowledge/answer.h"
#include "knowledge/entry.h"
#include "knowledge/snapshot.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

constexpr char kRemovedByRetention[] = "（内容已按保留期限删除）";
constexpr char kAgentJoined[] = "人工坐席已接入，请问有什么可以帮您？";
constexpr char kAgentClosed[] = "本次服务已结束，感谢您的来电。";
constexpr char kTransferredToQueue[] = "您的咨询正在转接其他坐席，请稍候。";

// What citizens are told when an agent joins: the display name the administrator chose, never
// the login name.
std::string JoinedText(const std::string& display) {
  return display.empty() ? kAgentJoined : "人工客服（" + display + "）已接入，请问有什么可以帮您？";
}

std::string DigitsOf(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out += c;
  return out;
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

// An agent's summary correction (issue 11 #6): known elements only, each of its type and, where
// the summary has a closed list, one of its values; texts valid UTF-8 of at most 1000
// characters. Errors name the field: `field "诉求类型" must be one of ...`.
Status FieldError(const std::string& field, const std::string& what) {
  return InvalidArgument("field \"" + field + "\" " + what);
}

Status CheckText(const std::string& field, const json& v, bool nullable = false) {
  if (nullable && v.is_null()) return Status::Ok();
  if (!v.is_string())
    return FieldError(field, nullable ? "must be a string or null" : "must be a string");
  const auto& t = v.get_ref<const std::string&>();
  if (!text::IsValidUtf8(t)) return FieldError(field, "is not valid UTF-8");
  if (CountChars(t) > 1000) return FieldError(field, "is longer than 1000 characters");
  return Status::Ok();
}

Status CheckOneOf(const std::string& field, const json& v,
                  std::initializer_list<std::string_view> allowed) {
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (!v.is_string()) return FieldError(field, "must be one of " + list);
  const auto& t = v.get_ref<const std::string&>();
  for (auto a : allowed)
    if (t == a) return Status::Ok();
  return FieldError(field, "must be one of " + list);
}

Status CheckTextList(const std::string& field, const json& v) {
  if (!v.is_array()) return FieldError(field, "must be a list of strings");
  if (v.size() > 50) return FieldError(field, "has more than 50 entries");
  for (const auto& part : v) ZX_RETURN_IF_ERROR(CheckText(field, part));
  return Status::Ok();
}

Status CheckSummaryCorrection(const json& corrected) {
  if (!corrected.is_object()) return InvalidArgument("summary must be a JSON object");
  if (corrected.empty()) return InvalidArgument("the correction names no element");
  // In the order of the seven elements, so that the first wrong one named is the summary's
  // first (a JSON object's own order is not kept).
  static const std::vector<std::string> kOrder = {"咨询主体", "诉求类型", "涉及政策",  "处理建议",
                                                  "待办事项", "风险提示", "满意度预测"};
  std::vector<std::string> keys;
  for (const auto& k : kOrder)
    if (corrected.contains(k)) keys.push_back(k);
  for (const auto& [k, v] : corrected.items())
    if (std::find(kOrder.begin(), kOrder.end(), k) == kOrder.end()) keys.push_back(k);
  for (const auto& k : keys) {
    const json& v = corrected.at(k);
    if (k == "诉求类型") {
      ZX_RETURN_IF_ERROR(CheckOneOf(k, v, {"咨询", "求助", "投诉", "建议", "举报", "表扬"}));
    } else if (k == "满意度预测") {
      ZX_RETURN_IF_ERROR(CheckOneOf(k, v, {"满意", "基本满意", "不满意"}));
    } else if (k == "处理建议") {
      ZX_RETURN_IF_ERROR(CheckText(k, v));
    } else if (k == "待办事项" || k == "风险提示") {
      ZX_RETURN_IF_ERROR(CheckTextList(k, v));
    } else if (k == "涉及政策") {
      if (!v.is_array())
        return FieldError(k, "must be a list of {\"topic\", \"title\", \"version\"}");
      if (v.size() > 50) return FieldError(k, "has more than 50 entries");
      for (const auto& p : v) {
        if (!p.is_object())
          return FieldError(k, "must be a list of {\"topic\", \"title\", \"version\"}");
        for (const auto& [pk, pv] : p.items()) {
          const std::string f = k + "." + pk;
          if (pk == "topic" || pk == "title") {
            ZX_RETURN_IF_ERROR(CheckText(f, pv));
          } else if (pk == "version") {
            if (!pv.is_number_integer() || pv.get<int64_t>() < 1)
              return FieldError(f, "must be a whole number of at least 1");
          } else {
            return FieldError(f, "is not a part of 涉及政策 (topic, title, version)");
          }
        }
      }
    } else if (k == "咨询主体") {
      if (!v.is_object())
        return FieldError(k,
                          "must be an object like {\"type\": \"个人\", \"district\": \"东城区\"}");
      for (const auto& [sk, sv] : v.items()) {
        const std::string f = k + "." + sk;
        if (sk == "type") {
          ZX_RETURN_IF_ERROR(CheckOneOf(f, sv, {"个人", "企业"}));
        } else if (sk == "name" || sk == "district" || sk == "age_band" || sk == "address" ||
                   sk == "contact") {
          ZX_RETURN_IF_ERROR(CheckText(f, sv, /*nullable=*/true));
        } else {
          return FieldError(f,
                            "is not a part of 咨询主体 (type, name, district, age_band, address, "
                            "contact)");
        }
      }
    } else {
      return FieldError(k,
                        "is not a summary element (咨询主体, 诉求类型, 涉及政策, 处理建议, "
                        "待办事项, 风险提示, 满意度预测)");
    }
  }
  return Status::Ok();
}

std::string NewId() { return "c" + security::HexEncode(security::RandomBytes(16)); }
// The citizen's token: 128 random bits, of which only the SM3 hash is stored.
std::string NewToken() { return "ct" + security::HexEncode(security::RandomBytes(16)); }
std::string TokenHash(std::string_view token) { return security::HexEncode(security::Sm3(token)); }

class Service final : public DialogueService {
 public:
  Service(ConversationStore store, knowledge::SnapshotSource knowledge, FlowRegistry flows,
          EmotionDetector emotions, RiskDetector risks, Rules rules,
          std::unique_ptr<text::Normalizer> normalizer, Districts districts, AgeBands age_bands,
          const DialogueOptions& options, const Clock& clock, ActionRegistry actions)
      : store_(std::move(store)),
        knowledge_(std::move(knowledge)),
        flows_(std::move(flows)),
        emotions_(std::move(emotions)),
        risks_(std::move(risks)),
        rules_(std::move(rules)),
        normalizer_(std::move(normalizer)),
        districts_(std::move(districts)),
        age_bands_(std::move(age_bands)),
        options_(options),
        clock_(clock),
        actions_(std::move(actions)) {
    TermsFor(knowledge_());  // the first turn finds them ready
  }

  Result<ConversationView> Start(const std::string& channel) override {
    std::string id = NewId();
    std::string token = NewToken();
    int64_t now = clock_.NowUnixMillis();
    ConversationRecord rec;
    rec.channel = channel.empty() ? "web" : channel;
    rec.data.last_reply = rules_.greeting;
    rec.state = rec.data.state;
    rec.created_ms = now;
    rec.turns = 1;
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      return store_.Insert(id, rec.channel, rec.data, TokenHash(token),
                           {{"assistant", rules_.greeting, "{}"}}, now);
    }));
    log::Info("conversation.start conversation={} channel={}", id, channel);
    bus_.Publish(ConversationStarted{id, rec.channel});
    // The view of what was just stored, without reading it back.
    ConversationView view =
        ViewOf(id, std::move(rec), {{0, "assistant", rules_.greeting, now, "{}"}}, {}, false);
    view.token = std::move(token);
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
    return Turn(id, raw, nullptr, knowledge_());
  }

  Result<Reply> Choose(const std::string& id, const std::string& topic,
                       std::string_view said) override {
    const knowledge::KnowledgeSnapshot k = knowledge_();
    if (!k.kb->Find(topic)) return NotFound("no such topic: " + topic);
    return Turn(id, said, &topic, k);
  }

  // One citizen turn; `chosen`: the topic picked without words (Choose), answered through the
  // choice stage as a pick after asking back would be. `k`: the knowledge base of the whole
  // turn, whatever is published meanwhile.
  Result<Reply> Turn(const std::string& id, std::string_view raw, const std::string* chosen,
                     const knowledge::KnowledgeSnapshot& k) {
    ZX_ASSIGN_OR_RETURN(std::string text, CheckedText(raw));
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(ConversationStore::StateForTurn loaded, store_.LoadStateForTurn(id));
    State& st = loaded.state;
    const std::string contact_before = st.contact;
    // A return visit waiting in the conversation takes the message, ended or still with the
    // assistant (a tab left open); not while it is with the agents, who answer it themselves.
    if (late_ && st.state != kQueued && st.state != kAgent) {
      ZX_ASSIGN_OR_RETURN(std::optional<Reply> late, LateTurn(id, text, st.state, lock));
      if (late) return *late;
    }
    if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
    if (loaded.citizen_turns >= options_.max_citizen_turns)
      return FailedPrecondition("this conversation already holds " +
                                std::to_string(options_.max_citizen_turns) +
                                " messages; please start a new one");

    int64_t now = clock_.NowUnixMillis();
    // The phone number and address the citizen gives, for the summary (sealed with the state).
    ContactFacts contact = FindContact(text, rules_.address);
    if (contact.phone.empty()) contact.phone = FindContact(normalizer_->Normalize(text), {}).phone;
    if (!contact.phone.empty()) st.contact = contact.phone;
    if (!contact.address.empty()) st.address = contact.address;
    NoteAgeBand(text, now, st);
    Reply reply;
    bool moved_up = false;
    std::string citizen_meta;
    if (st.state == kQueued || st.state == kAgent) {
      // Messages written while waiting are read for danger and anger too: the queue serves a
      // danger first (QueueUrgency), and the agent sees it in the summary's 风险提示.
      const int urgency_before = QueueUrgency(st);
      const Heard heard = NoteWhileWithAgents(text, st);
      citizen_meta = EncodeCitizenMeta(heard.emotion, heard.risks, Push(k, text));
      moved_up = st.state == kQueued && QueueUrgency(st) > urgency_before;
      reply =
          ReplyWhileWithAgents(id, st, store_.QueuePosition(id, now, QueueUrgency(st)), moved_up);
    } else {
      const std::shared_ptr<const KbTerms> terms = TermsFor(k);
      const Understander understander(*k.assistant, *k.kb, *terms, *normalizer_, emotions_, risks_,
                                      rules_, districts_);
      Understanding u = understander.Understand(st, text);
      if (chosen) {
        st.pending_choices = {*chosen};
        u.choice = 0;
        // A calculator chosen again is a new calculation, not the offer to recompute the last.
        st.flows.erase(*chosen);
      }
      Remember(u, st);
      reply = RunTurn(DepsFor(k, loaded.channel == "voice"), id, st, u);
      if (reply.result) NoteBirthSlot(now, st);
      ComplaintTurn(*k.kb, id, text, st, reply);
      citizen_meta = EncodeCitizenMeta(u.emotion.dominant, u.risks, {});
    }
    reply.ticket = st.ticket;
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      std::vector<ConversationStore::NewTurn> turns{{"citizen", text, citizen_meta}};
      if (!reply.text.empty()) turns.push_back({"assistant", reply.text, EncodeReplyMeta(reply)});
      if (st.contact != contact_before)
        ZX_RETURN_IF_ERROR(store_.SavePhoneIndex(id, store_.PhoneIndex(st.contact)));
      return store_.SaveStateAndTurns(id, st, turns, now);
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

  // The age band of a valid ID number the citizen gives (as typed or normalised: full-width or
  // spoken digits), at the turn's China date: only the band is kept, for the dashboard's
  // portraits; the last one heard wins.
  void NoteAgeBand(std::string_view text, int64_t now_ms, State& st) const {
    if (age_bands_.empty()) return;
    const std::string today = ChinaDate(now_ms);
    std::string band = AgeBandInText(text, age_bands_, today);
    if (band.empty()) band = AgeBandInText(normalizer_->Normalize(text), age_bands_, today);
    if (!band.empty()) st.age_band = std::move(band);
  }

  // A calculator's result that rests on the citizen's own birth (a year_month slot named
  // "birth", as the retirement-age calculator asks "您是哪一年哪个月出生的"): its age band, as an
  // ID number's; the day unknown, the first of the month.
  void NoteBirthSlot(int64_t now_ms, State& st) const {
    if (age_bands_.empty() || st.active_flow.empty()) return;
    const FlowDef* flow = flows_.Find(st.active_flow);
    auto held = st.flows.find(st.active_flow);
    if (!flow || held == st.flows.end()) return;
    const bool asks_birth = std::any_of(flow->slots.begin(), flow->slots.end(), [](const auto& s) {
      return s.name == "birth" && s.type == SlotType::kYearMonth;
    });
    auto value = held->second.slots.find("birth");
    if (!asks_birth || value == held->second.slots.end()) return;
    const auto* year_month = std::get_if<std::string>(&value->second);
    int year = 0, month = 0;
    if (!year_month || std::sscanf(year_month->c_str(), "%d-%d", &year, &month) != 2) return;
    if (std::optional<int> age = AgeOn(year, month, 1, ChinaDate(now_ms))) {
      if (std::string band = BandOf(age_bands_, *age); !band.empty()) st.age_band = std::move(band);
    }
  }

  Result<ConversationView> Get(const std::string& id, TurnPage page = {}) const override {
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    // The summary is made from every turn; a page of the transcript is what the caller shows.
    const bool need_all = page.summary && !rec.summary && rec.state != kActive;
    ZX_ASSIGN_OR_RETURN(
        std::vector<StoredTurn> stored,
        store_.Turns(id, need_all ? int64_t{-1} : page.after_seq,
                     need_all || page.limit <= 0 ? int64_t{0} : int64_t{page.limit} + 1));
    return ViewOf(id, std::move(rec), std::move(stored), page, need_all);
  }

  // The view of `rec` with the `stored` turns (every turn when `need_all`, for the summary;
  // else the page's, and one more when it has a limit).
  ConversationView ViewOf(const std::string& id, ConversationRecord rec,
                          std::vector<StoredTurn> stored, const TurnPage& page,
                          bool need_all) const {
    const State& st = rec.data;
    const knowledge::KnowledgeSnapshot k = knowledge_();
    ConversationView v;
    v.id = id;
    v.channel = std::move(rec.channel);
    v.state = std::move(rec.state);
    v.agent_id = std::move(rec.agent_id);
    v.agent = std::move(rec.agent_name);
    v.agent_display = std::move(rec.agent_display);
    v.queue = std::move(rec.queue);
    v.reference = std::move(rec.reference);
    v.satisfaction = std::move(rec.satisfaction);
    v.created_ms = rec.created_ms;
    v.ended_ms = rec.ended_ms;
    v.summary = std::move(rec.summary);
    v.summary_corrected = std::move(rec.summary_corrected);
    v.topic = st.topic;
    for (const auto& topic : st.topics) AddDepartmentOf(*k.kb, topic, v.departments);
    if (st.topic) AddDepartmentOf(*k.kb, *st.topic, v.departments);
    for (const auto& name : st.districts)
      for (const auto& [code, district] : districts_)
        if (district == name &&
            std::find(v.districts.begin(), v.districts.end(), code) == v.districts.end())
          v.districts.push_back(code);
    v.slots = st.ActiveSlots();
    if (const FlowDef* flow = st.active_flow.empty() ? nullptr : flows_.Find(st.active_flow)) {
      v.calculator = flow->title;
      for (const auto& slot : flow->slots) v.slot_labels.emplace_back(slot.name, slot.label);
    }
    v.emotion = ToEmotionTag(st.emotions.empty() ? EmotionLabel{} : st.emotions.back());
    v.queue_position = v.state == kQueued ? QueuePosition(id) : 0;
    v.turns_total = rec.turns;
    for (auto& t : stored)
      v.turns.push_back({t.seq, std::move(t.role),
                         t.text ? std::move(*t.text) : kRemovedByRetention, t.at_ms,
                         std::move(t.meta)});
    if (need_all) {
      v.summary = MakeSummary(*k.kb, st, v.turns);
      std::erase_if(v.turns, [&](const TurnRecord& r) { return r.seq <= page.after_seq; });
    }
    // The stored summary leaves out the contact (its column is not sealed): it comes from the
    // sealed state.
    if (v.summary) {
      if (!v.summary->subject.contact && !st.contact.empty())
        v.summary->subject.contact = st.contact;
      if (!v.summary->subject.address && !st.address.empty())
        v.summary->subject.address = st.address;
    }
    if (page.limit > 0 && v.turns.size() > static_cast<size_t>(page.limit)) {
      v.turns.resize(page.limit);
      v.next_after = v.turns.back().seq;
    }
    return v;
  }

  Result<Summary> End(const std::string& id) override {
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    State st = std::move(rec.data);
    st.state = rec.state;
    // Ended before (the stored summary says so): nothing new to tell anyone. A goodbye sets the
    // state "ended" before its End runs, so the state alone does not mean the end was told.
    if (st.state == kEnded && rec.summary) {
      Summary stored = std::move(*rec.summary);
      if (!st.contact.empty()) stored.subject.contact = st.contact;
      if (!st.address.empty()) stored.subject.address = st.address;
      return stored;
    }
    ZX_ASSIGN_OR_RETURN(std::vector<StoredTurn> stored, store_.Turns(id, -1, 0));
    std::vector<TurnRecord> turns;
    for (auto& t : stored)
      turns.push_back({t.seq, std::move(t.role), t.text ? std::move(*t.text) : kRemovedByRetention,
                       t.at_ms, std::move(t.meta)});
    Summary summary = MakeSummary(*knowledge_().kb, st, turns);
    st.state = kEnded;
    int64_t now = clock_.NowUnixMillis();
    std::string reference;
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      ZX_ASSIGN_OR_RETURN(reference, store_.SaveEnd(id, st, summary, !rec.reference.empty(), now));
      return Status::Ok();
    }));
    log::Info("conversation.end conversation={} reference={}", id, reference);
    lock.unlock();
    bus_.Publish(ConversationEnded{id});
    bus_.Publish(SummaryReady{id, summary, reference});
    return summary;
  }

  Result<Continued> Continue(const std::string& id, std::string_view raw) override {
    ZX_ASSIGN_OR_RETURN(std::string text, CheckedText(raw));
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    if (rec.state != kEnded) return FailedPrecondition("the conversation has not ended");
    Continued out;
    ZX_ASSIGN_OR_RETURN(out.started, Start(rec.channel));
    ZX_ASSIGN_OR_RETURN(out.reply, Say(out.started.id, text));
    log::Info("conversation.continued conversation={} from={}", out.started.id, id);
    return out;
  }

  Status Rate(const std::string& id, std::string_view rating) override {
    if (!IsSatisfactionRating(rating))
      return InvalidArgument("field \"rating\" must be one of 满意, 基本满意, 不满意");
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
    if (st.state != kEnded)
      return FailedPrecondition("the conversation has not ended; rate it at the end");
    ZX_RETURN_IF_ERROR(store_.SaveSatisfaction(id, std::string(rating)));
    log::Info("conversation.rated conversation={} rating={}", id, rating);
    lock.unlock();
    bus_.Publish(Rated{id, std::string(rating)});
    return Status::Ok();
  }

  Result<Summary> Close(const std::string& id, const StaffRef& agent,
                        std::string_view raw_reason) override {
    ZX_ASSIGN_OR_RETURN(std::string reason, CheckedReason(raw_reason, /*required=*/false));
    {
      auto lock = LockConversation(id);
      ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
      if (st.state == kEnded) return FailedPrecondition("the conversation has ended already");
      ZX_RETURN_IF_ERROR(CheckHolder(id, agent));
      json meta = json::parse(EncodeAgentMeta(agent.id, agent.display));
      meta["closed"] = true;
      if (!reason.empty()) meta["reason"] = reason;
      int64_t now = clock_.NowUnixMillis();
      ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
        return store_.AppendTurn(id, "agent", kAgentClosed, now,
                                 meta.dump(-1, ' ', false, json::error_handler_t::replace));
      }));
      log::Info("conversation.closed conversation={} agent={}", id, agent.id);
    }
    bus_.Publish(AgentSaid{id, kAgentClosed, agent.display});
    return End(id);
  }

  Status Transfer(const std::string& id, const StaffRef& from, const TransferTarget& to,
                  std::string_view raw_reason) override {
    ZX_ASSIGN_OR_RETURN(std::string reason, CheckedReason(raw_reason, /*required=*/true));
    if (!to.agent.id.empty() && to.agent.id == from.id)
      return InvalidArgument("field \"to_agent\" names the agent who holds it already");
    std::string citizen_text;
    int position = 0;
    std::string state;
    {
      auto lock = LockConversation(id);
      ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));
      if (st.state != kAgent)
        return FailedPrecondition("the conversation is not with an agent (state " + st.state +
                                  "); take it first");
      ZX_RETURN_IF_ERROR(CheckHolder(id, from));
      int64_t now = clock_.NowUnixMillis();
      json meta = {{"agent", from.id}, {"transfer", {{"from", from.id}, {"reason", reason}}}};
      if (!to.agent.id.empty()) {
        meta["transfer"]["to_agent"] = to.agent.id;
        citizen_text = to.agent.display.empty()
                           ? std::string("您的咨询已转给另一位人工客服，请稍候。")
                           : "您的咨询已转给人工客服（" + to.agent.display + "），请稍候。";
        if (!to.agent.display.empty()) meta["display"] = to.agent.display;
        ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
          ZX_RETURN_IF_ERROR(
              store_.TransferHolder(id, from.id, to.agent.id, to.agent.name, to.agent.display));
          return store_.AppendTurn(id, "agent", citizen_text, now,
                                   meta.dump(-1, ' ', false, json::error_handler_t::replace));
        }));
        state = kAgent;
      } else {
        meta["transfer"]["to_queue"] = to.queue;
        citizen_text = kTransferredToQueue;
        st.state = kQueued;
        ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
          ZX_RETURN_IF_ERROR(store_.ReleaseToQueue(id, to.queue));
          ZX_RETURN_IF_ERROR(store_.SaveState(id, st, now));
          return store_.AppendTurn(id, "agent", citizen_text, now,
                                   meta.dump(-1, ' ', false, json::error_handler_t::replace));
        }));
        state = kQueued;
        position = QueuePosition(id);
      }
      log::Info("conversation.transferred conversation={} from={} to_agent={} to_queue={}", id,
                from.id, to.agent.id, to.queue);
    }
    bus_.Publish(AgentSaid{id, citizen_text, state == kAgent ? to.agent.display : ""});
    bus_.Publish(StateChanged{id, state, position});
    return Status::Ok();
  }

  Result<std::vector<ConversationView>> Search(const ConversationSearch& query) const override {
    ConversationQuery q;
    q.reference = query.reference;
    q.ticket = query.ticket;
    if (!query.phone.empty()) {
      std::string digits = DigitsOf(query.phone);
      if (digits.size() < 7) return InvalidArgument("field \"phone\" must be a whole phone number");
      q.phone_index = store_.PhoneIndex(digits);
    }
    q.since_ms = query.since_ms;
    q.until_ms = query.until_ms;
    q.limit = std::clamp(query.limit, 1, 200);
    if (q.reference.empty() && q.phone_index.empty() && q.ticket.empty() && q.since_ms <= 0 &&
        q.until_ms <= 0)
      return InvalidArgument(
          "give a reference, a work-order number, a phone number or a date to search by");
    ZX_ASSIGN_OR_RETURN(std::vector<std::string> ids, store_.Search(q));
    std::vector<ConversationView> out;
    for (const auto& id : ids) {
      auto v = Get(id, TurnPage{-1, 1, false});
      if (!v.ok()) continue;  // e.g. sealed under a key that is gone: not a search's failure
      v->turns.clear();
      v->next_after = -1;
      out.push_back(std::move(v).value());
    }
    return out;
  }

  std::vector<QueueItem> Queue() const override {
    std::vector<QueueItem> out;
    for (auto& q : store_.Queued()) {
      QueueItem item;
      item.id = q.id;
      item.position = static_cast<int>(out.size()) + 1;
      item.waiting_since_ms = q.queued_ms;
      item.reason = q.data.handoff_reason;
      item.queue = q.queue;
      item.slots = q.data.ActiveSlots();
      item.key_missing = q.key_missing;
      out.push_back(std::move(item));
    }
    for (auto& item : out) {
      if (item.key_missing) continue;
      auto v = Get(item.id);
      if (!v.ok()) continue;
      item.summary = v->summary;
      item.channel = v->channel;
      item.emotion = v->emotion;
    }
    return out;
  }

  Result<ActionRequest> WorkOrderFacts(const std::string& id) const override {
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    ZX_ASSIGN_OR_RETURN(std::vector<StoredTurn> stored, store_.Turns(id, -1, 0));
    const State& st = rec.data;
    ActionRequest r;
    r.trigger = "agent_form";
    r.conversation_id = id;
    r.channel = rec.channel;
    r.topic = st.topic;
    constexpr size_t kMaxText = 4000;  // as a complaint's words (ComplaintTurn)
    for (const auto& t : stored)
      if (t.role == "citizen" && t.text && r.text.size() < kMaxText)
        r.text += (r.text.empty() ? "" : "\n") + *t.text;
    r.contact = st.contact;
    r.address = st.address;
    r.districts = st.districts;
    r.danger = st.danger;
    if (st.ticket) r.ticket = st.ticket->id;
    return r;
  }

  Result<std::vector<std::string>> HeldBy(const std::string& agent_id) const override {
    return store_.HeldBy(agent_id);
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
      st.state = kAgent;
      int64_t now = clock_.NowUnixMillis();
      const std::string joined = JoinedText(agent.display);
      // The store's claim decides who holds it (already_exists for the second agent), also
      // between processes sharing the database.
      ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
        ZX_RETURN_IF_ERROR(store_.ClaimHolder(id, agent.id, agent.name, agent.display, takeover));
        ZX_RETURN_IF_ERROR(store_.SaveState(id, st, now));
        return store_.AppendTurn(id, "agent", joined, now,
                                 EncodeAgentMeta(agent.id, agent.display));
      }));
      log::Info("conversation.taken conversation={} agent={} takeover={}", id, agent.id, takeover);
      lock.unlock();
      bus_.Publish(StateChanged{id, kAgent, 0});
      // Citizens are told that a person answers, by the display name, never the login.
      bus_.Publish(AgentSaid{id, joined, agent.display});
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
      return store_.AppendTurn(id, "agent", text, now, EncodeAgentMeta(agent.id, agent.display));
    }));
    lock.unlock();
    bus_.Publish(AgentSaid{id, text, agent.display});
    return Status::Ok();
  }

  Status PostNotice(const std::string& id, std::string_view raw) override {
    ZX_ASSIGN_OR_RETURN(std::string text, CheckedText(raw));
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(State st, store_.LoadState(id));  // not_found for an unknown id
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      return store_.AppendTurn(id, "assistant", text, clock_.NowUnixMillis(), "{\"notice\":true}");
    }));
    lock.unlock();
    Reply reply;
    reply.conversation_id = id;
    reply.text = text;
    reply.state = st.state;
    bus_.Publish(TurnAnswered{id, reply});
    return Status::Ok();
  }

  void SetLateReplies(LateReplies late) override { late_ = std::move(late); }

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

  void SetAnswerWriter(const knowledge::AnswerWriter* writer) override { writer_ = writer; }

  Status AddSummaryNarrative(const std::string& id, const std::string& narrative,
                             const std::string& by) override {
    auto lock = LockConversation(id);
    ZX_ASSIGN_OR_RETURN(ConversationRecord rec, store_.Load(id));
    if (!rec.summary || rec.state != kEnded)
      return FailedPrecondition("the conversation has not ended; its summary is not final");
    rec.summary->narrative = narrative;
    rec.summary->narrative_by = by;
    return store_.SaveSummary(id, *rec.summary);
  }

  void Speaking(const std::string& id, std::string_view text) override {
    bus_.Publish(CitizenSpeaking{id, std::string(text)});
  }
  int Subscribe(const std::string& id, Listener listener) override {
    return bus_.Subscribe(id, std::move(listener));
  }
  void Unsubscribe(int subscription) override { bus_.Unsubscribe(subscription); }

 private:
  // OK when `agent` holds the conversation (the caller holds its lock).
  Status CheckHolder(const std::string& id, const StaffRef& agent) const {
    ZX_ASSIGN_OR_RETURN(std::string holder, store_.Holder(id));
    if (agent.id.empty() || holder != agent.id)
      return Status(Code::kPermissionDenied, holder.empty()
                                                 ? "no agent holds the conversation; take it first"
                                                 : "another agent holds the conversation");
    return Status::Ok();
  }

  // A close or transfer reason: trimmed, at most 200 characters; "" allowed unless required.
  static Result<std::string> CheckedReason(std::string_view raw, bool required) {
    if (!text::IsValidUtf8(raw)) return InvalidArgument("field \"reason\" is not valid UTF-8");
    std::string reason = Trim(raw);
    if (reason.empty() && required) return InvalidArgument("field \"reason\" is required");
    if (CountChars(reason) > 200)
      return InvalidArgument("field \"reason\" is longer than 200 characters");
    return reason;
  }

  int QueuePosition(const std::string& id) const {
    return store_.QueuePosition(id, clock_.NowUnixMillis());
  }

  // What a message written while queued or with an agent says about the conversation: risks
  // and feelings, noted in the state like a turn's (Remember); a danger or anger at 高 raises
  // the handover's priority.
  // What a turn while agents have the conversation was heard to carry.
  struct Heard {
    EmotionLabel emotion;
    std::vector<RiskHit> risks;
  };

  Heard NoteWhileWithAgents(const std::string& text, State& st) const {
    const std::string norm = normalizer_->Normalize(text);
    const EmotionResult emotion = emotions_.Detect(norm, st.emotions);
    std::vector<RiskHit> risks = risks_.Detect(norm);
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
    return {emotion.dominant, std::move(risks)};
  }

  // The knowledge pushed to the agent for a citizen's words ([agent_push] in the rules): the
  // best topics with the answer in service, for the agent to insert (never sent by itself).
  std::vector<PushedEntry> Push(const knowledge::KnowledgeSnapshot& k,
                                const std::string& text) const {
    std::vector<PushedEntry> out;
    if (rules_.push_suggestions <= 0) return out;
    for (auto& s : k.assistant->Suggest(text, rules_.push_suggestions)) {
      const knowledge::Entry* e = k.kb->Find(s.topic);
      if (!e || s.confidence < rules_.push_min_confidence || e->kind == "meta") continue;
      out.push_back(
          {e->id, e->title, e->version, e->answer, s.confidence, std::move(s.matched_terms)});
    }
    return out;
  }

  // The policies are cited at the versions the conversation's answers came from (each
  // assistant turn's meta), not the versions in service now.
  Summary MakeSummary(const knowledge::KnowledgeBase& kb, const State& st,
                      const std::vector<TurnRecord>& turns) const {
    SummaryInput in;
    in.topics = st.topics;
    in.risks.assign(st.risks.begin(), st.risks.end());
    in.emotions = st.emotions;
    in.handed_over = st.escalation.handed_over;
    in.handoff_reason = st.handoff_reason;
    in.danger = st.danger;
    in.districts = st.districts;
    in.request_types.assign(st.request_types.begin(), st.request_types.end());
    in.contact = st.contact;
    in.age_band = st.age_band;
    in.address = st.address;
    in.ticket = st.ticket;
    in.unresolved_turns = 0;
    for (const auto& t : turns) {
      if (t.role != "assistant") continue;
      StoredReplyFacts f = ReadReplyMeta(t.meta);
      if (f.result_summary) in.results.push_back(*f.result_summary);
      for (const auto& [topic, version] : f.cited) in.versions[topic] = version;
      if (f.unanswered && t.seq > 0) ++in.unresolved_turns;
    }
    return MakeSevenElementSummary(in, kb);
  }

  void AddDepartmentOf(const knowledge::KnowledgeBase& kb, const std::string& topic,
                       std::vector<std::string>& out) const {
    const knowledge::Entry* e = kb.Find(topic);
    if (!e || e->department.empty() || e->department == "-") return;
    if (std::find(out.begin(), out.end(), e->department) == out.end()) out.push_back(e->department);
  }

  // The actions the data names for `trigger`; a failing action is logged, never the turn's
  // failure. Returns the first outcome that made something (ActionOutcome::reference).
  std::optional<ActionOutcome> RunActions(const std::string& trigger, ActionRequest request) const {
    auto it = rules_.actions.find(trigger);
    if (it == rules_.actions.end()) return std::nullopt;
    request.trigger = trigger;
    std::optional<ActionOutcome> made;
    for (const auto& name : it->second) {
      if (!actions_.Has(name)) continue;  // not wired in this process (tests, tools)
      request.action = name;
      auto outcome = actions_.Invoke(name, request);
      if (!outcome.ok())
        log::Warn("dialogue.action_failed action={} conversation={} error=\"{}\"", name,
                  request.conversation_id, outcome.status().message());
      else if (!made && !outcome->reference.empty())
        made = std::move(outcome).value();
    }
    return made;
  }

  // A complaint becomes a work order (the on_complaint actions) once its place is known, on the
  // complaint's next turn, or when it is handed over; until then its words are gathered. The
  // citizen hears the order's number and time limit: on a follow-up turn instead of the
  // complaint's answer again, else after it.
  void ComplaintTurn(const knowledge::KnowledgeBase& kb, const std::string& id,
                     const std::string& text, State& st, Reply& reply) {
    if (st.ticket || !st.topic) return;
    const knowledge::Entry* e = kb.Find(*st.topic);
    if (!e || e->kind != "complaint") return;
    constexpr size_t kMaxComplaintText = 4000;
    if (st.complaint_text.size() < kMaxComplaintText)
      st.complaint_text += (st.complaint_text.empty() ? "" : "\n") + text;
    ++st.complaint_turns;
    if (st.address.empty() && st.complaint_turns < 2 && !reply.handoff && st.state != kQueued)
      return;
    ActionRequest request;
    request.conversation_id = id;
    auto rec = store_.Load(id);
    request.channel = rec.ok() ? rec->channel : "";
    request.topic = st.topic;
    request.text = st.complaint_text;
    request.contact = st.contact;
    request.address = st.address;
    request.districts = st.districts;
    request.danger = st.danger;
    auto made = RunActions("on_complaint", std::move(request));
    if (!made) return;
    st.ticket = TicketRef{made->reference, made->department, made->sla};
    st.complaint_text.clear();
    if (made->say.empty()) return;
    bool follow_up = st.complaint_turns >= 2 && reply.topic == st.topic && !reply.handoff;
    reply.text = follow_up || reply.text.empty() ? made->say : reply.text + "\n" + made->say;
    st.last_reply = reply.text;
  }

  // A citizen's message the late replies take (a return visit's verdict; the caller holds the
  // conversation's lock, released once it is stored): the citizen's turn and the answer stored,
  // the state as it was. None when they do not take it.
  Result<std::optional<Reply>> LateTurn(const std::string& id, const std::string& text,
                                        const std::string& state,
                                        std::unique_lock<std::mutex>& lock) {
    ZX_ASSIGN_OR_RETURN(std::optional<std::string> answer, late_(id, text));
    if (!answer) return std::optional<Reply>();
    Reply reply;
    reply.conversation_id = id;
    reply.text = *answer;
    reply.state = state;
    ZX_RETURN_IF_ERROR(store_.Transaction([&]() -> Status {
      return store_.AppendTurns(
          id, {{"citizen", text, "{}"}, {"assistant", reply.text, "{\"late_reply\":true}"}},
          clock_.NowUnixMillis());
    }));
    lock.unlock();
    bus_.Publish(CitizenSaid{id, text});
    bus_.Publish(TurnAnswered{id, reply});
    return std::optional<Reply>(std::move(reply));
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

  // What the stages consult in a turn over snapshot `k`.
  TurnDeps DepsFor(const knowledge::KnowledgeSnapshot& k, bool spoken = false) const {
    return TurnDeps{*k.assistant,
                    *k.kb,
                    flows_,
                    emotions_,
                    rules_,
                    *normalizer_,
                    [this](const std::string& id, const State& st) {
                      return store_.QueuePosition(id, clock_.NowUnixMillis(), QueueUrgency(st));
                    },
                    options_.agents_online,
                    writer_.load(),
                    spoken};
  }

  // The terms of the snapshot's knowledge base, worked out once per generation (the newest
  // kept: turns on an older engine while a swap happens work theirs out again).
  std::shared_ptr<const KbTerms> TermsFor(const knowledge::KnowledgeSnapshot& k) const {
    {
      std::lock_guard lock(terms_mu_);
      if (terms_ && terms_generation_ == k.generation) return terms_;
    }
    auto terms = std::make_shared<const KbTerms>(CollectTerms(*k.kb, *normalizer_));
    std::lock_guard lock(terms_mu_);
    if (!terms_ || k.generation > terms_generation_) {
      terms_ = terms;
      terms_generation_ = k.generation;
    }
    return terms;
  }

  // Everyone still queued moves up one place.
  void NotifyQueueMoved() {
    for (const auto& item : Queue()) bus_.Publish(StateChanged{item.id, kQueued, item.position});
  }

  ConversationStore store_;
  const knowledge::SnapshotSource knowledge_;
  FlowRegistry flows_;
  EmotionDetector emotions_;
  RiskDetector risks_;
  Rules rules_;
  std::unique_ptr<text::Normalizer> normalizer_;
  Districts districts_;  // code, name
  AgeBands age_bands_;   // none: no age recorded
  DialogueOptions options_;
  std::atomic<const knowledge::AnswerWriter*> writer_{nullptr};
  const Clock& clock_;
  ActionRegistry actions_;
  LateReplies late_;
  EventBus bus_;
  mutable std::mutex terms_mu_;
  mutable std::shared_ptr<const KbTerms> terms_;  // guarded by terms_mu_
  mutable uint64_t terms_generation_ = 0;         // guarded by terms_mu_

  std::mutex locks_mu_;
  std::unordered_map<std::string, std::shared_ptr<std::mutex>> locks_;
};

}  // namespace

Result<std::unique_ptr<DialogueService>> DialogueService::Create(
    storage::Database& db, const knowledge::Assistant& assistant,
    const knowledge::KnowledgeBase& kb, const DialogueOptions& options, const Clock& clock,
    TextSealer sealer, ActionRegistry actions) {
  return Create(db, knowledge::FixedSnapshot(assistant, kb), options, clock, std::move(sealer),
                std::move(actions));
}

Result<std::unique_ptr<DialogueService>> DialogueService::Create(
    storage::Database& db, knowledge::SnapshotSource knowledge, const DialogueOptions& options,
    const Clock& clock, TextSealer sealer, ActionRegistry actions) {
  if (!knowledge) return InvalidArgument("the dialogue needs a knowledge source");
  // The first snapshot is checked here, so that a source that gives none fails at start-up
  // rather than at a citizen's turn.
  if (knowledge::KnowledgeSnapshot k = knowledge(); !k.assistant || !k.kb)
    return InvalidArgument("the knowledge source gave no knowledge base");
  ZX_ASSIGN_OR_RETURN(ConversationStore store, ConversationStore::Open(db, std::move(sealer)));
  ZX_ASSIGN_OR_RETURN(FlowRegistry flows, FlowRegistry::Load(options.flows_dir));
  ZX_ASSIGN_OR_RETURN(EmotionDetector emotions, EmotionDetector::Load(options.emotions_file));
  ZX_ASSIGN_OR_RETURN(RiskDetector risks, RiskDetector::Load(options.risks_file));
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::Normalizer> normalizer, text::Normalizer::Create());
  ZX_ASSIGN_OR_RETURN(Rules rules, Rules::Load(options.rules_file, *normalizer));
  ZX_ASSIGN_OR_RETURN(Districts districts, LoadDistricts(options.districts_file));
  ZX_ASSIGN_OR_RETURN(AgeBands age_bands, LoadAgeBands(options.age_bands_file));
  for (const auto& [trigger, names] : rules.actions)
    for (const auto& name : names)
      if (!actions.Has(name))
        log::Debug("dialogue.action_not_registered trigger={} action={}", trigger, name);
  return std::unique_ptr<DialogueService>(
      new Service(std::move(store), std::move(knowledge), std::move(flows), std::move(emotions),
                  std::move(risks), std::move(rules), std::move(normalizer), std::move(districts),
                  std::move(age_bands), options, clock, std::move(actions)));
}

DialogueOptions DialogueOptionsFor(const std::string& kb_dir, const DialogueConfig& config) {
  const std::filesystem::path kb = kb_dir;
  DialogueOptions o;
  o.flows_dir = (kb / "flows").string();
  o.emotions_file = (kb / "emotions.toml").string();
  o.risks_file = (kb / "risks.toml").string();
  o.rules_file = (kb / "dialogue.toml").string();
  o.districts_file = (kb / "districts.tsv").string();
  o.age_bands_file = (kb / "age_bands.tsv").string();
  o.max_citizen_turns = config.max_citizen_turns;
  return o;
}

}  // namespace zx::dialogue
