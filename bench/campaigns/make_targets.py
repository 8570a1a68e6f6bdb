#!/usr/bin/python3
"""A campaign target file of N records for the import benchmark (docs/campaigns.md).

Usage: make_targets.py N OUT [--gbk] [--seed S] [--dnc DNC_OUT] [--expect REPORT_OUT]

Realistic rows as a social-insurance system exports them (DOMAIN.md "Target files for
notification campaigns"): people with valid 身份证号 (ISO 7064 check character) and mobile
numbers, one to three notices each (adjacent mostly, some far apart), amounts and dates in every
listed form (1234.50, 1,234.50, 两千元; 2026-12-01, 2026/12/01, 2026年12月1日), a quoted
缺少材料 with a comma or a line break now and then, and a few per cent of trouble: rejected
records of every reason, exact duplicates and normalised duplicates (the same notice with the
phone written +86 138-…, full-width digits). Deterministic for a seed. UTF-8, or GBK with
--gbk. The file is not committed: make it when benchmarking.

--dnc writes a do-not-call list of about 1% of the people's numbers (in the forms a list may
write them). --expect writes the import report the file must give (`zhixian campaign import
FILE --dnc DNC_OUT --as-of 2026-12-01 --json`, DESIGN.md) from what the generator knows it
wrote: every row's physical line, whether it is a person's notice (canonical 身份证号, phone,
scenario) or spoiled on purpose (the reason and field it must be rejected for), and which rows
are copies. It never parses or normalises the text it wrote: tests/campaigns/report_test.py
compares the two.
"""
import argparse
import csv
import json
import random

HEADER = ["姓名", "性别", "手机号", "身份证号", "场景", "逾期天数", "应缴金额", "截止日期",
          "原参保地", "缺少材料", "申请编号", "备注"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红"
REGIONS = ["110101", "110105", "310104", "310115", "440304", "440106", "330106", "320583",
           "510107", "420102", "370202", "210202"]
PLACES = ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区",
          "成都市武侯区", "武汉市江汉区"]
MATERIALS = ["身份证复印件", "户口本", "劳动合同", "近期免冠照片", "银行卡复印件"]
SCENARIOS = ["ob.overdue", "ob.card_ready", "ob.transfer", "ob.material_missing",
             "ob.iit_reminder", "ob.new_enrollee"]
WEIGHTS = [30, 20, 10, 15, 15, 10]
DIGITS = "零一二三四五六七八九"


