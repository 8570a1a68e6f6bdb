#!/usr/bin/env python3
"""Outbound notice calls end to end: `zhixian serve` (with a key file) places calls asked for
over HTTP (POST /api/v1/calls) to real SIP peers on loopback.

  confirmed   a supervisor (`zhixian user add`, POST /api/v1/auth/login) asks for a notice call
              to a baresip UA, which answers by itself and records what it hears; once the
              notice has played baresip presses 1 (RFC 4733): GET /api/v1/calls/{id} reports
              outcome confirmed, digits "1", events ringing/answered/key/hangup; baresip's
              recording holds speech as long as the notice (then the closing words)
  attempt     the same attempt_id again: 200 with the same call, and no second INVITE (baresip
              records one call only; the server dialled once)
  busy        a SIPp UAS answers 486 (and checks X-Campaign-Attempt): outcome busy, sip_code 486
  access      no credentials: 401; an agent: 403; a bad field: 400 naming it
  privacy     the full number is in no server log line and no file of the data directory (nor
              in the database, on PostgreSQL)

Usage: notice_test.py ZHIXIAN_BINARY SOURCE_DIR. Exit 77 (skip) without baresip (with its
modules) or SIPp. Loopback only; every wait is bounded.
"""
import audioop
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling tests must not litter the source tree
sys.path.insert(0, HERE)
from baresip_test import BARESIP, MODULE_DIR, MODULES, Baresip  # noqa: E402
from outbound_test import Sipp, reject_scenario  # noqa: E402
from sip_test import SIPP, Server, free_port, pg  # noqa: E402

NUMBER = "13812345678"  # the citizen: baresip's user; never in full in a log or on disk
PASSWORD = "correct horse battery staple"
NOTICE = "您好，这里是示例市幺二三四五热线。您的社保卡已制作完成，请携带身份证到临江区社保中心领取。确认收到请按1，重听请按9。"


