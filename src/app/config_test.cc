#include "app/config.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace zx::app {
namespace {

TEST(Config, DefaultsWithoutFile) {
  auto c = ParseConfig("", "defaults", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.http, "127.0.0.1:8080");
  EXPECT_EQ(c->data.dir, "./var");
}

TEST(Config, FileOverridesDefaultsAndEnvOverridesFile) {
  auto c = ParseConfig("[server]\nhttp = \"0.0.0.0:9000\"\nthreads = 4\n", "z.toml",
                       {"ZHIXIAN_SERVER_THREADS=8", "ZHIXIAN_DATA_DIR=/tmp/x", "HOME=/root"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.http, "0.0.0.0:9000");
  EXPECT_EQ(c->server.threads, 8);
  EXPECT_EQ(c->data.dir, "/tmp/x");
}

TEST(Config, UnknownKeyIsNamedWithLine) {
  auto c = ParseConfig("[server]\n\nhtpp = \"x\"\n", "z.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("z.toml:3"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("server.htpp"), std::string::npos);
}

TEST(Config, WrongTypeAndRangeNameTheKey) {
  auto a = ParseConfig("[server]\nthreads = \"four\"\n", "z.toml", {});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("server.threads must be a number"), std::string::npos);
  auto b = ParseConfig("[knowledge]\nanswer_threshold = 1.5\n", "z.toml", {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("knowledge.answer_threshold"), std::string::npos);
  auto e = ParseConfig("", "defaults", {"ZHIXIAN_SERVER_THREADS=lots"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("ZHIXIAN_SERVER_THREADS"), std::string::npos);
}

TEST(Config, BadAddressAndLevel) {
  EXPECT_FALSE(ParseConfig("[server]\nhttp = \"localhost\"\n", "z", {}).ok());
  EXPECT_FALSE(ParseConfig("[log]\nlevel = \"loud\"\n", "z", {}).ok());
  EXPECT_FALSE(ParseConfig("[server\n", "z", {}).ok());
}

TEST(Config, SecurityAndRetentionDefaults) {
  auto c = ParseConfig("", "defaults", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->security.key_file, "auto");  // the default key file, made by serve
  EXPECT_EQ(c->security.session_ttl_minutes, 480);
  EXPECT_EQ(c->security.idle_minutes, 30);
  EXPECT_EQ(c->security.rate_limit_per_minute, 600);
  EXPECT_EQ(c->retention.recordings_hours, 24);
  EXPECT_EQ(c->retention.transcripts_days, 180);
  EXPECT_EQ(c->retention.personal_days, 365);
}

TEST(Config, SecurityAndRetentionFromFileAndEnvironment) {
  auto c = ParseConfig(
      "[security]\nkey_file = \"/etc/zhixian/keys\"\nsession_ttl_minutes = 60\n"
      "idle_minutes = 10\nrate_limit_per_minute = 0\n"
      "[retention]\nrecordings_hours = 48\ntranscripts_days = 30\n",
      "z.toml", {"ZHIXIAN_RETENTION_TRANSCRIPTS_DAYS=7", "ZHIXIAN_SECURITY_IDLE_MINUTES=5"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->security.key_file, "/etc/zhixian/keys");
  EXPECT_EQ(c->security.session_ttl_minutes, 60);
  EXPECT_EQ(c->security.idle_minutes, 5);
  EXPECT_EQ(c->security.rate_limit_per_minute, 0);
  EXPECT_EQ(c->retention.recordings_hours, 48);
  EXPECT_EQ(c->retention.transcripts_days, 7);
}

TEST(Config, SecurityAndRetentionRangesNameTheKey) {
  for (const char* bad :
       {"[security]\nsession_ttl_minutes = 0\n", "[security]\nrate_limit_per_minute = -1\n",
        "[security]\nkey_file = 5\n", "[retention]\nrecordings_hours = 0\n",
        "[retention]\ntranscripts_days = 1.5\n"}) {
    auto c = ParseConfig(bad, "z.toml", {});
    ASSERT_FALSE(c.ok()) << bad;
    std::string key = std::string(bad).substr(1, std::string(bad).find(']') - 1);
    EXPECT_NE(c.status().message().find(key + "."), std::string::npos) << c.status().message();
  }
  auto idle = ParseConfig("[security]\nsession_ttl_minutes = 10\nidle_minutes = 20\n", "z", {});
  ASSERT_FALSE(idle.ok());
  EXPECT_NE(idle.status().message().find("security.idle_minutes"), std::string::npos);
}

// server.sip = "off" runs without voice, as serve's comment and --sip off say.
TEST(Config, SipCanBeOff) {
  auto c = ParseConfig("[server]\nsip = \"off\"\n", "z.toml", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.sip, "off");
  EXPECT_FALSE(ParseConfig("[server]\nsip = \"nowhere\"\n", "z.toml", {}).ok());
}

// Switches (whole numbers 0..1) also take TOML booleans and "true"/"false" from the
// environment: the Kamailio example of docs/telephony.md writes `register = false`.
TEST(Config, SwitchesTakeBooleans) {
  auto c = ParseConfig("[trunk]\nregister = false\n[call]\nrecord = false\n", "z.toml", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->trunk.register_enabled, 0);
  EXPECT_EQ(c->call.record, 0);
  auto on = ParseConfig("[trunk]\nregister = true\n", "z.toml", {"ZHIXIAN_CALL_RECORD=false"});
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_EQ(on->trunk.register_enabled, 1);
  EXPECT_EQ(on->call.record, 0);
  // Not a switch: a boolean is still refused, naming the key.
  auto bad = ParseConfig("[server]\nthreads = true\n", "z.toml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("z.toml:2: server.threads must be a number"),
            std::string::npos)
      << bad.status().message();
}

TEST(Config, EveryKeyHasAnEnvName) {
  // Except the keys inside an array of tables ([[llm.engines]]): which table would it set?
  for (const auto& k : ConfigKeys()) {
    if (k.name.find("[]") != std::string::npos)
      EXPECT_EQ(k.env, "") << k.name;
    else
      EXPECT_EQ(k.env.rfind("ZHIXIAN_", 0), 0u) << k.name;
  }
}

TEST(Config, EveryKeyIsListedOnceWithItsDefault) {
  std::set<std::string> names;
  for (const auto& k : ConfigKeys()) {
    EXPECT_TRUE(names.insert(k.name).second) << k.name;
    EXPECT_FALSE(k.description.empty()) << k.name;
    EXPECT_FALSE(k.default_value.empty()) << k.name;
  }
  // One from each module's section, the shared [server] section from both of its readers.
  for (const char* key :
       {"server.http", "server.sip", "data.dir", "database.url", "database.busy_timeout_ms",
        "knowledge.kb_dir", "dialogue.max_citizen_turns", "log.level", "security.key_file",
        "trunk.register", "sip.allow_from", "call.max_calls", "asr.url",
        "retention.recordings_max_mb", "sms.gateway"}) {
    EXPECT_TRUE(names.count(key)) << key;
  }
  // 49, [call] 7, [visits] 6, [campaigns] 16, [sms] 16, [llm] 8 and 14 of each [[llm.engines]]
  EXPECT_EQ(names.size(), 116u);
}

TEST(Config, LanguageModelEnginesAndTheirChains) {
  const std::string engines =
      "[[llm.engines]]\nname = \"deepseek\"\nbase_url = \"https://api.deepseek.com/v1\"\n"
      "key_env = \"DEEPSEEK_API_KEY\"\nmodel = \"deepseek-chat\"\nflavour = \"deepseek\"\n"
      "[[llm.engines]]\nname = \"local\"\nbase_url = \"http://127.0.0.1:8000/v1\"\n"
      "model = \"Qwen2.5-7B-Instruct\"\nflavour = \"vllm\"\nfirst_token_timeout_ms = 20000\n";
  auto c = ParseConfig("[llm]\nanswers = \"deepseek, local\"\n" + engines, "z.toml", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->llm.engines.size(), 2u);
  EXPECT_EQ(c->llm.engines[1].first_token_timeout_ms, 20000);
  EXPECT_EQ(c->llm.engines[1].connect_timeout_ms, 2000);
  EXPECT_EQ(llm::ParseChain(c->llm.answers), (std::vector<std::string>{"deepseek", "local"}));
  // Mistakes stop start-up naming the key.
  auto unknown = ParseConfig("[llm]\nsummaries = \"qwen\"\n" + engines, "z.toml", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("llm.summaries names the engine 'qwen'"),
            std::string::npos)
      << unknown.status().message();
  auto flavour = ParseConfig(
      "[[llm.engines]]\nname = \"x\"\nbase_url = \"http://h/v1\"\n"
      "model = \"m\"\nflavour = \"gpt\"\n",
      "z.toml", {});
  ASSERT_FALSE(flavour.ok());
  EXPECT_NE(flavour.status().message().find("llm.engines[0].flavour must be"), std::string::npos)
      << flavour.status().message();
  auto url = ParseConfig("[[llm.engines]]\nname = \"x\"\nbase_url = \"ftp://h\"\nmodel = \"m\"\n",
                         "z.toml", {});
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("base_url"), std::string::npos);
}

TEST(Config, TheShippedFileHoldsEveryKeyWithItsDefault) {
  // config/zhixian.toml documents every key with its default value.
  auto shipped = LoadConfig(ZX_SOURCE_DIR "/config/zhixian.toml", {});
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  auto defaults = ParseConfig("", "defaults", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(shipped->server.max_body_bytes, defaults->server.max_body_bytes);
  EXPECT_EQ(shipped->server.sip, defaults->server.sip);
  EXPECT_EQ(shipped->trunk.register_expires_s, defaults->trunk.register_expires_s);
  EXPECT_EQ(shipped->retention.recordings_max_mb, defaults->retention.recordings_max_mb);
  EXPECT_EQ(shipped->knowledge.answer_threshold, defaults->knowledge.answer_threshold);
}

TEST(Config, EachModuleReadsItsOwnSection) {
  auto document = ConfigDocument::Parse(
      "[server]\nhttp = \"0.0.0.0:1\"\nsip = \"0.0.0.0:2\"\n[trunk]\nregister = 1\n", "z.toml",
      {"ZHIXIAN_ASR_URL=ws://asr:10095"});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  auto server = http::ServerConfigSection().Read(*document);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(server->http, "0.0.0.0:1");
  EXPECT_EQ(server->threads, 2);
  auto listen = telephony::SipListenConfigSection().Read(*document);
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(listen->sip, "0.0.0.0:2");
  auto trunk = telephony::TrunkConfigSection().Read(*document);
  ASSERT_TRUE(trunk.ok());
  EXPECT_EQ(trunk->register_enabled, 1);
  auto asr = telephony::AsrConfigSection().Read(*document);
  ASSERT_TRUE(asr.ok());
  EXPECT_EQ(asr->url, "ws://asr:10095");
  EXPECT_EQ(asr->mode, "2pass");
  // A section read alone checks only its own keys; the composed Config checks them all.
  auto composed = ReadConfig(*document);
  ASSERT_TRUE(composed.ok()) << composed.status().ToString();
  EXPECT_EQ(composed->server.http, "0.0.0.0:1");
  EXPECT_EQ(composed->server.sip, "0.0.0.0:2");
  EXPECT_EQ(composed->asr.url, "ws://asr:10095");
}

TEST(Config, UnknownSectionAndTopLevelValue) {
  auto a = ParseConfig("[sever]\nhttp = \"x:1\"\n", "z.toml", {});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("z.toml:2: unknown configuration key 'sever.http'"),
            std::string::npos)
      << a.status().message();
  auto b = ParseConfig("threads = 4\n", "z.toml", {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("'threads' must be a [section]"), std::string::npos)
      << b.status().message();
  auto c = ParseConfig("server = 4\n", "z.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'server' must be a table"), std::string::npos)
      << c.status().message();
}

}  // namespace
}  // namespace zx::app
