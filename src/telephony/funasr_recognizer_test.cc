// The FunASR client against tests/asr/funasr_test_server.py on loopback: the test server
// recognises tone bursts by frequency (tests/asr/tones.json) and can misbehave on cue.
#include "telephony/funasr_recognizer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "telephony/g711.h"
#include "telephony/media.h"

extern char** environ;

namespace zx::telephony {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
namespace fs = std::filesystem;

// The tones of tests/asr/tones.json.
constexpr double kSocialCardHz = 400;   // 社保卡补办
constexpr double kMedicalHz = 500;      // 医保报销
constexpr double kHousingFundHz = 600;  // 公积金提取
constexpr double kCloseHz = 2500;       // the server drops the connection
constexpr double kMalformedHz = 2600;   // the server sends malformed JSON
constexpr double kSilentHz = 2700;      // the server never answers
constexpr double kBinaryHz = 2800;      // the server sends a binary message
constexpr double kSamplesHz = 2900;     // the text is the number of samples received
const char* const kPhrases[] = {"社保卡补办",   "医保报销",   "公积金提取", "异地就医备案",
                                "养老保险缴费", "失业金申领", "生育津贴",   "工伤认定",
                                "退休手续",     "转人工服务", "查询进度",   "投诉建议",
                                "住房补贴",     "居住证办理", "户口迁移",   "营业执照",
                                "不动产登记",   "水电燃气",   "交通违章",   "噪音扰民"};

Pcm Tone(double hz, int ms, double amplitude = 8000) {
  Pcm out(static_cast<size_t>(kSampleRate * ms / 1000));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int16_t>(amplitude * std::sin(2 * M_PI * hz * i / kSampleRate));
  return out;
}

Pcm Silence(int ms) { return Pcm(static_cast<size_t>(kSampleRate * ms / 1000), 0); }

Pcm Concat(std::initializer_list<Pcm> parts) {
  Pcm out;
  for (const Pcm& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Through a G.711 encoder and decoder, as audio from a telephone call is.
Pcm ThroughG711(const Pcm& in, Codec codec) {
  std::vector<uint8_t> coded(in.size());
  Encode(codec, in.data(), in.size(), coded.data());
  Pcm out(in.size());
  Decode(codec, coded.data(), coded.size(), out.data());
  return out;
}

void FeedFrames(RecognitionStream& stream, const Pcm& pcm) {
  for (size_t i = 0; i < pcm.size(); i += kFrameSamples)
    stream.Feed(pcm.data() + i, std::min<size_t>(kFrameSamples, pcm.size() - i));
}

void FeedRandomChunks(RecognitionStream& stream, const Pcm& pcm, std::mt19937& rng) {
  std::uniform_int_distribution<size_t> size(1, 500);
  for (size_t i = 0; i < pcm.size();) {
    size_t n = std::min(size(rng), pcm.size() - i);
    stream.Feed(pcm.data() + i, n);
    i += n;
  }
}

// Records what a stream's handler receives.
class Collector : public RecognitionHandler {
 public:
  struct Event {
    enum Kind { kPartial, kFinal, kError } kind;
    std::string text;
    RecognitionErrorCode code{};
  };

  void OnPartial(const RecognitionResult& result) override {
    Add({Event::kPartial, result.text}, result.is_final);
  }
  void OnFinal(const RecognitionResult& result) override {
    Add({Event::kFinal, result.text}, !result.is_final);
  }
  void OnError(const RecognitionError& error) override {
    Add({Event::kError, error.message, error.code}, false);
  }

  bool WaitEnd(std::chrono::milliseconds timeout = 8s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return ends_ > 0; });
  }
  bool WaitPartial(std::chrono::milliseconds timeout = 8s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return partials_ > 0 || ends_ > 0; });
  }

  std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  int ends() const {
    std::lock_guard lock(mutex_);
    return ends_;
  }
  int partials() const {
    std::lock_guard lock(mutex_);
    return partials_;
  }
  bool wrong_flag() const { return wrong_flag_; }
  bool on_caller_thread() const { return on_caller_thread_; }
  // The one final text, or a description of what came instead.
  std::string final_text() const {
    std::lock_guard lock(mutex_);
    for (const Event& e : events_) {
      if (e.kind == Event::kFinal) return e.text;
      if (e.kind == Event::kError)
        return std::string("error ") + RecognitionErrorCodeName(e.code) + ": " + e.text;
    }
    return "(no end)";
  }
  const Event* end_event() const {
    std::lock_guard lock(mutex_);
    for (const Event& e : events_)
      if (e.kind != Event::kPartial) return &e;
    return nullptr;
  }

  std::function<void(const Event&)> on_event;  // runs on the I/O thread

 private:
  void Add(Event e, bool wrong_flag) {
    if (std::this_thread::get_id() == caller_) on_caller_thread_ = true;
    if (wrong_flag) wrong_flag_ = true;
    {
      std::lock_guard lock(mutex_);
      if (e.kind == Event::kPartial) {
        ++partials_;
      } else {
        ++ends_;
      }
      events_.push_back(e);
    }
    cv_.notify_all();
    if (on_event) on_event(e);
  }

  const std::thread::id caller_ = std::this_thread::get_id();
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  int partials_ = 0;
  int ends_ = 0;
  std::atomic<bool> wrong_flag_{false};
  std::atomic<bool> on_caller_thread_{false};
};

