#!/usr/bin/env python3
"""SIP call set-ups per second into one `zhixian serve` node, directly and through Kamailio
(issue 15): what the dispatcher in front costs, measured in the same run on loopback.

  bench/telephony/bench_kamailio.py [--rates 50,100,200] [--calls 1000] \\
      [--binary build/zhixian] [--source .]

One node (tests/deploy/zhixian_node.py: its own data directory and key file, configured as
docs/telephony.md's "Kamailio: inbound" block: sip.allow_from = Kamailio's address, here
127.0.0.1, which also exempts the callers from sip.max_calls_per_source; call.max_calls raised
above the calls in progress at the highest rate; call.answer_delay_ms 0 unless
--answer-delay-ms) and one Kamailio running deploy/kamailio/inbound.cfg unchanged
(tests/deploy/kamailio.py: -A LISTEN=..., DISPATCHER_LIST naming only this node, the file's
PING_INTERVAL), least-loaded dispatcher in front of the node. Kamailio runs as deployed, not as
the test runner starts it: the file's 4 SIP receiver processes and Debian's kamailio.service
memory, -m 64 -M 8 (the runner's -n 1 -m 32 -M 4: --kamailio-children 0 --kamailio-shm-mb 0
--kamailio-pkg-mb 0). With -m 32, 1 s calls at 400/s exhaust Kamailio's shared memory (tm
keeps each finished transaction a few seconds).

At each offered rate, first straight at the node, then at Kamailio, SIPp (the carrier) places
--calls short calls to 12345 at that fixed rate: INVITE -> 200 -> ACK -> --hold-ms (1 s) ->
BYE -> 200 (tests/deploy/uac_via_proxy.xml: the 200's Record-Route is kept, so the ACK and
BYE follow Kamailio's route; with no proxy the route set is empty). No RTP is sent by SIPp; the
node plays its greeting to SIPp's media port as it would to a caller. Per run:

  offered     calls SIPp was told to place; ok / failed as SIPp counts them (a failed call is
              any that did not run the scenario to its end: refused, timed out, unexpected)
  achieved    answered set-ups per second: the 200s received over the time from the first
              to the last
  set-up      first INVITE sent -> 200 to it, per call (retransmissions included), p50 / p99
              / max over the answered calls, ms. Times are the kernel's, of the packets on the
              loopback interface to and from SIPp's SIP port (AF_PACKET capture with a BPF
              filter, in this script; needs root or CAP_NET_RAW). Without that, or with
              --sipp-times, SIPp's message log (-trace_shortmsg), whose times are taken by
              SIPp after its send and when it reads: on a loaded box they are skewed by SIPp's
              scheduling (calls then show set-up times of 0.05 ms). SIPp's own response-time
              timers count whole ms, too coarse here.
  CPU         user + system CPU seconds during the run of zhixian (all its threads), of
              Kamailio (its main process and every child, /proc/PID/stat) and of SIPp itself
              (wait4), and ms of CPU per answered call

then the Kamailio figures as ratios to the direct ones at the same rate (achieved rate, p50 and
p99 set-up time, and zhixian's CPU per call: beware, that one also moves with the node's age,
e.g. 2.7 -> 4.0 ms over three direct/Kamailio pairs at the same rate). Notes follow: SIPp's
failures and retransmissions, datagrams dropped on zhixian's or Kamailio's full SIP receive
buffer (/proc/net/udp), calls zhixian refused or did not log as started (call.started comes at
the ACK), Kamailio's errors and calls it sent on from a failed node. A warm-up of a few calls each way comes first (not counted). Loopback only;
SIPp, zhixian and Kamailio share the machine's cores, so the figures are those of one box, and
at high rates SIPp's own CPU may be the limit (its column says so). Not a test: no bars, exit
0 when every run completed (failed calls are reported, not fatal), 1 when a run could not be
made, 2 when kamailio or sipp is missing.
"""
import argparse
import ctypes
import glob
import math
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY_TESTS = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "deploy"))
sys.dont_write_bytecode = True
sys.path.insert(0, DEPLOY_TESTS)
import kamailio  # noqa: E402
from kamailio import KAMAILIO, Kamailio, free_port, list_copy  # noqa: E402
from kamailio_test import SIPP, node_config  # noqa: E402
from zhixian_node import Node  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- CPU of a process tree ----------------------------------------------------------------

