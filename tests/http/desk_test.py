"""The agent desk's server side (issue 16 #1 and #5), over a running `zhixian serve` with a key
file:

  push        each citizen turn while an agent has the conversation stores the knowledge pushed
              to the agent (topic, title, version, answer, confidence, matched words), the
              feeling and the risk phrases heard; staff see it, the citizen never does
  queue       channel and emotion of each waiting conversation; "mine": what the caller holds
  presence    在线/小休/离线 set, kept (since), listed for the desk, audited on change
  desk        canned replies and transfer queues from kb/desk
  events      GET /api/v1/staff/events: hello first; queue notices to agents; the watched
              conversation's changes (citizen, reply, agent, ended, summary) within 1 s of the
              change; a presence notice; 404 for an unknown watched id, 403 for roles without
              the stream and for a watched conversation outside the caller's scope; audited
  order form  POST /api/v1/tickets/draft pre-fills the order from the conversation (masked
              contact, district, place, department, tier); POST /api/v1/tickets with autofill
              keeps the machine's values beside the agent's correction; audited
  personal    the transcript opens only with a purpose (X-Access-Purpose), audited

Usage: desk_test.py ZHIXIAN_BINARY SOURCE_DIR
"""
import http.client
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "security"))
import security_test as st  # noqa: E402

PHONE = "13698765432"
STAFF = {
    "sup": ("supervisor", "", ""),
    "agent.a": ("agent", "", ""),
    "agent.b": ("agent", "", ""),
    "hd.cgj": ("department_handler", "cgj", ""),
    "aud": ("auditor", "", ""),
}