class Api:
    def __init__(self, base):
        self.base = base

    def request(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def login(self, name):
        status, body = self.request("POST", "/api/v1/auth/login",
                                    {"name": name, "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]

    def wait_call(self, token, call_id, done, timeout):
        deadline = time.time() + timeout
        while True:
            status, call = self.request("GET", "/api/v1/calls/" + call_id, token=token)
            assert status == 200, (status, call)
            if done(call):
                return call
            assert time.time() < deadline, "call stuck: %s" % json.dumps(call, ensure_ascii=False)
            time.sleep(0.25)


def add_user(server, name, role):
    p = subprocess.run([server.binary, "user", "add", name, "--role", role, "--data",
                        server.data], input=PASSWORD + "\n", capture_output=True, text=True,
                       timeout=60, env=server.env)
    assert p.returncode == 0, p.stderr


def first_speech(path, max_gap_s=0.9):
    """Seconds of the first stretch of speech (loud 20 ms frames with gaps under max_gap_s)."""
    w = wave.open(path)
    rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
    data = w.readframes(w.getnframes())
    if channels == 2:
        data = audioop.tomono(data, width, 0.5, 0.5)
    frame = rate // 50 * width
    loud = [i // frame for i in range(0, len(data) - frame, frame)
            if audioop.rms(data[i:i + frame], width) > 300]
    if not loud:
        return 0.0, w.getnframes() / rate
    end = loud[0]
    for f in loud[1:]:
        if (f - end) * 0.02 > max_gap_s:
            break
        end = f
    return (end + 1 - loud[0]) * 0.02, w.getnframes() / rate


def test_confirmed_and_attempt(api, token, server, phone):
    body = {"number": "sip:%s@127.0.0.1:%d" % (NUMBER, phone.sip_port), "text": NOTICE,
            "attempt_id": "notice-e2e-1", "ring_timeout_s": 15}
    status, call = api.request("POST", "/api/v1/calls", body, token)
    assert status == 202, (status, call)
    assert call["state"] == "dialing" and call["attempt_id"] == "notice-e2e-1", call
    assert call["number"] == "sip:138****5678@127.0.0.1:%d" % phone.sip_port, call["number"]
    notice_s = call["notice_ms"] / 1000
    assert notice_s > 3, call
    # Wait for the notice to start, then press 1 1.5 s after it has ended.
    call = api.wait_call(token, call["id"], lambda c: any(
        e["event"] == "notice" for e in c["events"]), 15)
    start_ms = [e for e in call["events"] if e["event"] == "notice"][0]["at_ms"]
    time.sleep(max(0, start_ms / 1000 + notice_s + 1.5 - time.time()))
    phone.command("sndcode", "1")
    call = api.wait_call(token, call["id"], lambda c: c["state"] == "ended", 15)
    events = [e["event"] for e in call["events"]]
    print("confirmed call: %s" % json.dumps(call, ensure_ascii=False))
    assert call["outcome"] == "confirmed", call
    assert call["digits"] == "1" and call["sip_code"] == 200 and call["plays"] == 1, call
    for needed in ("dialing", "answered", "notice", "key", "closing", "hangup"):
        assert needed in events, (needed, events)
    assert events.index("answered") < events.index("key") < events.index("hangup"), events
    hangup = [e for e in call["events"] if e["event"] == "hangup"][0]
    assert hangup["cause"] in ("hangup", "bye"), hangup
    times = [e["at_ms"] for e in call["events"]]
    assert times == sorted(times), times

    # baresip's recording of the call: the notice, a pause, the closing words.
    deadline = time.time() + 8
    recordings = []
    while time.time() < deadline and not recordings:
        recordings = [n for n in os.listdir(phone.rec) if n.endswith("-dec.wav")]
        time.sleep(0.1)
    assert recordings, "baresip recorded nothing:\n" + phone.text()[-2000:]
    time.sleep(0.5)
    speech, total = first_speech(os.path.join(phone.rec, recordings[0]))
    print("notice %.2f s; baresip heard %.2f s of it in a %.2f s recording"
          % (notice_s, speech, total))
    assert abs(speech - notice_s) < max(0.6, 0.15 * notice_s), (speech, notice_s)
    assert total > notice_s + 1, total

    # The same attempt again: the existing call, and nothing dialled.
    status, again = api.request("POST", "/api/v1/calls", body, token)
    assert status == 200, (status, again)
    assert again["id"] == call["id"] and again["outcome"] == "confirmed", again
    time.sleep(2)
    recordings = [n for n in os.listdir(phone.rec) if n.endswith("-dec.wav")]
    assert len(recordings) == 1, recordings
    dialled = re.findall(r"notice\.dialing .*attempt=notice-e2e-1", server.text())
    assert len(dialled) == 1, dialled
    # Every read of the call is in the audit log under its id (issue 9: audited reads).
    p = subprocess.run([server.binary, "audit", "query", "--object", call["id"], "--data",
                        server.data], capture_output=True, text=True, timeout=60, env=server.env)
    assert p.returncode == 0, p.stderr
    actions = [json.loads(line)["action"] for line in p.stdout.splitlines()]
    assert "notice_call.start" in actions and "notice_call.read" in actions, actions
    answered = re.findall(r"call: answering call", phone.text())
    assert len(answered) == 1, "baresip answered %d calls" % len(answered)


def test_busy(api, token, workdir):
    port = free_port()
    sipp = Sipp(reject_scenario(workdir, 486, "Busy Here"), workdir, port)
    status, call = api.request("POST", "/api/v1/calls", {
        "number": "sip:13900001111@127.0.0.1:%d" % port, "text": "您好，这是一条测试通知。",
        "attempt_id": "notice-e2e-busy"}, token)
    assert status == 202, (status, call)
    call = api.wait_call(token, call["id"], lambda c: c["state"] == "ended", 15)
    assert call["outcome"] == "busy" and call["sip_code"] == 486, call
    assert call["digits"] == "" and call["plays"] == 0, call
    sipp.finish()  # SIPp saw the INVITE with X-Campaign-Attempt


def test_access(api, supervisor, agent):
    body = {"number": "13900002222", "text": "测试", "attempt_id": "notice-e2e-denied"}
    status, err = api.request("POST", "/api/v1/calls", body)
    assert status == 401, (status, err)
    status, err = api.request("POST", "/api/v1/calls", body, agent)
    assert status == 403, (status, err)
    status, err = api.request("GET", "/api/v1/calls/0123456789abcdef", token=agent)
    assert status == 403, (status, err)
    status, err = api.request("POST", "/api/v1/calls", dict(body, max_plays=9), supervisor)
    assert status == 400 and "max_plays" in err["error"]["message"], (status, err)
    status, err = api.request("GET", "/api/v1/calls/0123456789abcdef", token=supervisor)
    assert status == 404, (status, err)


def test_privacy(server, number=NUMBER):
    assert number not in server.text(), "the full number is in the server log"
    for root, _, files in os.walk(server.data):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                assert number.encode() not in f.read(), "plaintext number in " + name
    # On PostgreSQL the database is not in the data directory (sip_test imported pg_deployments).
    assert number not in pg.database_text(server.data), "plaintext number in the database"


def main():
    if not BARESIP or not all(os.path.exists(os.path.join(MODULE_DIR, m + ".so"))
                              for m in MODULES):
        print("SKIP: baresip (package baresip-core) with modules %s is not installed"
              % ", ".join(MODULES))
        return 77
    if not SIPP:
        print("SKIP: sipp (package sip-tester) is not installed")
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="zx-notice-") as workdir:
        server = Server(binary, source, workdir)
        phone = None
        try:
            add_user(server, "lead", "supervisor")
            add_user(server, "desk", "agent")
            base = server.wait_for(r"serve\.ready http=(http://[\d.]+:\d+)", 5).group(1)
            api = Api(base)
            supervisor, agent = api.login("lead"), api.login("desk")
            phone = Baresip(workdir, user=NUMBER)
            t0 = time.time()
            test_confirmed_and_attempt(api, supervisor, server, phone)
            print("PASS confirmed + same attempt (%.1f s)" % (time.time() - t0))
            test_busy(api, supervisor, workdir)
            print("PASS busy")
            test_access(api, supervisor, agent)
            print("PASS access")
            test_privacy(server)
            print("PASS privacy")
        except Exception as e:
            print("FAIL: %s" % e)
            if phone:
                print("---- baresip log (tail) ----\n" + phone.text()[-3000:])
            print("---- server log (tail) ----\n" + server.text()[-4000:])
            return 1
        finally:
            if phone:
                phone.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
