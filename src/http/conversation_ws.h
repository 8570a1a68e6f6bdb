// The citizen chat over a WebSocket: GET /api/v1/conversations/ws (permission "chat"), one
// conversation of dialogue::DialogueService per connection at a time.
//
// Each frame is one JSON object with a "type".
//   client -> server
//     {"type":"start","channel":"web"}    a new conversation ("channel" optional, [a-z0-9_-])
//     {"type":"resume","id":"...","token":"..."}
//                                         carry on with a conversation (e.g. after a reload):
//                                         the token "started" gave; a wrong one is not_found
//     {"type":"message","text":"..."}     one citizen turn
//     {"type":"end"}                      end it; the summary follows
//     {"type":"rate","rating":"满意"}      the citizen's satisfaction after the end (满意,
//                                         基本满意, 不满意), once; answered {"type":"rated"}
//     {"type":"ping"}                     answered {"type":"pong"} (for clients without pings)
//   server -> client
//     {"type":"started","conversation":{view},"resumed":bool,"token"}   after start and resume;
//                                  the view is the citizen's (ViewJson, Audience::kCitizen);
//                                  "token" only after start: the citizen's secret to resume
//     {"type":"agent","text","agent"}  a human agent wrote (pushed live); "agent" is the display
//                                  name or 工号 an administrator chose (null when none), never
//                                  the login name
//     {"type":"reply", ...}        the reply to a message: the Reply's JSON (http/dialogue_json.h)
//     {"type":"state","state","queue_position"}             queued, moved up, taken (live)
//     {"type":"summary","summary":{seven elements},"reference"}  once, after end (or a
//                                  goodbye); "reference" is the 受理编号
//     {"type":"rated","rating"}    the rating was kept
// A message to a conversation that has ended starts a new one: the answer is a "started" frame
// of the new conversation (its view holds the message and the reply) with its "token" and
// "restarted": true; the channel is attached to the new conversation from then on.
//     {"type":"error","error":{"code","message"},"for":"<the client type>"}
// A frame that is not JSON, not an object, of an unknown type or with a missing field answers an
// error event (code invalid_argument) and the connection stays up; so do the service's errors
// (not_found for an unknown id, failed_precondition for an ended conversation or a message
// before start/resume, resource_exhausted for a text over dialogue::kMaxMessageChars). Frames
// over 64 KiB close the connection with 1009 (http/websocket.h). Every frame counts against the
// client address's requests per minute (the same limiter as HTTP under /api); beyond it the
// frame answers an error event with code rate_limited and is not acted on.
//
// While attached to a conversation the channel is subscribed to the service's events for it, so
// what an agent says and queue moves are pushed as they happen; events caused by the channel's
// own call come after that call's answer, without duplicates. Closing unsubscribes. With
// several nodes on one database (ClusterFrames) the frames of what happens on another node to
// the conversation (an agent there wrote, took it, closed it) are pushed the same way.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "base/worker.h"
#include "dialogue/service.h"
#include "http/router.h"
#include "storage/notifications.h"

namespace zx::http {

// The chat's frames between the nodes of one database (docs/deployment.md, "Live events"):
// every frame a conversation's event makes on this node is published (off the caller's
// thread, in order) on the notifications channel "chat"; frames other nodes published reach
// this node's subscribers of that conversation, on the listening thread.
class ClusterFrames {
 public:
  using FrameFn = std::function<void(const nlohmann::json& frame)>;
  // `service` and `bus` must outlive it.
  ClusterFrames(dialogue::DialogueService& service, storage::Notifications& bus);
  ~ClusterFrames();
  ClusterFrames(const ClusterFrames&) = delete;
  ClusterFrames& operator=(const ClusterFrames&) = delete;

