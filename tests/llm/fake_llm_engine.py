#!/usr/bin/env python3
"""fake_llm_engine.py: a TEST SERVER that imitates an OpenAI-compatible chat-completions engine.

It is NOT a language model and never contacts one. zhixian's tests run it on loopback in place
of DeepSeek, Qwen (DashScope compatible mode), vLLM, llama.cpp server or Ollama, so that no test
reaches the network. Every answer is scripted per request and is put on the wire the way those
servers do it (SSE chunks, chunked transfer encoding or close-delimited bodies, error bodies).
Python 3.11 standard library only.

Command line
  fake_llm_engine.py --port 0 [--host 127.0.0.1] [--log FILE] [--script FILE]
                     [--tls-cert CERT --tls-key KEY] [--model NAME] [--require-key KEY]
                     [--lifetime SECONDS] [--quiet]
  Prints exactly one line "listening <port>" on stdout once ready (--port 0 picks a free port),
  then serves until SIGTERM/SIGINT (or --lifetime seconds, 0 = no limit, the default). The
  startup line on stderr says "TEST SERVER". --tls-cert/--tls-key serve https. --require-key
  answers 401 to chat requests without "Authorization: Bearer KEY".

Endpoints
  POST <any prefix>/chat/completions  a chat request: pops the next script step (see below)
  GET  <any prefix>/models            {"object": "list", "data": [{"id": <--model>, ...}]}
  POST /_script    {"steps": [step, ...]} appends steps to the queue (400 on an invalid step)
  GET  /_script    the queue;  DELETE /_script clears it
  GET  /_log       the logged requests as a JSON array;  DELETE /_log clears them
  GET  /_stats     {"requests": <chat requests since start>, "queued": <steps queued>, ...}
  Any other request not under /_ is logged and answered 404 (405 for a wrong method).

Log (--log FILE, one JSON line per request not under /_, also kept for GET /_log)
  {"time", "method", "path", "headers", "body", "step"}: "headers" as received, with the values
  of Authorization, Proxy-Authorization, Api-Key and X-Api-Key replaced by "<redacted>" (the
  header stays, so its presence can be checked); "body" the parsed JSON request in full (or the
  raw text plus "body_error" when it is not JSON); "step" the kind served (or null).

Script
  A queue of steps, filled from --script FILE (a JSON array, loaded at start) and POST /_script
  (appended). A chat request takes the first queued step whose "match" (a substring) occurs in
  its body (raw text or re-serialised with non-ASCII kept); steps without "match" match every
  request; steps that do not match stay queued. "repeat": N serves N requests (default 1).
  With nothing to take, the default is an echo of the last user message's first 20 characters:
  content "unscripted echo: <text>" as a "stream" step, or as a "json" step when the request
  does not ask for "stream": true. Unknown kinds or keys are rejected (catches typos).

  Common keys: kind, match, repeat, comment. The response "model" is the request's "model"
  (else --model). Durations are milliseconds.

  stream     content ("") chunk_chars (4, Unicode characters per chunk) reasoning (none)
             reasoning_field ("reasoning_content" | "reasoning") keepalives (0)
             keepalive_interval_ms (0) usage (false | true | {prompt_tokens, completion_tokens})
             done (true: "data: [DONE]") delay_ms (0, before every event after the first)
             first_delay_ms (0, before the first body byte) finish_reason ("stop"; null: no
             finishing chunk) framing ("chunked" | "close") write_bytes (0; N: every event is
             written in N-byte pieces, each its own HTTP chunk) eol ("\\n" | "\\r\\n")
               Wire: ": keep-alive" + eol + eol per keep-alive (sent first), then
               "data: <chunk json>" + eol + eol events: reasoning pieces, content pieces (the
               first event's delta also has "role": "assistant"; with no text at all a single
               {"role": "assistant", "content": ""} delta), a {"delta": {}, "finish_reason"}
               chunk, the usage chunk ("choices": [], "usage": {...}), then "data: [DONE]".
               Chunks are {"id", "object": "chat.completion.chunk", "created", "model",
               "choices": [{"index": 0, "delta": {...}, "finish_reason": null}]}, compact JSON
               with UTF-8 kept. Content-Type "text/event-stream; charset=utf-8".
               Usage counts characters: prompt = characters of all message texts, completion =
               characters of content + reasoning.
  json       content reasoning reasoning_field finish_reason usage ({...} overrides) delay_ms
               A "chat.completion" object with "usage", Content-Length, keep-alive.
  status     status (required: 400..599) retry_after (Retry-After header) body (dict or string;
             default an OpenAI {"error": {"message", "type", "param", "code"}} for the status)
             content_type delay_ms
  refusal    message delay_ms: DashScope moderation, HTTP 400 {"error": {"code":
             "data_inspection_failed", "param": null, "message": "Input data may contain
             inappropriate content.", "type": "data_inspection_failed"}, "id": "chatcmpl-...",
             "request_id": "..."}
  cut        content chunk_chars cut_after_chunks (1) framing delay_ms first_delay_ms write_bytes
             eol rst: N content events, then the connection is closed: no finishing chunk, no
             [DONE], no terminating 0-length chunk, no TLS close_notify. rst: true sends a TCP
             reset instead of a FIN.
  stall      stall_ms (30000) content_before_stall ("") chunk_chars framing eol rst: headers (and
             the events of content_before_stall) then silence, then an abrupt close.
  malformed  content chunk_chars line ("data: {not json") bad_after_chunks (half, at least 1)
             framing done eol delay_ms: a normal stream with the line (+ eol + eol) among it.
  empty      framing eol: a 200 event stream of only "data: [DONE]".
  hang_connect, no_headers   stall_ms (30000) rst: reads the request, sends nothing, closes.
  Silences end early when the client disconnects or the server stops.

Robustness: a request body that is not a JSON object gets 400 with an OpenAI error body (no
step is taken); broken or vanished clients are normal and never stop the server.
"""