std::string FindPython() {
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/python3";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// tests/asr/funasr_test_server.py as a child process on a free loopback port.
class TestServer {
 public:
  ~TestServer() { Stop(); }

  // An empty string when running, else why not.
  std::string Start(const std::string& python, const std::vector<std::string>& extra = {}) {
    dir_ = fs::temp_directory_path() /
           ("zx-asr-test-" + std::to_string(getpid()) + "-" + std::to_string(++instances_));
    fs::create_directories(dir_);
    report_ = dir_ / "report.jsonl";
    std::string source = ZX_SOURCE_DIR;
    std::vector<std::string> args = {python,       source + "/tests/asr/funasr_test_server.py",
                                     "--script",   source + "/tests/asr/tones.json",
                                     "--port",     "0",
                                     "--report",   report_.string(),
                                     "--lifetime", "90"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (pipe(out) != 0) return "pipe failed";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    int rc = posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      pid_ = -1;
      return "cannot start " + python;
    }
    // "listening <port>" within 10 s.
    std::string line;
    auto deadline = Clock::now() + 10s;
    while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    if (std::sscanf(line.c_str(), "listening %d", &port_) != 1) {
      Stop();
      return "the test server did not start: '" + line + "'";
    }
    return "";
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  int port() const { return port_; }
  std::string url(const std::string& scheme = "ws") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  const fs::path& dir() const { return dir_; }

  // The server's report line for a connection, once it has ended.
  json Report(const std::string& wav_name, std::chrono::milliseconds timeout = 5s) const {
    auto deadline = Clock::now() + timeout;
    do {
      std::ifstream in(report_);
      std::string line;
      while (std::getline(in, line)) {
        json j = json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("wav_name", "") == wav_name) return j;
      }
      std::this_thread::sleep_for(20ms);
    } while (Clock::now() < deadline);
    return json();
  }

 private:
  static inline int instances_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  fs::path dir_;
  fs::path report_;
};

class FunAsrTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    python_ = FindPython();
    if (python_.empty()) return;
    server_ = new TestServer();
    start_error_ = server_->Start(python_);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (python_.empty()) GTEST_SKIP() << "python3 not found: the FunASR test server needs it";
    ASSERT_EQ(start_error_, "");
  }

  FunAsrOptions Options() const {
    FunAsrOptions options;
    options.url = server_->url();
    options.connect_timeout = 2000ms;
    options.final_timeout = 3000ms;
    return options;
  }

  std::unique_ptr<SpeechRecognizer> Recognizer(const FunAsrOptions& options) {
    auto recognizer = CreateFunAsrRecognizer(options);
    EXPECT_TRUE(recognizer.ok()) << recognizer.status().ToString();
    return recognizer.ok() ? std::move(recognizer).value() : nullptr;
  }

  // One utterance, start to end.
  std::string Recognize(SpeechRecognizer& recognizer, const Pcm& audio, Collector& collector,
                        const std::string& name = "") {
    auto stream = recognizer.Open({.name = name}, &collector);
    FeedFrames(*stream, audio);
    stream->Finish();
    EXPECT_TRUE(collector.WaitEnd()) << "no final result or error";
    return collector.final_text();
  }

  static inline std::string python_;
  static inline TestServer* server_ = nullptr;
  static inline std::string start_error_;
};