def _stat(pid):
    """(ppid, pgid, utime+stime+cutime+cstime in ticks) of a process, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is the state (field 3 of proc(5)): ppid 4, pgrp 5, utime 14 .. cstime 17.
    return int(fields[1]), int(fields[2]), sum(int(x) for x in fields[11:15])


def tree_cpu(root):
    """CPU seconds of `root` and all its descendants (live ones; reaped ones are in their
    parent's cutime/cstime), and how many processes that is."""
    parent, ticks = {}, {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                parent[int(name)], ticks[int(name)] = st[0], st[2]
    members = {root} if root in ticks else set()
    grew = True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    return sum(ticks[p] for p in members) / CLK_TCK, len(members)


def udp_drops(ports):
    """{port: datagrams dropped so far by the UDP sockets bound to that local port}
    (/proc/net/udp's drops column: full receive buffers)."""
    out = dict.fromkeys(ports, 0)
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                fields = line.split()
                port = int(fields[1].rsplit(":", 1)[1], 16)
                if port in out:
                    out[port] += int(fields[-1])
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return out


def group_members(pgid):
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st and st[1] == pgid:
                out.append(int(name))
    return out


# ---- starting and stopping what we run ------------------------------------------------------

def construct(cls, *args, **kwargs):
    """cls(*args) whose process is stopped if the constructor fails after starting it (Node and
    Kamailio raise while waiting for readiness, with the process running)."""
    obj = cls.__new__(cls)
    try:
        obj.__init__(*args, **kwargs)
    except BaseException:
        if getattr(obj, "proc", None) is not None:
            stop_quietly(obj)
        raise
    return obj


def stop_quietly(obj):
    try:
        obj.stop()
    except Exception as e:  # noqa: BLE001 (go on stopping the others)
        print("warning: stopping %s: %s" % (type(obj).__name__, e), file=sys.stderr)
        try:
            obj.proc.kill()
        except OSError:
            pass
    if isinstance(obj, Kamailio):
        # Its own session (start_new_session): children left in its process group are ours.
        for pid in group_members(obj.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def start_kamailio(workdir, port, dlist, overrides):
    """inbound.cfg through tests/deploy/kamailio.py, with some of its command-line values
    replaced: `overrides` maps a flag the runner passes (-n, -m, -M) to the value to give it
    instead (None: the runner's). The runner starts Kamailio as the tests need it: -n 1 (which
    overrides the file's children=4), -m 32 and -M 4 MB, where Debian's kamailio.service gives
    -m 64 -M 8; the Popen of that one start is wrapped to change them."""
    real = kamailio.subprocess.Popen

    def popen(cmd, *a, **kw):
        if cmd and cmd[0] == KAMAILIO:
            cmd = list(cmd)
            for flag, value in overrides.items():
                if value and flag in cmd:
                    cmd[cmd.index(flag) + 1] = str(value)
        return real(cmd, *a, **kw)

    kamailio.subprocess.Popen = popen
    try:
        return construct(Kamailio, workdir, "inbound.cfg", port,
                         defines={"DISPATCHER_LIST": '"%s"' % dlist})
    finally:
        kamailio.subprocess.Popen = real


# ---- set-up times on the wire ----------------------------------------------------------------

class WireCapture:
    """SIP packets to and from one UDP port on the loopback interface, with the kernel's time
    stamps (AF_PACKET, a BPF filter on the port; needs CAP_NET_RAW). Times taken by SIPp itself
    are not used for set-up times: on a busy machine SIPp is often descheduled between sending
    the INVITE and logging it (the answer is then already waiting), or between the 200's
    arrival and its reading, which shows as set-up times of 0.05 ms or as SIPp's delays."""

    ETH_P_IP = 0x0800
    PACKET_OUTGOING = 4       # lo may show a packet leaving and arriving: the arrival is kept
    SO_ATTACH_FILTER, SO_TIMESTAMPNS, SO_RCVBUFFORCE = 26, 35, 33
    SOL_PACKET, PACKET_STATISTICS = 263, 6

    @staticmethod
    def available():
        try:
            socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0).close()
            return True
        except (OSError, AttributeError):
            return False

    def __init__(self, port):
        self.packets, self.running = [], True
        # Protocol 0: nothing arrives until bind(), after the filter is attached.
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
        self._attach_filter(port)
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_TIMESTAMPNS, 1)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, self.SO_RCVBUFFORCE, 16 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self.sock.bind(("lo", self.ETH_P_IP))
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _attach_filter(self, port):
        # Classic BPF on the IPv4 header (SOCK_DGRAM: no link header): UDP, not a fragment,
        # source or destination port `port`.
        ld_h, ld_b = 0x28, 0x30
        ldx_msh, ld_h_ind, jeq, jset, ret = 0xb1, 0x48, 0x15, 0x45, 0x06
        prog = [(ld_b, "", "", 9), (jeq, "", "drop", 17),
                (ld_h, "", "", 6), (jset, "drop", "", 0x1fff),
                (ldx_msh, "", "", 0), (ld_h_ind, "", "", 0), (jeq, "accept", "", port),
                (ld_h_ind, "", "", 2), (jeq, "accept", "drop", port),
                "accept", (ret, "", "", 0x40000), "drop", (ret, "", "", 0)]
        labels, code = {}, []
        for item in prog:
            if isinstance(item, str):
                labels[item] = len(code)
            else:
                code.append(item)

        def off(label, pc):
            return labels[label] - pc - 1 if label else 0
        raw = b"".join(struct.pack("HBBI", c, off(jt, pc), off(jf, pc), k)
                       for pc, (c, jt, jf, k) in enumerate(code))
        self._filter = ctypes.create_string_buffer(raw)   # kept alive with the socket
        fprog = struct.pack("HL", len(code), ctypes.addressof(self._filter))
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_ATTACH_FILTER, fprog)

    def _run(self):
        size = socket.CMSG_SPACE(16)
        while self.running:
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, size)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == self.PACKET_OUTGOING:
                continue
            stamp = None
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == self.SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("ll", value[:16])
                    stamp = sec + nsec / 1e9
            self.packets.append((stamp if stamp is not None else time.time(), data))

    def stop(self):
        """Ends the capture: (packets, packets the kernel dropped)."""
        time.sleep(0.2)   # the last answers
        self.running = False
        self.thread.join(2)
        try:
            _, drops = struct.unpack("II", self.sock.getsockopt(
                self.SOL_PACKET, self.PACKET_STATISTICS, 8))
        except OSError:
            drops = None
        self.sock.close()
        return self.packets, drops


