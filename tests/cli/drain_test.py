"""Draining a node: SIGUSR1 or `zhixian drain` takes `zhixian serve` out gently.

Usage: drain_test.py BINARY SOURCE_DIR [unittest arguments]. Exit 77 (skip) without SIPp.
Each node has its own data directory and XDG_CONFIG_HOME (the default key file's home) in a
temporary directory and listens on 127.0.0.1 port 0 for HTTP and SIP (the ports are read from
its log). The calls are SIPp UACs (tests/cli/drain_call.xml: answered, held for -d ms without
media, then BYE); OPTIONS and the refused INVITE are built by hand over UDP. Every wait is
bounded.

- Before: the pid file DIR/zhixian.pid holds the node's pid; OPTIONS is answered 200, GET
  /healthz 200 {"status": "ok"}.
- A drain with a call up: a call is answered; while it is up `zhixian drain --data DIR --wait 60`
  starts in the background. Within about a second of the node's serve.drain_requested: OPTIONS
  503 with `Warning: 399 zhixian "draining"`, /healthz 503 unavailable "not ready: draining", a
  new INVITE 503 with Retry-After (call.rejected ... why="draining"), and the call still up and
  the drain command still waiting.
- Then the call ends as the caller wants (SIPp's BYE answered 200, SIPp exit 0, call.ended
  reason="bye"); the node logs serve.draining calls=1, then serve.drained calls=0 after the
  call's end, exits 0 and removes its pid file; `zhixian drain` prints "draining zhixian serve
  (pid N)" and "drained: the node stopped" and exits 0.
- A drain with no call still takes the few seconds (at least 3 s) the balancers need to notice.
- `zhixian drain` with no node: exit 1, "no zhixian serve runs with this data directory"; with a
  stale pid file (the pid of a child that has finished): exit 1, "is not running".
- SIGTERM during a drain: with a call up, `zhixian drain --wait 1` gives up (exit 1, "still
  draining after 1 s", the node and the call still up); SIGTERM then stops the node within a few
  seconds (serve.stopping signal=15, the call ended reason="shutdown", exit 0, pid file gone).
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pg_deployments as pg  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/zhixian")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
KB = os.path.join(SOURCE, "kb")
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "drain_call.xml")
SIPP = shutil.which("sipp")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env(xdg):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIXIAN_")}
    env["XDG_CONFIG_HOME"] = xdg
    return env


class Node:
    """`zhixian serve` on loopback port 0 (HTTP and SIP), its stderr collected by a thread."""

    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        self.pid_file = os.path.join(self.data, "zhixian.pid")
        # Under tests/with_postgres.py, a database of its own (tests/pg_deployments.py).
        self.env = dict(clean_env(os.path.join(root, "xdg")), **pg.database_env(self.data))
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--data", self.data, "--kb", KB, "--http", "127.0.0.1:0",
             "--sip", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace", env=self.env, cwd=root)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.sip_port = int(self.wait_for(r"sip\.listening .*port=(\d+)", 90).group(1))
        self.http_port = int(self.wait_for(r"serve\.ready http=http://127\.0\.0\.1:(\d+)",
                                           60).group(1))

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def text(self, since=0):
        with self.lock:
            return "\n".join(self.lines[since:])

    def mark(self):
        with self.lock:
            return len(self.lines)

    def tail(self):
        return "---- node log (tail) ----\n" + self.text()[-3000:]

    def wait_for(self, pattern, timeout, since=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(since))
            if m:
                return m
            if self.proc.poll() is not None:
                self.reader.join(5)
                m = re.search(pattern, self.text(since))
                if m:
                    return m
                raise AssertionError("the node exited (%s) before logging %r\n%s"
                                     % (self.proc.returncode, pattern, self.tail()))
            time.sleep(0.05)
        raise AssertionError("no %r in the node's log within %s s\n%s"
                             % (pattern, timeout, self.tail()))

    def wait_exit(self, timeout):
        """The node's exit status, or None when it still runs after `timeout` s."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self.reader.join(5)
        return rc

    def drain(self, *args):
        """`zhixian drain --data DIR ARGS` started in the background."""
        return subprocess.Popen([BINARY, "drain", "--data", self.data, *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                env=self.env, cwd=self.root)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(20)
        self.reader.join(5)
        self.proc.stderr.close()


class Caller:
    """One SIPp call (drain_call.xml) held for `hold_ms`, run in a thread."""

    def __init__(self, node, workdir, hold_ms, timeout=40):
        self.result = None
        self.proc = subprocess.Popen(
            [SIPP, "127.0.0.1:%d" % node.sip_port, "-sf", SCENARIO, "-i", "127.0.0.1",
             "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port() & ~1),
             "-m", "1", "-s", "12345", "-d", str(hold_ms), "-nostdin",
             "-timeout", "%ds" % (timeout - 5), "-timeout_error", "-recv_timeout", "10000",
             "-trace_err", "-error_file", os.path.join(workdir, "sipp.err")],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace")
        self.thread = threading.Thread(target=self._run, args=(timeout,), daemon=True)
        self.thread.start()

    def _run(self, timeout):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
            self.result = (self.proc.returncode, out)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            self.result = (None, out)

    def running(self):
        return self.thread.is_alive()

    def wait(self, timeout):
        self.thread.join(timeout)
        return self.result

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.thread.join(10)


# ---- SIP by hand over UDP -------------------------------------------------------------------

def sip_request(method, port, local_port, call_id, branch, cseq=1, to_tag="", body=""):
    lines = [
        "%s sip:12345@127.0.0.1:%d SIP/2.0" % (method, port),
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (local_port, branch),
        "From: <sip:13812345678@127.0.0.1:%d>;tag=drain%d" % (local_port, local_port),
        "To: <sip:12345@127.0.0.1:%d>%s" % (port, (";tag=" + to_tag) if to_tag else ""),
        "Call-ID: %s" % call_id,
        "CSeq: %d %s" % (cseq, method),
        "Contact: <sip:drain@127.0.0.1:%d>" % local_port,
        "Max-Forwards: 70",
    ]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parse_response(data):
    head = data.decode(errors="replace").partition("\r\n\r\n")[0]
    first, _, rest = head.partition("\r\n")
    parts = first.split(None, 2)
    code = int(parts[1]) if first.startswith("SIP/2.0") and len(parts) > 1 else 0
    headers = {}
    for line in rest.split("\r\n"):
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return code, first, headers


def new_branch():
    return "z9hG4bKdrain%d" % random.randrange(1 << 40)


def options(node):
    """Sends OPTIONS; returns (code, status line, headers)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        s.settimeout(3)
        lp = s.getsockname()[1]
        call_id = "drain-opt-%d@127.0.0.1" % random.randrange(1 << 40)
        s.sendto(sip_request("OPTIONS", node.sip_port, lp, call_id, new_branch()),
                 ("127.0.0.1", node.sip_port))
        while True:
            code, first, headers = parse_response(s.recv(65535))
            if code >= 200:
                return code, first, headers
    except socket.timeout:
        return 0, "no answer to OPTIONS within 3 s", {}
    finally:
        s.close()


def invite(node):
    """Sends a new INVITE; returns its final (code, status line, headers) and ACKs a refusal
    (a 2xx is hung up at once, so that the test leaves no call behind)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        lp = s.getsockname()[1]
        call_id = "drain-inv-%d@127.0.0.1" % random.randrange(1 << 40)
        sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (free_port() & ~1))
        branch = new_branch()
        dst = ("127.0.0.1", node.sip_port)
        s.sendto(sip_request("INVITE", node.sip_port, lp, call_id, branch, body=sdp), dst)
        while True:
            code, first, headers = parse_response(s.recv(65535))
            if code >= 200:
                break
        tag = re.search(r";tag=([^;\s>]+)", headers.get("to", ""))
        tag = tag.group(1) if tag else ""
        if code >= 300:  # the ACK of a refusal belongs to the INVITE's transaction
            s.sendto(sip_request("ACK", node.sip_port, lp, call_id, branch, 1, tag), dst)
        else:
            s.sendto(sip_request("ACK", node.sip_port, lp, call_id, new_branch(), 1, tag), dst)
            s.sendto(sip_request("BYE", node.sip_port, lp, call_id, new_branch(), 2, tag), dst)
        return code, first, headers
    except socket.timeout:
        return 0, "no final answer to INVITE within 5 s", {}
    finally:
        s.close()


def healthz(node):
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, raw.decode(errors="replace")
    finally:
        conn.close()


class Drain(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="zx-drain-")
        self.node = None
        self.callers = []
        self.drains = []

    def tearDown(self):
        for p in self.drains:
            if p.poll() is None:
                p.kill()
            p.communicate(timeout=10)
        for c in self.callers:
            c.kill()
        if self.node:
            self.node.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def start_node(self):
        self.node = Node(self.root)
        return self.node

    def call(self, hold_ms, timeout=40):
        c = Caller(self.node, self.root, hold_ms, timeout)
        self.callers.append(c)
        return c

    def drain(self, *args):
        p = self.node.drain(*args)
        self.drains.append(p)
        return p

    def test_drain_with_a_call_up(self):
        node = self.start_node()
        # 1. Before: the pid file, OPTIONS 200, /healthz 200.
        self.assertTrue(os.path.isfile(node.pid_file), "no pid file %s" % node.pid_file)
        with open(node.pid_file) as f:
            self.assertEqual(f.read().strip(), str(node.proc.pid),
                             "the pid file does not hold the node's pid")
        code, first, _ = options(node)
        self.assertEqual(code, 200, "OPTIONS before the drain: %s\n%s" % (first, node.tail()))
        status, body = healthz(node)
        self.assertEqual((status, body), (200, {"status": "ok"}), "/healthz before the drain")

        # 2. A call, answered; while it is up the drain starts.
        since = node.mark()
        caller = self.call(6000)
        call = node.wait_for(r"call\.started call=(\d+) direction=inbound", 15, since).group(1)
        t_drain = time.time()
        drain = self.drain("--wait", "60")
        node.wait_for(r"serve\.drain_requested signal=10", 10, since)

        # 3. Within about a second: OPTIONS 503 "draining", /healthz 503, a new INVITE 503.
        t_seen = time.time()
        while True:
            code, first, headers = options(node)
            if code == 503 or time.time() - t_seen > 1.0:
                break
            time.sleep(0.05)
        latency = time.time() - t_drain
        self.assertEqual(code, 503, "OPTIONS 1 s after serve.drain_requested: %s" % first)
        self.assertIn("Service Unavailable", first)
        self.assertEqual(headers.get("warning"), '399 zhixian "draining"',
                         "OPTIONS 503's Warning header: %r" % headers)
        status, body = healthz(node)
        self.assertEqual(status, 503, "/healthz while draining: %s %s" % (status, body))
        self.assertEqual(body, {"error": {"code": "unavailable",
                                          "message": "not ready: draining"}},
                         "/healthz while draining")
        code, first, headers = invite(node)
        self.assertEqual(code, 503, "a new INVITE while draining: %s" % first)
        self.assertEqual(headers.get("retry-after"), "5", "the INVITE's 503: %r" % headers)
        node.wait_for(r'call\.rejected reason=not_taking_calls why="draining"', 5, since)
        checked = time.time() - t_drain
        print("\n  drain: OPTIONS 503 %.2f s after `zhixian drain` started; checks done after "
              "%.2f s" % (latency, checked), file=sys.stderr)
        self.assertIsNone(re.search(r"call\.ended call=%s " % call, node.text(since)),
                          "the call ended before the checks while draining (a slow machine? "
                          "the call holds 6 s)\n" + node.tail())
        self.assertTrue(caller.running(), "SIPp finished before the drain's checks")
        if drain.poll() is not None:
            self.fail("`zhixian drain` returned while a call was still up: exit %s %s"
                      % (drain.returncode, drain.communicate(timeout=5)))
        self.assertIsNone(node.proc.poll(), "the node stopped with a call still up")
        node.wait_for(r"serve\.draining calls=1\b", 5, since)

        # 4. The call ends as the caller wants; then the node stops, and drain says so.
        result = caller.wait(40)
        self.assertIsNotNone(result, "SIPp still runs 40 s on")
        rc, out = result
        self.assertEqual(rc, 0, "SIPp (BYE answered 200 expected) exited %s:\n%s\n%s"
                         % (rc, out[-2000:], node.tail()))
        node.wait_for(r'call\.ended call=%s reason="bye"' % call, 5, since)
        try:
            out, err = drain.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("`zhixian drain` still waits 20 s after the call ended\n" + node.tail())
        self.assertEqual(drain.returncode, 0, "zhixian drain: %s%s" % (out, err))
        self.assertIn("draining zhixian serve (pid %d)" % node.proc.pid, out)
        self.assertIn("drained: the node stopped", out)
        rc = node.wait_exit(10)
        self.assertEqual(rc, 0, "the drained node's exit status (None: still running)\n"
                         + node.tail())
        self.assertFalse(os.path.exists(node.pid_file), "the pid file is left behind")
        log = node.text(since)
        drained = re.search(r"serve\.drained calls=0\b", log)
        self.assertTrue(drained, "no serve.drained calls=0\n" + node.tail())
        ended = re.search(r'call\.ended call=%s reason="bye"' % call, log)
        self.assertLess(ended.start(), drained.start(), "drained before the call ended")
        print("  drain: the node stopped %.1f s after `zhixian drain` started"
              % (time.time() - t_drain), file=sys.stderr)

    def test_drain_without_calls_waits_a_few_seconds(self):
        node = self.start_node()
        t0 = time.time()
        drain = self.drain("--wait", "30")
        try:
            out, err = drain.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            self.fail("`zhixian drain` of an idle node still runs after 40 s\n" + node.tail())
        took = time.time() - t0
        self.assertEqual(drain.returncode, 0, "zhixian drain: %s%s" % (out, err))
        self.assertIn("drained: the node stopped", out)
        self.assertEqual(node.wait_exit(10), 0, "the drained node's exit status\n" + node.tail())
        self.assertGreaterEqual(took, 3.0, "an idle node drained in %.2f s, under 3 s" % took)
        self.assertLess(took, 15, "an idle node took %.1f s to drain" % took)
        self.assertRegex(node.text(), r"serve\.draining calls=0\b[\s\S]*serve\.drained calls=0")
        self.assertFalse(os.path.exists(node.pid_file), "the pid file is left behind")

    def test_drain_with_no_node(self):
        data = os.path.join(self.root, "data")
        os.makedirs(data)
        env = clean_env(os.path.join(self.root, "xdg"))

        def drain():
            r = subprocess.run([BINARY, "drain", "--data", data, "--wait", "5"],
                               capture_output=True, text=True, errors="replace", timeout=30,
                               env=env, cwd=self.root)
            return r.returncode, r.stdout + r.stderr

        rc, out = drain()
        self.assertEqual(rc, 1, "drain with no pid file: %s" % out)
        self.assertIn("no zhixian serve runs with this data directory", out)
        self.assertIn(os.path.join(data, "zhixian.pid"), out)
        # A pid file left by a node that was killed: the pid of a child that has finished.
        child = subprocess.Popen(["true"])
        child.wait(10)
        with open(os.path.join(data, "zhixian.pid"), "w") as f:
            f.write("%d\n" % child.pid)
        rc, out = drain()
        self.assertEqual(rc, 1, "drain with a stale pid file: %s" % out)
        self.assertIn("is not running", out)
        self.assertIn("pid %d" % child.pid, out)

    def test_sigterm_during_a_drain_stops_at_once(self):
        node = self.start_node()
        since = node.mark()
        caller = self.call(15000)
        call = node.wait_for(r"call\.started call=(\d+) direction=inbound", 15, since).group(1)
        drain = self.drain("--wait", "1")
        try:
            out, err = drain.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("`zhixian drain --wait 1` still runs after 20 s")
        self.assertEqual(drain.returncode, 1, "drain --wait 1 with a call up: %s%s" % (out, err))
        self.assertIn("draining zhixian serve (pid %d)" % node.proc.pid, out)
        self.assertIn("still draining after 1 s", err)
        self.assertIsNone(node.proc.poll(), "the node stopped with a call up\n" + node.tail())
        self.assertTrue(caller.running(), "the call ended before SIGTERM")
        self.assertTrue(os.path.exists(node.pid_file), "the pid file went while draining")
        t0 = time.time()
        node.proc.send_signal(signal.SIGTERM)
        rc = node.wait_exit(5)
        took = time.time() - t0
        self.assertIsNotNone(rc, "the node still runs 5 s after SIGTERM during a drain\n"
                             + node.tail())
        self.assertEqual(rc, 0, "exit status after SIGTERM\n" + node.tail())
        print("\n  sigterm: the draining node stopped %.2f s after SIGTERM" % took,
              file=sys.stderr)
        log = node.text(since)
        self.assertRegex(log, r"serve\.stopping signal=15")
        self.assertRegex(log, r'call\.ended call=%s reason="shutdown"' % call)
        self.assertFalse(os.path.exists(node.pid_file), "the pid file is left behind")
        caller.kill()  # SIPp was hung up on mid-scenario: its exit status does not matter


def main():
    if not SIPP:
        print("SKIP: sipp (package sip-tester) is not installed; scripts/install-deps.sh --test")
        return 77
    prog = unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:], exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
