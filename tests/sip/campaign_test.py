#!/usr/bin/env python3
"""A campaign end to end with a real phone: a supervisor uploads a target file over HTTP
(POST /api/v1/campaigns), starts it, and the engine calls the citizen through the trunk.
baresip, as the citizen, answers by itself; it hears the identity question (the masked
salutation only), presses 1 (RFC 4733) to say it is them, hears the notices and presses 1 to
confirm. The target ends confirmed, the campaign finished with a success rate of 1; the
identity question and the notice were both heard (baresip's recording holds two stretches of
speech); the full number is in no log line and no file of the data directory.

Usage: campaign_test.py ZHIXIAN_BINARY SOURCE_DIR. Exit 77 (skip) without baresip (with its
modules). Loopback only; every wait is bounded.
"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from baresip_test import BARESIP, MODULE_DIR, MODULES, Baresip  # noqa: E402
from notice_test import Api, test_privacy  # noqa: E402
from sip_test import Server  # noqa: E402
from visit_test import add_user, wait  # noqa: E402

NUMBER = "13987650001"  # the citizen; never in full in a log or on disk
ID_NUMBER = "110101198001010010"


def upload(api, token, path, name):
    import urllib.request
    req = urllib.request.Request(api.base + "/api/v1/campaigns?name=" + name,
                                 data=open(path, "rb").read(), method="POST")
    req.add_header("Content-Type", "text/csv")
    req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201, r.status
        return json.loads(r.read())


def campaign(api, server, phone, lead, workdir):
    path = os.path.join(workdir, "targets.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("姓名,性别,手机号,身份证号,场景,申请编号,逾期天数,应缴金额,截止日期\n")
        f.write("王小明,男,%s,%s,ob.card_ready,SB2026001,,,\n" % (NUMBER, ID_NUMBER))
        f.write("王小明,男,%s,%s,ob.overdue,,15,1234.50,2026-12-31\n" % (NUMBER, ID_NUMBER))
    created = upload(api, lead, path, "e2e")
    cid = created["campaign"]["id"]
    assert created["added"] == 1, created  # two notices, one call
    status, body = api.request("POST", "/api/v1/campaigns/%s/start" % cid, {}, lead)
    assert status == 200, (status, body)

    def attempt():
        status, t = api.request("GET", "/api/v1/campaigns/%s/targets/1" % cid, token=lead)
        assert status == 200, (status, t)
        return t["attempts"][0] if t.get("attempts") and t["attempts"][0]["call_id"] else None
    call_id = wait("the call", attempt, 30)["call_id"]
    call = api.wait_call(lead, call_id, lambda c: any(
        e["event"] == "identity" for e in c["events"]), 20)
    time.sleep(1.5)
    phone.command("sndcode", "1")  # it is me
    call = api.wait_call(lead, call_id, lambda c: any(
        e["event"] == "notice" for e in c["events"]), 20)
    start_ms = [e for e in call["events"] if e["event"] == "notice"][0]["at_ms"]
    time.sleep(max(0, start_ms / 1000 + call["notice_ms"] / 1000 + 1.0 - time.time()))
    phone.command("sndcode", "1")  # confirmed
    call = api.wait_call(lead, call_id, lambda c: c["state"] == "ended", 20)
    print("campaign call: %s" % json.dumps(call, ensure_ascii=False))
    assert call["outcome"] == "confirmed" and call["digits"] == "11", call

    def finished():
        status, c = api.request("GET", "/api/v1/campaigns/" + cid, token=lead)
        assert status == 200, (status, c)
        return c if c["campaign"]["state"] == "finished" else None
    body = wait("the campaign to finish", finished, 20)
    figures = body["figures"]
    print("figures: %s" % json.dumps(figures, ensure_ascii=False))
    assert figures["confirmed"] == 1 and figures["reached"] == 1, figures
    assert abs(figures["success_rate"] - 1.0) < 1e-9, figures
    text = json.dumps(api.request("GET", "/api/v1/campaigns/%s/targets" % cid, token=lead)[1],
                      ensure_ascii=False)
    assert NUMBER not in text and "王小明" not in text and ID_NUMBER not in text, text


def main():
    if not BARESIP or not all(os.path.exists(os.path.join(MODULE_DIR, m + ".so"))
                              for m in MODULES):
        print("SKIP: baresip (package baresip-core) with modules %s is not installed"
              % ", ".join(MODULES))
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="zx-campaign-") as workdir:
        phone = Baresip(workdir, user=NUMBER)
        server = None
        try:
            server = Server(binary, source, workdir, env={
                "ZHIXIAN_TRUNK_PROXY": "sip:127.0.0.1:%d" % phone.sip_port,
                "ZHIXIAN_TRUNK_DOMAIN": "127.0.0.1",
                "ZHIXIAN_CAMPAIGNS_HOURS": "00:00-24:00",
                "ZHIXIAN_CAMPAIGNS_WORKING_DAYS_ONLY": "0",
                "ZHIXIAN_CAMPAIGNS_CHECK_EVERY_MS": "200"})
            add_user(server, "lead", "supervisor")
            base = server.wait_for(r"serve\.ready http=(http://[\d.]+:\d+)", 5).group(1)
            api = Api(base)
            t0 = time.time()
            campaign(api, server, phone, api.login("lead"), workdir)
            print("PASS campaign call confirmed by keys (%.1f s)" % (time.time() - t0))
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