CALL_ID = re.compile(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)")
CSEQ = re.compile(rb"(?im)^cseq[ \t]*:[ \t]*(\d+)[ \t]+(\w+)")


def wire_setups(packets):
    """{call: first INVITE time}, {call: first 200-to-INVITE time} from captured IPv4/UDP."""
    sent, answered = {}, {}
    for stamp, data in packets:
        ihl = (data[0] & 0x0F) * 4
        sip = data[ihl + 8:]
        head = sip.split(b"\r\n\r\n", 1)[0]
        call, cseq = CALL_ID.search(head), CSEQ.search(head)
        if not call or not cseq or cseq.group(2).upper() != b"INVITE":
            continue
        if sip.startswith(b"INVITE "):
            sent.setdefault(call.group(1), stamp)
        elif sip.startswith(b"SIP/2.0 200"):
            answered.setdefault(call.group(1), stamp)
    return sent, answered


def sipp_log_setups(run):
    """The same from SIPp's message log (-trace_shortmsg), when the wire cannot be watched."""
    sent, answered = {}, {}
    for path in glob.glob(os.path.join(run, "*_shortmessages.log")):
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 7 or parts[5] != "CSeq:1 INVITE":
                    continue
                t, direction, call = float(parts[2]), parts[3], parts[4]
                if direction == "S" and parts[6].startswith("INVITE "):
                    sent.setdefault(call, t)
                elif direction == "R" and parts[6].startswith("SIP/2.0 200"):
                    answered.setdefault(call, t)
    return sent, answered


