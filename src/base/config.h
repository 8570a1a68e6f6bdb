// Config: every setting of zhixian, with a default for each.
//
// Sources, later wins: built-in defaults < the TOML file (--config) < ZHIXIAN_* environment
// variables (ZHIXIAN_SERVER_HTTP overrides server.http). An unknown key, a value of the wrong
// type or out of range stops start-up with a message that names the key and where it came from.
// Built once at start-up and shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace zx {

struct Config {
  struct Server {
    std::string http = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
    std::string sip = "127.0.0.1:5060";
    int threads = 2;                     // HTTP worker threads
    int64_t max_body_bytes = 64 * 1024;  // larger request bodies get 413
    int request_timeout_ms = 10000;      // a request slower than this is cut off
    int max_websockets = 10000;          // open WebSockets; more are refused (503)
  } server;
  struct Data {
    std::string dir = "./var";  // database, indexes, recordings
  } data;
  struct Database {
    int busy_timeout_ms = 5000;  // wait this long for a lock, then answer 503 "try again"
  } database;
  struct Knowledge {
    std::string kb_dir = "kb";       // the knowledge base (entries, synonyms, vocabulary)
    double answer_threshold = 0.45;  // below this confidence, ask back instead of answering
    int alternatives = 3;            // topics offered when asking back
    std::string jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";  // general words
  } knowledge;
  struct Dialogue {
    int max_citizen_turns = 200;  // citizen messages per conversation; more are refused
  } dialogue;
  struct Log {
    std::string level = "info";  // trace, debug, info, warn, error, off
  } log;
  struct Security {
    // The SM4 key file (`zhixian keys init`); must lie outside data.dir. Empty: no key, so no
    // personal data can be stored encrypted (serve starts and warns; see docs/security.md).
    std::string key_file;
    int session_ttl_minutes = 480;    // a login session ends this long after login
    int idle_minutes = 30;            // ... or this long after its last request
    int rate_limit_per_minute = 600;  // requests per client IP under /api; 0 = no limit
    // A broken audit log at start (security/audit.h): "refuse" to start, or "warn" and start.
    std::string audit_on_broken = "refuse";
    // 1: accounts that can see personal data or manage users wait for a second administrator's
    // approval (`zhixian user approve`); 0: they are active at once (always alerted and audited).
    int require_approval = 0;
    int login_threads = 1;  // threads hashing login passwords (not the HTTP threads)
    int login_queue = 16;   // logins waiting for them; more are answered 503
  } security;
  // The SIP trunk or PBX that outbound calls and transfers go through (telephony/trunk.h).
  struct Trunk {
    std::string proxy;         // "sip:HOST[:PORT][;transport=udp|tcp]"; empty: no trunk
    std::string domain;        // host of request URIs for numbers; empty: the proxy's
    std::string username;      // digest authentication and REGISTER
    std::string password;      // set ZHIXIAN_TRUNK_PASSWORD rather than writing it in the file
    std::string from_user;     // default caller id
    int register_enabled = 0;  // 1: keep a registration with the proxy
    int register_expires_s = 600;
    int ring_timeout_s = 30;      // outbound calls unanswered by then: no_answer
    int transfer_timeout_s = 30;  // REFER without a final NOTIFY by then: the call stays
  } trunk;
  // Defences of the SIP port against strangers (telephony/gateway.h, docs/telephony.md).
  struct Sip {
    int rtp_latching = 0;           // 1: adopt a NATed peer's media source before its SDP one
    int max_calls_per_source = 10;  // concurrent inbound calls per IP (allow_from exempt); 0 off
    int no_media_timeout_s = 10;    // end answered calls without any RTP after this; 0 = never
    int media_idle_timeout_s = 60;  // ... and calls whose RTP stopped this long ago; 0 = never
    std::string allow_from;         // "IP, IP/PREFIX, ..." that may place calls; empty: anyone
    int tcp_backlog = 1024;         // SIP/TCP listen queue
  } sip;
  // Calls of this deployment (telephony/gateway.h, voice/voice_bridge.h); what callers hear is
  // the menu of kb/ivr.toml. Until issue 10 these were kb/ivr.toml's [call].
  struct Call {
    int max_calls = 500;           // concurrent calls; more are refused with over_capacity_code
    int over_capacity_code = 486;  // 486 Busy Here or 503 Service Unavailable
    int answer_delay_ms = 300;     // ring (180) this long before answering
    int record = 1;                // 1: record calls (only encrypted, with a key file)
    std::string transfer_to;       // hand-overs go here (SIP URI or extension); empty: none
  } call;
  // Speech recognition (telephony/funasr_recognizer.h); empty url: keys only.
  struct Asr {
    std::string url;              // ws://HOST:PORT of a FunASR runtime server (port 10095)
    std::string mode = "2pass";   // 2pass, online or offline
    int final_timeout_ms = 5000;  // end of utterance -> final text; longer is "not understood"
  } asr;
  struct Retention {
    int64_t recordings_hours = 24;      // call recordings are deleted after this
    int64_t recordings_max_mb = 10240;  // disk budget of recordings; beyond it none; 0 = none
    int64_t transcripts_days = 180;     // conversation transcripts are cleared after this
    int64_t personal_days = 365;        // other personal data (campaign targets); 0 = keep
  } retention;
};

// One configuration key, as documented in config/zhixian.toml.
struct ConfigKey {
  std::string name;         // "server.http"
  std::string env;          // "ZHIXIAN_SERVER_HTTP"
  std::string description;  // one line, for `zhixian config --help`
};

// Loads defaults, then `file` if not empty (a missing file is an error), then the environment.
Result<Config> LoadConfig(const std::string& file);
// Same, with an explicit environment (NAME=VALUE strings); for tests.
Result<Config> LoadConfig(const std::string& file, const std::vector<std::string>& environ);
// Parses TOML text; `origin` names it in errors.
Result<Config> ParseConfig(const std::string& toml_text, const std::string& origin,
                           const std::vector<std::string>& environ);

std::vector<ConfigKey> ConfigKeys();

}  // namespace zx
