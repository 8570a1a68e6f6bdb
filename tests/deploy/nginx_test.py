#!/usr/bin/env python3
"""README's nginx example (TLS in front of zhixian), run as written, on loopback:

  docs        the ```nginx block of README.md is deploy/nginx/zhixian.conf, character for
              character; only ports, certificate paths and the upstream port are changed to run
              it (a self-signed certificate for its server_name, made by openssl here)
  https       nginx -t accepts it; through https: /healthz 200 with HSTS; the chat page /chat/
              (with its Content-Security-Policy); plain http is redirected (301) to https;
              /metrics is refused to an address outside 10.0.0.0/8 (403 from nginx); a body
              over client_max_body_size is refused (413)
  cookie      the staff login through the proxy sets the session cookie with Secure (added by
              proxy_cookie_flags; zhixian itself, on plain HTTP, does not)
  websocket   the chat over the WebSocket through the proxy, as a browser sends it (Origin and
              Host of the public name): started, a reply; a foreign Origin is refused; the citizen
              asks for a person, an agent takes the conversation over https and types: the
              agent's message reaches the citizen's WebSocket at once (no buffering in the way)
  forwarded   zhixian does not read X-Forwarded-For: the audit log records the proxy's address
              (127.0.0.1) for a login, not the client's (README says so)

nginx runs unprivileged-style: its own prefix, pid, logs and temp paths in the test's directory
(as root, its workers stay root so they can use that directory). Usage: nginx_test.py
ZHIXIAN_BINARY SOURCE_DIR. Exit 77 (skip) without nginx.
"""
import base64
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from kamailio import free_port  # noqa: E402
from zhixian_node import PASSWORD, Node  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
NAME = "hotline.example.gov.cn"
CLIENT = "203.0.113.7"  # what a client (or another proxy) claims in X-Forwarded-For


