#include "http/conversation_ws.h"

#include <algorithm>
#include <exception>

#include "base/log.h"
#include "http/auth_rate_limiter.h"
#include "http/conversation_routes.h"
#include "http/dialogue_json.h"
#include "http/websocket.h"
#include "security/crypto.h"
#include "security/encoding.h"

namespace zx::http {

using nlohmann::json;

namespace {

// The channel whose own service call runs on this thread: the service calls listeners on the
// caller's thread, so an event arriving here while this is set was caused by that call.
thread_local const ChatChannel* tls_own_call = nullptr;

bool ValidChannelName(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string Dump(const json& value) {
  // Strings from the service are UTF-8; replace rather than throw on anything else.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

ClusterFrames::ClusterFrames(dialogue::DialogueService& service, storage::Notifications& bus)
    : service_(service), bus_(bus), origin_(security::HexEncode(security::RandomBytes(8))) {
  bus_.Listen("chat", [this](const std::string& payload) { Received(payload); });
  events_ = service_.Subscribe("", [this](const dialogue::Event& event) {
    auto frame = EventFrame(event);
    if (!frame) return;
    std::string payload = Dump(json{{"origin", origin_},
                                    {"conversation", dialogue::ConversationOf(event)},
                                    {"frame", std::move(*frame)}});
    publisher_.Post([this, payload = std::move(payload)] {
      if (Status s = bus_.Publish("chat", payload); !s.ok())
        log::Warn("chat.frame_not_published error=\"{}\"", s.message());
    });
  });
}

ClusterFrames::~ClusterFrames() {
  bus_.Listen("chat", {});  // no frame is received after this
  service_.Unsubscribe(events_);
  publisher_.Stop();
}

int ClusterFrames::Subscribe(const std::string& conversation_id, FrameFn fn) {
  std::lock_guard lock(mu_);
  frames_[++next_] = {conversation_id, std::move(fn)};
  return next_;
}

int ClusterFrames::SubscribeAll(AnyFrameFn fn) {
  std::lock_guard lock(mu_);
  any_[++next_] = std::move(fn);
  return next_;
}

void ClusterFrames::Unsubscribe(int subscription) {
  std::lock_guard lock(mu_);
  frames_.erase(subscription);
  any_.erase(subscription);
}

void ClusterFrames::Received(const std::string& payload) {
  json message = json::parse(payload, nullptr, false);
  if (!message.is_object() || message.value("origin", "") == origin_) return;
  const std::string conversation = message.value("conversation", "");
  std::vector<FrameFn> targets;
  std::vector<AnyFrameFn> any;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, sub] : frames_)
      if (sub.first == conversation) targets.push_back(sub.second);
    for (const auto& [id, fn] : any_) any.push_back(fn);
  }
  for (const auto& fn : targets) fn(message["frame"]);
  for (const auto& fn : any) fn(conversation, message["frame"]);
}

std::shared_ptr<ChatChannel> ChatChannel::Create(dialogue::DialogueService& service, SendFn send,
                                                 std::string log_id, AllowFn allow, Counter* turns,
                                                 ClusterFrames* cluster) {
  return std::make_shared<ChatChannel>(service, std::move(send), std::move(log_id),
                                       std::move(allow), turns, cluster);
}

ChatChannel::ChatChannel(dialogue::DialogueService& service, SendFn send, std::string log_id,
                         AllowFn allow, Counter* turns, ClusterFrames* cluster)
    : service_(service),
      send_(std::move(send)),
      log_id_(std::move(log_id)),
      allow_(std::move(allow)),
      turns_(turns),
      cluster_(cluster) {}

ChatChannel::~ChatChannel() {
  if (subscription_ != 0) service_.Unsubscribe(subscription_);
  if (cluster_subscription_ != 0) cluster_->Unsubscribe(cluster_subscription_);
}

void ChatChannel::OnClose() {
  closed_ = true;
  Detach();
}

void ChatChannel::OnMessage(std::string_view frame) {
  if (closed_) return;
  // Every frame counts against the client's requests per minute, as an HTTP request would.
  int retry_after = 0;
  if (allow_ && !allow_(&retry_after))
    return EmitError("rate_limited",
                     "too many messages; wait " + std::to_string(retry_after) + " s and try again",
                     "");
  json msg = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded() || !msg.is_object())
    return EmitError(
        "invalid_argument",
        "each frame must be a JSON object such as {\"type\":\"message\",\"text\":\"...\"}", "");
  auto type_it = msg.find("type");
  if (type_it == msg.end() || !type_it->is_string())
    return EmitError("invalid_argument",
                     "the frame has no \"type\" (start, resume, message, end, rate or ping)", "");
  const std::string type = type_it->get<std::string>();
  try {
    if (type == "start") return Start(msg);
    if (type == "resume") return Resume(msg);
    if (type == "message") return Message(msg);
    if (type == "end") return End();
    if (type == "rate") return Rate(msg);
    if (type == "ping") return Emit({{"type", "pong"}});
  } catch (const std::exception& e) {
    // The service reports failures as Status; an exception here is a bug, not the client's.
    log::Error("chat_ws_exception ws={} conversation={} type={} what=\"{}\"", log_id_, id_, type,
               e.what());
    return EmitError("internal", "the server failed to answer; please try again", type);
  }
  std::string shown = type.substr(0, 40);
  EmitError("invalid_argument",
            "unknown type '" + shown + "' (start, resume, message, end, rate or ping)", shown);
}

