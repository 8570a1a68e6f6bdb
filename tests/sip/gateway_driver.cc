// zx_sip_driver: the telephony Gateway on its own, driven line by line, for the SIP tests
// (tests/sip/outbound_test.py) and for trying a trunk by hand.
//
//   zx_sip_driver [--listen 127.0.0.1:0] [--proxy sip:HOST:PORT;transport=udp|tcp]
//                 [--domain D] [--username U] [--password P] [--from-user U] [--register]
//                 [--register-expires S] [--max-calls N] [--answer-delay-ms MS]
//                 [--transfer-timeout-ms MS] [--record-dir DIR] [--espeak]
//                 [--rtp-latching] [--max-calls-per-source N] [--no-media-timeout-ms MS]
//                 [--media-idle-timeout-ms MS]
//                 [--allow-from LIST] [--tcp-backlog N] [--over-capacity-code 486|503]
//
// Commands on stdin (one per line):
//   originate TAG TARGET [ring=MS] [transport=udp|tcp] [caller=USER] [header=NAME:VALUE]...
//   say CALL TEXT          synthesise TEXT (needs --espeak) and play it
//   tone CALL MS HZ        play a sine tone
//   hangup CALL | transfer CALL URI | stats | registration | quit
// Events on stdout, one per line, "EVENT key=value ...": ready, originated, originate_error,
// progress, started, failed, ended, digit, playback_done, hold, transfer, playing, stats,
// registration. Logs go to stderr.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/gateway.h"

namespace zx::telephony {
namespace {

std::mutex g_out_mu;

template <typename... Args>
void Emit(fmt::format_string<Args...> f, Args&&... args) {
  std::lock_guard lock(g_out_mu);
  std::string line = fmt::format(f, std::forward<Args>(args)...);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

class PrintingHandler : public CallHandler {
 public:
  void OnCallStarted(const CallInfo& call) override {
    Emit("started call={} direction={} codec={} caller={} called={}", call.id,
         CallDirectionName(call.direction), call.codec, call.caller_masked, call.called_user);
  }
  void OnDigit(CallId call, char digit, DigitSource source) override {
    Emit("digit call={} key={} source={}", call, digit, DigitSourceName(source));
  }
  void OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) override {
    Emit("playback_done call={} prompt={} interrupted={}", call, prompt_id, interrupted ? 1 : 0);
  }
  void OnCallEnded(CallId call, const std::string& reason) override {
    Emit("ended call={} reason=\"{}\"", call, reason);
  }
  void OnCallProgress(CallId call, int sip_code, bool early_media) override {
    Emit("progress call={} code={} early_media={}", call, sip_code, early_media ? 1 : 0);
  }
  void OnCallFailed(CallId call, CallOutcome outcome, int sip_code) override {
    Emit("failed call={} outcome={} code={}", call, CallOutcomeName(outcome), sip_code);
  }
  void OnHold(CallId call, bool held) override { Emit("hold call={} held={}", call, held ? 1 : 0); }
  void OnTransfer(CallId call, TransferState state, int sip_code) override {
    Emit("transfer call={} state={} code={}", call, TransferStateName(state), sip_code);
  }
};

class PrintingRouter : public InboundCallRouter {
 public:
  explicit PrintingRouter(PrintingHandler& handler) : handler_(handler) {}
  std::shared_ptr<CallHandler> OnIncoming(const CallInfo&) override { return Unowned(handler_); }

