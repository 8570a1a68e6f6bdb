#!/usr/bin/env python3
"""End-to-end SIP/RTP tests of `zhixian serve` on loopback, with real peers.

  greeting   a Python UAC calls, receives the greeting as non-silent PCMU RTP, hangs up (BYE)
  key_rfc4733  SIPp calls and sends key 1 as RFC 4733 events (dtmf_2833_1.pcap): the server
             reports the key and opens the 社保 menu (kb/ivr.toml); BYE
  key_inband SIPp plays key 2 as in-band DTMF tones in PCMU (a pcap written here): the server
             detects it (spandsp) and opens the 医保 menu
  ivr_keypad a keypad-only caller (RFC 4733 events of a pcap written here, no speech) walks the
             menu: 2 1 1 plays the 异地就医备案 answer by id; * * 3 1 starts the 住院报销
             calculator, 3 (三级) 12000# 3000# enter its slots, and the result is given
  audio_call SIPp calls with A-law speech (g711a.pcap) and hangs up; the speech is detected
             (VAD; no barge-in without a recogniser); the call is recorded
             encrypted (no WAV, no RIFF header on disk); `zhixian recordings export` gives a
             stereo WAV with both sides audible; a changed byte makes the export fail
  cancel     SIPp cancels while it rings: 200 for CANCEL, 487 for the INVITE
  malformed  CSeq that does not match, no Call-ID, no From, SDP that does not parse: 400 each; a datagram that is not
             SIP at all is dropped; afterwards a normal call still succeeds
  capacity   a second server with max_calls = 1 answers the second concurrent call with 486, and
             its dashboard's 接通率 counts that caller (1 answered of 2)
  speech     a second server with [asr] pointing at the local FunASR test server
             (tests/asr/funasr_test_server.py, which answers scripted text, here for any
             audio): SIPp speaks (g711a.pcap), stopping the greeting, then stays silent; the end of the utterance is
             detected, its audio recognised and the text asked to the dialogue engine, whose
             reply is spoken
  handover   a second server with [call] transfer_to: key 0 (agent) is answered with the
             hand-over reply, then the call is transferred by REFER with the conversation id
             in the Refer-To URI; after NOTIFY 200 zhixian hangs up its leg
  tcp        the audio call over TCP (SIPp -t t1): answered, recorded, BYE
  agent_line a second server without transfer_to (agents take calls in zhixian): SIPp presses 0
             and waits; the call joins the agents' queue and hears its place; an agent (HTTP)
             takes it and types a message, which is synthesised and played into the call; a
             second caller presses 0 and hangs up while queued, which leaves a call-back task
             with the conversation, its summary and the number (GET /api/v1/callbacks)
  agent_speech a server without transfer_to and with [asr] (the FunASR test server): SIPp
             presses 0 and, queued, speaks; the agent's event stream watching the conversation
             gets the recogniser's partial text ("conversation" kind "partial") while the caller
             speaks, before the citizen's turn; the words never reach the log

Usage: sip_test.py ZHIXIAN_BINARY SOURCE_DIR [TEST...]. Exit 77 (skip) without SIPp.
Loopback only; every wait is bounded. Under tests/with_postgres.py each server has a schema of
its own (tests/pg_deployments.py).
"""
import audioop
import http.client
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave

