#!/usr/bin/env python3
"""deploy/haproxy/zhixian.cfg, run on loopback in front of two `zhixian serve` nodes on one
PostgreSQL schema (one key file), as a cluster's HTTP side runs it (docs/deployment.md):

  config     `haproxy -c` accepts it without a warning; only the bind and server addresses, the
             certificate, the stats socket and the log target are changed (and, unless root,
             chroot/user/group dropped). The third `server` points where nothing listens: the
             checks keep it DOWN, node1 and node2 come UP (read from the stats socket)
  front      over HTTPS (a self-signed certificate made by openssl, verified): /healthz 200 with
             HSTS; ALPN h2 offered; plain http redirected (301) with the Host and path; /metrics
             refused (403, with HSTS) outside 10.0.0.0/8; a body over 1 MiB refused (413) but a
             2 MiB document upload let through (zhixian answers 401); the staff login's cookie
             gets Secure once; a WebSocket with a foreign Origin refused by zhixian (403) over
             HTTP/1.1 and HTTP/2: HAProxy keeps the Host
  balance    20 requests one after the other reach both nodes (leastconn, ties round-robin), each
             told apart by its X-Request-Id in the nodes' logs (log level debug)
  websocket  a citizen's chat over the WebSocket (RFC 6455 over TLS, frames made here): started,
             the calculator's first turn answered on its node, A; while it is open, requests go
             to B (leastconn counts it); a second chat, opened over HTTP/2 as a browser does
             (RFC 8441 extended CONNECT, which HAProxy offers), goes to B and is answered
  drain      `zhixian drain --data A` while clients send GETs (two keep-alive connections) and
             POSTs (new conversations) all along: HAProxy marks A DOWN within 3 s (before A
             stops), every request sent after that is answered by B, no client sees a 5xx or a
             failed connection (HAProxy's retries, if any, counted from its log); A's chat stays
             up while A drains (a ping answered) until A stops and closes it (1001); the chat on
             B goes on; `zhixian drain` and A exit 0, after 3 to 10 s
  continue   the page reconnects through HAProxy (to B) and resumes the same conversation id with
             its token: B answers the next turn from the dialogue's state in the database (14600)
  rejoin     A started again (same data directory and port) is UP in HAProxy within 5 s of its
             serve.ready; with the chats open on B the next requests go to A; the chat goes on
             (13720); with no chat open requests reach both again
  crash      A killed (SIGKILL) under the same load: DOWN within 3 s; the GETs and the POSTs sent
             after the kill all succeed (HAProxy tries them again on B: `retry-on`, `option
             redispatch`); only a POST that was on A when it died may fail (it is not retried)

Prints what it measured: requests per node, the time from `zhixian drain` (and from the kill)
to HAProxy's DOWN, the requests A still answered while draining, the failures clients saw, the
requests HAProxy retried, A's time back to UP.

Usage: haproxy_test.py ZHIXIAN_BINARY SOURCE_DIR. Needs haproxy, openssl, psql and
ZX_TEST_POSTGRES_URL (scripts/test.sh starts a throw-away cluster, scripts/pg_test_cluster.sh);
exit 77 (skip) without any of them.
"""
import base64
import csv
import http.client
import io
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
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from zhixian_node import PASSWORD, PG_URL, Node, fresh_schema, free_port  # noqa: E402

HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
OPENSSL = shutil.which("openssl")
NAME = "hotline.example.gov.cn"
CERT = "/etc/haproxy/certs/hotline.example.gov.cn.pem"
WS_PATH = "/api/v1/conversations/ws"
DOWN_WITHIN = 3.0   # s from `zhixian drain` to HAProxy's DOWN: before the node stops (>= 3 s)
UP_WITHIN = 5.0     # s from the node's serve.ready to HAProxy's UP (two checks 0.5-1 s apart)


def substitute(cfg, https_port, http_port, cert, sock, servers):
    """Only what a run on loopback must change; each must be in the file as written."""
    repl = [("bind :443 ssl crt " + CERT, "bind 127.0.0.1:%d ssl crt %s" % (https_port, cert)),
            ("bind :80\n", "bind 127.0.0.1:%d\n" % http_port),
            ("stats socket /run/haproxy/admin.sock", "stats socket " + sock),
            ("log /dev/log local0", "log stdout format raw local0")]
    repl += [("server %s %s\n" % (name, old), "server %s 127.0.0.1:%d\n" % (name, port))
             for name, old, port in servers]
    try:
        as_written = os.geteuid() == 0 and pwd.getpwnam("haproxy") and \
            os.path.isdir("/var/lib/haproxy")
    except KeyError:
        as_written = False
    if not as_written:  # an unprivileged run can neither chroot nor change its user
        repl += [("    %s\n" % line, "") for line in
                 ("chroot /var/lib/haproxy", "user haproxy", "group haproxy")]
    for old, new in repl:
        assert cfg.count(old) == 1, "deploy/haproxy/zhixian.cfg has no single %r" % old
        cfg = cfg.replace(old, new)
    return cfg, as_written


