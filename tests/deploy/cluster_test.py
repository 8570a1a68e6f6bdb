#!/usr/bin/env python3
"""Two `zhixian serve` nodes on one PostgreSQL database (docs/deployment.md), on loopback:

  conversation  a citizen's chat begun on node A goes on on node B after A is killed (SIGKILL):
                B answers the next line from where the dialogue was (the calculator's slots);
                A, started again, rejoins and carries the same conversation on
  agents        a supervisor made on A signs in on B; an agent's queue on B shows the
                conversation a citizen asked on A to hand over
  live          a citizen's chat page connected to node B (WebSocket) asks for a person; an
                agent signed in on node A takes the conversation and writes: the page on B is
                told live (the state "agent", then the agent's words), through PostgreSQL's
                NOTIFY/LISTEN (storage/notifications.h), with no request of its own
  jobs          the hourly retention job ran on the node holding its lease only
                (storage/leases.h): on A, and on A again once restarted; never on B
  audit         both nodes appended to one audit log: `zhixian audit verify` on either node
                finds one unbroken chain

Usage: cluster_test.py ZHIXIAN_BINARY SOURCE_DIR. Needs ZX_TEST_POSTGRES_URL (scripts/test.sh
starts a throw-away cluster, scripts/pg_test_cluster.sh); exit 77 (skip) without it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from zhixian_node import PG_URL, Api, Node, fresh_schema  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "security"))
from security_test import WebSocket  # noqa: E402  (a minimal RFC 6455 client)



def say(api, conv, text):
    status, body = api.request("POST", "/api/v1/conversations/%s/messages" % conv["id"],
                               {"text": text}, headers={"X-Conversation-Token": conv["token"]})
    assert status == 200, (status, body)
    return body


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, source = sys.argv[1], sys.argv[2]
    if not PG_URL or not shutil.which("psql"):
        print("skipped: ZX_TEST_POSTGRES_URL is not set or psql is missing "
              "(scripts/pg_test_cluster.sh)")
        return 77
    url = fresh_schema("cluster_test_%d" % os.getpid())
    work = tempfile.mkdtemp(prefix="zx-cluster-")
    key_file = os.path.join(work, "shared-keys", "zhixian.keys")
    env = {"ZHIXIAN_DATABASE_URL": url, "ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE": "0"}
    nodes = []
    try:
        def start(name):
            node = Node(binary, source, os.path.join(work, name), sip="off", env=env,
                        key_file=key_file)
            nodes.append(node)
            return node

        a = start("a")
        b = start("b")
        api_a, api_b = Api(a.base), Api(b.base)

        # conversation: begun on A, carried on by B once A is gone.
        status, conv = api_a.request("POST", "/api/v1/conversations", {})
        assert status == 201 or status == 200, (status, conv)
        reply = say(api_a, conv, "住院花了两万能报多少")
        assert reply["topic"] == "yb.inpatient_calc", reply
        a.kill()
        reply = say(api_b, conv, "三级医院，甲类一万五，乙类四千，丙类一千")
        assert "14600" in reply["reply"], reply["reply"]
        print("conversation: begun on A, A killed, B answered from the dialogue's state")
        a = start("a")  # the same node again: it rejoins
        api_a = Api(a.base)
        reply = say(api_a, conv, "那要是临时外出备案了呢")
        assert "13720" in reply["reply"], reply["reply"]
        print("conversation: A restarted and carried it on")

        # agents: one user table, one queue.
        a.add_user("lead", "supervisor")
        token = api_b.login("lead")
        status, queued = api_a.request("POST", "/api/v1/conversations", {})
        assert status in (200, 201), (status, queued)
        reply = say(api_a, queued, "我要转人工")
        assert reply["state"] == "queued", reply
        status, queue = api_b.request("GET", "/api/v1/agent/queue", token=token)
        assert status == 200, (status, queue)
        ids = [c["id"] for c in queue["queue"]]
        assert queued["id"] in ids, (queued["id"], queue)
        print("agents: a user made on A signs in on B; B's queue holds A's hand-over")

        # live: what an agent does on A reaches the citizen's page on B as it happens.
        a.add_user("desk", "agent")
        desk = api_a.login("desk")
        ws = WebSocket(b.base, "/api/v1/conversations/ws")
        try:
            ws.send({"type": "start"})
            started = ws.recv()
            assert started["type"] == "started", started
            cid = started["conversation"]["id"]
            ws.send({"type": "message", "text": "我要转人工"})
            reply = ws.recv()
            assert reply["type"] == "reply" and reply["state"] == "queued", reply
            status, body = api_a.request("POST", "/api/v1/agent/conversations/%s/take" % cid,
                                         {}, token=desk)
            assert status == 200, (status, body)
            status, body = api_a.request("POST", "/api/v1/agent/conversations/%s/messages" % cid,
                                         {"text": "您好，我是人工客服，请讲。"}, token=desk)
            assert status in (200, 204), (status, body)
            frames, deadline = [], time.time() + 10
            while time.time() < deadline and not any(
                    f.get("type") == "agent" and "人工客服" in f.get("text", "") for f in frames):
                frames.append(ws.recv())
            kinds = [f.get("type") for f in frames]
            assert "state" in kinds and [f for f in frames if f.get("type") == "state"][-1][
                "state"] == "agent", frames
            assert any(f.get("type") == "agent" and f["text"] == "您好，我是人工客服，请讲。"
                       for f in frames), frames
        finally:
            ws.close()
        print("live: the page on B was told of A's agent taking it and writing: %s" % kinds)

        # jobs: retention ran once across the nodes (its lease), not once a node.
        code, out, err = b.cli("audit", "query", "--action", "retention.run")
        assert code == 0, err
        runs = [l for l in out.splitlines() if l.strip()]
        # A holds the job; A started again is the same node and takes it back; B never runs it.
        assert len(runs) == 2, out
        assert "retention_run" not in b.text(), b.text()
        print("jobs: retention ran on A (twice: A was started twice), never on B (one lease)")

        # audit: one chain, verified from either node.
        for node in (a, b):
            code, out, err = node.cli("audit", "verify")
            assert code == 0 and out.startswith("ok:"), (code, out, err)
        print("audit: one chain, verified on A and on B: " + out.splitlines()[0])
        return 0
    finally:
        for node in nodes:
            node.stop()
        subprocess.run(["psql", PG_URL, "-q", "-c",
                        "DROP SCHEMA IF EXISTS cluster_test_%d CASCADE" % os.getpid()],
                       capture_output=True, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
