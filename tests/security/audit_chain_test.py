"""The keyed audit chain and the two-person rule, driving the zhixian binary (issue 9).

Usage: audit_chain_test.py BINARY SOURCE_DIR. Loopback only (port 0), fresh temp directories,
a key file outside the data directory.

  ChainAttacks        someone with the database file (not the key) uses the sqlite3 CLI (psql) to
                      truncate the tail, delete everything, change a row, recompute the chain
                      with plain SM3, append a forged entry: `audit verify` names each; the
                      sealed head (data dir/audit.head) stays where it was
  Unkeyed             without a key file verify says the chain is UNKEYED
  StartOnBrokenLog    serve refuses to start on a truncated log, naming the problem; with
                      security.audit_on_broken = "warn" it starts, logs security.alert and
                      GET /api/v1/audit/verify reports it
  TwoPersonApproval   with security.require_approval = 1 a supervisor (or admin) added by one
                      administrator cannot log in until a different one approves it (CLI
                      `user approve --as`, and POST /api/v1/users/{id}/approve); the creator
                      cannot approve; both steps audited and alerted. Without it the account
                      is active at once but still alerted.

Under tests/with_postgres.py each deployment has a schema of its own (tests/pg_deployments.py),
copied with pg_dump where the test copies the database file, and the attacks are made with psql
by the database's role (the append-only triggers disabled first, as the sqlite3 CLI drops them).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # importing must not litter the source tree
from serve_process import ServeProcess  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pg_deployments as pg  # noqa: E402  (each deployment's own database; the database at rest)

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/zhixian")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
KB = os.path.join(SOURCE, "kb")
PASSWORD = "correct horse battery staple"


def run(args, stdin="", timeout=120):
    """`zhixian ARGS`, on the database of the --data it names."""
    env = dict(os.environ, **pg.database_env(args[args.index("--data") + 1]))
    return subprocess.run([BINARY] + args, input=stdin.encode(), capture_output=True,
                          timeout=timeout, env=env)


def sm3(data):
    return hashlib.new("sm3", data).hexdigest()


def canonical(row):
    """CanonicalForm of security/audit.h, from a row of audit_log."""
    out = "zx-audit-1\n"
    for name in ["seq", "time_ms", "actor", "role", "action", "object_type", "object_id",
                 "purpose", "remote", "details"]:
        value = str(row[name]).encode()
        out += f"{name}={len(value)}:{row[name]}\n"
    return out


def plain_hash(prev, row):
    return sm3((prev + "\n" + canonical(row)).encode())


def rows(data):
    return pg.query(data, "SELECT * FROM audit_log ORDER BY seq")


def sql_text(s):
    return "'" + str(s).replace("'", "''") + "'"


class Deployment:
    def __init__(self, key=True, extra_config=""):
        self.root = tempfile.mkdtemp(prefix="zx-audit-")
        self.data = os.path.join(self.root, "data")
        self.config = os.path.join(self.root, "zhixian.toml")
        keys = os.path.join(self.root, "keys")
        os.makedirs(keys, mode=0o700)
        key_file = os.path.join(keys, "zhixian.keys") if key else ""
        with open(self.config, "w") as f:
            f.write(f'[security]\nkey_file = "{key_file}"\nrate_limit_per_minute = 100000\n'
                    + extra_config)
        if key:
            r = self.cli("keys", "init")
            assert r.returncode == 0, r.stderr.decode()

    def cli(self, *args, stdin="", data=None):
        return run(list(args) + ["--data", data or self.data, "--config", self.config],
                   stdin=stdin)

    def add_user(self, name, role):
        r = self.cli("user", "add", name, "--role", role, stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr.decode()
        return r

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class Server(ServeProcess):
    """`zhixian serve` on 127.0.0.1:0 (also when it refuses to start); keeps its stderr."""

    def __init__(self, data, config):
        super().__init__(BINARY, KB, data, config, ["--sip", "127.0.0.1:0"], require_ready=False,
                         env=dict(os.environ, **pg.database_env(data)))

    def stderr(self):
        return self.stderr_bytes().decode(errors="replace")

    def request(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def login(self, name):
        return self.request("POST", "/api/v1/auth/login", {"name": name, "password": PASSWORD})

    def token(self, name):
        status, body = self.login(name)
        assert status == 200, (status, body)
        return body["token"]


def tamper(dep, sql):
    """A copy of the data directory (database and sealed head) edited with the sqlite3 CLI
    (psql on PostgreSQL)."""
    data = tempfile.mkdtemp(prefix="zx-tamper-", dir=dep.root)
    pg.copy_database(dep.data, data)
    shutil.copy(os.path.join(dep.data, "audit.head"), os.path.join(data, "audit.head"))
    r = pg.execute(data, pg.unguard_audit_log() + sql)
    assert r.returncode == 0, r.stderr
    return data


def recompute_sql(entries, start, change=None):
    """UPDATEs that rehash entries from seq `start` on with plain SM3 (no key), after applying
    `change` (a dict of column values) to the entry at `start`."""
    by_seq = {e["seq"]: dict(e) for e in entries}
    if change:
        by_seq[start].update(change)
    prev = by_seq[start - 1]["hash"] if start > 1 else "0" * 64
    out = []
    for seq in sorted(s for s in by_seq if s >= start):
        e = by_seq[seq]
        h = plain_hash(prev, e)
        sets = [f"prev_hash = {sql_text(prev)}", f"hash = {sql_text(h)}"]
        if seq == start and change:
            sets += [f"{k} = {sql_text(v)}" for k, v in change.items()]
        out.append(f"UPDATE audit_log SET {', '.join(sets)} WHERE seq = {seq};")
        prev = h
    return "\n".join(out) + "\n"


class ChainAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = Deployment()
        for name, role in [("admin", "admin"), ("auditor", "auditor"), ("sup", "supervisor"),
                           ("agent", "agent")]:
            cls.dep.add_user(name, role)
        cls.entries = rows(cls.dep.data)
        cls.last = cls.entries[-1]["seq"]
        assert cls.last >= 5, cls.entries

    @classmethod
    def tearDownClass(cls):
        cls.dep.cleanup()

    def verify(self, data):
        r = self.dep.cli("audit", "verify", data=data)
        return r.returncode, r.stdout.decode() + r.stderr.decode()

    def test_intact_log_verifies_keyed(self):
        code, out = self.verify(tamper(self.dep, ""))  # a copy: the class's log stays as read
        self.assertEqual(code, 0, out)
        self.assertTrue(out.startswith("ok: "), out)
        # keys.init is keyed with the file it made, and so is everything after it.
        self.assertIn("keyed: HMAC-SM3 under the key file from seq 1", out)
        self.assertTrue(self.entries[0]["hash"].startswith("k1:"))
        self.assertTrue(self.entries[1]["hash"].startswith("k1:"))
        head = open(os.path.join(self.dep.data, "audit.head")).read()
        self.assertRegex(head, r"^zhixian-audit-head 1\nseq \d+\nhash k1:[0-9a-f]{64}\n"
                               r"time_ms \d+\nmac [0-9a-f]{64}\n$")

    def test_tail_truncation(self):
        data = tamper(self.dep, f"DELETE FROM audit_log WHERE seq >= {self.last - 1};")
        code, out = self.verify(data)
        self.assertEqual(code, 1, out)
        self.assertIn(f"TAMPERED (truncated at seq {self.last - 1})", out)
        # The verify entry appended after it does not move the head: still reported.
        code, out = self.verify(data)
        self.assertEqual(code, 1, out)

    def test_full_deletion(self):
        code, out = self.verify(tamper(self.dep, "DELETE FROM audit_log;"))
        self.assertEqual(code, 1, out)
        self.assertIn("TAMPERED (deleted at seq 1)", out)
        self.assertIn("every entry was deleted", out)

    def test_changed_row(self):
        code, out = self.verify(tamper(self.dep,
                                       "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3;"))
        self.assertEqual(code, 1, out)
        self.assertIn("TAMPERED (changed at seq 3)", out)

    def test_changed_row_and_recomputed_chain(self):
        sql = recompute_sql(self.entries, 3, {"actor": "mallory"})
        code, out = self.verify(tamper(self.dep, sql))
        self.assertEqual(code, 1, out)
        self.assertIn("TAMPERED (recomputed at seq 3)", out)
        self.assertIn("without the key", out)

    def test_whole_chain_recomputed_as_plain(self):
        code, out = self.verify(tamper(self.dep, recompute_sql(self.entries, 1)))
        self.assertEqual(code, 1, out)
        self.assertIn(f"TAMPERED (recomputed at seq {self.last})", out)

    def test_forged_append(self):
        prev = self.entries[-1]
        forged = dict(prev, seq=self.last + 1, actor="auditor", action="audit.read",
                      details="{}", prev_hash=prev["hash"])
        forged["hash"] = plain_hash(prev["hash"], forged)
        cols = ["seq", "time_ms", "actor", "role", "action", "object_type", "object_id",
                "purpose", "remote", "details", "prev_hash", "hash"]
        sql = (f"INSERT INTO audit_log ({', '.join(cols)}) VALUES "
               f"({', '.join(sql_text(forged[c]) for c in cols)});\n")
        code, out = self.verify(tamper(self.dep, sql))
        self.assertEqual(code, 1, out)
        self.assertIn(f"TAMPERED (appended at seq {self.last + 1})", out)


class Unkeyed(unittest.TestCase):
    def test_verify_says_the_chain_is_unkeyed(self):
        dep = Deployment(key=False)
        try:
            dep.add_user("admin", "admin")
            r = dep.cli("audit", "verify")
            out = r.stdout.decode() + r.stderr.decode()
            self.assertEqual(r.returncode, 0, out)
            self.assertIn("UNKEYED", out)
            self.assertIn("cannot be detected", out)
        finally:
            dep.cleanup()


class StartOnBrokenLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = Deployment()
        cls.dep.add_user("auditor", "auditor")
        cls.dep.add_user("admin", "admin")
        last = rows(cls.dep.data)[-1]["seq"]
        cls.truncated = tamper(cls.dep, f"DELETE FROM audit_log WHERE seq = {last};")

    @classmethod
    def tearDownClass(cls):
        cls.dep.cleanup()

    def test_intact_log_starts(self):
        server = Server(self.dep.data, self.dep.config)
        try:
            self.assertIsNotNone(server.base, server.stderr())
            self.assertIn("audit.head seq=", server.stderr())
            status, body = server.request("GET", "/api/v1/audit/verify",
                                          token=server.token("auditor"))
            self.assertEqual(status, 200, body)
            self.assertTrue(body["ok"], body)
            self.assertTrue(body["keyed"], body)
        finally:
            server.stop()

    def test_refuses_to_start_on_a_truncated_log(self):
        server = Server(self.truncated, self.dep.config)
        try:
            self.assertIsNone(server.base, "served a truncated audit log")
            self.assertNotEqual(server.proc.wait(timeout=30), 0)
            err = server.stderr()
            self.assertIn("the audit log is broken (truncated at seq", err)
            self.assertIn("security.audit_on_broken", err)
        finally:
            server.stop()

    def test_warn_starts_and_alerts(self):
        data = tempfile.mkdtemp(prefix="zx-warn-", dir=self.dep.root)
        pg.copy_database(self.truncated, data)
        shutil.copy(os.path.join(self.truncated, "audit.head"), os.path.join(data, "audit.head"))
        config = os.path.join(self.dep.root, "warn.toml")
        with open(self.dep.config) as src, open(config, "w") as dst:
            dst.write(src.read() + 'audit_on_broken = "warn"\n')
        server = Server(data, config)
        try:
            self.assertIsNotNone(server.base, server.stderr())
            self.assertIn("security.alert audit_broken problem=truncated", server.stderr())
            status, body = server.request("GET", "/api/v1/audit/verify",
                                          token=server.token("auditor"))
            self.assertEqual(status, 200, body)
            self.assertFalse(body["ok"], body)
            self.assertEqual(body["problem"], "truncated", body)
        finally:
            server.stop()
        # The operator investigates and reseals; then the log verifies and serve starts cleanly.
        r = run(["audit", "reseal", "--reason", "incident 7: test truncation", "--data", data,
                 "--config", self.dep.config])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = run(["audit", "verify", "--data", data, "--config", self.dep.config])
        self.assertEqual(r.returncode, 0, r.stdout.decode())


class TwoPersonApproval(unittest.TestCase):
    def test_approval_by_a_different_administrator(self):
        dep = Deployment(extra_config="require_approval = 1\n")
        server = None
        try:
            # Bootstrap: no active admin yet, so the first admin is active at once.
            boot = dep.add_user("admin1", "admin")
            self.assertNotIn(b"pending", boot.stdout)
            # From now on accounts that see personal data, or manage users, wait.
            r = dep.add_user("sup1", "supervisor")
            self.assertIn(b"pending: sup1 cannot log in", r.stdout)
            self.assertIn(b"security.alert action=user.add", r.stderr)
            r = dep.add_user("admin2", "admin")
            self.assertIn(b"pending", r.stdout)
            dep.add_user("auditor", "auditor")  # sees no personal data: active

            server = Server(dep.data, dep.config)
            self.assertIsNotNone(server.base, server.stderr())
            status, body = server.login("sup1")
            self.assertEqual(status, 403, body)
            self.assertIn("approval", body["error"]["message"])
            self.assertEqual(server.login("auditor")[0], 200)

            # admin1 adds a supervisor over HTTP: pending, and admin1 cannot approve it.
            admin1 = server.token("admin1")
            status, sup2 = server.request("POST", "/api/v1/users", {
                "name": "sup2", "role": "supervisor", "password": PASSWORD}, token=admin1)
            self.assertEqual(status, 201, sup2)
            self.assertTrue(sup2["pending"])
            self.assertEqual(sup2["created_by"], "admin1")
            status, body = server.request("POST", f"/api/v1/users/{sup2['id']}/approve", {},
                                          token=admin1)
            self.assertEqual(status, 403, body)
            self.assertEqual(server.login("sup2")[0], 403)

            # admin2 (added by the OS account) is approved on the CLI by admin1 ...
            wrong = dep.cli("user", "approve", "admin2", "--as", "admin1",
                            stdin="not the password\n")
            self.assertNotEqual(wrong.returncode, 0)
            ok = dep.cli("user", "approve", "admin2", "--as", "admin1", stdin=PASSWORD + "\n")
            self.assertEqual(ok.returncode, 0, ok.stderr.decode())
            self.assertIn(b"approved user admin2", ok.stdout)
            self.assertIn(b"security.alert action=user.approve", ok.stderr)
            # ... and then approves admin1's supervisor over HTTP.
            admin2 = server.token("admin2")
            status, body = server.request("POST", f"/api/v1/users/{sup2['id']}/approve", {},
                                          token=admin2)
            self.assertEqual(status, 200, body)
            self.assertFalse(body["pending"])
            self.assertEqual(body["approved_by"], "admin2")
            self.assertEqual(server.login("sup2")[0], 200)
            self.assertIn("security.alert action=user.approve", server.stderr())
            self.assertIn("security.alert action=user.add", server.stderr())

            r = dep.cli("audit", "query", "--action", "user.", "--limit", "1000")
            entries = [json.loads(line) for line in r.stdout.decode().splitlines()]
            approvals = [(e["actor"], e["details"]["name"]) for e in entries
                         if e["action"] == "user.approve"]
            self.assertEqual(approvals, [("admin1", "admin2"), ("admin2", "sup2")])
            adds = {e["details"]["name"]: e["details"] for e in entries
                    if e["action"] == "user.add"}
            self.assertTrue(adds["admin1"]["bootstrap"])
            self.assertTrue(adds["sup1"]["pending"])
            self.assertTrue(adds["sup2"]["pending"])
        finally:
            if server:
                server.stop()
            dep.cleanup()

    def test_without_approval_the_account_is_active_but_alerted(self):
        dep = Deployment()
        try:
            dep.add_user("admin1", "admin")
            r = dep.add_user("sup1", "supervisor")
            self.assertNotIn(b"pending", r.stdout)
            self.assertIn(b"security.alert action=user.add", r.stderr)
            self.assertIn(b"role=supervisor", r.stderr)
        finally:
            dep.cleanup()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
