#!/usr/bin/env python3
"""Defences of the SIP gateway against strangers (issue 9), on zx_sip_driver with a raw-UDP
SIP caller in Python, on loopback (127.0.0.1 and 127.0.0.2 are two hosts).

  foreign_rtp   a third party sends RTP (RFC 4733 key 0 and audio) to a call's RTP port from
                another address before the caller's first packet: no key reaches the call, our
                audio keeps going to the SDP address, the packets are counted; the caller's own
                key 1 still arrives
  latching      with rtp_latching, a caller whose media comes from another port than its SDP
                says (NAT) is answered there; once latched, another source is dropped
  no_media      a call answered and acknowledged that sends no RTP is ended with BYE after the
                no-media timeout (reason no_media), one whose RTP stops after the media-idle
                timeout; a call that sends RTP is not
  per_source    max_calls_per_source 2: the third concurrent call from one address is refused
                (486), another address is not; a slot comes back when a call ends
  allow_from    only listed peers may call (403 for others); listed peers are exempt from the
                per-source limit
  recording     a call without media leaves no recording; one with media does
  bad_requests  an INVITE whose From has no tag: 400; SDP with c=IN IP4 999.1.2.3, c=IN IP6
                (no IPv6 media here) or port 99999: 488; a good INVITE afterwards: 200
  tcp_backlog   the SIP/TCP listen queue is the configured one (ss -ltn Send-Q), 1024 by
                default, and 300 simultaneous TCP connections are all accepted

Usage: security_test.py ZX_SIP_DRIVER [TEST...]. Loopback only; every wait is bounded.
"""
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from outbound_test import Driver  # noqa: E402
from sip_test import rtp_packet  # noqa: E402

OTHER_HOST = "127.0.0.2"  # a second loopback address: "another machine"


def sdp_offer(rtp_port, c_line="c=IN IP4 127.0.0.1", port=None):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n%s\r\nt=0 0\r\n"
            "m=audio %s RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
            % (c_line, rtp_port if port is None else port))


class Caller:
    """One SIP dialog from `host`: a SIP socket and an RTP socket."""

    def __init__(self, server_port, host="127.0.0.1"):
        self.host, self.server = host, ("127.0.0.1", server_port)
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((host, 0))
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind((host, 0))
        self.lp, self.mp = self.sip.getsockname()[1], self.rtp.getsockname()[1]
        self.call_id = "sec-%d@%s" % (random.randrange(1 << 30), host)
        self.from_tag = "sec%d" % random.randrange(1 << 30)
        self.to_tag, self.answer, self.cseq = "", "", 1
        self.branch = ""
        self.ssrc = random.randrange(1 << 32)
        self.seq = 0

    def request(self, method, cseq, branch, body="", from_tag=True, to_tag=""):
        lines = [
            "%s sip:12345@127.0.0.1:%d SIP/2.0" % (method, self.server[1]),
            "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (self.host, self.lp, branch),
            "From: <sip:13800000000@%s:%d>%s" % (self.host, self.lp,
                                                 (";tag=" + self.from_tag) if from_tag else ""),
            "To: <sip:12345@127.0.0.1:%d>%s" % (self.server[1],
                                                (";tag=" + to_tag) if to_tag else ""),
            "Call-ID: %s" % self.call_id,
            "CSeq: %d %s" % (cseq, method),
            "Contact: <sip:sec@%s:%d>" % (self.host, self.lp),
            "Max-Forwards: 70",
        ]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        self.sip.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), self.server)

    def recv(self, timeout=5):
        self.sip.settimeout(timeout)
        text = self.sip.recv(65535).decode(errors="replace")
        head, _, body = text.partition("\r\n\r\n")
        return head, body

    def invite(self, sdp=None, from_tag=True):
        """Sends an INVITE; returns the final code (ACKs it; the SDP answer is in .answer)."""
        self.branch = "z9hG4bK%d" % random.randrange(1 << 40)
        self.request("INVITE", 1, self.branch, sdp_offer(self.mp) if sdp is None else sdp,
                     from_tag=from_tag)
        deadline = time.time() + 8
        while time.time() < deadline:
            head, body = self.recv(max(0.1, deadline - time.time()))
            first = head.split("\r\n")[0]
            if not first.startswith("SIP/2.0"):
                continue
            code = int(first.split()[1])
            if code < 200:
                continue
            m = re.search(r"(?im)^To:.*;tag=([^;\s]+)", head)
            self.to_tag = m.group(1) if m else ""
            self.answer = body
            if code >= 300:  # ACK of a failure: same branch
                self.request("ACK", 1, self.branch, to_tag=self.to_tag)
            else:
                self.request("ACK", 1, "z9hG4bK%d" % random.randrange(1 << 40),
                             to_tag=self.to_tag)
            return code
        raise AssertionError("no final response to INVITE")

    def server_rtp(self):
        m = re.search(r"m=audio (\d+) ", self.answer)
        c = re.search(r"c=IN IP4 (\S+)", self.answer)
        assert m and c, "no media in the answer: %r" % self.answer
        return (c.group(1), int(m.group(1)))

    def bye(self):
        self.cseq += 1
        self.request("BYE", self.cseq, "z9hG4bK%d" % random.randrange(1 << 40),
                     to_tag=self.to_tag)
        deadline = time.time() + 5
        while time.time() < deadline:
            head, _ = self.recv(max(0.1, deadline - time.time()))
            if head.startswith("SIP/2.0 ") and "BYE" in head:
                return int(head.split()[1])
        raise AssertionError("no answer to BYE")

    def audio(self, sock=None, to=None):
        """One 20 ms PCMU packet of silence from `sock` (default: our RTP socket)."""
        (sock or self.rtp).sendto(rtp_packet(self.seq, self.seq * 160, self.ssrc, 0,
                                             b"\xff" * 160, self.seq == 0), to or self.server_rtp())
        self.seq += 1

    def close(self):
        self.sip.close()
        self.rtp.close()


