#!/usr/bin/env python3
"""Calls fail over between two `zhixian serve` nodes on one PostgreSQL database, behind
deploy/kamailio/inbound.cfg as written (pinging the nodes every second, -A PING_INTERVAL=1), on
loopback. SIPp, the carrier, calls 12345 at Kamailio at a steady rate (RATE calls a second, each
held HOLD_MS) all along; what each call did is read from SIPp's message trace (its INVITE's
time, the node that answered by the 200's Contact, its BYE's answer) and the nodes' logs:

  split      with both nodes up the calls are split between them (least-loaded: each answered
             at least a quarter of them)
  kill       node A killed (SIGKILL) with calls up on it: the only calls that fail are calls that
             were up on A at the kill (their BYE finds no node), at most as many as A had; every
             INVITE sent after the kill is answered 200 by B, and those sent once A must be out
             of rotation (kill + ping interval + the 2 s ping timeout + a margin) by B at once,
             without the 2 s detour through A; a call that was ringing on A is answered by B
  rejoin     A started again (same data directory, key file and SIP port) gets new calls again
             within a ping interval (and a margin) of listening, the least-loaded node: the
             next calls go to it
  drain      A drained (SIGUSR1, as `zhixian drain` sends): it answers OPTIONS and INVITEs 503,
             so every call placed from then on is answered by B (those that reach A before a
             ping takes it out go on to B at once); the calls up on A finish (BYE 200), A logs
             serve.drained and exits 0
  all calls  every other call SIPp placed was answered and ended with BYE 200

Prints what it measured: calls placed, answered per node, failed and why, the time from the
kill to the first call answered by B and to the first call sent to B straight, A's rejoin time,
the calls A finished while draining and how long the drain took.

Usage: failover_test.py ZHIXIAN_BINARY SOURCE_DIR. Needs kamailio, sipp (package sip-tester)
and ZX_TEST_POSTGRES_URL (scripts/test.sh starts a throw-away cluster,
scripts/pg_test_cluster.sh); exit 77 (skip) without any of them.
"""
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from kamailio import KAMAILIO, Kamailio, free_port  # noqa: E402
from kamailio_test import PCAPS, SIPP, hold_scenario, node_config  # noqa: E402
from zhixian_node import PG_URL, Node, fresh_schema  # noqa: E402

RATE = 3            # calls a second
HOLD_MS = 4000      # each call held this long after its ACK, then BYE
PING = 1            # Kamailio's PING_INTERVAL, s
PING_TIMEOUT = 2    # tm's fr_timer in inbound.cfg: a ping not answered within it failed
DETOUR = 1.5        # a call sent to a dead node reaches the next 2 s later (t_set_fr; the
                    # timer fires a little early or late), a live node answers in milliseconds
MARGIN = 1.0        # timers' granularity and this machine's scheduling
BEFORE_KILL = 8     # s of calls to both nodes before A is killed
ALONE = 6           # s of calls to B alone before A is started again
AFTER_REJOIN = 8    # calls A must answer after its restart before it is drained
AFTER_DRAIN = 2     # s of calls to B alone after A drained, before SIPp stops placing calls
DEADLINE = 150      # s for the whole run


def log_time(node, pattern, since=0):
    """Epoch seconds of the first line of node's log matching `pattern` (ISO timestamp first)."""
    m = re.search(r"^(\S+) .*" + pattern, node.text(since), re.M)
    assert m, "no %r in the log:\n%s" % (pattern, node.text(since)[-2000:])
    return datetime.datetime.fromisoformat(m.group(1)).timestamp()


class Call:
    def __init__(self, call_id):
        self.call_id = call_id
        self.invite = None      # when SIPp sent the INVITE (its first transmission)
        self.ringing = None     # (time, node port) of the first 180
        self.answer = None      # (time, code, node port or None) of the final answer
        self.bye = None         # when SIPp sent the BYE
        self.bye_answer = None  # (time, code) of the BYE's final answer

    def ok(self):
        return self.answer and self.answer[1] == 200 and self.bye_answer and \
            self.bye_answer[1] == 200

    def node(self):
        return self.answer[2] if self.answer and self.answer[1] == 200 else None

    def setup(self):
        return self.answer[0] - self.invite if self.answer else None

    def reached(self):
        """Time from the INVITE to the first answer of a node (180, or the final answer)."""
        first = self.ringing[0] if self.ringing else self.answer[0]
        return first - self.invite

    def why(self):
        if not self.answer:
            return "INVITE never answered"
        if self.answer[1] != 200:
            return "INVITE answered %d" % self.answer[1]
        if not self.bye_answer:
            return "BYE never answered" if self.bye else "no BYE sent"
        return "BYE answered %d" % self.bye_answer[1]