def readme_block(source):
    text = open(os.path.join(source, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"^```nginx\n(.*?)^```$", text, re.S | re.M)
    assert len(blocks) == 1, "README.md should have one ```nginx block, has %d" % len(blocks)
    return blocks[0]


def substitute(conf, https_port, http_port, upstream_port, cert, key):
    """Only what a test on loopback must change: ports, certificate paths, the upstream."""
    for old, new in (("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port),
                     ("listen 80;", "listen 127.0.0.1:%d;" % http_port),
                     ("/etc/ssl/hotline/fullchain.pem", cert),
                     ("/etc/ssl/hotline/privkey.pem", key),
                     ("127.0.0.1:8080", "127.0.0.1:%d" % upstream_port)):
        assert old in conf, "the README's nginx block has no %r" % old
        conf = conf.replace(old, new)
    return conf


class Nginx:
    def __init__(self, workdir, site_conf):
        self.workdir = workdir
        for d in ("logs", "tmp"):
            os.makedirs(os.path.join(workdir, d), exist_ok=True)
        site = os.path.join(workdir, "zhixian.conf")
        with open(site, "w") as f:
            f.write(site_conf)
        tmp = os.path.join(workdir, "tmp")
        user = "user %s;\n" % pwd.getpwuid(0).pw_name if os.geteuid() == 0 else ""
        self.conf = os.path.join(workdir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(user + "worker_processes 1;\nevents { worker_connections 256; }\nhttp {\n"
                    "    access_log %s/logs/access.log;\n" % workdir +
                    "".join("    %s_temp_path %s/%s;\n" % (t, tmp, t)
                            for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) +
                    "    include %s;\n}\n" % site)
        self.args = [NGINX, "-e", "stderr", "-p", workdir, "-c", self.conf, "-g",
                     "daemon off; pid %s/nginx.pid; error_log stderr;" % workdir]

    def check(self):
        p = subprocess.run(self.args + ["-t"], capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, "nginx -t:\n" + p.stderr
        return p.stderr

    def start(self, port):
        self.err = open(os.path.join(self.workdir, "nginx.stderr"), "w+")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while time.time() < deadline:
            assert self.proc.poll() is None, "nginx exited:\n" + self.log()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("nginx did not listen on %d:\n%s" % (port, self.log()))

    def log(self):
        with open(os.path.join(self.workdir, "nginx.stderr")) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.err.close()


class Https:
    """Requests to nginx as a browser on the public name makes them (verified TLS, Host)."""

    def __init__(self, port, cafile):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.host = "%s:%d" % (NAME, port)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=20)
        try:
            h = {"Host": self.host}
            data = None
            if body is not None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            h.update(headers or {})
            conn.request(method, path, data, h)
            r = conn.getresponse()
            return r.status, r.read(), r.headers
        finally:
            conn.close()

    def json(self, method, path, body=None, token=None, headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        status, raw, _ = self.request(method, path, body, h)
        return status, (json.loads(raw) if raw else None)


class WebSocket:
    """RFC 6455 over TLS through nginx, with the Origin and Host a browser on the page sends."""

    def __init__(self, https, path, origin):
        raw = socket.create_connection(("127.0.0.1", https.port), timeout=20)
        self.sock = https.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {https.host}\r\nOrigin: {origin}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("closed during the handshake")
            head += chunk
        self.status = int(head.split(b" ", 2)[1])
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

    def recv(self, timeout=20):
        self.sock.settimeout(timeout)
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if b0 & 0x0F == 0x1:
                return json.loads(payload)
            if b0 & 0x0F == 0x8:
                raise RuntimeError("closed by the server")

    def recv_until(self, pred, timeout=20):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            frame = self.recv(max(0.1, deadline - time.time()))
            seen.append(frame)
            if pred(frame):
                return frame, seen
        raise AssertionError("no such frame; got %s" % json.dumps(seen, ensure_ascii=False))

    def close(self):
        self.sock.close()


def make_cert(workdir):
    cert, key = os.path.join(workdir, "fullchain.pem"), os.path.join(workdir, "privkey.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + NAME, "-addext",
                    "subjectAltName=DNS:%s,IP:127.0.0.1" % NAME, "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https(web, node, http_port):
    status, body, headers = web.request("GET", "/healthz")
    assert status == 200, (status, body)
    assert headers.get("Strict-Transport-Security") == "max-age=31536000", dict(headers)
    status, body, headers = web.request("GET", "/chat/")
    assert status == 200 and b"<html" in body.lower(), (status, body[:200])
    assert "default-src 'self'" in headers.get("Content-Security-Policy", ""), dict(headers)
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/healthz", headers={"Host": NAME})
    r = conn.getresponse()
    assert r.status == 301 and r.getheader("Location") == "https://%s/healthz" % NAME, \
        (r.status, r.getheader("Location"))
    conn.close()
    status, _, _ = web.request("GET", "/metrics")
    assert status == 403, "/metrics through the proxy from 127.0.0.1: %d" % status
    status, _, _ = web.request("POST", "/api/v1/conversations", b"x" * (2 << 20))
    assert status == 413, status
    print("PASS https: /healthz, /chat/, http->https, /metrics refused, 413")


def test_cookie(web, node):
    status, body, headers = web.request("POST", "/api/v1/auth/login",
                                        {"name": "desk", "password": PASSWORD},
                                        {"X-Forwarded-For": CLIENT})
    assert status == 200, (status, body)
    cookie = headers.get("Set-Cookie", "")
    shown = re.sub(r"=[^;]+", "=…", cookie, count=1)  # never the session token in the output
    assert cookie.startswith("zx_session=") and re.search(r";\s*Secure\b", cookie, re.I), shown
    assert "HttpOnly" in cookie, shown
    # Directly, on plain HTTP, zhixian does not mark it Secure: the proxy does.
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=20)
    conn.request("POST", "/api/v1/auth/login",
                 json.dumps({"name": "desk", "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    assert r.status == 200 and "secure" not in r.getheader("Set-Cookie", "").lower()
    conn.close()
    print("PASS cookie: %s" % shown)
    return json.loads(body)["token"]


def test_websocket(web, agent_token):
    origin = "https://" + web.host
    foreign = WebSocket(web, "/api/v1/conversations/ws", "https://evil.example.com")
    assert foreign.status == 403, foreign.status
    foreign.close()
    ws = WebSocket(web, "/api/v1/conversations/ws", origin)
    assert ws.status == 101, "handshake through nginx: %d" % ws.status
    try:
        ws.send({"type": "start"})
        started = ws.recv()
        assert started["type"] == "started", started
        cid = started["conversation"]["id"]
        ws.send({"type": "message", "text": "社保卡丢了怎么补办"})
        reply, _ = ws.recv_until(lambda f: f["type"] == "reply")
        assert "社保卡" in json.dumps(reply, ensure_ascii=False), reply
        ws.send({"type": "message", "text": "我要转人工"})
        ws.recv_until(lambda f: "queued" in json.dumps(f))
        status, body = web.json("POST", "/api/v1/agent/conversations/%s/take" % cid,
                                token=agent_token)
        assert status == 200, (status, body)
        words = "您好，我是人工客服，请问您的社保卡是哪里办的？"
        t0 = time.time()
        status, body = web.json("POST", "/api/v1/agent/conversations/%s/messages" % cid,
                                {"text": words}, token=agent_token)
        assert status == 204, (status, body)
        frame, _ = ws.recv_until(lambda f: words in json.dumps(f, ensure_ascii=False), 10)
        print("PASS websocket: chat through nginx; the agent's message arrived in %.2f s (%s)"
              % (time.time() - t0, frame["type"]))
    finally:
        ws.close()


def test_forwarded(node):
    code, out, err = node.cli("audit", "query", "--action", "auth.login")
    assert code == 0, err
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert entries, out
    text = json.dumps(entries)
    assert CLIENT not in text, "zhixian recorded X-Forwarded-For: %s" % text
    assert "127.0.0.1" in text, text
    logged = re.findall(r"\blogin user_id=\S+ role=\S+ remote=(\S+)", node.text())
    assert logged and all(r == "127.0.0.1" for r in logged), logged
    assert CLIENT not in node.text()
    print("PASS forwarded: the audit log and the server log have the proxy's address, "
          "not X-Forwarded-For")


def main():
    if not NGINX:
        print("SKIP: nginx is not installed (scripts/install-deps.sh --test installs nginx-light)")
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    block = readme_block(source)
    with open(os.path.join(source, "deploy", "nginx", "zhixian.conf"), encoding="utf-8") as f:
        assert block == f.read(), "README.md's nginx block differs from deploy/nginx/zhixian.conf"
    print("PASS docs: README's nginx block is deploy/nginx/zhixian.conf")
    with tempfile.TemporaryDirectory(prefix="zx-nginx-") as workdir:
        node = Node(binary, source, os.path.join(workdir, "zhixian"), sip="off",
                    config="[security]\nrate_limit_per_minute = 100000\n")
        nginx = None
        try:
            node.add_user("desk", "agent")
            https_port, http_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
            cert, key = make_cert(workdir)
            nginx = Nginx(os.path.join(workdir, "nginx"),
                          substitute(block, https_port, http_port, node.http_port, cert, key))
            nginx.check()
            nginx.start(https_port)
            web = Https(https_port, cert)
            test_https(web, node, http_port)
            token = test_cookie(web, node)
            test_websocket(web, token)
            test_forwarded(node)
        except Exception as e:  # noqa: BLE001
            print("FAIL: %s" % e)
            if nginx:
                print("---- nginx log ----\n" + nginx.log()[-3000:])
            print("---- server log (tail) ----\n" + node.text()[-3000:])
            return 1
        finally:
            if nginx:
                nginx.stop()
            node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
