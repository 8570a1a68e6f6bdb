#!/usr/bin/env python3
"""Voice benchmarks of `zhixian serve` on loopback (issue 5's bars), with SIPp as the callers.

  concurrent  N calls held at once, each hearing the greeting (RTP out every 20 ms) and sending
              A-law speech (g711a.pcap, RTP in); the server's media ticker reports how many of
              its 20 ms ticks started late (> 10 ms): every packet of a late tick is late.
  setups      call setups per second: INVITE/200/ACK, a 1 s call, BYE, at a fixed offered rate;
              all SIPp calls must succeed.
  latency     time from a key (RFC 4733, first event packet sent) to the first RTP packet of the
              reply (the server sets the marker bit on the first packet of each prompt), over
              many keys, replies cached or not; no ASR in that path.

Usage: bench_telephony.py ZHIXIAN_BINARY SOURCE_DIR [--calls 500] [--rate 100] [--keys 40]
Prints one line per measure; exit 1 when a bar is missed. Needs sip-tester. Loopback only.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "sip"))
import sip_test  # noqa: E402  (Server, run_sipp, the Python UAC helpers)

import random  # noqa: E402
import socket  # noqa: E402


def media_stats(server):
    rows = re.findall(r"media\.stats active=(\d+) ticks=(\d+) late_ticks=(\d+) max_tick_us=(\d+) "
                      r"rtp_sent=(\d+) rtp_received=(\d+)", server.text())
    return [tuple(map(int, r)) for r in rows]


def server_cpu(server):
    """User + system CPU seconds of the server process so far."""
    fields = open("/proc/%d/stat" % server.proc.pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_concurrent(server, workdir, calls, hold_s, caller_audio):
    before = media_stats(server)
    rate = max(10, calls // 10)
    scenario = os.path.join(workdir, "hold.xml")
    src = open(os.path.join(sip_test.HERE, "audio_call.xml")).read()
    src = src.replace('milliseconds="7000"', 'milliseconds="%d"' % (hold_s * 1000))
    if not caller_audio:  # SIPp's pcap player (a thread per call) would compete for the CPU
        src = re.sub(r"\s*<nop><action><exec play_pcap_audio=[^\n]*", "", src)
    open(scenario, "w").write(src)
    cpu0 = server_cpu(server)
    t0 = time.time()
    rc, out = sip_test.run_sipp(server, scenario, workdir,
                                extra=["-l", str(calls), "-r", str(rate)],
                                timeout=int(calls / rate + hold_s + 60), calls=calls)
    elapsed = time.time() - t0
    cpu = server_cpu(server) - cpu0
    ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", out)
    failed = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", out)
    after = media_stats(server)
    peak = max((r[0] for r in after[len(before):]), default=0)
    if after:
        first = before[-1] if before else (0, 0, 0, 0, 0, 0)
        last = after[-1]
        ticks, late = last[1] - first[1], last[2] - first[2]
        sent = last[4] - first[4]
    else:
        ticks = late = sent = 0
    late_pct = 100.0 * late / ticks if ticks else 0.0
    print("concurrent: %d calls (peak %d active), %d s each, %s ok / %s failed, "
          "caller audio %s, %d RTP packets sent, late ticks %d of %d (%.3f%%), max tick work "
          "%d us, server CPU %.1f s in %.0f s (%.0f%% of one core)"
          % (calls, peak, hold_s, ok.group(1) if ok else "?", failed.group(1) if failed else "?",
             "on" if caller_audio else "off", sent, late, ticks, late_pct,
             after[-1][3] if after else 0, cpu, elapsed, 100 * cpu / elapsed))
    return rc == 0 and late_pct < 0.1


def bench_setups(server, workdir, rate, total):
    t0 = time.time()
    rc, out = sip_test.run_sipp(server, os.path.join(workdir, "short.xml"), workdir,
                                extra=["-r", str(rate), "-l", str(rate * 4)],
                                timeout=int(total / rate + 60), calls=total)
    elapsed = time.time() - t0
    ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", out)
    failed = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", out)
    n_ok = int(ok.group(1)) if ok else 0
    print("setups: offered %d calls/s, %d calls, %d ok, %s failed, %.1f s (%.0f setups/s achieved)"
          % (rate, total, n_ok, failed.group(1) if failed else "?", elapsed,
             n_ok / max(elapsed - 1.0, 0.001)))
    return rc == 0 and n_ok == total


def bench_latency(server, keys):
    """Python UAC: call, wait into the greeting, press keys, time the first reply packet."""
    results = []
    digits = "123"
    per_call = 4
    calls = (keys + per_call - 1) // per_call
    for _ in range(calls):
        sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sip.bind(("127.0.0.1", 0))
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        sip.settimeout(5)
        lp, mp = sip.getsockname()[1], rtp.getsockname()[1]
        call_id = "bench-%d@127.0.0.1" % random.randrange(1 << 30)
        sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\n" % mp)
        dst = ("127.0.0.1", server.sip_port)
        sip.sendto(sip_test.sip_request("INVITE", server.sip_port, call_id, lp, 1, "z9hG4bKb1",
                                        body=sdp), dst)
        code, tag, body = 0, "", ""
        while code < 200:
            code, tag, _, body = sip_test.parse_response(sip.recv(65535))
        assert code == 200, code
        sip.sendto(sip_test.sip_request("ACK", server.sip_port, call_id, lp, 1, "z9hG4bKb2", tag),
                   dst)
        server_rtp = ("127.0.0.1", int(re.search(r"m=audio (\d+)", body).group(1)))
        ssrc, seq = random.randrange(1 << 32), 0
        rtp.settimeout(0.005)

        def pump(seconds, until=None):
            """Sends our silence every 20 ms and reads the server's packets."""
            nonlocal seq
            end = time.time() + seconds
            next_send = time.time()
            while time.time() < end:
                if time.time() >= next_send:
                    rtp.sendto(sip_test.rtp_packet(seq, seq * 160, ssrc, 0, b"\xff" * 160),
                               server_rtp)
                    seq += 1
                    next_send += 0.02
                try:
                    pkt, _ = rtp.recvfrom(2048)
                except socket.timeout:
                    continue
                if until and until(pkt, time.time()):
                    return True
            return False

        pump(1.0)
        for k in range(per_call):
            if len(results) >= keys:
                break
            digit = digits[(len(results)) % len(digits)]
            event = int(digit)
            ts = seq * 160 + 80000
            t_key = time.time()
            for i, end in enumerate((False, False, False, True, True, True)):
                payload = bytes([event, (0x80 if end else 0) | 10]) + (160 * (i + 1)).to_bytes(2, "big")
                rtp.sendto(sip_test.rtp_packet(seq + 1000 + i, ts, ssrc, 101, payload, i == 0),
                           server_rtp)

            def first_reply_packet(pkt, now):
                # The server marks the first packet of each prompt (RTP marker bit).
                if pkt[1] & 0x80:
                    results.append((now - t_key) * 1000)
                    return True
                return False

            if not pump(5.0, first_reply_packet):
                print("latency: no reply within 5 s for key %s" % digit)
            pump(1.0)
        sip.sendto(sip_test.sip_request("BYE", server.sip_port, call_id, lp, 2, "z9hG4bKb3", tag),
                   dst)
        sip.close()
        rtp.close()
    results.sort()
    if not results:
        print("latency: no measurements")
        return False
    p50 = statistics.median(results)
    p99 = results[min(len(results) - 1, int(len(results) * 0.99))]
    print("latency: key -> first reply RTP over %d keys: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (len(results), p50, p99, results[-1]))
    return p99 < 100


SHORT = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="zhixian bench: short call">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
    ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("source_dir")
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--hold", type=int, default=20)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--setups", type=int, default=2000)
    ap.add_argument("--keys", type=int, default=40)
    ap.add_argument("--caller-audio", action="store_true",
                    help="callers also send speech (SIPp pcap play: a thread per call)")
    ap.add_argument("--only", default="concurrent,setups,latency")
    args = ap.parse_args()
    if not sip_test.SIPP:
        print("sipp is not installed (scripts/install-deps.sh --test)")
        return 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the server and SIPp
    ok = True
    with tempfile.TemporaryDirectory(prefix="zx-bench-voice-") as workdir:
        open(os.path.join(workdir, "short.xml"), "w").write(SHORT)
        server = sip_test.Server(os.path.abspath(args.binary), os.path.abspath(args.source_dir),
                                 os.path.join(workdir, "srv"),
                                 {"max_calls": str(args.calls + 100), "answer_delay_ms": "0",
                                  "record": "false", "no_input_seconds": "0"},
                                 # All SIPp callers come from one address and the held calls
                                 # send no audio by default: exempt them from the per-source
                                 # limit and the no-media timeout (docs/telephony.md, Exposure).
                                 env={"ZHIXIAN_SIP_ALLOW_FROM": "127.0.0.1",
                                      "ZHIXIAN_SIP_NO_MEDIA_TIMEOUT_S": "0"})
        try:
            only = args.only.split(",")
            if "latency" in only:
                ok &= bench_latency(server, args.keys)
            if "setups" in only:
                ok &= bench_setups(server, workdir, args.rate, args.setups)
            if "concurrent" in only:
                ok &= bench_concurrent(server, workdir, args.calls, args.hold,
                                       args.caller_audio)
        finally:
            server.stop()
            if os.environ.get("ZX_BENCH_LOG"):
                print("\n".join(l for l in server.text().splitlines()
                                if re.search(os.environ["ZX_BENCH_LOG"], l)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