void ChatChannel::Start(const json& msg) {
  std::string channel = "web";
  if (auto it = msg.find("channel"); it != msg.end() && !it->is_null()) {
    if (!it->is_string() || !ValidChannelName(it->get<std::string>()))
      return EmitError("invalid_argument",
                       "\"channel\" must be a short name of a-z, 0-9, '_' and '-' (e.g. \"web\")",
                       "start");
    channel = it->get<std::string>();
  }
  auto view = service_.Start(channel);
  if (!view.ok()) return EmitError(view.status(), "start");
  Attach(view->id);
  log::Info("chat_ws_start ws={} conversation={} channel={}", log_id_, id_, channel);
  Emit({{"type", "started"},
        {"conversation", ViewJson(*view, Audience::kCitizen)},
        {"token", view->token},
        {"resumed", false}});
}

void ChatChannel::Resume(const json& msg) {
  auto it = msg.find("id");
  if (it == msg.end() || !it->is_string() || it->get<std::string>().empty() ||
      it->get<std::string>().size() > 128)
    return EmitError("invalid_argument", "\"id\" must be the conversation id to resume", "resume");
  std::string id = it->get<std::string>();
  auto token = msg.find("token");
  if (token == msg.end() || !token->is_string() || token->get<std::string>().size() > 128)
    return EmitError("invalid_argument", "\"token\" must be the token the start gave", "resume");
  if (Status own = service_.CheckToken(id, token->get<std::string>()); !own.ok())
    return EmitError(own, "resume");
  auto view = service_.Get(id);
  if (!view.ok()) return EmitError(view.status(), "resume");
  Attach(view->id);
  log::Info("chat_ws_resume ws={} conversation={} state={}", log_id_, id_, view->state);
  Emit({{"type", "started"},
        {"conversation", ViewJson(*view, Audience::kCitizen)},
        {"resumed", true}});
}