TEST_F(FunAsrTest, KnownAudioGivesItsTextAfterPartials) {
  auto recognizer = Recognizer(Options());
  Collector collector;
  EXPECT_EQ(Recognize(*recognizer, Concat({Tone(kHousingFundHz, 1200), Silence(100)}), collector),
            "公积金提取");
  auto events = collector.events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(collector.ends(), 1);
  EXPECT_GE(collector.partials(), 3);
  // Partials first, each the utterance so far; the final last.
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].kind, Collector::Event::kPartial);
    EXPECT_EQ(std::string("公积金提取").rfind(events[i].text, 0), 0u) << events[i].text;
  }
  EXPECT_EQ(events.back().kind, Collector::Event::kFinal);
  EXPECT_FALSE(collector.wrong_flag());
  EXPECT_FALSE(collector.on_caller_thread());
}

TEST_F(FunAsrTest, PartialsArriveWhileAudioFlowsInRealTime) {
  // As the gateway feeds it: a 20 ms frame every 20 ms.
  auto recognizer = Recognizer(Options());
  Collector collector;
  auto stream = recognizer->Open({.name = "real-time"}, &collector);
  Pcm audio = Tone(kSocialCardHz, 1200);
  auto next = Clock::now();
  for (size_t i = 0; i < audio.size(); i += kFrameSamples) {
    stream->Feed(audio.data() + i, kFrameSamples);
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  int partials_before_finish = collector.partials();
  auto finished = Clock::now();
  stream->Finish();
  ASSERT_TRUE(collector.WaitEnd());
  auto latency = Clock::now() - finished;
  EXPECT_EQ(collector.final_text(), "社保卡补办");
  EXPECT_GE(partials_before_finish, 1);  // the server sends one per 200 ms of tone
  EXPECT_LT(latency, 3s);
  std::cout << "[ measured ] Finish() to final result over loopback: "
            << std::chrono::duration_cast<std::chrono::microseconds>(latency).count() / 1000.0
            << " ms\n";
}

TEST_F(FunAsrTest, SentencesCutByTheServersVadAreJoined) {
  auto recognizer = Recognizer(Options());
  Collector collector;
  Pcm audio = Concat({Tone(kSocialCardHz, 600), Silence(500), Tone(kMedicalHz, 600)});
  EXPECT_EQ(Recognize(*recognizer, audio, collector), "社保卡补办医保报销");
  // A partial after the first sentence carries it whole.
  bool saw_first_sentence = false;
  for (const auto& e : collector.events())
    if (e.kind == Collector::Event::kPartial && e.text.rfind("社保卡补办", 0) == 0)
      saw_first_sentence = true;
  EXPECT_TRUE(saw_first_sentence);
}

TEST_F(FunAsrTest, OnlineAndOfflineModes) {
  for (std::string mode : {"online", "offline"}) {
    SCOPED_TRACE(mode);
    FunAsrOptions options = Options();
    options.mode = mode;
    auto recognizer = Recognizer(options);
    Collector collector;
    EXPECT_EQ(Recognize(*recognizer, Tone(kMedicalHz, 1000), collector, "mode-" + mode),
              "医保报销");
    if (mode == "offline") {
      EXPECT_EQ(collector.partials(), 0);
    } else {
      EXPECT_GE(collector.partials(), 1);
    }
    EXPECT_EQ(server_->Report("mode-" + mode)["start"].value("mode", ""), mode);
  }
}

TEST_F(FunAsrTest, UnknownAudioAndEmptyUtterance) {
  auto recognizer = Recognizer(Options());
  Collector unknown, empty;
  EXPECT_EQ(Recognize(*recognizer, Tone(3300, 800), unknown), "未知");
  // No audio at all: the server's final has no text.
  EXPECT_EQ(Recognize(*recognizer, Pcm(), empty), "");
}

TEST_F(FunAsrTest, ConcurrentStreamsThroughG711EachGetTheirOwnText) {
  FunAsrOptions options = Options();
  options.final_timeout = 6000ms;
  auto recognizer = Recognizer(options);
  constexpr int kStreams = 20;
  std::vector<Collector> collectors(kStreams);
  std::vector<std::unique_ptr<RecognitionStream>> streams;
  std::vector<Pcm> audio;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(
        recognizer->Open({.name = "concurrent-" + std::to_string(i)}, &collectors[i]));
    Pcm tone = Concat({Silence(100), Tone(400 + 100 * i, 900), Silence(100)});
    audio.push_back(ThroughG711(tone, i % 2 ? Codec::kPcma : Codec::kPcmu));
  }
  // Four feeding threads, five streams each, in random chunks.
  std::vector<std::thread> feeders;
  for (int t = 0; t < 4; ++t) {
    feeders.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      for (int i = t; i < kStreams; i += 4) {
        FeedRandomChunks(*streams[i], audio[i], rng);
        streams[i]->Finish();
      }
    });
  }
  for (auto& f : feeders) f.join();
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(collectors[i].WaitEnd(9s)) << i;
    EXPECT_EQ(collectors[i].final_text(), kPhrases[i]) << "stream " << i;
    EXPECT_EQ(collectors[i].ends(), 1);
  }
}

