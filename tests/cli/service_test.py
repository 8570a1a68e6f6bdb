#!/usr/bin/env python3
"""deploy/zhixian.service as systemd would run it (README "Running as a service").

The unit is read as written; its paths are moved into a temporary root (/usr/local/bin/zhixian
is the built binary, /opt/zhixian the source tree, /etc/zhixian and /var/lib/zhixian fresh
directories), nothing else changes. Then:
  verify     `systemd-analyze verify` accepts the unit (where systemd-analyze exists)
  start      ExecStartPre and ExecStart run with the unit's Environment=, WorkingDirectory=,
             UMask=; the first start creates the key file at $XDG_CONFIG_HOME/zhixian/keys
             (mode 0600, outside the data directory) and says so; /healthz answers
  stop       KillSignal (SIGTERM) stops it with exit 0 within TimeoutStopSec
  restart    a second start finds the same key file and the conversation made before

Usage: service_test.py ZHIXIAN_BINARY SOURCE_DIR. Loopback only; every wait is bounded. Under
tests/with_postgres.py the unit's environment names a schema of its own (tests/pg_deployments.py),
as /etc/zhixian/secrets.env or the configuration would name the database.
"""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True  # importing must not litter the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pg_deployments as pg  # noqa: E402  (the deployment's own database)


def unit_settings(text):
    """The [Service] settings: name -> list of values (continuation lines joined)."""
    settings, section, pending = {}, None, ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Unit:
    def __init__(self, binary, source, root):
        text = open(os.path.join(source, "deploy", "zhixian.service"), encoding="utf-8").read()
        self.port = free_port()
        self.places = {"/usr/local/bin/zhixian": binary, "/opt/zhixian": source,
                       "/etc/zhixian": os.path.join(root, "etc", "zhixian"),
                       "/var/lib/zhixian": os.path.join(root, "var", "lib", "zhixian"),
                       "/etc": os.path.join(root, "etc"), "127.0.0.1:8080": "127.0.0.1:%d" % self.port}
        for d in ("/etc/zhixian", "/var/lib/zhixian"):
            os.makedirs(self.places[d], mode=0o700, exist_ok=True)
        shutil.copy(os.path.join(source, "config", "zhixian.toml"),
                    os.path.join(self.places["/etc/zhixian"], "zhixian.toml"))
        self.text = self.moved(text)
        self.path = os.path.join(root, "zhixian.service")
        open(self.path, "w", encoding="utf-8").write(self.text)
        self.settings = unit_settings(self.text)

    def moved(self, text):
        # One pass, longest first (/etc/zhixian before /etc); whole path components only.
        olds = sorted(self.places, key=len, reverse=True)
        pattern = "|".join(re.escape(o) for o in olds)
        return re.sub(r"(?<![\w/])(%s)(?=[/\s\"]|$)" % pattern,
                      lambda m: self.places[m.group(1)], text, flags=re.M)

    def env(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
        for value in self.settings.get("Environment", []):
            for word in shlex.split(value):
                k, v = word.split("=", 1)
                env[k] = v
        env.update(pg.database_env(os.path.join(self.places["/var/lib/zhixian"], "data")))
        return env

    def commands(self, key):
        return [shlex.split(v.lstrip("-@+!")) for v in self.settings.get(key, [])]


def healthz(port, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as r:
                return r.status
        except OSError:
            assert time.time() < deadline, "no /healthz within %d s" % timeout
            time.sleep(0.3)


def start(unit):
    cwd = unit.settings["WorkingDirectory"][0]
    umask = int(unit.settings.get("UMask", ["0022"])[0], 8)
    env = unit.env()
    for cmd in unit.commands("ExecStartPre"):
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
                           preexec_fn=lambda: os.umask(umask))
        assert p.returncode == 0, (cmd, p.stdout, p.stderr)
    (cmd,) = unit.commands("ExecStart")
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=lambda: os.umask(umask))
    assert healthz(unit.port) == 200
    return proc, log


def stop(unit, proc, log):
    sig = getattr(signal, unit.settings.get("KillSignal", ["SIGTERM"])[0])
    limit = float(unit.settings.get("TimeoutStopSec", ["90"])[0])
    t0 = time.time()
    proc.send_signal(sig)
    code = proc.wait(timeout=limit)
    log.seek(0)
    text = log.read()
    assert code == 0, (code, text[-3000:])
    return time.time() - t0, text


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="zx-service-") as root:
        unit = Unit(binary, source, root)
        if shutil.which("systemd-analyze"):
            p = subprocess.run(["systemd-analyze", "verify", unit.path], capture_output=True,
                               text=True, timeout=60)
            # The zhixian system user is made at install (the unit's header); that it is missing
            # here is not the unit's fault. Anything else is.
            problems = [l for l in (p.stdout + p.stderr).splitlines()
                        if l.strip() and not re.search(r"user|User=|Group=", l)]
            assert not problems, p.stdout + p.stderr
            print("PASS verify (systemd-analyze)")
        else:
            print("SKIP verify: no systemd-analyze")

        proc, log = start(unit)
        keys = os.path.join(unit.env()["XDG_CONFIG_HOME"], "zhixian", "keys")
        assert os.path.exists(keys), "the first start made no key file at " + keys
        assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600, oct(os.stat(keys).st_mode)
        data = os.path.join(unit.places["/var/lib/zhixian"], "data")
        assert not os.path.realpath(keys).startswith(os.path.realpath(data) + os.sep)
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/conversations" % unit.port,
                                     data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            made = json.loads(r.read())
        print("PASS start (key file %s, mode 0600)" % keys)
        took, text = stop(unit, proc, log)
        assert "security.key_file_created" in text, text[-2000:]
        print("PASS stop (SIGTERM, exit 0 in %.1f s)" % took)

        key_bytes = open(keys, "rb").read()
        proc, log = start(unit)
        assert open(keys, "rb").read() == key_bytes, "the key file changed on restart"
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v1/conversations/%s" % (unit.port, made["id"]),
            headers={"X-Conversation-Token": made["token"]})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200
        stop(unit, proc, log)
        print("PASS restart (same key file, the conversation is there)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
