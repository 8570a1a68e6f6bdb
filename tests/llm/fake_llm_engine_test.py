#!/usr/bin/env python3
"""Tests for fake_llm_engine.py, the TEST SERVER that stands in for an OpenAI-compatible engine.

Starts the server on 127.0.0.1 port 0 and checks what it puts on the wire for every step kind,
with a raw socket (exact bytes, HTTP framing) and with urllib / http.client. Loopback only.

  python3 tests/llm/fake_llm_engine_test.py
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_llm_engine.py")
CHAT = "/v1/chat/completions"


def start_server(*extra, log=None):
    """Starts the server; returns (process, port)."""
    args = [sys.executable, SERVER, "--port", "0", "--host", "127.0.0.1", "--lifetime", "120",
            "--quiet"]
    if log:
        args += ["--log", log]
    proc = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening "):
        proc.kill()
        raise RuntimeError("server did not start: %r %s" % (line, proc.stderr.read()))
    return proc, int(line.split()[1])


def stop_server(proc):
    """Stops the server; returns what it wrote on stderr (not yet read)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return err


def chat_body(text="你好", stream=True, **extra):
    return dict({"model": "deepseek-chat", "stream": stream,
                 "messages": [{"role": "system", "content": "你是政务热线助手"},
                              {"role": "user", "content": text}]}, **extra)


class Response:
    """A response read off a raw socket until the server closed the connection."""

    def __init__(self, raw):
        self.raw = raw
        head, sep, self.wire_body = raw.partition(b"\r\n\r\n")
        self.complete_head = bool(sep)
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1]) if raw else None
        self.headers = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.terminated = None   # chunked: the 0-length chunk came
        self.chunks = []         # chunked: the chunk payloads
        if self.chunked:
            self.body = self._dechunk(self.wire_body)
        else:
            self.body = self.wire_body

    def _dechunk(self, data):
        out = []
        self.terminated = False
        pos = 0
        while pos < len(data):
            eol = data.index(b"\r\n", pos)
            size = int(data[pos:eol], 16)
            if size == 0:
                assert data[eol:] == b"\r\n\r\n", "bad chunked trailer %r" % data[eol:]
                self.terminated = True
                break
            payload = data[eol + 2:eol + 2 + size]
            assert len(payload) == size, "short chunk"
            assert data[eol + 2 + size:eol + 4 + size] == b"\r\n", "chunk not ended by CRLF"
            out.append(payload)
            pos = eol + 4 + size
        self.chunks = out
        return b"".join(out)

    def text(self):
        return self.body.decode("utf-8")

    def events(self, eol="\n"):
        """The SSE events (blocks ended by a blank line); asserts nothing is left over."""
        text = self.text()
        sep = eol + eol
        assert text == "" or text.endswith(sep), "stream does not end with a blank line: %r" % text[-40:]
        return [e for e in text.split(sep)][:-1] if text else []

    def data_objects(self):
        out = []
        for e in self.events():
            if e.startswith("data: {") and e != "data: {not json":
                out.append(json.loads(e[len("data: "):]))
        return out