TEST_F(FunAsrTest, AudioIsSentAs16kHzPcmInFramesAfterTheStartMessage) {
  FunAsrOptions options = Options();
  options.itn = false;
  options.hotwords = {{"公积金", 30}};
  options.send_chunk_ms = 60;
  auto recognizer = Recognizer(options);
  Collector collector;
  auto stream =
      recognizer->Open({.name = "resample-check", .hotwords = {"社保", "公积金"}}, &collector);
  Pcm audio = Tone(kSamplesHz, 1000);  // exactly 8000 samples at 8 kHz
  std::mt19937 rng(7);
  FeedRandomChunks(*stream, audio, rng);
  stream->Finish();
  ASSERT_TRUE(collector.WaitEnd());
  std::string text = collector.final_text();
  ASSERT_FALSE(text.empty());
  ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(text[0]))) << text;
  long received = std::stol(text);
  EXPECT_EQ(received, 16000) << "samples the server received";

  json report = server_->Report("resample-check");
  ASSERT_TRUE(report.is_object());
  const json& start = report["start"];
  EXPECT_EQ(start["mode"], "2pass");
  EXPECT_EQ(start["chunk_size"], json({5, 10, 5}));
  EXPECT_EQ(start["chunk_interval"], 10);
  EXPECT_EQ(start["wav_format"], "pcm");
  EXPECT_EQ(start["audio_fs"], 16000);
  EXPECT_EQ(start["is_speaking"], true);
  EXPECT_EQ(start["itn"], false);
  // Hot words: a JSON object inside a string; the configured weight wins.
  json hotwords = json::parse(start["hotwords"].get<std::string>());
  EXPECT_EQ(hotwords, json({{"公积金", 30}, {"社保", 20}}));
  EXPECT_EQ(report["max_frame_bytes"], 60 * 16 * 2);
  EXPECT_EQ(report["samples"], received);
  EXPECT_EQ(report["end_received"], true);
  EXPECT_EQ(report["closed_by"], "client");  // a closing handshake after the final
}

