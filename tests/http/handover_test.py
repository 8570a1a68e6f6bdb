"""The hand-over for the agent and the end of a chat (issue 11 #6 and #8), over a running
`zhixian serve` with a key file:

  take        two agents take the same conversation at once: one 200, one 409 already_taken;
              the citizen sees the display name an administrator chose, never a login name
  display     `zhixian user display` and PUT /api/v1/users/{id}/display_name, checked
  transfer    to another agent (who then holds it) and back to a named queue, with a reason,
              audited; the former holder can no longer write
  close       by the holder only; ends the conversation with a 受理编号; audited
  search      by 受理编号, phone number (blind index) and date, for each role inside and outside
              its scope; audited with the phone masked
  summary     the address and phone the citizen gave are in 咨询主体, masked, and stored sealed
  corrections {"诉求类型": "闲聊xx", "处理建议": 123} and others are 400 naming the field
  satisfaction  满意/基本满意/不满意 once, after the end (REST and WebSocket)
  after end   a message after the end starts a new conversation (REST: its token in the
              answer; WebSocket: a "started" frame), and a goodbye's end is told once

Usage: handover_test.py ZHIXIAN_BINARY SOURCE_DIR
"""
import json
import os
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # importing the security tests must not litter the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "security"))
import security_test as st  # noqa: E402  (the security tests' server, users and WebSocket)
from pg_deployments import table_rows  # noqa: E402  (the node's SQLite file, or its schema)


PHONE = "13698765432"
ADDRESS = "东城区望潮路1234号3单元"
COMPLAINT = f"社保卡丢了怎么补办？我住在{ADDRESS}，电话{PHONE}"
STAFF = {
    # name: (role, department, district)
    "adm": ("admin", "", ""),
    "sup": ("supervisor", "", ""),
    "agent.a": ("agent", "", ""),
    "agent.b": ("agent", "", ""),
    "hd.rsj.east": ("department_handler", "rsj", "990101"),
    "hd.rsj.west": ("department_handler", "rsj", "990102"),
    "hd.ybj": ("department_handler", "ybj", ""),
    "aud": ("auditor", "", ""),
}


