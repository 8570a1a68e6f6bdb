"""`zhixian serve` as a deployment would run it, for the deployment tests (nginx, Kamailio):
its own data directory and key file, an optional configuration file, loopback ports, its log
kept. Reusable for several nodes behind a dispatcher (each Node has its own work directory).

  node = Node(binary, source, workdir, config="[trunk]\\nregister = false\\n")
  node.sip_port, node.base          # after serve.ready
  node.add_user("lead", "supervisor"); api = Api(node.base); token = api.login("lead")
  node.wait_for(r"call\\.started", 10, since=node.mark())
  node.kill()  /  node.stop()
"""
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"
# The throw-away PostgreSQL of the tests (scripts/pg_test_cluster.sh), "" without one.
PG_URL = os.environ.get("ZX_TEST_POSTGRES_URL", "")


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fresh_schema(name):
    """The URL of a new, empty schema `name` in the test database."""
    subprocess.run(["psql", PG_URL, "-q", "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % name,
                    "-c", "CREATE SCHEMA %s" % name], check=True, capture_output=True, timeout=30)
    return PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3D" + name


class Node:
    def __init__(self, binary, source, workdir, config=None, http="127.0.0.1:0",
                 sip="127.0.0.1:0", env=None, key_file=None):
        """key_file: a key file several nodes share (made by the first); else one of its own."""
        os.makedirs(workdir, exist_ok=True)
        self.binary, self.source, self.workdir = binary, source, workdir
        self.data = os.path.join(workdir, "data")
        self.log, self.lock = [], threading.Lock()
        key_file = key_file or os.path.join(workdir, "keys", "zhixian.keys")
        os.makedirs(os.path.dirname(key_file), exist_ok=True)
        self.env = dict(os.environ, ZHIXIAN_SECURITY_KEY_FILE=key_file, **(env or {}))
        self.config_args = []
        if config is not None:
            path = os.path.join(workdir, "zhixian.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(config)
            self.config_args = ["--config", path]
        if not os.path.exists(key_file):
            subprocess.run([binary, "keys", "init", "--data", self.data, "--key-file", key_file],
                           check=True, capture_output=True, timeout=30, env=self.env)
        # The working directory is the source tree: /chat is served from web/chat.
        self.proc = subprocess.Popen(
            [binary, "serve", "--data", self.data, "--kb", os.path.join(source, "kb"),
             "--http", http, "--sip", sip] + self.config_args,
            cwd=source, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, errors="replace", env=self.env)
        threading.Thread(target=self._read, daemon=True).start()
        self.sip_port = None
        if sip != "off":
            self.sip_port = int(self.wait_for(r"sip\.listening .*port=(\d+)", 90).group(1))
        self.base = self.wait_for(r"serve\.ready http=(http://[\d.]+:\d+)", 90).group(1)
        self.http_port = int(self.base.rsplit(":", 1)[1])

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.log.append(line.rstrip("\n"))

    def text(self, since=0):
        with self.lock:
            return "\n".join(self.log[since:])

    def mark(self):
        with self.lock:
            return len(self.log)

    def wait_for(self, pattern, timeout, since=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(since))
            if m:
                return m
            if self.proc.poll() is not None:
                raise AssertionError("server exited (%s) waiting for %r:\n%s"
                                     % (self.proc.returncode, pattern, self.text()[-3000:]))
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %r; log tail:\n%s"
                             % (pattern, self.text()[-3000:]))

    def cli(self, *args, stdin=None):
        """A zhixian sub-command on this node's data and configuration: (code, out, err)."""
        p = subprocess.run([self.binary, *args, "--data", self.data] + self.config_args,
                           input=stdin, capture_output=True, text=True, errors="replace",
                           timeout=60, env=self.env, cwd=self.source)
        return p.returncode, p.stdout, p.stderr

    def add_user(self, name, role):
        code, _, err = self.cli("user", "add", name, "--role", role, stdin=PASSWORD + "\n")
        assert code == 0, err

    def kill(self):
        """Gone at once, as a crashed node (SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


class Api:
    """JSON over plain HTTP to a node (the nginx test has its own HTTPS client)."""

    def __init__(self, base):
        self.base = base

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