# ---- SIPp ------------------------------------------------------------------------------------

def write_scenario(workdir, hold_ms):
    """tests/deploy/uac_via_proxy.xml holding the call `hold_ms` (and timing INVITE -> 200
    with response-time timer 1, in whole ms, for SIPp's own screens)."""
    with open(os.path.join(DEPLOY_TESTS, "uac_via_proxy.xml"), encoding="iso-8859-1") as f:
        text = f.read()
    for old, new in (('<pause milliseconds="1500"/>', '<pause milliseconds="%d"/>' % hold_ms),
                     ('<send retrans="500">', '<send retrans="500" start_rtd="1">'),
                     ('<recv response="200" rrs="true"/>',
                      '<recv response="200" rrs="true" rtd="1"/>')):
        assert old in text, "uac_via_proxy.xml has no %r any more" % old
        text = text.replace(old, new, 1)
    path = os.path.join(workdir, "setup.xml")
    with open(path, "w", encoding="iso-8859-1") as f:
        f.write(text)
    return path


def read_csv(path):
    """Rows of a SIPp ;-separated file with a header line, as dicts."""
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\n").rstrip(";") for l in f if l.strip()]
    if not lines:
        return []
    head = lines[0].split(";")
    return [dict(zip(head, l.split(";"))) for l in lines[1:]]


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1)]