def parse_trace(path):
    """The calls of SIPp's -trace_msg file, by Call-ID."""
    calls = {}
    text = open(path, encoding="utf-8", errors="replace").read()
    for block in text.split("----------------------------------------------- ")[1:]:
        stamp, _, rest = block.partition("\n")
        when = datetime.datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        kind, _, msg = rest.partition("\n\n")
        sent = "message sent" in kind
        first = msg.split("\r\n", 1)[0].strip()
        cid = re.search(r"(?im)^Call-ID:\s*(\S+)", msg)
        cseq = re.search(r"(?im)^CSeq:\s*\d+\s+(\w+)", msg)
        if not cid or not cseq:
            continue
        call = calls.setdefault(cid.group(1), Call(cid.group(1)))
        method = cseq.group(1).upper()
        if sent:
            if first.startswith("INVITE ") and call.invite is None:
                call.invite = when
            elif first.startswith("BYE ") and call.bye is None:
                call.bye = when
            continue
        status = re.match(r"SIP/2\.0 (\d{3}) ", first)
        if not status:
            continue
        code = int(status.group(1))
        contact = re.search(r"(?im)^Contact:\s*<?sip:[^@>]*@?127\.0\.0\.1:(\d+)", msg)
        port = int(contact.group(1)) if contact else None
        if method == "INVITE":
            if code == 180 and call.ringing is None:
                call.ringing = (when, port)
            elif code >= 200 and call.answer is None:
                call.answer = (when, code, port)
        elif method == "BYE" and code >= 200 and call.bye_answer is None:
            call.bye_answer = (when, code)
    return calls


def sipp_command(workdir, kam_port, trace, scenario):
    pcap = os.path.join(workdir, "pcap")
    if not os.path.exists(pcap):
        os.symlink(PCAPS, pcap)
    # Calls at RATE a second until told to stop (SIGUSR1: no new calls, those up finish).
    return [SIPP, "127.0.0.1:%d" % kam_port, "-sf", scenario, "-i", "127.0.0.1",
            "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port() & ~1),
            "-s", "12345", "-r", str(RATE), "-rp", "1000", "-m", "1000", "-l", "200",
            "-nostdin", "-timeout", "%ds" % DEADLINE, "-trace_msg", "-message_file", trace,
            "-trace_err", "-error_file", os.path.join(workdir, "sipp.err")]