  using AnyFrameFn =
      std::function<void(const std::string& conversation_id, const nlohmann::json& frame)>;
  // Frames from other nodes about `conversation_id`; a subscription id (> 0) for Unsubscribe.
  int Subscribe(const std::string& conversation_id, FrameFn fn);
  // Frames from other nodes about any conversation (the staff event stream).
  int SubscribeAll(AnyFrameFn fn);
  void Unsubscribe(int subscription);

 private:
  void Received(const std::string& payload);

  dialogue::DialogueService& service_;
  storage::Notifications& bus_;
  const std::string origin_;  // this process: its own frames come back and are dropped
  Worker publisher_{"zx-frames"};
  int events_ = 0;
  std::mutex mu_;
  int next_ = 0;                                           // guarded by mu_
  std::map<int, std::pair<std::string, FrameFn>> frames_;  // guarded by mu_
  std::map<int, AnyFrameFn> any_;                          // guarded by mu_
};

// The protocol of one connection, free of the transport (a function that sends a frame), so it
// is testable with a fake service. OnMessage and OnClose are called one at a time (the
// connection's strand); the service's listener may call in from any thread.
class ChatChannel : public std::enable_shared_from_this<ChatChannel> {
 public:
  using SendFn = std::function<void(std::string frame)>;  // thread-safe
  // Takes one request from the client's rate limit; false (and the seconds to wait) when empty.
  using AllowFn = std::function<bool(int* retry_after_seconds)>;
  // `turns` (may be null) counts the citizen turns answered on this channel.
  // `cluster` (may be null: one node) brings frames from other nodes.
  static std::shared_ptr<ChatChannel> Create(dialogue::DialogueService& service, SendFn send,
                                             std::string log_id = "", AllowFn allow = {},
                                             Counter* turns = nullptr,
                                             ClusterFrames* cluster = nullptr);
  ~ChatChannel();
  ChatChannel(const ChatChannel&) = delete;
  ChatChannel& operator=(const ChatChannel&) = delete;

  void OnMessage(std::string_view frame);
  // Unsubscribes; nothing is sent afterwards.
  void OnClose();

  // The conversation attached, "" before start/resume. Strand only.
  const std::string& conversation_id() const { return id_; }

  ChatChannel(dialogue::DialogueService& service, SendFn send, std::string log_id, AllowFn allow,
              Counter* turns, ClusterFrames* cluster);  // use Create

 private:
  void Start(const nlohmann::json& msg);
  void Resume(const nlohmann::json& msg);
  void Message(const nlohmann::json& msg);
  void End();
  void Rate(const nlohmann::json& msg);
  void Attach(const std::string& id);
  void Detach();
  void OnEvent(const nlohmann::json& event);
  void Emit(const nlohmann::json& frame);
  void EmitError(std::string_view code, std::string_view message, std::string_view for_type);
  void EmitError(const Status& status, std::string_view for_type);
  // Runs the service call `f` with the events it causes on this thread held back, then emits
  // what `f` returns, then those events (less `suppress`: what the answer already carries).
  template <typename F>
  void OwnCall(std::vector<std::string> suppress, F&& f);

  dialogue::DialogueService& service_;
  const SendFn send_;
  const std::string log_id_;
  const AllowFn allow_;
  Counter* const turns_;
  std::string id_;  // strand
  ClusterFrames* const cluster_;
  int subscription_ = 0;              // strand; 0: none
  int cluster_subscription_ = 0;      // strand; 0: none
  bool closed_ = false;               // strand
  std::vector<nlohmann::json> held_;  // events of the own call in progress (its thread only)
  std::vector<std::string> suppress_;
};

class RateLimiter;

// Registers GET /api/v1/conversations/ws. `service`, `limiter` (null: no limit) and `metrics`
// (null: none; else the turns of channel "websocket", http/conversation_routes.h) must outlive
// the server; so must `cluster` (null: one node).
void AddConversationWebSocket(Router& router, dialogue::DialogueService& service,
                              RateLimiter* limiter = nullptr, Metrics* metrics = nullptr,
                              ClusterFrames* cluster = nullptr);

}  // namespace zx::http
