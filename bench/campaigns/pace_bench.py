#!/usr/bin/env python3
"""Dialling pace held (issue 13, item 11): a campaign of N targets against a SIPp callee (it
answers and hangs up a second later), paced at P calls a second with at most C at once. The
callee's message trace gives when each INVITE came and when each call ended: calls started a
second (first to last INVITE) and the most calls at once.

Baseline, in the same run: SIPp as the caller (`sipp -r P -m N`) against a second SIPp callee,
the pace a dedicated load generator holds on this machine. Reported: ours, the baseline and
the ratio, and the concurrency against the cap.

Usage: bench/campaigns/pace_bench.py build/zhixian [N] [P] [C]   (defaults 200, 4, 10).
Not run by CI (about a minute).
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
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tests", "campaigns"))
from kill_test import SIPP, Server, free_port, id_number  # noqa: E402

CALLEE = os.path.join(ROOT, "tests", "campaigns", "uas_callee.xml")


def callee(workdir, name):
    port = free_port()
    trace = os.path.join(workdir, name + ".log")
    proc = subprocess.Popen(
        [SIPP, "-sf", CALLEE, "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1", "-mp",
         str(free_port() & ~1), "-nostdin", "-trace_msg", "-message_file", trace],
        cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, port, trace


def timeline(trace):
    """[(invite time, end time)] per Call-ID, from SIPp's message trace."""
    text = open(trace, encoding="utf-8", errors="replace").read()
    starts, ends = {}, {}
    for block in re.split(r"\n(?=-{10,})", text):
        head = re.match(r"-+ (\d{4}-\d\d-\d\d\s+\d\d:\d\d:\d\d[.:]\d+)", block)
        cid = re.search(r"^Call-ID:\s*(\S+)", block, re.M | re.I)
        if not head or not cid:
            continue
        stamp = head.group(1).replace(":", " ", 2)
        t = time.mktime(time.strptime(stamp.split(".")[0].split()[0] + " " +
                                      head.group(1).split()[1].split(".")[0], "%Y-%m-%d %H:%M:%S"))
        t += float("0." + re.split(r"[.:]", head.group(1))[-1])
        if re.search(r"^INVITE sip:", block, re.M):
            starts.setdefault(cid.group(1), t)
        if re.search(r"^BYE sip:|^BYE ", block, re.M):
            ends[cid.group(1)] = t
    return [(s, ends.get(c, s + 1.5)) for c, s in starts.items()]


def figures(calls):
    starts = sorted(s for s, _ in calls)
    rate = (len(starts) - 1) / (starts[-1] - starts[0]) if len(starts) > 1 else 0
    events = sorted([(s, 1) for s, _ in calls] + [(e, -1) for _, e in calls])
    now = peak = 0
    for _, d in events:
        now += d
        peak = max(peak, now)
    return rate, peak


def main():
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    pace = float(sys.argv[3]) if len(sys.argv) > 3 else 4
    cap = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    work = tempfile.mkdtemp(prefix="zx-pace-")
    procs = []
    try:
        # Baseline: SIPp calling SIPp at the same pace.
        base_proc, base_port, base_trace = callee(work, "baseline")
        procs.append(base_proc)
        uac = os.path.join(work, "uac.xml")
        # `sipp -sd` prints the built-in scenario and exits 99.
        subprocess.run([SIPP, "-sd", "uac"], stdout=open(uac, "w"))
        assert os.path.getsize(uac) > 0, "sipp -sd uac printed nothing"
        t0 = time.time()
        subprocess.run([SIPP, "127.0.0.1:%d" % base_port, "-sf", uac, "-i", "127.0.0.1",
                        "-p", str(free_port()), "-r", str(pace), "-m", str(n), "-l", str(cap),
                        "-nostdin", "-timeout", "%ds" % (n / pace + 60)],
                       cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=n / pace + 90)
        base_rate, base_peak = figures(timeline(base_trace))
        # zhixian's campaign.
        ours_proc, ours_port, ours_trace = callee(work, "campaign")
        procs.append(ours_proc)
        server = Server(binary, work, free_port(), free_port(socket.SOCK_STREAM), ours_port)
        server.env.update(ZHIXIAN_CAMPAIGNS_PACE_PER_S=str(pace),
                          ZHIXIAN_CAMPAIGNS_CAMPAIGN_CONCURRENT=str(cap),
                          ZHIXIAN_CAMPAIGNS_MAX_ATTEMPTS="1")
        server.start()
        token = server.login()
        path = os.path.join(work, "targets.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("姓名,性别,手机号,身份证号,场景,申请编号\n")
            for i in range(n):
                f.write("赵%d,男,1370000%04d,%s,ob.card_ready,SB%d\n" % (i, i, id_number(i), i))
        status, created = server.request("POST", "/api/v1/campaigns?name=pace",
                                         open(path, "rb").read(), token, "text/csv")
        assert status == 201, (status, created)
        cid = created["campaign"]["id"]
        assert server.request("POST", "/api/v1/campaigns/%s/start" % cid, b"", token)[0] == 200
        deadline = time.time() + n / pace + 120
        while server.request("GET", "/api/v1/campaigns/" + cid,
                             token=token)[1]["campaign"]["state"] != "finished":
            assert time.time() < deadline, "campaign did not finish"
            time.sleep(1)
        server.stop()
        rate, peak = figures(timeline(ours_trace))
        print("pace_bench: %d calls, pace %.1f/s configured, at most %d at once" % (n, pace, cap))
        print("  zhixian campaign: %.2f calls/s started, %d at once at most" % (rate, peak))
        print("  baseline (SIPp UAC at -r %.1f): %.2f calls/s, %d at once" % (pace, base_rate,
                                                                           base_peak))
        print("  ratio zhixian/baseline: %.2f; concurrency cap held: %s"
              % (rate / base_rate if base_rate else 0, peak <= cap))
        return 0
    finally:
        for p in procs:
            p.kill()
        if not os.environ.get("ZX_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept " + work)


if __name__ == "__main__":
    sys.exit(main())