import argparse
import datetime
import json
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_MODEL = "fake-model"
MAX_BODY = 64 * 1024 * 1024
REDACTED_HEADERS = {"authorization", "proxy-authorization", "api-key", "x-api-key"}

_STREAM_KEYS = {"framing", "eol", "write_bytes"}
COMMON_KEYS = {"kind", "match", "repeat", "comment"}
KIND_KEYS = {
    "stream": {"content", "chunk_chars", "reasoning", "reasoning_field", "keepalives",
               "keepalive_interval_ms", "usage", "done", "delay_ms", "first_delay_ms",
               "finish_reason"} | _STREAM_KEYS,
    "json": {"content", "reasoning", "reasoning_field", "finish_reason", "usage", "delay_ms"},
    "status": {"status", "retry_after", "body", "content_type", "delay_ms"},
    "refusal": {"message", "delay_ms"},
    "cut": {"content", "chunk_chars", "cut_after_chunks", "delay_ms", "first_delay_ms",
            "rst"} | _STREAM_KEYS,
    "stall": {"stall_ms", "content_before_stall", "chunk_chars", "rst"} | _STREAM_KEYS,
    "malformed": {"content", "chunk_chars", "line", "bad_after_chunks", "done",
                  "delay_ms"} | _STREAM_KEYS,
    "empty": {"framing", "eol"},
    "hang_connect": {"stall_ms", "rst"},
    "no_headers": {"stall_ms", "rst"},
}
_INT = (int,)
KEY_TYPES = {
    "match": (str,), "repeat": _INT, "comment": (str,),
    "content": (str,), "reasoning": (str,), "content_before_stall": (str,), "line": (str,),
    "message": (str,), "content_type": (str,),
    "chunk_chars": _INT, "keepalives": _INT, "keepalive_interval_ms": _INT, "delay_ms": _INT,
    "first_delay_ms": _INT, "cut_after_chunks": _INT, "stall_ms": _INT, "bad_after_chunks": _INT,
    "write_bytes": _INT, "status": _INT,
    "done": (bool,), "rst": (bool,), "usage": (bool, dict), "body": (dict, list, str),
    "finish_reason": (str, type(None)), "retry_after": (str, int),
}
KEY_CHOICES = {
    "reasoning_field": ("reasoning_content", "reasoning"),
    "framing": ("chunked", "close"),
    "eol": ("\n", "\r\n"),
}

STATUS_ERRORS = {
    400: ("Invalid request.", "invalid_request_error", "invalid_request"),
    401: ("Incorrect API key provided.", "authentication_error", "invalid_api_key"),
    402: ("Insufficient Balance", "insufficient_quota", "insufficient_quota"),
    403: ("Access denied.", "permission_error", "access_denied"),
    404: ("The model does not exist or you do not have access to it.",
          "invalid_request_error", "model_not_found"),
    408: ("Request timed out.", "timeout_error", "request_timeout"),
    413: ("Request too large.", "invalid_request_error", "request_too_large"),
    422: ("Invalid parameters.", "invalid_request_error", "invalid_parameters"),
    429: ("Rate limit reached for requests.", "rate_limit_error", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error",
          "internal_error"),
    502: ("Bad gateway.", "server_error", "bad_gateway"),
    503: ("The engine is currently overloaded, please try again later.", "server_error",
          "service_unavailable"),
    504: ("Gateway timeout.", "server_error", "gateway_timeout"),
}


