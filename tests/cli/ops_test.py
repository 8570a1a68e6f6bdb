"""What operators run (issue 11, item 9): `zhixian --version` and `zhixian doctor`.

Usage: ops_test.py BINARY SOURCE_DIR. Each test has its own data directory and XDG_CONFIG_HOME
(the default key file's home); the network checks only touch loopback sockets the test opens.
"""
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/zhixian")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
KB = os.path.join(SOURCE, "kb")


class Version(unittest.TestCase):
    def test_version(self):
        r = subprocess.run([BINARY, "--version"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = r.stdout.decode().strip()
        # "zhixian 0.1.0" or "zhixian 0.1.0 (v0.1.0-12-gabcdef0)"
        self.assertRegex(out, r"^zhixian \d+\.\d+\.\d+( \(\S+\))?$")
        cmake = open(os.path.join(SOURCE, "CMakeLists.txt")).read()
        version = re.search(r"project\(zhixian VERSION (\S+)", cmake).group(1)
        self.assertIn(version, out)


class Doctor(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="zx-doctor-")
        self.data = os.path.join(self.root, "data")
        self.xdg = os.path.join(self.root, "xdg")
        self.config = os.path.join(self.root, "zhixian.toml")
        self.env = dict(os.environ, XDG_CONFIG_HOME=self.xdg)
        for k in list(self.env):
            if k.startswith("ZHIXIAN_"):
                del self.env[k]
        self.write("")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def doctor(self):
        r = subprocess.run([BINARY, "doctor", "--data", self.data, "--kb", KB, "--config",
                            self.config], capture_output=True, timeout=120, env=self.env,
                           cwd=SOURCE)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def line(self, out, check):
        for line in out.splitlines():
            if re.match(r"^(ok|warn|FAIL)\s+" + re.escape(check) + r"\s", line):
                return line
        self.fail("no line for %s in:\n%s" % (check, out))

    def test_healthy(self):
        # A key file made as serve would make it.
        r = subprocess.run([BINARY, "keys", "init", "--data", self.data, "--config", self.config],
                           capture_output=True, timeout=60, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.write('[server]\nsip = "off"\n')
        code, out, err = self.doctor()
        self.assertEqual(code, 0, out + err)
        for check in ("config", "key file", "database", "knowledge", "calendar", "sip", "asr",
                      "sms", "console", "llm"):
            self.line(out, check)
        self.assertIn("no engines", self.line(out, "llm"))
        self.assertTrue(self.line(out, "key file").startswith("ok"))
        self.assertIn(os.path.join(self.xdg, "zhixian", "keys"), self.line(out, "key file"))
        self.assertTrue(self.line(out, "database").startswith("ok"))
        self.assertTrue(self.line(out, "knowledge").startswith("ok"))
        self.assertIn("all checks passed", out)

    def test_fresh_machine_warns_but_passes(self):
        code, out, err = self.doctor()
        self.assertEqual(code, 0, out + err)
        self.assertTrue(self.line(out, "key file").startswith("warn"))
        self.assertIn("serve creates it", out)

    def test_broken_configuration(self):
        self.write("[server]\nthreads = 0\n")
        code, out, _ = self.doctor()
        self.assertEqual(code, 2)
        self.assertTrue(self.line(out, "config").startswith("FAIL"))
        self.assertIn("server.threads", out)
        self.assertIn("fix:", out)

    def test_key_file_others_may_read(self):
        key = os.path.join(self.root, "keys")
        self.write(f'[security]\nkey_file = "{key}"\n[server]\nsip = "off"\n')
        r = subprocess.run([BINARY, "keys", "init", "--data", self.data, "--config", self.config],
                           capture_output=True, timeout=60, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        os.chmod(key, 0o644)
        code, out, _ = self.doctor()
        self.assertEqual(code, 1, out)
        line = self.line(out, "key file")
        self.assertTrue(line.startswith("FAIL"), line)
        self.assertIn("chmod 600 " + key, out)

    def test_missing_key_file_and_knowledge_base(self):
        self.write('[security]\nkey_file = "/nonexistent/zhixian/keys"\n[server]\nsip = "off"\n'
                   '[knowledge]\nkb_dir = "/nonexistent/kb"\n')
        r = subprocess.run([BINARY, "doctor", "--data", self.data, "--config", self.config],
                           capture_output=True, timeout=120, env=self.env, cwd=SOURCE)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 1, out)
        self.assertTrue(self.line(out, "key file").startswith("FAIL"))
        self.assertIn("zhixian keys init --key-file /nonexistent/zhixian/keys", out)
        self.assertTrue(self.line(out, "knowledge").startswith("FAIL"))

    def test_asr_unreachable_and_trunk_answering(self):
        # A closed port for ASR; a loopback UDP "proxy" that answers OPTIONS with 200.
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        asr_port = closed.getsockname()[1]
        closed.close()
        proxy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        proxy.bind(("127.0.0.1", 0))
        proxy.settimeout(10)
        seen = []

        def answer():
            try:
                data, peer = proxy.recvfrom(4096)
                seen.append(data)
                proxy.sendto(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", peer)
            except OSError:
                pass

        t = threading.Thread(target=answer, daemon=True)
        t.start()
        self.write('[server]\nsip = "off"\n[trunk]\nproxy = "sip:127.0.0.1:%d"\n'
                   '[asr]\nurl = "ws://127.0.0.1:%d"\n'
                   '[sms]\ngateway = "http"\nurl = "http://127.0.0.1:%d/send"\n'
                   % (proxy.getsockname()[1], asr_port, asr_port))
        code, out, _ = self.doctor()
        t.join(timeout=10)
        proxy.close()
        self.assertEqual(code, 1, out)
        self.assertTrue(self.line(out, "trunk").startswith("ok"), out)
        self.assertIn("(200)", self.line(out, "trunk"))
        self.assertTrue(seen and seen[0].startswith(b"OPTIONS sip:127.0.0.1"))
        self.assertTrue(self.line(out, "asr").startswith("FAIL"), out)
        self.assertIn("asr.url", out)
        self.assertTrue(self.line(out, "sms").startswith("FAIL"), out)
        self.assertIn("sms.url", out)


def doc_files():
    out = [os.path.join(SOURCE, "README.md")]
    docs = os.path.join(SOURCE, "docs")
    out += [os.path.join(docs, n) for n in sorted(os.listdir(docs)) if n.endswith(".md")]
    deploy = os.path.join(SOURCE, "deploy")
    for root, dirs, files in os.walk(deploy):  # deploy/zhixian.service, deploy/nginx/, ...
        dirs.sort()
        out += [os.path.join(root, n) for n in sorted(files)]
    out.append(os.path.join(SOURCE, "config", "zhixian.toml"))
    return out


class Docs(unittest.TestCase):
    """What the documentation tells operators to write is what the code reads."""

    def test_every_toml_example_is_accepted(self):
        # E.g. the Kamailio example of docs/telephony.md with `register = false`.
        found = 0
        for path in doc_files():
            if not path.endswith(".md"):
                continue
            text = open(path, encoding="utf-8").read()
            for block in re.findall(r"```toml\n(.*?)```", text, re.S):
                if block.startswith("# kb/"):
                    continue  # a knowledge-base file (kb/...), not the configuration
                found += 1
                with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
                    f.write(block)
                try:
                    r = subprocess.run([BINARY, "config", "--config", f.name],
                                       capture_output=True, timeout=30)
                    self.assertEqual(r.returncode, 0, "%s:\n%s\n%s" % (
                        path, block, r.stderr.decode()))
                finally:
                    os.unlink(f.name)
        self.assertGreater(found, 3)

    def test_environment_variable_names_match_the_code(self):
        r = subprocess.run([BINARY, "config"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        known = set(re.findall(r"ZHIXIAN_[A-Z0-9_]+", r.stdout.decode()))
        sections = {n.split("_")[1] for n in known}
        for path in doc_files():
            text = open(path, encoding="utf-8").read()
            for name in re.findall(r"ZHIXIAN_[A-Z0-9_]*\*?", text):
                if name in ("ZHIXIAN_", "ZHIXIAN_*"):  # the prefix itself
                    continue
                if name.endswith("_*"):  # a whole section, e.g. ZHIXIAN_SIP_*
                    self.assertIn(name[len("ZHIXIAN_"):-2], sections, "%s: %s" % (path, name))
                else:
                    self.assertIn(name, known, "%s names %s, which zhixian does not read" %
                                  (path, name))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