def check_char(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def id_number(rng):
    birth = "%04d%02d%02d" % (rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    first17 = rng.choice(REGIONS) + birth + "%03d" % rng.randint(0, 999)
    return first17 + check_char(first17)


def chinese_amount(yuan):
    """Whole yuan under 10,000 in Chinese numerals: 两千三百元."""
    out, units = "", [(1000, "千"), (100, "百"), (10, "十")]
    zero = False
    for value, unit in units:
        d = yuan // value % 10
        if d:
            if zero and out:
                out += "零"
            out += ("两" if d == 2 and value >= 100 else DIGITS[d]) + unit
            zero = False
        elif out:
            zero = True
    if yuan % 10:
        if zero and out:
            out += "零"
        out += DIGITS[yuan % 10]
    return (out or "零") + "元"


def amount(rng):
    if rng.random() < 0.1:
        return chinese_amount(rng.randint(1, 99) * 100)
    fen = rng.randint(5000, 2000000)
    text = "%d.%02d" % (fen // 100, fen % 100)
    return "{:,}.{:02d}".format(fen // 100, fen % 100) if rng.random() < 0.3 else text


def deadline(rng):
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    y = 2026 if m == 12 else 2027
    form = rng.random()
    if form < 0.6:
        return "%d-%02d-%02d" % (y, m, d)
    if form < 0.8:
        return "%d/%02d/%02d" % (y, m, d)
    return "%d年%d月%d日" % (y, m, d)


def notice(rng, person, scenario):
    row = {"姓名": person["name"], "性别": person["gender"], "手机号": person["phone"],
           "身份证号": person["id"], "场景": scenario}
    if scenario == "ob.overdue":
        days = rng.randint(1, 90)
        tens = ("" if days < 20 else DIGITS[days // 10]) + "十" if days >= 10 else ""
        zh = tens + (DIGITS[days % 10] if days % 10 else "")
        row["逾期天数"] = str(days) if rng.random() < 0.9 else zh + "天"
        row["应缴金额"] = amount(rng)
        row["截止日期"] = deadline(rng)
    elif scenario == "ob.transfer":
        row["原参保地"] = rng.choice(PLACES)
        row["截止日期"] = deadline(rng)
    elif scenario == "ob.material_missing":
        sep = rng.choice([",", "、", "\n"])
        row["缺少材料"] = sep.join(rng.sample(MATERIALS, rng.randint(1, 3)))
        row["申请编号"] = "SQ2026%06d" % rng.randint(0, 999999)
        row["截止日期"] = deadline(rng)
    elif scenario == "ob.card_ready":
        row["申请编号"] = "SB2026%06d" % rng.randint(0, 999999)
    elif scenario == "ob.iit_reminder":
        row["截止日期"] = deadline(rng)
    return [row.get(h, "") for h in HEADER]


# The first field each scenario needs (kb/campaigns/scenarios.toml), and its column.
FIRST_NEED = {"ob.overdue": 6, "ob.transfer": 8, "ob.material_missing": 10,
              "ob.card_ready": 10, "ob.iit_reminder": 7}


def spoiled(rng, fields):
    """A record every check rejects for one reason or another: (fields, reason, field)."""
    f = list(fields)
    kind = rng.randrange(7)
    if kind == 0:
        f[0] = ""                                  # missing_field 姓名
        return f, "missing_field", "姓名"
    if kind == 1:
        f[4] = "ob.pension"                        # unknown_scenario
        return f, "unknown_scenario", "场景"
    if kind == 2:
        f[2] = "12" + f[2][2:]                     # invalid_phone
        return f, "invalid_phone", "手机号"
    if kind == 3:
        f[3] = f[3][:17] + ("0" if f[3][17] != "0" else "1")  # invalid_id_checksum
        return f, "invalid_id_checksum", "身份证号"
    if kind == 4:
        f[2] = f[2][:7]                            # invalid_phone (too short)
        return f, "invalid_phone", "手机号"
    if kind == 5:                                  # born after the campaign date
        first17 = f[3][:6] + "20270315" + f[3][14:17]
        f[3] = first17 + check_char(first17)
        return f, "invalid_id_birth_date", "身份证号"
    need = FIRST_NEED.get(f[4])                    # a field the scenario needs left empty
    if need is None:
        f[0] = ""
        return f, "missing_field", "姓名"
    f[need] = ""
    return f, "missing_field", HEADER[need]


def rewritten(rng, fields):
    """The same notice written otherwise: a normalised duplicate."""
    f = list(fields)
    p = f[2]
    f[2] = rng.choice(["+86 %s-%s-%s" % (p[:3], p[3:7], p[7:]),
                       p.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                       " %s " % p])
    f[11] = "再次导出"
    return f


def dnc_list(people, seed):
    """About 1% of the people's numbers, each in one of the forms a list may write it."""
    rng = random.Random(seed + 1)
    numbers = sorted({p["phone"] for p in people if rng.random() < 0.01})
    lines = ["# do-not-call list (make_targets.py)"]
    for n in numbers:
        lines.append(rng.choice([n, "+86 %s-%s-%s" % (n[:3], n[3:7], n[7:]), " %s  # 本人要求" % n]))
    return set(numbers), "\n".join(lines) + "\n"


def expected_report(rows, metas, dnc):
    """The report of DESIGN.md's `campaign import --json` for `rows`, from their metas: each a
    notice {"id", "phone", "scenario"} as generated, or a rejection {"reason", "field"}."""
    line = 2  # the header is line 1
    seen, first_notice, people = {}, {}, {}
    report = {"records": len(rows), "accepted": 0, "rejected": [], "exact_duplicates": [],
              "normalized_duplicates": [], "notices_by_scenario": {}}
    for fields, meta in zip(rows, metas):
        at = line
        line += 1 + sum(f.count("\n") for f in fields)
        raw = tuple(fields)
        if raw in seen:
            report["exact_duplicates"].append({"line": at, "duplicate_of": seen[raw]})
            continue
        seen[raw] = at
        if "reason" in meta:
            report["rejected"].append({"line": at, "reason": meta["reason"],
                                       "field": meta["field"]})
            continue
        report["accepted"] += 1
        key = (meta["id"], meta["scenario"])
        if key in first_notice:
            report["normalized_duplicates"].append({"line": at,
                                                    "duplicate_of": first_notice[key]})
            continue
        first_notice[key] = at
        by = report["notices_by_scenario"]
        by[meta["scenario"]] = by.get(meta["scenario"], 0) + 1
        person = people.setdefault(meta["id"], {"lines": [], "dnc": False})
        person["lines"].append(at)
        person["dnc"] = person["dnc"] or meta["phone"] in dnc
    report["notices_by_scenario"] = dict(sorted(report["notices_by_scenario"].items()))
    report["people"] = len(people)
    # People in the order of their first lines (dicts keep insertion order).
    report["merged"] = [{"lines": p["lines"]} for p in people.values()
                        if not p["dnc"] and len(p["lines"]) > 1]
    report["dnc_suppressed"] = [{"lines": p["lines"]} for p in people.values() if p["dnc"]]
    report["calls"] = len(people) - len(report["dnc_suppressed"])
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--gbk", action="store_true")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--dnc", help="write a do-not-call list here")
    ap.add_argument("--expect", help="write the expected import report (JSON) here")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows, later = [], []
    metas, later_metas, everyone = [], [], []
    while len(rows) < args.n:
        person = {"name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                  "gender": rng.choice("男女"),
                  "phone": "1%d%09d" % (rng.randint(3, 9), rng.randint(0, 999999999)),
                  "id": id_number(rng)}
        everyone.append(person)
        k = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
        for scenario in rng.sample(SCENARIOS, k) if k > 1 else rng.choices(SCENARIOS, WEIGHTS):
            fields = notice(rng, person, scenario)
            meta = {"id": person["id"], "phone": person["phone"], "scenario": scenario}
            r = rng.random()
            if r < 0.03:
                fields, reason, field = spoiled(rng, fields)
                meta = {"reason": reason, "field": field}
            # One notice in ten of a person with several comes much later in the file.
            if k > 1 and rng.random() < 0.1:
                later.append(fields)
                later_metas.append(meta)
            else:
                rows.append(fields)
                metas.append(meta)
            if r > 0.99:
                rows.append(list(fields))                  # exact duplicate
                metas.append(meta)
            elif r > 0.98:
                rows.append(rewritten(rng, fields))        # normalised duplicate
                metas.append(meta)                         # (or rejected alike)
        if len(later) > 1000:
            rows.extend(later)
            metas.extend(later_metas)
            later, later_metas = [], []
    rows.extend(later)
    metas.extend(later_metas)
    rows, metas = rows[:args.n], metas[:args.n]
    dnc = set()
    if args.dnc:
        dnc, text = dnc_list(everyone, args.seed)
        with open(args.dnc, "w", encoding="utf-8") as out:
            out.write(text)
    if args.expect:
        with open(args.expect, "w", encoding="utf-8") as out:
            json.dump(expected_report(rows, metas, dnc), out, ensure_ascii=False)
            out.write("\n")
    with open(args.out, "w", newline="", encoding="gbk" if args.gbk else "utf-8") as out:
        w = csv.writer(out, lineterminator="\r\n" if args.gbk else "\n")
        w.writerow(HEADER)
        w.writerows(rows)


if __name__ == "__main__":
    main()
