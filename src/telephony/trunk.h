// The trunk (SIP proxy, PBX or operator SBC) that outbound calls go through, and the plain
// string work of placing a call: which request URI, which next hop, which extra headers.
// No libre here, so that every rule is testable on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace zx::telephony {

enum class SipTransport { kDefault, kUdp, kTcp };  // kDefault: the trunk's (UDP without one)
const char* SipTransportName(SipTransport transport);

struct TrunkOptions {
  // Outbound proxy, "sip:HOST[:PORT][;transport=udp|tcp]". Empty: no trunk; only full SIP URIs
  // can be dialled, each straight to its host.
  std::string proxy;
  // Host part of request URIs and of our From/To for numbers, e.g. "trunk.example.cn".
  // Empty: the proxy's HOST[:PORT].
  std::string domain;
  std::string username;   // digest authentication (401/407) and the REGISTER address of record
  std::string password;   // never logged
  std::string from_user;  // default caller id; empty: username, else GatewayOptions::user
  bool register_enabled = false;  // keep a registration (REGISTER) with the proxy
  int register_expires_s = 600;   // asked for; renewed at 90 % of what the registrar grants

  bool configured() const { return !proxy.empty(); }
};

// A parsed "sip:[USER@]HOST[:PORT][;PARAMS]" (no headers part). Only the sip: scheme.
struct SipUri {
  std::string user;
  std::string host;  // IPv6 literals keep their brackets
  uint16_t port = 0;
  std::string params;  // ";a=b;c" as written, including the leading ';'

  std::string HostPort() const;
  std::string ToString() const;
  // The value of a parameter ("transport"), empty when absent.
  std::string Param(std::string_view name) const;
  // Sets (or replaces) a parameter.
  void SetParam(std::string_view name, std::string_view value);
};

Result<SipUri> ParseSipUri(std::string_view text);

// Checks the trunk section: a parsable proxy with transport udp or tcp, a domain that is a
// plain host, register only with a proxy and an expiry of at least 60 s.
Status ValidateTrunk(const TrunkOptions& trunk);

// Where an outbound call goes.
struct DialTarget {
  std::string request_uri;  // also the To URI
  std::string route;        // outbound proxy for the Route header; empty: none
  std::string user_masked;  // the dialled user part, masked for logs
};

// `number_or_uri` is either a number ("13812345678", "+8613812345678", "12345#") sent through
// the trunk as sip:NUMBER@DOMAIN, or a full SIP URI. With a trunk, every request goes through
// its proxy (Route); `transport` (not kDefault) overrides the transport of the next hop.
// kInvalidArgument for a malformed number or URI, kFailedPrecondition for a number without a
// configured trunk.
Result<DialTarget> ResolveDialTarget(std::string_view number_or_uri, const TrunkOptions& trunk,
                                     SipTransport transport);

// "Name: value\r\n" lines for extra request headers (e.g. X-Campaign-Attempt). kInvalidArgument
// for a name that is not a SIP token, a value with a line break, or a header that the SIP stack
// writes itself (Via, From, To, Call-ID, CSeq, Contact, Route, Content-*, Max-Forwards).
Result<std::string> FormatExtraHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers);

// "?Name=value&..." to append to a Refer-To URI, so that the transfer target's INVITE carries
// these headers (RFC 3515 §2.1; e.g. the conversation an agent picks up). Values are
// percent-encoded; names and values are checked as in FormatExtraHeaders.
Result<std::string> UriHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

// A caller id or From user: digits, letters and + * # . - _ (1-64 characters).
bool IsDialableUser(std::string_view user);

}  // namespace zx::telephony
