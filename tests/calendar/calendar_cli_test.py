"""`zhixian calendar` as DESIGN.md states it.

Usage: calendar_cli_test.py BINARY SOURCE_DIR. Reads SOURCE_DIR/kb/calendar; never the network.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
KB = os.path.join(SOURCE, "kb")


def run(*args, kb=KB):
    data = tempfile.mkdtemp(prefix="zx-cal-")
    try:
        r = subprocess.run([BINARY, "calendar", *args, "--kb", kb, "--data", data],
                           capture_output=True, timeout=60)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


class Calendar(unittest.TestCase):
    def deadline(self, start, tier):
        code, out, err = run("deadline", "--from", start, "--tier", tier)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        return out

    def day(self, date):
        code, out, err = run("day", date)
        self.assertEqual(code, 0, err)
        return out

    def test_deadlines(self):
        cases = [
            # DOMAIN.md's example: 国庆 2025 with the working weekends 09-28 and 10-11.
            ("2025-09-30 10:00", "7d", "2025-10-16 24:00\n"),
            ("2025-09-30 10:00", "15d", "2025-10-28 24:00\n"),
            # 2019: the Sundays 04-28 and 05-05 are working days.
            ("2019-04-26 16:30", "7d", "2019-05-08 24:00\n"),
            # 春节 2026: the Saturdays 02-14 and 02-28 are working days.
            ("2026-02-13 11:00", "7d", "2026-03-02 24:00\n"),
            # Hour tiers on the clock, across midnight and into the holiday.
            ("2025-09-30 23:00", "2h", "2025-10-01 01:00\n"),
            ("2025-09-30 22:00", "2h", "2025-09-30 24:00\n"),
            ("2025-10-01 08:15", "24h", "2025-10-02 08:15\n"),
        ]
        for start, tier, expected in cases:
            with self.subTest(start=start, tier=tier):
                self.assertEqual(self.deadline(start, tier), expected)

    def test_days(self):
        for date in ("2025-09-28", "2025-10-11", "2019-04-28", "2019-05-05", "2026-02-14",
                     "2026-02-28", "2025-09-30"):
            with self.subTest(date=date):
                self.assertEqual(self.day(date), "工作日\n")
        for date in ("2025-10-01", "2025-10-08", "2025-10-12", "2019-05-01", "2026-02-16",
                     "2026-02-23", "2026-03-01"):
            with self.subTest(date=date):
                self.assertEqual(self.day(date), "休息日\n")

    def test_year_without_table_exits_2(self):
        code, out, err = run("day", "2035-06-01")
        self.assertEqual((code, out), (2, ""))
        self.assertIn("no working-day calendar for 2035", err)
        # A working-day deadline that runs into such a year is refused too; an hour tier is not.
        code, out, err = run("deadline", "--from", "2035-06-01 10:00", "--tier", "7d")
        self.assertEqual((code, out), (2, ""))
        self.assertIn("no working-day calendar for 2035", err)
        self.assertEqual(self.deadline("2035-06-01 10:00", "2h"), "2035-06-01 12:00\n")

    def test_bad_input_exits_2(self):
        for args, says in [
            (("day", "2025-02-29"), "not a real date"),
            (("day", "10/01/2025"), "not a date"),
            (("day",), "needs a date"),
            (("deadline", "--from", "2025-09-30", "--tier", "7d"), "--from"),
            (("deadline", "--from", "2025-09-30 25:00", "--tier", "7d"), "--from"),
            (("deadline", "--from", "2025-09-30 10:00", "--tier", "3d"), "--tier"),
            (("deadline", "--tier", "7d"), "--from"),
        ]:
            with self.subTest(args=args):
                code, out, err = run(*args)
                self.assertEqual((code, out), (2, ""))
                self.assertIn(says, err)

    def test_malformed_table_exits_2_naming_file_and_line(self):
        kb = tempfile.mkdtemp(prefix="zx-cal-kb-")
        try:
            shutil.copytree(os.path.join(KB, "calendar"), os.path.join(kb, "calendar"))
            with open(os.path.join(kb, "calendar", "2025.tsv"), "a", encoding="utf-8") as f:
                f.write("2025-10-04\t休息日\t国庆节\n")  # a Saturday: off anyway
            code, out, err = run("day", "2025-10-01", kb=kb)
            self.assertEqual((code, out), (2, ""))
            lines = open(os.path.join(kb, "calendar", "2025.tsv"), encoding="utf-8").read()
            self.assertIn("2025.tsv:%d:" % lines.count("\n"), err)
            self.assertIn("星期六", err)
            code, out, err = run("day", "2025-10-01", kb=os.path.join(kb, "missing"))
            self.assertEqual(code, 2)
            self.assertIn("no calendar directory", err)
        finally:
            shutil.rmtree(kb, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
