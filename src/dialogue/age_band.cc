#include "dialogue/age_band.h"

#include <charconv>
#include <set>

#include "base/china_date.h"
#include "dialogue/tsv_file.h"
#include "text/pii.h"

namespace zx::dialogue {
namespace {

constexpr int kMaxAge = 200;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<int> Number(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<AgeBands> LoadAgeBands(const std::string& path) {
  AgeBands out;
  if (path.empty()) return out;  // optional: no ages recorded, as without the file
  ZX_ASSIGN_OR_RETURN(std::vector<TsvRow> rows, ReadTsvRows(path, 3));
  std::set<std::string> labels;
  for (const auto& [line, f] : rows) {
    auto error = [&, line = line](const std::string& reason) {
      return InvalidArgument(path + ":" + std::to_string(line) + ": " + reason);
    };
    const std::optional<int> from = Number(f[1]), to = Number(f[2]);
    if (!from || !to || *from < 0 || *to > kMaxAge || *from > *to)
      return error("ages must be whole numbers 0-200, from no more than to");
    if (!labels.insert(f[0]).second) return error("band \"" + f[0] + "\" is given twice");
    for (const AgeBand& b : out)
      if (*from <= b.to && b.from <= *to) return error("ages overlap band \"" + b.label + "\"");
    out.push_back({f[0], *from, *to});
  }
  return out;
}

std::optional<int> AgeOn(int year, int month, int day, std::string_view today) {
  if (!IsDate(today)) return std::nullopt;
  const int y = *Number(today.substr(0, 4));
  const int m = *Number(today.substr(5, 2));
  const int d = *Number(today.substr(8, 2));
  int age = y - year;
  if (m < month || (m == month && d < day)) --age;  // this year's birthday still to come
  if (age < 0) return std::nullopt;
  return age;
}

std::optional<int> AgeFromIdNumber(std::string_view id, std::string_view today) {
  if (!text::IsValidIdNumber(id)) return std::nullopt;
  // GB 11643: the birth date is characters 7-14, YYYYMMDD.
  return AgeOn(*Number(id.substr(6, 4)), *Number(id.substr(10, 2)), *Number(id.substr(12, 2)),
               today);
}

std::string BandOf(const AgeBands& bands, int age) {
  for (const AgeBand& b : bands)
    if (age >= b.from && age <= b.to) return b.label;
  return "";
}

std::string AgeBandInText(std::string_view text, const AgeBands& bands, std::string_view today) {
  if (bands.empty()) return "";
  std::string band;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsDigit(text[j])) ++j;
    size_t end = j;
    if (j - i == 17 && j < text.size() && (text[j] == 'X' || text[j] == 'x')) end = j + 1;
    if (end - i == 18 && (end >= text.size() || !IsDigit(text[end]))) {
      std::string id(text.substr(i, 18));
      if (id.back() == 'x') id.back() = 'X';
      if (std::optional<int> age = AgeFromIdNumber(id, today)) {
        if (std::string b = BandOf(bands, *age); !b.empty()) band = std::move(b);
      }
    }
    i = end;
  }
  return band;
}

}  // namespace zx::dialogue