class Handover(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = st.Deployment()
        for name, (role, dept, district) in STAFF.items():
            extra = []
            if dept:
                extra += ["--department", dept]
            if district:
                extra += ["--district", district]
            r = st.add_user(cls.dep.data, cls.dep.config, name, role, *extra)
            assert r.returncode == 0, r.stderr.decode()
        # The 工号 citizens see of agent.a, set on the command line (agent.b's through the API).
        r = st.run(["user", "display", "agent.a", "1024号", "--data", cls.dep.data,
                    "--config", cls.dep.config])
        assert r.returncode == 0, r.stderr.decode()
        cls.server = st.Server(cls.dep.data, cls.dep.config)
        cls.tokens = {}
        for name in STAFF:
            status, body, _ = cls.server.login(name)
            assert status == 200, body
            cls.tokens[name] = body["token"]
        status, raw, _ = cls.server.request("GET", "/api/v1/users", token=cls.tokens["adm"])
        assert status == 200, raw
        cls.user_ids = {u["name"]: u["id"] for u in json.loads(raw)["users"]}
        status, raw, _ = cls.server.request(
            "PUT", f"/api/v1/users/{cls.user_ids['agent.b']}/display_name",
            {"display_name": "小王"}, token=cls.tokens["adm"])
        assert status == 200, raw

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dep.cleanup()

    # --- helpers -----------------------------------------------------------------------------

    def call(self, method, path, body=None, staff=None, citizen=None):
        headers = {"X-Conversation-Token": citizen} if citizen else None
        status, raw, _ = self.server.request(method, path, body,
                                             token=self.tokens[staff] if staff else None,
                                             headers=headers)
        return status, (json.loads(raw) if raw else None)

    def start(self):
        status, body = self.call("POST", "/api/v1/conversations", {})
        self.assertEqual(status, 201, body)
        return body["id"], body["token"]

    def say(self, cid, token, text, expect=200):
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": text}, citizen=token)
        self.assertEqual(status, expect, body)
        return body

    def queued(self, text=COMPLAINT):
        cid, token = self.start()
        self.say(cid, token, text)
        body = self.say(cid, token, "我要转人工")
        self.assertEqual(body["state"], "queued", body)
        return cid, token

    def taken(self, agent="agent.a", text=COMPLAINT):
        cid, token = self.queued(text)
        status, body = self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff=agent)
        self.assertEqual(status, 200, body)
        return cid, token

    def audit(self, action, object_id=None):
        q = f"/api/v1/audit?action={action}&limit=1000"
        if object_id:
            q += f"&object_id={object_id}"
        status, body = self.call("GET", q, staff="aud")
        self.assertEqual(status, 200, body)
        return body["entries"]

    # --- item 6 ------------------------------------------------------------------------------

    def test_two_agents_taking_at_once_one_gets_409_already_taken(self):
        for _ in range(3):
            cid, token = self.queued()
            results = {}
            barrier = threading.Barrier(2)

            def take(agent):
                barrier.wait()
                results[agent] = self.call("POST", f"/api/v1/agent/conversations/{cid}/take",
                                           staff=agent)

            threads = [threading.Thread(target=take, args=(a,)) for a in ("agent.a", "agent.b")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            statuses = sorted(s for s, _ in results.values())
            self.assertEqual(statuses, [200, 409], results)
            loser = next(b for s, b in results.values() if s == 409)
            self.assertEqual(loser["error"]["code"], "already_taken")
            winner = next(a for a, (s, _) in results.items() if s == 200)
            # The citizen sees the winner's display name, never a login name.
            status, view = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
            self.assertEqual(status, 200)
            self.assertEqual(view["agent"], {"agent.a": "1024号", "agent.b": "小王"}[winner])
            raw = json.dumps(view, ensure_ascii=False)
            self.assertNotIn("agent.a", raw)
            self.assertNotIn("agent.b", raw)
            self.assertNotIn("u:", raw)
            # Taking again by the holder is fine; by the other agent still 409.
            other = "agent.b" if winner == "agent.a" else "agent.a"
            status, _ = self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff=winner)
            self.assertEqual(status, 200)
            status, body = self.call("POST", f"/api/v1/agent/conversations/{cid}/take",
                                     staff=other)
            self.assertEqual((status, body["error"]["code"]), (409, "already_taken"))

    def test_display_name_is_set_by_the_administrator_and_checked(self):
        status, me = self.call("GET", "/api/v1/auth/me", staff="agent.a")
        self.assertEqual((status, me["display_name"]), (200, "1024号"))
        uid = self.user_ids["agent.b"]
        status, body = self.call("PUT", f"/api/v1/users/{uid}/display_name",
                                 {"display_name": "很" * 40}, staff="adm")
        self.assertEqual(status, 400, body)
        status, body = self.call("PUT", f"/api/v1/users/{uid}/display_name",
                                 {"display_name": "小王"}, staff="agent.a")
        self.assertEqual(status, 403, body)
        entries = self.audit("user.display_name")
        self.assertTrue(any(e["actor"] == "adm" for e in entries), entries)

    def test_transfer_to_an_agent_then_to_a_queue(self):
        cid, token = self.taken("agent.a")
        path = f"/api/v1/agent/conversations/{cid}/transfer"
        status, body = self.call("POST", path, {"to_agent": "agent.b"}, staff="agent.a")
        self.assertEqual((status, body["error"].get("field")), (400, "reason"), body)
        status, body = self.call("POST", path, {"to_agent": "agent.b", "reason": "x"},
                                 staff="agent.b")
        self.assertEqual(status, 403, body)  # not the holder
        status, body = self.call("POST", path, {"to_agent": "no.such", "reason": "x"},
                                 staff="agent.a")
        self.assertEqual(status, 400, body)
        status, body = self.call("POST", path, {"to_agent": "agent.b", "reason": "需要医保专席"},
                                 staff="agent.a")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["state"], body["agent"]), ("agent", "agent.b"))
        msg = f"/api/v1/agent/conversations/{cid}/messages"
        status, _ = self.call("POST", msg, {"text": "您好"}, staff="agent.a")
        self.assertEqual(status, 403)
        status, _ = self.call("POST", msg, {"text": "您好，我是医保专席"}, staff="agent.b")
        self.assertEqual(status, 204)
        status, view = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
        self.assertEqual(view["agent"], "小王")
        self.assertTrue(any("小王" in t["text"] for t in view["turns"] if t["role"] == "agent"))
        # Back to a queue: no holder, waiting again, the queue named.
        status, body = self.call("POST", path, {"to_queue": "医保专席", "reason": "下班交接"},
                                 staff="agent.b")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["state"], body["agent"], body["queue"]),
                         ("queued", None, "医保专席"))
        status, q = self.call("GET", "/api/v1/agent/queue", staff="agent.a")
        item = next(i for i in q["queue"] if i["id"] == cid)
        self.assertEqual(item["queue"], "医保专席")
        status, _ = self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff="agent.a")
        self.assertEqual(status, 200)
        entries = self.audit("conversation.transfer", cid)
        self.assertEqual(len(entries), 2, entries)
        self.assertEqual(entries[0]["details"]["reason"], "需要医保专席")

    def test_close_by_the_holder_only(self):
        cid, token = self.taken("agent.a")
        path = f"/api/v1/agent/conversations/{cid}/close"
        status, body = self.call("POST", path, {"reason": "x"}, staff="agent.b")
        self.assertEqual(status, 403, body)
        status, body = self.call("POST", path, {"reason": "已解答"}, staff="agent.a")
        self.assertEqual(status, 200, body)
        self.assertRegex(body["reference"], r"^\d{12,}$")
        status, view = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
        self.assertEqual((view["state"], view["reference"]), ("ended", body["reference"]))
        status, again = self.call("POST", path, {}, staff="agent.a")
        self.assertEqual(status, 409, again)
        # Each attempt by the holder is recorded (the second was refused by the service).
        closes = self.audit("conversation.close", cid)
        self.assertEqual([e["actor"] for e in closes], ["agent.a", "agent.a"])
        self.assertEqual(closes[0]["details"]["reason"], "已解答")

    def test_summary_has_the_contact_masked_and_sealed(self):
        cid, token = self.taken("agent.a")
        status, body = self.call("POST", f"/api/v1/agent/conversations/{cid}/close", {},
                                 staff="agent.a")
        self.assertEqual(status, 200, body)
        subject = body["summary"]["咨询主体"]
        self.assertEqual(subject["contact"], "136****5432")
        self.assertEqual(subject["address"], "东城区望潮路****号*单元")
        status, view = self.call("GET", f"/api/v1/agent/conversations/{cid}", staff="agent.a")
        self.assertEqual(view["summary"]["咨询主体"]["contact"], "136****5432")
        raw = json.dumps(view, ensure_ascii=False)
        self.assertNotIn(PHONE, raw)  # the transcript masks phone numbers too
        self.assertNotIn("1234号", json.dumps(view["summary"], ensure_ascii=False))
        # Nothing of it in clear in the database (SQLite, or its schema under with_postgres.py).
        for table in ("conversations", "conversation_turns"):
            for text in table_rows(self.dep.data, table):
                self.assertNotIn(PHONE, text)
                self.assertNotIn("望潮路1234号", text)

    def test_corrections_are_validated_naming_the_field(self):
        cid, _ = self.taken("agent.a")
        self.call("POST", f"/api/v1/agent/conversations/{cid}/close", {}, staff="agent.a")
        path = f"/api/v1/agent/conversations/{cid}/summary"
        for body, field in [({"诉求类型": "闲聊xx", "处理建议": 123}, "诉求类型"),
                            ({"处理建议": 123}, "处理建议"),
                            ({"满意度预测": "还行"}, "满意度预测"),
                            ({"待办事项": "回访"}, "待办事项"),
                            ({"风险提示": [1]}, "风险提示"),
                            ({"咨询主体": {"type": "外星人"}}, "咨询主体.type"),
                            ({"咨询主体": {"phone": "1"}}, "咨询主体.phone"),
                            ({"涉及政策": [{"topic": "sbk.loss", "version": "一"}]},
                             "涉及政策.version"),
                            ({"闲聊": "x"}, "闲聊")]:
            status, answer = self.call("PUT", path, body, staff="agent.a")
            self.assertEqual(status, 400, (body, answer))
            self.assertEqual(answer["error"]["field"], field, answer)
            self.assertIn(field, answer["error"]["message"])
        status, answer = self.call("PUT", path, {"诉求类型": "投诉", "处理建议": "派单至人社局",
                                                 "咨询主体": {"type": "个人", "district": "东城区"}},
                                   staff="agent.a")
        self.assertEqual(status, 204, answer)

    def test_search_by_reference_phone_and_date_for_each_role(self):
        cid, token = self.taken("agent.a")
        status, body = self.call("POST", f"/api/v1/agent/conversations/{cid}/close", {},
                                 staff="agent.a")
        reference = body["reference"]
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        base = "/api/v1/agent/conversations"
        queries = [f"?reference={reference}", f"?phone={PHONE}", f"?phone=136-9876-5432",
                   f"?date={today}&limit=200"]
        # The conversation belongs to rsj (社保卡) and 东城区 (990101).
        inside = ["sup", "agent.a", "agent.b", "hd.rsj.east"]
        outside_scope = ["hd.rsj.west", "hd.ybj"]
        for q in queries:
            for who in inside:
                status, found = self.call("GET", base + q, staff=who)
                self.assertEqual(status, 200, (who, q, found))
                ids = [c["id"] for c in found["conversations"]]
                self.assertIn(cid, ids, (who, q))
                hit = next(c for c in found["conversations"] if c["id"] == cid)
                self.assertEqual(hit["reference"], reference)
                self.assertNotIn(PHONE, json.dumps(found))
                self.assertNotIn("turns", hit)
            for who in outside_scope:
                status, found = self.call("GET", base + q, staff=who)
                self.assertEqual(status, 200, (who, q, found))
                self.assertNotIn(cid, [c["id"] for c in found["conversations"]], (who, q))
            for who in ["adm", "aud"]:
                status, _ = self.call("GET", base + q, staff=who)
                self.assertEqual(status, 403, (who, q))
            status, _ = self.call("GET", base + q)
            self.assertEqual(status, 401, q)
        status, found = self.call("GET", base + "?phone=13600000000", staff="sup")
        self.assertNotIn(cid, [c["id"] for c in found["conversations"]])
        status, body = self.call("GET", base, staff="sup")
        self.assertEqual(status, 400, body)
        status, body = self.call("GET", base + "?date=2026-13-01", staff="sup")
        self.assertEqual((status, body["error"]["field"]), (400, "date"))
        entries = self.audit("conversation.search")
        phones = [e["details"]["phone"] for e in entries if e["details"].get("phone")]
        self.assertTrue(phones)
        self.assertTrue(all(PHONE not in p for p in phones), phones)

    def test_search_by_work_order_number(self):
        # A complaint makes its work order (issue 12); the agents find the conversation by it.
        cid, token = self.start()
        body = self.say(cid, token, "我家小区楼下的垃圾好几天没人清运了，臭得很")
        self.assertIsNotNone(body.get("ticket"), body)
        order = body["ticket"]["id"]
        self.assertRegex(order, r"^GD\d{12}$")
        base = "/api/v1/agent/conversations"
        status, found = self.call("GET", f"{base}?ticket={order}", staff="sup")
        self.assertEqual(status, 200, found)
        self.assertEqual([c["id"] for c in found["conversations"]], [cid])
        status, found = self.call("GET", f"{base}?ticket=GD209901010001", staff="sup")
        self.assertEqual((status, found["conversations"]), (200, []))
        status, _ = self.call("GET", f"{base}?ticket={order}", staff="adm")
        self.assertEqual(status, 403)
        self.assertTrue([e for e in self.audit("conversation.search")
                         if e["details"].get("ticket") == order])

    # --- item 8 ------------------------------------------------------------------------------

    def test_satisfaction_once_after_the_end(self):
        cid, token = self.start()
        self.say(cid, token, "社保卡丢了怎么办")
        path = f"/api/v1/conversations/{cid}/satisfaction"
        status, body = self.call("POST", path, {"rating": "满意"}, citizen=token)
        self.assertEqual(status, 409, body)  # not ended yet
        status, end = self.call("POST", f"/api/v1/conversations/{cid}/end", citizen=token)
        self.assertEqual(status, 200, end)
        self.assertRegex(end["reference"], r"^\d{12,}$")
        status, body = self.call("POST", path, {"rating": "还行"}, citizen=token)
        self.assertEqual((status, body["error"]["field"]), (400, "rating"))
        status, body = self.call("POST", path, {"rating": "基本满意"})
        self.assertEqual(status, 404, body)  # no token
        status, body = self.call("POST", path, {"rating": "基本满意"}, citizen=token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["reference"], end["reference"])
        status, body = self.call("POST", path, {"rating": "满意"}, citizen=token)
        self.assertEqual(status, 409, body)
        status, view = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
        self.assertEqual((view["satisfaction"], view["reference"]), ("基本满意", end["reference"]))
        # The reference finds it.
        status, found = self.call("GET", f"/api/v1/agent/conversations?reference={end['reference']}",
                                  staff="sup")
        self.assertEqual([c["id"] for c in found["conversations"]], [cid])
        self.assertEqual(found["conversations"][0]["satisfaction"], "基本满意")

    def test_references_are_distinct_and_ending_twice_keeps_one(self):
        refs = set()
        for _ in range(3):
            cid, token = self.start()
            _, a = self.call("POST", f"/api/v1/conversations/{cid}/end", citizen=token)
            _, b = self.call("POST", f"/api/v1/conversations/{cid}/end", citizen=token)
            self.assertEqual(a["reference"], b["reference"])
            refs.add(a["reference"])
        self.assertEqual(len(refs), 3)

    def test_a_message_after_the_end_starts_a_new_conversation(self):
        cid, token = self.start()
        body = self.say(cid, token, "好的谢谢，再见")
        self.assertEqual(body["state"], "ended")
        self.assertRegex(body["reference"], r"^\d{12,}$")
        body = self.say(cid, token, "社保卡丢了怎么补办")
        self.assertTrue(body["restarted"], body)
        new_id, new_token = body["conversation"]["id"], body["conversation"]["token"]
        self.assertNotEqual(new_id, cid)
        self.assertTrue(body["reply"])
        status, view = self.call("GET", f"/api/v1/conversations/{new_id}", citizen=new_token)
        self.assertEqual(status, 200)
        self.assertEqual(view["state"], "active")
        self.assertIn("社保卡丢了怎么补办", [t["text"] for t in view["turns"]])
        status, _ = self.call("GET", f"/api/v1/conversations/{new_id}", citizen=token)
        self.assertEqual(status, 404)  # the old token opens only the old conversation
        status, old = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
        self.assertNotIn("社保卡丢了怎么补办", [t["text"] for t in old["turns"]])

    def test_websocket_end_is_told_once_rating_and_restart(self):
        ws = st.WebSocket(self.server.base, "/api/v1/conversations/ws")
        try:
            ws.send({"type": "start"})
            started = ws.recv()
            self.assertEqual(started["type"], "started")
            ws.send({"type": "message", "text": "好的谢谢，再见"})
            frames = [ws.recv(), ws.recv()]
            self.assertEqual([f["type"] for f in frames], ["reply", "summary"], frames)
            self.assertRegex(frames[1]["reference"], r"^\d{12,}$")
            # Nothing more about the end: the next frame answers the ping.
            ws.send({"type": "ping"})
            self.assertEqual(ws.recv()["type"], "pong")
            ws.send({"type": "end"})  # ending again: the stored summary, no new reference
            again = ws.recv()
            self.assertEqual((again["type"], again["reference"]),
                             ("summary", frames[1]["reference"]))
            ws.send({"type": "ping"})
            self.assertEqual(ws.recv()["type"], "pong")
            ws.send({"type": "rate", "rating": "满意"})
            self.assertEqual(ws.recv(), {"type": "rated", "rating": "满意"})
            ws.send({"type": "rate", "rating": "不满意"})
            err = ws.recv()
            self.assertEqual((err["type"], err["for"]), ("error", "rate"))
            ws.send({"type": "message", "text": "失业金怎么领"})
            restarted = ws.recv()
            self.assertEqual(restarted["type"], "started", restarted)
            self.assertTrue(restarted["restarted"])
            self.assertTrue(restarted["token"])
            view = restarted["conversation"]
            self.assertNotEqual(view["id"], started["conversation"]["id"])
            self.assertEqual(view["state"], "active")
            self.assertIn("失业金怎么领", [t["text"] for t in view["turns"]])
        finally:
            ws.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
