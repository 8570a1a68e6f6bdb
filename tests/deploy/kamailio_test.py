#!/usr/bin/env python3
"""The Kamailio examples of docs/telephony.md, run as written (deploy/kamailio/), on loopback:

  docs       every block of docs/telephony.md headed `# deploy/kamailio/FILE` is FILE (or, marked
             "(excerpt)", a contiguous part of it): what the guide shows is what runs here
  inbound    inbound.cfg with dispatcher.list naming two `zhixian serve` nodes (configured by
             the guide's block: sip.allow_from = Kamailio): SIPp (the carrier) calls 12345 at
             Kamailio; each call goes to the least-loaded node (ACK and BYE follow the recorded
             route): with both idle always the same one (the dispatcher's order); while a call
             is held on it, the next two go to the other (round-robin would alternate); a call
             cancelled while it rings no longer counts (the next goes to the first again); with
             that node killed, the following call still reaches the other (failure_route after
             2 s of silence) and a later one goes there straight (the dead node is out of
             rotation)
  probing    the same inbound.cfg pinging every second (-A PING_INTERVAL=1) and a stand-in node
             that answers OPTIONS 503 (as zhixian does while draining): calls go to the live
             node, also while it holds a call and the stand-in has none; once the stand-in
             answers 200 it is back in rotation and, the least loaded, gets the next call
             (which it refuses with 503, so the live node answers it)
  outbound   outbound.cfg; a node configured with the guide's [trunk] block as written
             (username = "", register = false) asks for two notice calls (POST /api/v1/calls):
             Kamailio lets them out (the node is in address.list), sends them to the gateways of
             set 2 in turn, where SIPp UASes act as the carrier: the first gateway answers 503
             (its own failure: Kamailio tries the next), the second 486 busy (the callee's
             answer: it reaches zhixian unchanged, outcome busy, and is not retried); a stranger's
             INVITE gets 403; `zhixian doctor` finds the trunk answering OPTIONS; a third call,
             answered, has zhixian's ACK and BYE follow Kamailio's Record-Route

Usage: kamailio_test.py ZHIXIAN_BINARY SOURCE_DIR. Exit 77 (skip) without kamailio or sipp.
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
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from kamailio import DEPLOY, KAMAILIO, Kamailio, free_port, sip_status  # noqa: E402
from zhixian_node import Api, Node  # noqa: E402

SIPP = shutil.which("sipp")
PCAPS = "/usr/share/sip-tester"
SIP_TESTS = os.path.join(HERE, "..", "sip")


def doc_blocks(text):
    """(language, text) of each fenced block of Markdown text."""
    return [(m.group(1), m.group(2)) for m in
            re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)]


def section(path, heading):
    text = open(path, encoding="utf-8").read()
    start = text.index(heading)
    end = text.find("\n### ", start + len(heading))
    return text[start:end if end > 0 else len(text)]


def test_docs(source):
    guide = os.path.join(source, "docs", "telephony.md")
    shown = set()
    for _, block in doc_blocks(open(guide, encoding="utf-8").read()):
        m = re.match(r"# deploy/kamailio/(\S+)( \(excerpt[^)]*\))?\n", block)
        if not m:
            continue
        body = block[m.end():]
        with open(os.path.join(DEPLOY, m.group(1)), encoding="utf-8") as f:
            whole = f.read()
        if m.group(2):
            assert body in whole, "docs/telephony.md's excerpt of %s differs from the file" \
                % m.group(1)
        else:
            assert body == whole, "docs/telephony.md shows %s otherwise than the file" \
                % m.group(1)
        shown.add(m.group(1))
    needed = {"inbound.cfg", "dispatcher.list", "outbound.cfg", "gateways.list", "address.list"}
    assert needed <= shown, "not shown in docs/telephony.md: %s" % sorted(needed - shown)


class Sipp:
    """A SIPp UAS on `port` in the background, for `calls` calls."""

    def __init__(self, scenario, workdir, port, calls=1, timeout=40):
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [SIPP, "-sf", scenario, "-i", "127.0.0.1", "-p", str(port), "-m", str(calls),
             "-nostdin", "-timeout", "%ds" % timeout, "-timeout_error", "-trace_err",
             "-error_file", os.path.join(workdir, "uas-%d.err" % port)],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace")
        deadline = time.time() + 10
        while time.time() < deadline:  # bound once SIPp holds the port
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
            finally:
                s.close()
            time.sleep(0.05)
        raise AssertionError("SIPp did not bind port %d" % port)

    def finish(self):
        try:
            out, _ = self.proc.communicate(timeout=self.timeout + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            raise AssertionError("SIPp did not finish:\n" + out[-2000:])
        assert self.proc.returncode == 0, "SIPp failed (%d):\n%s" % (self.proc.returncode,
                                                                     out[-2500:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def hold_scenario(workdir, hold_ms):
    """uac_via_proxy.xml with the call held `hold_ms` before the BYE (instead of 1.5 s)."""
    with open(os.path.join(HERE, "uac_via_proxy.xml"), encoding="iso-8859-1") as f:
        text = f.read()
    assert '<pause milliseconds="1500"/>' in text
    text = text.replace('<pause milliseconds="1500"/>', '<pause milliseconds="%d"/>' % hold_ms)
    path = os.path.join(workdir, "uac_hold_%d.xml" % hold_ms)
    with open(path, "w", encoding="iso-8859-1") as f:
        f.write(text)
    return path


def uac_command(workdir, proxy_port, number="12345", timeout=30, scenario=None):
    """SIPp calling `number` once at the proxy (uac_via_proxy.xml or `scenario`)."""
    pcap = os.path.join(workdir, "pcap")
    if not os.path.exists(pcap):
        os.symlink(PCAPS, pcap)
    local_port = free_port()
    return [SIPP, "127.0.0.1:%d" % proxy_port,
            "-sf", scenario or os.path.join(HERE, "uac_via_proxy.xml"),
            "-i", "127.0.0.1", "-p", str(local_port), "-mi", "127.0.0.1",
            "-mp", str(free_port() & ~1), "-m", "1", "-s", number, "-nostdin",
            "-timeout", "%ds" % (timeout - 5), "-timeout_error", "-recv_timeout", "15000",
            "-trace_err", "-error_file", os.path.join(workdir, "uac-%d.err" % local_port)]


def call_through(workdir, proxy_port, number="12345", timeout=30, scenario=None):
    """SIPp calls `number` at the proxy (uac_via_proxy.xml or `scenario`); returns (exit code,
    output)."""
    p = subprocess.run(uac_command(workdir, proxy_port, number, timeout, scenario), cwd=workdir,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def started_on(nodes, marks, timeout=10):
    """Index of the one node on which an inbound call started since its mark."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        hits = [i for i, n in enumerate(nodes) if n.proc.poll() is None and
                re.search(r"call\.started call=\d+ direction=inbound", n.text(marks[i]))]
        if hits:
            assert len(hits) == 1, "a call started on several nodes: %s" % hits
            return hits[0]
        time.sleep(0.05)
    raise AssertionError("no node started a call; logs:\n" +
                         "\n----\n".join(n.text(m)[-1500:] for n, m in zip(nodes, marks)))


