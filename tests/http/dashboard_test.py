"""The dashboard's statistics (issue 16 #4) over a running `zhixian serve`:

  cards     受理量 and 智能服务占比 from the conversations (per DOMAIN.md: ended without a person ÷
            all, by channel), 响应率 and 预警/超时 from the work orders, each with its formula,
            numerator, denominator and the change against the period before
  charts    channels, hours, weekday × hour, topics, categories, ratings, on-time per
            department; a district with fewer than 5 conversations shown as "<5"; the age
            portrait (a citizen gave an ID number) with every count under 5 as "<5"
  filters   channel and district narrow every figure
  export    the server's XLSX holds the same figures as the API, sheet by sheet, and a detail
            sheet of the conversations counted that adds up to the cards
  access    supervisors read it; agents and department handlers do not (403), audited

Usage: dashboard_test.py ZHIXIAN_BINARY SOURCE_DIR
"""
import io
import json
import os
import re
import sys
import unittest
import urllib.parse
import zipfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "security"))
import security_test as st  # noqa: E402

STAFF = {
    "sup": ("supervisor", "", ""),
    "agent.a": ("agent", "", ""),
    "hd.cgj": ("department_handler", "cgj", ""),
    "aud": ("auditor", "", ""),
}
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_xlsx(raw):
    """{sheet name: [[cell, ...], ...]} of an .xlsx file's bytes (numbers as floats)."""
    z = zipfile.ZipFile(io.BytesIO(raw))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in book.find("m:sheets", NS):
        rid = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        rows = []
        data = ET.fromstring(z.read("xl/" + target[rid]))
        for row in data.iter(f"{{{NS['m']}}}row"):
            cells = []
            for c in row.findall("m:c", NS):
                col = re.match(r"[A-Z]+", c.get("r")).group(0)
                index = 0
                for ch in col:
                    index = index * 26 + ord(ch) - 64
                while len(cells) < index - 1:
                    cells.append(None)
                v = c.find("m:v", NS)
                if c.get("t") == "s":
                    cells.append(shared[int(v.text)])
                elif c.get("t") == "inlineStr":
                    cells.append("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
                else:
                    cells.append(float(v.text) if v is not None else None)
            rows.append(cells)
        out[sheet.get("name")] = rows
    return out


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dep = st.Deployment()
        for name, (role, dept, district) in STAFF.items():
            extra = ["--department", dept] if dept else []
            r = st.add_user(cls.dep.data, cls.dep.config, name, role, *extra)
            assert r.returncode == 0, r.stderr.decode()
        cls.server = st.Server(cls.dep.data, cls.dep.config)
        cls.tokens = {n: cls.server.login(n)[1]["token"] for n in STAFF}
        # Three conversations the assistant ends alone (two web, one over the API channel), one
        # handed over and closed by an agent, one rated.
        # One gives an ID number (born 1990-03-07: 30-44岁) and names 东城区.
        for channel, words in [("web", "社保卡丢了怎么补办，我是东城区的，证件号码110101199003078515"),
                               ("web", "失业金怎么领"),
                               ("api", "医保异地就医怎么备案")]:
            cid, token = cls.start(channel)
            cls.say(cid, token, words)
            cls.call("POST", f"/api/v1/conversations/{cid}/end", citizen=token)
            if channel == "api":
                cls.call("POST", f"/api/v1/conversations/{cid}/satisfaction",
                         {"rating": "满意"}, citizen=token)
        cid, token = cls.start("web")
        cls.say(cid, token, "我要转人工")
        cls.call("POST", f"/api/v1/agent/conversations/{cid}/take", staff="agent.a")
        cls.call("POST", f"/api/v1/agent/conversations/{cid}/close", {}, staff="agent.a")
        # Two work orders of 城管 in 东城区, one accepted at once (in time).
        cls.orders = []
        for text in ["东城区和平里小区门口烧烤摊半夜噪音扰民", "东城区和平里小区道路井盖缺失"]:
            status, body = cls.call("POST", "/api/v1/tickets",
                                    {"text": text, "district": "东城区",
                                     "departments": [{"code": "cgj", "role": "lead"}]},
                                    staff="sup")
            assert status == 201, body
            cls.orders.append(body["id"])
        status, body = cls.call("POST", f"/api/v1/tickets/{cls.orders[0]}/accept", {},
                                staff="sup")
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dep.cleanup()

    @classmethod
    def call(cls, method, path, body=None, staff=None, citizen=None, raw=False):
        headers = {"X-Conversation-Token": citizen} if citizen else None
        status, data, _ = cls.server.request(method, path, body,
                                             token=cls.tokens[staff] if staff else None,
                                             headers=headers)
        if raw:
            return status, data
        return status, (json.loads(data) if data else None)

    @classmethod
    def start(cls, channel):
        status, body = cls.call("POST", "/api/v1/conversations", {"channel": channel})
        assert status == 201, body
        return body["id"], body["token"]

    @classmethod
    def say(cls, cid, token, text):
        status, body = cls.call("POST", f"/api/v1/conversations/{cid}/messages", {"text": text},
                                citizen=token)
        assert status == 200, body
        return body

    def dashboard(self, query=""):
        status, body = self.call("GET", "/api/v1/stats/dashboard" + query, staff="sup")
        self.assertEqual(status, 200, body)
        return body

    def test_cards_follow_the_definitions(self):
        d = self.dashboard()
        cards = {c["code"]: c for c in d["cards"]}
        self.assertEqual(cards["volume"]["value"], 4)
        self.assertIsNone(cards["volume"]["denominator"])
        self.assertEqual((cards["ai_share"]["numerator"], cards["ai_share"]["denominator"]), (3, 4))
        self.assertAlmostEqual(cards["ai_share"]["value"], 0.75)
        self.assertEqual(cards["ai_share"]["previous"], 0)
        self.assertAlmostEqual(cards["ai_share"]["change"], 0.75)
        self.assertEqual((cards["response"]["numerator"], cards["response"]["denominator"]), (1, 2))
        self.assertEqual((cards["answer_rate"]["numerator"], cards["answer_rate"]["denominator"]),
                         (0, 0))  # no calls here (the SIP test counts a refused one)
        for code in ("volume", "ai_share", "answer_rate", "response", "on_time", "solved",
                     "satisfied", "warned", "overdue"):
            self.assertTrue(cards[code]["formula"], code)
        channels = {c["channel"]: c for c in d["charts"]["channels"]}
        self.assertEqual(channels["web"]["started"], 3)
        self.assertEqual(channels["web"]["without_person"], 2)
        self.assertEqual(channels["web"]["name"], "网页")
        self.assertEqual(channels["api"]["started"], 1)
        self.assertEqual(sum(sum(day) for day in d["charts"]["heatmap"]), 4)
        self.assertEqual(sum(sum(c["counts"]) for c in d["charts"]["hours"]), 4)
        ratings = {r["rating"]: r["count"] for r in d["charts"]["satisfaction"]}
        self.assertEqual(ratings, {"满意": 1, "基本满意": 0, "不满意": 0})
        topics = {t["topic"] for t in d["charts"]["topics"]}
        self.assertIn("sbk.loss", topics)
        self.assertEqual(sum(c["count"] for c in d["charts"]["categories"]), 2)
        departments = {r["department"]: r for r in d["charts"]["on_time"]}
        self.assertIn("cgj", departments)
        self.assertNotEqual(departments["cgj"]["name"], "cgj")
        for row in d["charts"]["districts"]:
            self.assertTrue(row["count"] == "<5" or row["count"] >= 5, row)
        # The age portrait: every band of kb/age_bands.tsv, every district of kb/districts.tsv,
        # one person: "<5" everywhere, never 1 (nor 0).
        ages = d["charts"]["ages"]
        self.assertEqual([r["band"] for r in ages],
                         ["18岁以下", "18-29岁", "30-44岁", "45-59岁", "60岁及以上"])
        for r in ages:
            self.assertEqual(r["count"], "<5", r)
            self.assertEqual([c["district"] for c in r["districts"]], d["options"]["districts"])
            self.assertTrue(all(c["count"] == "<5" for c in r["districts"]), r)

    def test_filters_narrow_every_figure(self):
        d = self.dashboard("?channel=api")
        cards = {c["code"]: c for c in d["cards"]}
        self.assertEqual(cards["volume"]["value"], 1)
        self.assertEqual([c["channel"] for c in d["charts"]["channels"]], ["api"])
        d = self.dashboard("?district=" + urllib.parse.quote("西城区"))
        cards = {c["code"]: c for c in d["cards"]}
        self.assertEqual(cards["response"]["denominator"], 0)
        status, body = self.call("GET", "/api/v1/stats/dashboard?from=2026-12-09&until=2026-12-08",
                                 staff="sup")
        self.assertEqual(status, 400, body)

    def test_the_workbook_equals_the_api(self):
        d = self.dashboard()
        status, raw = self.call("GET", "/api/v1/stats/dashboard/export", staff="sup", raw=True)
        self.assertEqual(status, 200)
        book = read_xlsx(raw)
        self.assertIn("指标", book)
        rows = {r[0]: r for r in book["指标"][1:]}
        for c in d["cards"]:
            row = rows[c["label"]]
            self.assertAlmostEqual(row[1], c["value"], places=9, msg=c["label"])
            self.assertEqual(row[2], c["numerator"], c["label"])
            if c["denominator"] is not None:
                self.assertEqual(row[3], c["denominator"], c["label"])
        channels = {r[0]: r for r in book["渠道"][1:]}
        for c in d["charts"]["channels"]:
            self.assertEqual(channels[c["name"]][1], c["started"])
        heat = book["星期时段"][1:]
        self.assertEqual([r[1:] for r in heat], [[float(n) for n in day] for day in
                                                  d["charts"]["heatmap"]])
        self.assertEqual(sum(r[2] for r in book["工单分类"][1:]),
                         sum(c["count"] for c in d["charts"]["categories"]))
        detail = book["明细"][1:]
        self.assertEqual(len(detail), rows["受理量"][1])  # one row per conversation counted
        self.assertEqual(sum(1 for r in detail if r[4] == "否" and r[3] == "ended"),
                         rows["智能服务占比"][2])
        ages = book["年龄段"]
        self.assertEqual(ages[0], ["年龄段", "合计"] + [c["district"] for c in
                                                   d["charts"]["ages"][0]["districts"]])
        self.assertEqual(ages[1:], [[r["band"], r["count"]] + [c["count"] for c in r["districts"]]
                                    for r in d["charts"]["ages"]])
        sat = {r[0]: r[1] for r in book["满意度"][1:]}
        self.assertEqual(sat, {r["rating"]: r["count"] for r in d["charts"]["satisfaction"]})

    def test_only_supervisors_read_it_and_it_is_audited(self):
        for role in ("agent.a", "hd.cgj", "aud"):
            status, _ = self.call("GET", "/api/v1/stats/dashboard", staff=role)
            self.assertEqual(status, 403, role)
            status, _ = self.call("GET", "/api/v1/stats/dashboard/export", staff=role, raw=True)
            self.assertEqual(status, 403, role)
        self.dashboard("?channel=web")
        status, body = self.call("GET", "/api/v1/audit?action=stats.dashboard&limit=100",
                                 staff="aud")
        self.assertEqual(status, 200, body)
        self.assertTrue(any(e["details"].get("channel") == "web" for e in body["entries"]),
                        body["entries"][-1:])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