class Stream:
    """One staff event stream, read on a thread: (seconds since start, event, data) tuples."""

    def __init__(self, base, token, watch=()):
        url = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        path = "/api/v1/staff/events" + (f"?watch={','.join(watch)}" if watch else "")
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.events = []
        self.lock = threading.Lock()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name = None
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    with self.lock:
                        self.events.append((time.monotonic(), name, json.loads(line[6:])))
                    name = None
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def wait(self, match, since=0.0, timeout=5.0):
        """The first event after `since` (monotonic) for which match(name, data) holds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for at, name, data in self.events:
                    if at >= since and match(name, data):
                        return at, name, data
            time.sleep(0.02)
        return None

    def close(self):
        self.conn.close()


class Desk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = st.Deployment()
        for name, (role, dept, district) in STAFF.items():
            extra = ["--department", dept] if dept else []
            if district:
                extra += ["--district", district]
            r = st.add_user(cls.dep.data, cls.dep.config, name, role, *extra)
            assert r.returncode == 0, r.stderr.decode()
        cls.server = st.Server(cls.dep.data, cls.dep.config)
        cls.tokens = {}
        for name in STAFF:
            status, body, _ = cls.server.login(name)
            assert status == 200, body
            cls.tokens[name] = body["token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dep.cleanup()

    def call(self, method, path, body=None, staff=None, citizen=None, headers=None):
        headers = dict(headers or {})
        if citizen:
            headers["X-Conversation-Token"] = citizen
        status, raw, _ = self.server.request(method, path, body,
                                             token=self.tokens[staff] if staff else None,
                                             headers=headers)
        return status, (json.loads(raw) if raw else None)

    def say(self, cid, token, text):
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": text}, citizen=token)
        self.assertEqual(status, 200, body)
        return body

    def queued(self):
        status, body = self.call("POST", "/api/v1/conversations", {})
        self.assertEqual(status, 201, body)
        cid, token = body["id"], body["token"]
        self.assertEqual(self.say(cid, token, "我要转人工")["state"], "queued")
        return cid, token

    def taken(self, agent="agent.a"):
        cid, token = self.queued()
        status, body = self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff=agent)
        self.assertEqual(status, 200, body)
        return cid, token

    def audit(self, action, object_id=""):
        status, body = self.call(
            "GET", f"/api/v1/audit?action={action}&limit=1000&object_id={object_id}", staff="aud")
        self.assertEqual(status, 200, body)
        return body["entries"]

    def test_a_citizen_turn_pushes_knowledge_to_the_agent_only(self):
        cid, token = self.taken()
        reply = self.say(cid, token, "我的社保卡丢了，要怎么补办？真是气死我了")
        self.assertEqual(reply["reply"], "")  # the agent answers, not the assistant
        status, view = self.call("GET", f"/api/v1/agent/conversations/{cid}", staff="agent.a")
        self.assertEqual(status, 200, view)
        turn = view["turns"][-1]
        self.assertEqual(turn["role"], "citizen")
        pushed = turn["meta"]["kb"]
        self.assertTrue(1 <= len(pushed) <= 3, pushed)
        self.assertEqual(pushed[0]["topic"], "sbk.loss")
        self.assertIn("挂失", pushed[0]["answer"])
        self.assertGreater(pushed[0]["confidence"], 0.5)
        self.assertTrue(pushed[0]["terms"])
        self.assertGreaterEqual(pushed[0]["version"], 1)
        self.assertIn("emotion", turn["meta"])
        self.say(cid, token, "再不给办我就不想活了")
        _, view = self.call("GET", f"/api/v1/agent/conversations/{cid}", staff="agent.a")
        self.assertTrue(view["turns"][-1]["meta"]["risks"], view["turns"][-1])
        # The citizen's own view carries none of it.
        status, mine = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
        self.assertEqual(status, 200, mine)
        for t in mine["turns"]:
            if t["role"] == "citizen":
                self.assertNotIn("meta", t)

    def test_the_queue_says_channel_and_emotion_and_what_the_caller_holds(self):
        cid, _ = self.queued()
        status, q = self.call("GET", "/api/v1/agent/queue", staff="agent.b")
        self.assertEqual(status, 200, q)
        item = next(i for i in q["queue"] if i["id"] == cid)
        self.assertEqual(item["channel"], "web")
        self.assertIn("emotion", item)
        self.assertNotIn(cid, [m["id"] for m in q["mine"]])
        self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff="agent.b")
        _, q = self.call("GET", "/api/v1/agent/queue", staff="agent.b")
        self.assertIn(cid, [m["id"] for m in q["mine"]])
        self.assertNotIn(cid, [i["id"] for i in q["queue"]])
        _, q = self.call("GET", "/api/v1/agent/queue", staff="agent.a")
        self.assertNotIn(cid, [m["id"] for m in q["mine"]])

    def test_presence_is_kept_listed_and_audited(self):
        status, body = self.call("PUT", "/api/v1/agent/presence", {"state": "online"},
                                 staff="agent.b")
        self.assertEqual(status, 200, body)
        since = body["since_ms"]
        status, again = self.call("PUT", "/api/v1/agent/presence", {"state": "online"},
                                  staff="agent.b")
        self.assertEqual(again["since_ms"], since)
        status, body = self.call("PUT", "/api/v1/agent/presence", {"state": "away"},
                                 staff="agent.b")
        self.assertEqual(status, 400, body)
        status, body = self.call("GET", "/api/v1/agent/presence", staff="sup")
        self.assertEqual(status, 200, body)
        names = [a["name"] for a in body["agents"]]
        self.assertEqual(sorted(names), ["agent.a", "agent.b", "sup"])
        self.assertEqual(body["agents"][0]["name"], "agent.b")  # online first
        self.assertEqual(body["me"]["state"], "offline")
        self.assertTrue(any(e["actor"] == "agent.b" for e in self.audit("agent.presence")))
        status, _ = self.call("PUT", "/api/v1/agent/presence", {"state": "online"},
                              staff="hd.cgj")
        self.assertEqual(status, 403)

    def test_canned_replies_and_queues_come_from_the_knowledge_base(self):
        status, body = self.call("GET", "/api/v1/agent/desk", staff="agent.a")
        self.assertEqual(status, 200, body)
        self.assertTrue(all(c["code"].startswith("/") and c["text"] for c in body["canned"]))
        self.assertIn("医保专席", [q["name"] for q in body["queues"]])

    def test_the_event_stream_tells_the_desk_what_changed(self):
        queue_watcher = Stream(self.server.base, self.tokens["agent.b"])
        self.assertEqual(queue_watcher.status, 200)
        self.assertTrue(queue_watcher.wait(lambda n, d: n == "hello"))
        t0 = time.monotonic()
        cid, token = self.queued()
        self.assertTrue(queue_watcher.wait(lambda n, d: n == "queue", since=t0),
                        "no queue notice after a hand-over")
        self.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff="agent.a")
        watcher = Stream(self.server.base, self.tokens["agent.a"], watch=[cid])
        self.assertEqual(watcher.status, 200)
        self.assertTrue(watcher.wait(lambda n, d: n == "hello"))
        for kind, act in [
                ("citizen", lambda: self.say(cid, token, "失业金怎么领")),
                ("agent", lambda: self.call("POST", f"/api/v1/agent/conversations/{cid}/messages",
                                            {"text": "您好"}, staff="agent.a")),
                ("summary", lambda: self.call("POST", f"/api/v1/agent/conversations/{cid}/close",
                                              {}, staff="agent.a"))]:
            t = time.monotonic()
            act()
            got = watcher.wait(lambda n, d: n == "conversation" and d["id"] == cid and
                               d["kind"] == kind, since=t)
            self.assertTrue(got, f"no {kind} notice")
            self.assertLess(got[0] - t, 1.0, kind)
        t = time.monotonic()
        self.call("PUT", "/api/v1/agent/presence", {"state": "break"}, staff="agent.a")
        self.assertTrue(queue_watcher.wait(lambda n, d: n == "presence", since=t))
        watcher.close()
        queue_watcher.close()
        self.assertTrue(self.audit("conversation.watch", cid))

        unknown = Stream(self.server.base, self.tokens["agent.a"], watch=["cnosuch"])
        self.assertEqual(unknown.status, 404)
        refused = Stream(self.server.base, self.tokens["aud"])
        self.assertEqual(refused.status, 403)
        # A department handler hears her orders' deadlines, but reads no conversation.
        handler = Stream(self.server.base, self.tokens["hd.cgj"])
        self.assertEqual(handler.status, 200)
        handler.close()
        self.assertEqual(Stream(self.server.base, self.tokens["hd.cgj"], watch=[cid]).status, 403)

    def test_the_order_form_is_prefilled_and_keeps_both_values(self):
        cid, token = self.taken()
        self.say(cid, token, f"东城区和平里小区门口的烧烤摊每天半夜噪音太大，我电话{PHONE}")
        status, draft = self.call("POST", "/api/v1/tickets/draft", {"conversation_id": cid},
                                  staff="agent.a")
        self.assertEqual(status, 200, draft)
        fields = draft["fields"]
        self.assertEqual(fields["district"]["value"], "东城区")
        self.assertEqual(fields["place"]["value"], "和平里小区")
        self.assertEqual(fields["contact"]["value"], "136****5432")
        self.assertNotIn(PHONE, json.dumps(draft, ensure_ascii=False))
        self.assertTrue(draft["departments"])
        self.assertIsNone(draft["existing"])
        self.assertTrue(self.audit("ticket.draft", cid))
        status, _ = self.call("POST", "/api/v1/tickets/draft", {"conversation_id": cid},
                              staff="hd.cgj")
        self.assertEqual(status, 403)
        # The names the screens show for department codes: any reader of orders may list them.
        status, listed = self.call("GET", "/api/v1/tickets/departments", staff="hd.cgj")
        self.assertEqual(status, 200, listed)
        names = {d["code"]: d["name"] for d in listed["departments"]}
        self.assertEqual(names["cgj"], "示例市城市管理局")
        self.assertTrue(all(d["code"] in names for d in draft["departments"]))

        status, order = self.call("POST", "/api/v1/tickets",
                                  {"autofill": True, "conversation_id": cid, "sla": "2h",
                                   "place": fields["place"]["value"]}, staff="agent.a")
        self.assertEqual(status, 201, order)
        by_name = {f["name"]: f for f in order["fields"]}
        self.assertEqual(by_name["sla"]["machine_value"], fields["sla"]["value"])
        self.assertEqual(by_name["sla"]["person_value"], "2h")
        self.assertEqual(by_name["place"]["person_value"], "和平里小区")  # confirmed
        self.assertTrue(by_name["district"]["machine"])  # left as the machine filled it
        self.assertEqual(order["sla"], "2h")
        self.assertEqual(order["channel"], "chat")
        entries = self.audit("ticket.create", order["id"])
        self.assertTrue(entries)
        status, body = self.call("POST", "/api/v1/tickets",
                                 {"autofill": True, "conversation_id": cid, "sla": "3d"},
                                 staff="agent.a")
        self.assertEqual(status, 400, body)
        # The form now names the order the conversation has.
        status, again = self.call("POST", "/api/v1/tickets/draft", {"conversation_id": cid},
                                  staff="agent.a")
        self.assertEqual(again["existing"], order["id"])

    def test_the_transcript_opens_only_with_a_purpose(self):
        cid, token = self.taken()
        self.say(cid, token, f"我电话是{PHONE}")
        _, masked = self.call("GET", f"/api/v1/agent/conversations/{cid}", staff="agent.a")
        self.assertNotIn(PHONE, json.dumps(masked, ensure_ascii=False))
        # A Chinese purpose travels percent-encoded (a header is Latin-1), as the console sends it.
        _, opened = self.call("GET", f"/api/v1/agent/conversations/{cid}", staff="agent.a",
                              headers={"X-Access-Purpose": urllib.parse.quote("核对回拨号码")})
        self.assertIn(PHONE, json.dumps(opened, ensure_ascii=False))
        entries = self.audit("conversation.read_personal", cid)
        self.assertTrue(entries)
        self.assertEqual(entries[-1]["purpose"], "核对回拨号码")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