def answered_by(nodes, marks, timeout=10):
    """Index of the one node that started an inbound call since its mark (and ended it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        hits = [i for i, n in enumerate(nodes) if n.proc.poll() is None and
                re.search(r"call\.ended call=\d+", n.text(marks[i]))]
        if hits:
            for i, n in enumerate(nodes):
                if n.proc.poll() is None:
                    started = re.findall(r"call\.started call=\d+ direction=inbound",
                                         n.text(marks[i]))
                    assert len(started) == (1 if i == hits[0] else 0), (i, started)
            return hits[0]
        time.sleep(0.1)
    raise AssertionError("no node ended a call; logs:\n" +
                         "\n----\n".join(n.text(m)[-1500:] for n, m in zip(nodes, marks)))


def one_call(nodes, workdir, port, kam, what):
    """A call through Kamailio that must succeed: the index of the node that answered it."""
    marks = [n.mark() for n in nodes]
    rc, out = call_through(workdir, port)
    assert rc == 0, "%s: call through Kamailio failed (%d):\n%s\n%s" % (
        what, rc, out[-2000:], kam.text()[-2000:])
    return answered_by(nodes, marks)


def node_config(source):
    """Each node as the guide configures it (only Kamailio may call; the listen address is given
    on the command line, a free loopback port). SIPp sends no RTP: calls held a while are not
    ended for want of media."""
    config = toml_block(source, "### Kamailio: inbound").replace("10.0.0.30", "127.0.0.1")
    assert config.rstrip().splitlines()[-2] == "[sip]", config
    return config.rstrip() + "\nno_media_timeout_s = 60\n"


def hold_call(workdir, port, hold_ms):
    """A call held `hold_ms` (SIPp in the background)."""
    return subprocess.Popen(uac_command(workdir, port, scenario=hold_scenario(workdir, hold_ms)),
                            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")


def end_held(held):
    out, _ = held.communicate(timeout=40)
    assert held.returncode == 0, "the held call failed (%d):\n%s" % (held.returncode,
                                                                     out[-2000:])


def test_inbound(binary, source, workdir):
    config = node_config(source)
    nodes = [Node(binary, source, os.path.join(workdir, "node%d" % i), config=config)
             for i in (1, 2)]
    kam = None
    held = None
    try:
        port = free_port()
        kam = Kamailio(workdir, "inbound.cfg", port, lists={"dispatcher.list": {
            "10.0.0.11:5060": "127.0.0.1:%d" % nodes[0].sip_port,
            "10.0.0.12:5060": "127.0.0.1:%d" % nodes[1].sip_port}})
        # Both idle: equal load; the dispatcher takes the first of its order.
        first = one_call(nodes, workdir, port, kam, "idle nodes")
        print("PASS inbound: both nodes idle, call answered by node %d" % (first + 1))
        # A call held on that node (idle again, the same choice): the next two calls go to the
        # other one, which has fewer.
        marks = [n.mark() for n in nodes]
        held = hold_call(workdir, port, 10000)
        busy = started_on(nodes, marks)
        assert busy == first, "both idle, the call should go to node %d again, got %d" % (
            first + 1, busy + 1)
        other = 1 - busy
        for i in range(2):
            got = one_call(nodes, workdir, port, kam, "call %d beside a held call" % (i + 1))
            assert got == other, "node %d holds a call: call %d should go to node %d, got %d" % (
                busy + 1, i + 1, other + 1, got + 1)
        assert held.poll() is None, "the held call ended too soon"
        end_held(held)
        held = None
        print("PASS inbound: call held on node %d, the next two answered by node %d "
              "(least-loaded)" % (busy + 1, other + 1))
        # A call cancelled while it rings (the guide's nodes answer after 300 ms) is taken off
        # its node's count: the next call goes to node `first` again.
        rc, out = call_through(workdir, port, scenario=os.path.join(SIP_TESTS, "cancel.xml"))
        assert rc == 0, "cancelled call (%d):\n%s\n%s" % (rc, out[-2000:], kam.text()[-2000:])
        got = one_call(nodes, workdir, port, kam, "after a cancelled call")
        assert got == first, "a cancelled call still counts on node %d: the next went to %d" % (
            first + 1, got + 1)
        print("PASS inbound: a call cancelled while ringing (487) no longer counts: the next "
              "went to node %d again" % (first + 1))
        # Both idle again (the held call's BYE took it off its node's count): node `first`
        # would be next. Kill it.
        dead, alive = first, 1 - first
        nodes[dead].kill()
        for attempt in range(2):
            t0 = time.time()
            got = one_call(nodes, workdir, port, kam, "node %d down" % (dead + 1))
            assert got == alive, got
            print("PASS inbound: node %d down, call %d answered by node %d in %.1f s"
                  % (dead + 1, attempt + 1, alive + 1, time.time() - t0))
        # The first of these calls timed out on the dead node and was sent on; the second went
        # to the live node straight, the dead one being out of rotation.
        failed = kam.text().count("inbound: node failed")
        assert failed == 1, "the dead node should be tried once, Kamailio tried %d times:\n%s" \
            % (failed, kam.text()[-2000:])
        print("PASS inbound: the dead node was tried once (2 s), then left out of rotation")
    finally:
        if held and held.poll() is None:
            held.kill()
            held.communicate()
        if kam:
            kam.stop()
        for n in nodes:
            n.stop()


class StandIn:
    """A node that is not zhixian, on a loopback UDP port: answers OPTIONS with `options_code`
    (changeable), and INVITEs with 503 (after 100 Trying), counting both."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.options_code = 503
        self.options = {200: 0, 503: 0}
        self.invites = 0
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def counts(self):
        with self.lock:
            return dict(self.options), self.invites

    def set_options_code(self, code):
        with self.lock:
            self.options_code = code

    def _reply(self, request, code, reason, addr):
        head, _, _ = request.partition("\r\n\r\n")
        lines = head.split("\r\n")
        keep = [l for l in lines[1:] if re.match(r"(?i)(via|from|to|call-id|cseq)\s*:", l)]
        keep = [l + ";tag=standin" if re.match(r"(?i)to\s*:", l) and ";tag=" not in l else l
                for l in keep]
        msg = "SIP/2.0 %d %s\r\n%s\r\nContent-Length: 0\r\n\r\n" % (code, reason,
                                                                   "\r\n".join(keep))
        self.sock.sendto(msg.encode(), addr)

    def _serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode("utf-8", "replace")
            if text.startswith("OPTIONS "):
                with self.lock:
                    code = self.options_code
                    self.options[code] += 1
                self._reply(text, code, "OK" if code == 200 else "Service Unavailable", addr)
            elif text.startswith("INVITE "):
                with self.lock:
                    self.invites += 1
                self._reply(text, 100, "Trying", addr)
                self._reply(text, 503, "Service Unavailable", addr)

    def wait_options(self, code, count, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.counts()[0][code] >= count:
                return
            time.sleep(0.05)
        raise AssertionError("the stand-in did not answer %d OPTIONS with %d within %d s: "
                             "%s" % (count, code, timeout, self.counts()))

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def test_probing(binary, source, workdir):
    node = Node(binary, source, os.path.join(workdir, "node"), config=node_config(source))
    stand_in = StandIn()
    kam = None
    held = None
    try:
        port = free_port()
        kam = Kamailio(workdir, "inbound.cfg", port, defines={"PING_INTERVAL": 1}, lists={
            "dispatcher.list": {"10.0.0.11:5060": "127.0.0.1:%d" % stand_in.port,
                                "10.0.0.12:5060": "127.0.0.1:%d" % node.sip_port}})
        # Pinged every second: two pings answered 503 and the stand-in is out of rotation.
        stand_in.wait_options(503, 2, 10)
        mark = node.mark()
        held = hold_call(workdir, port, 15000)
        node.wait_for(r"call\.started call=\d+ direction=inbound", 10, since=mark)
        # The live node holds a call, the stand-in none; still the live node gets the next.
        assert one_call([node], workdir, port, kam, "stand-in answering 503") == 0
        options, invites = stand_in.counts()
        assert invites == 0, "a node answering OPTIONS 503 got %d INVITEs" % invites
        print("PASS probing: a node answering OPTIONS 503 (%d pings) got no call, although "
              "the other held one" % options[503])
        stand_in.set_options_code(200)
        stand_in.wait_options(200, 2, 10)
        assert one_call([node], workdir, port, kam, "stand-in back") == 0
        assert held.poll() is None, "the held call ended too soon"
        options, invites = stand_in.counts()
        assert invites == 1, "back in rotation with no call, the stand-in should get the call: " \
            "%d INVITEs" % invites
        assert "inbound: node failed (503)" in kam.text(), kam.text()[-2000:]
        print("PASS probing: answering 200 again (%d pings) it is back in rotation and got the "
              "next call; its 503 sent the call on to the other node" % options[200])
        end_held(held)
        held = None
    finally:
        if held and held.poll() is None:
            held.kill()
            held.communicate()
        if kam:
            kam.stop()
        stand_in.stop()
        node.stop()


def reject_scenario(workdir, code, reason):
    """tests/sip/uas_reject.xml answering CODE (checks X-Campaign-Attempt on the INVITE)."""
    with open(os.path.join(SIP_TESTS, "uas_reject.xml"), encoding="iso-8859-1") as f:
        text = f.read().replace("@CODE@", str(code)).replace("@REASON@", reason)
    path = os.path.join(workdir, "uas_reject_%d.xml" % code)
    with open(path, "w", encoding="iso-8859-1") as f:
        f.write(text)
    return path


def answer_scenario(workdir, proxy):
    """uas_answer_via_proxy.xml expecting the ACK and BYE through `proxy` (HOST:PORT)."""
    with open(os.path.join(HERE, "uas_answer_via_proxy.xml"), encoding="iso-8859-1") as f:
        text = f.read().replace("@PROXY@", proxy.replace(".", "[.]"))
    path = os.path.join(workdir, "uas_answer_via_proxy.xml")
    with open(path, "w", encoding="iso-8859-1") as f:
        f.write(text)
    return path


def toml_block(source, heading):
    """The one ```toml block of a section of docs/telephony.md."""
    text = section(os.path.join(source, "docs", "telephony.md"), heading)
    blocks = [b for lang, b in doc_blocks(text) if lang == "toml"]
    assert len(blocks) == 1, (heading, blocks)
    return blocks[0]


def trunk_config(source, kamailio_port):
    """The [trunk] block of the guide's outbound section, as written, with Kamailio's port."""
    block = toml_block(source, "### Kamailio: outbound")
    assert "register = false" in block and 'username = ""' in block, block
    assert "10.0.0.30:5060" in block, block
    return block.replace("10.0.0.30:5060", "127.0.0.1:%d" % kamailio_port)


def stranger_invite(port):
    """An INVITE from an address not in address.list (another source port): the status."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lp = s.getsockname()[1]
    msg = ("INVITE sip:13900003333@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-stranger;rport\r\n"
           "From: <sip:x@127.0.0.1:%d>;tag=s1\r\nTo: <sip:13900003333@127.0.0.1:%d>\r\n"
           "Call-ID: stranger@py\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.1:%d>\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (port, lp, lp, port, lp))
    try:
        s.sendto(msg.encode(), ("127.0.0.1", port))
        while True:
            code = sip_status(s.recv(4096))
            if code and code >= 200:
                return code
    finally:
        s.close()


def test_outbound(binary, source, workdir):
    port, gw1, gw2 = free_port(), free_port(), free_port()
    node = Node(binary, source, os.path.join(workdir, "out"), config=trunk_config(source, port))
    kam = None
    gateways = []
    try:
        kam = Kamailio(workdir, "outbound.cfg", port, lists={
            "gateways.list": {"10.0.0.41:5060": "127.0.0.1:%d" % gw1,
                              "10.0.0.42:5060": "127.0.0.1:%d" % gw2},
            "address.list": {"10.0.0.11 32 5060": "127.0.0.1 32 %d" % node.sip_port}})
        # The first gateway fails by itself once; the second says busy to both calls.
        gateways = [Sipp(reject_scenario(workdir, 503, "Service Unavailable"), workdir, gw1, 1),
                    Sipp(reject_scenario(workdir, 486, "Busy Here"), workdir, gw2, 2)]
        node.add_user("lead", "supervisor")
        api = Api(node.base)
        token = api.login("lead")
        for i, number in enumerate(("13900001111", "13900002222")):
            status, call = api.request("POST", "/api/v1/calls", {
                "number": number, "text": "您好，这是一条测试通知。",
                "attempt_id": "kamailio-out-%d" % i}, token)
            assert status == 202, (status, call)
            call = api.wait_call(token, call["id"], lambda c: c["state"] == "ended", 20)
            assert call["outcome"] == "busy" and call["sip_code"] == 486, (call, kam.text())
            print("PASS outbound: call %d through Kamailio ended busy (486)" % (i + 1))
        for g in gateways:
            g.finish()  # gateway 1 saw one INVITE, gateway 2 two, each with X-Campaign-Attempt
        print("PASS outbound: 503 failed over to the next gateway, 486 not retried")
        assert "outbound: gateway failed (503)" in kam.text(), kam.text()[-2000:]
        assert stranger_invite(port) == 403
        print("PASS outbound: a stranger's INVITE gets 403")
        code, out, err = node.cli("doctor")
        trunk = [line for line in (out + err).splitlines() if "trunk" in line.lower()]
        assert trunk and not any("FAIL" in line for line in trunk), out + err
        print("PASS outbound: zhixian doctor: %s" % trunk[0].strip())

        # An answered call: zhixian's ACK and BYE follow Kamailio's Record-Route. Both gateway
        # entries name one SIPp UAS, so that whichever is chosen answers.
        kam.stop()
        gw3 = free_port()
        kam = Kamailio(workdir, "outbound.cfg", port, lists={
            "gateways.list": {"10.0.0.41:5060": "127.0.0.1:%d" % gw3,
                              "10.0.0.42:5060": "127.0.0.1:%d" % gw3},
            "address.list": {"10.0.0.11 32 5060": "127.0.0.1 32 %d" % node.sip_port}})
        gateways.append(Sipp(answer_scenario(workdir, "127.0.0.1:%d" % port), workdir, gw3, 1))
        status, call = api.request("POST", "/api/v1/calls", {
            "number": "13900004444", "text": "您好，这是一条测试通知。", "max_plays": 1,
            "key_timeout_s": 1, "attempt_id": "kamailio-out-answered"}, token)
        assert status == 202, (status, call)
        call = api.wait_call(token, call["id"], lambda c: c["state"] == "ended", 30)
        events = [e["event"] for e in call["events"]]
        assert call["sip_code"] == 200 and "answered" in events and "hangup" in events, call
        gateways[-1].finish()  # ACK and BYE came through Kamailio
        print("PASS outbound: answered call, ACK and BYE along the recorded route (%s)"
              % call["outcome"])
    finally:
        for g in gateways:
            g.stop()
        if kam:
            kam.stop()
        node.stop()


def main():
    if not KAMAILIO:
        print("SKIP: kamailio is not installed (scripts/install-deps.sh --test)")
        return 77
    if not SIPP:
        print("SKIP: sipp (package sip-tester) is not installed")
        return 77
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    test_docs(source)
    print("PASS docs: the guide's Kamailio blocks are the files of deploy/kamailio/")
    failed = 0
    for name, test in (("inbound", test_inbound), ("probing", test_probing),
                       ("outbound", test_outbound)):
        with tempfile.TemporaryDirectory(prefix="zx-kam-%s-" % name) as workdir:
            try:
                test(binary, source, workdir)
            except Exception as e:  # noqa: BLE001 (report and go on with the next test)
                failed += 1
                print("FAIL %s: %s" % (name, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
