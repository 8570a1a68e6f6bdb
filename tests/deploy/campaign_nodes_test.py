#!/usr/bin/env python3
"""One campaign dialled by three `zhixian serve` nodes on one PostgreSQL database, nodes killed
at random (docs/campaigns.md "Exactly once", docs/deployment.md): nodes A, B and C share one
fresh schema and one key file, each with its own data directory and ports, and all send their
calls to one SIPp callee (the trunk: tests/campaigns/uas_callee.xml, every citizen answers and
hangs up a second later, hung_up_early). While the campaign runs, a node is killed with SIGKILL
at random moments (never all three at once; at most two down) and started again on the same
data directory after a short random pause; one kill, of a node with an answered call, keeps
the node down longer than its liveness lease (20 s) so that the live nodes close what it left
open.

Checked:
  exactly once  no attempt (X-Campaign-Attempt) reached the callee in two calls: never two
                Call-IDs for one attempt id (retransmissions of one INVITE share a Call-ID);
                every INVITE belongs to an attempt in the database and came from the node (by
                its SIP port) the database names for that attempt; every answered attempt
                reached the callee
  outcomes      the campaign finishes (bounded wait), every target is done with an outcome
                (API GET /campaigns/{id}/targets), no attempt is left open, and `zhixian campaign
                report --json` counts every target and attempt
  shared        each node dialled some calls (INVITEs at the callee per node; the split of
                attempts and INVITEs is printed)
  kills         at least 4 kills, 3 of them of a node with calls up (or being placed), never
                three nodes down at once; every killed node started again on its data directory
                (serve.ready) under the same node name
  own calls     a node back within seconds closes its own calls at start; only the node kept
                down past its lease had calls closed by another (notice.interrupted ... node=)
  audit         `zhixian audit verify` on each node's data directory: one unbroken chain
  takeover      what the long-dead node left open was closed by the live nodes while it was down
                (campaign.attempt_ended in their logs), not before its lease could run out
                (15 s after the kill at the earliest); a call still going (or not yet placed) at
                the kill ends `interrupted` and its target is called again under attempt n+1

Prints the figures: targets, attempts, INVITEs, per node, kills, durations, the takeover.

Usage: campaign_nodes_test.py ZHIXIAN_BINARY SOURCE_DIR. Needs sipp, psql and
ZX_TEST_POSTGRES_URL (scripts/pg_test_cluster.sh start DIR prints one); exit 77 (skip) without.
ZX_KILL_SEED=N replays the kill moments of a run (the seed is printed). Loopback only; every
wait is bounded.
"""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from zhixian_node import PG_URL, Api, Node, free_port, fresh_schema  # noqa: E402

SIPP = shutil.which("sipp")

TARGETS = 100             # enough that calls go on through the kills
CONCURRENT = 3            # campaign calls at once, all nodes together (counted in the database)
MAX_ATTEMPTS = 3
# Kills happen in this long at most (from the campaign's start). About 20 s of it go without
# calls: the node killed past its lease holds the campaign's slots with its open attempts until
# the live nodes close them.
KILL_PHASE_S = 60
MAX_KILLS = 16
BETWEEN_KILLS_S = (0.5, 2.5)
SHORT_DOWN_S = (0.3, 3.0)
LEASE_S = 20              # a node's liveness lease (src/app/serve.cc), renewed every 5 s
LEASE_RENEW_S = 5
LONG_DOWN_S = LEASE_S + 6  # the one kill that outlasts the lease
FINISH_WAIT_S = 120


