"""Kamailio for tests: one of the configurations of deploy/kamailio/ run as it is, unprivileged
and in the foreground, on a loopback port, with only addresses and ports changed.

  k = Kamailio(workdir, "inbound.cfg", port,
               lists={"dispatcher.list": {"10.0.0.11:5060": "127.0.0.1:5071"}})
  ...
  k.text()      # everything Kamailio logged (stderr)
  k.stop()

The configuration is used unchanged; LISTEN and the *_LIST paths are given as -A defines (the
files guard them with #!ifndef). A list file (dispatcher.list, gateways.list, address.list) is
copied from deploy/kamailio/ into the work directory with the given textual replacements (real
addresses to loopback ones) and its define pointed at the copy.
Reusable by other tests (scale-out: several nodes behind inbound.cfg).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from zhixian_node import free_port  # noqa: F401  (the tests' one, offered here too)

KAMAILIO = shutil.which("kamailio") or (
    "/usr/sbin/kamailio" if os.path.exists("/usr/sbin/kamailio") else None)
DEPLOY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                       "deploy", "kamailio"))
# The define each list file is named by in the configurations.
LIST_DEFINES = {"dispatcher.list": "DISPATCHER_LIST", "gateways.list": "GATEWAYS_LIST",
                "address.list": "ADDRESS_LIST"}


def list_copy(workdir, name, replacements, tag=""):
    """deploy/kamailio/NAME copied into workdir with `replacements` applied (each must match)."""
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        text = f.read()
    for old, new in replacements.items():
        assert old in text, "%s has no %r" % (name, old)
        text = text.replace(old, new)
    path = os.path.join(workdir, tag + name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Kamailio:
    """deploy/kamailio/CONFIG listening on udp:127.0.0.1:port; ready when the port answers."""

    def __init__(self, workdir, config, port, lists=None, defines=None, timeout=20):
        self.port = port
        self.log = []
        self.lock = threading.Lock()
        tag = os.path.splitext(config)[0] + "-%d-" % port
        run = os.path.join(workdir, tag + "run")
        os.makedirs(run, exist_ok=True)
        args = ["-A", "LISTEN=udp:127.0.0.1:%d" % port]
        for name, replacements in (lists or {}).items():
            path = list_copy(workdir, name, replacements, tag)
            args += ["-A", '%s="%s"' % (LIST_DEFINES[name], path)]
        for key, value in (defines or {}).items():
            args += ["-A", "%s=%s" % (key, value)]
        self.cmd = [KAMAILIO, "-f", os.path.join(DEPLOY, config), "-DD", "-E", "-n", "1",
                    "-m", "32", "-M", "4", "-Y", run, "-P", os.path.join(run, "kamailio.pid"),
                    "-w", run] + args
        # A process group of its own: stop() can end the children too (below).
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, errors="replace", start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_ready(timeout)

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.log.append(line.rstrip("\n"))

    def text(self):
        with self.lock:
            return "\n".join(self.log)

    def wait_ready(self, timeout):
        """Until Kamailio answers an OPTIONS to itself (the configurations reply 200)."""
        deadline = time.time() + timeout
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.3)
        try:
            n = 0
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("kamailio exited (%s):\n%s"
                                         % (self.proc.returncode, self.text()[-3000:]))
                n += 1
                s.sendto(options(self.port, s.getsockname()[1], "ready-%d" % n),
                         ("127.0.0.1", self.port))
                try:
                    data = s.recv(4096)
                    if data.startswith(b"SIP/2.0 200"):
                        return
                except socket.timeout:
                    pass
            raise AssertionError("kamailio did not answer on port %d:\n%s"
                                 % (self.port, self.text()[-3000:]))
        finally:
            s.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                # Now and then Kamailio does not finish its shutdown (seen with outbound.cfg:
                # the test took 15 s longer); killing only the main process left two children
                # behind, stuck on a lock and holding the port. The whole group, then.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode


def options(port, local_port, call_id):
    """An OPTIONS request to 127.0.0.1:port (Kamailio itself) from 127.0.0.1:local_port."""
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport\r\n"
            "From: <sip:probe@127.0.0.1:%d>;tag=%s\r\n"
            "To: <sip:127.0.0.1:%d>\r\n"
            "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (port, local_port, call_id, local_port, call_id, port, call_id)).encode()


def sip_status(data):
    """The status code of a SIP response (bytes), or None."""
    m = re.match(rb"SIP/2\.0 (\d{3}) ", data)
    return int(m.group(1)) if m else None
