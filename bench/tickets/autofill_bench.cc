// Auto-fill accuracy per field (issue 12, item 11 and its bars): topic, department (the 主办, or
// none for 待人工派单), district, place, SLA tier and contact over labelled complaints, against a
// keyword baseline (fixed keyword → department and district tables, a suffix pattern for the
// place, a few danger words for the tier) measured in the same run, and the time per Fill.
//
//   build/bench/tickets/autofill_bench [--kb DIR] [--list] [--strict] [--no-ranker] [TSV...]
//
// Defaults: kb and bench/tickets/autofill_dev.tsv + bench/tickets/autofill_heldout.tsv (run from
// the repository root). The topic guess comes from the knowledge ranker exactly as `zhixian
// tickets draft` takes it: its top topic when that topic's kind is `complaint`. --list prints
// each wrong field (use it on the development part only: the held-out part is for judging).
// --strict: exit 1 unless every field of every row is right (the CI smoke test). Otherwise the
// exit status is 1 when the last file misses a bar: department >= 95%, district >= 95%,
// place >= 85%, tier >= 90%.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "text/normalizer.h"
#include "tickets/autofill.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string text, topic, department, district, place, tier, contact;
};

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

std::vector<Row> ReadRows(const std::string& path) {
  std::vector<Row> rows;
  std::ifstream in(path);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    auto f = Split(line);
    if (f.size() != 7) {
      std::cerr << path << ": expected 7 columns: " << line << "\n";
      continue;
    }
    rows.push_back({f[0], f[1], f[2], f[3], f[4], f[5], f[6]});
  }
  return rows;
}

// The keyword baseline: what a dispatcher's spreadsheet of keywords does.
struct Baseline {
  const zx::text::Normalizer& normalizer;
  Row Fill(const std::string& raw) const {
    struct Keyword {
      const char* word;
      const char* topic;
      const char* department;
    };
    static const std::vector<Keyword> kKeywords = {{"工资", "ld.wage_arrears", "rsj"},
                                                   {"欠薪", "ld.wage_arrears", "rsj"},
                                                   {"工钱", "ld.wage_arrears", "rsj"},
                                                   {"施工", "ts.noise", "cgj"},
                                                   {"噪音", "ts.noise", "gaj"},
                                                   {"吵", "ts.noise", "gaj"},
                                                   {"井盖", "ts.road_damage", "cgj"},
                                                   {"路面", "ts.road_damage", "cgj"},
                                                   {"坑", "ts.road_damage", "cgj"},
                                                   {"垃圾", "ts.garbage", "cgj"},
                                                   {"违建", "ts.illegal_building", "cgj"},
                                                   {"私搭乱建", "ts.illegal_building", "cgj"},
                                                   {"摆摊", "-", "cgj"},
                                                   {"停水", "ts.water_outage", "sw"},
                                                   {"没水", "ts.water_outage", "sw"},
                                                   {"停电", "ts.power_outage", "gd"},
                                                   {"没电", "ts.power_outage", "gd"},
                                                   {"暖气", "ts.heating", "zjj"},
                                                   {"供暖", "ts.heating", "zjj"},
                                                   {"物业", "ts.property", "zjj"},
                                                   {"电梯", "ts.property", "zjj"},
                                                   {"食品", "ts.food_safety", "scjg"},
                                                   {"拉肚子", "ts.food_safety", "scjg"},
                                                   {"外卖", "ts.food_safety", "scjg"},
                                                   {"退", "ts.consumer", "scjg"},
                                                   {"商家", "ts.consumer", "scjg"},
                                                   {"停车", "ts.parking", "gaj"},
                                                   {"乱停", "ts.parking", "gaj"},
                                                   {"违停", "ts.parking", "gaj"},
                                                   {"狗", "ts.dog", "gaj"},
                                                   {"建议", "ts.suggestion", "jd"},
                                                   {"接线员", "meta.service_complaint", "jd"},
                                                   {"态度", "meta.service_complaint", "jd"}};
    static const std::vector<std::string> kDistricts = {"东城区", "西城区", "高新区", "临河县"};
    static const std::vector<std::string> kDanger = {
        "受伤", "流血", "漏电", "煤气味", "燃气味", "塌", "困", "停水", "停电", "没水", "没电"};
    const std::string t = normalizer.Normalize(raw);
    Row r{raw, "-", "-", "-", "-", "24h", "-"};
    for (const Keyword& k : kKeywords)
      if (t.find(k.word) != std::string::npos) {
        r.topic = k.topic;
        r.department = k.department;
        break;
      }
    static const std::regex kMobile("(1[3-9][0-9]{9})");
    std::smatch phone;
    if (std::regex_search(t, phone, kMobile)) r.contact = phone[1];
    for (const auto& d : kDistricts)
      if (t.find(d) != std::string::npos) {
        r.district = d;
        break;
      }
    static const std::regex kPlace(
        "((?:[\\xE4-\\xE9][\\x80-\\xBF][\\x80-\\xBF]){2,3}(?:路|大道|大街|小区|花园|家园|苑|社区|"
        "村|镇|街道))");
    std::smatch m;
    if (std::regex_search(t, m, kPlace)) r.place = m[1];
    for (const auto& w : kDanger)
      if (t.find(w) != std::string::npos) r.tier = "2h";
    return r;
  }
};

struct Score {
  int n = 0, topic = 0, department = 0, district = 0, place = 0, tier = 0, contact = 0;
  double Pct(int k) const { return n ? 100.0 * k / n : 0; }
};

}  // namespace

