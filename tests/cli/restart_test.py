"""A restart in the default set-up loses nothing (issue 11, item 4).

Usage: restart_test.py BINARY SOURCE_DIR. Each test has its own data directory and its own
XDG_CONFIG_HOME, so the default key file (security.key_file = "auto") lands in a temporary
directory, never in the real home. The server runs on 127.0.0.1:0 without SIP.

- The first `serve` makes the key file at $XDG_CONFIG_HOME/zhixian/keys (0600, directory 0700,
  outside the data directory) and says where; the next start uses it.
- A citizen's open conversation and a queued hand-over survive a restart and carry on (the
  citizen keeps chatting, an agent takes the queued one and answers): 0 lost, 0 answered 500.
- A conversation sealed under a key the server no longer holds (written by a run without a key
  file) answers 410 key_missing to citizens and staff, and stays listed in the queue as such.
- The key file: refused when others may read it or when it lies inside the data directory.
- /metrics counts turns by channel (api, websocket).

Under tests/with_postgres.py each deployment has a schema of its own (tests/pg_deployments.py),
kept across its restarts.
"""
import base64
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # importing must not litter the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pg_deployments as pg  # noqa: E402  (each deployment's own database)

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/zhixian")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
KB = os.path.join(SOURCE, "kb")
PASSWORD = "correct horse battery staple"


