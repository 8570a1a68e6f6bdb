"""Issue 14's first bar, over HTTP against a running `zhixian serve`: an editor changes an
answer, another editor approves it, and citizens get the new answer within 5 s, with no
restart and no failed request while a load of questions runs during the swap. Then a version
dated tomorrow is approved: citizens keep today's answer, and `zhixian ask --as-of` gives each
version's answer on its own dates.

Usage: publish_test.py BINARY SOURCE_DIR"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "security"))
from serve_process import ServeProcess  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/zhixian")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
KB = os.path.join(SOURCE, "kb")
PASSWORD = "correct horse battery staple"
ENTRY = "yb.remote_filing"
QUESTION = "去外地看病要先备案吗，怎么办"
CST = datetime.timezone(datetime.timedelta(hours=8))


def today(days=0):
    return (datetime.datetime.now(CST) + datetime.timedelta(days=days)).strftime("%Y-%m-%d")


def run(args, stdin=""):
    return subprocess.run([BINARY] + args, input=stdin.encode(), capture_output=True, timeout=120)


class Api:
    def __init__(self, base):
        self.base = base

    def request(self, method, path, body=None, token=None, timeout=20):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def token(self, name):
        status, body = self.request("POST", "/api/v1/auth/login",
                                    {"name": name, "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]

    def ask(self):
        return self.request("POST", "/api/v1/ask", {"question": QUESTION}, timeout=10)


class Load:
    """Citizens asking the same question from four threads until stopped."""

    def __init__(self, api):
        self.api, self.stop, self.failures, self.answers = api, False, [], []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop) for _ in range(4)]
        for t in self.threads:
            t.start()

    def loop(self):
        while not self.stop:
            try:
                status, body = self.api.ask()
                ok = status == 200 and body.get("topic") == ENTRY and body.get("answer")
            except Exception as e:  # a refused or dropped connection is a failure too
                status, body, ok = 0, {"error": str(e)}, False
            with self.lock:
                self.answers.append((time.time(), body.get("answer", "")))
                if not ok:
                    self.failures.append((status, body))

    def finish(self):
        self.stop = True
        for t in self.threads:
            t.join(timeout=30)


class PublishTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="zx-kb-publish-")
        cls.data = os.path.join(cls.root, "data")
        cls.config = os.path.join(cls.root, "zhixian.toml")
        with open(cls.config, "w") as f:
            f.write('[security]\nkey_file = ""\nrate_limit_per_minute = 0\n')
        for name, role in [("ed1", "editor"), ("ed2", "editor"), ("agent1", "agent")]:
            r = run(["user", "add", name, "--role", role, "--data", cls.data,
                     "--config", cls.config, "--kb", KB], stdin=PASSWORD + "\n")
            assert r.returncode == 0, r.stderr.decode()
        cls.server = ServeProcess(BINARY, KB, cls.data, cls.config, ["--sip", "127.0.0.1:0"])
        cls.api = Api(cls.server.base)
        cls.ed1, cls.ed2 = cls.api.token("ed1"), cls.api.token("ed2")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def draft(self, answer, note):
        status, body = self.api.request("GET", f"/api/v1/kb/entries/{ENTRY}", token=self.ed1)
        self.assertEqual(status, 200, body)
        fields = dict(body["current"])
        fields["answer"], fields["note"] = answer, note
        status, body = self.api.request("PUT", f"/api/v1/kb/entries/{ENTRY}/draft", fields,
                                        token=self.ed1)
        self.assertEqual(status, 200, body)
        version = body["version"]
        status, body = self.api.request(
            "POST", f"/api/v1/kb/entries/{ENTRY}/versions/{version}/submit", {}, token=self.ed1)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "submitted")
        return version

    def approve(self, version, effective, token):
        return self.api.request("POST", f"/api/v1/kb/entries/{ENTRY}/versions/{version}/approve",
                                {"effective": effective, "note": "核对无误"}, token=token)

    def test_1_new_answer_within_5_seconds_and_no_failed_request(self):
        status, before = self.api.ask()
        self.assertEqual(status, 200, before)
        new_answer = before["answer"].replace("不少于6个月", "不少于12个月")
        self.assertNotEqual(new_answer, before["answer"])
        version = self.draft(new_answer, "临时外出就医备案有效期调整")
        # The editor may not approve their own version.
        status, body = self.approve(version, today(), self.ed1)
        self.assertEqual(status, 403, body)
        load = Load(self.api)
        try:
            time.sleep(1.0)
            approved_at = time.time()
            status, body = self.approve(version, today(), self.ed2)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["status"], "published")
            seen = None
            while time.time() < approved_at + 15 and seen is None:
                time.sleep(0.05)
                with load.lock:
                    seen = next((t for t, a in load.answers
                                 if t > approved_at and "不少于12个月" in a), None)
            time.sleep(1.0)
        finally:
            load.finish()
        self.assertIsNotNone(seen, "the new answer never reached citizens")
        self.assertLessEqual(seen - approved_at, 5.0)
        self.assertEqual(load.failures[:3], [])
        self.assertGreater(len(load.answers), 50)
        print(f"new answer after {seen - approved_at:.2f} s; {len(load.answers)} questions "
              f"answered during the swap, {len(load.failures)} failed")
        status, body = self.api.ask()
        self.assertIn("不少于12个月", body["answer"])
        self.assertEqual(body["citations"][0].get("version"), version)

    def test_2_future_version_waits_for_its_date(self):
        status, current = self.api.ask()
        tomorrow_answer = current["answer"] + "自明天起，备案也可以在示例市医保公众号上办。"
        version = self.draft(tomorrow_answer, "新增办理渠道")
        status, body = self.approve(version, today(1), self.ed2)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "scheduled")
        time.sleep(2)
        status, body = self.api.ask()
        self.assertNotIn("公众号", body["answer"])
        for date, expect in [(today(), False), (today(1), True)]:
            r = run(["ask", "--json", "--as-of", date, "--data", self.data, "--config",
                     self.config, "--kb", KB, QUESTION])
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            answer = json.loads(r.stdout.decode().splitlines()[0])["answer"]
            self.assertEqual("公众号" in answer, expect, (date, answer))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
