#!/usr/bin/python3
"""Target import speed and memory (issue 13, bar: 1,000,000 rows imported and planned in under
5 s on this machine, no slower than a plain Python csv parse of the same file, memory that does
not grow with the file).

For each size, a file made by make_targets.py (kept in --dir between runs), then, in the same
run: `wc -l`, a plain Python `csv.reader` parse of the file (the baseline the issue names), and
campaign_import_bench (import and plan: every call built and handed to a sink). Each is timed
as a process (wall clock, best of --repeat) with its peak RSS (wait4). The import keeps the
report's lists to 1,000 entries each (counting them all: what bounds memory when the report is
counted rather than printed); one more run with the lists whole gives the peak RSS of a report
listed to the last line. Prints one line per tool and size and the ratios; --json for one
object.

Usage: import_bench.py [--rows 100000,1000000] [--gbk] [--binary PATH] [--dir DIR]
                       [--repeat 3] [--check] [--json]
--check (CI's smoke run): also imports the same rows as GBK and fails when the report differs.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY_PARSE = ("import csv, sys\n"
            "n = 0\n"
            "with open(sys.argv[1], newline='', encoding=sys.argv[2]) as f:\n"
            "    for row in csv.reader(f):\n"
            "        n += 1\n"
            "print(n)\n")


def timed(cmd):
    """(seconds, peak RSS in MB, stdout) of one run of `cmd`."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd), err.decode(errors="replace")))
    return seconds, usage.ru_maxrss / 1024.0, out.decode()


def best(cmd, repeat):
    runs = [timed(cmd) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def make(rows, gbk, directory):
    path = os.path.join(directory, "targets-%d%s.csv" % (rows, "-gbk" if gbk else ""))
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_targets.py"), str(rows), path]
                       + (["--gbk"] if gbk else []), check=True)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--gbk", action="store_true")
    ap.add_argument("--binary", default="build/bench/campaigns/campaign_import_bench")
    ap.add_argument("--dir", default="/tmp/zx-import-bench")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    results = []
    for rows in [int(r) for r in args.rows.split(",")]:
        path = make(rows, args.gbk, args.dir)
        size_mb = os.path.getsize(path) / 1e6
        wc = best(["wc", "-l", path], args.repeat)
        py = best([sys.executable, "-c", PY_PARSE, path, "gbk" if args.gbk else "utf-8"],
                  args.repeat)
        ours = best([args.binary, path, "--as-of", "2026-12-01", "--max-listed", "1000"],
                    args.repeat)
        listed = timed([args.binary, path, "--as-of", "2026-12-01"])
        report = json.loads(ours[2])
        r = {"rows": rows, "file_mb": round(size_mb, 1), "format": report["format"],
             "wc_s": round(wc[0], 3), "python_csv_s": round(py[0], 3),
             "python_csv_rss_mb": round(py[1], 1), "import_s": round(ours[0], 3),
             "import_inner_s": report["seconds"], "import_rss_mb": round(ours[1], 1),
             "import_listed_s": round(listed[0], 3), "import_listed_rss_mb": round(listed[1], 1),
             "import_rows_per_s": round(rows / ours[0]),
             "import_vs_python": round(ours[0] / py[0], 3),
             "import_vs_wc": round(ours[0] / wc[0], 1), "report": report}
        results.append(r)
        if args.check:
            gbk = make(rows, True, args.dir)
            other = json.loads(best([args.binary, gbk, "--as-of", "2026-12-01"], 1)[2])
            keys = [k for k in report
                    if k not in ("seconds", "first_pass_seconds", "cpu_seconds",
                                 "main_thread_cpu_seconds", "format", "peak_rss_kb")]
            diff = [k for k in keys if report[k] != other[k]]
            if diff or report["calls"] == 0 or report["rejected"] == 0:
                sys.exit("UTF-8 and GBK reports differ in %s: %s / %s" % (diff, report, other))
    if len(results) > 1:
        a, b = results[0], results[-1]
        per_row = (b["import_rss_mb"] - a["import_rss_mb"]) * 1e6 / (b["rows"] - a["rows"])
        listed_per_row = ((b["import_listed_rss_mb"] - a["import_listed_rss_mb"]) * 1e6 /
                          (b["rows"] - a["rows"]))
        text_per_row = (b["file_mb"] - a["file_mb"]) * 1e6 / (b["rows"] - a["rows"])
        growth = {"rss_bytes_per_added_row": round(per_row, 1),
                  "listed_rss_bytes_per_added_row": round(listed_per_row, 1),
                  "file_bytes_per_added_row": round(text_per_row, 1)}
    else:
        growth = {}
    if args.json:
        print(json.dumps({"results": results, "growth": growth}, ensure_ascii=False))
        return
    for r in results:
        print("%9d rows  %6.1f MB  %-9s  wc -l %.3fs  python csv %.3fs (%.0f MB)  "
              "import+plan %.3fs (%.0f MB, %d rows/s)  import/python %.2f  import/wc %.1f  "
              "(lists whole: %.3fs, %.0f MB)"
              % (r["rows"], r["file_mb"], r["format"], r["wc_s"], r["python_csv_s"],
                 r["python_csv_rss_mb"], r["import_s"], r["import_rss_mb"],
                 r["import_rows_per_s"], r["import_vs_python"], r["import_vs_wc"],
                 r["import_listed_s"], r["import_listed_rss_mb"]))
        rep = r["report"]
        print("           records %d accepted %d rejected %d exact %d normalised %d people %d "
              "merged %d calls %d" % (rep["records"], rep["accepted"], rep["rejected"],
                                      rep["exact_duplicates"], rep["normalized_duplicates"],
                                      rep["people"], rep["merged"], rep["calls"]))
    if growth:
        print("memory: %.1f bytes of RSS per added row, %.1f with the lists whole (the file: "
              "%.1f bytes per row)" % (growth["rss_bytes_per_added_row"],
                                       growth["listed_rss_bytes_per_added_row"],
                                       growth["file_bytes_per_added_row"]))


if __name__ == "__main__":
    main()