TEST_F(FunAsrTest, RefusedConnection) {
  // A port that was free a moment ago: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);

  FunAsrOptions options = Options();
  options.url = "ws://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto recognizer = Recognizer(options);
  Collector collector;
  auto started = Clock::now();
  std::string text = Recognize(*recognizer, Tone(kMedicalHz, 300), collector);
  EXPECT_LT(Clock::now() - started, 2s);
  ASSERT_NE(collector.end_event(), nullptr);
  EXPECT_EQ(collector.end_event()->code, RecognitionErrorCode::kConnectFailed) << text;
  EXPECT_NE(text.find("refused"), std::string::npos) << text;
  EXPECT_EQ(collector.ends(), 1);
}

TEST_F(FunAsrTest, DeclinedUpgrade) {
  FunAsrOptions options = Options();
  options.url = server_->url() + "/reject?token=secret";
  auto recognizer = Recognizer(options);
  Collector collector;
  std::string text = Recognize(*recognizer, Tone(kMedicalHz, 300), collector);
  ASSERT_NE(collector.end_event(), nullptr);
  EXPECT_EQ(collector.end_event()->code, RecognitionErrorCode::kConnectFailed) << text;
  EXPECT_NE(text.find("HTTP 403"), std::string::npos) << text;
  EXPECT_NE(text.find("/reject"), std::string::npos) << text;
  EXPECT_EQ(text.find("secret"), std::string::npos) << "the query stays out of messages";
}

TEST_F(FunAsrTest, ConnectTimeout) {
  // Listening, never accepting: TCP connects (the backlog), the WebSocket handshake never ends.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);

  FunAsrOptions options = Options();
  options.url = "ws://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  options.connect_timeout = 500ms;
  auto recognizer = Recognizer(options);
  Collector collector;
  auto started = Clock::now();
  std::string text = Recognize(*recognizer, Tone(kMedicalHz, 300), collector);
  auto elapsed = Clock::now() - started;
  close(fd);
  ASSERT_NE(collector.end_event(), nullptr);
  EXPECT_EQ(collector.end_event()->code, RecognitionErrorCode::kTimeout) << text;
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(FunAsrTest, ServerMisbehaving) {
  struct Case {
    double hz;
    RecognitionErrorCode code;
  };
  auto recognizer = Recognizer(Options());
  for (Case c : {Case{kCloseHz, RecognitionErrorCode::kConnectionLost},
                 Case{kMalformedHz, RecognitionErrorCode::kProtocolError},
                 Case{kBinaryHz, RecognitionErrorCode::kProtocolError}}) {
    SCOPED_TRACE(c.hz);
    Collector collector;
    auto stream = recognizer->Open({}, &collector);
    FeedFrames(*stream, Tone(c.hz, 1000));  // misbehaves 200 ms in, before Finish()
    ASSERT_TRUE(collector.WaitEnd(5s));
    ASSERT_NE(collector.end_event(), nullptr);
    EXPECT_EQ(collector.end_event()->kind, Collector::Event::kError);
    EXPECT_EQ(collector.end_event()->code, c.code) << collector.final_text();
    stream->Finish();  // after the end: ignored
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(collector.ends(), 1);
  }
}

TEST_F(FunAsrTest, ServerThatNeverAnswersTimesOut) {
  FunAsrOptions options = Options();
  options.final_timeout = 800ms;
  auto recognizer = Recognizer(options);
  Collector collector;
  auto stream = recognizer->Open({.name = "never-answers"}, &collector);
  FeedFrames(*stream, Tone(kSilentHz, 600));
  auto finished = Clock::now();
  stream->Finish();
  ASSERT_TRUE(collector.WaitEnd(5s));
  auto elapsed = Clock::now() - finished;
  EXPECT_EQ(collector.end_event()->code, RecognitionErrorCode::kTimeout) << collector.final_text();
  EXPECT_GE(elapsed, 750ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_EQ(collector.partials(), 0);
  // The client hung up on it, without a closing handshake.
  json report = server_->Report("never-answers");
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["closed_by"], "dropped");
}

TEST_F(FunAsrTest, CancelMidStreamStopsCallbacks) {
  auto recognizer = Recognizer(Options());
  Collector collector;
  auto stream = recognizer->Open({.name = "cancelled"}, &collector);
  FeedFrames(*stream, Tone(kHousingFundHz, 600));
  ASSERT_TRUE(collector.WaitPartial());
  stream->Cancel();
  int events = static_cast<int>(collector.events().size());
  FeedFrames(*stream, Tone(kHousingFundHz, 600));  // ignored
  stream->Finish();                                // ignored
  stream->Cancel();                                // idempotent
  json report = server_->Report("cancelled");
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["end_received"], false);
  EXPECT_EQ(report["closed_by"], "client");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(static_cast<int>(collector.events().size()), events);
  EXPECT_EQ(collector.ends(), 0);
}

