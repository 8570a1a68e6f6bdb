#include "telephony/sip_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace zx::telephony {
namespace {

std::string Offer(const std::string& c_line, const std::string& port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n" + c_line + "\r\nt=0 0\r\nm=audio " + port +
         " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n";
}

TEST(SdpProblemTest, AcceptsUsableOffers) {
  EXPECT_EQ(SdpProblem(Offer("c=IN IP4 10.1.2.3", "40000"), false), "");
  EXPECT_EQ(SdpProblem(Offer("c=IN IP4 0.0.0.0", "40000"), false), "");  // hold
  EXPECT_EQ(SdpProblem(Offer("c=IN IP4 10.1.2.3", "0"), false), "");     // a refused stream
  EXPECT_EQ(SdpProblem(Offer("c=IN IP6 ::1", "40000"), true), "");
  // Media-level c= instead of session-level; bare \n line ends.
  EXPECT_EQ(SdpProblem("v=0\ns=-\nt=0 0\nm=audio 5004 RTP/AVP 0\nc=IN IP4 192.0.2.1\n", false), "");
}

TEST(SdpProblemTest, RefusesAddressesAndPortsWeCannotUse) {
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 999.1.2.3", "40000"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 host.example", "40000"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP6 ::1", "40000"), false), "");  // no IPv6 media here
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 10.1.2.3", "40000"), true), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 10.1.2.3", "99999"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 10.1.2.3", "-1"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP4 10.1.2.3", "4x"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=XX IP4 10.1.2.3", "40000"), false), "");
  EXPECT_NE(SdpProblem(Offer("c=IN IP4", "40000"), false), "");
  EXPECT_NE(SdpProblem("v=0\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n", false), "");  // no c=
  EXPECT_NE(SdpProblem("v=0\r\ns=-\r\nc=IN IP4 10.1.2.3\r\n", false), "");  // no audio
  EXPECT_NE(SdpProblem("", false), "");
}

sockaddr_in V4(const char* ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

sockaddr_in6 V6(const char* ip) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

bool Has(const AllowList& l, const sockaddr_in& a) {
  return l.Contains(reinterpret_cast<const sockaddr*>(&a));
}
bool Has(const AllowList& l, const sockaddr_in6& a) {
  return l.Contains(reinterpret_cast<const sockaddr*>(&a));
}

TEST(AllowListTest, AddressesAndPrefixes) {
  auto list = AllowList::Parse("10.0.0.5, 192.168.1.0/24 2001:db8::/32;127.0.0.1");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->size(), 4u);
  EXPECT_TRUE(Has(*list, V4("10.0.0.5")));
  EXPECT_FALSE(Has(*list, V4("10.0.0.6")));
  EXPECT_TRUE(Has(*list, V4("192.168.1.200")));
  EXPECT_FALSE(Has(*list, V4("192.168.2.1")));
  EXPECT_TRUE(Has(*list, V6("2001:db8:1::7")));
  EXPECT_FALSE(Has(*list, V6("2001:db9::1")));
  EXPECT_TRUE(Has(*list, V6("::ffff:127.0.0.1")));  // IPv4-mapped
  EXPECT_FALSE(Has(*list, V4("127.0.0.2")));
}

TEST(AllowListTest, EmptyAndErrors) {
  auto empty = AllowList::Parse(" , ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(Has(*empty, V4("127.0.0.1")));
  auto all = AllowList::Parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(Has(*all, V4("203.0.113.9")));
  EXPECT_FALSE(AllowList::Parse("trunk.example.com").ok());
  EXPECT_FALSE(AllowList::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(AllowList::Parse("10.0.0.0/x").ok());
  EXPECT_FALSE(AllowList::Parse("::/129").ok());
}

}  // namespace
}  // namespace zx::telephony
