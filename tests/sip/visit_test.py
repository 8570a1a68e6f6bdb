#!/usr/bin/env python3
"""Return visits (回访) end to end: a work order resolved over HTTP is visited by telephone.

`zhixian serve` (key file; [trunk] pointing at baresip; [visits] calling at any hour and looking
every second) holds a complaint registered with the citizen's number. A department handler of
cgj in 东城区 accepts (签收) and resolves (办结) it; the server then adds it to the standing
campaign ob.return_visit and the campaign engine calls the number through the trunk. baresip,
as the citizen, answers by itself, hears the visit and presses 3 (不满意, RFC 4733): the call
ends confirmed with digit 3, the order is reopened (its task back to the department), its
history says 未解决，不满意, and its satisfaction is 不满意. The campaign shows it. The full number
is in no log line and no file of the data directory.

Usage: visit_test.py ZHIXIAN_BINARY SOURCE_DIR. Exit 77 (skip) without baresip (with its
modules). Loopback only; every wait is bounded.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from baresip_test import BARESIP, MODULE_DIR, MODULES, Baresip  # noqa: E402
from notice_test import PASSWORD, Api, test_privacy  # noqa: E402
from sip_test import Server, pg  # noqa: E402  (pg: the database at rest)

NUMBER = "13987654321"  # the citizen; never in full in a log or on disk


def add_user(server, name, role, *scope):
    p = subprocess.run([server.binary, "user", "add", name, "--role", role, *scope, "--data",
                        server.data], input=PASSWORD + "\n", capture_output=True, text=True,
                       timeout=60, env=server.env)
    assert p.returncode == 0, p.stderr


def wait(what, check, timeout):
    deadline = time.time() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.25)


def visit(api, server, phone, lead, handler):
    status, order = api.request("POST", "/api/v1/tickets", {
        "text": "幸福路12号门口的井盖丢了好几天了，晚上很危险",
        "summary": "幸福路12号井盖缺失", "topic": "ts.road_damage", "district": "东城区",
        "place": "幸福路", "departments": [{"code": "cgj", "role": "lead"}],
        "contact": NUMBER, "channel": "voice"}, lead)
    assert status == 201, (status, order)
    oid = order["id"]
    assert order["state"] == "dispatched" and order["contact_masked"] == "139****4321", order
    for action, body in (("accept", {}), ("resolve", {"reply": "已补装井盖并设置警示"})):
        status, order = api.request("POST", "/api/v1/tickets/%s/%s" % (oid, action), body, handler)
        assert status == 200, (action, status, order)
    assert order["state"] == "resolved" and order["visit"] == "due", order

    # The server places the visit call itself, as an attempt of the standing campaign
    # ob.return_visit (attempt cp:ob.return_visit:<target>:<n>; the log masks any run of 8
    # digits in the call's hex id: the id is read from the database).
    server.wait_for(r"notice\.dialing id=\S+ .*attempt=cp:ob\.return_visit:", 20)
    (row,) = pg.query(server.data, "SELECT id FROM notice_calls WHERE attempt_id LIKE "
                      "'cp:ob.return_visit:%'")
    call_id = row["id"]
    call = api.wait_call(lead, call_id, lambda c: any(
        e["event"] == "notice" for e in c["events"]), 20)
    notice_s = call["notice_ms"] / 1000
    assert notice_s > 3, call
    start_ms = [e for e in call["events"] if e["event"] == "notice"][0]["at_ms"]
    time.sleep(max(0, start_ms / 1000 + notice_s + 1.0 - time.time()))
    phone.command("sndcode", "3")
    call = api.wait_call(lead, call_id, lambda c: c["state"] == "ended", 20)
    print("visit call: %s" % json.dumps(call, ensure_ascii=False))
    assert call["digits"] == "3" and call["outcome"] == "confirmed", call

    # The next look at the visits records the verdict: 不满意 reopens the order once.
    def reopened():
        status, o = api.request("GET", "/api/v1/tickets/" + oid, token=lead)
        assert status == 200, (status, o)
        return o if o["reopened"] else None
    order = wait("the order to reopen", reopened, 20)
    print("order after the visit: state=%s satisfaction=%s reopened=%s"
          % (order["state"], order["satisfaction"], order["reopened"]))
    assert order["satisfaction"] == "不满意" and order["visit_solved"] is False, order
    assert order["state"] == "dispatched", order
    assert [t["state"] for t in order["tasks"]] != ["resolved"], order["tasks"]
    visits = [h for h in order["history"] if h["action"] == "visit"]
    assert visits and "不满意" in visits[-1]["reason"], order["history"]
    # One call for the one attempt, also after the verdict.
    time.sleep(2)
    assert len(re.findall(r"notice\.dialing .*attempt=cp:ob\.return_visit:", server.text())) == 1
    # The standing campaign counts it: one target, one attempt, confirmed.
    status, shown = api.request("GET", "/api/v1/campaigns/ob.return_visit", token=lead)
    assert status == 200, (status, shown)
    f = shown["figures"]
    assert (f["targets"], f["attempts"], f["confirmed"]) == (1, 1, 1), shown
    assert shown["campaign"]["state"] == "running", shown
    assert len(re.findall(r"call: answering call", phone.text())) == 1


def main():
    if not BARESIP or not all(os.path.exists(os.path.join(MODULE_DIR, m + ".so"))
                              for m in MODULES):
        print("SKIP: baresip (package baresip-core) with modules %s is not installed"
              % ", ".join(MODULES))
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="zx-visit-") as workdir:
        phone = Baresip(workdir, user=NUMBER)
        server = None
        try:
            server = Server(binary, source, workdir, env={
                "ZHIXIAN_TRUNK_PROXY": "sip:127.0.0.1:%d" % phone.sip_port,
                "ZHIXIAN_TRUNK_DOMAIN": "127.0.0.1",
                "ZHIXIAN_VISITS_HOURS": "00:00-24:00",
                "ZHIXIAN_VISITS_WORKING_DAYS_ONLY": "0",
                "ZHIXIAN_VISITS_CHECK_EVERY_S": "1"})
            add_user(server, "lead", "supervisor")
            add_user(server, "cgj1", "department_handler", "--department", "cgj",
                     "--district", "东城区")
            base = server.wait_for(r"serve\.ready http=(http://[\d.]+:\d+)", 5).group(1)
            api = Api(base)
            t0 = time.time()
            visit(api, server, phone, api.login("lead"), api.login("cgj1"))
            print("PASS visit pressing 3 reopens the order (%.1f s)" % (time.time() - t0))
            test_privacy(server, NUMBER)
            print("PASS privacy")
        except Exception as e:
            print("FAIL: %s" % e)
            print("---- baresip log (tail) ----\n" + phone.text()[-3000:])
            if server:
                print("---- server log (tail) ----\n" + server.text()[-4000:])
            return 1
        finally:
            phone.stop()
            if server:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