void ChatChannel::Message(const json& msg) {
  if (id_.empty())
    return EmitError(
        "failed_precondition",
        "no conversation yet: send {\"type\":\"start\"} or {\"type\":\"resume\"} first", "message");
  auto it = msg.find("text");
  if (it == msg.end() || !it->is_string())
    return EmitError("invalid_argument", "\"text\" must be a string", "message");
  std::string text = it->get<std::string>();
  // After the end a message starts a new conversation instead of vanishing (issue 11 #8).
  if (auto before = service_.Get(id_, dialogue::TurnPage{-1, 1, false});
      before.ok() && before->state == dialogue::kEnded) {
    // A return visit waiting for its verdict takes the message (Say's late reply).
    bool taken = false;
    OwnCall({"reply", "citizen"}, [&]() -> std::optional<json> {
      auto late = service_.Say(id_, text);
      if (!late.ok()) {
        taken = late.status().code() != Code::kFailedPrecondition;
        if (taken) EmitError(late.status(), "message");
        return std::nullopt;
      }
      taken = true;
      json frame = ToJson(*late);
      frame["type"] = "reply";
      return frame;
    });
    if (taken) return;
    auto continued = service_.Continue(id_, text);
    if (!continued.ok()) return EmitError(continued.status(), "message");
    const std::string from = id_;
    Attach(continued->started.id);
    auto view = service_.Get(id_);
    if (!view.ok()) return EmitError(view.status(), "message");
    log::Info("chat_ws_restart ws={} conversation={} from={}", log_id_, id_, from);
    return Emit({{"type", "started"},
                 {"conversation", ViewJson(*view, Audience::kCitizen)},
                 {"token", continued->started.token},
                 {"resumed", false},
                 {"restarted", true}});
  }
  OwnCall({"reply", "citizen"}, [&]() -> std::optional<json> {
    auto reply = service_.Say(id_, text);
    if (!reply.ok()) {
      EmitError(reply.status(), "message");
      return std::nullopt;
    }
    if (turns_) turns_->Inc();
    json frame = ToJson(*reply);
    frame["type"] = "reply";
    return frame;
  });
}

void ChatChannel::End() {
  if (id_.empty())
    return EmitError(
        "failed_precondition",
        "no conversation yet: send {\"type\":\"start\"} or {\"type\":\"resume\"} first", "end");
  OwnCall({"summary"}, [&]() -> std::optional<json> {
    auto ended = service_.End(id_);
    if (!ended.ok()) {
      EmitError(ended.status(), "end");
      return std::nullopt;
    }
    auto view = service_.Get(id_, dialogue::TurnPage{-1, 1, false});
    const std::string reference = view.ok() ? view->reference : "";
    return json{{"type", "summary"},
                {"summary", ToJson(*ended)},
                {"reference", reference.empty() ? json(nullptr) : json(reference)}};
  });
}

void ChatChannel::Rate(const json& msg) {
  if (id_.empty())
    return EmitError(
        "failed_precondition",
        "no conversation yet: send {\"type\":\"start\"} or {\"type\":\"resume\"} first", "rate");
  auto it = msg.find("rating");
  if (it == msg.end() || !it->is_string())
    return EmitError("invalid_argument", "\"rating\" must be 满意, 基本满意 or 不满意", "rate");
  Status rated = service_.Rate(id_, it->get<std::string>());
  if (!rated.ok()) return EmitError(rated, "rate");
  Emit({{"type", "rated"}, {"rating", it->get<std::string>()}});
}

template <typename F>
void ChatChannel::OwnCall(std::vector<std::string> suppress, F&& f) {
  held_.clear();
  suppress_ = std::move(suppress);
  const ChatChannel* outer = tls_own_call;
  tls_own_call = this;
  std::optional<json> answer;
  try {
    answer = f();
  } catch (...) {
    tls_own_call = outer;
    held_.clear();
    throw;
  }
  tls_own_call = outer;
  std::vector<json> held = std::move(held_);
  held_.clear();
  if (answer) Emit(*answer);
  for (const auto& event : held) {
    std::string type = event.value("type", "");
    // An event the answer already carries goes once; when the call failed, nothing it caused
    // is hidden.
    if (answer && std::find(suppress_.begin(), suppress_.end(), type) != suppress_.end()) continue;
    // The citizen's own words: the page shows them already (and what a recogniser heard so
    // far is for staff screens only).
    if (type == "citizen" || type == "partial") continue;
    Emit(event);
  }
}