SIPP = shutil.which("sipp")
PCAPS = "/usr/share/sip-tester"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing must not litter the source tree
sys.path.insert(0, os.path.join(HERE, ".."))
import pg_deployments as pg  # noqa: E402  (each server's own database)


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """`zhixian serve` on free loopback ports, with its log collected."""

    def __init__(self, binary, source_dir, workdir, ivr_overrides=None, env=None):
        self.log = []
        self.lock = threading.Lock()
        kb = os.path.join(workdir, "kb")
        os.makedirs(kb)
        src_kb = os.path.join(source_dir, "kb")
        for name in os.listdir(src_kb):
            if name != "ivr.toml":
                os.symlink(os.path.join(src_kb, name), os.path.join(kb, name))
        ivr = open(os.path.join(src_kb, "ivr.toml"), encoding="utf-8").read()
        # Capacity, ringing and the hand-over target moved from kb/ivr.toml's [call] to the
        # configuration's [call] (issue 10): those overrides go in by environment.
        call_env = {}
        for key, value in (ivr_overrides or {}).items():
            if key in ("max_calls", "over_capacity_code", "answer_delay_ms", "record",
                       "transfer_to"):
                call_env["ZHIXIAN_CALL_" + key.upper()] = value.strip('"')
                continue
            ivr, n = re.subn(r"(?m)^%s = .*$" % key, "%s = %s" % (key, value), ivr)
            assert n == 1, key
        open(os.path.join(kb, "ivr.toml"), "w", encoding="utf-8").write(ivr)
        self.binary = binary
        self.data = os.path.join(workdir, "data")
        # Recordings are kept only encrypted: the server needs a key file (outside the data).
        key_file = os.path.join(workdir, "keys", "zhixian.keys")
        os.makedirs(os.path.dirname(key_file))
        self.env = dict(os.environ, ZHIXIAN_SECURITY_KEY_FILE=key_file, **call_env, **(env or {}),
                        **pg.database_env(self.data))
        subprocess.run([binary, "keys", "init", "--data", self.data, "--key-file", key_file],
                       check=True, capture_output=True, timeout=30, env=self.env)
        self.proc = subprocess.Popen(
            [binary, "serve", "--data", self.data, "--kb", kb, "--http", "127.0.0.1:0",
             "--sip", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace", env=self.env)
        threading.Thread(target=self._read, daemon=True).start()
        self.sip_port = None
        m = self.wait_for(r"sip\.listening .*port=(\d+)", 90)
        self.sip_port = int(m.group(1))
        self.wait_for(r"serve\.ready", 60)

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.log.append(line.rstrip("\n"))

    def text(self, since=0):
        with self.lock:
            return "\n".join(self.log[since:])

    def mark(self):
        """A position in the log; wait_for(..., since=mark) looks only at later lines."""
        with self.lock:
            return len(self.log)

    def wait_for(self, pattern, timeout, since=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(since))
            if m:
                return m
            if self.proc.poll() is not None:
                raise AssertionError("server exited (%s) waiting for %r:\n%s"
                                     % (self.proc.returncode, pattern, self.text()[-3000:]))
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %r; log tail:\n%s"
                             % (pattern, self.text()[-3000:]))

    def cli(self, *args):
        """Runs a zhixian sub-command on this server's data; returns (exit code, out, err)."""
        p = subprocess.run([self.binary, *args, "--data", self.data], capture_output=True,
                           text=True, errors="replace", timeout=30, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("server did not stop within 20 s of SIGTERM")
        return self.proc.returncode


def run_sipp(server, scenario, workdir, extra=(), timeout=30, calls=1):
    """Runs one SIPp scenario to completion; returns (exit code, output)."""
    pcap = os.path.join(workdir, "pcap")
    if not os.path.exists(pcap):
        os.symlink(PCAPS, pcap)
    cmd = [SIPP, "127.0.0.1:%d" % server.sip_port, "-sf", os.path.join(HERE, scenario),
           "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1",
           "-mp", str(free_port() & ~1), "-m", str(calls), "-r", "10", "-s", "12345",
           "-nostdin", "-timeout", "%ds" % (timeout - 5), "-timeout_error",
           "-recv_timeout", "10000", "-trace_err", "-error_file", os.path.join(workdir, scenario + ".err")]
    cmd += list(extra)
    p = subprocess.run(cmd, cwd=workdir, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    return p.returncode, p.stdout + p.stderr


# ---- a tiny SIP UAC in Python, to look at the RTP the server sends --------------------------

def sip_request(method, port, call_id, local_port, cseq, branch, to_tag="", body="", extra=""):
    lines = [
        "%s sip:12345@127.0.0.1:%d SIP/2.0" % (method, port),
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (local_port, branch),
        "From: <sip:13812345678@127.0.0.1:%d>;tag=pyuac1" % local_port,
        "To: <sip:12345@127.0.0.1:%d>%s" % (port, (";tag=" + to_tag) if to_tag else ""),
        "Call-ID: %s" % call_id,
        "CSeq: %d %s" % (cseq, method),
        "Contact: <sip:py@127.0.0.1:%d>" % local_port,
        "Max-Forwards: 70",
    ]
    if extra:
        lines.append(extra)
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parse_response(data):
    text = data.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    first = head.split("\r\n")[0]
    code = int(first.split()[1]) if first.startswith("SIP/2.0") else 0
    to_tag = re.search(r"(?im)^To:.*;tag=([^;\s]+)", head)
    return code, (to_tag.group(1) if to_tag else ""), head, body


def rtp_packet(seq, ts, ssrc, pt, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF,
                       ssrc) + payload


def test_greeting(binary, source_dir, server, workdir):
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    sip.settimeout(5)
    rtp.settimeout(5)
    lp, mp = sip.getsockname()[1], rtp.getsockname()[1]
    call_id = "py-%d@127.0.0.1" % random.randrange(1 << 30)
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n" % mp)
    dst = ("127.0.0.1", server.sip_port)
    sip.sendto(sip_request("INVITE", server.sip_port, call_id, lp, 1, "z9hG4bKpy1", body=sdp), dst)
    to_tag, answer = "", ""
    deadline = time.time() + 10
    codes = []
    while time.time() < deadline:
        code, tag, head, body = parse_response(sip.recv(65535))
        codes.append(code)
        if code >= 200:
            to_tag, answer = tag, body
            break
    assert codes and codes[-1] == 200, "INVITE answered %s" % codes
    m = re.search(r"m=audio (\d+) RTP/AVP ([\d ]+)", answer)
    assert m and m.group(2).split()[0] == "0", "answer SDP: %r" % answer
    assert "telephone-event/8000" in answer, answer
    sip.sendto(sip_request("ACK", server.sip_port, call_id, lp, 1, "z9hG4bKpy2", to_tag), dst)
    server_rtp = ("127.0.0.1", int(m.group(1)))
    # Send silence so that symmetric RTP latches on us, and collect 3 s of the greeting.
    pcm = b""
    ssrc = random.randrange(1 << 32)
    first_packet_at, started = None, time.time()
    seq = 0
    while time.time() - started < 3.0:
        rtp.sendto(rtp_packet(seq, seq * 160, ssrc, 0, b"\xff" * 160, seq == 0), server_rtp)
        seq += 1
        try:
            rtp.settimeout(0.02)
            while time.time() - started < 3.0:
                pkt, _ = rtp.recvfrom(2048)
                if first_packet_at is None:
                    first_packet_at = time.time() - started
                if (pkt[1] & 0x7F) == 0:
                    pcm += audioop.ulaw2lin(pkt[12:], 2)
        except socket.timeout:
            pass
    rms = audioop.rms(pcm, 2) if pcm else 0
    print("greeting: %d ms of audio received, RMS %d, first packet after %.0f ms"
          % (len(pcm) // 16, rms, (first_packet_at or -1) * 1000))
    assert len(pcm) >= 2 * 8000 * 2, "less than 2 s of RTP received"
    assert rms > 300, "the greeting is silent (RMS %d)" % rms
    sip.settimeout(5)
    sip.sendto(sip_request("BYE", server.sip_port, call_id, lp, 2, "z9hG4bKpy3", to_tag), dst)
    code = 0
    while code < 200:
        code, *_ = parse_response(sip.recv(65535))
    assert code == 200, "BYE answered %d" % code
    server.wait_for(r'call\.ended call=\d+ reason="bye"', 5)


def test_key_rfc4733(binary, source_dir, server, workdir):
    since = server.mark()
    rc, out = run_sipp(server, "key_rfc4733.xml", workdir)
    assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
    m = server.wait_for(r"ivr\.key call=(\d+) key=1 action=menu:sb", 5, since)
    call = m.group(1)
    server.wait_for(r"call\.key call=%s source=rfc4733" % call, 1)
    server.wait_for(r'call\.ended call=%s reason="bye"' % call, 5)


def write_inband_pcap(path, digit="2"):
    """A pcap of PCMU RTP: 0.4 s silence, 120 ms of the DTMF tone pair for `digit`, 0.6 s
    silence, for SIPp's play_pcap_audio."""
    low = {"1": 697, "2": 697, "3": 697, "4": 770, "5": 770, "6": 770, "7": 852, "8": 852,
           "9": 852, "*": 941, "0": 941, "#": 941}[digit]
    high = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336,
            "0": 1336, "3": 1477, "6": 1477, "9": 1477, "#": 1477}[digit]
    import math
    samples = [0] * 3200
    samples += [int(6000 * (math.sin(2 * math.pi * low * n / 8000) +
                            math.sin(2 * math.pi * high * n / 8000))) for n in range(960)]
    samples += [0] * 4800
    pcm = struct.pack("<%dh" % len(samples), *samples)
    ulaw = audioop.lin2ulaw(pcm, 2)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(len(ulaw) // 160):
        rtp = rtp_packet(i, i * 160, 0x1234, 0, ulaw[i * 160:(i + 1) * 160], i == 0)
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        usec = i * 20000
        out.append(struct.pack("<IIII", 1 + usec // 1000000, usec % 1000000, len(frame),
                               len(frame)) + frame)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def test_key_inband(binary, source_dir, server, workdir):
    since = server.mark()
    write_inband_pcap(os.path.join(workdir, "inband_2.pcap"), "2")
    rc, out = run_sipp(server, "key_inband.xml", workdir)
    assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
    m = server.wait_for(r"ivr\.key call=(\d+) key=2 action=menu:yb", 5, since)
    call = m.group(1)
    server.wait_for(r"call\.key call=%s source=inband" % call, 1)


def write_rfc4733_pcap(path, keys, gap_ms=400):
    """A pcap of RFC 4733 telephone-events (payload type 101, as the SDP offers) for SIPp's
    play_pcap_audio: each key an 80 ms event (four packets, the last three marking its end) with
    its own RTP timestamp, then silence until the next key `gap_ms` later."""
    codes = {str(d): d for d in range(10)}
    codes.update({"*": 10, "#": 11})
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    seq = 0
    for i, key in enumerate(keys):
        ts = 8000 + i * gap_ms * 8  # a new event: a new timestamp
        for n in range(6):
            end = n >= 3
            duration = 160 * min(n + 1, 4)
            payload = struct.pack("!BBH", codes[key], (0x80 if end else 0) | 10, duration)
            rtp = rtp_packet(seq, ts, 0x4733, 101, payload, n == 0)
            seq += 1
            udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
            frame = b"\x00" * 12 + b"\x08\x00" + ip
            usec = i * gap_ms * 1000 + min(n, 3) * 20000 + (n - 3 if end else 0) * 5000
            out.append(struct.pack("<IIII", 1 + usec // 1000000, usec % 1000000, len(frame),
                                   len(frame)) + frame)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def test_ivr_keypad(binary, source_dir, server, workdir):
    since = server.mark()
    # 医保 > 就医报销 > 异地就医备案; back twice; 报销测算 > 住院报销测算: 三级, 甲类 12000,
    # 乙类 3000.
    keys = "211" + "**" + "31" + "3" + "12000#" + "3000#"
    write_rfc4733_pcap(os.path.join(workdir, "ivr_keys.pcap"), keys)
    assert len(keys) * 0.4 <= 8, "the scenario waits 9 s for the keys"
    rc, out = run_sipp(server, "ivr_keypad.xml", workdir)
    assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
    m = server.wait_for(r"ivr\.key call=(\d+) key=1 action=entry:yb\.remote_filing", 5, since)
    call = m.group(1)
    server.wait_for(r"call\.key call=%s source=rfc4733" % call, 1, since)
    # The answer by id (not a ranking of words), then the calculator, slot by slot, to its result.
    server.wait_for(r"ivr\.reply call=%s conversation=\S+ topic=yb\.remote_filing handoff=false "
                    r"done=false dialogue_ms=\d+ asking=-" % call, 5, since)
    server.wait_for(r"ivr\.key call=%s key=1 action=calc:yb\.inpatient_calc" % call, 5, since)
    for asking in ("hospital_level", "class_a", "class_b"):
        server.wait_for(r"ivr\.reply call=%s conversation=\S+ topic=yb\.inpatient_calc .*"
                        r"asking=%s" % (call, asking), 5, since)
    m = server.wait_for(r"ivr\.reply call=%s conversation=(\S+) topic=yb\.inpatient_calc .*"
                        r"asking=-" % call, 5, since)
    server.wait_for(r'call\.ended call=%s reason="bye"' % call, 10, since)
    # No key sent words to the ranker: every turn of the call was a choice or a keypad value.
    assert not re.search(r"ivr\.key call=%s key=\S+ action=(invalid|ask)" % call,
                         server.text(since)), server.text(since)[-3000:]


def test_audio_call(binary, source_dir, server, workdir):
    since = server.mark()
    rc, out = run_sipp(server, "audio_call.xml", workdir)
    assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
    # This call is the A-law one (the earlier tests' calls are PCMU and may end after `since`).
    call = server.wait_for(r"call\.started call=(\d+) direction=inbound codec=PCMA", 5, since).group(1)
    m = server.wait_for(r'call\.ended call=(%s) reason="bye" rtp_in=(\d+)' % call, 5, since)
    # SIPp paces g711a.pcap (30 ms packets) itself; on a loaded machine it starts late.
    assert int(m.group(2)) > 10, "the server received only %s RTP packets" % m.group(2)
    # The caller's speech was heard (voice activity detection); without a recogniser it does not
    # stop the greeting (test_speech checks that it does with one).
    server.wait_for(r"call\.speech call=%s barge_in=false" % m.group(1), 2, since)
    # The recording: sealed on disk, listed once the call has ended, exported to a WAV.
    rec_dir = os.path.join(server.data, "recordings")
    files = sorted(os.listdir(rec_dir), key=lambda n: os.path.getmtime(os.path.join(rec_dir, n)))
    assert files and all(n.endswith(".zxrec") for n in files), files
    for name in files:
        head = open(os.path.join(rec_dir, name), "rb").read(64)
        assert head.startswith(b"ZXSEAL1\n") and b"RIFF" not in head, name
    rec = None
    deadline = time.time() + 10
    while time.time() < deadline and rec is None:
        rc, out, err = server.cli("recordings", "list", "--limit", "1")
        assert rc == 0, err
        rows = [json.loads(line) for line in out.splitlines()]
        if rows and rows[0]["ended_ms"] > 0:
            rec = rows[0]
        else:
            time.sleep(0.1)
    assert rec, "the recording's row was not written"
    assert "****" in rec["caller"], rec
    wav_path = os.path.join(workdir, "exported.wav")
    rc, out, err = server.cli("recordings", "export", rec["id"], "--out", wav_path)
    assert rc == 0, err
    assert json.loads(out)["complete"] is True, out
    w = wave.open(wav_path)
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 2, 2)
    frames = w.readframes(w.getnframes())
    caller = audioop.tomono(frames, 2, 1, 0)
    ours = audioop.tomono(frames, 2, 0, 1)
    print("recording: %.1f s, caller RMS %d, zhixian RMS %d"
          % (w.getnframes() / 8000, audioop.rms(caller, 2), audioop.rms(ours, 2)))
    assert w.getnframes() > 8000 * 2
    assert audioop.rms(caller, 2) > 100 and audioop.rms(ours, 2) > 100
    # One changed byte in the sealed file: the export refuses and names the segment.
    sealed = os.path.join(server.data, "recordings", rec["id"] + ".zxrec")
    data = bytearray(open(sealed, "rb").read())
    data[len(data) // 2] ^= 1
    open(sealed, "wb").write(bytes(data))
    rc, out, err = server.cli("recordings", "export", rec["id"], "--out", wav_path + ".2")
    assert rc != 0 and "segment" in err, (rc, out, err)


def test_cancel(binary, source_dir, server, workdir):
    since = server.mark()
    rc, out = run_sipp(server, "cancel.xml", workdir)
    assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
    server.wait_for(r'call\.ended call=\d+ reason="cancel', 5, since)


def test_malformed(binary, source_dir, server, workdir):
    rc, out = run_sipp(server, "malformed_sdp.xml", workdir)
    assert rc == 0, "malformed_sdp.xml: SIPp failed (%d):\n%s" % (rc, out[-2000:])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lp = s.getsockname()[1]
    # Requests that parse but cannot be served (SIPp refuses to send them): 400 each.
    bad = [
        sip_request("INVITE", server.sip_port, "bad1@py", lp, 1, "z9hG4bKbad1")
        .replace(b"CSeq: 1 INVITE", b"CSeq: 1 BYE"),
        sip_request("OPTIONS", server.sip_port, "bad2@py", lp, 1, "z9hG4bKbad2")
        .replace(b"Call-ID: bad2@py\r\n", b""),
        sip_request("BYE", server.sip_port, "bad3@py", lp, 1, "z9hG4bKbad3")
        .replace(b"From: <sip:13812345678@127.0.0.1:%d>;tag=pyuac1\r\n" % lp, b""),
    ]
    for request in bad:
        s.sendto(request, ("127.0.0.1", server.sip_port))
        code, *_ = parse_response(s.recv(65535))
        assert code == 400, "a malformed request was answered %d: %r" % (code, request[:60])
    # Not decodable as SIP at all: libre drops these (no Via to answer to).
    junks = [b"\x00\x01garbage\xff" * 20, b"INVITE\r\n\r\n", os.urandom(1200),
            sip_request("BYE", server.sip_port, "bad4@py", lp, 1, "z9hG4bKbad4")
            .replace(b"CSeq: 1 BYE", b"CSeq: x")]
    for junk in junks:
        s.sendto(junk, ("127.0.0.1", server.sip_port))
    s.close()
    # The server carries on: a normal call still works.
    rc, out = run_sipp(server, "audio_call.xml", workdir)
    assert rc == 0, "call after malformed input failed (%d):\n%s" % (rc, out[-2000:])
    assert server.proc.poll() is None


def test_capacity(binary, source_dir, server, workdir):
    small = Server(binary, source_dir, os.path.join(workdir, "small"),
                   {"max_calls": "1", "answer_delay_ms": "0"})
    try:
        holder = threading.Thread(target=run_sipp, args=(small, "audio_call.xml", workdir))
        holder.start()
        small.wait_for(r"call\.started", 10)
        rc, out = run_sipp(small, "audio_call.xml", workdir)
        assert rc != 0 and "486" in out, "second call was not refused with 486:\n%s" % out[-2000:]
        small.wait_for(r"call\.rejected reason=capacity", 2)
        holder.join(30)
        # The dashboard's 接通率 counts the refused caller: 1 answered of 2 calls.
        add = subprocess.run([binary, "user", "add", "sup.dash", "--role", "supervisor", "--data",
                              small.data], input=AGENT_PASSWORD + "\n", capture_output=True,
                             text=True, timeout=60, env=small.env)
        assert add.returncode == 0, add.stderr
        port = int(small.wait_for(r"serve\.ready http=http://127\.0\.0\.1:(\d+)", 5).group(1))
        status, body = http_json(port, "POST", "/api/v1/auth/login",
                                 {"name": "sup.dash", "password": AGENT_PASSWORD})
        assert status == 200, (status, body)
        deadline = time.time() + 5
        while True:  # the refusal is written off the SIP thread
            status, dash = http_json(port, "GET", "/api/v1/stats/dashboard", token=body["token"])
            assert status == 200, (status, dash)
            card = next(c for c in dash["cards"] if c["code"] == "answer_rate")
            if card["denominator"] == 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        assert (card["numerator"], card["denominator"]) == (1, 2), card
    finally:
        assert small.stop() == 0


def test_tcp(binary, source_dir, server, workdir):
    since = server.mark()
    rc, out = run_sipp(server, "audio_call.xml", workdir, extra=["-t", "t1"])
    assert rc == 0, "SIPp over TCP failed (%d):\n%s" % (rc, out[-2000:])
    m = server.wait_for(r'call\.ended call=(\d+) reason="bye" rtp_in=(\d+)', 5, since)
    assert int(m.group(2)) > 10, "the server received only %s RTP packets" % m.group(2)


def test_speech(binary, source_dir, server, workdir):
    own = os.path.join(workdir, "speech")
    os.makedirs(own)
    script = os.path.join(own, "asr.json")
    with open(script, "w", encoding="utf-8") as f:
        json.dump({"tones": [], "unknown_text": "我想补办社保卡"}, f, ensure_ascii=False)
    asr = subprocess.Popen(
        [sys.executable, os.path.join(source_dir, "tests", "asr", "funasr_test_server.py"),
         "--script", script, "--port", "0", "--lifetime", "120", "--speech-rms", "150"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = asr.stdout.readline()
        assert line.startswith("listening "), "test server did not start: %r" % line
        url = "ws://127.0.0.1:%d" % int(line.split()[1])
        speaker = Server(binary, source_dir, os.path.join(own, "server"),
                         env={"ZHIXIAN_ASR_URL": url, "ZHIXIAN_ASR_MODE": "2pass"})
        try:
            rc, out = run_sipp(speaker, "speech_question.xml", own, timeout=40)
            assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
            m = speaker.wait_for(r"call\.utterance call=(\d+) speech_ms=(\d+)", 5)
            call = m.group(1)
            speaker.wait_for(r"call\.speech call=%s barge_in=true" % call, 1)
            heard = speaker.wait_for(r"ivr\.heard call=%s chars=(\d+) asr_ms=(\d+)" % call, 5)
            assert int(heard.group(1)) > 0, heard.group(0)
            reply = speaker.wait_for(r"ivr\.reply call=%s conversation=\S+ topic=(\S+)" % call, 5)
            assert reply.group(1) != "-", reply.group(0)
            print("speech: utterance %s ms, recognised in %s ms, topic %s"
                  % (m.group(2), heard.group(2), reply.group(1)))
            assert "我想补办社保卡" not in speaker.text(), "the transcript reached the log"
        finally:
            speaker.stop()
    finally:
        asr.kill()
        asr.wait(5)


def test_handover(binary, source_dir, server, workdir):
    own = os.path.join(workdir, "handover")
    agents = Server(binary, source_dir, own,
                    ivr_overrides={"transfer_to": '"sip:8001@127.0.0.1:5999"'})
    try:
        rc, out = run_sipp(agents, "handover_refer.xml", own, timeout=45)
        assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
        m = agents.wait_for(r"ivr\.key call=(\d+) key=0 action=agent", 5)
        call = m.group(1)
        agents.wait_for(r"ivr\.reply call=%s conversation=\S+ topic=\S+ handoff=true" % call, 5)
        agents.wait_for(r"ivr\.transfer call=%s state=succeeded code=200" % call, 5)
        agents.wait_for(r'call\.ended call=%s reason="transferred"' % call, 5)
    finally:
        agents.stop()


AGENT_PASSWORD = "correct horse battery staple 7"


def http_json(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, None if body is None else json.dumps(body), headers)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    return r.status, (json.loads(raw) if raw else None)


def test_agent_line(binary, source_dir, server, workdir):
    own = os.path.join(workdir, "agent_line")
    # Debug logs: each synthesised sentence queued into the call is logged (prompt.tts).
    agents = Server(binary, source_dir, own, env={"ZHIXIAN_LOG_LEVEL": "debug"})
    try:
        add = subprocess.run([binary, "user", "add", "desk.agent", "--role", "agent", "--data",
                              agents.data], input=AGENT_PASSWORD + "\n", capture_output=True,
                             text=True, timeout=60, env=agents.env)
        assert add.returncode == 0, add.stderr
        port = int(agents.wait_for(r"serve\.ready http=http://127\.0\.0\.1:(\d+)", 5).group(1))
        status, body = http_json(port, "POST", "/api/v1/auth/login",
                                 {"name": "desk.agent", "password": AGENT_PASSWORD})
        assert status == 200, (status, body)
        token = body["token"]

        # 1. Press 0, wait on the line: an agent takes the call and types; the caller hears it.
        since = agents.mark()
        result = {}
        sipp = threading.Thread(target=lambda: result.update(out=run_sipp(
            agents, "agent_queue.xml", own, extra=["-d", "12000"], timeout=40)))
        sipp.start()
        m = agents.wait_for(r"ivr\.queued call=(\d+) conversation=\S+ position=1", 15, since)
        call = m.group(1)
        agents.wait_for(r"prompt\.tts call=%s " % call, 5, since)  # the place is said
        # (The log masks digit runs in ids: the conversation is the queue's only one.)
        status, body = http_json(port, "GET", "/api/v1/agent/queue", token=token)
        assert status == 200 and len(body["queue"]) == 1, body
        conversation = body["queue"][0]["id"]
        status, body = http_json(port, "POST",
                                 "/api/v1/agent/conversations/%s/take" % conversation, {}, token)
        assert status == 200, (status, body)
        mark = agents.mark()
        status, body = http_json(port, "POST",
                                 "/api/v1/agent/conversations/%s/messages" % conversation,
                                 {"text": "您好，我是人工坐席，请问您的社保卡是哪一年办的？"}, token)
        assert status == 204, (status, body)
        # The typed words are spoken: synthesised and queued into this call after the message.
        agents.wait_for(r"ivr\.agent_said call=%s chars=\d+" % call, 5, mark)
        deadline = time.time() + 5
        while True:
            lines = agents.text(mark).split("\n")
            said = [i for i, l in enumerate(lines) if "ivr.agent_said call=%s " % call in l]
            if said and any("prompt.tts call=%s " % call in l for l in lines[said[0]:]):
                break
            assert time.time() < deadline, "no prompt after the agent's message:\n" + \
                "\n".join(lines[-30:])
            time.sleep(0.05)
        sipp.join(45)
        rc, out = result["out"]
        assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
        agents.wait_for(r'call\.ended call=%s reason="bye"' % call, 5, since)

        # 2. Press 0 and hang up while queued: a call-back task with the whole context.
        since = agents.mark()
        rc, out = run_sipp(agents, "agent_queue.xml", own, extra=["-d", "3000"], timeout=30)
        assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
        agents.wait_for(r"callback\.left callback=\S+ conversation=\S+ "
                        r"reason=hung_up_in_queue number=sealed", 10, since)
        status, body = http_json(port, "GET", "/api/v1/callbacks?state=open", token=token)
        assert status == 200, (status, body)
        task = body["callbacks"]
        assert len(task) == 1, body
        callback, conversation = task[0]["id"], task[0]["conversation_id"]
        assert conversation and task[0]["reason"] == "hung_up_in_queue", task
        assert task[0]["phone_masked"] == "138****5678", task
        assert task[0]["summary"] is not None, task
        status, body = http_json(port, "GET", "/api/v1/callbacks/" + callback, token=token)
        assert status == 200 and body["phone"] == "13812345678", body
        status, body = http_json(port, "GET", "/api/v1/agent/conversations/" + conversation,
                                 token=token)
        assert status == 200 and body["state"] == "ended", body
        assert "13812345678" not in agents.text(), "the number reached the log"
        status, body = http_json(port, "POST", "/api/v1/callbacks/%s/done" % callback,
                                 {"note": "已回拨"}, token)
        assert status == 200 and body["state"] == "done", body
    finally:
        agents.stop()


def read_staff_events(port, token, watch, events, stop):
    """Appends (event, data) of GET /api/v1/staff/events?watch=... to `events` until `stop`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/staff/events?watch=" + watch,
                 headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    events.append(("status", r.status))
    name = None
    try:
        while not stop.is_set():
            line = r.fp.readline()
            if not line:
                break
            line = line.decode().rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    except (OSError, ValueError):
        pass
    conn.close()


def test_agent_speech(binary, source_dir, server, workdir):
    own = os.path.join(workdir, "agent_speech")
    os.makedirs(own)
    script = os.path.join(own, "asr.json")
    with open(script, "w", encoding="utf-8") as f:
        json.dump({"tones": [], "unknown_text": "我的社保卡丢了"}, f, ensure_ascii=False)
    asr = subprocess.Popen(
        [sys.executable, os.path.join(source_dir, "tests", "asr", "funasr_test_server.py"),
         "--script", script, "--port", "0", "--lifetime", "120", "--speech-rms", "150"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    stop = threading.Event()
    try:
        line = asr.stdout.readline()
        assert line.startswith("listening "), "test server did not start: %r" % line
        url = "ws://127.0.0.1:%d" % int(line.split()[1])
        agents = Server(binary, source_dir, os.path.join(own, "server"),
                        env={"ZHIXIAN_ASR_URL": url, "ZHIXIAN_ASR_MODE": "2pass"})
        try:
            add = subprocess.run([binary, "user", "add", "desk.agent", "--role", "agent",
                                  "--data", agents.data], input=AGENT_PASSWORD + "\n",
                                 capture_output=True, text=True, timeout=60, env=agents.env)
            assert add.returncode == 0, add.stderr
            port = int(agents.wait_for(r"serve\.ready http=http://127\.0\.0\.1:(\d+)", 5).group(1))
            status, body = http_json(port, "POST", "/api/v1/auth/login",
                                     {"name": "desk.agent", "password": AGENT_PASSWORD})
            assert status == 200, (status, body)
            token = body["token"]
            result = {}
            sipp = threading.Thread(target=lambda: result.update(out=run_sipp(
                agents, "agent_speech.xml", own, timeout=40)))
            sipp.start()
            m = agents.wait_for(r"ivr\.queued call=(\d+) conversation=\S+ position=1", 15)
            call = m.group(1)
            status, body = http_json(port, "GET", "/api/v1/agent/queue", token=token)
            assert status == 200 and len(body["queue"]) == 1, body
            conversation = body["queue"][0]["id"]
            # The desk watches the queued call (the caller starts speaking 2.5 s after the key).
            events = []
            reader = threading.Thread(target=read_staff_events,
                                      args=(port, token, conversation, events, stop), daemon=True)
            reader.start()
            deadline = time.time() + 15
            while time.time() < deadline and not any(
                    e == "conversation" and d.get("kind") == "citizen" for e, d in list(events)):
                time.sleep(0.05)
            seen = [(e, d) for e, d in list(events) if e == "conversation"]
            assert events and events[0] == ("status", 200), events[:1]
            kinds = [d.get("kind") for e, d in seen]
            assert "citizen" in kinds, "no citizen turn on the stream: %s\n%s" % (
                kinds, agents.text()[-3000:])
            first_citizen = kinds.index("citizen")
            partials = [d for e, d in seen[:first_citizen] if d.get("kind") == "partial"]
            assert partials and partials[0]["id"] == conversation, \
                "no partial text before the citizen's turn: %s" % kinds
            texts = [d["text"] for d in partials]
            # Pieces of the scripted words (the server's VAD may cut the audio into several
            # sentences, each answered with the same words).
            assert all(t and set(t) <= set("我的社保卡丢了") for t in texts), texts
            print("agent_speech: %d partial(s) before the turn: %s" % (len(partials), texts))
            sipp.join(45)
            rc, out = result["out"]
            assert rc == 0, "SIPp failed (%d):\n%s" % (rc, out[-2000:])
            agents.wait_for(r'call\.ended call=%s reason="bye"' % call, 5)
            assert "社保卡" not in agents.text(), "the transcript reached the log"
        finally:
            stop.set()
            agents.stop()
    finally:
        asr.kill()
        asr.wait(5)


TESTS = {
    "greeting": test_greeting,
    "key_rfc4733": test_key_rfc4733,
    "key_inband": test_key_inband,
    "ivr_keypad": test_ivr_keypad,
    "audio_call": test_audio_call,
    "cancel": test_cancel,
    "malformed": test_malformed,
    "capacity": test_capacity,
    "speech": test_speech,
    "handover": test_handover,
    "tcp": test_tcp,
    "agent_line": test_agent_line,
    "agent_speech": test_agent_speech,
}


def main():
    if not SIPP or not os.path.isdir(PCAPS):
        print("SKIP: sipp (package sip-tester) is not installed; scripts/install-deps.sh --test")
        return 77
    binary, source_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    names = sys.argv[3:] or list(TESTS)
    failed = []
    with tempfile.TemporaryDirectory(prefix="zx-sip-") as workdir:
        server = Server(binary, source_dir, os.path.join(workdir, "main"))
        try:
            for name in names:
                t0 = time.time()
                try:
                    TESTS[name](binary, source_dir, server, workdir)
                    print("PASS %s (%.1f s)" % (name, time.time() - t0))
                except Exception as e:  # report every test, then fail
                    failed.append(name)
                    print("FAIL %s: %s" % (name, e))
        finally:
            rc = server.stop()
            if rc != 0:
                failed.append("clean shutdown (exit %s)" % rc)
            if failed:
                print("---- server log (tail) ----\n" + server.text()[-4000:])
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    print("all %d SIP tests passed" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