class HAProxy:
    def __init__(self, workdir, cfg):
        self.workdir = workdir
        self.cfg = os.path.join(workdir, "haproxy.cfg")
        self.sock = os.path.join(workdir, "admin.sock")
        with open(self.cfg, "w", encoding="utf-8") as f:
            f.write(cfg)
        self.proc = None
        self.out = None

    def check(self):
        p = subprocess.run([HAPROXY, "-c", "-f", self.cfg], capture_output=True, text=True,
                           timeout=30)
        text = p.stdout + p.stderr
        assert p.returncode == 0, "haproxy -c refused the configuration:\n" + text
        assert "[WARNING]" not in text and "[ALERT]" not in text, "haproxy -c warned:\n" + text
        return text.strip()

    def start(self, port):
        self.out = open(os.path.join(self.workdir, "haproxy.log"), "w+", encoding="utf-8")
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.cfg], stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     cwd=self.workdir)
        deadline = time.time() + 15
        while time.time() < deadline:
            assert self.proc.poll() is None, "haproxy exited:\n" + self.log()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("haproxy did not listen on %d:\n%s" % (port, self.log()))

    def log(self):
        with open(os.path.join(self.workdir, "haproxy.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def states(self):
        """{server: status} of backend zhixian from the stats socket ("UP", "DOWN 1/2", ...)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(self.sock)
            s.sendall(b"show stat\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        text = data.decode("utf-8", "replace").lstrip("# ")
        return {row["svname"]: row["status"] for row in csv.DictReader(io.StringIO(text))
                if row.get("pxname") == "zhixian" and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_state(self, want, timeout, poll=0.05):
        """Waits until every server in `want` has its status; the time it was first seen."""
        deadline = time.time() + timeout
        seen = {}
        while time.time() < deadline:
            assert self.proc.poll() is None, "haproxy exited:\n" + self.log()[-3000:]
            seen = self.states()
            if all(seen.get(k) == v for k, v in want.items()):
                return time.time()
            time.sleep(poll)
        raise AssertionError("HAProxy did not get to %s within %.1f s; it has %s\n%s"
                             % (want, timeout, seen, self.log()[-2000:]))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.out:
            self.out.close()


class Https:
    """Requests to HAProxy as a browser on the public name makes them (verified TLS, Host)."""

    def __init__(self, port, cafile):
        self.port = port
        self.cafile = cafile
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.host = "%s:%d" % (NAME, port)
        self.seq = 0
        self.lock = threading.Lock()

    def rid(self, tag):
        with self.lock:
            self.seq += 1
            return "hap-%s-%d" % (tag, self.seq)

    def connection(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=20)

    def request(self, method, path, body=None, headers=None, rid=None, conn=None):
        """(status, body bytes, headers); X-Request-Id `rid` when given."""
        own = conn is None
        conn = conn or self.connection()
        try:
            h = {"Host": self.host}
            if rid:
                h["X-Request-Id"] = rid
            data = None
            if body is not None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            h.update(headers or {})
            conn.request(method, path, data, h)
            r = conn.getresponse()
            return r.status, r.read(), r.headers
        finally:
            if own:
                conn.close()


class Closed(Exception):
    pass


class WebSocket:
    """RFC 6455 over TLS through HAProxy, with the Origin and Host a browser on the page sends:
    an HTTP/1.1 Upgrade (H2WebSocket: the same over HTTP/2)."""

    def __init__(self, web, origin):
        # The node logs the chat under the handshake's X-Request-Id (its own ids are hex, and
        # the log masks any run of 7 digits in them).
        self.rid = web.rid("ws")
        self.buf = b""
        self.close_code = None
        raw = socket.create_connection(("127.0.0.1", web.port), timeout=20)
        self.sock = web.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {WS_PATH} HTTP/1.1\r\nHost: {web.host}\r\nOrigin: {origin}\r\n"
                           f"X-Request-Id: {self.rid}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("closed during the handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ", 2)[1])

    # The transport: bytes of the WebSocket stream out and in.
    def _send_bytes(self, data):
        self.sock.sendall(data)

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed("connection closed without a close frame")
        return chunk

    def _frame(self, opcode, data):
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else
                                           bytes([0x80 | 126]) + struct.pack(">H", n))
        self._send_bytes(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def send(self, obj):
        self._frame(0x1, json.dumps(obj).encode())

    def _read(self, n):
        while len(self.buf) < n:
            self.buf += self._more()
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
            op = b0 & 0x0F
            if op == 0x1:
                return json.loads(payload)
            if op == 0x8:
                self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 \
                    else None
                try:  # as a browser does: the close answered at once
                    self._frame(0x8, payload[:2])
                except OSError:
                    pass
                raise Closed("closed by the server (%s)" % self.close_code)
            if op == 0x9:
                self._frame(0xA, payload)  # pong

    def recv_until(self, pred, timeout=20):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            frame = self.recv(max(0.1, deadline - time.time()))
            seen.append(frame)
            if pred(frame):
                return frame
        raise AssertionError("no such frame; got %s" % json.dumps(seen, ensure_ascii=False))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hpack_int(value, prefix, first=0):
    limit = (1 << prefix) - 1
    if value < limit:
        return bytes([first | value])
    out, value = [first | limit], value - limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    return bytes(out + [value])


class H2WebSocket(WebSocket):
    """The chat's WebSocket as a browser opens it when the server offers HTTP/2 and RFC 8441
    (SETTINGS_ENABLE_CONNECT_PROTOCOL): an extended CONNECT on stream 1, the WebSocket frames
    in its DATA frames. Header blocks are sent as HPACK literals; of the answer only :status
    is read (HAProxy sends it as an indexed or a plain literal field)."""

    def __init__(self, web, origin):
        self.rid = web.rid("h2ws")
        self.buf = b""
        self.close_code = None
        self.raw = b""  # HTTP/2 bytes not yet parsed
        ctx = ssl.create_default_context(cafile=web.cafile)
        ctx.set_alpn_protocols(["h2"])
        self.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", web.port), timeout=20),
                                    server_hostname="127.0.0.1")
        assert self.sock.selected_alpn_protocol() == "h2", self.sock.selected_alpn_protocol()
        self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + self._h2(0x4, 0, 0, b""))
        fields = [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"),
                  (":path", WS_PATH), (":authority", web.host), ("origin", origin),
                  ("sec-websocket-version", "13"), ("x-request-id", self.rid)]
        block = b"".join(b"\x00" + hpack_int(len(n), 7) + n.encode() + hpack_int(len(v), 7) +
                         v.encode() for n, v in fields)
        self.settings = {}
        self.status = None
        while self.status is None:  # the server's SETTINGS first: is extended CONNECT offered?
            kind, flags, stream, payload = self._next_frame()
            if kind == 0x4 and not flags & 0x1:
                self.settings.update(struct.unpack(">HI", payload[i:i + 6])
                                     for i in range(0, len(payload), 6))
                self.sock.sendall(self._h2(0x4, 0x1, 0, b"") +
                                  self._h2(0x1, 0x4, 1, block))  # END_HEADERS
            elif kind == 0x1 and stream == 1:
                self.status = self._status(payload, flags)

    @staticmethod
    def _h2(kind, flags, stream, payload):
        return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
            struct.pack(">I", stream) + payload

    def _next_frame(self):
        while True:
            if len(self.raw) >= 9:
                n = struct.unpack(">I", b"\0" + self.raw[:3])[0]
                if len(self.raw) >= 9 + n:
                    kind, flags = self.raw[3], self.raw[4]
                    stream = struct.unpack(">I", self.raw[5:9])[0] & 0x7FFFFFFF
                    payload, self.raw = self.raw[9:9 + n], self.raw[9 + n:]
                    if kind == 0x7:
                        raise Closed("GOAWAY %s" % payload[4:8].hex())
                    if kind == 0x3 and stream == 1:
                        raise Closed("RST_STREAM %s" % payload.hex())
                    if kind == 0x6 and not flags & 0x1:
                        self.sock.sendall(self._h2(0x6, 0x1, 0, payload))  # PING ACK
                    return kind, flags, stream, payload
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed("connection closed")
            self.raw += chunk

    @staticmethod
    def _status(block, flags):
        if flags & 0x8:  # PADDED
            block = block[1:len(block) - block[0]]
        if flags & 0x20:  # PRIORITY
            block = block[5:]
        statuses = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}
        if block[0] & 0x80:
            return statuses.get(block[0] & 0x7F)
        # A literal whose name is index 8 (:status), with or without indexing.
        prefix = 6 if block[0] & 0x40 else 4
        assert block[0] & ((1 << prefix) - 1) == 8, "the answer does not start with :status"
        assert not block[1] & 0x80, "a Huffman-coded :status"
        return int(block[2:2 + block[1]])

    def _send_bytes(self, data):
        self.sock.sendall(self._h2(0x0, 0, 1, data))

    def _more(self):
        while True:
            kind, flags, stream, payload = self._next_frame()
            if kind == 0x0 and stream == 1:
                if payload:  # give the window back, as a browser does
                    inc = struct.pack(">I", len(payload))
                    self.sock.sendall(self._h2(0x8, 0, 0, inc) + self._h2(0x8, 0, 1, inc))
                if flags & 0x1 and not payload:
                    raise Closed("stream ended without a close frame")
                return payload


def make_cert(workdir):
    """A self-signed certificate for the public name and 127.0.0.1; HAProxy's PEM holds both."""
    cert, key = os.path.join(workdir, "fullchain.pem"), os.path.join(workdir, "privkey.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + NAME, "-addext",
                    "subjectAltName=DNS:%s,IP:127.0.0.1" % NAME, "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    pem = os.path.join(workdir, "hotline.pem")
    with open(pem, "w") as out, open(cert) as c, open(key) as k:
        out.write(c.read() + k.read())
    os.chmod(pem, 0o600)
    return cert, pem


class Cluster:
    """The nodes by name; a node started again keeps its name (every process's log is kept)."""

    def __init__(self, binary, source, work, env, key_file, ports):
        self.args = (binary, source, work, env, key_file)
        self.ports = ports
        self.now = {}
        self.every = []

    def start(self, name):
        binary, source, work, env, key_file = self.args
        node = Node(binary, source, os.path.join(work, name), sip="off", env=env,
                    key_file=key_file, http="127.0.0.1:%d" % self.ports[name])
        self.now[name] = node
        self.every.append((name, node))
        return node

    def served(self):
        """{request id: (node name, status)} from every node process's log."""
        out = {}
        for name, node in self.every:
            for rid, status in re.findall(r"http_request id=(hap-[\w.:-]+) \S+ \S+ status=(\d+)",
                                          node.text()):
                out[rid] = (name, int(status))
        return out

    def attribute(self, rids, timeout=5):
        """served() once every request of `rids` is in a node's log (lines may be on their way)."""
        deadline = time.time() + timeout
        while True:
            served = self.served()
            missing = [r for r in rids if r not in served]
            if not missing:
                return served
            assert time.time() < deadline, "answered requests in no node's log: %s" % missing[:5]
            time.sleep(0.05)

    def holder(self, pattern, timeout=5):
        """The node whose log matches `pattern` (exactly one; its line may be on its way)."""
        deadline = time.time() + timeout
        while True:
            names = {name for name, node in self.every if re.search(pattern, node.text())}
            if names or time.time() > deadline:
                break
            time.sleep(0.05)
        assert len(names) == 1, "%r in the logs of %s" % (pattern, sorted(names) or "no node")
        return names.pop()

    def stop(self):
        for node in self.now.values():
            node.stop()


def sequential(web, cluster, n, tag, path, headers):
    """n GETs one after the other; {node: count}; every one answered 200 by a node."""
    rids = []
    for _ in range(n):
        rid = web.rid(tag)
        status, body, _ = web.request("GET", path, headers=headers, rid=rid)
        assert status == 200, "GET %s through HAProxy: %d %s" % (path, status, body[:200])
        rids.append(rid)
    served = cluster.attribute(rids)
    counts = {}
    for r in rids:
        counts[served[r][0]] = counts.get(served[r][0], 0) + 1
    return counts


def test_front(web, http_port, ws_origin):
    status, body, headers = web.request("GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}, (status, body)
    assert headers.get("Strict-Transport-Security") == "max-age=31536000", dict(headers)
    ctx = ssl.create_default_context(cafile=web.cafile)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", web.port), timeout=10),
                         server_hostname="127.0.0.1") as s:
        assert s.selected_alpn_protocol() == "h2", s.selected_alpn_protocol()
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/healthz?x=1", headers={"Host": NAME})
    r = conn.getresponse()
    assert r.status == 301 and r.getheader("Location") == "https://%s/healthz?x=1" % NAME, \
        (r.status, r.getheader("Location"))
    conn.close()
    status, _, headers = web.request("GET", "/metrics")
    assert status == 403, "/metrics through HAProxy from 127.0.0.1: %d" % status
    assert headers.get("Strict-Transport-Security"), "no HSTS on HAProxy's own 403"
    conn = web.connection()  # only the head: HAProxy answers on the Content-Length
    conn.putrequest("POST", "/api/v1/conversations", skip_host=True)
    conn.putheader("Host", web.host)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(2 << 20))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413, "a 2 MiB body: %d" % r.status
    conn.close()
    status, _, headers = web.request("POST", "/api/v1/kb/documents", b"%PDF" + b"x" * (2 << 20),
                                     {"Content-Type": "application/pdf"})
    assert status == 401 and headers.get("X-Request-Id"), \
        "a 2 MiB document upload (no credentials) should reach zhixian (401): %d" % status
    status, body, headers = web.request("POST", "/api/v1/auth/login",
                                        {"name": "desk", "password": PASSWORD})
    assert status == 200, (status, body)
    cookie = headers.get("Set-Cookie", "")
    shown = re.sub(r"=[^;]+", "=…", cookie, count=1)  # never the session token in the output
    assert cookie.startswith("zx_session=") and \
        len(re.findall(r";\s*Secure\b", cookie, re.I)) == 1, shown
    for kind in (WebSocket, H2WebSocket):
        foreign = kind(web, "https://evil.example.com")
        assert foreign.status == 403, "a foreign Origin (%s): %s" % (kind.__name__,
                                                                     foreign.status)
        foreign.close()
    print("PASS front: /healthz 200 + HSTS, h2 offered, http->https 301, /metrics 403, "
          "413 over 1 MiB (a 2 MiB document upload passes), cookie %s, foreign Origin 403 "
          "(HTTP/1.1 and HTTP/2)" % shown)


class Load:
    """Clients through HAProxy all along: GETs on keep-alive connections and POSTs."""

    def __init__(self, web, path, headers):
        self.web, self.path, self.headers = web, path, headers
        self.records = []  # (sent, done, method, rid, status or None, error or None)
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=("GET", 0.03), daemon=True),
                        threading.Thread(target=self.run, args=("GET", 0.03), daemon=True),
                        threading.Thread(target=self.run, args=("POST", 0.2), daemon=True)]

    def start(self):
        for t in self.threads:
            t.start()

    def run(self, method, pause):
        conn = None
        while not self.halt.is_set():
            rid = self.web.rid("load")
            sent = time.time()
            status = error = None
            try:
                if conn is None:
                    conn = self.web.connection()
                if method == "GET":
                    status, _, h = self.web.request("GET", self.path, headers=self.headers,
                                                    rid=rid, conn=conn)
                else:
                    status, _, h = self.web.request("POST", "/api/v1/conversations", {},
                                                    rid=rid, conn=conn)
                if (h.get("Connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as e:  # noqa: BLE001
                error = "%s: %s" % (type(e).__name__, e)
                if conn:
                    conn.close()
                conn = None
            with self.lock:
                self.records.append((sent, time.time(), method, rid, status, error))
            self.halt.wait(pause)
        if conn:
            conn.close()

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join(30)


def haproxy_retries(log):
    """Request lines of HAProxy's log that were retried: [(retries field, X-Request-Id, line)]."""
    out = []
    for line in log.splitlines():
        m = re.search(r" \d+/\d+/\d+/\d+/(\+?\d+) \d+/\d+ .*?\{([^}]*)\}", line)
        if m and m.group(1) not in ("0", "+0"):
            out.append((m.group(1), m.group(2), line))
    return out


def run(binary, source, work, url):
    key_file = os.path.join(work, "shared-keys", "zhixian.keys")
    env = {"ZHIXIAN_DATABASE_URL": url, "ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE": "0",
           "ZHIXIAN_LOG_LEVEL": "debug"}  # debug: a line per request, with its X-Request-Id
    ports = {"node1": free_port(socket.SOCK_STREAM), "node2": free_port(socket.SOCK_STREAM)}
    cluster = Cluster(binary, source, work, env, key_file, ports)
    proxy = ws = ws2 = load = None
    try:
        cluster.start("node1")
        cluster.start("node2")
        cluster.now["node1"].add_user("desk", "agent")
        https_port, http_port, nowhere = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
        cafile, pem = make_cert(work)
        with open(os.path.join(source, "deploy", "haproxy", "zhixian.cfg"),
                  encoding="utf-8") as f:
            cfg, as_written = substitute(
                f.read(), https_port, http_port, pem, os.path.join(work, "admin.sock"),
                [("node1", "10.0.0.11:8080", ports["node1"]),
                 ("node2", "10.0.0.12:8080", ports["node2"]),
                 ("node3", "10.0.0.13:8080", nowhere)])
        proxy = HAProxy(work, cfg)
        print("PASS config: haproxy -c: %s (%s)" % (
            proxy.check(), "chroot/user haproxy as written" if as_written
            else "chroot/user/group dropped: not root"))
        proxy.start(https_port)
        proxy.wait_state({"node1": "UP", "node2": "UP", "node3": "DOWN"}, 15)
        print("PASS config: node1 and node2 UP, node3 (nothing listening) DOWN")

        web = Https(https_port, cafile)
        origin = "https://" + web.host
        test_front(web, http_port, origin)

        # balance: one conversation, read back again and again; both nodes answer.
        status, body, _ = web.request("POST", "/api/v1/conversations", {}, rid=web.rid("conv"))
        assert status in (200, 201), (status, body)
        conv = json.loads(body)
        conv_path = "/api/v1/conversations/" + conv["id"]
        conv_headers = {"X-Conversation-Token": conv["token"]}
        counts = sequential(web, cluster, 20, "seq", conv_path, conv_headers)
        assert len(counts) == 2 and min(counts.values()) >= 5, \
            "20 requests through HAProxy (leastconn, one at a time): %s" % counts
        print("PASS balance: 20 sequential requests: %s" % counts)

        # websocket: a chat through HAProxy; the node it is on is A.
        ws = WebSocket(web, origin)
        assert ws.status == 101, "WebSocket handshake through HAProxy: %d" % ws.status
        ws.send({"type": "start"})
        started = ws.recv()
        assert started["type"] == "started", started
        cid, ctoken = started["conversation"]["id"], started["token"]
        ws.send({"type": "message", "text": "住院花了两万能报多少"})
        reply = ws.recv_until(lambda f: f["type"] == "reply")
        assert reply.get("topic") == "yb.inpatient_calc", reply
        a = cluster.holder(r"chat_ws_start ws=%s conversation=" % ws.rid)
        b = "node2" if a == "node1" else "node1"
        counts = sequential(web, cluster, 6, "held", conv_path, conv_headers)
        assert counts == {b: 6}, "with the chat's WebSocket open on %s, 6 requests: %s" % (
            a, counts)
        print("PASS websocket: chat %s started on %s through HAProxy, first turn answered "
              "(%s); the next 6 requests all went to %s (leastconn counts the open chat)"
              % (cid, a, reply["topic"], b))

        # A second chat goes to B (fewer connections); it keeps the load even during the drain.
        # This one as a browser opens it over HTTP/2 (RFC 8441), which HAProxy offers.
        ws2 = H2WebSocket(web, origin)
        assert ws2.settings.get(0x8) == 1, \
            "HAProxy did not offer SETTINGS_ENABLE_CONNECT_PROTOCOL: %s" % ws2.settings
        assert ws2.status == 200, "extended CONNECT through HAProxy: %s" % ws2.status
        ws2.send({"type": "start"})
        cid2 = ws2.recv()["conversation"]["id"]
        assert cluster.holder(r"chat_ws_start ws=%s conversation=" % ws2.rid) == b, \
            "the second chat did not go to %s (leastconn)" % b
        ws2.send({"type": "message", "text": "社保卡丢了怎么补办"})
        reply = ws2.recv_until(lambda f: f["type"] == "reply")
        assert "社保卡" in json.dumps(reply, ensure_ascii=False), reply
        print("PASS websocket: a second chat (%s), over HTTP/2, went to %s" % (cid2, b))

        # drain A under load.
        load = Load(web, conv_path, conv_headers)
        load.start()
        time.sleep(1.5)
        node_a = cluster.now[a]
        t_drain = time.time()
        drain = subprocess.Popen([binary, "drain", "--data", node_a.data] + node_a.config_args,
                                 env=node_a.env, cwd=source, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        t_down = proxy.wait_state({a: "DOWN", b: "UP"}, 10)
        assert t_down - t_drain <= DOWN_WITHIN, "HAProxy took %s out %.2f s after the drain" % (
            a, t_down - t_drain)
        ws.send({"type": "ping"})
        ws.recv_until(lambda f: f["type"] == "pong", 5)
        t_pong = time.time()
        try:  # the page reads on (and answers the close) while the node drains
            frame = ws.recv(20)
            raise AssertionError("the chat's WebSocket on the draining node sent %s" % frame)
        except Closed:
            t_closed = time.time()
        except (socket.timeout, TimeoutError):
            raise AssertionError("the chat's WebSocket on the draining node was not closed "
                                 "within 20 s") from None
        try:
            out, err = drain.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            drain.kill()
            out, err = drain.communicate()
            raise AssertionError("zhixian drain did not end in 30 s: %s %s" % (out, err))
        t_drained = time.time()
        assert drain.returncode == 0 and "drained: the node stopped" in out, \
            "zhixian drain exit %d: %s %s" % (drain.returncode, out, err)
        assert node_a.proc.wait(10) == 0, "A exited %s" % node_a.proc.returncode
        assert "serve.drained calls=0" in node_a.text(), node_a.text()[-2000:]
        assert 3.0 <= t_drained - t_drain <= 10, \
            "zhixian drain took %.2f s (the node waits 3 s, then stops)" % (t_drained - t_drain)
        close_code = ws.close_code
        assert close_code == 1001, "the drained node closed the chat with %s" % close_code
        ws.close()
        ws = None
        ws2.send({"type": "message", "text": "补办要带什么材料"})
        reply = ws2.recv_until(lambda f: f["type"] == "reply")
        time.sleep(1.0)  # B alone for a while
        load.stop()
        recs = sorted(load.records)
        failed = [r for r in recs if r[5] or (r[4] is not None and r[4] >= 500)]
        wrong = [r for r in recs if not r[5] and r[4] not in (200, 201)]
        during = [r for r in recs if r[0] >= t_drain]
        assert not failed, "clients saw %d failures during the drain: %s" % (
            len(failed), failed[:5])
        assert not wrong, "unexpected answers: %s" % wrong[:5]
        served = cluster.attribute([r[3] for r in recs])
        after_down = [r for r in recs if r[0] > t_down]
        on_a_after = [r for r in after_down if served[r[3]][0] == a]
        assert not on_a_after, "sent after HAProxy marked %s DOWN yet answered by it: %s" % (
            a, on_a_after[:5])
        assert len(after_down) >= 20, "too few requests after the DOWN: %d" % len(after_down)
        on_a_draining = [r for r in during if served[r[3]][0] == a]
        per_node = {}
        for r in recs:
            key = (served[r[3]][0], r[2])
            per_node[key] = per_node.get(key, 0) + 1
        retried = haproxy_retries(proxy.log())
        print("PASS drain: %s DOWN in HAProxy %.2f s after `zhixian drain` (A answered %d "
              "requests while draining, the last sent %.2f s after the drain); A stopped and "
              "drain returned after %.2f s; %d requests during the load (%s), %d after the "
              "DOWN, all on %s; 0 failures seen by clients; %d retried by HAProxy%s"
              % (a, t_down - t_drain, len(on_a_draining),
                 (max(r[0] for r in on_a_draining) - t_drain) if on_a_draining else 0,
                 t_drained - t_drain, len(recs),
                 ", ".join("%s %s %d" % (k[0], k[1], v) for k, v in sorted(per_node.items())),
                 len(after_down), b, len(retried),
                 "".join("\n    " + x[2] for x in retried[:5])))
        print("PASS drain: the chat's WebSocket stayed up on the draining %s (pong %.2f s "
              "after the drain), closed (%s) %.2f s after it; the chat on %s went on unaffected"
              % (a, t_pong - t_drain, close_code, t_closed - t_drain, b))

        # continue: the page reconnects and resumes; B carries the dialogue on.
        ws = WebSocket(web, origin)
        assert ws.status == 101, "WebSocket handshake after the drain: %d" % ws.status
        ws.send({"type": "resume", "id": cid, "token": ctoken})
        resumed = ws.recv()
        assert resumed["type"] == "started" and resumed["resumed"] is True and \
            resumed["conversation"]["id"] == cid, resumed
        assert cluster.holder(r"chat_ws_resume ws=%s conversation=" % ws.rid) == b
        ws.send({"type": "message", "text": "三级医院，甲类一万五，乙类四千，丙类一千"})
        reply = ws.recv_until(lambda f: f["type"] == "reply")
        assert "14600" in reply["reply"], reply
        print("PASS continue: conversation %s resumed through HAProxy on %s, which answered "
              "from the dialogue's state (14600)" % (cid, b))

        # rejoin: A again, same data directory and port.
        node_a = cluster.start(a)
        t_ready = time.time()
        t_up = proxy.wait_state({a: "UP"}, UP_WITHIN + 5)
        assert t_up - t_ready <= UP_WITHIN, "%s UP %.2f s after ready" % (a, t_up - t_ready)
        counts = sequential(web, cluster, 6, "back", conv_path, conv_headers)
        assert counts == {a: 6}, "with the chats open on %s, 6 requests after %s rejoined: %s" \
            % (b, a, counts)
        ws.send({"type": "message", "text": "那要是临时外出备案了呢"})
        reply = ws.recv_until(lambda f: f["type"] == "reply")
        assert "13720" in reply["reply"], reply
        for w in (ws, ws2):
            w.close()
        ws = ws2 = None
        counts = sequential(web, cluster, 10, "end", conv_path, conv_headers)
        assert len(counts) == 2, "10 requests with no chat open: %s" % counts
        print("PASS rejoin: %s started again, UP in HAProxy %.2f s after serve.ready; the next "
              "6 requests went to it (the chats held by %s), the chat went on (13720); then "
              "10 requests: %s" % (a, t_up - t_ready, b, counts))

        # crash: A killed under load; HAProxy's retries on another node hide it.
        retried_before = len(haproxy_retries(proxy.log()))
        load = Load(web, conv_path, conv_headers)
        load.start()
        time.sleep(1.5)
        t_kill = time.time()
        node_a.kill()
        t_down = proxy.wait_state({a: "DOWN", b: "UP"}, 10)
        assert t_down - t_kill <= DOWN_WITHIN, "HAProxy took the killed %s out after %.2f s" % (
            a, t_down - t_kill)
        time.sleep(1.0)
        load.stop()
        recs = sorted(load.records)
        load = None
        failed = [r for r in recs if r[5] or r[4] >= 500]
        # Only a POST that was on A when it died may fail: it is not tried again (not idempotent).
        unexplained = [r for r in failed if r[2] != "POST" or r[0] > t_kill]
        assert not unexplained, "clients saw failures around the kill: %s" % unexplained[:5]
        wrong = [r for r in recs if not r[5] and r[4] not in (200, 201, 502, 503, 504)]
        assert not wrong, "unexpected answers: %s" % wrong[:5]
        after_down = [r for r in recs if r[0] > t_down]
        served = cluster.attribute([r[3] for r in after_down])
        assert after_down and all(served[r[3]][0] == b for r in after_down), \
            "requests after the killed node was DOWN not all on %s" % b
        retried = haproxy_retries(proxy.log())[retried_before:]
        posts = [x for x in retried if '"POST ' in x[2]]
        print("PASS crash: %s killed (SIGKILL) under load, DOWN in HAProxy %.2f s later; %d "
              "requests (%d sent between the kill and the DOWN), %d retried by HAProxy on %s "
              "(%d GET, %d POST refused by the dead node), %d failures seen by clients (%s)%s"
              % (a, t_down - t_kill, len(recs),
                 len([r for r in recs if t_kill <= r[0] <= t_down]), len(retried), b,
                 len(retried) - len(posts), len(posts), len(failed),
                 "POSTs in flight on the killed node" if failed else "none",
                 "".join("\n    " + x[2] for x in (retried[:1] + posts[:1]))))
        return 0
    except Exception:
        if proxy:
            print("---- haproxy log (tail) ----\n" + proxy.log()[-3000:])
        for name, node in cluster.every:
            print("---- %s log (tail) ----\n%s" % (name, "\n".join(
                l for l in node.text().splitlines() if "http_request" not in l)[-2500:]))
        raise
    finally:
        if load:
            load.stop()
        for w in (ws, ws2):
            if w:
                w.close()
        if proxy:
            proxy.stop()
        cluster.stop()


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    missing = [what for what, ok in (("haproxy", HAPROXY), ("openssl", OPENSSL),
                                     ("psql", shutil.which("psql")),
                                     ("ZX_TEST_POSTGRES_URL", PG_URL)) if not ok]
    if missing:
        print("SKIP: missing %s (scripts/install-deps.sh --test installs haproxy; "
              "scripts/pg_test_cluster.sh starts a PostgreSQL)" % ", ".join(missing))
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    schema = "haproxy_test_%d" % os.getpid()
    url = fresh_schema(schema)
    work = tempfile.mkdtemp(prefix="zx-haproxy-")
    try:
        return run(binary, source, work, url)
    except AssertionError as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        subprocess.run(["psql", PG_URL, "-q", "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % schema],
                       capture_output=True, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