def dtmf_packets(event, ssrc, seq0, ts):
    """An RFC 4733 key press: three updates and three end packets (one event timestamp)."""
    out = []
    for i, (end, dur) in enumerate([(0, 160), (0, 320), (0, 480), (1, 640), (1, 640), (1, 640)]):
        payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, dur)
        out.append(rtp_packet(seq0 + i, ts, ssrc, 101, payload, i == 0))
    return out


def drain(sock, seconds):
    """Counts RTP packets arriving on `sock` for `seconds`."""
    n, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            sock.recvfrom(2048)
            n += 1
        except socket.timeout:
            pass
    return n


def stats(d):
    line = d.command("stats", r"^stats .*$").group(0)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def test_foreign_rtp(env):
    d = env.driver()
    caller = Caller(d.port)
    try:
        since = d.mark()
        assert caller.invite() == 200
        call = d.wait(r"^started call=(\d+)", 5, since).group(1)
        target = caller.server_rtp()
        # The attacker: another host, sending before the caller's first packet (the old gateway
        # latched onto whoever spoke first).
        attacker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        attacker.bind((OTHER_HOST, 0))
        try:
            for pkt in dtmf_packets(0, 0x4711, 100, 16000):
                attacker.sendto(pkt, target)
            for i in range(10):
                attacker.sendto(rtp_packet(200 + i, 20000 + 160 * i, 0x4711, 0, b"\xff" * 160),
                                target)
            # The same from the caller's own host, another port.
            side = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            side.bind(("127.0.0.1", 0))
            for pkt in dtmf_packets(0, 0x4712, 300, 32000):
                side.sendto(pkt, target)
            side.close()
            # Now the real caller speaks; our audio must keep going to its SDP address.
            got_caller = 0
            for _ in range(50):
                caller.audio()
                got_caller += drain(caller.rtp, 0.02)
            got_attacker = drain(attacker, 0.3)
        finally:
            attacker.close()
        print("foreign_rtp: caller got %d packets, attacker %d" % (got_caller, got_attacker))
        assert got_attacker == 0, "our audio went to the attacker (%d packets)" % got_attacker
        assert got_caller >= 25, "the caller got only %d packets" % got_caller
        assert not re.search(r"^digit call=%s " % call, d.text(since), re.M), \
            "an injected key reached the call:\n" + d.text(since)
        s = stats(d)
        assert s["rtp_foreign_dropped"] >= 22, s
        assert "call.rtp_foreign_dropped" in d.log_text()
        # The caller's own key still arrives.
        for pkt in dtmf_packets(1, caller.ssrc, caller.seq + 1, caller.seq * 160 + 160):
            caller.rtp.sendto(pkt, target)
        d.wait(r"^digit call=%s key=1 source=rfc4733" % call, 3, since)
        assert caller.bye() == 200
    finally:
        caller.close()


