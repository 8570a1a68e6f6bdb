#include "base/net_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace zx {
namespace {

TEST(NetProbe, SplitsHostAndPort) {
  auto v4 = SplitHostPort("10.0.0.1:5060");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "10.0.0.1");
  EXPECT_EQ(v4->port, "5060");
  auto v6 = SplitHostPort("[::1]:10095");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(SplitHostPort("pbx.example.org"));
  EXPECT_FALSE(SplitHostPort("host:"));
}

// Nothing listens on a port just released: refused at once, with the socket's reason.
TEST(NetProbe, ARefusedConnectionSaysWhy) {
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(probe);
  auto fd = ConnectWithin({"127.0.0.1", std::to_string(ntohs(a.sin_port))}, SOCK_STREAM,
                          std::chrono::milliseconds(1000));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), Code::kUnavailable);
  EXPECT_EQ(fd.status().message(), "Connection refused");
}

}  // namespace
}  // namespace zx
