#!/usr/bin/env python3
"""SIP tests of the telephony Gateway on its own (zx_sip_driver), with SIPp as the trunk or
as the caller, on loopback.

Outbound calls through a trunk (SIPp as the trunk's UAS, the driver's proxy):
  busy, invalid_number, rejected, failed_503   final responses 486 / 404 / 603 / 503 map to
                     the outcomes busy / invalid_number / rejected / failed with their code; the
                     INVITE carries the X-Campaign-Attempt header
  no_answer        180 and nothing more: after the 2 s ring timeout zhixian sends CANCEL
                   (SIPp answers 200 + 487), outcome no_answer
  early_media      183 with SDP: progress with early media, in-band key 2 in the early media is
                   detected, then 200: answered (direction outbound); Hangup sends BYE
  auth             401 with a digest challenge: the INVITE is sent again with credentials
                   (SIPp verifies them) and answered
  tcp_outbound     the same over TCP (SIPp -t t1, originate transport=tcp), A-law answer
  capacity         max_calls 1: a second Originate while one rings is refused at once
  bad_input        malformed numbers, URIs and header injection are refused synchronously
  unreachable      TCP connection refused: outcome failed, code 0
  register         REGISTER with digest authentication, renewal before the 2 s expiry,
                   un-REGISTER on shutdown; the status reads "registered"
Inbound calls from SIPp (the driver answers):
  transfer         REFER after answer; NOTIFY 100 then 200: transfer accepted, succeeded, BYE
  transfer_refused REFER answered 603: transfer failed with 603, the call stays up
  hold             re-INVITE sendonly / sendrecv / c=0.0.0.0 / sendrecv: OnHold events, and no
                   RTP sent while held
  tcp_inbound      a caller over TCP
Finally: no full phone number in the driver's log.

Usage: outbound_test.py ZX_SIP_DRIVER [TEST...]. Exit 77 (skip) without SIPp.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling test must not litter the source tree
sys.path.insert(0, HERE)
from sip_test import PCAPS, SIPP, free_port, write_inband_pcap  # noqa: E402

NUMBER = "13812345678"  # the citizen's number: it must never appear in full in a log


class Driver:
    """zx_sip_driver with its events (stdout) and log (stderr) collected."""

    def __init__(self, binary, args=()):
        self.events, self.log = [], []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([binary] + list(args), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     errors="replace", bufsize=1)
        threading.Thread(target=self._read, args=(self.proc.stdout, self.events),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.log),
                         daemon=True).start()
        self.port = int(self.wait(r"^ready port=(\d+)", 20).group(1))

    def _read(self, stream, into):
        for line in stream:
            with self.lock:
                into.append(line.rstrip("\n"))

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def mark(self):
        with self.lock:
            return len(self.events)

    def text(self, since=0):
        with self.lock:
            return "\n".join(self.events[since:])

    def wait(self, pattern, timeout, since=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(since), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("no %r within %s s; events:\n%s\nlog tail:\n%s"
                             % (pattern, timeout, self.text(since), self.log_text()[-3000:]))

    def log_text(self):
        with self.lock:
            return "\n".join(self.log)

    def command(self, line, pattern, timeout=5):
        since = self.mark()
        self.send(line)
        return self.wait(pattern, timeout, since)

    def originate(self, target, *opts):
        m = self.command("originate t %s %s" % (target, " ".join(opts)),
                         r"^(originated tag=t call=(\d+)|originate_error tag=t .*)$")
        assert m.group(2), "Originate failed: %s" % m.group(1)
        return m.group(2)

    def stats(self):
        m = self.command("stats", r"^stats .*rtp_sent=(\d+)")
        return int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("driver did not stop within 15 s")
        return self.proc.returncode


def wait_bound(port, kind, timeout=10):
    """Waits until something (SIPp) has bound 127.0.0.1:port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return
        finally:
            s.close()
        time.sleep(0.05)
    raise AssertionError("SIPp did not bind port %d" % port)


