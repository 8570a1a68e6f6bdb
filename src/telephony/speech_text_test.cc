#include "telephony/speech_text.h"

#include <gtest/gtest.h>

namespace zx::telephony {
namespace {

TEST(SpeechText, PhoneCaseAndIdNumbersDigitByDigit) {
  EXPECT_EQ(PrepareForSpeech("请拨打12345"), "请拨打幺二三四五");
  EXPECT_EQ(PrepareForSpeech("电话0571-88886666"), "电话零五七幺八八八八六六六六");
  EXPECT_EQ(PrepareForSpeech("工单号20250101003"), "工单号二零二五零幺零幺零零三");
  EXPECT_EQ(PrepareForSpeech("身份证11010519491231002X"),
            "身份证幺幺零幺零五幺九四九幺二三幺零零二叉");
}

TEST(SpeechText, QuantitiesStayNumbersYearsAndDatesAreRead) {
  EXPECT_EQ(PrepareForSpeech("每月300元"), "每月300元");
  EXPECT_EQ(PrepareForSpeech("2025年起"), "二零二五年起");
  EXPECT_EQ(PrepareForSpeech("自2025-01-01施行"), "自二零二五年1月1日施行");
  EXPECT_EQ(PrepareForSpeech("比例8%"), "比例百分之8");
  EXPECT_EQ(PrepareForSpeech("比例1.5%"), "比例百分之1.5");
}

TEST(SpeechText, CitationsAndLineBreaksAreNotRead) {
  EXPECT_EQ(PrepareForSpeech("可以在医保APP上办。\n（依据：示例市医疗保障局《新生儿参加医保》）"),
            "可以在医保APP上办。");
  EXPECT_EQ(PrepareForSpeech("第一步\n第二步"), "第一步，第二步");
}

}  // namespace
}  // namespace zx::telephony
