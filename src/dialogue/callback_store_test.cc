// The call-back list: stored with the number sealed and indexed blind, listed newest first, found
// by number, marked done once.
#include "dialogue/callback_store.h"

#include <gtest/gtest.h>

#include "security/keys.h"
#include "storage/testing/test_database.h"

namespace zx::dialogue {
namespace {

CallbackQuery ByPhone(const std::string& phone) {
  CallbackQuery q;
  q.phone = phone;
  return q;
}
CallbackQuery InState(const std::string& state) {
  CallbackQuery q;
  q.state = state;
  return q;
}

class CallbackStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase()).value();
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    store_ = std::move(CallbackStore::Open(*db_, cipher_, clock_)).value();
  }
  NewCallback Sample(const std::string& phone) {
    NewCallback cb;
    cb.conversation_id = "c1";
    cb.phone = phone;
    cb.reason = kCallbackHungUp;
    Summary s;
    s.request_type = "求助";
    s.advice = "回拨来电人";
    cb.summary = s;
    cb.departments = {"rsj"};
    return cb;
  }

  FakeClock clock_{1767225600000};
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  std::unique_ptr<CallbackStore> store_;
};

TEST_F(CallbackStoreTest, TheNumberIsStoredOnlySealedAndOpensWhenAskedFor) {
  auto id = store_->Add(Sample("+86 138-1234-5678"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto raw = db_->Prepare("SELECT phone_enc, phone_index, summary, phone_masked FROM callbacks");
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(*raw->Step());
  EXPECT_EQ(raw->Text(0).find("13812345678"), std::string::npos);
  EXPECT_TRUE(security::FieldCipher::LooksEncrypted(raw->Text(0)));
  EXPECT_EQ(raw->Text(1).find("13812345678"), std::string::npos);
  EXPECT_TRUE(security::FieldCipher::LooksEncrypted(raw->Text(2)));  // the summary too
  EXPECT_EQ(raw->Text(3), "138****5678");

  auto masked = store_->Get(*id);
  ASSERT_TRUE(masked.ok());
  EXPECT_EQ(masked->phone, "");
  EXPECT_EQ(masked->phone_masked, "138****5678");
  ASSERT_TRUE(masked->summary);
  EXPECT_EQ(masked->summary->advice, "回拨来电人");
  EXPECT_EQ(masked->departments, std::vector<std::string>{"rsj"});
  EXPECT_EQ(masked->state, kCallbackOpen);
  EXPECT_EQ(masked->created_ms, 1767225600000);
  auto full = store_->Get(*id, /*open_phone=*/true);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->phone, "13812345678");
}

TEST_F(CallbackStoreTest, ListsNewestFirstFindsByNumberAndFiltersByState) {
  auto a = store_->Add(Sample("13812345678"));
  clock_.Advance(std::chrono::seconds(1));
  auto b = store_->Add(Sample("13900001111"));
  ASSERT_TRUE(a.ok() && b.ok());
  auto all = store_->List({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, *b);
  auto by_phone = store_->List(ByPhone("138 1234 5678"));
  ASSERT_TRUE(by_phone.ok());
  ASSERT_EQ(by_phone->size(), 1u);
  EXPECT_EQ((*by_phone)[0].id, *a);

  ASSERT_TRUE(store_->MarkDone(*a, "u:7", "已回拨").ok());
  auto again = store_->MarkDone(*a, "u:7");
  EXPECT_EQ(again.code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->MarkDone("cbnope", "u:7").code(), Code::kNotFound);
  auto open = store_->List(InState(kCallbackOpen));
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, *b);
  auto done = store_->Get(*a);
  EXPECT_EQ(done->done_by, "u:7");
  EXPECT_EQ(done->note, "已回拨");
  EXPECT_GT(done->done_ms, 0);
}

TEST_F(CallbackStoreTest, WithoutAKeyFileOnlyTheMaskedNumberIsKept) {
  auto plain = std::move(CallbackStore::Open(*db_, nullptr, clock_)).value();
  auto id = plain->Add(Sample("13812345678"));
  ASSERT_TRUE(id.ok());
  auto c = plain->Get(*id, true);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->phone, "");
  EXPECT_EQ(c->phone_masked, "138****5678");
  EXPECT_FALSE(c->summary);
  EXPECT_EQ(plain->List(ByPhone("13812345678")).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(plain->Add(NewCallback{}).status().code(), Code::kInvalidArgument);
}

TEST(CallbackPhoneTest, Normalises) {
  EXPECT_EQ(CallbackStore::NormalizePhone("+86 138-1234-5678"), "13812345678");
  EXPECT_EQ(CallbackStore::NormalizePhone("057188001234"), "057188001234");
  EXPECT_EQ(CallbackStore::NormalizePhone("anonymous"), "");
}

}  // namespace
}  // namespace zx::dialogue
