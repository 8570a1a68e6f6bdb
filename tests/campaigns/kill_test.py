#!/usr/bin/env python3
"""Exactly once, proved by killing: a campaign of 24 targets runs against a SIPp UAS (the
trunk: every citizen answers and hangs up a second later) while `zhixian serve` is killed with
SIGKILL at random moments, 20 times, and started again on the same data each time.

At the callee every INVITE carries its attempt (X-Campaign-Attempt): no attempt may reach the
callee in two calls (retransmissions of one INVITE share a Call-ID and count once). At the end
the campaign finishes and every target has an outcome (hung_up_early, or interrupted when its
attempts were all cut off by a kill).

Usage: kill_test.py ZHIXIAN_BINARY SOURCE_DIR [RUNS]. Exit 77 (skip) without SIPp. Loopback
only; every wait is bounded.
"""
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
import urllib.error
import urllib.request

SIPP = shutil.which("sipp")
HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "correct horse battery staple"
TARGETS = 24


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def id_number(n):
    first17 = "11010119800101%03d" % n
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]
    return first17 + check


def target_file(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("姓名,性别,手机号,身份证号,场景,申请编号\n")
        for i in range(TARGETS):
            f.write("李%d,女,1390000%04d,%s,ob.card_ready,SB%d\n" % (i, i, id_number(i), i))


class Server:
    """`zhixian serve` on fixed loopback ports over one data directory, started again after
    every kill."""

    def __init__(self, binary, workdir, sip_port, http_port, trunk_port):
        self.binary, self.workdir = binary, workdir
        self.data = os.path.join(workdir, "data")
        key_file = os.path.join(workdir, "keys", "zhixian.keys")
        os.makedirs(os.path.dirname(key_file))
        self.args = ["serve", "--data", self.data, "--http", "127.0.0.1:%d" % http_port,
                     "--sip", "127.0.0.1:%d" % sip_port]
        self.env = dict(
            os.environ,
            ZHIXIAN_SECURITY_KEY_FILE=key_file,
            ZHIXIAN_TRUNK_PROXY="sip:127.0.0.1:%d" % trunk_port,
            ZHIXIAN_TRUNK_DOMAIN="127.0.0.1",
            ZHIXIAN_CAMPAIGNS_HOURS="00:00-24:00",
            ZHIXIAN_CAMPAIGNS_WORKING_DAYS_ONLY="0",
            ZHIXIAN_CAMPAIGNS_MAX_ATTEMPTS="3",
            ZHIXIAN_CAMPAIGNS_RETRY_AFTER_MIN="0.02",
            ZHIXIAN_CAMPAIGNS_PER_NUMBER_DAY="10",
            ZHIXIAN_CAMPAIGNS_PER_NUMBER_WEEK="10",
            ZHIXIAN_CAMPAIGNS_CAMPAIGN_CONCURRENT="6",
            ZHIXIAN_CAMPAIGNS_PACE_PER_S="20",
            ZHIXIAN_CAMPAIGNS_CHECK_EVERY_MS="200",
            ZHIXIAN_CAMPAIGNS_KEY_TIMEOUT_S="2")
        subprocess.run([binary, "keys", "init", "--data", self.data, "--key-file", key_file],
                       check=True, capture_output=True, timeout=30, env=self.env)
        p = subprocess.run([binary, "user", "add", "lead", "--role", "supervisor", "--data",
                            self.data], input=PASSWORD + "\n", capture_output=True, text=True,
                           timeout=60, env=self.env)
        assert p.returncode == 0, p.stderr
        self.base = "http://127.0.0.1:%d" % http_port
        self.proc = None
        self.log = []

    def start(self):
        self.proc = subprocess.Popen([self.binary] + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, errors="replace", env=self.env)
        lines = []
        threading.Thread(target=lambda: [lines.append(l) for l in self.proc.stderr],
                         daemon=True).start()
        self.log.append(lines)
        deadline = time.time() + 60
        while time.time() < deadline:
            if any("serve.ready" in l for l in lines):
                return
            assert self.proc.poll() is None, "server exited:\n" + "".join(lines)[-3000:]
            time.sleep(0.05)
        raise AssertionError("server not ready:\n" + "".join(lines)[-3000:])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def request(self, method, path, body=None, token=None, content_type="application/json"):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def login(self):
        status, body = self.request("POST", "/api/v1/auth/login",
                                    {"name": "lead", "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]


def invites_by_attempt(message_file):
    """{attempt: set of Call-IDs} of the INVITEs the callee received."""
    text = open(message_file, encoding="utf-8", errors="replace").read()
    calls = {}
    for block in re.split(r"\n-{10,}[^\n]*\n", text):
        if "message received" not in block.split("\n", 2)[0] + block[:200]:
            continue
        m = re.search(r"^INVITE sip:", block, re.M)
        if not m:
            continue
        attempt = re.search(r"^X-Campaign-Attempt:\s*(\S+)", block, re.M | re.I)
        call_id = re.search(r"^Call-ID:\s*(\S+)", block, re.M | re.I)
        assert attempt and call_id, block[:500]
        calls.setdefault(attempt.group(1), set()).add(call_id.group(1))
    return calls


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    binary, source = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if not SIPP:
        print("SKIP: sipp is not installed")
        return 77
    rng = random.Random(int(os.environ.get("ZX_KILL_SEED", "20261206")))
    work = tempfile.mkdtemp(prefix="zx-kill-")
    sipp = None
    server = None
    try:
        trunk = free_port()
        messages = os.path.join(work, "callee_messages.log")
        sipp = subprocess.Popen(
            [SIPP, "-sf", os.path.join(HERE, "uas_callee.xml"), "-i", "127.0.0.1", "-p",
             str(trunk), "-mi", "127.0.0.1", "-mp", str(free_port() & ~1), "-nostdin",
             "-trace_msg", "-message_file", messages, "-max_recv_loops", "1000"],
            cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        server = Server(binary, work, free_port(), free_port(socket.SOCK_STREAM), trunk)
        server.start()
        token = server.login()
        path = os.path.join(work, "targets.csv")
        target_file(path)
        status, created = server.request("POST", "/api/v1/campaigns?name=kill-test",
                                         open(path, "rb").read(), token, "text/csv")
        assert status == 201, (status, created)
        campaign = created["campaign"]["id"]
        status, body = server.request("POST", "/api/v1/campaigns/%s/start" % campaign, b"",
                                      token)
        assert status == 200, (status, body)
        # Kills at random moments: before, during and after calls, while attempts are written.
        for run in range(runs):
            time.sleep(rng.uniform(0.2, 2.5))
            server.kill()
            server.start()
        token = server.login()
        deadline = time.time() + 180
        while True:
            status, body = server.request("GET", "/api/v1/campaigns/" + campaign, token=token)
            assert status == 200, (status, body)
            if body["campaign"]["state"] == "finished":
                break
            assert time.time() < deadline, json.dumps(body, ensure_ascii=False)
            time.sleep(0.5)
        figures = body["figures"]
        status, page = server.request(
            "GET", "/api/v1/campaigns/%s/targets?limit=100" % campaign, token=token)
        assert status == 200, (status, page)
        rows = page["targets"] if isinstance(page, dict) and "targets" in page else page["rows"]
        assert len(rows) == TARGETS, rows
        no_outcome = [r for r in rows if not r["outcome"] or r["state"] != "done"]
        assert not no_outcome, no_outcome
        server.stop()
        time.sleep(1.5)  # the callee's last BYEs
        calls = invites_by_attempt(messages)
        twice = {a: c for a, c in calls.items() if len(c) > 1}
        assert not twice, "attempts dialled twice: %s" % twice
        attempts = sum(1 for _ in calls)
        assert attempts >= TARGETS, calls
        print("kill_test: %d kills, %d attempts reached the callee, 0 dialled twice; "
              "outcomes %s" % (runs, attempts, json.dumps(figures["outcomes"])))
        return 0
    finally:
        if server:
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - cleaning up after a failure
                server.proc.kill()
        if sipp:
            sipp.kill()
            sipp.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