 private:
  PrintingHandler& handler_;
};

SharedPcm Tone(int ms, double hz) {
  auto pcm = std::make_shared<Pcm>(static_cast<size_t>(ms) * kSampleRate / 1000);
  for (size_t i = 0; i < pcm->size(); ++i)
    (*pcm)[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * i / kSampleRate));
  return pcm;
}

int Run(int argc, char** argv) {
  GatewayOptions options;
  options.listen = "127.0.0.1:0";
  options.answer_delay_ms = 0;
  options.thread_nice = 0;
  std::string record_dir;
  bool espeak = false;
  CLI::App app("zx_sip_driver: the SIP gateway driven from stdin");
  app.add_option("--listen", options.listen);
  app.add_option("--proxy", options.trunk.proxy);
  app.add_option("--domain", options.trunk.domain);
  app.add_option("--username", options.trunk.username);
  app.add_option("--password", options.trunk.password);
  app.add_option("--from-user", options.trunk.from_user);
  app.add_flag("--register", options.trunk.register_enabled);
  app.add_option("--register-expires", options.trunk.register_expires_s);
  app.add_option("--max-calls", options.max_calls);
  app.add_option("--answer-delay-ms", options.answer_delay_ms);
  app.add_option("--transfer-timeout-ms", options.transfer_timeout_ms);
  app.add_option("--record-dir", record_dir);
  app.add_flag("--espeak", espeak);
  app.add_flag("--rtp-latching", options.rtp_latching);
  app.add_option("--max-calls-per-source", options.max_calls_per_source);
  app.add_option("--no-media-timeout-ms", options.no_media_timeout_ms);
  app.add_option("--media-idle-timeout-ms", options.media_idle_timeout_ms);
  app.add_option("--allow-from", options.allow_from);
  app.add_option("--tcp-backlog", options.tcp_backlog);
  app.add_option("--over-capacity-code", options.over_capacity_code);
  CLI11_PARSE(app, argc, argv);
  log::Init("info");
  if (!record_dir.empty()) options.recorder = WavFileRecordings(record_dir);

  std::unique_ptr<EspeakSynthesizer> tts;
  if (espeak) {
    auto created = EspeakSynthesizer::Create();
    if (!created.ok()) {
      Emit("error message=\"{}\"", created.status().ToString());
      return 1;
    }
    tts = std::move(*created);
  }
  // One handler prints the events of every call, inbound (through the router) and outbound.
  PrintingHandler handler;
  PrintingRouter router(handler);
  auto started = Gateway::Start(options, &router);
  if (!started.ok()) {
    Emit("error message=\"{}\"", started.status().ToString());
    return 1;
  }
  std::unique_ptr<Gateway> gw = std::move(*started);
  Emit("ready port={}", gw->port());

  uint64_t next_prompt = 1;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) continue;
    if (cmd == "quit") break;
    if (cmd == "originate") {
      std::string tag, target, arg;
      in >> tag >> target;
      OriginateOptions o;
      while (in >> arg) {
        auto eq = arg.find('=');
        std::string key = arg.substr(0, eq),
                    value = eq == std::string::npos ? "" : arg.substr(eq + 1);
        if (key == "ring") o.ring_timeout_ms = std::stoi(value);
        if (key == "transport")
          o.transport = value == "tcp" ? SipTransport::kTcp : SipTransport::kUdp;
        if (key == "caller") o.caller_id = value;
        if (key == "header") {
          auto colon = value.find(':');
          o.headers.emplace_back(value.substr(0, colon),
                                 colon == std::string::npos ? "" : value.substr(colon + 1));
        }
      }
      auto id = gw->Originate(target, o, Unowned(handler));
      if (id.ok())
        Emit("originated tag={} call={}", tag, *id);
      else
        Emit("originate_error tag={} code={} message=\"{}\"", tag, CodeName(id.status().code()),
             id.status().message());
    } else if (cmd == "say" || cmd == "tone") {
      CallId call = 0;
      in >> call;
      SharedPcm audio;
      if (cmd == "tone") {
        int ms = 1000;
        double hz = 440;
        in >> ms >> hz;
        audio = Tone(ms, hz);
      } else {
        std::string text;
        std::getline(in >> std::ws, text);
        if (!tts) {
          Emit("error message=\"say needs --espeak\"");
          continue;
        }
        auto rendered = tts->Synthesize(text);
        if (!rendered.ok()) {
          Emit("error message=\"{}\"", rendered.status().ToString());
          continue;
        }
        audio = *rendered;
      }
      uint64_t prompt = next_prompt++;
      Emit("playing call={} prompt={} samples={}", call, prompt, audio->size());
      gw->Play(call, audio, prompt);
    } else if (cmd == "hangup") {
      CallId call = 0;
      in >> call;
      gw->Hangup(call);
    } else if (cmd == "transfer") {
      CallId call = 0;
      std::string target;
      in >> call >> target;
      Status s = gw->Transfer(call, target);
      if (!s.ok()) Emit("transfer_error call={} message=\"{}\"", call, s.message());
    } else if (cmd == "stats") {
      GatewayStats s = gw->stats();
      Emit(
          "stats active={} originated={} unanswered={} rejected={} rtp_sent={} rtp_received={} "
          "rtp_foreign_dropped={} refused_source={} forbidden={} no_media={} bad_requests={}",
          s.active_calls, s.calls_originated, s.calls_unanswered, s.calls_rejected, s.rtp_sent,
          s.rtp_received, s.rtp_foreign_dropped, s.calls_refused_source, s.calls_forbidden,
          s.calls_no_media, s.bad_requests);
    } else if (cmd == "registration") {
      RegistrationStatus r = gw->registration();
      Emit("registration state={} code={} expires={} successes={} failures={} error=\"{}\"",
           RegistrationStateName(r.state), r.last_code, r.expires_s, r.successes, r.failures,
           r.error);
    } else {
      Emit("error message=\"unknown command {}\"", cmd);
    }
  }
  gw.reset();  // hangs up what is left, un-registers
  Emit("stopped");
  return 0;
}

}  // namespace
}  // namespace zx::telephony

int main(int argc, char** argv) { return zx::telephony::Run(argc, argv); }
