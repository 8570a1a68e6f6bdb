#include "telephony/trunk.h"

#include <gtest/gtest.h>

namespace zx::telephony {
namespace {

TEST(SipUri, ParsesUserHostPortAndParams) {
  auto uri = ParseSipUri("sip:1001@10.0.0.5:5070;transport=TCP;lr");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(uri->user, "1001");
  EXPECT_EQ(uri->host, "10.0.0.5");
  EXPECT_EQ(uri->port, 5070);
  EXPECT_EQ(uri->Param("transport"), "TCP");
  EXPECT_EQ(uri->Param("lr"), "");
  EXPECT_EQ(uri->ToString(), "sip:1001@10.0.0.5:5070;transport=TCP;lr");

  auto host_only = ParseSipUri("SIP:trunk.example.cn");
  ASSERT_TRUE(host_only.ok());
  EXPECT_EQ(host_only->user, "");
  EXPECT_EQ(host_only->HostPort(), "trunk.example.cn");

  auto v6 = ParseSipUri("sip:ivr@[::1]:5060");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 5060);
}

TEST(SipUri, RefusesWhatItCannotSendSafely) {
  for (const char* bad :
       {"", "sip:", "sips:1001@pbx", "tel:+8613812345678", "sip:1001@", "sip:@pbx",
        "sip:1001@pbx:0", "sip:1001@pbx:70000", "sip:1001@pbx:12x", "sip:10 01@pbx",
        "sip:1001@pbx\r\nVia: x", "sip:<1001>@pbx", "sip:1001@pbx?subject=x", "sip:1001@pb x",
        "sip:1001@pbx;;lr", "sip:1001@[::1"}) {
    EXPECT_FALSE(ParseSipUri(bad).ok()) << bad;
  }
}

TEST(SipUri, SetParamReplacesCaseInsensitively) {
  auto uri = ParseSipUri("sip:pbx;Transport=udp;lr");
  ASSERT_TRUE(uri.ok());
  uri->SetParam("transport", "tcp");
  EXPECT_EQ(uri->ToString(), "sip:pbx;lr;transport=tcp");
}

TEST(Trunk, Validation) {
  TrunkOptions none;
  EXPECT_TRUE(ValidateTrunk(none).ok());
  none.register_enabled = true;
  EXPECT_FALSE(ValidateTrunk(none).ok());

  TrunkOptions t;
  t.proxy = "sip:10.0.0.1:5060;transport=tcp";
  t.domain = "trunk.example.cn";
  t.username = "0571000001";
  EXPECT_TRUE(ValidateTrunk(t).ok());
  t.proxy = "sip:10.0.0.1;transport=sctp";
  EXPECT_EQ(ValidateTrunk(t).code(), Code::kInvalidArgument);
  t.proxy = "10.0.0.1:5060";
  EXPECT_EQ(ValidateTrunk(t).code(), Code::kInvalidArgument);
  t.proxy = "sip:10.0.0.1";
  t.domain = "user@trunk.example.cn";
  EXPECT_EQ(ValidateTrunk(t).code(), Code::kInvalidArgument);
  t.domain = "trunk.example.cn";
  t.register_enabled = true;
  t.register_expires_s = 30;
  EXPECT_EQ(ValidateTrunk(t).code(), Code::kInvalidArgument);
  t.register_expires_s = 600;
  EXPECT_TRUE(ValidateTrunk(t).ok());
  t.username.clear();
  EXPECT_EQ(ValidateTrunk(t).code(), Code::kInvalidArgument);
}

TEST(DialTarget, NumberGoesThroughTheTrunkDomainWithARoute) {
  TrunkOptions t;
  t.proxy = "sip:10.0.0.1:5080;transport=udp";
  t.domain = "trunk.example.cn";
  auto target = ResolveDialTarget("13812345678", t, SipTransport::kDefault);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->request_uri, "sip:13812345678@trunk.example.cn");
  EXPECT_EQ(target->route, "sip:10.0.0.1:5080;transport=udp");
  EXPECT_EQ(target->user_masked, "138****5678");

  auto tcp = ResolveDialTarget("13812345678", t, SipTransport::kTcp);
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->route, "sip:10.0.0.1:5080;transport=tcp");
}

