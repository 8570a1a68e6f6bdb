"""`zhixian campaign import FILE [--dnc FILE] [--as-of YYYY-MM-DD] [--json]` end to end
(DESIGN.md contract, DOMAIN.md "Target files for notification campaigns").

Usage: import_test.py BINARY SOURCE_DIR. Reads SOURCE_DIR/kb/campaigns; never the network.

targets.csv exercises every rule, line by line (the header is line 1):
  2  张三 ob.overdue                         accepted; merged with 3 into one call
  3  张三 ob.card_ready, phone 138-1234-5678 accepted
  4  = line 2                                exact duplicate of 2
  5  line 2 written otherwise (+86, 十五, "1,234.50", 2026/12/20, spaces)  normalised duplicate of 2
  6  李四 ob.transfer, ID with a lower-case x, 2026年12月31日  accepted
  7  no 姓名                                  missing_field 姓名
  8  ob.pension (and a bad phone)            unknown_scenario (checked before the phone)
  9  ob.overdue without 应缴金额 (bad phone)   missing_field 应缴金额 (before the phone)
 10  phone 129… (and a bad ID)               invalid_phone (before the ID)
 11  ID check character wrong                invalid_id_checksum
 12  ID born 2027-01-01                      invalid_id_birth_date
 13  吴十 ob.iit_reminder, phone on dnc.txt   suppressed with 14
 14  吴十 ob.material_missing, a quoted field over lines 14-15
 16  郑一, full-width phone                   accepted
 17  everything empty but 场景/性别           missing_field 姓名
 18  = line 10                               exact duplicate of 10 (a rejected record)
 19  冯二 ob.overdue, 两千元, 2026年12月1日     accepted
 20  line 3 with another 备注 and phone form  normalised duplicate of 3
 21  wrong check character and born 2027     invalid_id_checksum (checked first)
 22  unknown scenario and no 姓名             missing_field 姓名 (checked first)
The same table as GBK, with a BOM and CRLF, and as XLSX (built here with zipfile, rows at the
same row numbers) gives the same report.
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from xml.sax.saxutils import escape

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
HERE = os.path.dirname(os.path.abspath(__file__))
KB = os.path.join(SOURCE, "kb")
TARGETS = os.path.join(HERE, "targets.csv")
DNC = os.path.join(HERE, "dnc.txt")
KEYS = ["records", "accepted", "rejected", "exact_duplicates", "normalized_duplicates",
        "notices_by_scenario", "people", "merged", "dnc_suppressed", "calls"]

EXPECTED = {
    "records": 20,
    "accepted": 9,
    "rejected": [
        {"line": 7, "reason": "missing_field", "field": "姓名"},
        {"line": 8, "reason": "unknown_scenario", "field": "场景"},
        {"line": 9, "reason": "missing_field", "field": "应缴金额"},
        {"line": 10, "reason": "invalid_phone", "field": "手机号"},
        {"line": 11, "reason": "invalid_id_checksum", "field": "身份证号"},
        {"line": 12, "reason": "invalid_id_birth_date", "field": "身份证号"},
        {"line": 17, "reason": "missing_field", "field": "姓名"},
        {"line": 21, "reason": "invalid_id_checksum", "field": "身份证号"},
        {"line": 22, "reason": "missing_field", "field": "姓名"},
    ],
    "exact_duplicates": [{"line": 4, "duplicate_of": 2}, {"line": 18, "duplicate_of": 10}],
    "normalized_duplicates": [{"line": 5, "duplicate_of": 2}, {"line": 20, "duplicate_of": 3}],
    "notices_by_scenario": {"ob.card_ready": 1, "ob.iit_reminder": 1, "ob.material_missing": 1,
                            "ob.new_enrollee": 1, "ob.overdue": 2, "ob.transfer": 1},
    "people": 5,
    "merged": [{"lines": [2, 3]}],
    "dnc_suppressed": [{"lines": [13, 14]}],
    "calls": 4,
}


def run(*args, kb=KB):
    data = tempfile.mkdtemp(prefix="zx-campaign-")
    try:
        r = subprocess.run([BINARY, "campaign", "import", *args, "--kb", kb, "--data", data],
                           capture_output=True, timeout=60)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def report(path, *extra):
    code, out, err = run(path, "--dnc", DNC, "--as-of", "2026-12-01", "--json", *extra)
    assert code == 0, err
    lines = out.strip().split("\n")
    assert len(lines) == 1, out
    return json.loads(lines[0])


def records_with_lines(text):
    """The CSV's records, each with the physical line it starts on."""
    rows, line = [], 1
    reader = csv.reader(io.StringIO(text, newline=""))
    starts = []
    for row in reader:
        starts.append(line)
        rows.append(row)
        line = reader.line_num + 1
    return list(zip(starts, rows))


def cell(ref, value):
    return '<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (
        ref, escape(value))