def sql(url, query):
    """Rows of `query` (lists of strings) on the test schema."""
    p = subprocess.run(["psql", url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, "psql failed: %s\n%s" % (query, p.stderr)
    return [line.split("\t") for line in p.stdout.splitlines() if line]


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


def callee_invites(message_file):
    """The INVITEs SIPp received: (count of INVITE messages, {attempt: {Call-ID: sender port}})."""
    text = open(message_file, encoding="utf-8", errors="replace").read()
    messages, calls = 0, {}
    for block in re.split(r"\n-{10,}[^\n]*\n", text):
        if "message received" not in block[:200]:
            continue
        if not re.search(r"^INVITE sip:", block, re.M):
            continue
        messages += 1
        attempt = re.search(r"^X-Campaign-Attempt:\s*(\S+)", block, re.M | re.I)
        call_id = re.search(r"^(?:Call-ID|i):\s*(\S+)", block, re.M | re.I)
        via = re.search(r"^(?:Via|v):\s*SIP/2\.0/\w+\s+[^\s:;]+:(\d+)", block, re.M | re.I)
        assert attempt and call_id and via, "an INVITE without attempt, Call-ID or Via port:\n" \
            + block[:800]
        calls.setdefault(attempt.group(1), {})[call_id.group(1)] = int(via.group(1))
    return messages, calls


class Member:
    """One of the three nodes: fixed ports and data directory, started again after each kill."""

    def __init__(self, name, binary, source, workdir, env, key_file):
        self.name, self.binary, self.source, self.workdir = name, binary, source, workdir
        self.env, self.key_file = env, key_file
        self.http_port = free_port(socket.SOCK_STREAM)
        self.sip_port = free_port()
        self.node = None        # the running Node, None while down
        self.runs = []          # every Node started, for the logs
        self.kills = 0
        self.restart_at = None
        self.node_name = None   # as the cluster knows it (cluster.node name=...)

    def start(self):
        t0 = time.time()
        node = Node.__new__(Node)
        self.runs.append(node)  # kept before it is ready: stopped in the end even if it never is
        node.__init__(self.binary, self.source, self.workdir, env=self.env,
                      key_file=self.key_file, http="127.0.0.1:%d" % self.http_port,
                      sip="127.0.0.1:%d" % self.sip_port)
        self.node = node
        name = self.node.wait_for(r"cluster\.node name=(\S+)", 10).group(1)
        assert self.node_name in (None, name), "node %s renamed: %s, was %s" % (
            self.name, name, self.node_name)
        self.node_name = name
        self.restart_at = None
        return time.time() - t0

    def kill(self):
        self.node.kill()
        self.node = None
        self.kills += 1

    @property
    def alive(self):
        return self.node is not None

    def log(self):
        return "\n".join(n.text() for n in self.runs if hasattr(n, "log"))

    def count(self, pattern):
        return len(re.findall(pattern, self.log()))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not SIPP:
        print("skipped: sipp is not installed (scripts/install-deps.sh --test)")
        return 77
    if not PG_URL or not shutil.which("psql"):
        print("skipped: ZX_TEST_POSTGRES_URL is not set or psql is missing "
              "(scripts/pg_test_cluster.sh)")
        return 77
    seed = int(os.environ.get("ZX_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    schema = "campaign_nodes_%d" % os.getpid()
    url = fresh_schema(schema)
    work = tempfile.mkdtemp(prefix="zx-campaign-nodes-")
    key_file = os.path.join(work, "shared-keys", "zhixian.keys")
    trunk = free_port()
    env = {
        "ZHIXIAN_DATABASE_URL": url,
        "ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE": "0",
        "ZHIXIAN_TRUNK_PROXY": "sip:127.0.0.1:%d" % trunk,
        "ZHIXIAN_TRUNK_DOMAIN": "127.0.0.1",
        "ZHIXIAN_TRUNK_REGISTER": "0",
        # Calls at any hour of any day, retries 1.2 s after an attempt that found nobody.
        "ZHIXIAN_CAMPAIGNS_HOURS": "00:00-24:00",
        "ZHIXIAN_CAMPAIGNS_WORKING_DAYS_ONLY": "0",
        "ZHIXIAN_CAMPAIGNS_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "ZHIXIAN_CAMPAIGNS_RETRY_AFTER_MIN": "0.02",
        "ZHIXIAN_CAMPAIGNS_PER_NUMBER_DAY": "10",
        "ZHIXIAN_CAMPAIGNS_PER_NUMBER_WEEK": "10",
        "ZHIXIAN_CAMPAIGNS_CAMPAIGN_CONCURRENT": str(CONCURRENT),
        "ZHIXIAN_CAMPAIGNS_PACE_PER_S": "20",
        "ZHIXIAN_CAMPAIGNS_CHECK_EVERY_MS": "200",
        "ZHIXIAN_CAMPAIGNS_KEY_TIMEOUT_S": "2",
    }
    sipp = None
    members = []
    t_begin = time.time()
    try:
        messages = os.path.join(work, "callee_messages.log")
        sipp = subprocess.Popen(
            [SIPP, "-sf", os.path.join(source, "tests", "campaigns", "uas_callee.xml"),
             "-i", "127.0.0.1", "-p", str(trunk), "-mi", "127.0.0.1",
             "-mp", str(free_port() & ~1), "-nostdin", "-trace_msg", "-message_file", messages,
             "-max_recv_loops", "1000"],
            cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

        for name in "ABC":
            members.append(Member(name, binary, source, os.path.join(work, name.lower()), env,
                                  key_file))
        start_times = [m.start() for m in members]
        by_node = {m.node_name: m for m in members}
        by_port = {m.sip_port: m for m in members}
        assert len(by_node) == 3, "the three nodes share a name: %s" % list(by_node)
        a = members[0]
        a.node.add_user("lead", "supervisor")

        # The campaign: made and started from A's command line, dialled by all three.
        path = os.path.join(work, "targets.csv")
        target_file(path)
        code, out, err = a.node.cli("campaign", "create", "--name", "三节点", path, "--json")
        assert code == 0, "campaign create: %s %s" % (out, err)
        created = json.loads(out.strip().splitlines()[-1])
        campaign = created["campaign"]["id"]
        assert created["added"] == TARGETS, created
        code, out, err = a.node.cli("campaign", "start", campaign)
        assert code == 0, "campaign start: %s %s" % (out, err)
        t_started = time.time()
        print("campaign %s: %d targets, started on A; nodes A %s, B %s, C %s (seed %d)"
              % (campaign, TARGETS, *(m.node_name for m in members), seed))

        def state():
            return sql(url, "SELECT state FROM campaigns WHERE id = '%s'" % campaign)[0][0]

        def open_attempts(member):
            """[attempt id, n, seq, its notice call's state ('' before the call)]"""
            return sql(url, "SELECT a.attempt_id, a.n, a.seq, COALESCE(c.state, '') FROM "
                            "campaign_attempts a LEFT JOIN notice_calls c ON c.id = a.call_id "
                            "WHERE a.node = '%s' AND a.state <> 'ended'" % member.node_name)

        def with_calls(members_, answered=False):
            """Those of `members_` with a call up or being placed (answered: answered calls)."""
            rows = sql(url, "SELECT DISTINCT a.node FROM campaign_attempts a LEFT JOIN "
                            "notice_calls c ON c.id = a.call_id WHERE a.state <> 'ended' AND %s"
                       % ("c.state = 'answered'" if answered
                          else "COALESCE(c.state, '') <> 'ended'"))
            names = {r[0] for r in rows}
            return [m for m in members_ if m.node_name in names]

        # Kills at random moments: before, during and after calls, while attempts are written.
        # Mostly (2 in 3) of a node with calls up when there is one: calls go in batches (the
        # node that ticks first when the campaign's slots free up takes them all).
        kills, restart_s, downs = [], [], 0
        # The lease kill: member, kill_ms, open (attempts open at the kill), rows (at restart).
        lease_kill = {}

        def restart(m):
            if lease_kill.get("member") is m and "rows" not in lease_kill:
                # What the long-dead node left open: closed by the live nodes by now.
                ids = [r[0] for r in lease_kill["open"]]
                rows = sql(url, "SELECT attempt_id, state, outcome, ended_ms FROM "
                                "campaign_attempts WHERE attempt_id IN (%s)"
                                % ",".join("'%s'" % i for i in ids)) if ids else []
                still = [r for r in rows if r[1] != "ended"]
                assert not still, ("node %s down %d s, its lease %d s: attempts it left open "
                                   "are still open: %s" % (m.name, LONG_DOWN_S, LEASE_S, still))
                lease_kill["rows"] = {r[0]: r for r in rows}
            restart_s.append(m.start())

        next_kill = time.time() + rng.uniform(*BETWEEN_KILLS_S)
        kill_end = t_started + KILL_PHASE_S
        finished_early, next_look = False, 0.0
        while True:
            now = time.time()
            for m in members:
                if not m.alive and m.restart_at <= now:
                    restart(m)
            if now >= kill_end or len(kills) >= MAX_KILLS:
                break
            if now >= next_look:
                next_look = now + 0.5
                if state() == "finished":
                    finished_early = True
                    break
            alive = [m for m in members if m.alive]
            if now >= next_kill and len(alive) >= 2:  # never all three down
                busy = with_calls(alive)
                victim = rng.choice(busy if busy and rng.random() < 2 / 3 else alive)
                down = rng.uniform(*SHORT_DOWN_S)
                if not lease_kill and kills and now + LONG_DOWN_S < kill_end + 5:
                    # The lease kill: a node with a citizen on the line (an answered call, as
                    # most of a call's life is), down longer than its lease.
                    busy = with_calls(alive, answered=True)
                    if busy:
                        victim, down = rng.choice(busy), LONG_DOWN_S
                at = time.time()
                victim.kill()
                left = open_attempts(victim)  # frozen now: nobody else may close them yet
                cut = sum(1 for r in left if r[3] != "ended")
                if down == LONG_DOWN_S:
                    if cut:
                        lease_kill.update(member=victim, kill_ms=int(at * 1000), open=left)
                    else:  # the call ended just before the kill: a short one, then another try
                        down = rng.uniform(*SHORT_DOWN_S)
                victim.restart_at = at + down
                kills.append((at - t_started, victim.name, down, cut))
                downs = max(downs, sum(1 for m in members if not m.alive))
                next_kill = time.time() + rng.uniform(*BETWEEN_KILLS_S)
            time.sleep(0.05)
        t_kills_done = time.time()
        # Every node up again (the long-dead one after its pause), then the campaign's end.
        for m in members:
            if not m.alive:
                time.sleep(max(0.0, m.restart_at - time.time()))
                restart(m)
        cutting = sum(1 for k in kills if k[3])
        print("kills: %d in %.1f s, %d of them with calls up, at most %d nodes down at once: %s"
              % (len(kills), t_kills_done - t_started, cutting, downs,
                 " ".join("%s@%.1fs(down %.1fs, %d calls)" % (n, t, d, c)
                          for t, n, d, c in kills)))
        assert len(kills) >= 4, "only %d kills before the campaign finished: %s" % (
            len(kills), kills)
        assert cutting >= 3, "only %d kills came with calls up: %s" % (cutting, kills)
        assert downs < 3, "all three nodes were down at once"
        assert lease_kill, "no node had an answered call when the lease kill was due"

        deadline = time.time() + FINISH_WAIT_S
        while state() != "finished":
            if time.time() > deadline:
                rows = sql(url, "SELECT seq, state, outcome, attempts, next_ms, claimed_by, "
                                "claim_until FROM campaign_targets WHERE campaign_id = '%s' AND "
                                "state <> 'done' ORDER BY seq" % campaign)
                opened = sql(url, "SELECT attempt_id, node, call_id, state FROM "
                                  "campaign_attempts WHERE state <> 'ended'")
                raise AssertionError("campaign not finished %d s after the kills; targets not "
                                     "done (seq, state, outcome, attempts, next_ms, claimed_by, "
                                     "claim_until): %s; open attempts: %s"
                                     % (FINISH_WAIT_S, rows, opened))
            time.sleep(0.5)
        t_finished = time.time()

        # outcomes: every target done with one.
        api = Api(members[1].node.base)
        token = api.login("lead")
        status, page = api.request("GET", "/api/v1/campaigns/%s/targets?limit=1000" % campaign,
                                   token=token)
        assert status == 200, (status, page)
        rows = page["rows"]
        assert len(rows) == TARGETS and page["total"] == TARGETS, page
        no_outcome = [r for r in rows if not r["outcome"] or r["state"] != "done"]
        assert not no_outcome, "targets without an outcome: %s" % no_outcome
        code, out, err = members[2].node.cli("campaign", "report", campaign, "--json")
        assert code == 0, "campaign report: %s %s" % (out, err)
        figures = json.loads(out)["figures"]

        # {attempt id: (Member, state, outcome, ended_ms)}
        attempts = {r[0]: (by_node.get(r[1]), r[2], r[3], int(r[4])) for r in sql(
            url, "SELECT attempt_id, node, state, outcome, ended_ms FROM campaign_attempts "
                 "WHERE campaign_id = '%s'" % campaign)}
        strangers = {a: v for a, v in attempts.items() if v[0] is None}
        assert not strangers, "attempts of a node that is none of A, B, C: %s" % strangers
        unended = {a: v[1:] for a, v in attempts.items() if v[1] != "ended"}
        assert not unended, "attempts left open after the campaign finished: %s" % unended
        assert figures["targets"] == TARGETS and figures["done"] == TARGETS, figures
        assert figures["attempts"] == len(attempts), (figures, len(attempts))

        for m in members:
            m.node.stop()
            m.node = None
        time.sleep(1.5)  # the callee's last BYEs and retransmissions
        invite_messages, calls = callee_invites(messages)

        # exactly once: one call per attempt at the callee, from the node that recorded it.
        twice = {a: c for a, c in calls.items() if len(c) > 1}
        assert not twice, "attempts dialled twice (two Call-IDs at the callee): %s" % twice
        unknown = sorted(set(calls) - set(attempts))
        assert not unknown, "INVITEs of attempts the database does not hold: %s" % unknown
        wrong_node = {a: (by_port[p].name if p in by_port else p, attempts[a][0].name)
                      for a, c in calls.items() for p in c.values()
                      if by_port.get(p) is not attempts[a][0]}
        assert not wrong_node, ("INVITEs from another node than the attempt's (sent by, "
                                "recorded by): %s" % wrong_node)
        answered = [a for a, v in attempts.items() if v[2] == "hung_up_early"]
        unheard = [a for a in answered if a not in calls]
        assert not unheard, "answered attempts the callee never saw: %s" % unheard

        # shared: each node dialled.
        split_db = {m.name: sum(1 for v in attempts.values() if v[0] is m) for m in members}
        split_callee = {m.name: sum(1 for c in calls.values() for p in c.values()
                                    if by_port.get(p) is m) for m in members}
        idle = [n for n, k in split_callee.items() if k == 0]
        assert not idle, "nodes that dialled nothing: %s (attempts %s, INVITEs %s)" % (
            idle, split_db, split_callee)

        # Only the node down longer than its lease had its calls closed by another node.
        victim = lease_kill["member"]
        taken = {m.name: re.findall(r"notice\.interrupted id=\S+ node=(\S+)", m.log())
                 for m in members}
        premature = {n: [x for x in names if x != victim.node_name] for n, names in taken.items()}
        assert not any(premature.values()), (
            "calls of a node that was running (or back within seconds) closed by another node: "
            "%s" % premature)

        # audit: one chain, verified from every node's data directory.
        for m in members:
            code, out, err = m.runs[-1].cli("audit", "verify")
            assert code == 0 and out.startswith("ok:"), "audit verify on %s: %s %s %s" % (
                m.name, code, out, err)
        print("audit: verified on A, B and C: " + out.splitlines()[0])

        print("targets %d, all done: outcomes %s" % (TARGETS, json.dumps(figures["outcomes"])))
        print("attempts %d in the database, %d reached the callee (%d INVITE messages, "
              "%d Call-IDs), 0 dialled twice" % (
                  len(attempts), len(calls), invite_messages,
                  sum(len(c) for c in calls.values())))
        print("per node: attempts %s; calls at the callee %s; kills %s; starts %s" % (
            split_db, split_callee, {m.name: m.kills for m in members},
            {m.name: len(m.runs) for m in members}))
        print("log lines: campaign.dialing %s; notice.interrupted at a restart %s, of another "
              "node %s; campaign.not_placed %s" % (
                  {m.name: m.count(r"campaign\.dialing ") for m in members},
                  {m.name: m.count(r"notice\.interrupted id=\S+ outcome=") for m in members},
                  {m.name: m.count(r"notice\.interrupted id=\S+ node=") for m in members},
                  {m.name: m.count(r"campaign\.not_placed ") for m in members}))
        print("durations: first starts %s s, restarts %.1f-%.1f s, campaign %.1f s (kills "
              "%.1f s, then %.1f s to finish), total %.1f s" % (
                  "/".join("%.1f" % s for s in start_times), min(restart_s or [0]),
                  max(restart_s or [0]), t_finished - t_started, t_kills_done - t_started,
                  t_finished - t_kills_done, time.time() - t_begin))
        if finished_early:
            print("note: the campaign finished before the kill phase's end")

        # takeover: what the long-dead node left open, closed by the live nodes once its lease
        # ran out; a call still going (or not yet placed) at the kill ends interrupted and its
        # target is called again under the next attempt number.
        kill_ms, rows = lease_kill["kill_ms"], lease_kill["rows"]
        others = "\n".join(m.log() for m in members if m is not victim)
        ids = [r[0] for r in lease_kill["open"]]
        causes = {}  # attempt id: the cause of its notice call's hangup (who closed it, why)
        for attempt_id, events in sql(url, "SELECT attempt_id, events FROM notice_calls WHERE "
                                           "attempt_id IN (%s)" % ",".join("'%s'" % i
                                                                          for i in ids)):
            hangups = [e.get("cause", "") for e in json.loads(events) if e["event"] == "hangup"]
            causes[attempt_id] = hangups[-1] if hangups else ""
        report = ["%s (call %s at the kill) ended %.1f s after it: %s, hangup cause %r" % (
            a, state or "not placed", (int(rows[a][3]) - kill_ms) / 1000, rows[a][2],
            causes.get(a, "")) for a, _, _, state in lease_kill["open"]]
        print("takeover: %s killed with %d attempts open, down %d s; closed by the live nodes: "
              "%s" % (victim.name, len(report), LONG_DOWN_S, "; ".join(report)))
        for attempt_id, n, seq, call_state in lease_kill["open"]:
            outcome, after = rows[attempt_id][2], (int(rows[attempt_id][3]) - kill_ms) / 1000
            assert "campaign.attempt_ended attempt=%s " % attempt_id in others, (
                "%s of %s: not ended by a live node" % (attempt_id, victim.name))
            if call_state == "ended":
                continue  # the call had ended before the kill: its own outcome
            assert after >= LEASE_S - LEASE_RENEW_S - 1, (
                "%s of %s closed %.1f s after the kill, before its lease (%d s, renewed every "
                "%d s) could run out" % (attempt_id, victim.name, after, LEASE_S, LEASE_RENEW_S))
            assert outcome == "interrupted", (
                "%s, a call of %s still %s when it was killed, was closed by a live node as %r, "
                "not 'interrupted': its target is not called again (hangup cause %r)"
                % (attempt_id, victim.name, call_state or "not placed", outcome,
                   causes.get(attempt_id, "")))
            retry = "cp:%s:%s:%d" % (campaign, seq, int(n) + 1)
            assert int(n) >= MAX_ATTEMPTS or retry in attempts, (
                "%s interrupted but its target was not called again (no %s)" % (attempt_id,
                                                                                retry))
        return 0
    except Exception:
        for m in members:
            sys.stderr.write("---- node %s log (tail) ----\n%s\n" % (m.name, m.log()[-4000:]))
        raise
    finally:
        for m in members:
            for n in m.runs:
                if getattr(n, "proc", None):
                    n.stop()
        if sipp:
            sipp.kill()
            sipp.wait()
        if os.environ.get("ZX_KEEP_WORK"):  # for a post-mortem: logs, data, schema kept
            for m in members:
                with open(os.path.join(work, "node-%s.log" % m.name), "w") as f:
                    f.write(m.log())
            print("kept: work directory %s (node-A.log ...), schema %s" % (work, schema))
        else:
            subprocess.run(["psql", PG_URL, "-q", "-c",
                            "DROP SCHEMA IF EXISTS %s CASCADE" % schema],
                           capture_output=True, timeout=30)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
