#include "llm/llm_config.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace zx::llm {
namespace {

// A loopback port listening (true) or bound and closed again (false).
int LoopbackPort(bool listening, int* fd_out) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  if (listening) {
    EXPECT_EQ(listen(fd, 4), 0);
    *fd_out = fd;
  } else {
    close(fd);
  }
  return ntohs(a.sin_port);
}

EngineConfig Engine(const std::string& name, int port, const std::string& key_env = "") {
  EngineConfig e;
  e.name = name;
  e.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  e.model = "m-" + name;
  e.key_env = key_env;
  return e;
}

TEST(CheckEnginesTest, SaysWhatIsThereWhatIsMissingAndWhatToDo) {
  LlmConfig none;
  EXPECT_EQ(CheckEngines(none).verdict, HealthCheck::Verdict::kOk);

  int listener = -1;
  const int up = LoopbackPort(true, &listener);
  const int down = LoopbackPort(false, nullptr);
  LlmConfig c;
  c.answers = "local";
  c.engines = {Engine("local", up)};
  HealthCheck ok = CheckEngines(c, std::chrono::milliseconds(500));
  EXPECT_EQ(ok.verdict, HealthCheck::Verdict::kOk) << ok.what;
  EXPECT_NE(ok.what.find("local (m-local) at 127.0.0.1:" + std::to_string(up)), std::string::npos)
      << ok.what;
  EXPECT_NE(ok.what.find("answers=local summaries=off"), std::string::npos) << ok.what;

  c.engines.push_back(Engine("gone", down));
  HealthCheck warn = CheckEngines(c, std::chrono::milliseconds(500));
  EXPECT_EQ(warn.verdict, HealthCheck::Verdict::kWarn) << warn.what;
  EXPECT_NE(warn.what.find("gone:"), std::string::npos) << warn.what;
  EXPECT_NE(warn.fix.find("knowledge base's own"), std::string::npos);

  unsetenv("ZX_TEST_NO_SUCH_KEY");
  c.engines.push_back(Engine("remote", up, "ZX_TEST_NO_SUCH_KEY"));
  HealthCheck fail = CheckEngines(c, std::chrono::milliseconds(500));
  EXPECT_EQ(fail.verdict, HealthCheck::Verdict::kFail);
  EXPECT_NE(fail.what.find("ZX_TEST_NO_SUCH_KEY"), std::string::npos) << fail.what;
  close(listener);
}

}  // namespace
}  // namespace zx::llm
