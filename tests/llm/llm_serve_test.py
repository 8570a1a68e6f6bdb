"""Language models end to end (issue 17): `zhixian serve` with two engines, both the fake
engine of tests/llm/fake_llm_engine.py (the second over HTTPS, its certificate verified against
a private CA file) (a TEST SERVER speaking the chat-completions API,
scripted per request), beside a second `zhixian serve` without engines, on loopback.

  written      a faithful answer comes back written anew, with its basis line and `written_by`
  wrong figure the engine says 1800元 where the entry says 1500元: POST /api/v1/ask answers
               byte for byte what the server without engines answers, and the fall-back is counted
  fail-over    503, a stall (first-token time-out), keep-alives that never end in content, 429
               with Retry-After (the engine then left alone that long), 402 (out, and the
               operator warned): the second engine answers
  no fail-over a refusal (DashScope data_inspection_failed), a 504, a 400, and a stream cut after
               its first content: the deterministic answer, the second engine never asked
  reasoning    thinking text is never shown, even with a wrong figure in it
  personal     no phone or ID number the citizen said reaches an engine (both logs scanned)
  chat         a chat conversation's answer written anew (written_by in the reply and its turn)
  summaries    a 小结 written after the end from the seven elements, dropped when it invents
  push cards   an agent's 要点 of a pushed entry (POST /api/v1/agent/cards/brief): written and
               checked, 503 when refused, and "briefs": false on a server without engines
  drafts       a policy document's proposals: the answer a model wrote from a section, marked
               written_by, and the section's own text where the model changed a phone number
  all out      with every engine out, no engine is asked and the answer is the deterministic one

Usage: llm_serve_test.py ZHIXIAN_BINARY SOURCE_DIR
"""
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "security"))
import security_test as st  # noqa: E402  (the server, users and requests of the security tests)

QUESTION = "租房可以提取公积金吗，一个月最多能取多少"
GOOD = "可以的，您和配偶在示例市都没有自己的住房、在租房住，就能提取公积金付房租[1]。每月最多提取1500元，按季度或按年提都行[1]。"
WRONG = "可以的，租房住就能提取公积金付房租[1]。每月最多提取1800元[1]。"
PHONE = "13812345678"
ID_NUMBER = "110101199003078515"


class FakeEngine:
    """tests/llm/fake_llm_engine.py on 127.0.0.1:0 (HTTPS with `tls`: (cert, key)), ended with
    the test."""

    def __init__(self, log_path, tls=None):
        extra = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_llm_engine.py"), "--port", "0",
             "--log", log_path, "--lifetime", "600", "--quiet"] + extra,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"listening (\d+)", line)
        assert m, "the fake engine did not start: " + line
        self.base = "%s://127.0.0.1:%s" % ("https" if tls else "http", m.group(1))
        self.context = ssl.create_default_context(cafile=tls[0]) if tls else None

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10, context=self.context) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def script(self, *steps):
        self._call("DELETE", "/_script")
        self._call("POST", "/_script", {"steps": list(steps)})

    def log(self):
        return self._call("GET", "/_log")

    def clear(self):
        self._call("DELETE", "/_log")
        self._call("DELETE", "/_script")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def engine_table(name, base, ca_file=""):
    return (f'[[llm.engines]]\nname = "{name}"\nbase_url = "{base}/v1"\nkey_env = "ZX_TEST_LLM_KEY"\n'
            f'model = "fake-{name}"\nflavour = "openai"\nconnect_timeout_ms = 1000\n'
            'first_token_timeout_ms = 1500\nchunk_gap_timeout_ms = 1000\n'
            f'total_timeout_ms = 5000\ntls_ca_file = "{ca_file}"\n')


def self_signed(directory):
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


class LanguageModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zx-llm-")
        cls.a = FakeEngine(os.path.join(cls.tmp, "a.jsonl"))
        cls.cert, key = self_signed(cls.tmp)
        cls.b = FakeEngine(os.path.join(cls.tmp, "b.jsonl"), tls=(cls.cert, key))
        # The server without engines: the deterministic answers to compare with.
        cls.plain_dep = st.Deployment()
        r = st.add_user(cls.plain_dep.data, cls.plain_dep.config, "agent1", "agent")
        assert r.returncode == 0, r.stderr.decode()
        cls.plain = st.Server(cls.plain_dep.data, cls.plain_dep.config)
        cls.dep = st.Deployment()
        with open(cls.dep.config, "a") as f:
            f.write('[llm]\nanswers = "a, b"\nsummaries = "a"\npush_cards = "a"\ndrafts = "a"\n'
                    'failures_to_open = 50\n'
                    'cooldown_ms = 1000\n'
                    'configuration_cooldown_ms = 1500\n')
            f.write(engine_table("a", cls.a.base) + engine_table("b", cls.b.base, cls.cert))
        for name, role in (("adm", "admin"), ("agent1", "agent"), ("sup", "supervisor")):
            r = st.add_user(cls.dep.data, cls.dep.config, name, role)
            assert r.returncode == 0, r.stderr.decode()
        os.environ["ZX_TEST_LLM_KEY"] = "sk-test-not-a-real-key"
        cls.server = st.Server(cls.dep.data, cls.dep.config)
        status, body, _ = cls.server.login("adm")
        assert status == 200, body
        cls.admin = body["token"]
        status, body, _ = cls.server.login("agent1")
        assert status == 200, body
        cls.agent = body["token"]
        cls.supervisor = cls.server.login("sup")[1]["token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.plain.stop()
        cls.a.stop()
        cls.b.stop()

    def setUp(self):
        self.a.clear()
        self.b.clear()

    def ask(self, server, question=QUESTION):
        status, raw, _ = server.request("POST", "/api/v1/ask", {"question": question})
        self.assertEqual(status, 200, raw)
        return raw

    def metric(self, name, **labels):
        status, raw, _ = self.server.request("GET", "/metrics", token=self.admin)
        self.assertEqual(status, 200)
        want = ",".join(f'{k}="{v}"' for k, v in labels.items())
        for line in raw.decode().splitlines():
            if line.startswith(name + "{" + want + "}"):
                return float(line.split()[-1])
        return 0.0

    def assert_deterministic(self, question=QUESTION):
        raw = self.ask(self.server, question)
        self.assertEqual(raw, self.ask(self.plain, question))
        self.assertNotIn(b"written_by", raw)
        return raw

    def assert_written_by(self, engine, question=QUESTION):
        answer = json.loads(self.ask(self.server, question))
        self.assertEqual(answer.get("written_by"), engine, answer)
        self.assertIn("1500元", answer["answer"])
        self.assertNotIn("[1]", answer["answer"])
        self.assertTrue(answer["answer"].endswith("（依据：示例市住房公积金管理中心《租房提取公积金》）"),
                        answer["answer"])
        return answer

    def test_a_faithful_answer_is_written_anew(self):
        self.a.script({"kind": "stream", "content": GOOD, "usage": True})
        answer = self.assert_written_by("a")
        self.assertTrue(answer["answer"].startswith("可以的，您和配偶"), answer)
        self.assertEqual(answer["topic"], "gjj.rent")
        self.assertEqual(self.b.log(), [])
        # What was sent: the system prompt, the numbered evidence, the citizen's words.
        sent = self.a.log()[0]["body"]
        self.assertEqual(sent["model"], "fake-a")
        self.assertTrue(sent["stream"])
        user = sent["messages"][-1]["content"]
        self.assertIn("[1] 租房提取公积金：", user)
        self.assertIn(QUESTION, user)
        self.assertGreater(self.metric("zhixian_llm_tokens_total", engine="a", kind="prompt"), 0)

    def test_a_wrong_figure_gives_the_deterministic_answer_byte_for_byte(self):
        before = self.metric("zhixian_llm_generations_total", use="answers",
                             outcome="checker_figure")
        self.a.script({"kind": "stream", "content": WRONG})
        self.assert_deterministic()
        self.assertEqual(len(self.a.log()), 1)
        self.assertEqual(self.metric("zhixian_llm_generations_total", use="answers",
                                     outcome="checker_figure"), before + 1)

    def test_retryable_failures_go_to_the_next_engine(self):
        steps = [
            {"kind": "status", "status": 503},
            {"kind": "status", "status": 500},
            {"kind": "stall", "stall_ms": 4000},
            {"kind": "stream", "content": GOOD, "keepalives": 8, "keepalive_interval_ms": 250},
            {"kind": "empty"},
        ]
        for step in steps:
            with self.subTest(step=step["kind"]):
                self.a.clear()
                self.b.clear()
                self.a.script(step)
                self.b.script({"kind": "stream", "content": GOOD})
                self.assert_written_by("b")
                self.assertEqual(len(self.a.log()), 1)

    def test_keep_alives_before_content_within_the_limit_are_fine(self):
        self.a.script({"kind": "stream", "content": GOOD, "keepalives": 3,
                       "keepalive_interval_ms": 100})
        self.assert_written_by("a")

    def test_retry_after_is_honoured(self):
        self.a.script({"kind": "status", "status": 429, "retry_after": "2"})
        self.b.script({"kind": "stream", "content": GOOD, "repeat": 2})
        self.assert_written_by("b")
        self.assert_written_by("b")  # within the 2 s: engine a is left alone
        self.assertEqual(len(self.a.log()), 1)
        time.sleep(2.2)
        self.a.script({"kind": "stream", "content": GOOD})
        self.assert_written_by("a")

    def test_a_refused_key_takes_the_engine_out_and_warns(self):
        before = self.metric("zhixian_llm_operator_warnings_total", engine="a", reason="http_402")
        self.a.script({"kind": "status", "status": 402})
        self.b.script({"kind": "stream", "content": GOOD, "repeat": 2})
        self.assert_written_by("b")
        self.assert_written_by("b")
        self.assertEqual(len(self.a.log()), 1)
        self.assertEqual(self.metric("zhixian_llm_operator_warnings_total", engine="a",
                                     reason="http_402"), before + 1)
        self.assertIn(b"check [[llm.engines]] 'a'".lower(), self.server.stderr().lower())
        time.sleep(1.7)  # configuration_cooldown_ms

    def test_no_fail_over_for_refusals_504_bad_requests_and_cut_streams(self):
        steps = [
            {"kind": "refusal"},
            {"kind": "status", "status": 504},
            {"kind": "status", "status": 400},
            {"kind": "cut", "content": GOOD, "cut_after_chunks": 2},
        ]
        for step in steps:
            with self.subTest(step=step["kind"]):
                self.a.clear()
                self.b.clear()
                self.a.script(step)
                self.b.script({"kind": "stream", "content": GOOD})
                self.assert_deterministic()
                self.assertEqual(self.b.log(), [], step)

    def test_reasoning_is_never_shown(self):
        self.a.script({"kind": "stream", "content": GOOD, "reasoning": "我想想，也许是1800元吧。",
                       "reasoning_field": "reasoning_content"})
        answer = self.assert_written_by("a")
        self.assertNotIn("1800", answer["answer"])
        self.assertNotIn("我想想", answer["answer"])

    def test_no_personal_data_reaches_an_engine(self):
        self.a.script({"kind": "status", "status": 503})
        self.b.script({"kind": "stream", "content": GOOD})
        question = f"我电话{PHONE}，身份证{ID_NUMBER}，" + QUESTION
        self.ask(self.server, question)
        sent = json.dumps(self.a.log() + self.b.log(), ensure_ascii=False)
        self.assertIn("租房", sent)  # the question did go out
        for secret in (PHONE, ID_NUMBER, ID_NUMBER[6:14], PHONE[3:7] + PHONE[7:]):
            self.assertNotIn(secret, sent)
        # Nor does the key appear in the engine's log: the fake redacts it, but it was sent.
        self.assertIn("<redacted>", sent)

    def conversation_summary(self, narrative_step):
        """A chat that ends; returns its summary once the 小结 came (or after 4 s without)."""
        self.a.script(narrative_step)
        status, raw, _ = self.server.request("POST", "/api/v1/conversations", {"channel": "web"})
        self.assertEqual(status, 201, raw)
        started = json.loads(raw)
        token = {"X-Conversation-Token": started["token"]}
        path = "/api/v1/conversations/" + started["id"]
        status, raw, _ = self.server.request("POST", path + "/messages",
                                             {"text": "租房可以提取公积金吗"}, headers=token)
        self.assertEqual(status, 200, raw)
        status, raw, _ = self.server.request("POST", path + "/end", {}, headers=token)
        self.assertEqual(status, 200, raw)
        self.assertNotIn("小结", json.loads(raw)["summary"])  # the end does not wait for it
        deadline = time.time() + 4
        while True:
            status, raw, _ = self.server.request("GET", path, headers=token)
            summary = json.loads(raw)["summary"]
            if "小结" in summary or time.time() > deadline:
                return summary
            time.sleep(0.1)

    def test_a_chat_answer_is_written_anew(self):
        self.a.script({"kind": "stream", "match": "答复助手", "content": GOOD})
        status, raw, _ = self.server.request("POST", "/api/v1/conversations", {"channel": "web"})
        started = json.loads(raw)
        token = {"X-Conversation-Token": started["token"]}
        path = "/api/v1/conversations/" + started["id"]
        status, raw, _ = self.server.request("POST", path + "/messages", {"text": QUESTION},
                                             headers=token)
        self.assertEqual(status, 200, raw)
        reply = json.loads(raw)
        self.assertEqual(reply.get("written_by"), "a", reply)
        self.assertTrue(reply["reply"].startswith("可以的，您和配偶"), reply)
        self.assertTrue(reply["reply"].endswith("（依据：示例市住房公积金管理中心《租房提取公积金》）"))
        # The same conversation on a server without engines answers with the entry's words.
        status, raw, _ = self.plain.request("POST", "/api/v1/conversations", {"channel": "web"})
        started = json.loads(raw)
        status, raw, _ = self.plain.request(
            "POST", "/api/v1/conversations/%s/messages" % started["id"], {"text": QUESTION},
            headers={"X-Conversation-Token": started["token"]})
        plain = json.loads(raw)
        self.assertNotIn("written_by", plain)
        self.assertEqual(plain["topic"], reply["topic"])

    def test_the_summary_gets_a_checked_narrative(self):
        summary = self.conversation_summary(
            {"kind": "stream", "match": "坐席助手",
             "content": "市民以个人身份来咨询[1][2]，涉及《租房提取公积金》[3]。"})
        self.assertEqual(summary["小结"], {"text": "市民以个人身份来咨询，涉及《租房提取公积金》。",
                                           "written_by": "a"})
        sent = self.a.log()[-1]["body"]["messages"][-1]["content"]
        self.assertIn("涉及政策：《租房提取公积金》", sent)
        self.assertNotIn("市民的话", sent)

    def test_a_narrative_with_an_invented_figure_is_dropped(self):
        before = self.metric("zhixian_llm_generations_total", use="summaries",
                             outcome="checker_figure")
        summary = self.conversation_summary(
            {"kind": "stream", "match": "坐席助手",
             "content": "市民咨询《租房提取公积金》，每月可取1800元[3]。"})
        self.assertNotIn("小结", summary)
        self.assertEqual(self.metric("zhixian_llm_generations_total", use="summaries",
                                     outcome="checker_figure"), before + 1)

    def brief(self, server, token, topic="gjj.rent"):
        status, raw, _ = server.request("POST", "/api/v1/agent/cards/brief",
                                        {"topic": topic, "question": QUESTION + "，我电话" + PHONE},
                                        token=token)
        return status, json.loads(raw)

    def test_an_agent_gets_a_checked_brief_of_a_pushed_entry(self):
        status, raw, _ = self.server.request("GET", "/api/v1/agent/desk", token=self.agent)
        self.assertTrue(json.loads(raw)["briefs"])
        self.a.script({"kind": "stream", "match": "坐席正在接听",
                       "content": "租房住的每月最多提取1500元[1]。"})
        status, body = self.brief(self.server, self.agent)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"topic": "gjj.rent", "title": "租房提取公积金",
                                "brief": "租房住的每月最多提取1500元。", "written_by": "a"})
        self.assertNotIn(PHONE, json.dumps(self.a.log(), ensure_ascii=False))
        # A brief that invents a figure is never shown.
        self.a.script({"kind": "stream", "content": "每月最多提取2000元[1]。"})
        status, body = self.brief(self.server, self.agent)
        self.assertEqual(status, 503, body)
        self.assertEqual(self.brief(self.server, self.agent, "no.such")[0], 404)
        # Citizens (no session) may not ask; a server without engines has none to give.
        status, _, _ = self.server.request("POST", "/api/v1/agent/cards/brief",
                                           {"topic": "gjj.rent", "question": "x"})
        self.assertEqual(status, 401)
        token = self.plain.login("agent1")[1]["token"]
        status, raw, _ = self.plain.request("GET", "/api/v1/agent/desk", token=token)
        self.assertFalse(json.loads(raw)["briefs"])
        self.assertEqual(self.brief(self.plain, token)[0], 503)

    def test_document_proposals_written_by_a_model_are_marked(self):
        docx = os.path.join(self.tmp, "policy.docx")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "console", "make_policy_docx.py"),
                        docx], check=True)
        self.a.script(
            {"kind": "stream", "match": "第二条灵活就业人员",
             "content": "灵活就业人员按月缴费，缴费基数可以在60%到300%之间自己选[1]。"},
            {"kind": "stream", "match": "第三条参保人员",
             "content": "可以通过掌上12345或各区社保经办窗口办理参保登记[1]。"})
        with open(docx, "rb") as f:
            status, raw, _ = self.server.request("POST", "/api/v1/kb/documents?name=policy.docx",
                                                 f.read(), token=self.supervisor)
        self.assertEqual(status, 202, raw)
        job = json.loads(raw)["id"]
        deadline = time.time() + 20
        while True:
            status, raw, _ = self.server.request("GET", "/api/v1/kb/documents/" + job,
                                                 token=self.supervisor)
            detail = json.loads(raw)
            if detail.get("status") == "review" or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(detail["status"], "review", detail)
        by_text = {p["excerpt"][:3]: p for p in detail["proposals"]}
        # Unscripted, the first got the fake's echo, which cites nothing: the section's text.
        self.assertIsNone(by_text["第一条"]["written_by"])
        written = by_text["第二条"]
        self.assertEqual(written["written_by"], "a")
        self.assertEqual(written["answer"], "灵活就业人员按月缴费，缴费基数可以在60%到300%之间自己选。")
        kept = by_text["第三条"]
        self.assertIsNone(kept["written_by"])  # 12345 is not the document's number
        self.assertIn("掌上12333", kept["answer"])

    def test_zz_with_every_engine_out_no_engine_is_asked(self):
        self.a.script({"kind": "status", "status": 401})
        self.b.script({"kind": "status", "status": 401})
        self.assert_deterministic()
        self.a.clear()
        self.b.clear()
        for _ in range(5):
            self.assert_deterministic()
        self.assertEqual(self.a.log() + self.b.log(), [])
        self.assertGreaterEqual(self.metric("zhixian_llm_generations_total", use="answers",
                                            outcome="no_engine"), 5)
        time.sleep(1.7)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
