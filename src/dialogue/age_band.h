// Age bands (年龄段) of the dashboard's portraits (DOMAIN.md: no cell under 5 people). A
// conversation's age comes only from what the citizen said: the birth date inside a valid
// 18-digit resident ID number. Only the band is kept, never the number or the birth date.
// The bands are data (kb/age_bands.tsv: label <TAB> from age <TAB> to age, both inclusive).
// Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::dialogue {

struct AgeBand {
  std::string label;  // "30-44岁"
  int from = 0;       // years, inclusive
  int to = 0;         // years, inclusive
};
using AgeBands = std::vector<AgeBand>;

// The bands of a label <TAB> from <TAB> to file with a header row (dialogue/tsv_file.h), in
// the file's order; a missing file (or "") names none. invalid_argument "FILE:LINE: reason" for
// a malformed line, a band whose ages are not whole numbers 0-200 with from <= to, a label given
// twice or ages that overlap an earlier band.
Result<AgeBands> LoadAgeBands(const std::string& path);

// The age in whole years on the China date `today` ("YYYY-MM-DD") of someone born on
// year-month-day (a birthday not yet reached this year does not count); nullopt when `today`
// is not a date or the birth is after it.
std::optional<int> AgeOn(int year, int month, int day, std::string_view today);

// The age on `today` of the holder of ID number `id`; nullopt unless it is a valid 18-digit
// resident ID number (date and check digit).
std::optional<int> AgeFromIdNumber(std::string_view id, std::string_view today);

// The label of the band holding `age`; "" when none does.
std::string BandOf(const AgeBands& bands, int age);

// The band of the last valid ID number in `text` (18 ASCII characters, digits with perhaps a
// final X, not inside a longer run of digits); "" when there is none or no band holds its age.
std::string AgeBandInText(std::string_view text, const AgeBands& bands, std::string_view today);

}  // namespace zx::dialogue