class StepError(ValueError):
    pass


def validate_step(step):
    """Returns a copy of step after checking it; raises StepError."""
    if not isinstance(step, dict):
        raise StepError("a step must be a JSON object: %r" % (step,))
    kind = step.get("kind")
    if kind not in KIND_KEYS:
        raise StepError("unknown step kind %r (known: %s)" % (kind, ", ".join(sorted(KIND_KEYS))))
    unknown = set(step) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise StepError("unknown key(s) for kind %r: %s" % (kind, ", ".join(sorted(unknown))))
    for key, value in step.items():
        types = KEY_TYPES.get(key)
        if types and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise StepError("%s: bad type %s" % (key, type(value).__name__))
        if key in KEY_CHOICES and value not in KEY_CHOICES[key]:
            raise StepError("%s must be one of %r" % (key, KEY_CHOICES[key]))
        if types == _INT and value < 0:
            raise StepError("%s must not be negative" % key)
    if kind == "status" and not 400 <= step.get("status", 0) <= 599:
        raise StepError("status steps need \"status\" in 400..599")
    if step.get("chunk_chars", 1) < 1 or step.get("repeat", 1) < 1:
        raise StepError("chunk_chars and repeat must be at least 1")
    return dict(step)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def message_text(content):
    """The text of a message "content": a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def split_chars(text, n):
    return [text[i:i + n] for i in range(0, len(text), n)]


class Engine:
    """The shared state: script queue, request log, counters."""

    def __init__(self, model, log_path, require_key):
        self.model = model
        self.log_path = log_path
        self.require_key = require_key
        self.lock = threading.Lock()
        self.queue = []          # [step, remaining]
        self.log = []
        self.requests = 0
        self.served = {}
        self.stopping = threading.Event()

    def append_steps(self, steps):
        checked = [validate_step(s) for s in steps]
        with self.lock:
            self.queue.extend([s, s.get("repeat", 1)] for s in checked)

    def take_step(self, raw_text, body):
        alt = compact(body)
        with self.lock:
            self.requests += 1
            for i, entry in enumerate(self.queue):
                step = entry[0]
                m = step.get("match")
                if m is None or m in raw_text or m in alt:
                    entry[1] -= 1
                    if entry[1] <= 0:
                        del self.queue[i]
                    return step
        return None

    def count(self, kind):
        with self.lock:
            self.served[kind] = self.served.get(kind, 0) + 1

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock:
            self.log.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(line + "\n")

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "queued": sum(e[1] for e in self.queue),
                    "queued_steps": len(self.queue), "logged": len(self.log),
                    "served": dict(self.served)}


class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_llm_engine-TEST-SERVER/1"
    timeout = 120

    # ----- plumbing

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("fake_llm_engine: %s %s\n" % (self.address_string(), fmt % args))

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ClientGone, ConnectionError, ssl.SSLError, TimeoutError, OSError):
            self.close_connection = True

    @property
    def engine(self):
        return self.server.engine

    def write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise ClientGone() from e

    def sleep_ms(self, ms):
        if ms > 0 and self.engine.stopping.wait(ms / 1000.0):
            raise ClientGone()

    def silence(self, ms):
        """Sends nothing for ms; ends early when the client disconnects or the server stops."""
        deadline = time.monotonic() + ms / 1000.0
        sock = self.connection
        while not self.engine.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([sock], [], [], min(left, 0.2))
                if r and not sock.recv(4096):
                    return
            except ssl.SSLWantReadError:
                continue
            except (OSError, ValueError):
                return

    def abort(self, rst=False):
        """Ends the connection without any further byte (no chunk terminator, no close_notify)."""
        self.close_connection = True
        self.server.mark_abrupt(self.connection, rst)
        if rst:
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass

    def send_json(self, status, obj, extra_headers=()):
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_bytes(status, data, "application/json", extra_headers)

    def send_bytes(self, status, data, content_type, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.write(data)

    def send_error_json(self, status, message, etype, code, extra_headers=()):
        self.send_json(status, {"error": {"message": message, "type": etype, "param": None,
                                          "code": code}}, extra_headers)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def logged_headers(self):
        out = {}
        for k, v in self.headers.items():
            out[k] = "<redacted>" if k.lower() in REDACTED_HEADERS else v
        return out

    # ----- dispatch

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        path = self.path.split("?", 1)[0]
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_error_json(400, "Unreadable request body.", "invalid_request_error",
                                 "invalid_body")
            return
        if path.startswith("/_"):
            self.control(method, path, raw)
            return
        text = raw.decode("utf-8", "replace")
        body, body_error = None, None
        if raw:
            try:
                body = json.loads(text)
                if not isinstance(body, dict):
                    body_error = "the body is not a JSON object"
            except ValueError as e:
                body_error = "invalid JSON: %s" % e
        entry = {"time": now_iso(), "method": method, "path": self.path,
                 "headers": self.logged_headers(),
                 "body": body if body_error is None else text, "step": None}
        if body_error:
            entry["body_error"] = body_error
        try:
            if path.endswith("/chat/completions"):
                if method != "POST":
                    self.send_error_json(405, "Method not allowed.", "invalid_request_error",
                                         "method_not_allowed", [("Allow", "POST")])
                elif body_error or body is None:
                    self.send_error_json(400, "We could not parse the JSON body of your request"
                                         " (%s)." % (body_error or "empty body"),
                                         "invalid_request_error", "invalid_json")
                elif self.engine.require_key is not None and self.headers.get(
                        "Authorization") != "Bearer " + self.engine.require_key:
                    entry["step"] = "auth_failed"
                    self.send_error_json(401, *STATUS_ERRORS[401])
                else:
                    step = self.engine.take_step(text, body)
                    if step is None:
                        step = self.default_step(body)
                    entry["step"] = step["kind"]
                    self.engine.count(step["kind"])
                    self.engine.record(entry)
                    entry = None
                    self.serve_step(step, body)
            elif path.endswith("/models") and method == "GET":
                self.send_json(200, {"object": "list", "data": [
                    {"id": self.engine.model, "object": "model", "created": 0,
                     "owned_by": "fake_llm_engine"}]})
            else:
                self.send_error_json(404, "Unknown path %s (fake_llm_engine test server)." % path,
                                     "invalid_request_error", "unknown_url")
        finally:
            if entry is not None:
                self.engine.record(entry)

    def control(self, method, path, raw):
        eng = self.engine
        if path == "/_script" and method == "POST":
            try:
                obj = json.loads(raw.decode("utf-8"))
                steps = obj.get("steps") if isinstance(obj, dict) else None
                if not isinstance(steps, list):
                    raise StepError('expected {"steps": [step, ...]}')
                eng.append_steps(steps)
            except (ValueError, StepError) as e:
                self.send_error_json(400, str(e), "invalid_request_error", "invalid_script")
                return
            self.send_json(200, {"appended": len(steps), **eng.stats()})
        elif path == "/_script" and method == "DELETE":
            with eng.lock:
                eng.queue.clear()
            self.send_json(200, eng.stats())
        elif path == "/_script" and method == "GET":
            with eng.lock:
                q = [dict(s, remaining=n) for s, n in eng.queue]
            self.send_json(200, q)
        elif path == "/_log" and method == "GET":
            with eng.lock:
                log = list(eng.log)
            self.send_json(200, log)
        elif path == "/_log" and method == "DELETE":
            with eng.lock:
                eng.log.clear()
            self.send_json(200, eng.stats())
        elif path == "/_stats" and method == "GET":
            self.send_json(200, eng.stats())
        else:
            self.send_error_json(404, "Unknown control endpoint %s %s." % (method, path),
                                 "invalid_request_error", "unknown_url")

    def default_step(self, body):
        text = ""
        for m in reversed(body.get("messages") or []):
            if isinstance(m, dict) and m.get("role") == "user":
                text = message_text(m.get("content"))
                break
        content = "unscripted echo: " + text[:20]
        return {"kind": "stream" if body.get("stream") is True else "json", "content": content}

    # ----- responses

    def serve_step(self, step, body):
        kind = step["kind"]
        self.model = body.get("model") if isinstance(body.get("model"), str) else self.engine.model
        self.chat_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        self.created = int(time.time())
        self.prompt_chars = sum(len(message_text(m.get("content")))
                                for m in body.get("messages") or [] if isinstance(m, dict))
        getattr(self, "serve_" + kind)(step)

    def usage(self, step, completion_chars):
        u = {"prompt_tokens": self.prompt_chars, "completion_tokens": completion_chars}
        if isinstance(step.get("usage"), dict):
            u.update(step["usage"])
        u.setdefault("total_tokens", u["prompt_tokens"] + u["completion_tokens"])
        return u

    def chunk(self, delta, finish_reason=None):
        return {"id": self.chat_id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    def start_stream(self, step):
        self.framing = step.get("framing", "chunked")
        self.eol = step.get("eol", "\n")
        self.write_bytes = step.get("write_bytes", 0)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        if self.framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")  # also sets close_connection
        self.end_headers()
        self.wfile.flush()

    def send_raw(self, data):
        pieces = [data]
        if self.write_bytes:
            pieces = [data[i:i + self.write_bytes] for i in range(0, len(data), self.write_bytes)]
        for p in pieces:
            if self.framing == "chunked":
                self.write(b"%x\r\n%s\r\n" % (len(p), p))
            else:
                self.write(p)

    def send_event(self, text):
        self.send_raw((text + self.eol + self.eol).encode("utf-8"))

    def send_data(self, obj):
        self.send_event("data: " + compact(obj))

    def end_stream(self):
        if self.framing == "chunked":
            self.write(b"0\r\n\r\n")
        else:
            self.close_connection = True

    def content_events(self, step, content_key="content"):
        """The chunk objects for reasoning then content, role on the first."""
        n = step.get("chunk_chars", 4)
        field = step.get("reasoning_field", "reasoning_content")
        deltas = [{field: p} for p in split_chars(step.get("reasoning", ""), n)]
        deltas += [{"content": p} for p in split_chars(step.get(content_key, ""), n)]
        if not deltas:
            deltas = [{"content": ""}]
        deltas[0] = {"role": "assistant", **deltas[0]}
        return [self.chunk(d) for d in deltas]

    def serve_stream(self, step):
        self.start_stream(step)
        self.sleep_ms(step.get("first_delay_ms", 0))
        for _ in range(step.get("keepalives", 0)):
            self.send_event(": keep-alive")
            self.sleep_ms(step.get("keepalive_interval_ms", 0))
        events = self.content_events(step)
        finish = step.get("finish_reason", "stop")
        if finish is not None:
            events.append(self.chunk({}, finish))
        if step.get("usage"):
            chars = len(step.get("content", "")) + len(step.get("reasoning", ""))
            events.append({"id": self.chat_id, "object": "chat.completion.chunk",
                           "created": self.created, "model": self.model, "choices": [],
                           "usage": self.usage(step, chars)})
        for i, ev in enumerate(events):
            if i:
                self.sleep_ms(step.get("delay_ms", 0))
            self.send_data(ev)
        if step.get("done", True):
            self.sleep_ms(step.get("delay_ms", 0))
            self.send_event("data: [DONE]")
        self.end_stream()

    def serve_json(self, step):
        self.sleep_ms(step.get("delay_ms", 0))
        message = {"role": "assistant", "content": step.get("content", "")}
        if "reasoning" in step:
            message[step.get("reasoning_field", "reasoning_content")] = step["reasoning"]
        chars = len(step.get("content", "")) + len(step.get("reasoning", ""))
        self.send_json(200, {"id": self.chat_id, "object": "chat.completion",
                             "created": self.created, "model": self.model,
                             "choices": [{"index": 0, "message": message,
                                          "finish_reason": step.get("finish_reason", "stop")}],
                             "usage": self.usage(step, chars)})

    def serve_status(self, step):
        self.sleep_ms(step.get("delay_ms", 0))
        status = step["status"]
        headers = []
        if "retry_after" in step:
            headers.append(("Retry-After", str(step["retry_after"])))
        body = step.get("body")
        if body is None:
            msg, etype, code = STATUS_ERRORS.get(status, ("Error %d." % status, "server_error"
                                                          if status >= 500 else
                                                          "invalid_request_error", None))
            body = {"error": {"message": msg, "type": etype, "param": None, "code": code}}
        if isinstance(body, str):
            self.send_bytes(status, body.encode("utf-8"),
                            step.get("content_type", "text/plain; charset=utf-8"), headers)
        else:
            self.send_bytes(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                            step.get("content_type", "application/json"), headers)

    def serve_refusal(self, step):
        self.sleep_ms(step.get("delay_ms", 0))
        self.send_json(400, {"error": {"code": "data_inspection_failed", "param": None,
                                       "message": step.get(
                                           "message", "Input data may contain inappropriate content."),
                                       "type": "data_inspection_failed"},
                             "id": self.chat_id, "request_id": str(uuid.uuid4())})

    def serve_cut(self, step):
        self.start_stream(step)
        self.sleep_ms(step.get("first_delay_ms", 0))
        events = self.content_events(step)[:step.get("cut_after_chunks", 1)]
        for i, ev in enumerate(events):
            if i:
                self.sleep_ms(step.get("delay_ms", 0))
            self.send_data(ev)
        self.abort(step.get("rst", False))

    def serve_stall(self, step):
        self.start_stream(step)
        if step.get("content_before_stall"):
            for ev in self.content_events(step, "content_before_stall"):
                self.send_data(ev)
        self.silence(step.get("stall_ms", 30000))
        self.abort(step.get("rst", False))

    def serve_malformed(self, step):
        self.start_stream(step)
        events = self.content_events(step)
        at = step.get("bad_after_chunks", max(1, len(events) // 2))
        events.append(self.chunk({}, "stop"))
        for i, ev in enumerate(events):
            if i:
                self.sleep_ms(step.get("delay_ms", 0))
            if i == at:
                self.send_event(step.get("line", "data: {not json"))
            self.send_data(ev)
        if at >= len(events):
            self.send_event(step.get("line", "data: {not json"))
        if step.get("done", True):
            self.send_event("data: [DONE]")
        self.end_stream()

    def serve_empty(self, step):
        self.start_stream(step)
        self.send_event("data: [DONE]")
        self.end_stream()

    def serve_hang_connect(self, step):
        self.silence(step.get("stall_ms", 30000))
        self.abort(step.get("rst", False))

    serve_no_headers = serve_hang_connect


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, engine, ssl_context, quiet):
        self.engine = engine
        self.ssl_context = ssl_context
        self.quiet = quiet
        self.abrupt = {}  # id(socket) -> rst, for connections to end without a clean close
        self.abrupt_lock = threading.Lock()
        super().__init__(addr, Handler)

    def mark_abrupt(self, sock, rst):
        with self.abrupt_lock:
            self.abrupt[id(sock)] = rst

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        # The TLS handshake runs here, in the connection's thread, not in accept().
        try:
            request.settimeout(10)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (OSError, ssl.SSLError, ValueError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with self.abrupt_lock:
                abrupt = self.abrupt.pop(id(tls), None) is not None
            if not abrupt:
                try:  # a clean end: send close_notify without waiting for the peer's
                    tls.setblocking(False)
                    tls.unwrap()
                except (OSError, ssl.SSLError, ValueError):
                    pass
            try:
                tls.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        with self.abrupt_lock:
            rst = self.abrupt.pop(id(request), False)
        if rst:  # SO_LINGER 0 is set: close() alone sends the reset (no FIN first)
            request.close()
        else:
            super().shutdown_request(request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, ClientGone)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description="fake_llm_engine: a TEST SERVER imitating an "
                                 "OpenAI-compatible chat-completions engine (not a model).")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--script", help="a JSON array of steps, queued at start")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--require-key", help="answer 401 unless Authorization: Bearer KEY")
    ap.add_argument("--lifetime", type=float, default=0,
                    help="exit after this many seconds (0: serve until SIGTERM/SIGINT)")
    ap.add_argument("--quiet", action="store_true", help="no access log on stderr")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    engine = Engine(args.model, args.log, args.require_key)
    if args.script:
        try:
            with open(args.script, encoding="utf-8") as f:
                steps = json.load(f)
            if not isinstance(steps, list):
                raise StepError("the script file must hold a JSON array of steps")
            engine.append_steps(steps)
        except (OSError, ValueError, StepError) as e:
            sys.stderr.write("fake_llm_engine: bad --script %s: %s\n" % (args.script, e))
            return 2

    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)

    server = Server((args.host, args.port), engine, ctx, args.quiet)
    port = server.server_address[1]
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)  # only a flag: the main loop below polls it

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    sys.stderr.write("fake_llm_engine: TEST SERVER (scripted fake of an OpenAI-compatible "
                     "chat-completions engine, not a language model) on %s://%s:%d, model %r, "
                     "%d step(s) queued\n" % ("https" if ctx else "http", args.host, port,
                                              args.model, engine.stats()["queued"]))
    sys.stderr.flush()
    print("listening %d" % port, flush=True)
    deadline = time.monotonic() + args.lifetime if args.lifetime > 0 else None
    while not stop and (deadline is None or time.monotonic() < deadline):
        time.sleep(0.05)
    engine.stopping.set()
    server.shutdown()
    server.server_close()
    sys.stderr.write("fake_llm_engine: TEST SERVER stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