def wait_until(what, done, timeout, alive=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if done():
            return
        for name, proc in alive:
            assert proc.poll() is None, "%s exited (%s) waiting for %s" % (
                name, proc.returncode, what)
        time.sleep(0.1)
    raise AssertionError("timed out (%d s) waiting for %s" % (timeout, what))


def tail(path, size=2000):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()[-size:]


def started(node, since=0):
    return len(re.findall(r"call\.started call=\d+ direction=inbound", node.text(since)))


def run(binary, source, work, url):
    key_file = os.path.join(work, "shared-keys", "zhixian.keys")
    env = {"ZHIXIAN_DATABASE_URL": url, "ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE": "0"}
    config = node_config(source)
    ports = {"A": free_port(), "B": free_port()}
    procs = {}
    every = []  # every node started, for the logs
    kam = sipp = None

    def start(name):
        node = Node(binary, source, os.path.join(work, name), config=config, env=env,
                    key_file=key_file, sip="127.0.0.1:%d" % ports[name])
        every.append((name, node))
        return node

    try:
        procs["A"] = start("A")
        procs["B"] = start("B")
        a_first, b = procs["A"], procs["B"]
        kam_port = free_port()
        kam = Kamailio(work, "inbound.cfg", kam_port, defines={"PING_INTERVAL": PING}, lists={
            "dispatcher.list": {"10.0.0.11:5060": "127.0.0.1:%d" % ports["A"],
                                "10.0.0.12:5060": "127.0.0.1:%d" % ports["B"]}})
        trace = os.path.join(work, "sipp-messages.log")
        sipp_out = os.path.join(work, "sipp.out")
        with open(sipp_out, "w", encoding="utf-8") as out:
            sipp = subprocess.Popen(
                sipp_command(work, kam_port, trace, hold_scenario(work, HOLD_MS)), cwd=work,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=out)
        t_start = time.time()
        alive = [("SIPp", sipp), ("kamailio", kam.proc)]

        # split, then kill A while calls are up on it.
        wait_until("calls on both nodes", lambda: time.time() - t_start >= BEFORE_KILL and
                   started(a_first) >= 3 and started(b) >= 3, BEFORE_KILL + 20, alive)
        t_kill = time.time()
        a_first.kill()
        time.sleep(ALONE)

        # rejoin: A again, the same node.
        t_restart = time.time()
        a_again = procs["A"] = start("A")
        t_listening = log_time(a_again, r"sip\.listening ")
        wait_until("%d calls on A restarted" % AFTER_REJOIN,
                   lambda: started(a_again) >= AFTER_REJOIN, 20 + PING, alive)

        # drain: A taken out gently; it stops once its calls have ended.
        t_drain = time.time()
        a_again.proc.send_signal(signal.SIGUSR1)
        try:
            a_again.proc.wait(HOLD_MS / 1000 + 20)
        except subprocess.TimeoutExpired:
            raise AssertionError("A did not finish draining in %d s:\n%s" % (
                HOLD_MS / 1000 + 20, a_again.text()[-2000:])) from None
        t_drained = time.time()
        assert a_again.proc.returncode == 0 and "serve.drained calls=0" in a_again.text(), \
            "A drained badly (exit %s):\n%s" % (a_again.proc.returncode,
                                                a_again.text()[-2000:])
        time.sleep(AFTER_DRAIN)
        sipp.send_signal(signal.SIGUSR1)  # no new calls; those up end
        try:
            sipp.wait(HOLD_MS / 1000 + 30)
        except subprocess.TimeoutExpired:
            raise AssertionError("SIPp did not finish its calls:\n" + tail(sipp_out)) from None
        assert sipp.returncode in (0, 1), "SIPp failed (%d):\n%s" % (sipp.returncode,
                                                                   tail(sipp_out))
        times = {"kill": t_kill, "restart": t_restart, "listening": t_listening,
                 "drain": t_drain, "drained": t_drained}
        return check(parse_trace(trace), ports, times, a_again.text(), kam.text())
    finally:
        if sipp and sipp.poll() is None:
            sipp.kill()
            sipp.wait(10)
        if kam:
            kam.stop()
            with open(os.path.join(work, "kamailio.log"), "w", encoding="utf-8") as f:
                f.write(kam.text())
        for node in procs.values():
            node.stop()
        for i, (name, node) in enumerate(every):
            with open(os.path.join(work, "node-%d-%s.log" % (i + 1, name)), "w",
                      encoding="utf-8") as f:
                f.write(node.text())


def check(calls, ports, times, a_log, kam_log):
    t_kill, t_restart, t_listening = times["kill"], times["restart"], times["listening"]
    t_drain = times["drain"]
    name = {ports["A"]: "A", ports["B"]: "B"}
    calls = sorted((c for c in calls.values() if c.invite), key=lambda c: c.invite)
    assert calls, "SIPp placed no call"
    failed = [c for c in calls if not c.ok()]

    # split: the calls placed before the kill that were answered, by node.
    before = [c for c in calls if c.invite < t_kill and c.node()]
    count = {n: sum(1 for c in before if name.get(c.node()) == n) for n in "AB"}
    assert min(count.values()) * 4 >= len(before), \
        "least-loaded should split the calls: A %(A)d, B %(B)d" % count
    print("PASS split: before the kill A answered %d calls, B %d (least-loaded)"
          % (count["A"], count["B"]))

    # kill: which calls were up on A (answered by A, BYE not done) at the kill.
    up_on_a = {c.call_id for c in calls if name.get(c.node()) == "A" and
               c.answer[0] < t_restart and not (c.bye_answer and c.bye_answer[0] < t_kill)}
    ringing_on_a = [c for c in calls if c.ringing and name.get(c.ringing[1]) == "A" and
                    c.ringing[0] < t_kill and not (c.answer and c.answer[0] < t_kill)]
    assert len(failed) <= len(up_on_a) and all(c.call_id in up_on_a for c in failed), \
        "only calls up on A at the kill may fail: failed %s, up on A %s" % (
            ["%s (%s)" % (c.call_id, c.why()) for c in failed], sorted(up_on_a))
    for c in ringing_on_a:
        assert c.ok() and name.get(c.node()) == "B", \
            "a call ringing on A at the kill should be answered by B: %s (%s)" % (
                c.call_id, c.why())
    print("PASS kill: %d calls up on A at the kill, %d of them failed (%s); %s" % (
        len(up_on_a), len(failed), ", ".join(sorted({c.why() for c in failed})) or "none",
        "%d ringing on A answered by B after %s s" % (
            len(ringing_on_a), ", ".join("%.1f" % c.setup() for c in ringing_on_a))
        if ringing_on_a else "none was ringing on A"))

    alone = [c for c in calls if t_kill < c.invite < t_restart]
    assert alone, "no call placed while A was down"
    for c in alone:
        assert c.ok() and name.get(c.node()) == "B", \
            "a call placed %.1f s after the kill was not answered by B: %s (%s, node %s)" % (
                c.invite - t_kill, c.call_id, c.why(), name.get(c.node()))
    out_by = t_kill + PING + PING_TIMEOUT + MARGIN
    late = [c for c in alone if c.invite > out_by]
    assert late, "no call placed once A was out of rotation"
    slow = [c for c in late if c.reached() >= DETOUR]
    assert not slow, "calls placed %.0f s after the kill still went through A first: %s" % (
        out_by - t_kill, ["%s %.1f s" % (c.call_id, c.reached()) for c in slow])
    detoured = [c for c in alone if c.reached() >= DETOUR]
    first_b = min(c.answer[0] for c in alone)
    straight = min((c.invite for c in alone if c.reached() < DETOUR))
    print("PASS kill: all %d calls placed while A was down answered by B (%d after a 2 s "
          "detour through A, the last sent %s s after the kill; setup %.2f-%.2f s once A was "
          "out); first answer by B %.2f s after the kill, first call sent to B straight %.2f s "
          "after it" % (
              len(alone), len(detoured),
              "%.1f" % (max(c.invite for c in detoured) - t_kill) if detoured else "-",
              min(c.setup() for c in late), max(c.setup() for c in late),
              first_b - t_kill, straight - t_kill))

    # rejoin: the first call A answers after its restart, and those after it.
    again = [c for c in calls if c.invite > t_listening - 1]
    first_a = next((c for c in again if name.get(c.node()) == "A" and c.answer[0] > t_restart),
                   None)
    assert first_a, "A restarted got no call"
    rejoin = first_a.invite - t_listening
    assert rejoin <= PING + 1.0 / RATE + MARGIN, \
        "A rejoined %.1f s after listening, later than a ping interval (%d s)" % (rejoin, PING)
    following = [c for c in again if c.invite >= first_a.invite][:4]
    to_a = sum(1 for c in following if name.get(c.node()) == "A")
    assert to_a >= 3, "restarted with no calls, A should get the next calls: %s" % (
        [name.get(c.node()) for c in following])
    print("PASS rejoin: A restarted, listening %.1f s after its start, got its first call "
          "%.2f s after (ping interval %d s); %d of the next 4 calls went to it" % (
              t_listening - t_restart, rejoin, PING, to_a))

    # drain: the calls A had finish there, every new one is B's.
    on_a = [c for c in calls if name.get(c.node()) == "A" and c.answer[0] > t_restart and
            not (c.bye_answer and c.bye_answer[0] < t_drain)]
    for c in on_a:
        assert c.ok(), "a call up on A when it began to drain failed: %s (%s)" % (
            c.call_id, c.why())
    after = [c for c in calls if c.invite > t_drain]
    assert after, "no call placed while A drained"
    for c in after:
        assert c.ok() and name.get(c.node()) == "B", \
            "a call placed %.1f s after A began to drain was not answered by B: %s (%s, " \
            "node %s)" % (c.invite - t_drain, c.call_id, c.why(), name.get(c.node()))
    refused = kam_log.count("inbound: node failed (503)")
    assert refused <= RATE * (PING + MARGIN) + 1, \
        "%d calls reached A after it began to drain: pings should take it out" % refused
    m = re.search(r"serve\.draining calls=(\d+)", a_log)
    print("PASS drain: A finished its %d calls (serve.draining calls=%s) and stopped %.1f s "
          "after SIGUSR1; all %d calls placed meanwhile answered by B (%d refused by A with "
          "503 first)" % (len(on_a), m.group(1) if m else "?", times["drained"] - t_drain,
                          len(after), refused))

    # all calls: nothing else failed.
    by_node = {n: sum(1 for c in calls if name.get(c.node()) == n) for n in "AB"}
    print("PASS all calls: %d placed, %d answered by A (%d before the kill, %d after its "
          "restart), %d by B, %d failed" % (
              len(calls), by_node["A"],
              sum(1 for c in calls if name.get(c.node()) == "A" and c.answer[0] < t_restart),
              sum(1 for c in calls if name.get(c.node()) == "A" and c.answer[0] > t_restart),
              by_node["B"], len(failed)))
    return 0


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not KAMAILIO:
        print("SKIP: kamailio is not installed (scripts/install-deps.sh --test)")
        return 77
    if not SIPP:
        print("SKIP: sipp (package sip-tester) is not installed")
        return 77
    if not PG_URL or not shutil.which("psql"):
        print("SKIP: ZX_TEST_POSTGRES_URL is not set or psql is missing "
              "(scripts/pg_test_cluster.sh)")
        return 77
    schema = "failover_test_%d" % os.getpid()
    url = fresh_schema(schema)
    work = tempfile.mkdtemp(prefix="zx-failover-")
    ok = False
    try:
        code = run(binary, source, work, url)
        ok = code == 0
        return code
    except AssertionError as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        subprocess.run(["psql", PG_URL, "-q", "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % schema],
                       capture_output=True, timeout=30)
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("logs and SIPp's trace kept in %s" % work)


if __name__ == "__main__":
    sys.exit(main())