TEST(DialTarget, WithoutADomainTheRequestGoesToTheProxyItself) {
  TrunkOptions t;
  t.proxy = "sip:127.0.0.1:5090;transport=tcp";
  auto target = ResolveDialTarget("12345#", t, SipTransport::kDefault);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->request_uri, "sip:12345%23@127.0.0.1:5090;transport=tcp");
  EXPECT_EQ(target->route, "");
  auto udp = ResolveDialTarget("12345", t, SipTransport::kUdp);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->request_uri, "sip:12345@127.0.0.1:5090;transport=udp");
}

TEST(DialTarget, UrisAndBadNumbers) {
  TrunkOptions none;
  auto uri = ResolveDialTarget("sip:callee@127.0.0.1:5099", none, SipTransport::kTcp);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->request_uri, "sip:callee@127.0.0.1:5099;transport=tcp");
  EXPECT_EQ(uri->route, "");
  EXPECT_EQ(ResolveDialTarget("13812345678", none, SipTransport::kDefault).status().code(),
            Code::kFailedPrecondition);
  TrunkOptions t;
  t.proxy = "sip:10.0.0.1";
  for (const char* bad : {"", "138 1234 5678", "138@evil", "1<2>", "sips:x@y"})
    EXPECT_EQ(ResolveDialTarget(bad, t, SipTransport::kDefault).status().code(),
              Code::kInvalidArgument)
        << bad;
  // A full URI with a trunk still goes through the outbound proxy.
  auto via = ResolveDialTarget("sip:1001@pbx.example.cn", t, SipTransport::kDefault);
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->route, "sip:10.0.0.1");
}

TEST(ExtraHeaders, FormatsAndRefusesInjection) {
  auto ok = FormatExtraHeaders(
      {{"X-Campaign-Attempt", "c42-t17-a2"}, {"P-Preferred-Identity", "<sip:12345@gov.example>"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok,
            "X-Campaign-Attempt: c42-t17-a2\r\nP-Preferred-Identity: <sip:12345@gov.example>\r\n");
  EXPECT_FALSE(FormatExtraHeaders({{"X-A", "1\r\nVia: evil"}}).ok());
  EXPECT_FALSE(FormatExtraHeaders({{"X A", "1"}}).ok());
  EXPECT_FALSE(FormatExtraHeaders({{"", "1"}}).ok());
  EXPECT_FALSE(FormatExtraHeaders({{"call-id", "1"}}).ok());
  EXPECT_FALSE(FormatExtraHeaders({{"Contact", "<sip:x@y>"}}).ok());
  EXPECT_TRUE(FormatExtraHeaders({}).ok());
}

TEST(DialableUser, Characters) {
  EXPECT_TRUE(IsDialableUser("+8613812345678"));
  EXPECT_TRUE(IsDialableUser("*86#"));
  EXPECT_TRUE(IsDialableUser("zhixian"));
  EXPECT_FALSE(IsDialableUser(""));
  EXPECT_FALSE(IsDialableUser("a b"));
  EXPECT_FALSE(IsDialableUser("a@b"));
  EXPECT_FALSE(IsDialableUser(std::string(65, '1')));
}

}  // namespace
}  // namespace zx::telephony

namespace zx::telephony {
namespace {

TEST(UriHeaders, EscapesValuesAndRefusesInjection) {
  EXPECT_EQ(*UriHeaders({}), "");
  EXPECT_EQ(*UriHeaders({{"X-Zhixian-Conversation", "c-1a2b"}, {"X-Topic", "社保 卡"}}),
            "?X-Zhixian-Conversation=c-1a2b&X-Topic=%E7%A4%BE%E4%BF%9D%20%E5%8D%A1");
  EXPECT_EQ(*UriHeaders({{"X-A", "a&b=c>d"}}), "?X-A=a%26b%3Dc%3Ed");
  EXPECT_FALSE(UriHeaders({{"X A", "1"}}).ok());
  EXPECT_FALSE(UriHeaders({{"Via", "1"}}).ok());
  EXPECT_FALSE(UriHeaders({{"X-A", "1\r\nVia: x"}}).ok());
}

}  // namespace
}  // namespace zx::telephony
