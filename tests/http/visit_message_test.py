"""The 回访 of a chat citizen by message (issue 12 item 7), over a running `zhixian serve`:

  a chat complaint makes a work order without a number; the conversation ends; a handler
  签收s and 办结s it over REST; the conversation shows the return visit's question (an
  assistant turn naming the order, meta notice); the citizen answers 3 in the ended
  conversation (the same conversation answers, nothing restarted) and the order is reopened;
  after the second 办结 the question comes again and 1 archives the order as 满意.

Usage: visit_message_test.py ZHIXIAN_BINARY SOURCE_DIR
"""
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # importing the security tests must not litter the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "security"))
import security_test as st  # noqa: E402  (the security tests' server and users)

STAFF = {"sup": ("supervisor", ""), "hd.cgj": ("department_handler", "cgj")}


class VisitByMessage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = st.Deployment()
        with open(cls.dep.config, "a", encoding="utf-8") as f:
            f.write("\n[visits]\ncheck_every_s = 1\n")  # the visits' look, every second
        for name, (role, dept) in STAFF.items():
            extra = ["--department", dept] if dept else []
            r = st.add_user(cls.dep.data, cls.dep.config, name, role, *extra)
            assert r.returncode == 0, r.stderr.decode()
        cls.server = st.Server(cls.dep.data, cls.dep.config)
        cls.tokens = {n: cls.server.login(n)[1]["token"] for n in STAFF}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dep.cleanup()

    def call(self, method, path, body=None, staff=None, citizen=None):
        headers = {"X-Conversation-Token": citizen} if citizen else None
        status, raw, _ = self.server.request(method, path, body,
                                             token=self.tokens[staff] if staff else None,
                                             headers=headers)
        return status, (json.loads(raw) if raw else None)

    def resolve(self, order):
        for action, body in (("accept", {}), ("resolve", {"reply": "已安排清运并加密清运频次"})):
            status, out = self.call("POST", f"/api/v1/tickets/{order}/{action}", body,
                                    staff="hd.cgj")
            self.assertEqual(status, 200, (action, out))

    def question(self, cid, token, count):
        """Waits for the `count`th return-visit question in the conversation."""
        deadline = time.time() + 30
        while time.time() < deadline:
            status, view = self.call("GET", f"/api/v1/conversations/{cid}", citizen=token)
            self.assertEqual(status, 200, view)
            asked = [t for t in view["turns"]
                     if t["role"] == "assistant" and (t.get("meta") or {}).get("notice")]
            if len(asked) >= count:
                return asked[-1]["text"]
            time.sleep(0.5)
        self.fail(f"no return-visit question {count} in {cid}")

    def order(self, order):
        status, body = self.call("GET", f"/api/v1/tickets/{order}", staff="sup")
        self.assertEqual(status, 200, body)
        return body.get("order", body)

    def test_the_verdict_by_message_reopens_once_then_archives(self):
        status, started = self.call("POST", "/api/v1/conversations", {})
        self.assertEqual(status, 201, started)
        cid, token = started["id"], started["token"]
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": "我家小区楼下的垃圾好几天没人清运了，臭得很"}, citizen=token)
        self.assertEqual(status, 200, body)
        self.assertIsNotNone(body.get("ticket"), body)
        order = body["ticket"]["id"]
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/end", citizen=token)
        self.assertEqual(status, 200, body)

        self.resolve(order)
        text = self.question(cid, token, 1)
        self.assertIn(order, text)
        self.assertIn("已安排清运", text)

        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": "3"}, citizen=token)
        self.assertEqual(status, 200, body)
        self.assertNotIn("restarted", body)
        self.assertEqual(body["state"], "ended", body)
        o = self.order(order)
        self.assertEqual(o["reopened"], 1, o)
        self.assertNotEqual(o["visit"], "due", o)

        self.resolve(order)
        self.question(cid, token, 2)
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": "满意"}, citizen=token)
        self.assertEqual(status, 200, body)
        o = self.order(order)
        self.assertEqual((o["reopened"], o["visit"], o["state"]), (1, "done", "closed"), o)

        # Answered: a later message starts a new conversation, as after any end.
        status, body = self.call("POST", f"/api/v1/conversations/{cid}/messages",
                                 {"text": "社保卡怎么补办"}, citizen=token)
        self.assertEqual(status, 200, body)
        self.assertTrue(body.get("restarted"), body)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
