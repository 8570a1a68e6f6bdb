#!/usr/bin/python3
"""Development questions in context (issue 11 item 7): each of the 180 questions of
spec/dev-questions.tsv is asked as the second turn of a conversation, first after a greeting
(the question alone) and then after another area's topic (二手房过户, or 异地就医备案). Reading
follow-ups with the previous subject must not cost any question its topic.

    bench/dialogue/followup_dev.py [build-dir] [dev-questions.tsv]     (from the repository root)

Runs build/tests/dialogue/dialogue_scripts_test over generated scripts (ZX_DLG_DIR) and prints
the topics right in each setting.
"""
import os
import re
import subprocess
import sys
import tempfile

build = sys.argv[1] if len(sys.argv) > 1 else "build"
dev = sys.argv[2] if len(sys.argv) > 2 else "../shared/spec/dev-questions.tsv"
rows = [l.rstrip("\n").split("\t") for l in open(dev, encoding="utf-8")][1:]
settings = {
    "after a greeting": lambda tid: "你好",
    "after 二手房过户": lambda tid: "社保卡丢了怎么办" if tid.startswith("bdc.") else "二手房过户怎么办理",
    "after 异地就医备案": lambda tid: "社保卡丢了怎么办" if tid.startswith("yb.") else "异地就医备案怎么办",
}
for name, first in settings.items():
    with tempfile.TemporaryDirectory() as d:
        for k, (tid, q) in enumerate(rows):
            with open(os.path.join(d, "q%03d.dlg" % k), "w", encoding="utf-8") as f:
                f.write("title: %s\n> %s\n> %s\ntopic: %s\n" % (tid, first(tid), q.strip(), tid))
        out = subprocess.run([os.path.join(build, "tests/dialogue/dialogue_scripts_test"),
                              "--gtest_filter=Scripts/*"], env=dict(os.environ, ZX_DLG_DIR=d),
                             capture_output=True, text=True).stdout
        failed = set(re.findall(r"FAILED  \] Scripts/DialogueScript.Run/(q\d+)", out))
        print("%-18s %d/%d topics right" % (name, len(rows) - len(failed), len(rows)))
