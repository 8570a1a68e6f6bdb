#!/usr/bin/env python3
"""`zhixian migrate` round trip: a single box's SQLite data moved into PostgreSQL
(docs/deployment.md, "Moving a single box to PostgreSQL").

  box        `zhixian serve` on SQLite (its own data directory and key file) gets real data
             through the HTTP API and the CLI: a supervisor, logins, a chat with the
             calculator half-way, a chat handed over to the agents' queue, a work order with a
             phone number (`zhixian tickets create`), and the audit entries of all that
  refused    migrate while the node runs: exit 1, "stop the node first"; a target that is not a
             postgresql:// URL or carries a password: exit 2
  migrate    the node stopped, `zhixian migrate --to URL` into a fresh schema: exit 0, a line
             per table on stderr, the summary on stdout; `zhixian audit verify` on the new
             database finds the same chain (entries and head) as on the SQLite file
  again      migrate a second time into the now non-empty target: exit 1, naming a table
  PG node    `zhixian serve` on the PostgreSQL URL (ZHIXIAN_DATABASE_URL), the same data
             directory and key file: the supervisor signs in, the calculator goes on from its
             slots, the hand-over is in the queue with its transcript, the work order opens its
             sealed phone number, a new user is added (the ids continue after the copied ones)
             and signs in, `zhixian audit verify` is ok

Usage: migrate_test.py ZHIXIAN_BINARY SOURCE_DIR. Needs ZX_TEST_POSTGRES_URL (scripts/test.sh
starts a throw-away cluster, scripts/pg_test_cluster.sh) and psql; exit 77 (skip) without them.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "deploy"))
from zhixian_node import Api, Node  # noqa: E402

PG_URL = os.environ.get("ZX_TEST_POSTGRES_URL", "")
SCHEMA = "migrate_test_%d" % os.getpid()
PHONE = "13912345678"


def psql(*commands):
    args = ["psql", PG_URL, "-q", "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        args += ["-c", c]
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def schema_url():
    """The URL of the fresh schema SCHEMA: every connection with it works there only."""
    psql("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA, "CREATE SCHEMA %s" % SCHEMA)
    return PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3D" + SCHEMA


def say(api, conv, text):
    status, body = api.request("POST", "/api/v1/conversations/%s/messages" % conv["id"],
                               {"text": text}, headers={"X-Conversation-Token": conv["token"]})
    assert status == 200, (status, body)
    return body


def verified(cli, *args):
    """`zhixian audit verify` by `cli` (a node's, or one with other settings): (entries, head seq,
    head hash). Verifying is audited: the log has one entry more afterwards."""
    code, out, err = cli("audit", "verify", *args)
    assert code == 0 and out.startswith("ok:"), (code, out, err)
    m = re.match(r"ok: (\d+) entries; head seq (\d+) hash (\S+)", out)
    assert m, out
    return int(m.group(1)), int(m.group(2)), m.group(3)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, source = sys.argv[1], sys.argv[2]
    if not PG_URL or not shutil.which("psql"):
        print("skipped: ZX_TEST_POSTGRES_URL is not set or psql is missing "
              "(scripts/pg_test_cluster.sh)")
        return 77
    url = schema_url()
    work = tempfile.mkdtemp(prefix="zx-migrate-")
    key_file = os.path.join(work, "keys", "zhixian.keys")
    quiet = {"ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE": "0"}
    nodes = []
    try:
        def start(env):
            node = Node(binary, source, os.path.join(work, "box"), sip="off", env=env,
                        key_file=key_file)
            nodes.append(node)
            return node

        # box: real data through the API and the CLI, on SQLite.
        box = start(quiet)
        api = Api(box.base)
        box.add_user("lead", "supervisor")
        token = api.login("lead")
        status, calc = api.request("POST", "/api/v1/conversations", {})
        assert status in (200, 201), (status, calc)
        reply = say(api, calc, "住院花了两万能报多少")
        assert reply["topic"] == "yb.inpatient_calc", reply
        status, queued = api.request("POST", "/api/v1/conversations", {})
        assert status in (200, 201), (status, queued)
        say(api, queued, "社保卡丢了怎么补办")
        assert say(api, queued, "我要转人工")["state"] == "queued"
        code, out, err = box.cli("tickets", "create", "--json", "--kb", os.path.join(source, "kb"),
                                 stdin="阳光花园小区门口的垃圾堆了好几天没人清运，电话%s\n" % PHONE)
        assert code == 0, err
        order = json.loads(out.strip().splitlines()[0])["id"]
        status, read = api.request("GET", "/api/v1/tickets/" + order, token=token)
        assert status == 200, (status, read)
        print("box: a supervisor, two chats (one handed over), work order %s" % order)

        # refused: while the node runs; then a target of another kind, a password in the URL.
        code, out, err = box.cli("migrate", "--to", url)
        assert code == 1 and "stop the node first" in err, (code, out, err)
        assert box.stop() == 0, box.text()[-2000:]
        code, out, err = box.cli("migrate", "--to", "mysql://db/zhixian")
        assert code == 2 and "postgresql://" in err, (code, out, err)
        code, out, err = box.cli("migrate", "--to", "postgresql://zhixian:secret@db/zhixian")
        assert code == 2 and "PGPASSWORD" in err, (code, out, err)
        print("refused: while the node runs (1), a mysql:// target (2), a password in the URL (2)")

        # migrate: the node stopped, everything into the fresh schema.
        entries, head, head_hash = verified(box.cli)
        began = time.time()
        code, out, err = box.cli("migrate", "--to", url)
        took = time.time() - began
        assert code == 0, (code, out, err)
        m = re.match(r"migrated (\d+) rows in (\d+) tables to (\S+)", out)
        assert m and m.group(3) == url, out
        assert "next: set database.url" in out, out
        for table in ("audit_log", "sec_users", "conversations", "conversation_turns", "tickets"):
            assert re.search(r"^  %s: [1-9]\d* rows?$" % table, err, re.M), (table, err)
        pg_env = dict(quiet, ZHIXIAN_DATABASE_URL=url)

        def pg_cli(*args):  # the box's data directory and key file, its database PostgreSQL
            p = subprocess.run([binary, *args, "--data", box.data], capture_output=True,
                               text=True, errors="replace", timeout=60,
                               env=dict(box.env, **pg_env), cwd=source)
            return p.returncode, p.stdout, p.stderr

        # The same chain: the box's head still there with its hash, then the box's verify.
        copied = verified(pg_cli, "--anchor", "%d:%s" % (head, head_hash))
        assert copied[:2] == (entries + 1, head + 1), (copied, entries, head)
        print("migrate: %s rows in %s tables in %.1f s; the audit chain the same (%d entries)"
              % (m.group(1), m.group(2), took, entries))

        # again: the target has rows now.
        code, out, err = box.cli("migrate", "--to", url)
        assert code == 1 and "is not empty" in err and "has rows" in err, (code, out, err)
        print("again: refused: " + err.strip().splitlines()[-1])

        # PG node: the same data, served from PostgreSQL.
        pg = start(pg_env)
        api = Api(pg.base)
        token = api.login("lead")
        reply = say(api, calc, "三级医院，甲类一万五，乙类四千，丙类一千")
        assert "14600" in reply["reply"], reply["reply"]
        status, queue = api.request("GET", "/api/v1/agent/queue", token=token)
        assert status == 200, (status, queue)
        assert queued["id"] in [c["id"] for c in queue["queue"]], queue
        status, seen = api.request("GET", "/api/v1/agent/conversations/" + queued["id"],
                                   token=token)
        assert status == 200, (status, seen)
        assert "社保卡丢了" in json.dumps(seen, ensure_ascii=False), seen
        status, read = api.request("GET", "/api/v1/tickets/" + order, token=token,
                                   headers={"X-Access-Purpose": "migrate test"})
        assert status == 200 and read["personal_opened"], (status, read)
        assert PHONE in json.dumps(read, ensure_ascii=False), read
        pg.add_user("second", "agent")  # the next id: the users' sequence went past the copied
        api.login("second")
        pg_entries = verified(pg.cli)[0]
        assert pg_entries > entries, (pg_entries, entries)
        print("PG node: login, the calculator went on, the queue and its transcript, the order's "
              "sealed phone, a new user; audit verify ok (%d entries)" % pg_entries)
        return 0
    finally:
        for node in nodes:
            node.stop()
        subprocess.run(["psql", PG_URL, "-q", "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA],
                       capture_output=True, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
