#!/usr/bin/env python3
"""The Kamailio examples of docs/telephony.md, run as written (deploy/kamailio/), on loopback:

  docs       every block of docs/telephony.md headed `# deploy/kamailio/FILE` is FILE (or, marked
             "(excerpt)", a contiguous part of it): what the guide shows is what runs here
  inbound    inbound.cfg with dispatcher.list naming two `zhixian serve` nodes (configured by
             the guide's block: sip.allow_from = Kamailio): SIPp (the carrier) calls 12345 at
             Kamailio; calls are answered by the nodes in turn (ACK and BYE follow the recorded
             route); with the next node killed, the following call still reaches the other
             (failure_route after 2 s of silence), and so do later ones
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


def call_through(workdir, proxy_port, number="12345", timeout=30):
    """SIPp calls `number` at the proxy (uac_via_proxy.xml); returns (exit code, output)."""
    pcap = os.path.join(workdir, "pcap")
    if not os.path.exists(pcap):
        os.symlink(PCAPS, pcap)
    cmd = [SIPP, "127.0.0.1:%d" % proxy_port, "-sf", os.path.join(HERE, "uac_via_proxy.xml"),
           "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1",
           "-mp", str(free_port() & ~1), "-m", "1", "-s", number, "-nostdin",
           "-timeout", "%ds" % (timeout - 5), "-timeout_error", "-recv_timeout", "15000",
           "-trace_err", "-error_file", os.path.join(workdir, "uac.err")]
    p = subprocess.run(cmd, cwd=workdir, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout + p.stderr


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


def test_inbound(binary, source, workdir):
    # Each node as the guide configures it (only Kamailio may call; the listen address is given
    # on the command line, a free loopback port).
    config = toml_block(source, "### Kamailio: inbound").replace("10.0.0.30", "127.0.0.1")
    nodes = [Node(binary, source, os.path.join(workdir, "node%d" % i), config=config)
             for i in (1, 2)]
    kam = None
    try:
        port = free_port()
        kam = Kamailio(workdir, "inbound.cfg", port, lists={"dispatcher.list": {
            "10.0.0.11:5060": "127.0.0.1:%d" % nodes[0].sip_port,
            "10.0.0.12:5060": "127.0.0.1:%d" % nodes[1].sip_port}})
        order = []
        for _ in range(2):
            marks = [n.mark() for n in nodes]
            rc, out = call_through(workdir, port)
            assert rc == 0, "call through Kamailio failed (%d):\n%s\n%s" % (rc, out[-2000:],
                                                                          kam.text()[-2000:])
            order.append(answered_by(nodes, marks))
        assert sorted(order) == [0, 1], "round-robin over both nodes, got %s" % order
        print("PASS inbound: calls answered by node %d then node %d" % (order[0] + 1,
                                                                        order[1] + 1))
        # Round-robin: the next call goes to the node of the first call. Kill it.
        dead, alive = order[0], order[1]
        nodes[dead].kill()
        for attempt in range(2):
            marks = [n.mark() for n in nodes]
            t0 = time.time()
            rc, out = call_through(workdir, port)
            assert rc == 0, "call with node %d down failed (%d):\n%s\n%s" % (
                dead + 1, rc, out[-2000:], kam.text()[-2000:])
            assert answered_by(nodes, marks) == alive
            print("PASS inbound: node %d down, call %d answered by node %d in %.1f s"
                  % (dead + 1, attempt + 1, alive + 1, time.time() - t0))
        assert "inbound: node failed" in kam.text(), kam.text()[-2000:]
    finally:
        if kam:
            kam.stop()
        for n in nodes:
            n.stop()


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
    for name, test in (("inbound", test_inbound), ("outbound", test_outbound)):
        with tempfile.TemporaryDirectory(prefix="zx-kam-%s-" % name) as workdir:
            try:
                test(binary, source, workdir)
            except Exception as e:  # noqa: BLE001 (report and go on with the next test)
                failed += 1
                print("FAIL %s: %s" % (name, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