def run_sipp(workdir, scenario, target_port, rate, calls, hold_ms, tag, wire):
    """SIPp places `calls` calls at `rate`/s to 127.0.0.1:target_port and exits; bounded.
    Returns a dict of what it counted and measured (set-up times from the wire if `wire`)."""
    run = os.path.join(workdir, tag)
    os.makedirs(run)
    pcap = os.path.join(run, "pcap")
    if os.path.isdir("/usr/share/sip-tester"):
        os.symlink("/usr/share/sip-tester", pcap)
    hold_s = hold_ms / 1000.0
    limit = max(20, int(rate * (hold_s + 3)))   # calls in progress; beyond it SIPp waits
    budget = int(calls / rate + hold_s + 40)  # SIPp's own global timeout, seconds
    stat_file = os.path.join(run, "stat.csv")
    sipp_port = free_port()
    cmd = [SIPP, "127.0.0.1:%d" % target_port, "-sf", scenario, "-s", "12345",
           "-i", "127.0.0.1", "-p", str(sipp_port), "-mi", "127.0.0.1",
           "-mp", str(free_port() & ~1), "-m", str(calls), "-r", str(rate), "-l", str(limit),
           "-nostdin", "-timeout", "%ds" % budget, "-recv_timeout", "10000",
           "-trace_err", "-error_file", os.path.join(run, "errors.log"),
           "-trace_stat", "-stf", stat_file, "-fd", "1"] + ([] if wire else ["-trace_shortmsg"])
    out_path = os.path.join(run, "screen.txt")
    capture = WireCapture(sipp_port) if wire else None
    t0 = time.time()
    proc = None
    try:
        with open(out_path, "w") as out:
            proc = subprocess.Popen(cmd, cwd=run, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)
    finally:
        if proc is None and capture:
            capture.stop()
    deadline = t0 + budget + 20
    status = rusage = None
    try:
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.time() > deadline:
                raise RuntimeError("SIPp still running after %d s (%s)" % (budget + 20, tag))
            time.sleep(0.05)
    finally:
        if proc.returncode is None:
            proc.kill()
            try:
                os.wait4(proc.pid, 0)
            except ChildProcessError:
                pass
        packets, drops = capture.stop() if capture else (None, None)
    wall = time.time() - t0
    screen = open(out_path, errors="replace").read()
    result = {"rc": proc.returncode, "wall": wall, "offered": calls, "screen": screen,
              "sipp_cpu": rusage.ru_utime + rusage.ru_stime, "dir": run}
    rows = read_csv(stat_file) if os.path.exists(stat_file) else []
    last = rows[-1] if rows else {}

    def counter(name, pattern):
        if name in last and last[name].strip().isdigit():
            return int(last[name])
        m = re.search(pattern, screen)   # the final screen, if the stat file lacks it
        return int(m.group(1)) if m else None

    result["ok"] = counter("SuccessfulCall(C)", r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)")
    result["failed"] = counter("FailedCall(C)", r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)")
    result["created"] = counter("OutgoingCall(C)",
                                r"Outgoing calls? created\s*\|\s*\d+\s*\|\s*(\d+)")
    result["retrans"] = counter("Retransmissions(C)", r"(?!)")
    result["failures"] = {k[len("Failed"):-3]: int(v) for k, v in last.items()
                          if k.startswith("Failed") and k.endswith("(C)") and k != "FailedCall(C)"
                          and v.strip().isdigit() and int(v) > 0}
    # Per-call set-up times: first INVITE sent -> first 200 to it received.
    sent, answered = wire_setups(packets) if wire else sipp_log_setups(run)
    result["capture_drops"] = drops
    times = sorted(1000.0 * (t - sent[c]) for c, t in answered.items() if c in sent)
    stamps = sorted(answered.values())
    result["answered"] = len(times)
    result["p50"] = percentile(times, 50)
    result["p99"] = percentile(times, 99)
    result["max"] = times[-1] if times else float("nan")
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    result["achieved"] = (len(stamps) - 1) / span if span > 0 else float("nan")
    return result


# ---- the benchmark ---------------------------------------------------------------------------

def dispatcher_list(workdir, node_port):
    """deploy/kamailio/dispatcher.list with its first node at the zhixian node and the others
    left out (one node behind Kamailio)."""
    path = list_copy(workdir, "dispatcher.list", {"10.0.0.11:5060": "127.0.0.1:%d" % node_port},
                     "bench-")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    kept = [l for l in lines if l.startswith("#") or not l.strip()
            or "127.0.0.1:%d" % node_port in l]
    assert any(not l.startswith("#") and l.strip() for l in kept), lines
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(kept) + "\n")
    return path


def one_run(path, port, rate, calls, args, workdir, scenario, node, kam):
    mark_node, mark_kam = node.mark(), len(kam.log)
    zx0, _ = tree_cpu(node.proc.pid)
    kc0, kprocs = tree_cpu(kam.proc.pid)
    ports = {"zhixian": node.sip_port, "kamailio": kam.port}
    drops0 = udp_drops(ports.values())
    r = run_sipp(workdir, scenario, port, rate, calls, args.hold_ms,
                 "%s-%d-%d" % (path, rate, int(time.time() * 1000) % 100000), args.wire)
    zx1, _ = tree_cpu(node.proc.pid)
    kc1, _ = tree_cpu(kam.proc.pid)
    drops1 = udp_drops(ports.values())
    r.update(path=path, rate=rate, zx_cpu=zx1 - zx0, kam_cpu=kc1 - kc0, kam_procs=kprocs,
             udp_drops={name: drops1[p] - drops0[p] for name, p in ports.items()
                        if drops1[p] > drops0[p]})
    # Quiet before the next run; the logs are read after it (their readers may lag).
    time.sleep(args.settle)
    log = node.text(mark_node)
    r["node_started"] = len(re.findall(r"call\.started call=\d+ direction=inbound", log))
    r["node_rejected"] = re.findall(r"call\.rejected[^\n]*", log)
    with kam.lock:
        klog = kam.log[mark_kam:]
    r["kam_failed"] = [l for l in klog if "inbound: node failed" in l]
    r["kam_errors"] = [l for l in klog if re.search(r"\b(ERROR|CRITICAL|ALERT|BUG)\b", l)]
    return r