class Sipp:
    """A SIPp scenario in the background: a UAS on `port`, or a UAC calling `target`."""

    def __init__(self, scenario, workdir, port, target=None, tcp=False, timeout=30):
        self.timeout = timeout
        pcap = os.path.join(workdir, "pcap")
        if not os.path.exists(pcap):
            os.symlink(PCAPS, pcap)
        cmd = [SIPP]
        if target:
            cmd.append(target)
        path = scenario if os.path.isabs(scenario) else os.path.join(HERE, scenario)
        cmd += ["-sf", path, "-i", "127.0.0.1", "-p", str(port),
                "-mi", "127.0.0.1", "-mp", str(free_port() & ~1), "-m", "1", "-s", "12345",
                "-nostdin", "-timeout", "%ds" % timeout, "-timeout_error",
                "-recv_timeout", "15000", "-trace_err",
                "-error_file", os.path.join(workdir, os.path.basename(scenario) + ".err")]
        if tcp:
            cmd += ["-t", "t1"]
        self.proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     errors="replace")
        if not target:
            wait_bound(port, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)

    def finish(self):
        try:
            out, _ = self.proc.communicate(timeout=self.timeout + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            raise AssertionError("SIPp did not finish:\n" + out[-2000:])
        assert self.proc.returncode == 0, "SIPp failed (%d):\n%s" % (self.proc.returncode,
                                                                     out[-2500:])


class Env:
    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir
        self.trunk_port = free_port()
        # One driver for most tests: trunk = the SIPp UAS port, credentials for the auth test.
        self.main = Driver(binary, ["--proxy", "sip:127.0.0.1:%d" % self.trunk_port,
                                    "--username", "zxuser", "--password", "s3cret",
                                    "--from-user", "12345"])
        self.drivers = [self.main]

    def driver(self, args):
        d = Driver(self.binary, args)
        self.drivers.append(d)
        return d


def reject_scenario(workdir, code, reason):
    """uas_reject.xml with its final response filled in (SIPp checks codes at load time)."""
    with open(os.path.join(HERE, "uas_reject.xml")) as f:
        text = f.read().replace("@CODE@", str(code)).replace("@REASON@", reason)
    path = os.path.join(workdir, "uas_reject_%d.xml" % code)
    with open(path, "w") as f:
        f.write(text)
    return path


def reject_test(code, reason, outcome):
    def test(env):
        d = env.main
        sipp = Sipp(reject_scenario(env.workdir, code, reason), env.workdir, env.trunk_port)
        since = d.mark()
        call = d.originate(NUMBER, "header=X-Campaign-Attempt:c7-t42-a1")
        d.wait(r"^failed call=%s outcome=%s code=%d$" % (call, outcome, code), 10, since)
        sipp.finish()
        assert not re.search(r"^(started|ended) call=%s " % call, d.text(since), re.M)
    return test


def test_no_answer(env):
    d = env.main
    sipp = Sipp("uas_ring_timeout.xml", env.workdir, env.trunk_port)
    since = d.mark()
    t0 = time.time()
    call = d.originate(NUMBER, "ring=2000")
    d.wait(r"^progress call=%s code=180 early_media=0$" % call, 5, since)
    d.wait(r"^failed call=%s outcome=no_answer code=0$" % call, 6, since)
    took = time.time() - t0
    assert 1.8 < took < 4.5, "ring timeout took %.1f s" % took
    sipp.finish()  # SIPp saw the CANCEL and the ACK of its 487


def test_early_media(env):
    d = env.main
    write_inband_pcap(os.path.join(env.workdir, "inband_2.pcap"), "2")
    sipp = Sipp("uas_early_media.xml", env.workdir, env.trunk_port)
    since = d.mark()
    call = d.originate(NUMBER)
    d.wait(r"^progress call=%s code=183 early_media=1$" % call, 5, since)
    d.wait(r"^digit call=%s key=2 source=inband$" % call, 5, since)
    m = d.wait(r"^started call=%s direction=outbound codec=PCMU caller=(\S+) called=(\S+)$"
               % call, 5, since)
    assert m.group(2) == "138****5678", m.group(0)
    events = d.text(since)
    assert events.index("digit call=%s" % call) < events.index("started call=%s" % call)
    d.send("hangup %s" % call)
    d.wait(r'^ended call=%s reason="hangup"$' % call, 5, since)
    sipp.finish()


def test_auth(env):
    d = env.main
    sipp = Sipp("uas_auth.xml", env.workdir, env.trunk_port)
    since = d.mark()
    call = d.originate(NUMBER)
    d.wait(r"^started call=%s direction=outbound" % call, 8, since)
    assert 'sip.auth realm="trunk.zhixian.test"' in d.log_text()
    d.send("hangup %s" % call)
    d.wait(r'^ended call=%s reason="hangup"$' % call, 5, since)
    sipp.finish()


def test_tcp_outbound(env):
    d = env.main
    sipp = Sipp("uas_answer.xml", env.workdir, env.trunk_port, tcp=True)
    since = d.mark()
    call = d.originate(NUMBER, "transport=tcp")
    d.wait(r"^progress call=%s code=180 early_media=0$" % call, 5, since)
    d.wait(r"^started call=%s direction=outbound codec=PCMA" % call, 5, since)
    d.command("tone %s 400 440" % call, r"^playing call=%s" % call)
    d.wait(r"^playback_done call=%s prompt=\d+ interrupted=0$" % call, 5, since)
    d.send("hangup %s" % call)
    d.wait(r'^ended call=%s reason="hangup"$' % call, 5, since)
    sipp.finish()


def test_capacity(env):
    port = free_port()
    d = env.driver(["--proxy", "sip:127.0.0.1:%d" % port, "--max-calls", "1"])
    sipp = Sipp("uas_ring_timeout.xml", env.workdir, port)
    first = d.originate(NUMBER, "ring=2000")
    d.wait(r"^progress call=%s code=180" % first, 5)
    d.command("originate second 13900001111", r"^originate_error tag=second "
              r"code=resource_exhausted")
    d.wait(r"^failed call=%s outcome=no_answer" % first, 6)
    sipp.finish()
    # The slot is free again.
    sipp = Sipp(reject_scenario(env.workdir, 486, "Busy Here"), env.workdir, port)
    third = d.originate(NUMBER, "header=X-Campaign-Attempt:c7-t42-a2")
    d.wait(r"^failed call=%s outcome=busy code=486" % third, 10)
    sipp.finish()


def test_bad_input(env):
    d = env.main
    for line, code in [
        ("originate b 138<1>", "invalid_argument"),
        ("originate b 138,1234", "invalid_argument"),
        ("originate b sips:1001@pbx", "invalid_argument"),
        ("originate b sip:1001@pbx:99999", "invalid_argument"),
        ("originate b %s header=Via:evil" % NUMBER, "invalid_argument"),
        ("originate b %s ring=10" % NUMBER, "invalid_argument"),
        ("originate b %s caller=a@b" % NUMBER, "invalid_argument"),
    ]:
        m = d.command(line, r"^(originated tag=b .*|originate_error tag=b code=(\S+) .*)$")
        assert m.group(2) == code, "%s -> %s" % (line, m.group(1))
    # Without a trunk a bare number has nowhere to go.
    d2 = env.driver([])
    m = d2.command("originate n %s" % NUMBER, r"^originate_error tag=n code=(\S+)")
    assert m.group(1) == "failed_precondition", m.group(0)


def test_unreachable(env):
    d = env.driver([])  # no trunk: the URI is dialled directly
    port = free_port(socket.SOCK_STREAM)  # nothing listens there
    since = d.mark()
    call = d.originate("sip:%s@127.0.0.1:%d;transport=tcp" % (NUMBER, port))
    d.wait(r"^failed call=%s outcome=failed code=0$" % call, 5, since)


def test_register(env):
    port = free_port()
    sipp = Sipp("uas_register.xml", env.workdir, port)
    d = env.driver(["--proxy", "sip:127.0.0.1:%d" % port, "--username", "zxuser",
                    "--password", "s3cret", "--register", "--register-expires", "60"])
    deadline = time.time() + 8
    while True:
        m = d.command("registration", r"^registration state=(\S+) code=(\d+) expires=(\d+) "
                      r"successes=(\d+) failures=(\d+)")
        if m.group(1) == "registered" and int(m.group(4)) >= 2:
            break
        assert time.time() < deadline, "not renewed: %s\n%s" % (m.group(0), d.log_text()[-2000:])
        time.sleep(0.2)
    assert m.group(3) == "2" and m.group(5) == "0", m.group(0)
    assert d.stop() == 0  # un-REGISTER
    sipp.finish()


def test_transfer(env):
    d = env.main
    since = d.mark()
    sipp = Sipp("uac_refer.xml", env.workdir, free_port(), target="127.0.0.1:%d" % d.port)
    call = d.wait(r"^started call=(\d+) direction=inbound", 10, since).group(1)
    d.send("transfer %s sip:agent1001@127.0.0.1:5999" % call)
    d.wait(r"^transfer call=%s state=accepted code=100$" % call, 5, since)
    d.wait(r"^transfer call=%s state=succeeded code=200$" % call, 5, since)
    d.wait(r'^ended call=%s reason="transferred"$' % call, 5, since)
    sipp.finish()


def test_transfer_refused(env):
    d = env.main
    since = d.mark()
    sipp = Sipp("uac_refer_refused.xml", env.workdir, free_port(),
                target="127.0.0.1:%d" % d.port)
    call = d.wait(r"^started call=(\d+) direction=inbound", 10, since).group(1)
    d.send("transfer %s sip:agent1001@127.0.0.1:5999" % call)
    d.wait(r"^transfer call=%s state=failed code=603$" % call, 5, since)
    d.wait(r'^ended call=%s reason="bye"$' % call, 5, since)
    sipp.finish()


def test_hold(env):
    d = env.main
    since = d.mark()
    sipp = Sipp("uac_hold.xml", env.workdir, free_port(), target="127.0.0.1:%d" % d.port)
    call = d.wait(r"^started call=(\d+) direction=inbound", 10, since).group(1)

    def sending(expected):
        a = d.stats()
        time.sleep(0.6)
        b = d.stats()
        if expected:
            assert b - a >= 15, "only %d RTP packets in 0.6 s" % (b - a)
        else:
            assert b == a, "%d RTP packets sent while on hold" % (b - a)

    sending(True)
    for held in (1, 0, 1, 0):
        m = d.wait(r"^hold call=%s held=%d$" % (call, held), 5, since)
        since_hold = d.mark()
        sending(held == 0)
        since = since_hold
    d.wait(r'^ended call=%s reason="bye"$' % call, 8)
    sipp.finish()


def test_tcp_inbound(env):
    d = env.main
    since = d.mark()
    sipp = Sipp("audio_call.xml", env.workdir, free_port(), target="127.0.0.1:%d" % d.port,
                tcp=True)
    call = d.wait(r"^started call=(\d+) direction=inbound codec=PCMA", 10, since).group(1)
    d.wait(r'^ended call=%s reason="bye"$' % call, 15, since)
    sipp.finish()


TESTS = {
    "busy": reject_test(486, "Busy Here", "busy"),
    "invalid_number": reject_test(404, "Not Found", "invalid_number"),
    "rejected": reject_test(603, "Decline", "rejected"),
    "failed_503": reject_test(503, "Service Unavailable", "failed"),
    "no_answer": test_no_answer,
    "early_media": test_early_media,
    "auth": test_auth,
    "tcp_outbound": test_tcp_outbound,
    "capacity": test_capacity,
    "bad_input": test_bad_input,
    "unreachable": test_unreachable,
    "register": test_register,
    "transfer": test_transfer,
    "transfer_refused": test_transfer_refused,
    "hold": test_hold,
    "tcp_inbound": test_tcp_inbound,
}


def main():
    if not SIPP or not os.path.isdir(PCAPS):
        print("SKIP: sipp (package sip-tester) is not installed; scripts/install-deps.sh --test")
        return 77
    binary = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(TESTS)
    failed = []
    with tempfile.TemporaryDirectory(prefix="zx-sip-out-") as workdir:
        env = Env(binary, workdir)
        try:
            for name in names:
                t0 = time.time()
                try:
                    TESTS[name](env)
                    print("PASS %s (%.1f s)" % (name, time.time() - t0), flush=True)
                except Exception as e:  # report every test, then fail
                    failed.append(name)
                    print("FAIL %s: %s" % (name, e), flush=True)
        finally:
            for d in env.drivers:
                rc = d.stop()
                if rc != 0:
                    failed.append("driver exit %s" % rc)
            logs = "\n".join(d.log_text() for d in env.drivers)
            if NUMBER in logs:
                failed.append("a full phone number in the log")
            if failed:
                print("---- driver log (tail) ----\n" + env.main.log_text()[-4000:])
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    print("all %d outbound/in-dialog SIP tests passed" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
