#include "base/config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zx {
namespace {

// A module of the kind the configuration will grow: a section with scalars, a nested table and
// an array of tables ([[llm.engines]]), and a top-level array of tables ([[trunks]]).
struct Routing {
  std::string prefer = "local";
  int retries = 1;
};
struct Engine {
  std::string name;
  std::string url;
  double weight = 1.0;
};
struct Llm {
  int timeout_ms = 3000;
  std::string model = "small";
  Routing routing;
  std::vector<Engine> engines;
};
struct Trunk {
  std::string proxy;
  int ring_timeout_s = 30;
};

ConfigSection<Engine> EngineKeys() {
  return ConfigSection<Engine>("")
      .Text("name", &Engine::name, "engine name")
      .Text("url", &Engine::url, "where it answers")
      .Number("weight", &Engine::weight, 0.0, 10.0, "share of requests")
      .Check([](const Engine& e, const std::string& prefix) -> std::string {
        return e.name.empty() ? prefix + "name must not be empty" : "";
      });
}

const ConfigSection<Llm>& LlmSection() {
  static const auto* section = new ConfigSection<Llm>(
      ConfigSection<Llm>("llm")
          .Number("timeout_ms", &Llm::timeout_ms, 100, 60000, "answer within")
          .Text("model", &Llm::model, "model name")
          .Table("routing", &Llm::routing,
                 ConfigSection<Routing>("")
                     .Text("prefer", &Routing::prefer, "local or remote")
                     .Number("retries", &Routing::retries, 0, 5, "tries after the first"))
          .Array("engines", &Llm::engines, EngineKeys()));
  return *section;
}

const ConfigSection<Trunk>& TrunksSection() {
  static const auto* section = new ConfigSection<Trunk>(
      ConfigSection<Trunk>("trunks")
          .Text("proxy", &Trunk::proxy, "outbound proxy")
          .Number("ring_timeout_s", &Trunk::ring_timeout_s, 5, 300, "no answer after"));
  return *section;
}

std::vector<ConfigKey> AllKeys() {
  std::vector<ConfigKey> keys = LlmSection().Keys();
  for (auto& k : TrunksSection().ArrayKeys()) keys.push_back(k);
  return keys;
}

Result<ConfigDocument> Doc(const std::string& text, std::vector<std::string> env = {}) {
  return ConfigDocument::Parse(text, "z.toml", env);
}

std::string Error(const Status& s) { return s.ok() ? "ok" : s.message(); }

TEST(ConfigSection, DefaultsWithoutFile) {
  auto doc = Doc("");
  ASSERT_TRUE(doc.ok());
  auto llm = LlmSection().Read(*doc);
  ASSERT_TRUE(llm.ok()) << llm.status().ToString();
  EXPECT_EQ(llm->timeout_ms, 3000);
  EXPECT_EQ(llm->routing.prefer, "local");
  EXPECT_TRUE(llm->engines.empty());
  auto trunks = TrunksSection().ReadArray(*doc);
  ASSERT_TRUE(trunks.ok());
  EXPECT_TRUE(trunks->empty());
}

TEST(ConfigSection, FileOverridesDefaultsAndEnvironmentOverridesFile) {
  auto doc = Doc("[llm]\ntimeout_ms = 500\nmodel = \"big\"\n[llm.routing]\nretries = 2\n",
                 {"ZHIXIAN_LLM_TIMEOUT_MS=800", "ZHIXIAN_LLM_ROUTING_PREFER=remote", "HOME=/"});
  ASSERT_TRUE(doc.ok());
  auto llm = LlmSection().Read(*doc);
  ASSERT_TRUE(llm.ok()) << llm.status().ToString();
  EXPECT_EQ(llm->timeout_ms, 800);
  EXPECT_EQ(llm->model, "big");
  EXPECT_EQ(llm->routing.prefer, "remote");
  EXPECT_EQ(llm->routing.retries, 2);
}

TEST(ConfigSection, ArrayOfTablesInASection) {
  auto doc =
      Doc("[llm]\nmodel = \"m\"\n\n"
          "[[llm.engines]]\nname = \"a\"\nurl = \"http://a\"\n\n"
          "[[llm.engines]]\nname = \"b\"\nweight = 2.5\n");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_TRUE(doc->CheckKnown(AllKeys()).ok());
  auto llm = LlmSection().Read(*doc);
  ASSERT_TRUE(llm.ok()) << llm.status().ToString();
  ASSERT_EQ(llm->engines.size(), 2u);
  EXPECT_EQ(llm->engines[0].name, "a");
  EXPECT_EQ(llm->engines[0].url, "http://a");
  EXPECT_EQ(llm->engines[0].weight, 1.0);  // each table starts from the defaults
  EXPECT_EQ(llm->engines[1].name, "b");
  EXPECT_EQ(llm->engines[1].weight, 2.5);
}

TEST(ConfigSection, TopLevelArrayOfTables) {
  auto doc =
      Doc("[[trunks]]\nproxy = \"sip:a.example\"\n\n"
          "[[trunks]]\nproxy = \"sip:b.example\"\nring_timeout_s = 60\n");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_TRUE(doc->CheckKnown(AllKeys()).ok());
  auto trunks = TrunksSection().ReadArray(*doc);
  ASSERT_TRUE(trunks.ok()) << trunks.status().ToString();
  ASSERT_EQ(trunks->size(), 2u);
  EXPECT_EQ((*trunks)[0].proxy, "sip:a.example");
  EXPECT_EQ((*trunks)[0].ring_timeout_s, 30);
  EXPECT_EQ((*trunks)[1].ring_timeout_s, 60);
}

TEST(ConfigSection, AnErrorInTheSecondTableNamesFileLineAndElement) {
  auto doc =
      Doc("[[trunks]]\nproxy = \"sip:a.example\"\n\n"
          "[[trunks]]\nproxy = 5\n");
  ASSERT_TRUE(doc.ok());
  auto trunks = TrunksSection().ReadArray(*doc);
  ASSERT_FALSE(trunks.ok());
  EXPECT_EQ(trunks.status().message(), "z.toml:5: trunks[1].proxy must be a string");

  auto range = Doc("[[trunks]]\n[[trunks]]\n\nring_timeout_s = 1\n");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(Error(TrunksSection().ReadArray(*range).status()),
            "z.toml:4: trunks[1].ring_timeout_s must be between 5 and 300");

  auto nested = Doc("[[llm.engines]]\nname = \"a\"\n[[llm.engines]]\nurl = \"u\"\n");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(Error(LlmSection().Read(*nested).status()),
            "z.toml:3: llm.engines[1].name must not be empty");
}

TEST(ConfigSection, UnknownKeysNameTheirPlace) {
  auto doc = Doc("[[trunks]]\nproxy = \"a\"\n[[trunks]]\nproxi = \"b\"\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Error(doc->CheckKnown(AllKeys())),
            "z.toml:4: unknown configuration key 'trunks[1].proxi'");
  auto nested = Doc("[llm.routing]\nprefer = \"x\"\nretry = 1\n");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(Error(nested->CheckKnown(AllKeys())),
            "z.toml:3: unknown configuration key 'llm.routing.retry'");
  auto section = Doc("[lm]\n");
  ASSERT_TRUE(section.ok());
  EXPECT_EQ(Error(section->CheckKnown(AllKeys())), "z.toml:1: unknown configuration section 'lm'");
}

TEST(ConfigSection, WrongShapes) {
  auto not_array = Doc("[trunks]\nproxy = \"a\"\n");
  ASSERT_TRUE(not_array.ok());
  EXPECT_NE(Error(TrunksSection().ReadArray(*not_array).status())
                .find("'trunks' must be an array of tables ([[trunks]])"),
            std::string::npos);
  auto not_table = Doc("[llm]\nrouting = 3\n");
  ASSERT_TRUE(not_table.ok());
  EXPECT_EQ(Error(LlmSection().Read(*not_table).status()),
            "z.toml:2: 'llm.routing' must be a table ([llm.routing])");
  auto wrong_type = Doc("[llm]\ntimeout_ms = \"soon\"\n");
  ASSERT_TRUE(wrong_type.ok());
  EXPECT_EQ(Error(LlmSection().Read(*wrong_type).status()),
            "z.toml:2: llm.timeout_ms must be a number");
  auto whole = Doc("[llm]\ntimeout_ms = 150.5\n");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(Error(LlmSection().Read(*whole).status()),
            "z.toml:2: llm.timeout_ms must be a whole number");
  auto env = Doc("", {"ZHIXIAN_LLM_ROUTING_RETRIES=many"});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(Error(LlmSection().Read(*env).status()),
            "environment ZHIXIAN_LLM_ROUTING_RETRIES: llm.routing.retries must be a number, got "
            "'many'");
  EXPECT_FALSE(Doc("[llm\n").ok());
}

TEST(ConfigSection, KeysListEveryKeyOnceWithDefaultsAndRanges) {
  auto keys = AllKeys();
  std::vector<std::string> names;
  for (const auto& k : keys) names.push_back(k.name);
  EXPECT_EQ(names, (std::vector<std::string>{"llm.timeout_ms", "llm.model", "llm.routing.prefer",
                                             "llm.routing.retries", "llm.engines[].name",
                                             "llm.engines[].url", "llm.engines[].weight",
                                             "trunks[].proxy", "trunks[].ring_timeout_s"}));
  EXPECT_EQ(keys[0].env, "ZHIXIAN_LLM_TIMEOUT_MS");
  EXPECT_EQ(keys[0].default_value, "3000");
  EXPECT_EQ(keys[0].range, "100..60000");
  EXPECT_EQ(keys[1].default_value, "\"small\"");
  EXPECT_EQ(keys[3].env, "ZHIXIAN_LLM_ROUTING_RETRIES");
  EXPECT_EQ(keys[4].env, "");  // no variable can say which table it is for
  EXPECT_EQ(keys[6].range, "0..10");
}

TEST(ConfigSection, HostPort) {
  EXPECT_TRUE(IsHostPort("127.0.0.1:8080"));
  EXPECT_TRUE(IsHostPort("[::1]:0"));
  EXPECT_FALSE(IsHostPort("localhost"));
  EXPECT_FALSE(IsHostPort(":80"));
  EXPECT_FALSE(IsHostPort("h:65536"));
  EXPECT_FALSE(IsHostPort("h:8o"));
}

}  // namespace
}  // namespace zx