def test_latching(env):
    d = env.driver("--rtp-latching")
    caller = Caller(d.port)
    nat = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # where the caller's media really is
    nat.bind(("127.0.0.1", 0))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((OTHER_HOST, 0))
    try:
        since = d.mark()
        assert caller.invite() == 200
        call = d.wait(r"^started call=(\d+)", 5, since).group(1)
        target = caller.server_rtp()
        got_nat = 0
        for _ in range(25):
            caller.audio(sock=nat)
            got_nat += drain(nat, 0.02)
        for pkt in dtmf_packets(3, caller.ssrc, caller.seq + 1, caller.seq * 160 + 160):
            nat.sendto(pkt, target)
        d.wait(r"^digit call=%s key=3 " % call, 3, since)
        # Latched: another source is dropped now, and gets nothing.
        for pkt in dtmf_packets(0, 0x99, 500, 64000):
            other.sendto(pkt, target)
        got_nat += drain(nat, 0.2)
        got_other = drain(other, 0.3)
        assert got_nat >= 10 and got_other == 0, (got_nat, got_other)
        time.sleep(0.2)
        assert not re.search(r"^digit call=%s key=0" % call, d.text(since), re.M), d.text(since)
        assert caller.bye() == 200
    finally:
        caller.close()
        nat.close()
        other.close()


def test_no_media(env):
    d = env.driver("--no-media-timeout-ms", "1500", "--media-idle-timeout-ms", "2500")
    silent, stopper, talking = Caller(d.port), Caller(d.port), Caller(d.port)
    try:
        calls = []
        for c in (silent, stopper, talking):
            since = d.mark()
            assert c.invite() == 200
            calls.append(d.wait(r"^started call=(\d+)", 5, since).group(1))
        since = d.mark() - 3
        t0 = time.time()
        byes = {}
        while time.time() - t0 < 5.0:
            talking.audio()
            if time.time() - t0 < 0.5:  # the stopper talks for half a second, then vanishes
                stopper.audio()
            drain(talking.rtp, 0.02)
            for name, c in (("silent", silent), ("stopper", stopper)):
                c.sip.settimeout(0.001)
                try:
                    data = c.sip.recv(65535).decode(errors="replace")
                except socket.timeout:
                    continue
                if data.startswith("BYE ") and name not in byes:
                    byes[name] = time.time() - t0
                    reply = re.sub(r"^BYE [^\r]*", "SIP/2.0 200 OK", data.split("\r\n\r\n")[0])
                    reply = re.sub(r"(?im)^(Content-Length:).*$", r"\1 0", reply)
                    c.sip.sendto((reply + "\r\n\r\n").encode(), c.server)
        print("no_media: BYE after %s" % byes)
        assert "silent" in byes, "the call without media was not ended"
        assert 1.0 < byes["silent"] < 3.0, byes
        assert "stopper" in byes, "the call whose media stopped was not ended"
        assert 2.7 < byes["stopper"] < 4.5, byes  # 2.5 s after its last packet at 0.5 s
        for call in calls[:2]:
            d.wait(r'^ended call=%s reason="no_media"' % call, 2, since)
        assert not re.search(r"^ended call=%s " % calls[2], d.text(since), re.M), \
            "the call with media was ended"
        assert stats(d)["no_media"] == 2
        assert talking.bye() == 200
    finally:
        for c in (silent, stopper, talking):
            c.close()


def test_per_source(env):
    d = env.driver("--max-calls-per-source", "2")
    callers = [Caller(d.port) for _ in range(3)] + [Caller(d.port, OTHER_HOST)]
    try:
        codes = [c.invite() for c in callers]
        print("per_source: %s" % codes)
        assert codes == [200, 200, 486, 200], codes
        assert stats(d)["refused_source"] == 1
        assert "call.rejected reason=per_source" in d.log_text()
        assert callers[0].bye() == 200
        again = Caller(d.port)
        callers.append(again)
        time.sleep(0.1)
        assert again.invite() == 200, "the slot did not come back after BYE"
        for c in (callers[1], callers[3], again):
            assert c.bye() == 200
    finally:
        for c in callers:
            c.close()


def test_allow_from(env):
    d = env.driver("--allow-from", "10.9.9.0/24, %s" % OTHER_HOST, "--max-calls-per-source", "1")
    stranger = Caller(d.port)
    trunk = [Caller(d.port, OTHER_HOST) for _ in range(2)]
    try:
        since = d.mark()
        assert stranger.invite() == 403
        assert stats(d)["forbidden"] == 1
        # The listed trunk carries many callers: not limited per source.
        assert [c.invite() for c in trunk] == [200, 200]
        for c in trunk:
            assert c.bye() == 200
        assert len(re.findall(r"^started ", d.text(since), re.M)) == 2, d.text(since)
    finally:
        stranger.close()
        for c in trunk:
            c.close()


