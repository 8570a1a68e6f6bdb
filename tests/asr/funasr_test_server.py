#!/usr/bin/env python3
"""A local test server for zhixian's FunASR client (src/telephony/funasr_recognizer.h).

It speaks the FunASR runtime WebSocket protocol (modes "2pass", "online", "offline") on
loopback, with hand-written RFC 6455 framing and the Python standard library only. It is NOT a
speech recogniser: it answers scripted text for known test audio.

Known audio (the convention the tests follow)
  * Speech is tone bursts. A 20 ms block is speech when its RMS is at least --speech-rms
    (default 300 of 32767); a segment is a run of speech ended by 300 ms of silence.
  * A segment is identified by its dominant frequency: the Goertzel power of each frequency of
    the script over the segment's first 200 ms; the strongest wins if it holds at least half
    of the energy, otherwise the segment is unknown ("unknown_text").
  * This survives 8 -> 16 kHz resampling, G.711 round trips and any chunking. Audio sent at the
    wrong rate shifts every frequency, so it is not recognised.

Script (JSON, --script):
  {"tones": [{"hz": 500, "text": "社保卡", "behaviour": "normal"}, ...],
   "unknown_text": ""}
  "text" may contain "{samples}": the number of 16-bit samples received on the connection up
  to the end of audio (to check the client's resampling); such a text has no partial results.
  "behaviour", applied when the tone is identified (200 ms into its segment):
    normal     partial results and a final result
    close      drop the TCP connection at once, without a closing handshake
    malformed  send a text message that is not JSON
    silent     never send anything again on this connection (the client must time out)
    binary     send a binary message (the protocol has none from the server)

Answers, as the funasr-runtime servers give them:
  * while audio arrives ("2pass", "online"): every 200 ms of a segment, the next character of
    its text as {"mode": "2pass-online" (or "online"), "text": "<char>", "wav_name": ...,
    "is_final": false};
  * "2pass", when a segment ends in silence before the end of audio (the server's VAD):
    {"mode": "2pass-offline", "text": "<its text>", ..., "is_final": false};
  * after {"is_speaking": false}:
      2pass   {"mode": "2pass-offline", "text": "<segments not yet answered>", "is_final": true}
              ({"text": "", "is_final": true} without a mode when nothing is left)
      online  {"mode": "online", "text": "<characters not yet sent>", "is_final": true}
      offline {"mode": "offline", "text": "<all segments>", "is_final": false} (the offline
              runtime's single answer)
  * a request for the path /reject is answered 403 (no upgrade).

--certfile/--keyfile serve wss:// (TLS) instead of ws://.

--report FILE appends one JSON line per connection when it ends: wav_name, the start message,
samples and binary frames received, the largest frame, whether the end of audio came, and who
closed ("client", "server" or "dropped").

Prints "listening <port>" on stdout when ready (--port 0 picks a free port). Exits after
--lifetime seconds (default 120) so that a broken test run leaves nothing behind.

  funasr_test_server.py --script tests/asr/tones.json --port 10095
"""

import argparse
import array
import base64
import hashlib
import json
import math
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time

RATE = 16000
BLOCK = RATE * 20 // 1000  # 20 ms
ID_SAMPLES = RATE * 200 // 1000  # identify on the first 200 ms of a segment
PARTIAL_EVERY_MS = 200
SEGMENT_GAP_MS = 300
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 16 << 20


class Script:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.tones = []
        for t in data.get("tones", []):
            behaviour = t.get("behaviour", "normal")
            if behaviour not in ("normal", "close", "malformed", "silent", "binary"):
                raise ValueError(f"{path}: tone {t.get('hz')}: unknown behaviour {behaviour!r}")
            self.tones.append((float(t["hz"]), t.get("text", ""), behaviour))
        self.unknown_text = data.get("unknown_text", "")

    def identify(self, samples):
        """(text, behaviour) of the script's tone that dominates `samples`, or the unknown."""
        n = len(samples)
        energy = sum(x * x for x in samples)
        if n == 0 or energy == 0:
            return self.unknown_text, "normal"
        best, best_fraction = None, 0.0
        for hz, text, behaviour in self.tones:
            c = 2.0 * math.cos(2.0 * math.pi * hz / RATE)
            s1 = s2 = 0.0
            for x in samples:
                s1, s2 = x + c * s1 - s2, s1
            power = s1 * s1 + s2 * s2 - c * s1 * s2
            fraction = 2.0 * power / n / energy
            if fraction > best_fraction:
                best, best_fraction = (text, behaviour), fraction
        if best is None or best_fraction < 0.5:
            return self.unknown_text, "normal"
        return best