def fmt(x, spec="%.1f"):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else spec % x


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return "-"
    return "%.2f" % (a / b)


def report(results, args):
    cols = ("path", "rate/s", "offered", "ok", "failed", "achieved/s", "p50 ms", "p99 ms",
            "max ms", "zhixian CPU s", "ms/call", "kamailio CPU s", "ms/call", "sipp CPU s",
            "wall s")
    rows = []
    for r in results:
        n = r["answered"] or float("nan")
        rows.append((r["path"], str(r["rate"]), str(r["offered"]), fmt(r["ok"], "%d"),
                     fmt(r["failed"], "%d"), fmt(r["achieved"]), fmt(r["p50"], "%.2f"),
                     fmt(r["p99"], "%.2f"), fmt(r["max"], "%.1f"), fmt(r["zx_cpu"], "%.2f"),
                     fmt(1000 * r["zx_cpu"] / n, "%.2f"),
                     fmt(r["kam_cpu"], "%.2f"), fmt(1000 * r["kam_cpu"] / n, "%.2f"),
                     fmt(r["sipp_cpu"], "%.2f"), fmt(r["wall"])))
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print()
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))
    print()
    print("Kamailio / direct, same offered rate:")
    print("%8s  %12s  %13s  %13s  %16s" % ("rate/s", "achieved", "set-up p50", "set-up p99",
                                           "zhixian CPU/call"))
    by = {(r["path"], r["rate"]): r for r in results}
    for rate in args.rate_list:
        d, k = by.get(("direct", rate)), by.get(("kamailio", rate))
        if not d or not k:
            continue
        cpu_d = d["zx_cpu"] / d["answered"] if d["answered"] else float("nan")
        cpu_k = k["zx_cpu"] / k["answered"] if k["answered"] else float("nan")
        print("%8d  %12s  %13s  %13s  %16s" % (rate, ratio(k["achieved"], d["achieved"]),
                                               ratio(k["p50"], d["p50"]),
                                               ratio(k["p99"], d["p99"]), ratio(cpu_k, cpu_d)))
    notes = []
    for r in results:
        what = "%s at %d/s" % (r["path"], r["rate"])
        if r["rc"] != 0:
            notes.append("%s: SIPp exit code %d%s" % (
                what, r["rc"], " (see %s)" % r["dir"] if args.keep else ""))
        if r["failures"]:
            notes.append("%s: SIPp failures %s" % (what, r["failures"]))
        if r.get("capture_drops"):
            notes.append("%s: the capture lost %d packets (set-up times of some calls missing)"
                         % (what, r["capture_drops"]))
        if r["retrans"]:
            notes.append("%s: %d SIP retransmissions by SIPp" % (what, r["retrans"]))
        if r["ok"] is not None and r["answered"] != r["ok"]:
            notes.append("%s: %d set-up times traced for %s successful calls"
                         % (what, r["answered"], r["ok"]))
        if r["node_started"] != r["offered"]:
            notes.append("%s: zhixian logged call.started (at the ACK) for %d of %d calls"
                         % (what, r["node_started"], r["offered"]))
        if r["udp_drops"]:
            notes.append("%s: SIP datagrams dropped on a full receive buffer: %s"
                         % (what, ", ".join("%s %d" % kv for kv in r["udp_drops"].items())))
        if r["node_rejected"]:
            notes.append("%s: zhixian refused %d calls, e.g. %s"
                         % (what, len(r["node_rejected"]), r["node_rejected"][0][:200]))
        if r["kam_failed"]:
            notes.append("%s: Kamailio sent %d calls on from a failed node, e.g. %s"
                         % (what, len(r["kam_failed"]), r["kam_failed"][0][:200]))
        if r["kam_errors"]:
            notes.append("%s: Kamailio logged %d errors, e.g. %s"
                         % (what, len(r["kam_errors"]), r["kam_errors"][0][:200]))
            if any("shared memory" in l or "shmem" in l for l in r["kam_errors"]):
                notes.append("%s: Kamailio ran out of shared memory (-m %d MB; "
                             "--kamailio-shm-mb); a ping it then cannot send takes the node "
                             "out of rotation until the next (503 to every call meanwhile)"
                             % (what, args.kamailio_shm_mb or 32))
    print()
    if notes:
        print("Notes:")
        for n in notes:
            print("  " + n)
    else:
        print("Notes: none (no failures, retransmissions, refusals or Kamailio errors)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="50,100,200",
                    help="offered call rates per second, comma-separated (default 50,100,200)")
    ap.add_argument("--calls", type=int, default=1000, help="calls per run (default 1000)")
    ap.add_argument("--binary", default="build/zhixian", help="default build/zhixian")
    ap.add_argument("--source", default=".", help="the source tree (kb/, docs/); default .")
    ap.add_argument("--hold-ms", type=int, default=1000,
                    help="time between ACK and BYE (default 1000)")
    ap.add_argument("--answer-delay-ms", type=int, default=0,
                    help="the node's call.answer_delay_ms (180 before 200; default 0, the "
                         "product's default is 300)")
    ap.add_argument("--warmup", type=int, default=20,
                    help="uncounted calls each way before the runs (default 20)")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds of quiet between runs (default 2)")
    ap.add_argument("--kamailio-children", type=int, default=4,
                    help="Kamailio's SIP receiver processes (-n; default 4, inbound.cfg's "
                         "children; 0: the test runner's -n 1)")
    ap.add_argument("--kamailio-shm-mb", type=int, default=64,
                    help="Kamailio's shared memory, MB (-m; default 64 as Debian's "
                         "kamailio.service; 0: the test runner's 32)")
    ap.add_argument("--kamailio-pkg-mb", type=int, default=8,
                    help="Kamailio's private memory per process, MB (-M; default 8 as "
                         "Debian's kamailio.service; 0: the test runner's 4)")
    ap.add_argument("--sipp-times", action="store_true",
                    help="set-up times from SIPp's message log rather than the wire (the "
                         "default when AF_PACKET is not allowed); skewed on a busy machine")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (SIPp traces, logs) and print its path")
    args = ap.parse_args()
    try:
        args.rate_list = [int(x) for x in args.rates.split(",") if x.strip()]
        assert args.rate_list and all(r > 0 for r in args.rate_list)
    except (ValueError, AssertionError):
        ap.error("--rates: positive integers separated by commas, e.g. 50,100,200")
    if not KAMAILIO:
        print("bench_kamailio: kamailio is not installed (scripts/install-deps.sh --test, "
              "Debian package kamailio)", file=sys.stderr)
        return 2
    if not SIPP:
        print("bench_kamailio: sipp is not installed (Debian package sip-tester)",
              file=sys.stderr)
        return 2
    binary, source = os.path.abspath(args.binary), os.path.abspath(args.source)
    if not os.access(binary, os.X_OK):
        print("bench_kamailio: no zhixian binary at %s (--binary)" % binary, file=sys.stderr)
        return 1
    # Each call holds sockets in SIPp and the node: the hard limit, inherited by all three.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # SIGTERM ends the run through the `finally` below, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    args.wire = not args.sipp_times and WireCapture.available()

    max_rate = max(args.rate_list)
    max_calls = max(500, int(max_rate * (args.hold_ms / 1000.0 + 3)) + 100)
    config = (node_config(source).rstrip() + "\n[call]\nmax_calls = %d\nanswer_delay_ms = %d\n"
              % (max_calls, args.answer_delay_ms))
    print("bench_kamailio: rates %s/s, %d calls each, hold %d ms, answer delay %d ms, "
          "max_calls %d, Kamailio -n %d -m %d -M %d, set-up times from %s; load average %s; "
          "%s; %s"
          % (args.rates, args.calls, args.hold_ms, args.answer_delay_ms, max_calls,
             args.kamailio_children or 1, args.kamailio_shm_mb or 32, args.kamailio_pkg_mb or 4,
             "the wire (lo)" if args.wire else "SIPp's message log (%s; skewed by SIPp's "
             "scheduling)" % ("--sipp-times" if args.sipp_times else "no AF_PACKET capture: "
                              "not root, no CAP_NET_RAW"),
             " ".join(open("/proc/loadavg").read().split()[:3]),
             subprocess.run([SIPP, "-v"], capture_output=True, text=True).stdout.strip()
             .splitlines()[0].strip(),
             subprocess.run([KAMAILIO, "-v"], capture_output=True, text=True).stdout
             .splitlines()[0].strip()))
    results = []
    node = kam = None
    workdir = tempfile.mkdtemp(prefix="zx-bench-kam-")
    try:
        node = construct(Node, binary, source, os.path.join(workdir, "node"), config=config)
        kport = free_port()
        dlist = dispatcher_list(workdir, node.sip_port)
        kam = start_kamailio(workdir, kport, dlist, {"-n": args.kamailio_children,
                                                     "-m": args.kamailio_shm_mb,
                                                     "-M": args.kamailio_pkg_mb})
        scenario = write_scenario(workdir, args.hold_ms)
        targets = (("direct", node.sip_port), ("kamailio", kport))
        for path, port in targets:
            if args.warmup > 0:
                w = run_sipp(workdir, scenario, port, 10, args.warmup, args.hold_ms,
                             "warmup-" + path, args.wire)
                if not w["ok"]:
                    raise RuntimeError(
                        "warm-up %s: no call succeeded (SIPp exit %s)\n%s\n-- zhixian:\n%s"
                        "\n-- kamailio:\n%s" % (path, w["rc"], w["screen"][-1500:],
                                                node.text()[-1500:], kam.text()[-1500:]))
        time.sleep(args.settle)
        for rate in args.rate_list:
            for path, port in targets:
                r = one_run(path, port, rate, args.calls, args, workdir, scenario, node, kam)
                results.append(r)
                print("%-8s %4d/s: %s ok, %s failed, %s/s, set-up p50 %s ms p99 %s ms "
                      "(%.0f s)" % (path, rate, fmt(r["ok"], "%d"), fmt(r["failed"], "%d"),
                                    fmt(r["achieved"]), fmt(r["p50"], "%.2f"),
                                    fmt(r["p99"], "%.2f"), r["wall"]), flush=True)
        if results:
            print("(Kamailio ran as %d processes)" % results[-1]["kam_procs"])
    except (RuntimeError, AssertionError, OSError, subprocess.SubprocessError) as e:
        print("bench_kamailio: %s" % e, file=sys.stderr)
        if results:
            report(results, args)
        return 1
    finally:
        if kam:
            stop_quietly(kam)
        if node:
            stop_quietly(node)
        if args.keep:
            for name, obj in (("kamailio.log", kam), ("zhixian.log", node)):
                if obj:
                    with open(os.path.join(workdir, name), "w", errors="replace") as f:
                        f.write(obj.text() + "\n")
            print("work directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
