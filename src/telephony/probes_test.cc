#include "telephony/probes.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace zx::telephony {
namespace {

using namespace std::chrono_literals;

// A UDP socket on loopback; its port, and the fd the test closes.
struct UdpPeer {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int port = 0;
  UdpPeer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~UdpPeer() { ::close(fd); }
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;
};

TEST(TrunkProbe, ATrunkAnsweringOptionsIsReachable) {
  UdpPeer peer;
  std::thread answer([&] {
    char buf[2048];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(peer.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0 && std::string(buf, 8) == "OPTIONS ") {
      std::string ok = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
      ::sendto(peer.fd, ok.data(), ok.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  std::string proxy = "sip:127.0.0.1:" + std::to_string(peer.port);
  OptionalHealthCheck found = CheckTrunk(proxy, 2000ms);
  answer.join();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->verdict, HealthCheck::Verdict::kOk) << found->what;
  EXPECT_EQ(found->what, proxy + " answers OPTIONS (200)");
}

TEST(TrunkProbe, ASilentTrunkFailsWithinTheTimeout) {
  UdpPeer silent;
  std::string proxy = "sip:127.0.0.1:" + std::to_string(silent.port);
  auto start = std::chrono::steady_clock::now();
  OptionalHealthCheck found = CheckTrunk(proxy, 200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->verdict, HealthCheck::Verdict::kFail);
  EXPECT_NE(found->what.find("did not answer an OPTIONS"), std::string::npos) << found->what;
  EXPECT_FALSE(CheckTrunk(""));  // no trunk: nothing to check
}

TEST(SipListenProbe, JudgesTheListenAddress) {
  EXPECT_EQ(CheckSipListen("off").verdict, HealthCheck::Verdict::kOk);
  EXPECT_EQ(CheckSipListen("127.0.0.1:0").what, "listen address 127.0.0.1:0 is free");
  EXPECT_EQ(CheckSipListen("example.org:5060").verdict, HealthCheck::Verdict::kFail);
  UdpPeer taken;
  std::string held = "127.0.0.1:" + std::to_string(taken.port);
  EXPECT_EQ(CheckSipListen(held).verdict, HealthCheck::Verdict::kWarn);
}

TEST(AsrProbe, ConnectsOrSaysWhyNot) {
  EXPECT_EQ(CheckAsr("").verdict, HealthCheck::Verdict::kOk);
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  std::string url = "ws://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  EXPECT_EQ(CheckAsr(url, 1000ms).what, url + " accepts connections");
  ::close(listener);  // nobody listens there now: refused
  EXPECT_EQ(CheckAsr(url, 1000ms).verdict, HealthCheck::Verdict::kFail);
}

}  // namespace
}  // namespace zx::telephony