int main(int argc, char** argv) {
  std::string kb_dir = "kb";
  bool list = false, strict = false, ranker = true;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--kb" && i + 1 < argc) {
      kb_dir = argv[++i];
    } else if (a == "--list") {
      list = true;
    } else if (a == "--strict") {
      strict = true;
    } else if (a == "--no-ranker") {
      ranker = false;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty())
    files = {"bench/tickets/autofill_dev.tsv", "bench/tickets/autofill_heldout.tsv"};

  const std::string jieba = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  const bool have_jieba = std::filesystem::exists(jieba);
  auto filler = zx::tickets::AutoFiller::Load({kb_dir, have_jieba ? jieba : ""});
  if (!filler.ok()) {
    std::cerr << filler.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<zx::knowledge::KnowledgeEngine> engine;
  if (ranker) {
    auto kb = zx::knowledge::LoadKnowledgeBase(kb_dir);
    if (!kb.ok()) {
      std::cerr << kb.status().message() << "\n";
      return 2;
    }
    zx::knowledge::EngineOptions options;
    options.work_dir = (std::filesystem::temp_directory_path() / "zx-bench-autofill").string();
    options.jieba_dict = have_jieba ? jieba : "";
    auto built = zx::knowledge::KnowledgeEngine::Build(std::move(kb).value(), options);
    if (!built.ok()) {
      std::cerr << built.status().message() << "\n";
      return 2;
    }
    engine = std::move(built).value();
  }
  auto normalizer = zx::text::Normalizer::Create();
  if (!normalizer.ok()) return 2;
  Baseline baseline{**normalizer};

  bool bars_met = true, all_right = true;
  for (const std::string& file : files) {
    const std::vector<Row> rows = ReadRows(file);
    if (rows.empty()) {
      std::cerr << "no rows in " << file << "\n";
      return 2;
    }
    Score ours, base;
    double fill_us = 0, rank_us = 0, base_us = 0;
    for (const Row& row : rows) {
      zx::tickets::AutofillInput input{row.text, std::nullopt, std::nullopt, ""};
      auto t0 = Clock::now();
      if (engine) {
        // As `zhixian tickets draft`: the ranker's top topic, when it is a complaint.
        auto ranked = engine->Rank(row.text);
        const auto& entries = engine->knowledge_base().entries;
        if (!ranked.empty() && entries[ranked[0].topic].kind == "complaint")
          input.topic = zx::tickets::TopicGuess{entries[ranked[0].topic].id, ranked[0].confidence};
      }
      auto t1 = Clock::now();
      const zx::tickets::Draft d = (*filler)->Fill(input);
      auto t2 = Clock::now();
      const Row b = baseline.Fill(row.text);
      auto t3 = Clock::now();
      rank_us += std::chrono::duration<double, std::micro>(t1 - t0).count();
      fill_us += std::chrono::duration<double, std::micro>(t2 - t1).count();
      base_us += std::chrono::duration<double, std::micro>(t3 - t2).count();

      const Row got{row.text,
                    d.topic.value.value_or("-"),
                    d.Lead().value_or("-"),
                    d.district.value.value_or("-"),
                    d.place.value.value_or("-"),
                    std::string(zx::tickets::TierName(d.tier.value)),
                    d.contact.value.value_or("-")};
      auto score = [&](Score& s, const Row& g, bool report) {
        ++s.n;
        auto check = [&](int& counter, const std::string& field, const std::string& want,
                         const std::string& have) {
          if (want == have) {
            ++counter;
          } else if (report) {
            all_right = false;
            if (list || strict)
              std::printf("WRONG %-10s want %-14s got %-14s %s\n", field.c_str(), want.c_str(),
                          have.c_str(), row.text.c_str());
          }
        };
        check(s.topic, "topic", row.topic, g.topic);
        check(s.department, "department", row.department, g.department);
        check(s.district, "district", row.district, g.district);
        check(s.place, "place", row.place, g.place);
        check(s.tier, "tier", row.tier, g.tier);
        check(s.contact, "contact", row.contact, g.contact);
      };
      score(ours, got, true);
      score(base, b, false);
    }
    const int n = ours.n;
    std::printf("\nautofill_bench %s (%d complaints)%s\n", file.c_str(), n,
                engine ? "" : " [no ranker]");
    std::printf("  field        auto-fill   keyword baseline   ratio\n");
    auto line = [&](const char* name, int a, int b) {
      std::printf("  %-11s  %6.1f%%      %6.1f%%          %5.2f\n", name, ours.Pct(a), base.Pct(b),
                  b ? static_cast<double>(a) / b : 0.0);
    };
    line("topic", ours.topic, base.topic);
    line("department", ours.department, base.department);
    line("district", ours.district, base.district);
    line("place", ours.place, base.place);
    line("tier", ours.tier, base.tier);
    line("contact", ours.contact, base.contact);
    std::printf("  time per complaint: fill %.1f us, ranker %.1f us, baseline %.1f us\n",
                fill_us / n, rank_us / n, base_us / n);
    if (&file == &files.back()) {
      bars_met = ours.Pct(ours.department) >= 95 && ours.Pct(ours.district) >= 95 &&
                 ours.Pct(ours.place) >= 85 && ours.Pct(ours.tier) >= 90;
      std::printf(
          "  bars (department >= 95%%, district >= 95%%, place >= 85%%, tier >= 90%%): %s\n",
          bars_met ? "met" : "MISSED");
    }
  }
  if (strict) return all_right ? 0 : 1;
  return bars_met ? 0 : 1;
}
