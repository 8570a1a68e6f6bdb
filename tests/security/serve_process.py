"""`zhixian serve` as a child process for the security tests: started on 127.0.0.1:0, ready when
it logs `serve.ready`, everything it writes to stderr kept (to scan the log for personal data)."""
import re
import subprocess
import threading
import time


class ServeProcess:
    def __init__(self, binary, kb, data, config, extra_args=(), require_ready=True, env=None):
        self.proc = subprocess.Popen(
            [binary, "serve", "--http", "127.0.0.1:0", "--data", data, "--kb", kb,
             "--config", config] + list(extra_args),
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
        self.base = self.host = self.port = None
        self.log = []
        self.reader = None
        deadline = time.time() + 90
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            self.log.append(line)
            m = re.search(rb"serve\.ready http=http://([\d.]+):(\d+)", line)
            if m:
                self.host, self.port = m.group(1).decode(), int(m.group(2))
                self.base = "http://%s:%d" % (self.host, self.port)
                break
        if not self.base and require_ready:
            self.proc.kill()
            raise RuntimeError("server did not become ready:\n" + b"".join(self.log).decode())
        if self.base:
            self.reader = threading.Thread(target=self._drain, daemon=True)
            self.reader.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        if self.reader:
            self.reader.join(timeout=5)
        self.proc.stderr.close()

    def stderr_bytes(self):
        return b"".join(self.log)