TEST_F(FunAsrTest, CancelFromTheHandlerAndByDestroyingTheStream) {
  auto recognizer = Recognizer(Options());
  // Cancelled from its own first partial, on the I/O thread.
  Collector from_handler;
  std::unique_ptr<RecognitionStream> stream;
  from_handler.on_event = [&](const Collector::Event&) { stream->Cancel(); };
  stream = recognizer->Open({}, &from_handler);
  FeedFrames(*stream, Tone(kHousingFundHz, 1000));
  stream->Finish();
  ASSERT_TRUE(from_handler.WaitPartial());
  // Destroyed before the connection is even open.
  auto destroyed = std::make_unique<Collector>();
  auto short_lived = recognizer->Open({}, destroyed.get());
  FeedFrames(*short_lived, Tone(kMedicalHz, 600));
  short_lived->Finish();
  short_lived.reset();
  destroyed.reset();  // safe: no callback may come any more
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(from_handler.partials(), 1);
  EXPECT_EQ(from_handler.ends(), 0);
}

TEST_F(FunAsrTest, BacklogAndStreamLimits) {
  FunAsrOptions options = Options();
  options.max_backlog = 200ms;
  options.max_streams = 2;
  auto recognizer = Recognizer(options);
  Collector backlog;
  auto stream = recognizer->Open({}, &backlog);
  FeedFrames(*stream, Tone(kMedicalHz, 1000));  // at once, before the connection is open
  ASSERT_TRUE(backlog.WaitEnd(5s));
  EXPECT_EQ(backlog.end_event()->code, RecognitionErrorCode::kOverloaded);

  Collector a, b, c;
  auto sa = recognizer->Open({}, &a);
  auto sb = recognizer->Open({}, &b);
  auto sc = recognizer->Open({}, &c);
  ASSERT_TRUE(c.WaitEnd(5s));
  EXPECT_EQ(c.end_event()->code, RecognitionErrorCode::kOverloaded);
  EXPECT_EQ(a.ends() + b.ends(), 0);
}

TEST_F(FunAsrTest, ShutdownWithOpenStreams) {
  auto recognizer = Recognizer(Options());
  constexpr int kOpen = 5;
  std::vector<Collector> collectors(kOpen);
  std::vector<std::unique_ptr<RecognitionStream>> streams;
  for (int i = 0; i < kOpen; ++i) {
    streams.push_back(recognizer->Open({}, &collectors[i]));
    FeedFrames(*streams.back(), Tone(400 + 100 * i, 600));  // no Finish()
  }
  ASSERT_TRUE(collectors[0].WaitPartial());
  auto started = Clock::now();
  recognizer.reset();
  EXPECT_LT(Clock::now() - started, 2s);
  for (int i = 0; i < kOpen; ++i) {
    ASSERT_EQ(collectors[i].ends(), 1) << i;  // delivered before the destructor returned
    EXPECT_EQ(collectors[i].end_event()->code, RecognitionErrorCode::kShutdown);
  }
  // The handles outlive the recognizer harmlessly.
  FeedFrames(*streams[0], Tone(400, 100));
  streams[0]->Finish();
  streams.clear();
}