def test_recording(env):
    rec = os.path.join(env.workdir, "rec")
    d = env.driver("--record-dir", rec)
    silent = Caller(d.port)
    try:
        since = d.mark()
        assert silent.invite() == 200
        call = d.wait(r"^started call=(\d+)", 5, since).group(1)
        time.sleep(1.0)
        assert silent.bye() == 200
        d.wait(r"^ended call=%s " % call, 3, since)
        files = os.listdir(rec) if os.path.isdir(rec) else []
        assert files == [], "a call without media was recorded: %s" % files
    finally:
        silent.close()
    talking = Caller(d.port)
    try:
        since = d.mark()
        assert talking.invite() == 200
        call = d.wait(r"^started call=(\d+)", 5, since).group(1)
        for _ in range(40):
            talking.audio()
            drain(talking.rtp, 0.02)
        assert talking.bye() == 200
        d.wait(r"^ended call=%s " % call, 3, since)
        files = os.listdir(rec)
        assert len(files) == 1 and files[0].startswith("call-%s-" % call), files
    finally:
        talking.close()


def test_bad_requests(env):
    d = env.driver()
    cases = [
        ("no From tag", dict(from_tag=False), 400),
        ("c=IN IP4 999.1.2.3", dict(sdp_c="c=IN IP4 999.1.2.3"), 488),
        ("c=IN IP6", dict(sdp_c="c=IN IP6 ::1"), 488),
        ("port 99999", dict(port=99999), 488),
        ("good", {}, 200),
    ]
    for name, how, want in cases:
        c = Caller(d.port)
        try:
            sdp = sdp_offer(c.mp, how.get("sdp_c", "c=IN IP4 127.0.0.1"), how.get("port"))
            code = c.invite(sdp, from_tag=how.get("from_tag", True))
            assert code == want, "%s: answered %d, want %d" % (name, code, want)
            if code == 200:
                assert c.bye() == 200
        finally:
            c.close()
    assert d.proc.poll() is None


def listen_queue(port):
    out = subprocess.run(["ss", "-ltnH", "sport = :%d" % port], capture_output=True, text=True,
                         timeout=10).stdout
    # State Recv-Q Send-Q Local Peer: Send-Q of a listening socket is its backlog.
    rows = [line.split() for line in out.splitlines() if line.strip()]
    assert rows, "no listening TCP socket on port %d:\n%s" % (port, out)
    return int(rows[0][2])


def test_tcp_backlog(env):
    somaxconn = int(open("/proc/sys/net/core/somaxconn").read())
    d = env.driver()
    assert listen_queue(d.port) == min(1024, somaxconn)
    d = env.driver("--tcp-backlog", "300")
    assert listen_queue(d.port) == min(300, somaxconn)
    # 300 connections at once: every one is accepted (the kernel completes them into the queue
    # even before the gateway accepts; with a queue of 5 most SYNs were dropped and retried).
    socks = []
    try:
        t0 = time.time()
        for _ in range(300):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", d.port))
            socks.append(s)
        import select
        pending = set(socks)
        deadline = time.time() + 10
        while pending and time.time() < deadline:
            _, writable, _ = select.select([], list(pending)[:500], [], 0.2)
            for s in writable:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    pending.discard(s)
        print("tcp_backlog: 300 connections in %.2f s, %d pending" % (time.time() - t0,
                                                                        len(pending)))
        assert not pending, "%d of 300 TCP connections were not accepted" % len(pending)
    finally:
        for s in socks:
            s.close()
    assert d.proc.poll() is None


class Env:
    def __init__(self, binary, workdir):
        self.binary, self.workdir, self.drivers = binary, workdir, []

    def driver(self, *args):
        """A fresh driver (one gateway per process); the previous one is stopped first."""
        for d in self.drivers:
            if d.proc.poll() is None:
                assert d.stop() == 0, "driver exit %s" % d.proc.returncode
        d = Driver(self.binary, list(args))
        self.drivers.append(d)
        return d


TESTS = {
    "foreign_rtp": test_foreign_rtp,
    "latching": test_latching,
    "no_media": test_no_media,
    "per_source": test_per_source,
    "allow_from": test_allow_from,
    "recording": test_recording,
    "bad_requests": test_bad_requests,
    "tcp_backlog": test_tcp_backlog,
}


def main():
    binary = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(TESTS)
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind((OTHER_HOST, 0))
    except OSError:
        print("SKIP: cannot bind %s (loopback is not 127.0.0.0/8)" % OTHER_HOST)
        return 77
    failed = []
    with tempfile.TemporaryDirectory(prefix="zx-sip-sec-") as workdir:
        env = Env(binary, workdir)
        for name in names:
            t0 = time.time()
            try:
                TESTS[name](env)
                print("PASS %s (%.1f s)" % (name, time.time() - t0), flush=True)
            except Exception as e:  # report every test, then fail
                failed.append(name)
                print("FAIL %s: %s" % (name, e), flush=True)
                if env.drivers:
                    print("---- driver log (tail) ----\n" + env.drivers[-1].log_text()[-3000:])
        for d in env.drivers:
            if d.proc.poll() is None and d.stop() != 0:
                failed.append("driver exit %s" % d.proc.returncode)
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    print("all %d SIP security tests passed" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