void ChatChannel::Attach(const std::string& id) {
  if (id == id_ && subscription_ != 0) return;
  Detach();
  id_ = id;
  std::weak_ptr<ChatChannel> weak = weak_from_this();
  subscription_ = service_.Subscribe(id, [weak](const dialogue::Event& event) {
    auto frame = EventFrame(event);
    if (!frame) return;  // facts the chat does not show
    if (auto self = weak.lock()) self->OnEvent(*frame);
  });
  if (cluster_)
    cluster_subscription_ = cluster_->Subscribe(id, [weak](const json& frame) {
      if (auto self = weak.lock()) self->OnEvent(frame);
    });
}

void ChatChannel::Detach() {
  if (subscription_ != 0) service_.Unsubscribe(subscription_);
  if (cluster_subscription_ != 0) cluster_->Unsubscribe(cluster_subscription_);
  subscription_ = 0;
  cluster_subscription_ = 0;
}

// Any thread. Only send_ (thread-safe) is used, except during the own call on its own thread.
void ChatChannel::OnEvent(const json& event) {
  if (!event.is_object()) return;
  if (tls_own_call == this) {
    held_.push_back(event);
    return;
  }
  std::string type = event.value("type", "");
  // Another channel's turn in the same conversation (say a second tab): its words are not
  // ours to show as the citizen's; the assistant's reply, agents, state and summary are.
  if (type.empty() || type == "citizen" || type == "partial") return;
  Emit(event);
}

void ChatChannel::Emit(const json& frame) { send_(Dump(frame)); }

void ChatChannel::EmitError(std::string_view code, std::string_view message,
                            std::string_view for_type) {
  json frame = {{"type", "error"}, {"error", {{"code", code}, {"message", message}}}};
  if (!for_type.empty()) frame["for"] = for_type;
  Emit(frame);
}

void ChatChannel::EmitError(const Status& status, std::string_view for_type) {
  if (status.code() == Code::kInternal || status.code() == Code::kDataLoss)
    log::Error("chat_ws_error ws={} conversation={} for={} status=\"{}\"", log_id_, id_, for_type,
               status.ToString());
  EmitError(CodeName(status.code()), status.message(), for_type);
}

void AddConversationWebSocket(Router& router, dialogue::DialogueService& service,
                              RateLimiter* limiter, Metrics* metrics, ClusterFrames* cluster) {
  Counter* turns = metrics ? &ChannelTurns(*metrics, "websocket") : nullptr;
  // `service` by reference (it outlives the server), the rest by value.
  router.Add("GET", "/api/v1/conversations/ws", "chat",
             [&, limiter, turns, cluster](const Request& req) {
               auto handler = std::make_shared<WebSocketHandler>();
               // Set in on_open; used by the callbacks, which run one at a time.
               auto channel = std::make_shared<std::shared_ptr<ChatChannel>>();
               ChatChannel::AllowFn allow;
               if (limiter) {
                 std::string client(ClientAddress(req.remote_address));
                 allow = [limiter, client](int* retry_after) {
                   return limiter->Allow(client, retry_after);
                 };
               }
               handler->on_open = [&service, channel, allow, turns, cluster](auto conn) {
                 std::weak_ptr<WebSocketConnection> weak = conn;
                 *channel = ChatChannel::Create(
                     service,
                     [weak](std::string frame) {
                       if (auto c = weak.lock()) c->Send(std::move(frame));
                     },
                     conn->request_id(), allow, turns, cluster);
               };
               handler->on_message = [channel](std::string_view text) {
                 if (*channel) (*channel)->OnMessage(text);
               };
               handler->on_close = [channel](int) {
                 if (*channel) (*channel)->OnClose();
                 channel->reset();
               };
               handler->max_message_bytes = 64 * 1024;
               handler->idle_timeout_ms = 60000;
               handler->max_queued_bytes = 8u << 20;  // a long conversation's view fits
               return UpgradeToWebSocket(req, std::move(handler));
             });
}

}  // namespace zx::http