TEST_F(FunAsrTest, Wss) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "openssl (the command) is needed to make a test certificate";
  TestServer tls_server;
  struct TempDir {
    fs::path path = fs::temp_directory_path() / ("zx-asr-tls-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } temp;
  const fs::path& dir = temp.path;
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0);
  ASSERT_EQ(tls_server.Start(python_, {"--certfile", cert, "--keyfile", key}), "");

  FunAsrOptions options = Options();
  options.url = tls_server.url("wss");
  options.tls_ca_file = cert;
  auto recognizer = Recognizer(options);
  Collector trusted;
  EXPECT_EQ(Recognize(*recognizer, Tone(kMedicalHz, 800), trusted), "医保报销");

  // The same server, not trusted: the system's CAs do not know it.
  options.tls_ca_file.clear();
  auto strict = Recognizer(options);
  Collector untrusted;
  Recognize(*strict, Tone(kMedicalHz, 300), untrusted);
  ASSERT_NE(untrusted.end_event(), nullptr);
  EXPECT_EQ(untrusted.end_event()->code, RecognitionErrorCode::kConnectFailed)
      << untrusted.final_text();
}

TEST(WebSocketUrlTest, Parses) {
  auto url = ParseWebSocketUrl("ws://127.0.0.1:10095");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 10095);
  EXPECT_EQ(url->target, "/");

  url = ParseWebSocketUrl("WSS://asr.example.cn/funasr?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "asr.example.cn");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/funasr?x=1");

  url = ParseWebSocketUrl("ws://[::1]:10095");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 10095);
}

TEST(WebSocketUrlTest, RejectsMalformedUrlsSayingWhy) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (Case c : {Case{"", "empty"}, Case{"127.0.0.1:10095", "no scheme"},
                 Case{"http://127.0.0.1:10095", "scheme 'http'"}, Case{"ws://", "no host"},
                 Case{"ws://:10095", "no host"}, Case{"ws://host:", "port ''"},
                 Case{"ws://host:99999", "port '99999'"}, Case{"ws://host:10a", "port '10a'"},
                 Case{"ws://host:0", "port '0'"}, Case{"ws://::1:10095", "brackets"},
                 Case{"ws://[::1", "']'"}, Case{"ws://user@host:1", "user names"},
                 Case{"ws://host:1/#x", "fragment"}, Case{"ws://ho st:1", "spaces"}}) {
    auto url = ParseWebSocketUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), Code::kInvalidArgument);
    EXPECT_NE(url.status().message().find(c.says), std::string::npos)
        << c.url << ": " << url.status().message();
  }
}

TEST(FunAsrOptionsTest, CreateRejectsBadOptions) {
  auto check = [](FunAsrOptions options, const char* says) {
    auto r = CreateFunAsrRecognizer(options);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(says), std::string::npos) << r.status().message();
  };
  FunAsrOptions o;
  o.url = "tcp://127.0.0.1:10095";
  check(o, "scheme 'tcp'");
  o = {};
  o.mode = "3pass";
  check(o, "mode '3pass'");
  o = {};
  o.chunk_size = {5, 0, 5};
  check(o, "chunk_size");
  o = {};
  o.final_timeout = 0ms;
  check(o, "final_timeout");
  o = {};
  o.send_chunk_ms = 5;
  check(o, "send_chunk_ms");
  o = {};
  o.hotwords = {{"社保", 0}};
  check(o, "社保");
  o = {};
  o.url = "wss://127.0.0.1:10095";
  o.tls_ca_file = "/nonexistent/ca.pem";
  check(o, "tls_ca_file");
  // Valid options create a recognizer without connecting anywhere.
  EXPECT_TRUE(CreateFunAsrRecognizer(FunAsrOptions{}).ok());
}

}  // namespace
}  // namespace zx::telephony