class Segment:
    def __init__(self):
        self.head = array.array("h")  # the first 200 ms, for identification
        self.speech_ms = 0
        self.silence_ms = 0
        self.text = None  # once identified
        self.behaviour = "normal"
        self.chars_sent = 0
        self.answered = False  # its 2pass-offline result was sent


class Closed(Exception):
    """The connection is over (who closed it is in Connection.closed_by)."""


class Connection:
    def __init__(self, sock, server):
        self.sock = sock
        self.script = server.script
        self.speech_rms = server.speech_rms
        self.report_path = server.report_path
        self.report_lock = server.report_lock
        self.rx = b""
        self.start = None
        self.mode = "2pass"
        self.wav_name = ""
        self.samples = 0
        self.frames = 0
        self.max_frame = 0
        self.end_received = False
        self.closed_by = "dropped"
        self.silent = False
        self.block = array.array("h")
        self.segment = None
        self.segments = []  # ended ones

    # --- transport ------------------------------------------------------------------------

    def recv_exact(self, n):
        while len(self.rx) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.rx += chunk
        data, self.rx = self.rx[:n], self.rx[n:]
        return data

    def handshake(self):
        while b"\r\n\r\n" not in self.rx:
            if len(self.rx) > 16384:
                raise Closed()
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed()
            self.rx += chunk
        head, self.rx = self.rx.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if len(parts) != 3 or parts[0] != "GET":
            self.http_error("400 Bad Request")
        if parts[1].split("?")[0] == "/reject":
            self.http_error("403 Forbidden")
        key = headers.get("sec-websocket-key")
        if headers.get("upgrade", "").lower() != "websocket" or not key:
            self.http_error("400 Bad Request")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.sock.sendall(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())

    def http_error(self, status):
        self.sock.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n".encode())
        self.closed_by = "server"
        raise Closed()

    def read_message(self):
        """(opcode, payload) of the next data message; answers pings and closes."""
        opcode, parts = None, []
        while True:
            b0, b1 = self.recv_exact(2)
            fin, op = b0 & 0x80, b0 & 0x0F
            if not b1 & 0x80:  # RFC 6455 5.1: client frames are masked
                self.send_close(1002)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", self.recv_exact(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.recv_exact(8))[0]
            if length > MAX_MESSAGE:
                self.send_close(1009)
            mask = self.recv_exact(4)
            payload = self.unmask(self.recv_exact(length), mask)
            if op == 0x8:  # close: answer it and stop
                self.send_frame(0x8, payload[:2])
                self.closed_by = "client"
                raise Closed()
            if op == 0x9:
                self.send_frame(0xA, payload)
                continue
            if op == 0xA:
                continue
            if op in (0x1, 0x2):
                opcode, parts = op, [payload]
            elif op == 0x0 and opcode is not None:
                parts.append(payload)
            else:
                self.send_close(1002)
            if fin:
                return opcode, b"".join(parts)

    @staticmethod
    def unmask(data, mask):
        n = len(data)
        if n == 0:
            return data
        key = (mask * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")

    def send_frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.sock.sendall(header + payload)

    def send_close(self, code):
        self.send_frame(0x8, struct.pack("!H", code))
        self.closed_by = "server"
        raise Closed()

    def send_json(self, message):
        if not self.silent:
            self.send_frame(0x1, json.dumps(message, ensure_ascii=False).encode("utf-8"))

    # --- protocol -------------------------------------------------------------------------

    def run(self):
        self.handshake()
        while True:
            opcode, payload = self.read_message()
            if opcode == 0x2:
                if self.start is None:
                    self.send_close(1002)  # audio before the start message
                self.frames += 1
                self.max_frame = max(self.max_frame, len(payload))
                self.on_audio(payload)
                continue
            message = json.loads(payload.decode("utf-8"))
            if self.start is None:
                self.start = message
                self.mode = message.get("mode", "2pass")
                self.wav_name = message.get("wav_name", "")
            if message.get("is_speaking") is False and not self.end_received:
                self.end_received = True
                self.on_end()

    def on_audio(self, payload):
        samples = array.array("h")
        samples.frombytes(payload[: len(payload) // 2 * 2])
        if sys.byteorder == "big":
            samples.byteswap()  # the protocol's PCM is little-endian
        self.samples += len(samples)
        self.block.extend(samples)
        while len(self.block) >= BLOCK:
            block, self.block = self.block[:BLOCK], self.block[BLOCK:]
            self.on_block(block)

    def on_block(self, block):
        rms = math.sqrt(sum(x * x for x in block) / len(block))
        seg = self.segment
        if rms >= self.speech_rms:
            if seg is None:
                seg = self.segment = Segment()
            seg.silence_ms = 0
            seg.speech_ms += 20
            if len(seg.head) < ID_SAMPLES:
                seg.head.extend(block[: ID_SAMPLES - len(seg.head)])
            if seg.speech_ms % PARTIAL_EVERY_MS == 0:
                if seg.text is None:
                    self.identify(seg)
                if (self.mode in ("2pass", "online") and seg.chars_sent < len(seg.text)
                        and "{samples}" not in seg.text):
                    piece = seg.text[seg.chars_sent]
                    seg.chars_sent += 1
                    self.send_json({"mode": "online" if self.mode == "online" else "2pass-online",
                                    "text": piece, "wav_name": self.wav_name, "is_final": False})
        elif seg is not None:
            seg.silence_ms += 20
            if seg.silence_ms >= SEGMENT_GAP_MS:
                self.end_segment()
                if self.mode == "2pass":
                    seg.answered = True
                    self.send_json({"mode": "2pass-offline", "text": self.text_of(seg),
                                    "wav_name": self.wav_name, "is_final": False})

    def identify(self, seg):
        text, seg.behaviour = self.script.identify(seg.head)
        seg.text = text
        if seg.behaviour == "close":
            self.closed_by = "server"
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise Closed()
        if seg.behaviour == "malformed":
            self.send_frame(0x1, b'{"mode": "2pass-online", "text": ')
        elif seg.behaviour == "binary":
            self.send_frame(0x2, b"\x00\x01\x02\x03")
        elif seg.behaviour == "silent":
            self.silent = True

    def end_segment(self):
        seg = self.segment
        if seg is None:
            return
        if seg.text is None:
            self.identify(seg)
        self.segment = None
        self.segments.append(seg)

    def text_of(self, seg):
        return seg.text.replace("{samples}", str(self.samples))

    def on_end(self):
        self.end_segment()
        if self.mode == "online":
            rest = "".join(self.text_of(s)[s.chars_sent:] for s in self.segments)
            self.send_json({"mode": "online", "text": rest, "wav_name": self.wav_name,
                            "is_final": True})
        elif self.mode == "offline":
            text = "".join(self.text_of(s) for s in self.segments)
            self.send_json({"mode": "offline", "text": text, "wav_name": self.wav_name,
                            "is_final": False})
        else:
            text = "".join(self.text_of(s) for s in self.segments if not s.answered)
            if text:
                self.send_json({"mode": "2pass-offline", "text": text,
                                "wav_name": self.wav_name, "is_final": True})
            else:
                self.send_json({"text": "", "wav_name": self.wav_name, "is_final": True})

    def report(self):
        if not self.report_path:
            return
        line = json.dumps({"wav_name": self.wav_name, "start": self.start,
                           "samples": self.samples, "frames": self.frames,
                           "max_frame_bytes": self.max_frame, "end_received": self.end_received,
                           "closed_by": self.closed_by}, ensure_ascii=False)
        with self.report_lock, open(self.report_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(60)
        conn = Connection(self.request, self.server)
        try:
            if self.server.tls:  # the TLS handshake here, not in the accepting thread
                self.request = conn.sock = self.server.tls.wrap_socket(self.request,
                                                                       server_side=True)
            conn.run()
        except (Closed, OSError, ValueError):
            pass  # ValueError: a text message that is not JSON; the connection just ends
        finally:
            conn.report()
            try:
                self.request.close()
            except OSError:
                pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--script", required=True, help="JSON: tones and their texts")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--report", help="append one JSON line per connection here")
    parser.add_argument("--speech-rms", type=float, default=300.0)
    parser.add_argument("--lifetime", type=float, default=120.0, help="seconds, then exit")
    parser.add_argument("--certfile", help="PEM certificate: serve wss://")
    parser.add_argument("--keyfile", help="PEM private key of --certfile")
    args = parser.parse_args()

    server = Server((args.host, args.port), Handler)
    server.script = Script(args.script)
    server.speech_rms = args.speech_rms
    server.report_path = args.report
    server.report_lock = threading.Lock()
    server.tls = None
    if args.certfile:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(args.certfile, args.keyfile)

    def expire():
        time.sleep(args.lifetime)
        os._exit(0)

    threading.Thread(target=expire, daemon=True).start()
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
