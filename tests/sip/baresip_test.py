#!/usr/bin/env python3
"""An outbound call to a real SIP phone: baresip on loopback as the callee.

zx_sip_driver (the telephony Gateway with espeak-ng) originates a call to a baresip user agent
that answers by itself (answermode=auto), speaks a notice synthesised by espeak-ng, and then:
  - baresip presses key 1 (RFC 4733 telephone-event, `sndcode` through its ctrl_tcp module):
    the gateway must report key 1 from rfc4733;
  - baresip hangs up: the gateway must report the end of the call with cause "bye";
  - baresip's recording of what it received (sndfile module, the decoded audio) must hold
    speech about as long as the notice.

Usage: baresip_test.py ZX_SIP_DRIVER. Exit 77 (skip) when baresip or one of its modules is
missing. Loopback only; every wait is bounded.
"""
import audioop
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling test must not litter the source tree
sys.path.insert(0, HERE)
from outbound_test import Driver  # noqa: E402
from sip_test import free_port  # noqa: E402

BARESIP = shutil.which("baresip")
MODULE_DIR = "/usr/lib/baresip/modules"
MODULES = ["g711", "account", "aufile", "alsa", "sndfile", "menu", "ctrl_tcp"]
NOTICE = "您好，这里是示例市幺二三四五热线。您的社保卡已经制作完成，请按一确认。"


def write_silence(path, seconds):
    """baresip's aufile source ends the call at the end of its file: give it enough."""
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(b"\x00\x00" * 8000 * seconds)
    w.close()


class Baresip:
    def __init__(self, workdir, user="callee"):
        self.dir = os.path.join(workdir, "baresip")
        self.rec = os.path.join(self.dir, "rec")
        os.makedirs(self.rec)
        # The ports are picked before baresip binds them (UDP, TCP and TLS): a test running
        # beside this one may take one meanwhile. Then baresip exits; start it on new ones.
        for attempt in range(5):
            try:
                self.start(user)
                return
            except AssertionError:
                if attempt == 4 or "Address already in use" not in self.text():
                    raise
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()
                self.log.close()

    def start(self, user):
        self.sip_port = free_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        source = os.path.join(self.dir, "silence.wav")
        write_silence(source, 90)
        modules = "".join("module\t\t\t%s.so\n" % m for m in MODULES if m not in
                          ("menu", "ctrl_tcp"))
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("poll_method\t\tepoll\n"
                    "sip_listen\t\t127.0.0.1:%d\n"
                    "net_interface\t\t127.0.0.1\n"
                    "audio_player\t\talsa,null\n"
                    "audio_alert\t\talsa,null\n"
                    "audio_source\t\taufile,%s\n"
                    "module_path\t\t%s\n%s"
                    "module_app\t\tmenu.so\n"
                    "module_app\t\tctrl_tcp.so\n"
                    "ctrl_tcp_listen\t\t127.0.0.1:%d\n"
                    "snd_path\t\t%s\n"
                    % (self.sip_port, source, MODULE_DIR, modules, self.ctrl_port, self.rec))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("<sip:%s@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA\n"
                    % user)
        self.log = open(os.path.join(self.dir, "baresip.log"), "w+")
        self.proc = subprocess.Popen([BARESIP, "-f", self.dir, "-t", "90"], cwd=self.dir,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.ctrl = None
        deadline = time.time() + 10
        while self.ctrl is None:
            try:
                self.ctrl = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5)
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise AssertionError("baresip did not start:\n" + self.text())
                time.sleep(0.1)
        self.buffer = b""

    def text(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def command(self, command, params=""):
        """One ctrl_tcp command (JSON in a netstring); returns the response's data."""
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.ctrl.sendall(b"%d:%s," % (len(body), body))
        deadline = time.time() + 5
        while time.time() < deadline:
            m = re.match(rb"(\d+):", self.buffer)
            if m and len(self.buffer) >= m.end() + int(m.group(1)) + 1:
                n = int(m.group(1))
                message = json.loads(self.buffer[m.end():m.end() + n])
                self.buffer = self.buffer[m.end() + n + 1:]
                if message.get("response") and message.get("token") == command:
                    assert message.get("ok"), "baresip %s %s: %s" % (command, params, message)
                    return message.get("data", "")
                continue  # an event
            self.buffer += self.ctrl.recv(65536)
        raise AssertionError("no answer from baresip to " + command)

    def stop(self):
        try:
            self.command("quit")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def speech_span(path):
    """(seconds of the file, seconds from the first to the last loud 20 ms frame, RMS there)."""
    w = wave.open(path)
    rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
    data = w.readframes(w.getnframes())
    if channels == 2:
        data = audioop.tomono(data, width, 0.5, 0.5)
    frame = rate // 50 * width
    loud = [i for i in range(0, len(data) - frame, frame)
            if audioop.rms(data[i:i + frame], width) > 300]
    if not loud:
        return w.getnframes() / rate, 0.0, 0
    span = data[loud[0]:loud[-1] + frame]
    return w.getnframes() / rate, (loud[-1] + frame - loud[0]) / width / rate, \
        audioop.rms(span, width)


def main():
    if not BARESIP or not all(os.path.exists(os.path.join(MODULE_DIR, m + ".so"))
                              for m in MODULES):
        print("SKIP: baresip (package baresip-core) with modules %s is not installed"
              % ", ".join(MODULES))
        return 77
    driver_bin = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="zx-baresip-") as workdir:
        phone = Baresip(workdir)
        driver = Driver(driver_bin, ["--espeak"])
        try:
            call = driver.originate("sip:callee@127.0.0.1:%d" % phone.sip_port, "ring=10000")
            driver.wait(r"^started call=%s direction=outbound codec=PCMU" % call, 10)
            m = driver.command("say %s %s" % (call, NOTICE), r"^playing call=%s prompt=(\d+) "
                               r"samples=(\d+)$" % call, timeout=20)
            prompt, notice_s = m.group(1), int(m.group(2)) / 8000
            driver.wait(r"^playback_done call=%s prompt=%s interrupted=0$" % (call, prompt),
                        notice_s + 10)
            time.sleep(0.5)
            phone.command("sndcode", "1")
            driver.wait(r"^digit call=%s key=1 source=rfc4733$" % call, 5)
            time.sleep(0.3)
            phone.command("hangup")
            driver.wait(r'^ended call=%s reason="bye"$' % call, 5)
            # baresip closes its recording when the call is gone.
            deadline = time.time() + 5
            recordings = []
            while time.time() < deadline and not recordings:
                recordings = [n for n in os.listdir(phone.rec) if n.endswith("-dec.wav")]
                time.sleep(0.1)
            assert recordings, "baresip recorded nothing:\n" + phone.text()[-2000:]
            time.sleep(0.5)
            total, span, rms = speech_span(os.path.join(phone.rec, recordings[0]))
            print("notice %.2f s; baresip recorded %.2f s, speech over %.2f s, RMS %d"
                  % (notice_s, total, span, rms))
            assert rms > 300, "the recording is silent (RMS %d)" % rms
            assert abs(span - notice_s) < max(0.5, 0.15 * notice_s), \
                "speech over %.2f s, the notice lasts %.2f s" % (span, notice_s)
            assert total >= notice_s, "recording shorter than the notice"
        except Exception as e:
            print("FAIL: %s" % e)
            print("---- baresip log (tail) ----\n" + phone.text()[-3000:])
            print("---- driver log (tail) ----\n" + driver.log_text()[-3000:])
            return 1
        finally:
            driver.stop()
            phone.stop()
    print("PASS baresip callee: answered, notice recorded, key 1 by RFC 4733, hang-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
