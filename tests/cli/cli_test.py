"""End-to-end tests of the zhixian binary as a user runs it.

Usage: cli_test.py BINARY SOURCE_DIR. Everything runs on loopback with a fresh data directory.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
KB = os.path.join(SOURCE, "kb")


def run(args, stdin="", timeout=120, env=None):
    return subprocess.run([BINARY] + args, input=stdin.encode(), capture_output=True,
                          timeout=timeout, env=env)


class Ask(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="zx-cli-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data, ignore_errors=True)

    def ask(self, *questions):
        r = run(["ask", "--json", "--data", self.data, "--kb", KB], "\n".join(questions) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = r.stdout.decode().strip().split("\n")
        self.assertEqual(len(lines), len(questions))
        return [json.loads(l) for l in lines]

    def test_json_contract(self):
        [a] = self.ask("社保卡丢了怎么办")
        self.assertEqual(set(a), {"question", "topic", "confidence", "answer", "citations",
                                  "alternatives"})
        self.assertEqual(a["topic"], "sbk.loss")
        self.assertEqual(a["citations"][0]["id"], "sbk.loss")
        self.assertTrue(a["citations"][0]["title"])
        # The entry's version the answer came from (kb/ loads as version 1 unless it says).
        self.assertIsInstance(a["citations"][0]["version"], int)
        self.assertGreaterEqual(a["citations"][0]["version"], 1)
        for alt in a["alternatives"]:
            self.assertEqual(set(alt), {"topic", "confidence"})

    def test_one_line_per_question_including_hostile_ones(self):
        answers = self.ask("公積金可以付房租嗎", "", "😀😀", "what is the weather today",
                           "失叶金能领几个月", "x" * 3000)
        self.assertEqual(answers[0]["topic"], "gjj.rent")
        self.assertIsNone(answers[1]["topic"])
        self.assertTrue(answers[1]["answer"])
        self.assertIn(answers[3]["topic"], (None, "meta.out_of_scope"))
        self.assertTrue(answers[4]["topic"].startswith("sy."))

    def test_question_as_argument_plain_text(self):
        r = run(["ask", "--data", self.data, "--kb", KB, "低保怎么申请"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("900", r.stdout.decode())


class Chat(unittest.TestCase):
    def test_turns_and_summary(self):
        data = tempfile.mkdtemp(prefix="zx-chat-")
        try:
            r = run(["chat", "--json", "--data", data, "--kb", KB],
                    "你好\n小区门口垃圾好几天没人清运\n没听清，你再说一遍\n谢谢，再见\n")
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            lines = [json.loads(l) for l in r.stdout.decode().strip().split("\n")]
            replies, summary = lines[:-1], lines[-1]
            for reply in replies:
                for key in ("reply", "topic", "slots", "emotion", "handoff", "ticket", "done"):
                    self.assertIn(key, reply)
            self.assertEqual(replies[1]["topic"], "ts.garbage")
            self.assertIn("summary", summary)
            s = summary["summary"]
            for key in ("咨询主体", "诉求类型", "涉及政策", "处理建议", "待办事项", "风险提示",
                        "满意度预测"):
                self.assertIn(key, s)
            self.assertEqual(s["诉求类型"], "投诉")
        finally:
            shutil.rmtree(data, ignore_errors=True)


class SpeechPrepare(unittest.TestCase):
    """`zhixian speech prepare`: one reply per stdin line, each printed as the synthesiser gets it."""

    def prepare(self, *replies, kb=KB):
        r = run(["speech", "prepare", "--kb", kb], "\n".join(replies) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = r.stdout.decode().split("\n")
        self.assertEqual(lines[-1], "")
        self.assertEqual(len(lines) - 1, len(replies))
        return lines[:-1]

    def test_every_kind_in_words(self):
        out = self.prepare("预计可报销22400.00元", "缴费基数32000", "请拨打12345",
                           "2026-12-05 14:30", "3-5个工作日", "(15000 − 1000) × 85% = 11900.00",
                           "在医保APP上办", "")
        self.assertEqual(out, ["预计可报销两万二千四百元", "缴费基数三万二千", "请拨打幺二三四五",
                               "二零二六年十二月五日十四点三十分", "三到五个工作日",
                               "一万五千减去一千乘以百分之八十五等于一万一千九百",
                               "在医保应用上办", ""])
        for line in out:
            self.assertFalse(re.search(r"[\x00-\x7f]", line), line)

    def test_a_calculation_in_its_spoken_form(self):
        [out] = self.prepare("住院报销测算：\\n甲类：(15000 − 1000) × 85% = 11900.00元\\n"
                             "结果：预计可报销14600.00元。\\n依据：规则（示例市医疗保障局）")
        self.assertEqual(out, "住院报销测算结果：预计可报销一万四千六百元。要听计算过程请按一。")

    def test_without_the_lexicon_latin_words_are_dropped(self):
        empty = tempfile.mkdtemp(prefix="zx-cli-kb-")
        try:
            self.assertEqual(self.prepare("医保APP", kb=empty), ["医保"])
        finally:
            shutil.rmtree(empty, ignore_errors=True)


class Errors(unittest.TestCase):
    def test_bad_configuration_names_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("[server]\nthreads = \"many\"\n")
        try:
            r = run(["ask", "--config", f.name, "x"])
            self.assertEqual(r.returncode, 2)
            self.assertIn("server.threads", r.stderr.decode())
        finally:
            os.unlink(f.name)

    def test_config_lists_every_module_key(self):
        for args in (["config", "--help"], ["config"]):
            r = run(args)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            out = r.stdout.decode()
            for key in ("server.http", "server.sip", "data.dir", "database.busy_timeout_ms",
                        "knowledge.answer_threshold", "dialogue.max_citizen_turns", "log.level",
                        "security.key_file", "trunk.password", "sip.allow_from", "asr.url",
                        "retention.personal_days", "ZHIXIAN_SERVER_THREADS", "1..256"):
                self.assertIn(key, out)
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("[trunk]\nproxi = \"sip:x\"\n")
        try:
            r = run(["config", "--config", f.name])
            self.assertEqual(r.returncode, 2)
            self.assertIn(f.name + ":2: unknown configuration key 'trunk.proxi'", r.stderr.decode())
        finally:
            os.unlink(f.name)

    def test_bad_environment_names_the_variable(self):
        env = dict(os.environ, ZHIXIAN_KNOWLEDGE_ANSWER_THRESHOLD="2")
        r = run(["ask", "x"], env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("ZHIXIAN_KNOWLEDGE_ANSWER_THRESHOLD", r.stderr.decode())

    def test_malformed_knowledge_file_names_file_and_line(self):
        kb = tempfile.mkdtemp(prefix="zx-kb-")
        data = tempfile.mkdtemp(prefix="zx-data-")
        try:
            shutil.copytree(KB, kb, dirs_exist_ok=True)
            path = os.path.join(kb, "entries", "sbk.toml")
            text = open(path, encoding="utf-8").read().replace('kind = "faq"', 'kind = "fqa"', 1)
            open(path, "w", encoding="utf-8").write(text)
            r = run(["ask", "--data", data, "--kb", kb, "x"])
            self.assertEqual(r.returncode, 2)
            err = r.stderr.decode()
            self.assertRegex(err, r"sbk\.toml:\d+: entry 'sbk\.\w+': kind must be")
        finally:
            shutil.rmtree(kb, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)


class Serve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="zx-serve-")
        cls.proc = subprocess.Popen(
            [BINARY, "serve", "--http", "127.0.0.1:0", "--data", cls.data, "--kb", KB],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        cls.base = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = cls.proc.stderr.readline().decode()
            m = re.search(r"serve\.ready http=(http://[\d.]+:\d+)", line)
            if m:
                cls.base = m.group(1)
                break
            if not line and cls.proc.poll() is not None:
                break
        if not cls.base:
            cls.proc.kill()
            raise RuntimeError("server did not become ready")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
        shutil.rmtree(cls.data, ignore_errors=True)

    def request(self, method, path, body=None, content_type="application/json"):
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def ask(self, payload):
        return self.request("POST", "/api/v1/ask", payload)

    def test_healthz_and_metrics(self):
        status, body, _ = self.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.ask(json.dumps({"question": "社保卡怎么办"}).encode())
        status, body, headers = self.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("zhixian_http_requests_total", body.decode())
        self.assertIn("zhixian_answers_total", body.decode())

    def test_ask_over_http(self):
        status, body, headers = self.ask(json.dumps({"question": "异地就医备案怎么办"}).encode())
        self.assertEqual(status, 200)
        a = json.loads(body)
        self.assertEqual(a["topic"], "yb.remote_filing")
        self.assertIn("X-Request-Id", headers)

    def test_hostile_input_gets_4xx_and_server_keeps_serving(self):
        cases = [
            (b"{not json", 400),
            (json.dumps({"q": "x"}).encode(), 400),
            (json.dumps({"question": 5}).encode(), 400),
            (json.dumps({"question": ""}).encode(), 400),
            (b'{"question": "\xff\xfe"}', 400),
            (b"x" * (2 * 1024 * 1024), 413),
        ]
        for body, expected in cases:
            status, raw, _ = self.ask(body)
            self.assertEqual(status, expected, raw[:200])
            err = json.loads(raw)["error"]
            self.assertTrue(err["code"] and err["message"])
        for q in ("😀😀😀", "What's the weather like?"):
            status, raw, _ = self.ask(json.dumps({"question": q}).encode())
            self.assertEqual(status, 200)
            self.assertTrue(json.loads(raw)["answer"])
        status, _, _ = self.request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_unknown_route_is_json_404(self):
        status, raw, _ = self.request("GET", "/api/v1/nothing")
        self.assertEqual(status, 404)
        self.assertIn("error", json.loads(raw))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