class Deployment:
    """A data directory, a config file and a private XDG_CONFIG_HOME (the key file's home)."""

    def __init__(self, config_text=""):
        self.root = tempfile.mkdtemp(prefix="zx-restart-")
        self.data = os.path.join(self.root, "data")
        self.xdg = os.path.join(self.root, "xdg")
        self.key_file = os.path.join(self.xdg, "zhixian", "keys")
        self.config = os.path.join(self.root, "zhixian.toml")
        self.write_config(config_text)
        self.env = dict(os.environ, XDG_CONFIG_HOME=self.xdg, ZHIXIAN_SERVER_SIP="off",
                        **pg.database_env(self.data))
        self.env.pop("ZHIXIAN_SECURITY_KEY_FILE", None)
        self.server = None
        self.statuses = []  # every HTTP status the test saw

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write("[security]\nrate_limit_per_minute = 100000\n" + text)

    def cli(self, *args, stdin=""):
        return subprocess.run([BINARY] + list(args) + ["--data", self.data, "--config",
                                                       self.config, "--kb", KB],
                              input=stdin.encode(), capture_output=True, timeout=120,
                              env=self.env)

    def start(self, expect_ready=True):
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--http", "127.0.0.1:0", "--data", self.data, "--kb", KB,
             "--config", self.config], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
            env=self.env)
        self.log = b""
        deadline = time.time() + 90
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            self.log += line
            m = re.search(rb"serve\.ready http=http://([\d.]+):(\d+)", line)
            if m:
                self.base = "http://%s:%s" % (m.group(1).decode(), m.group(2).decode())
                return True
        if expect_ready:
            self.proc.kill()
            raise AssertionError("server did not start:\n" + self.log.decode())
        self.proc.wait(timeout=30)
        self.log += self.proc.stderr.read()
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc.stderr.close()

    def request(self, method, path, body=None, token=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        self.statuses.append((status, method, path))
        try:
            return status, json.loads(raw) if raw else {}
        except ValueError:
            return status, raw.decode()

    def login(self, name):
        status, body = self.request("POST", "/api/v1/auth/login",
                                    {"name": name, "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]

    def add_user(self, name, role):
        r = self.cli("user", "add", name, "--role", role, stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr.decode()

    # A citizen's conversation over the REST API.
    def start_chat(self):
        status, view = self.request("POST", "/api/v1/conversations", {})
        assert status == 201, (status, view)
        return view["id"], {"X-Conversation-Token": view["token"]}

    def say(self, conv, text):
        cid, auth = conv
        return self.request("POST", f"/api/v1/conversations/{cid}/messages", {"text": text},
                            headers=auth)

    def view(self, conv):
        cid, auth = conv
        return self.request("GET", f"/api/v1/conversations/{cid}", headers=auth)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class WebSocket:
    """A minimal RFC 6455 client (text frames, client masking)."""

    def __init__(self, base, path):
        host, port = base.replace("http://", "").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError("handshake refused")
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                  bytes([0x80 | 126]) + struct.pack(">H", n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        return json.loads(self._read(n).decode())

    def until(self, kind):
        for _ in range(50):
            frame = self.recv()
            if frame.get("type") == kind:
                return frame
        raise AssertionError("no %s frame" % kind)

    def close(self):
        self.sock.close()


def metric(text, name, labels):
    m = re.search(re.escape(name + "{" + labels + "}") + r" (\d+)", text)
    return int(m.group(1)) if m else 0


class Restart(unittest.TestCase):
    def setUp(self):
        self.dep = Deployment()

    def tearDown(self):
        if getattr(self.dep, "proc", None) and self.dep.proc.poll() is None:
            self.dep.stop()
        self.dep.cleanup()

    def assertNo500(self):
        bad = [s for s in self.dep.statuses if s[0] >= 500]
        self.assertEqual(bad, [], "requests answered 5xx")

    def test_first_start_makes_the_key_file_outside_the_data_directory(self):
        dep = self.dep
        self.assertFalse(os.path.exists(dep.key_file))
        dep.start()
        dep.stop()
        self.assertTrue(os.path.isfile(dep.key_file))
        self.assertEqual(stat.S_IMODE(os.stat(dep.key_file).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(dep.key_file)).st_mode), 0o700)
        self.assertFalse(os.path.abspath(dep.key_file).startswith(os.path.abspath(dep.data)))
        self.assertIn(b"security.key_file_created path=" + dep.key_file.encode(), dep.log)
        before = open(dep.key_file).read()
        dep.start()
        dep.stop()
        self.assertEqual(open(dep.key_file).read(), before, "the second start replaced the key")
        self.assertNotIn(b"key_file_created", dep.log)
        self.assertIn(b"security.keys key_file=" + dep.key_file.encode(), dep.log)

    def test_conversation_and_queue_survive_a_restart(self):
        dep = self.dep
        dep.start()
        dep.add_user("agent1", "agent")
        dep.add_user("boss", "supervisor")
        # A citizen mid-conversation, another one waiting for an agent.
        open_chat = dep.start_chat()
        status, reply = dep.say(open_chat, "社保卡丢了怎么办")
        self.assertEqual(status, 200, reply)
        queued = dep.start_chat()
        status, reply = dep.say(queued, "我要转人工")
        self.assertEqual(status, 200, reply)
        self.assertEqual(reply["state"], "queued")
        token = dep.login("agent1")
        status, queue = dep.request("GET", "/api/v1/agent/queue", token=token)
        self.assertEqual(status, 200)
        self.assertIn(queued[0], [q["id"] for q in queue["queue"]])
        status, before = dep.view(open_chat)
        self.assertEqual(status, 200)

        dep.stop()
        dep.start()

        # The open chat: all of it readable, and it goes on where it was.
        status, after = dep.view(open_chat)
        self.assertEqual(status, 200, after)
        self.assertEqual([t["text"] for t in after["turns"]], [t["text"] for t in before["turns"]])
        self.assertEqual(after["topic"], before["topic"])
        status, reply = dep.say(open_chat, "补办要多久")
        self.assertEqual(status, 200, reply)
        self.assertTrue(reply["reply"])
        # The queue: still waiting, readable, and an agent takes it and answers.
        token = dep.login("agent1")
        status, queue = dep.request("GET", "/api/v1/agent/queue", token=token)
        self.assertEqual(status, 200)
        items = {q["id"]: q for q in queue["queue"]}
        self.assertIn(queued[0], items)
        self.assertFalse(items[queued[0]]["key_missing"])
        self.assertTrue(items[queued[0]]["reason"])
        status, view = dep.request("POST", f"/api/v1/agent/conversations/{queued[0]}/take",
                                   token=token)
        self.assertEqual(status, 200, view)
        status, _ = dep.request("POST", f"/api/v1/agent/conversations/{queued[0]}/messages",
                                {"text": "您好，我是人工客服"}, token=token)
        self.assertEqual(status, 204)
        status, view = dep.view(queued)
        self.assertEqual(status, 200)
        self.assertEqual(view["state"], "agent")
        self.assertIn("您好，我是人工客服", [t["text"] for t in view["turns"]])
        status, reply = dep.say(queued, "好的，谢谢")
        self.assertEqual(status, 200, reply)
        self.assertNo500()

    def test_turns_are_counted_by_channel(self):
        dep = self.dep
        dep.start()
        dep.add_user("boss", "supervisor")
        chat = dep.start_chat()
        for text in ("社保卡丢了怎么办", "补办要多久"):
            self.assertEqual(dep.say(chat, text)[0], 200)
        ws = WebSocket(dep.base, "/api/v1/conversations/ws")
        ws.send({"type": "start"})
        ws.until("started")
        ws.send({"type": "message", "text": "公积金可以付房租吗"})
        ws.until("reply")
        ws.close()
        token = dep.login("boss")
        status, text = dep.request("GET", "/metrics", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(metric(text, "zhixian_turns_total", 'channel="api"'), 2, text)
        self.assertEqual(metric(text, "zhixian_turns_total", 'channel="websocket"'), 1)
        self.assertEqual(metric(text, "zhixian_turns_total", 'channel="voice"'), 0)  # no calls
        self.assertNo500()

    def test_a_conversation_sealed_under_a_lost_key_says_so(self):
        dep = self.dep
        # The old default: no key file, so sealed under a key held only in memory.
        dep.write_config('key_file = ""\n')
        dep.start()
        self.assertIn(b"security.no_key_file", dep.log)
        lost = dep.start_chat()
        self.assertEqual(dep.say(lost, "社保卡丢了怎么办")[0], 200)
        waiting = dep.start_chat()
        self.assertEqual(dep.say(waiting, "我要转人工")[0], 200)
        dep.stop()
        # Now the default (auto): a key file is made, but it is not the key they were sealed with.
        dep.write_config("")
        dep.start()
        dep.add_user("agent1", "agent")
        token = dep.login("agent1")
        status, body = dep.view(lost)
        self.assertEqual(status, 410, body)
        self.assertEqual(body["error"]["code"], "key_missing")
        self.assertIn("key", body["error"]["message"])
        status, body = dep.say(lost, "还在吗")
        self.assertEqual((status, body["error"]["code"]), (410, "key_missing"))
        status, body = dep.request("GET", f"/api/v1/agent/conversations/{lost[0]}", token=token)
        self.assertEqual((status, body["error"]["code"]), (410, "key_missing"))
        status, queue = dep.request("GET", "/api/v1/agent/queue", token=token)
        self.assertEqual(status, 200)
        items = {q["id"]: q for q in queue["queue"]}
        self.assertIn(waiting[0], items, "the waiting conversation vanished from the queue")
        self.assertTrue(items[waiting[0]]["key_missing"])
        status, body = dep.request("POST", f"/api/v1/agent/conversations/{waiting[0]}/take",
                                   token=token)
        self.assertEqual((status, body["error"]["code"]), (410, "key_missing"))
        # New conversations work as ever.
        fresh = dep.start_chat()
        self.assertEqual(dep.say(fresh, "社保卡丢了怎么办")[0], 200)
        self.assertNo500()
        self.assertEqual(dep.proc.poll(), None, "the server stopped")


class KeyFileSecurity(unittest.TestCase):
    def setUp(self):
        self.dep = Deployment()

    def tearDown(self):
        if getattr(self.dep, "proc", None) and self.dep.proc.poll() is None:
            self.dep.stop()
        self.dep.cleanup()

    def test_a_key_file_others_may_read_is_refused(self):
        dep = self.dep
        dep.start()
        dep.stop()
        os.chmod(dep.key_file, 0o644)
        self.assertFalse(dep.start(expect_ready=False))
        self.assertNotEqual(dep.proc.returncode, 0)
        self.assertIn(b"security.key_file", dep.log)

    def test_a_key_file_inside_the_data_directory_is_refused(self):
        dep = self.dep
        os.makedirs(dep.data, mode=0o700)
        dep.env["XDG_CONFIG_HOME"] = dep.data
        self.assertFalse(dep.start(expect_ready=False))
        self.assertNotEqual(dep.proc.returncode, 0)
        self.assertIn(b"security.key_file", dep.log)
        self.assertFalse(os.path.exists(os.path.join(dep.data, "zhixian", "keys")))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