def write_xlsx(path, records):
    """A minimal workbook: content types, workbook, its relationships and one sheet of inline
    strings, each record at the row number of its line in the CSV."""
    cols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows = []
    for line, fields in records:
        cells = "".join(cell("%s%d" % (cols[i], line), v) for i, v in enumerate(fields) if v)
        rows.append('<row r="%d">%s</row>' % (line, cells))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                   'ContentType="application/xml"/></Types>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" xmlns:r="%s">'
                   '<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
                   % (main, rel))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Type="%s/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' % rel)
        z.writestr("xl/worksheets/sheet1.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="%s"><sheetData>%s'
                   '</sheetData></worksheet>' % (main, "".join(rows)))


class Import(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zx-campaign-files-")
        with open(TARGETS, encoding="utf-8") as f:
            cls.text = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_json_report_of_every_rule(self):
        r = report(TARGETS)
        self.assertEqual(list(r), KEYS)  # DESIGN.md's keys, in its order
        self.assertEqual(list(r["rejected"][0]), ["line", "reason", "field"])
        self.assertEqual(list(r["exact_duplicates"][0]), ["line", "duplicate_of"])
        self.assertEqual(r, EXPECTED)
        self.assertEqual(r["records"],
                         r["accepted"] + len(r["rejected"]) + len(r["exact_duplicates"]))
        self.assertEqual(r["calls"], r["people"] - len(r["dnc_suppressed"]))

    def test_gbk_file_gives_the_same_report(self):
        self.assertEqual(report(self.write("gbk.csv", self.text.encode("gbk"))), EXPECTED)

    def test_bom_and_crlf_give_the_same_report(self):
        data = b"\xef\xbb\xbf" + self.text.replace("\n", "\r\n").encode("utf-8")
        self.assertEqual(report(self.write("crlf.csv", data)), EXPECTED)
        self.assertEqual(report(self.write("gbk-crlf.csv",
                                           self.text.replace("\n", "\r\n").encode("gbk"))),
                         EXPECTED)

    def test_xlsx_gives_the_same_report(self):
        path = os.path.join(self.tmp, "targets.xlsx")
        write_xlsx(path, records_with_lines(self.text))
        self.assertEqual(report(path), EXPECTED)

    def test_without_the_do_not_call_list(self):
        code, out, err = run(TARGETS, "--as-of", "2026-12-01", "--json")
        self.assertEqual(code, 0, err)
        r = json.loads(out)
        self.assertEqual(r["dnc_suppressed"], [])
        self.assertEqual(r["merged"], [{"lines": [2, 3]}, {"lines": [13, 14]}])
        self.assertEqual(r["calls"], 5)

    def test_campaign_date_decides_a_birth_date(self):
        path = self.write("born.csv", "姓名,手机号,身份证号,场景\n小明,13800001111,"
                          "11010520261202001X,ob.new_enrollee\n".encode())
        self.assertEqual(report(path)["rejected"],
                         [{"line": 2, "reason": "invalid_id_birth_date", "field": "身份证号"}])
        code, out, _ = run(path, "--as-of", "2026-12-02", "--json")
        self.assertEqual(json.loads(out)["calls"], 1)

    def test_readable_report_masks_personal_data(self):
        code, out, err = run(TARGETS, "--dnc", DNC, "--as-of", "2026-12-01")
        self.assertEqual(code, 0, err)
        self.assertIn("records 20: accepted 9, rejected 9", out)
        self.assertIn("calls planned 4", out)
        self.assertIn("line 12  invalid_id_birth_date  身份证号", out)
        self.assertIn("张*先生 138****5678", out)
        for personal in ("13812345678", "110101199003078515", "张三", "李四", "44030419851231002X"):
            self.assertNotIn(personal, out)

    def test_bad_files_and_arguments_exit_2(self):
        code, out, err = run(os.path.join(self.tmp, "none.csv"), "--json")
        self.assertEqual((code, out), (2, ""))
        self.assertIn("none.csv", err)
        header = self.write("header.csv", "name,phone\n张三,13800001111\n".encode())
        code, out, err = run(header, "--json")
        self.assertEqual(code, 2)
        self.assertIn("header.csv: header: no column", err)
        neither = self.write("bad.csv", b"\xe5\xa7\x93\xe5\x90\x8d\n\xff\xfe\n")
        code, _, err = run(neither)
        self.assertEqual(code, 2)
        self.assertIn("bad.csv:2: not UTF-8", err)
        code, _, err = run(TARGETS, "--as-of", "2026-02-30")
        self.assertEqual(code, 2)
        self.assertIn("--as-of", err)
        code, _, err = run(TARGETS, "--dnc", os.path.join(self.tmp, "no-dnc.txt"))
        self.assertEqual(code, 2)
        self.assertIn("no-dnc.txt", err)
        empty_kb = tempfile.mkdtemp(prefix="zx-campaign-kb-", dir=self.tmp)
        code, _, err = run(TARGETS, kb=empty_kb)
        self.assertEqual(code, 2)
        self.assertIn("scenarios.toml", err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