class Base(unittest.TestCase):
    tls = None  # an ssl.SSLContext for the client, in the TLS test

    def raw(self, method, path, body=None, headers=None, timeout=5, keep_alive=False):
        """Sends one request on a fresh connection; reads until the server closes it."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        body = body or b""
        h = {"Host": "127.0.0.1:%d" % self.port, "Content-Type": "application/json",
             "Content-Length": str(len(body))}
        if not keep_alive:
            h["Connection"] = "close"
        h.update(headers or {})
        req = ("%s %s HTTP/1.1\r\n" % (method, path) +
               "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode() + body
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.tls:
            sock = self.tls.wrap_socket(sock, server_hostname="127.0.0.1")
        try:
            sock.sendall(req)
            data = b""
            while True:
                d = sock.recv(65536)
                if not d:
                    break
                data += d
        finally:
            sock.close()
        return Response(data)

    def script(self, *steps):
        r = self.raw("POST", "/_script", {"steps": list(steps)})
        self.assertEqual(r.status, 200, r.body)
        return json.loads(r.body)

    def get_json(self, path):
        r = self.raw("GET", path)
        self.assertEqual(r.status, 200, r.body)
        return json.loads(r.body)

    def chat(self, step=None, body=None, path=CHAT, **kw):
        if step is not None:
            self.script(step)
        return self.raw("POST", path, body if body is not None else chat_body(), **kw)

    def assert_chunk_shape(self, obj, model="deepseek-chat"):
        self.assertEqual(set(obj), {"id", "object", "created", "model", "choices"})
        self.assertTrue(obj["id"].startswith("chatcmpl-"))
        self.assertEqual(obj["object"], "chat.completion.chunk")
        self.assertIsInstance(obj["created"], int)
        self.assertEqual(obj["model"], model)
        self.assertEqual(len(obj["choices"]), 1)
        self.assertEqual(obj["choices"][0]["index"], 0)


class FakeEngineTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fake_llm_engine_test.")
        cls.log_path = os.path.join(cls.dir, "requests.jsonl")
        cls.proc, cls.port = start_server(log=cls.log_path)

    @classmethod
    def tearDownClass(cls):
        err = stop_server(cls.proc)
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert "TEST SERVER" in err, err
        assert "Traceback" not in err, err  # broken clients never cause a traceback

    def setUp(self):
        self.assertEqual(self.raw("DELETE", "/_script").status, 200)
        self.assertEqual(self.raw("DELETE", "/_log").status, 200)

    def tearDown(self):
        self.assertIsNone(self.proc.poll(), "the server died")

    # ----- stream

    def test_stream_exact_wire(self):
        r = self.chat({"kind": "stream", "content": "社保卡补办ABCDE", "chunk_chars": 4})
        self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
        self.assertEqual(r.headers["content-type"], "text/event-stream; charset=utf-8")
        self.assertNotIn("content-length", r.headers)
        self.assertTrue(r.chunked)
        self.assertTrue(r.terminated)
        events = r.events()
        # one event per HTTP chunk, each "data: <json>\n\n"
        self.assertEqual([c.decode() for c in r.chunks], [e + "\n\n" for e in events])
        self.assertEqual(events[-1], "data: [DONE]")
        objs = [json.loads(e[6:]) for e in events[:-1]]
        for e in events[:-1]:
            self.assertTrue(e.startswith("data: {"))
            self.assertNotIn("\n", e)
            self.assertNotIn("\\u", e)  # UTF-8 kept, as real engines send it
        for o in objs:
            self.assert_chunk_shape(o)
        self.assertEqual(len({o["id"] for o in objs}), 1)
        deltas = [o["choices"][0]["delta"] for o in objs]
        self.assertEqual(deltas, [{"role": "assistant", "content": "社保卡补"},
                                  {"content": "办ABC"}, {"content": "DE"}, {}])
        self.assertEqual([o["choices"][0]["finish_reason"] for o in objs],
                         [None, None, None, "stop"])

    def test_stream_reasoning_usage_keepalives_no_done(self):
        r = self.chat({"kind": "stream", "content": "可以", "reasoning": "想一想吧", "chunk_chars": 2,
                       "reasoning_field": "reasoning", "keepalives": 2,
                       "keepalive_interval_ms": 20, "usage": True, "done": False,
                       "finish_reason": "length"})
        events = r.events()
        self.assertEqual(events[:2], [": keep-alive", ": keep-alive"])
        self.assertTrue(r.text().startswith(": keep-alive\n\n: keep-alive\n\ndata: {"))
        self.assertNotIn("data: [DONE]", r.text())
        self.assertTrue(r.terminated)
        objs = [json.loads(e[6:]) for e in events[2:]]
        deltas = [o["choices"][0]["delta"] for o in objs[:-1]]
        self.assertEqual(deltas, [{"role": "assistant", "reasoning": "想一"}, {"reasoning": "想吧"},
                                  {"content": "可以"}, {}])
        self.assertEqual(objs[-2]["choices"][0]["finish_reason"], "length")
        usage_chunk = objs[-1]
        self.assertEqual(usage_chunk["choices"], [])
        self.assertEqual(usage_chunk["object"], "chat.completion.chunk")
        # prompt: characters of the messages; completion: content + reasoning characters
        self.assertEqual(usage_chunk["usage"], {"prompt_tokens": len("你是政务热线助手你好"),
                                                "completion_tokens": 6, "total_tokens": 16})

    def test_stream_reasoning_content_default_field_and_usage_override(self):
        r = self.chat({"kind": "stream", "content": "好", "reasoning": "嗯",
                       "usage": {"prompt_tokens": 100, "completion_tokens": 7}})
        objs = r.data_objects()
        self.assertEqual(objs[0]["choices"][0]["delta"],
                         {"role": "assistant", "reasoning_content": "嗯"})
        self.assertEqual(objs[1]["choices"][0]["delta"], {"content": "好"})
        self.assertEqual(objs[-1]["usage"],
                         {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107})
        self.assertEqual(r.events()[-1], "data: [DONE]")

    def test_stream_close_framing_crlf_and_split_writes(self):
        r = self.chat({"kind": "stream", "content": "ab", "framing": "close", "eol": "\r\n"})
        self.assertEqual(r.headers.get("connection"), "close")
        self.assertNotIn("transfer-encoding", r.headers)
        self.assertNotIn("content-length", r.headers)
        text = r.text()
        self.assertTrue(text.endswith("data: [DONE]\r\n\r\n"))
        self.assertEqual(len(text.split("\r\n\r\n")), 4)  # role+ab, finish, [DONE], ""
        r = self.chat({"kind": "stream", "content": "一二三", "write_bytes": 5})
        self.assertTrue(r.terminated)
        self.assertTrue(all(len(c) <= 5 for c in r.chunks))
        self.assertGreater(len(r.chunks), 20)
        self.assertEqual("".join(o["choices"][0]["delta"].get("content", "")
                                 for o in r.data_objects()), "一二三")

    def test_stream_timing(self):
        self.script({"kind": "stream", "content": "abc", "chunk_chars": 1, "delay_ms": 100,
                     "first_delay_ms": 300, "done": False, "finish_reason": None})
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        body = json.dumps(chat_body()).encode()
        t0 = time.monotonic()
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (CHAT.encode(), len(body), body))
        data, t_headers, t_first = b"", None, None
        while True:
            d = sock.recv(65536)
            if not d:
                break
            data += d
            if t_headers is None and b"\r\n\r\n" in data:
                t_headers = time.monotonic() - t0
            if t_first is None and b"data: " in data:
                t_first = time.monotonic() - t0
        t_end = time.monotonic() - t0
        sock.close()
        rest = Response(data).body
        self.assertLess(t_headers, 0.25)       # headers at once
        self.assertGreaterEqual(t_first, 0.28)  # first_delay_ms before the first body byte
        self.assertGreaterEqual(t_end - t_first, 0.18)  # two more events, 100 ms apart
        self.assertEqual(rest.count(b"data: "), 3)

    def test_default_echo(self):
        long_text = "我想咨询一下新生儿医保参保登记需要带哪些材料"
        r = self.chat(body=chat_body(long_text))
        content = "".join(o["choices"][0]["delta"].get("content", "") for o in r.data_objects())
        self.assertEqual(content, "unscripted echo: " + long_text[:20])
        self.assertEqual(r.events()[-1], "data: [DONE]")
        # non-streamed request, content given as parts: a chat.completion answer
        body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "查询"},
                                                           {"type": "text", "text": "进度"}]}]}
        r = self.chat(body=body)
        self.assertEqual(r.headers["content-type"], "application/json")
        obj = json.loads(r.body)
        self.assertEqual(obj["choices"][0]["message"]["content"], "unscripted echo: 查询进度")
        self.assertEqual(obj["model"], "fake-model")

    # ----- other kinds

    def test_json(self):
        r = self.chat({"kind": "json", "content": "请拨打12345", "reasoning": "先想",
                       "finish_reason": "stop"}, body=chat_body(stream=False))
        self.assertEqual(r.status, 200)
        self.assertEqual(int(r.headers["content-length"]), len(r.body))
        obj = json.loads(r.body)
        self.assertEqual(set(obj), {"id", "object", "created", "model", "choices", "usage"})
        self.assertEqual(obj["object"], "chat.completion")
        self.assertEqual(obj["choices"], [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": "请拨打12345", "reasoning_content": "先想"}}])
        self.assertEqual(obj["usage"]["completion_tokens"], 10)
        self.assertEqual(obj["usage"]["total_tokens"],
                         obj["usage"]["prompt_tokens"] + obj["usage"]["completion_tokens"])

    def test_status_defaults(self):
        for status in (400, 401, 402, 404, 422, 429, 500, 502, 503, 504):
            with self.subTest(status=status):
                r = self.chat({"kind": "status", "status": status})
                self.assertEqual(r.status, status)
                self.assertEqual(r.headers["content-type"], "application/json")
                self.assertNotIn("retry-after", r.headers)
                err = json.loads(r.body)["error"]
                self.assertEqual(set(err), {"message", "type", "param", "code"})
                self.assertTrue(err["message"])
        self.assertEqual(json.loads(self.chat({"kind": "status", "status": 429}).body)["error"]
                         ["type"], "rate_limit_error")

    def test_status_retry_after_and_bodies(self):
        r = self.chat({"kind": "status", "status": 429, "retry_after": "2"})
        self.assertEqual(r.headers["retry-after"], "2")
        r = self.chat({"kind": "status", "status": 503, "retry_after": 7, "body": {"x": 1}})
        self.assertEqual((r.headers["retry-after"], json.loads(r.body)), ("7", {"x": 1}))
        html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        r = self.chat({"kind": "status", "status": 502, "body": html,
                       "content_type": "text/html"})
        self.assertEqual((r.status, r.headers["content-type"], r.text()),
                         (502, "text/html", html))
        # urllib sees an HTTPError with the header
        self.script({"kind": "status", "status": 429, "retry_after": "2"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d%s" % (self.port, CHAT),
                json.dumps(chat_body()).encode(), {"Content-Type": "application/json"}), timeout=5)
        self.assertEqual((cm.exception.code, cm.exception.headers["Retry-After"]), (429, "2"))
        cm.exception.close()

    def test_refusal(self):
        r = self.chat({"kind": "refusal"}, path="/compatible-mode/v1/chat/completions")
        self.assertEqual(r.status, 400)
        obj = json.loads(r.body)
        self.assertEqual(obj["error"], {"code": "data_inspection_failed", "param": None,
                                        "message": "Input data may contain inappropriate content.",
                                        "type": "data_inspection_failed"})
        self.assertTrue(obj["id"].startswith("chatcmpl-"))
        self.assertTrue(obj["request_id"])

    def test_cut_chunked(self):
        r = self.chat({"kind": "cut", "content": "abcdefghijkl", "chunk_chars": 2,
                       "cut_after_chunks": 3})
        self.assertEqual(r.status, 200)
        self.assertFalse(r.terminated)  # no 0-length chunk
        self.assertEqual(len(r.chunks), 3)
        self.assertTrue(r.text().endswith("\n\n"))
        self.assertNotIn("[DONE]", r.text())
        self.assertNotIn("finish_reason\":\"stop", r.text())
        self.assertEqual([o["choices"][0]["delta"].get("content") for o in r.data_objects()],
                         ["ab", "cd", "ef"])
        # http.client reports the truncated body
        self.script({"kind": "cut", "content": "abcdefgh", "cut_after_chunks": 1})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("POST", CHAT, json.dumps(chat_body()), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        with self.assertRaises(http.client.IncompleteRead):
            resp.read()
        conn.close()

    def test_cut_close_framing_and_rst(self):
        r = self.chat({"kind": "cut", "content": "abcdefgh", "framing": "close",
                       "cut_after_chunks": 1})
        self.assertEqual(r.text().count("data: "), 1)
        self.assertNotIn("[DONE]", r.text())
        self.script({"kind": "cut", "content": "abcdefgh", "cut_after_chunks": 1, "rst": True})
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        body = json.dumps(chat_body()).encode()
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                     % (CHAT.encode(), len(body), body))
        got, reset = b"", False
        try:
            while True:
                d = sock.recv(65536)
                if not d:
                    break
                got += d
        except ConnectionResetError:
            reset = True
        sock.close()
        self.assertTrue(reset, "expected a TCP reset")

    def test_stall(self):
        self.script({"kind": "stall", "stall_ms": 400, "content_before_stall": "稍等"})
        t0 = time.monotonic()
        r = self.raw("POST", CHAT, chat_body())
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.38)
        self.assertLess(elapsed, 3)
        self.assertEqual(r.status, 200)
        self.assertFalse(r.terminated)
        self.assertNotIn("[DONE]", r.text())
        self.assertEqual([o["choices"][0]["delta"] for o in r.data_objects()],
                         [{"role": "assistant", "content": "稍等"}])
        # a client read timeout during the stall, then the server goes on
        self.script({"kind": "stall", "stall_ms": 5000})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=0.3)
        conn.request("POST", CHAT, json.dumps(chat_body()), {"Content-Type": "application/json"})
        resp = conn.getresponse()  # headers come
        self.assertEqual(resp.status, 200)
        with self.assertRaises(TimeoutError):
            resp.read(1)
        conn.close()
        self.assertEqual(self.chat({"kind": "empty"}).status, 200)

    def test_malformed(self):
        r = self.chat({"kind": "malformed", "content": "甲乙丙丁", "chunk_chars": 1})
        events = r.events()
        self.assertIn("data: {not json", events)
        i = events.index("data: {not json")
        self.assertTrue(0 < i < len(events) - 2)  # valid chunks before and after
        self.assertEqual(events[-1], "data: [DONE]")
        self.assertEqual("".join(o["choices"][0]["delta"].get("content", "")
                                 for o in r.data_objects()), "甲乙丙丁")
        r = self.chat({"kind": "malformed", "content": "ab", "chunk_chars": 1,
                       "line": "data: {\"choices\": [", "bad_after_chunks": 1})
        self.assertEqual(r.events()[1], "data: {\"choices\": [")

    def test_empty(self):
        r = self.chat({"kind": "empty"})
        self.assertEqual((r.status, r.body), (200, b"data: [DONE]\n\n"))
        self.assertTrue(r.terminated)
        r = self.chat({"kind": "empty", "framing": "close"})
        self.assertEqual((r.body, r.headers.get("connection")), (b"data: [DONE]\n\n", "close"))

    def test_hang_connect_and_no_headers(self):
        for kind in ("hang_connect", "no_headers"):
            with self.subTest(kind=kind):
                t0 = time.monotonic()
                r = self.chat({"kind": kind, "stall_ms": 300})
                self.assertEqual(r.raw, b"")
                self.assertGreaterEqual(time.monotonic() - t0, 0.28)
        # the client gives up first: the server notices and stays healthy
        self.script({"kind": "hang_connect", "stall_ms": 20000})
        with self.assertRaises(TimeoutError):
            urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d%s" % (self.port, CHAT), json.dumps(chat_body()).encode()),
                timeout=0.3)
        self.assertEqual(self.get_json("/_stats")["queued"], 0)

    # ----- paths, control, log

    def test_paths_and_models(self):
        for path in ("/compatible-mode/v1/chat/completions", "/api/v1/chat/completions",
                     "/chat/completions", "/v1/chat/completions?x=1"):
            with self.subTest(path=path):
                r = self.chat({"kind": "json", "content": path}, path=path,
                              body=chat_body(stream=False))
                self.assertEqual(json.loads(r.body)["choices"][0]["message"]["content"], path)
        self.assertEqual(self.get_json("/v1/models")["data"][0]["id"], "fake-model")
        self.assertEqual(self.get_json("/v1/models"),
                         {"object": "list", "data": [{"id": "fake-model", "object": "model",
                                                      "created": 0,
                                                      "owned_by": "fake_llm_engine"}]})
        r = self.raw("POST", "/v1/completions", chat_body())
        self.assertEqual(r.status, 404)
        self.assertIn("error", json.loads(r.body))
        self.assertEqual(self.raw("GET", CHAT).status, 405)
        self.assertEqual(self.raw("GET", "/_nothing").status, 404)

    def test_control_endpoints(self):
        self.assertEqual(self.get_json("/_stats")["queued"], 0)
        out = self.script({"kind": "json", "content": "1"}, {"kind": "json", "content": "2",
                                                             "repeat": 3})
        self.assertEqual((out["appended"], out["queued"]), (2, 4))
        self.script({"kind": "empty"})
        self.assertEqual(self.get_json("/_stats")["queued"], 5)
        self.assertEqual([s["remaining"] for s in self.get_json("/_script")], [1, 3, 1])
        n0 = self.get_json("/_stats")["requests"]
        self.assertEqual(json.loads(self.chat(body=chat_body(stream=False)).body)
                         ["choices"][0]["message"]["content"], "1")
        stats = self.get_json("/_stats")
        self.assertEqual((stats["requests"], stats["queued"]), (n0 + 1, 4))
        self.assertEqual(self.raw("DELETE", "/_script").status, 200)
        self.assertEqual(self.get_json("/_stats")["queued"], 0)
        self.assertEqual(len(self.get_json("/_log")), 1)
        self.assertEqual(self.raw("DELETE", "/_log").status, 200)
        self.assertEqual(self.get_json("/_log"), [])
        # invalid scripts are refused as a whole
        for bad in ({"steps": [{"kind": "json"}, {"kind": "nonsense"}]},
                    {"steps": [{"kind": "stream", "chunk_char": 4}]},
                    {"steps": [{"kind": "status"}]},
                    {"steps": [{"kind": "stream", "framing": "gzip"}]},
                    {"steps": [{"kind": "stream", "delay_ms": "10"}]},
                    {"step": []}, "not json"):
            with self.subTest(bad=bad):
                r = self.raw("POST", "/_script", bad if isinstance(bad, dict) else bad.encode())
                self.assertEqual(r.status, 400)
                self.assertEqual(json.loads(r.body)["error"]["code"], "invalid_script")
        self.assertEqual(self.get_json("/_stats")["queued"], 0)

    def test_match_and_repeat(self):
        self.script({"kind": "json", "content": "A", "match": "公积金"},
                    {"kind": "json", "content": "B", "repeat": 2})

        def ask(text):
            r = self.chat(body=chat_body(text, stream=False))
            return json.loads(r.body)["choices"][0]["message"]["content"]

        self.assertEqual(ask("社保"), "B")        # the matching step stays queued
        self.assertEqual(self.get_json("/_stats")["queued"], 2)
        self.assertEqual(ask("公积金提取"), "A")  # first matching step in the queue
        self.assertEqual(ask("医保"), "B")
        self.assertEqual(ask("医保"), "unscripted echo: 医保")
        # match also works on \\u-escaped request bodies
        self.script({"kind": "json", "content": "C", "match": "公积金"})
        r = self.raw("POST", CHAT, json.dumps(chat_body("公积金", stream=False)).encode())
        self.assertEqual(json.loads(r.body)["choices"][0]["message"]["content"], "C")

    def test_log_redacts_authorization(self):
        body = chat_body("我的身份证号是110101199003071234", metadata={"caller": "13800138000"})
        self.chat({"kind": "json", "content": "ok"},
                  body=body, headers={"Authorization": "Bearer sk-secret-123"})
        self.raw("POST", CHAT, "{not json", headers={"X-Api-Key": "sk-other"})
        log = self.get_json("/_log")
        self.assertEqual(len(log), 2)
        first, second = log
        self.assertEqual(set(first) - {"body_error"},
                         {"time", "method", "path", "headers", "body", "step"})
        self.assertEqual(first["headers"]["Authorization"], "<redacted>")
        self.assertEqual((first["path"], first["method"], first["step"]), (CHAT, "POST", "json"))
        self.assertEqual(first["body"], body)  # in full
        self.assertEqual(second["headers"]["X-Api-Key"], "<redacted>")
        self.assertEqual(second["body"], "{not json")
        self.assertIn("body_error", second)
        with open(self.log_path, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn("sk-secret-123", text)
        self.assertNotIn("sk-other", text)
        file_entries = [json.loads(l) for l in text.splitlines()]
        self.assertEqual(file_entries[-2:], log)
        self.assertIn("110101199003071234", text)  # personal data is visible to scanners

    def test_malformed_request_json(self):
        self.script({"kind": "json", "content": "kept"})
        for raw in ("{\"messages\": [", "[1, 2]", ""):
            with self.subTest(raw=raw):
                r = self.raw("POST", CHAT, raw)
                self.assertEqual(r.status, 400)
                err = json.loads(r.body)["error"]
                self.assertEqual((err["type"], err["code"]), ("invalid_request_error",
                                                              "invalid_json"))
        self.assertEqual(self.get_json("/_stats")["queued"], 1)  # no step taken
        r = self.raw("POST", CHAT, chat_body(stream=False))
        self.assertEqual(json.loads(r.body)["choices"][0]["message"]["content"], "kept")

    def test_keep_alive_and_chunked_request(self):
        self.script({"kind": "stream", "content": "一"}, {"kind": "json", "content": "二"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("POST", CHAT, json.dumps(chat_body()), {"Content-Type": "application/json"})
        r1 = conn.getresponse().read()
        # second request on the same connection, body sent with chunked encoding
        conn.request("POST", CHAT, iter([json.dumps(chat_body(stream=False)).encode()]),
                     {"Content-Type": "application/json"}, encode_chunked=True)
        r2 = json.loads(conn.getresponse().read())
        conn.close()
        self.assertTrue(r1.endswith(b"data: [DONE]\n\n"))
        self.assertEqual(r2["choices"][0]["message"]["content"], "二")

    def test_broken_clients_and_concurrency(self):
        # a client that leaves mid-stream
        self.script({"kind": "stream", "content": "x" * 200, "chunk_chars": 1, "delay_ms": 5})
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        body = json.dumps(chat_body()).encode()
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                     % (CHAT.encode(), len(body), body))
        sock.recv(100)
        sock.close()
        # a client that sends half a request and leaves
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{" % CHAT.encode())
        sock.close()
        # garbage
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        sock.recv(1000)
        sock.close()
        # a stall does not hold up other requests
        self.script({"kind": "stall", "stall_ms": 1500, "match": "慢"})
        results = {}
        t = threading.Thread(target=lambda: results.setdefault(
            "slow", self.raw("POST", CHAT, chat_body("慢"))))
        t.start()
        time.sleep(0.1)
        t0 = time.monotonic()
        r = self.raw("POST", CHAT, chat_body("快", stream=False))
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(json.loads(r.body)["choices"][0]["message"]["content"],
                         "unscripted echo: 快")
        t.join(5)
        self.assertEqual(results["slow"].status, 200)


class StartupTest(Base):
    def test_script_file_key_model_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            script = os.path.join(d, "script.json")
            with open(script, "w", encoding="utf-8") as f:
                json.dump([{"kind": "json", "content": "来自文件", "repeat": 2}], f,
                          ensure_ascii=False)
            proc, self.port = start_server("--script", script, "--model", "qwen-plus",
                                           "--require-key", "k1")
            try:
                self.assertEqual(self.get_json("/_stats")["queued"], 2)
                self.assertEqual(self.get_json("/v1/models")["data"][0]["id"], "qwen-plus")
                body = {"messages": [{"role": "user", "content": "hi"}]}
                self.assertEqual(self.raw("POST", CHAT, body).status, 401)
                self.assertEqual(self.raw("POST", CHAT, body,
                                          {"Authorization": "Bearer wrong"}).status, 401)
                self.script({"kind": "json", "content": "追加"})
                got = [json.loads(self.raw("POST", CHAT, body, {"Authorization": "Bearer k1"})
                                  .body)["choices"][0]["message"] for _ in range(3)]
                self.assertEqual([g["content"] for g in got], ["来自文件", "来自文件", "追加"])
                t0 = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(5), 0)
                self.assertLess(time.monotonic() - t0, 3)
                self.assertIn("TEST SERVER", proc.stderr.read())
            finally:
                stop_server(proc)

    def test_sigint_during_stall_and_bad_script(self):
        proc, self.port = start_server()
        try:
            self.script({"kind": "stall", "stall_ms": 20000})
            t = threading.Thread(target=lambda: self.raw("POST", CHAT, chat_body(), timeout=10))
            t.start()
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(5), 0)
            t.join(5)
        finally:
            stop_server(proc)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump([{"kind": "stream", "chunks": 3}], f)
            f.flush()
            r = subprocess.run([sys.executable, SERVER, "--port", "0", "--script", f.name],
                               capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("chunks", r.stderr)
        self.assertEqual(r.stdout, "")


class TlsTest(Base):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("openssl"):
            raise unittest.SkipTest("openssl CLI not found: cannot make a self-signed certificate")
        cls.dir = tempfile.mkdtemp(prefix="fake_llm_engine_tls.")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        key = os.path.join(cls.dir, "key.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-days", "1", "-keyout", key, "-out", cls.cert],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise unittest.SkipTest("openssl could not make a certificate: %s" % r.stderr[-300:])
        cls.proc, cls.port = start_server("--tls-cert", cls.cert, "--tls-key", key)
        cls.tls = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        err = stop_server(cls.proc)
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert "Traceback" not in err, err

    def test_tls_stream_json_and_cut(self):
        r = self.chat({"kind": "stream", "content": "加密的回答", "usage": True})
        self.assertTrue(r.terminated)
        self.assertEqual(r.events()[-1], "data: [DONE]")
        self.assertEqual(r.data_objects()[-1]["choices"], [])
        r = self.chat({"kind": "stream", "content": "ab", "framing": "close"})
        self.assertTrue(r.text().endswith("data: [DONE]\n\n"))
        r = self.chat({"kind": "cut", "content": "abcdefgh", "cut_after_chunks": 1})
        self.assertFalse(r.terminated)
        self.assertEqual(len(r.chunks), 1)
        # urllib over https, verifying the self-signed certificate
        self.script({"kind": "json", "content": "https ok"})
        with urllib.request.urlopen(urllib.request.Request(
                "https://127.0.0.1:%d/compatible-mode/v1/chat/completions" % self.port,
                json.dumps(chat_body(stream=False)).encode(),
                {"Content-Type": "application/json", "Authorization": "Bearer t"}),
                timeout=5, context=self.tls) as resp:
            self.assertEqual(json.loads(resp.read())["choices"][0]["message"]["content"],
                             "https ok")
        # a plain-http client and a client that gives up during the handshake do not hurt
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            sock.recv(100)
        except OSError:
            pass
        sock.close()
        socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
        self.assertEqual(self.get_json("/v1/models")["data"][0]["id"], "fake-model")
        entry = [e for e in self.get_json("/_log") if e["step"] == "json"][-1]
        self.assertEqual(entry["headers"]["Authorization"], "<redacted>")


if __name__ == "__main__":
    unittest.main(verbosity=2)
