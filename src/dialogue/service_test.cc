#include "dialogue/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/testing/temp_dir.h"
#include "dialogue/calculators.h"
#include "dialogue/conversation_figures.h"
#include "dialogue/conversation_store.h"
#include "dialogue/rules.h"
#include "knowledge/engine.h"
#include "knowledge/live_knowledge.h"
#include "knowledge/loader.h"
#include "storage/testing/test_database.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kb = knowledge::LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    work_ = std::filesystem::temp_directory_path() / ("zx-dialogue-" + std::to_string(getpid()));
    knowledge::EngineOptions o;
    o.work_dir = (work_ / "index").string();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto e = knowledge::KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    std::filesystem::remove_all(work_);
  }
  void SetUp() override {
    auto db = storage::testing::OpenTestDatabase();
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    DialogueOptions o = DialogueOptionsFor(std::string(ZX_SOURCE_DIR) + "/kb", {});
    auto s = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }
  std::string Start() {
    auto v = service_->Start("test");
    EXPECT_TRUE(v.ok());
    return v->id;
  }
  Reply Say(const std::string& id, const std::string& text) {
    auto r = service_->Say(id, text);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Reply();
  }
  // The first column of every row `sql` gives, joined by '|'.
  std::string AllRows(const std::string& sql) {
    auto q = db_->Prepare(sql);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    std::string out;
    for (;;) {
      auto row = q.ok() ? q->Step() : Result<bool>(false);
      EXPECT_TRUE(row.ok()) << row.status().ToString();
      if (!row.ok() || !*row) return out;
      out += q->Text(0) + "|";
    }
  }
  // An agent's correction, as the HTTP body carries it.
  Status Correct(const std::string& id, const StaffRef& agent, const json& corrected) {
    return service_->CorrectSummary(id, agent, corrected.dump());
  }

  static inline knowledge::KnowledgeEngine* engine_ = nullptr;
  static inline std::filesystem::path work_;
  FakeClock clock_{1767225600000};  // 2026-01-01
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<DialogueService> service_;
};

// Issue 11 item 5: the agents' queue serves a danger first, then anger, then the longest
// waiting (QueueUrgency); a message written while queued is read for danger and moves its
// conversation up.
TEST_F(ServiceTest, QueueServesDangerBeforeAngerBeforeWaitingTime) {
  std::string asked = Start(), angry = Start(), danger = Start(), later = Start();
  EXPECT_EQ(Say(asked, "我要转人工").queue_position, 1);
  clock_.Advance(std::chrono::seconds(5));
  Reply r = Say(angry, "你们这一帮废物，拿钱不干事");
  ASSERT_TRUE(r.handoff) << r.text;
  EXPECT_EQ(r.handoff_reason, "anger");
  EXPECT_EQ(r.queue_position, 1) << "anger goes before an earlier plain request";
  clock_.Advance(std::chrono::seconds(5));
  r = Say(danger, "已经有个骑电动车的摔倒了，头都流血了");
  ASSERT_TRUE(r.handoff) << r.text;
  EXPECT_EQ(r.handoff_reason, "risk");
  EXPECT_EQ(r.queue_position, 1) << r.text;
  EXPECT_NE(r.text.find("第1位"), std::string::npos) << r.text;
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(Say(later, "帮我接真人客服").queue_position, 4);
  auto q = service_->Queue();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].id, danger);
  EXPECT_EQ(q[1].id, angry);
  EXPECT_EQ(q[2].id, asked);
  EXPECT_EQ(q[3].id, later);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q[i].position, static_cast<int>(i) + 1);

  // Waiting in the queue, the last one tells of a gas leak: it moves up behind the earlier
  // danger (equal urgency: the longest waiting first), and says so.
  std::vector<Event> events;
  int sub = service_->Subscribe(asked, [&](const Event& e) { events.push_back(e); });
  r = Say(later, "楼道里一股煤气味，好像燃气管漏了");
  service_->Unsubscribe(sub);
  EXPECT_EQ(r.state, "queued");
  EXPECT_EQ(r.queue_position, 2) << r.text;
  EXPECT_NE(r.text.find("优先"), std::string::npos) << r.text;
  q = service_->Queue();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].id, danger);
  EXPECT_EQ(q[1].id, later);
  EXPECT_EQ(q[2].id, angry);
  EXPECT_EQ(q[3].id, asked);
  bool moved = false;  // the others are told their new place
  for (const auto& e : events)
    if (const auto* st = std::get_if<StateChanged>(&e)) moved |= st->queue_position == 4;
  EXPECT_TRUE(moved);
  // A harmless message while queued changes nothing.
  r = Say(asked, "好的我等一下");
  EXPECT_EQ(r.queue_position, 4);
  EXPECT_EQ(r.text.find("优先"), std::string::npos) << r.text;

  // The summary the agent sees carries the danger and the 2-hour time limit.
  auto v = service_->Get(later);
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->summary.has_value());
  const auto& risks = v->summary->risks;
  EXPECT_NE(std::find(risks.begin(), risks.end(), "安全隐患"), risks.end());
  EXPECT_NE(v->summary->advice.find("2小时"), std::string::npos) << v->summary->advice;
}

TEST_F(ServiceTest, CalculatorOverSeveralTurnsWithCorrection) {
  std::string id = Start();
  Reply r = Say(id, "住院花了两万能报多少");
  EXPECT_EQ(r.topic, "yb.inpatient_calc");
  EXPECT_FALSE(r.handoff);
  r = Say(id, "三级医院，甲类一万五，乙类四千，丙类一千");
  EXPECT_NE(r.text.find("14600"), std::string::npos) << r.text;
  EXPECT_FALSE(r.steps.empty());
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->amount_cents, 1460000);
  r = Say(id, "那要是临时外出备案了呢");
  EXPECT_NE(r.text.find("13720"), std::string::npos) << r.text;
  r = Say(id, "不对，是二级医院");
  EXPECT_EQ(r.slots["hospital_level"], SlotValue("二级")) << r.text;
}

// Several nodes on one database (docs/deployment.md): a conversation is wherever its state is,
// so another node carries it on, also after the node that began it went away.
TEST_F(ServiceTest, AConversationGoesOnOnAnotherNode) {
  zx::testing::TempDir dir;
  auto place = storage::testing::TestDatabasePlace(dir.File("zhixian.db"));
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  auto db_a = std::move(storage::OpenDatabase(*place).value());
  auto db_b = std::move(storage::OpenDatabase(*place).value());
  DialogueOptions o = DialogueOptionsFor(std::string(ZX_SOURCE_DIR) + "/kb", {});
  auto node_a = std::move(
      DialogueService::Create(*db_a, *engine_, engine_->knowledge_base(), o, clock_).value());
  auto node_b = std::move(
      DialogueService::Create(*db_b, *engine_, engine_->knowledge_base(), o, clock_).value());
  std::string id = node_a->Start("test").value().id;
  EXPECT_EQ(node_a->Say(id, "住院花了两万能报多少").value().topic, "yb.inpatient_calc");
  Reply r = node_b->Say(id, "三级医院，甲类一万五，乙类四千，丙类一千").value();
  EXPECT_NE(r.text.find("14600"), std::string::npos) << r.text;
  r = node_a->Say(id, "那要是临时外出备案了呢").value();  // A sees what B did
  EXPECT_NE(r.text.find("13720"), std::string::npos) << r.text;
  node_a.reset();  // node A is gone
  db_a.reset();
  r = node_b->Say(id, "不对，是二级医院").value();
  EXPECT_EQ(r.slots["hospital_level"], SlotValue("二级")) << r.text;
}

TEST_F(ServiceTest, AskedForAPersonIsQueuedWithPositionAndAgentCanReply) {
  std::string a = Start(), b = Start();
  Reply r = Say(a, "我要转人工");
  EXPECT_TRUE(r.handoff);
  EXPECT_EQ(r.handoff_reason, "asked_for_human");
  EXPECT_EQ(r.state, "queued");
  EXPECT_EQ(r.queue_position, 1);
  clock_.Advance(std::chrono::seconds(5));
  r = Say(b, "帮我接真人客服");
  EXPECT_EQ(r.queue_position, 2) << r.text;
  auto q = service_->Queue();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].id, a);
  EXPECT_TRUE(q[0].summary.has_value());

  std::vector<Event> events;
  int sub = service_->Subscribe(a, [&](const Event& e) { events.push_back(e); });
  ASSERT_TRUE(service_->Take(a, {"u:1", "agent1"}).ok());
  ASSERT_TRUE(service_->AgentSay(a, {"u:1", "agent1"}, "您好，我是坐席小王").ok());
  service_->Unsubscribe(sub);
  bool saw = false;
  bool saw_state = false;
  for (const auto& e : events) {
    if (const auto* said = std::get_if<AgentSaid>(&e)) saw |= said->text == "您好，我是坐席小王";
    if (const auto* st = std::get_if<StateChanged>(&e)) saw_state |= st->state == "agent";
  }
  EXPECT_TRUE(saw);
  EXPECT_TRUE(saw_state);
  EXPECT_EQ(service_->Queue().size(), 1u);
  auto v = service_->Get(a);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, "agent");
  EXPECT_EQ(v->turns.back().role, "agent");
}

// The agent desk: while an agent has the conversation, each citizen turn stores the knowledge
// pushed to the agent (best topics with answer, version, confidence and the words matched) and
// the feeling and risks heard; the citizen gets no answer from the assistant. Who holds what is
// listed by agent.
TEST_F(ServiceTest, ACitizenTurnWithAnAgentPushesKnowledgeToTheAgent) {
  std::string id = Start();
  Say(id, "我要转人工");
  ASSERT_TRUE(service_->Take(id, {"u:7", "agent7"}).ok());
  EXPECT_EQ(*service_->HeldBy("u:7"), std::vector<std::string>{id});
  EXPECT_TRUE(service_->HeldBy("u:8")->empty());

  Reply r = Say(id, "我的社保卡丢了，要怎么补办？急死了");
  EXPECT_TRUE(r.text.empty()) << r.text;  // the agent answers
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  const auto& turn = v->turns.back();
  ASSERT_EQ(turn.role, "citizen");
  json meta = json::parse(turn.meta);
  ASSERT_TRUE(meta.contains("kb")) << turn.meta;
  ASSERT_GE(meta["kb"].size(), 1u);
  EXPECT_LE(meta["kb"].size(), 3u);
  const json& first = meta["kb"][0];
  EXPECT_EQ(first["topic"], "sbk.loss") << turn.meta;
  EXPECT_FALSE(first["answer"].get<std::string>().empty());
  EXPECT_GE(first["version"].get<int>(), 1);
  EXPECT_GT(first["confidence"].get<double>(), 0.05);
  EXPECT_FALSE(first["terms"].empty()) << turn.meta;
  ASSERT_TRUE(meta.contains("emotion")) << turn.meta;

  Say(id, "我真的不想活了");
  v = service_->Get(id);
  meta = json::parse(v->turns.back().meta);
  ASSERT_TRUE(meta.contains("risks")) << v->turns.back().meta;
  EXPECT_FALSE(meta["risks"].empty());
}

TEST_F(ServiceTest, AngerAndRiskHandOverAtOnce) {
  std::string id = Start();
  Reply r = Say(id, "我都第三次打电话了，你们到底管不管！气死我了！！");
  EXPECT_TRUE(r.emotion.has_value());
  std::string id2 = Start();
  r = Say(id2, "工资一直不发，我真的不想活了");
  EXPECT_TRUE(r.handoff) << r.text;
  auto s = service_->End(id2);
  ASSERT_TRUE(s.ok());
  bool self_harm = false;
  for (const auto& risk : s->risks) self_harm |= risk.find("自伤") != std::string::npos;
  EXPECT_TRUE(self_harm);
}

TEST_F(ServiceTest, ThreeConsecutiveFailuresHandOver) {
  std::string id = Start();
  Reply r;
  for (int i = 0; i < 3; ++i) r = Say(id, "阿巴阿巴");
  EXPECT_TRUE(r.handoff) << r.text;
}

TEST_F(ServiceTest, RepeatThanksGoodbyeAndSummary) {
  std::string id = Start();
  Reply first = Say(id, "小区门口垃圾好几天没人清运，在东城区");
  EXPECT_EQ(first.topic, "ts.garbage");
  Reply again = Say(id, "没听清，你再说一遍");
  EXPECT_NE(again.text.find(first.text), std::string::npos);
  Reply bye = Say(id, "好的谢谢，再见");
  EXPECT_TRUE(bye.done) << bye.text;
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, "ended");
  ASSERT_TRUE(v->summary.has_value());
  EXPECT_EQ(v->summary->request_type, "投诉");
  EXPECT_EQ(v->summary->subject.district, "东城区");
  EXPECT_FALSE(service_->Say(id, "还在吗").ok());
  EXPECT_EQ(v->districts, std::vector<std::string>{"990101"});  // kb/districts.tsv
  // Nobody held it: no agent may rewrite what the citizen and the assistant said.
  EXPECT_EQ(Correct(id, {"u:1", "agent1"}, {{"满意度预测", "满意"}}).code(),
            Code::kPermissionDenied);
}

// Issue 12 item 7: a return visit's question is posted into an ended conversation (subscribers
// hear it) and the late replies take the citizen's verdict there; anything they do not take is
// refused as before.
TEST_F(ServiceTest, ANoticeIsPostedAfterTheEndAndLateRepliesTakeTheVerdict) {
  std::string id = Start();
  ASSERT_TRUE(service_->End(id).ok());
  std::vector<std::string> heard;
  int sub = service_->Subscribe(id, [&heard](const Event& e) {
    if (const auto* t = std::get_if<TurnAnswered>(&e)) heard.push_back(t->reply.text);
  });
  ASSERT_TRUE(service_->PostNotice(id, "问题解决了吗？满意请回复1").ok());
  EXPECT_EQ(heard, std::vector<std::string>{"问题解决了吗？满意请回复1"});
  EXPECT_EQ(service_->PostNotice("nope", "x").code(), Code::kNotFound);
  EXPECT_EQ(service_->Say(id, "1").status().code(), Code::kFailedPrecondition);  // none wired
  std::vector<std::string> asked;
  service_->SetLateReplies([&asked](const std::string& conversation,
                                    const std::string& text) -> Result<std::optional<std::string>> {
    asked.push_back(conversation + ":" + text);
    if (text == "1") return std::optional<std::string>("感谢您的评价");
    return std::optional<std::string>();
  });
  auto r = service_->Say(id, "1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "感谢您的评价");
  EXPECT_EQ(r->state, "ended");
  EXPECT_EQ(service_->Say(id, "还在吗").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(asked, (std::vector<std::string>{id + ":1", id + ":还在吗"}));
  service_->Unsubscribe(sub);
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  ASSERT_GE(v->turns.size(), 3u);
  EXPECT_EQ(v->turns[v->turns.size() - 3].text, "问题解决了吗？满意请回复1");
  EXPECT_EQ(v->turns[v->turns.size() - 2].text, "1");
  EXPECT_EQ(v->turns.back().text, "感谢您的评价");
  EXPECT_EQ(v->state, "ended");
  // A conversation still with the assistant (a tab left open): taken too, state unchanged;
  // what is not taken goes through the turn as ever.
  std::string open = Start();
  Reply taken = Say(open, "1");
  EXPECT_EQ(taken.text, "感谢您的评价");
  EXPECT_EQ(taken.state, "active");
  Reply normal = Say(open, "社保卡丢了怎么补办");
  EXPECT_NE(normal.text, "感谢您的评价");
  EXPECT_EQ(normal.state, "active");
}

// Issue 9 (5): only the holder writes into and corrects a conversation; taking it over from
// another agent needs the explicit take-over.
TEST_F(ServiceTest, OnlyTheHolderWritesAndCorrects) {
  std::string id = Start();
  Say(id, "我要转人工");
  StaffRef a{"u:1", "a"}, b{"u:2", "b"}, sup{"u:3", "sup"};
  ASSERT_TRUE(service_->Take(id, a).ok());
  // The store's atomic claim refuses the second agent (HTTP 409 already_taken).
  EXPECT_EQ(service_->Take(id, b).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(service_->AgentSay(id, b, "我是B").code(), Code::kPermissionDenied);
  ASSERT_TRUE(service_->AgentSay(id, a, "我是A").ok());
  ASSERT_TRUE(service_->Take(id, sup, /*takeover=*/true).ok());
  EXPECT_EQ(service_->AgentSay(id, a, "我还在").code(), Code::kPermissionDenied);
  ASSERT_TRUE(service_->AgentSay(id, sup, "班长接手").ok());
  ASSERT_TRUE(service_->End(id).ok());
  EXPECT_EQ(Correct(id, a, {{"满意度预测", "满意"}}).code(), Code::kPermissionDenied);
  ASSERT_TRUE(Correct(id, sup, {{"满意度预测", "满意"}}).ok());
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  json corrected = json::parse(v->summary_corrected);
  EXPECT_EQ(corrected["满意度预测"], "满意");
  EXPECT_EQ(corrected["_corrected_by"], "u:3");
  EXPECT_EQ(corrected["诉求类型"], v->summary->request_type);  // the rest as it was
  EXPECT_TRUE(v->summary.has_value());  // the original is kept beside the correction
  EXPECT_EQ(v->agent_id, "u:3");
  EXPECT_EQ(v->agent, "sup");
  // Corrections are validated: known elements, text of bounded length.
  EXPECT_EQ(Correct(id, sup, {{"备注", "x"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(Correct(id, sup, {{"处理建议", std::string(3001, 'a')}}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Correct(id, sup, json::object()).code(), Code::kInvalidArgument);
  EXPECT_EQ(Correct(id, sup, {{"处理建议", {{"a", {{"b", {1}}}}}}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->CorrectSummary(id, sup, "not json").code(), Code::kInvalidArgument);
}

// Issue 9 (2): the token, not the id, is the citizen's key; only its hash is stored.
TEST_F(ServiceTest, TheCitizenTokenOpensTheConversation) {
  auto v = service_->Start("web");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->token.size(), 34u);
  EXPECT_TRUE(service_->CheckToken(v->id, v->token).ok());
  EXPECT_EQ(service_->CheckToken(v->id, "").code(), Code::kNotFound);
  EXPECT_EQ(service_->CheckToken(v->id, v->token + "0").code(), Code::kNotFound);
  EXPECT_EQ(service_->CheckToken("c-unknown", v->token).code(), Code::kNotFound);
  auto other = service_->Start("web");
  EXPECT_EQ(service_->CheckToken(other->id, v->token).code(), Code::kNotFound);
  EXPECT_TRUE(service_->Get(v->id)->token.empty());  // handed out once
  EXPECT_EQ(AllRows("SELECT citizen_token FROM conversations").find(v->token.substr(2)),
            std::string::npos);
}

// Issue 9 (1): a conversation belongs to the departments of its topics and the districts named.
TEST_F(ServiceTest, ViewKnowsWhereTheConversationBelongs) {
  std::string id = Start();
  Say(id, "社保卡丢了怎么办，我在西城区");
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->departments, std::vector<std::string>{"rsj"});
  EXPECT_EQ(v->districts, std::vector<std::string>{"990102"});
}

TEST_F(ServiceTest, FollowUpKeepsTheQuestionAspect) {
  std::string id = Start();
  Reply r = Say(id, "领工伤待遇需要满足什么条件");
  r = Say(id, "领失业金需要满足什么条件");
  EXPECT_EQ(r.topic, "sy.conditions") << r.text;
  r = Say(id, "那怎么申请呢？");
  EXPECT_EQ(r.topic, "sy.apply") << r.text;
  std::string other = Start();
  r = Say(other, "居住证需要什么条件");
  EXPECT_EQ(r.topic, "hj.residence_permit") << r.text;
  r = Say(other, "那失业金呢？");
  EXPECT_EQ(r.topic, "sy.conditions") << r.text;
}

TEST_F(ServiceTest, BadInputIsRefusedAndLosesNothing) {
  std::string id = Start();
  EXPECT_EQ(service_->Say("nope", "你好").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->Say(id, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Say(id, "\xff\xfe").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Say(id, std::string(1 << 20, 'a')).status().code(), Code::kResourceExhausted);
  Reply r = Say(id, "社保卡丢了怎么办");
  EXPECT_EQ(r.topic, "sbk.loss");
  auto v = service_->Get(id);
  EXPECT_EQ(v->turns.size(), 3u);  // greeting, question, answer
}

// Issue 9 (22): a conversation holds at most max_citizen_turns; the transcript comes in pages.
TEST_F(ServiceTest, LongConversationIsCappedAndPaged) {
  std::string id = Start();
  for (int i = 0; i < 200; ++i) {
    auto r = service_->Say(id, i % 2 ? "社保卡丢了怎么办" : "谢谢");
    ASSERT_TRUE(r.ok()) << i << " " << r.status().ToString();
  }
  EXPECT_EQ(service_->Say(id, "还有一个问题").status().code(), Code::kFailedPrecondition);
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->turns.size(), 401u);
  EXPECT_EQ(v->turns_total, 401);
  EXPECT_EQ(v->next_after, -1);
  std::vector<int64_t> seqs;
  for (int64_t after = -1;;) {
    auto page = service_->Get(id, {after, 100});
    ASSERT_TRUE(page.ok());
    ASSERT_LE(page->turns.size(), 100u);
    for (const auto& t : page->turns) seqs.push_back(t.seq);
    if (page->next_after < 0) break;
    after = page->next_after;
  }
  ASSERT_EQ(seqs.size(), 401u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<int64_t>(i));
}

// A conversation stored before the turn counter on its row (dialogue_turn_seq) goes on with the
// next seq after an upgrade: the migration counts the turns it has.
TEST_F(ServiceTest, AConversationFromBeforeTheTurnCounterGoesOn) {
  std::string id = Start();
  Say(id, "社保卡丢了怎么办");
  ASSERT_TRUE(db_->Exec("ALTER TABLE conversations DROP COLUMN next_seq").ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM schema_migrations WHERE module = 'dialogue_turn_seq'").ok());
  DialogueOptions o = DialogueOptionsFor(std::string(ZX_SOURCE_DIR) + "/kb", {});
  auto upgraded = std::move(
      DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_).value());
  ASSERT_TRUE(upgraded->Say(id, "谢谢").ok());
  auto v = upgraded->Get(id);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->turns_total, 5);
  ASSERT_EQ(v->turns.size(), 5u);
  for (size_t i = 0; i < v->turns.size(); ++i) EXPECT_EQ(v->turns[i].seq, static_cast<int64_t>(i));
  EXPECT_EQ(v->turns[3].text, "谢谢");
}

TEST_F(ServiceTest, TurnsAndStateAreStoredSealed) {
  // A toy sealer (the real one is SM4-GCM, wired in app/): enough to see that nothing the
  // citizen said reaches the tables as written, and that the binding to the row is checked.
  TextSealer sealer;
  sealer.seal = [](const std::string& plain, const std::string& table, const std::string& column,
                   const std::string& key) {
    // Hex of the bytes xor 0x5a: text, as the real sealer's output is.
    std::string out = "sealed:" + table + "." + column + ":" + key + ":";
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : plain) {
      auto b = static_cast<unsigned char>(c ^ 0x5a);
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
    return out;
  };
  sealer.open = [](const std::string& sealed, const std::string& table, const std::string& column,
                   const std::string& key) -> Result<std::string> {
    std::string prefix = "sealed:" + table + "." + column + ":" + key + ":";
    if (sealed.rfind(prefix, 0) != 0) return DataLoss("sealed elsewhere");
    std::string out;
    const std::string hex = sealed.substr(prefix.size());
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16) ^ 0x5a);
    return out;
  };
  DialogueOptions o;
  std::string kb = std::string(ZX_SOURCE_DIR) + "/kb";
  o.flows_dir = kb + "/flows";
  o.emotions_file = kb + "/emotions.toml";
  o.risks_file = kb + "/risks.toml";
  o.rules_file = kb + "/dialogue.toml";
  o.districts_file = kb + "/districts.tsv";
  auto sealed =
      DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_, sealer);
  ASSERT_TRUE(sealed.ok());
  auto v = (*sealed)->Start("test");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto r = (*sealed)->Say(v->id, "我在单位干了三年七个月，月薪六千，经济补偿能拿多少");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const char* sql :
       {"SELECT text FROM conversation_turns", "SELECT data FROM conversations"}) {
    std::string stored = AllRows(sql);
    EXPECT_EQ(stored.find("月薪六千"), std::string::npos) << sql;
    EXPECT_EQ(stored.find("三年七个月"), std::string::npos) << sql;
  }
  auto back = (*sealed)->Get(v->id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->turns[1].text, "我在单位干了三年七个月，月薪六千，经济补偿能拿多少");
  EXPECT_EQ(back->slots["wage"], SlotValue(int64_t{6000}));
  // Issue 9 (3): an agent's correction of the summary is sealed like the turns.
  ASSERT_TRUE((*sealed)->Say(v->id, "转人工").ok());
  ASSERT_TRUE((*sealed)->Take(v->id, {"u:1", "a"}).ok());
  ASSERT_TRUE((*sealed)->End(v->id).ok());
  ASSERT_TRUE((*sealed)
                  ->CorrectSummary(v->id, {"u:1", "a"},
                                   json{{"处理建议", "联系慕容雪晴13698765432"}}.dump())
                  .ok());
  auto q = db_->Prepare("SELECT summary_corrected FROM conversations WHERE id = ?1");
  ASSERT_TRUE(q.ok());
  q->Bind(1, v->id);
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0).find("13698765432"), std::string::npos);
  EXPECT_EQ(q->Text(0).find("慕容"), std::string::npos);
  auto corrected = (*sealed)->Get(v->id);
  ASSERT_TRUE(corrected.ok()) << corrected.status().ToString();
  EXPECT_EQ(json::parse(corrected->summary_corrected)["处理建议"], "联系慕容雪晴13698765432");
}

// The ranking seam: counts every question put to the knowledge base, and makes one question
// ambiguous (an ask-back with two choices) so that the choice stage can be exercised.
class CountingAssistant : public knowledge::Assistant {
 public:
  explicit CountingAssistant(const knowledge::Assistant& inner) : inner_(inner) {}
  knowledge::Answer Ask(std::string_view question) const override {
    {
      std::lock_guard lock(mu_);
      ++asked_[std::string(question)];
      ++total_;
    }
    if (question == kAmbiguous) {
      knowledge::Answer a;
      a.question = std::string(question);
      a.text = "您是想咨询：1. 社保卡挂失补办；2. 失业金领取条件？";
      a.alternatives = {{"sbk.loss", 0.4}, {"sy.conditions", 0.3}};
      return a;
    }
    return inner_.Ask(question);
  }
  int Asked(const std::string& q) const {
    std::lock_guard lock(mu_);
    auto it = asked_.find(q);
    return it == asked_.end() ? 0 : it->second;
  }
  int Total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  static constexpr std::string_view kAmbiguous = "我那个卡和钱的事怎么办";

 private:
  const knowledge::Assistant& inner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, int> asked_;
  mutable int total_ = 0;
};

DialogueOptions KbOptions() {
  DialogueOptions o;
  std::string kb = std::string(ZX_SOURCE_DIR) + "/kb";
  o.flows_dir = kb + "/flows";
  o.emotions_file = kb + "/emotions.toml";
  o.risks_file = kb + "/risks.toml";
  o.rules_file = kb + "/dialogue.toml";
  o.districts_file = kb + "/districts.tsv";
  return o;
}

// Issue 10 (3): a chat turn ranks the citizen's text once. The script goes through every stage:
// an ask-back and a choice, a calculator flow started and continued (also by a follow-up), a
// follow-up the knowledge stage reads in context (the only turn that ranks other texts too), a
// hand-over, and a turn while queued (ranked once, for the agent's knowledge push).
TEST_F(ServiceTest, ATurnRanksTheCitizensTextOnce) {
  CountingAssistant counting(*engine_);
  auto created =
      DialogueService::Create(*db_, counting, engine_->knowledge_base(), KbOptions(), clock_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  DialogueService& service = **created;
  auto started = service.Start("test");
  ASSERT_TRUE(started.ok());
  const std::string id = started->id;
  EXPECT_EQ(counting.Total(), 0);  // the greeting ranks nothing

  struct Turn {
    std::string text;
    int ranks;  // all questions the turn puts to the knowledge base
  };
  const std::string ambiguous(CountingAssistant::kAmbiguous);
  const std::vector<Turn> script = {
      {ambiguous, 1},                                   // asked back with two choices
      {"第一个", 2},                                    // the text, and the chosen entry's title
      {"住院花了两万能报多少", 1},                      // starts the inpatient calculator
      {"三级医院，甲类一万五，乙类四千，丙类一千", 1},  // the flow answers
      {"那要是临时外出备案了呢", 1},  // a follow-up the flow takes: no reading in context
      {"那失业金呢？", 3},  // a follow-up the flow leaves: also read with the previous question
      {"我要转人工", 1},    // hand-over
      {"还在吗", 1},  // queued: the agents answer; ranked once for the knowledge pushed to them
  };
  std::vector<Reply> replies;
  for (const auto& turn : script) {
    int before = counting.Total();
    auto r = service.Say(id, turn.text);
    ASSERT_TRUE(r.ok()) << turn.text << ": " << r.status().ToString();
    EXPECT_EQ(counting.Total() - before, turn.ranks) << turn.text;
    EXPECT_EQ(counting.Asked(turn.text), turn.ranks > 0 ? 1 : 0) << turn.text;
    replies.push_back(std::move(r).value());
  }
  // The stages did what the script says.
  EXPECT_FALSE(replies[0].topic);
  EXPECT_EQ(replies[1].topic, "sbk.loss");
  EXPECT_EQ(replies[2].topic, "yb.inpatient_calc");
  ASSERT_TRUE(replies[3].result);
  EXPECT_NE(replies[3].text.find("14600"), std::string::npos) << replies[3].text;
  EXPECT_NE(replies[4].text.find("13720"), std::string::npos) << replies[4].text;
  EXPECT_EQ(replies[5].topic.value_or("").substr(0, 3), "sy.") << replies[5].text;
  EXPECT_TRUE(replies[6].handoff);
  EXPECT_EQ(replies[7].state, "queued");
  // The chosen entry's title was ranked (for the confidence), never the choice again.
  const auto* entry = engine_->knowledge_base().Find("sbk.loss");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(counting.Asked(entry->title), 1);
}

// Issue 10 (3): what a dialogue may trigger is registered by name; the data names it.
TEST_F(ServiceTest, AHandOverTriggersTheActionsTheDataNames) {
  ActionRegistry actions;
  std::vector<ActionRequest> seen;
  ASSERT_TRUE(actions
                  .Register("notify_agents",
                            [&](const ActionRequest& r) {
                              seen.push_back(r);
                              return ActionOutcome{};
                            })
                  .ok());
  EXPECT_EQ(actions.Register("notify_agents", [](const ActionRequest&) { return ActionOutcome{}; })
                .code(),
            Code::kAlreadyExists);
  EXPECT_EQ(actions.Invoke("create_ticket", {}).status().code(), Code::kNotFound);
  auto created = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), KbOptions(),
                                         clock_, {}, std::move(actions));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto v = (*created)->Start("test");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE((*created)->Say(v->id, "社保卡丢了怎么办").ok());
  EXPECT_TRUE(seen.empty());  // an answer triggers nothing
  auto r = (*created)->Say(v->id, "我要转人工");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->handoff);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].action, "notify_agents");
  EXPECT_EQ(seen[0].trigger, "on_handoff");
  EXPECT_EQ(seen[0].conversation_id, v->id);
  EXPECT_EQ(seen[0].topic, "sbk.loss");
  EXPECT_FALSE(seen[0].reason.empty());
}

// Issue 12 (9): a complaint makes its work order through the on_complaint action once its
// place is known; the citizen hears the number, the reply carries it, the summary names it.
TEST_F(ServiceTest, AComplaintMakesItsWorkOrderOnceThePlaceIsKnown) {
  ActionRegistry actions;
  std::vector<ActionRequest> seen;
  ASSERT_TRUE(actions
                  .Register("create_ticket",
                            [&](const ActionRequest& r) {
                              seen.push_back(r);
                              return ActionOutcome{"GD202612050001", "cgj", "24h",
                                                   "已为您登记工单GD202612050001。"};
                            })
                  .ok());
  auto created = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), KbOptions(),
                                         clock_, {}, std::move(actions));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto& service = **created;
  auto v = service.Start("chat");
  ASSERT_TRUE(v.ok());
  auto first = service.Say(v->id, "小区门口垃圾好几天没人清运了");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->topic, "ts.garbage");
  EXPECT_TRUE(seen.empty());  // where? not known yet
  EXPECT_FALSE(first->ticket.has_value());
  auto second = service.Say(v->id, "在西城区建设路的阳光小区");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].trigger, "on_complaint");
  EXPECT_EQ(seen[0].topic, "ts.garbage");
  EXPECT_EQ(seen[0].channel, "chat");
  EXPECT_NE(seen[0].text.find("垃圾"), std::string::npos);
  EXPECT_NE(seen[0].text.find("阳光小区"), std::string::npos);
  ASSERT_TRUE(second->ticket.has_value());
  EXPECT_EQ(second->ticket->id, "GD202612050001");
  EXPECT_EQ(second->text, "已为您登记工单GD202612050001。");  // not the answer again
  // Once made, never again; later replies still carry it.
  auto third = service.Say(v->id, "好的谢谢");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(seen.size(), 1u);
  auto ended = service.End(v->id);
  ASSERT_TRUE(ended.ok());
  EXPECT_NE(ended->advice.find("已登记工单GD202612050001"), std::string::npos) << ended->advice;
}

// Issue 10 (3): the dialogue tells subscribers what happened, as typed events, in order.
TEST_F(ServiceTest, SubscribersHearEveryFactOfAConversation) {
  std::vector<Event> events;
  int sub = service_->Subscribe("", [&](const Event& e) { events.push_back(e); });
  std::string id = Start();
  Say(id, "我要转人工");
  ASSERT_TRUE(service_->Take(id, {"u:1", "a"}).ok());
  ASSERT_TRUE(service_->End(id).ok());
  service_->Unsubscribe(sub);
  Say(Start(), "谢谢");  // after Unsubscribe: nothing more
  std::vector<size_t> kinds;
  for (const auto& e : events) {
    EXPECT_EQ(ConversationOf(e), id);
    kinds.push_back(e.index());
  }
  auto index = [](const Event& e) { return e.index(); };
  std::vector<size_t> want = {index(ConversationStarted{}), index(CitizenSaid{}),
                              index(TurnAnswered{}),        index(HandedOver{}),
                              index(StateChanged{}),        index(AgentSaid{}),
                              index(ConversationEnded{}),   index(SummaryReady{})};
  EXPECT_EQ(kinds, want);
  const auto& answered = std::get<TurnAnswered>(events[2]);
  EXPECT_TRUE(answered.reply.handoff);
  EXPECT_EQ(std::get<HandedOver>(events[3]).reason_code, "asked_for_human");
  EXPECT_FALSE(std::get<SummaryReady>(events[7]).summary.advice.empty());
}

// Issue 11 (6, 8): the end is told once with a 受理编号; the contact the citizen gave is in the
// summary but not in the stored summary column; transfer, close, rating, search, continue.
TEST_F(ServiceTest, TheEndIsToldOnceWithAReferenceAndTheContact) {
  std::vector<Event> events;
  int sub = service_->Subscribe("", [&](const Event& e) { events.push_back(e); });
  std::string id = Start();
  Say(id, "社保卡丢了怎么补办，我住在东城区幸福路12号3单元，电话13812345678");
  Say(id, "好的谢谢，再见");            // the goodbye ends it
  ASSERT_TRUE(service_->End(id).ok());  // a second end tells nobody anything
  service_->Unsubscribe(sub);
  int summaries = 0;
  std::string reference;
  for (const auto& e : events)
    if (const auto* r = std::get_if<SummaryReady>(&e)) ++summaries, reference = r->reference;
  EXPECT_EQ(summaries, 1);
  EXPECT_EQ(reference, "202601010001");  // the FakeClock's day in China, the first of it
  auto v = service_->Get(id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->reference, reference);
  ASSERT_TRUE(v->summary);
  EXPECT_EQ(v->summary->subject.contact, "13812345678");
  EXPECT_EQ(v->summary->subject.address, "东城区幸福路12号3单元");
  // Not in the stored summary column (not sealed): only in the sealed state.
  auto q = db_->Prepare("SELECT summary FROM conversations WHERE id = ?");
  ASSERT_TRUE(q.ok());
  q->Bind(1, id);
  ASSERT_TRUE(q->Step().ok());
  EXPECT_EQ(q->Text(0).find("13812345678"), std::string::npos);
  EXPECT_EQ(q->Text(0).find("幸福路"), std::string::npos);
  // Rating: once, after the end.
  EXPECT_EQ(service_->Rate(id, "还行").code(), Code::kInvalidArgument);
  EXPECT_TRUE(service_->Rate(id, "满意").ok());
  EXPECT_EQ(service_->Rate(id, "不满意").code(), Code::kAlreadyExists);
  // Found by reference and by phone; a message after the end opens a new conversation.
  auto found = service_->Search({.reference = reference});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].satisfaction, "满意");
  found = service_->Search({.phone = "138-1234-5678"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(service_->Search({}).status().code(), Code::kInvalidArgument);
  auto next = service_->Continue(id, "失业金怎么领");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_NE(next->started.id, id);
  EXPECT_FALSE(next->started.token.empty());
  EXPECT_FALSE(next->reply.text.empty());
  EXPECT_EQ(service_->Continue(next->started.id, "x").status().code(), Code::kFailedPrecondition);
}

TEST_F(ServiceTest, TransferToAnAgentOrAQueueAndClose) {
  std::string id = Start();
  Say(id, "我要转人工");
  StaffRef a{"u:1", "a", "1024号"}, b{"u:2", "b", "小王"};
  ASSERT_TRUE(service_->Take(id, a).ok());
  auto v = service_->Get(id);
  EXPECT_EQ(v->agent_display, "1024号");
  EXPECT_NE(v->turns.back().text.find("1024号"), std::string::npos);
  EXPECT_EQ(service_->Transfer(id, b, {a, ""}, "x").code(), Code::kPermissionDenied);
  EXPECT_EQ(service_->Transfer(id, a, {b, ""}, " ").code(), Code::kInvalidArgument);
  ASSERT_TRUE(service_->Transfer(id, a, {b, ""}, "需要医保专席").ok());
  EXPECT_EQ(service_->AgentSay(id, a, "还在").code(), Code::kPermissionDenied);
  ASSERT_TRUE(service_->AgentSay(id, b, "您好").ok());
  ASSERT_TRUE(service_->Transfer(id, b, {{}, "医保专席"}, "交接").ok());
  v = service_->Get(id);
  EXPECT_EQ(v->state, "queued");
  EXPECT_EQ(v->agent_id, "");
  auto queue = service_->Queue();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].queue, "医保专席");
  ASSERT_TRUE(service_->Take(id, a).ok());
  EXPECT_EQ(service_->Close(id, b, "").status().code(), Code::kPermissionDenied);
  auto closed = service_->Close(id, a, "已解答");
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  v = service_->Get(id);
  EXPECT_EQ(v->state, "ended");
  EXPECT_FALSE(v->reference.empty());
  EXPECT_EQ(service_->Close(id, a, "").status().code(), Code::kFailedPrecondition);
}

TEST_F(ServiceTest, CorrectionsHaveTheTypesAndValuesOfTheSevenElements) {
  std::string id = Start();
  Say(id, "我要转人工");
  StaffRef a{"u:1", "a"};
  ASSERT_TRUE(service_->Take(id, a).ok());
  ASSERT_TRUE(service_->End(id).ok());
  Status s = Correct(id, a, {{"诉求类型", "闲聊xx"}, {"处理建议", 123}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("field \"诉求类型\"", 0), 0u) << s.message();
  s = Correct(id, a, {{"处理建议", 123}});
  EXPECT_EQ(s.message().rfind("field \"处理建议\"", 0), 0u) << s.message();
  s = Correct(id, a, {{"咨询主体", {{"type", "外星人"}}}});
  EXPECT_EQ(s.message().rfind("field \"咨询主体.type\"", 0), 0u) << s.message();
  s = Correct(id, a, {{"咨询主体", {{"age_band", 3}}}});
  EXPECT_EQ(s.message().rfind("field \"咨询主体.age_band\"", 0), 0u) << s.message();
  EXPECT_TRUE(Correct(id, a, {{"咨询主体", {{"age_band", "30-44岁"}}}}).ok());
  EXPECT_TRUE(Correct(id, a, {{"诉求类型", "投诉"}, {"待办事项", {"回访"}}}).ok());
}

// Issue 10 (3): the city's greeting is data (kb/dialogue.toml); code keeps a neutral one.
TEST_F(ServiceTest, TheGreetingComesFromTheData) {
  auto v = service_->Start("test");
  ASSERT_TRUE(v.ok());
  ASSERT_FALSE(v->turns.empty());
  EXPECT_NE(v->turns.front().text.find("12345"), std::string::npos);  // kb/dialogue.toml

  std::filesystem::path rules = work_ / "rules-without-greeting.toml";
  std::ofstream(rules) << "[require_words]\n\"meta.human\" = [\"人工\"]\n[request_types]\n";
  DialogueOptions o = KbOptions();
  o.rules_file = rules.string();
  auto neutral = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_);
  ASSERT_TRUE(neutral.ok()) << neutral.status().ToString();
  auto n = (*neutral)->Start("test");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->turns.front().text, kNeutralGreeting);
}

// The registries of personal data (app/security_context.cc) name what the store creates.
// A phone menu's keys choose topics by id (issue 11): the entry is answered whatever the stored
// words would rank to, a calculator starts and says which slot it asks, keypad values fill them.
TEST_F(ServiceTest, ChoosingATopicByIdAnswersItAndACalculatorSaysWhatItAsks) {
  std::string id = Start();
  auto r = service_->Choose(id, "gjj.rate", "社保卡丢了怎么办");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topic, "gjj.rate");
  EXPECT_EQ(r->asking, "");
  r = service_->Choose(id, "yb.inpatient_calc", "按键：医保 > 报销测算 > 住院报销测算");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topic, "yb.inpatient_calc");
  EXPECT_EQ(r->asking, "hospital_level");
  EXPECT_EQ(Say(id, "三级").asking, "class_a");
  EXPECT_EQ(Say(id, "12000元").asking, "class_b");
  Reply done = Say(id, "3000.5元");
  EXPECT_EQ(done.asking, "");
  ASSERT_TRUE(done.result) << done.text;
  // Chosen again: a new calculation from its first question.
  r = service_->Choose(id, "yb.inpatient_calc", "按键：医保 > 报销测算 > 住院报销测算");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->asking, "hospital_level") << r->text;
  EXPECT_EQ(service_->Choose(id, "yb.nothing", "按键").status().code(), Code::kNotFound);
  auto view = service_->Get(id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->turns[1].text, "社保卡丢了怎么办");  // the citizen's turn as given
}

TEST(ConversationStoreTest, ThePersonalDataRegistriesNameTheStoresColumns) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  ASSERT_TRUE(ConversationStore::Open(*db, {}).ok());
  EXPECT_EQ(EncryptedColumns().size(), 3u);
  ASSERT_EQ(RetentionRules().size(), 1u);
  EXPECT_EQ(RetentionRules()[0].category, security::RetentionCategory::kTranscripts);
  for (const auto& c : EncryptedColumns())
    EXPECT_TRUE(db->Prepare("SELECT " + c.key_column + ", " + c.column + " FROM " + c.table).ok())
        << c.table << "." << c.column;
  for (const auto& r : RetentionRules()) {
    std::string columns = r.timestamp_column;
    for (const auto& c : r.clear_columns) columns += ", " + c;
    if (!r.file_column.empty()) columns += ", " + r.file_column;
    EXPECT_TRUE(db->Prepare("SELECT " + columns + " FROM " + r.table).ok()) << r.table;
  }
}

// Issue 16 (4): the age band of an ID number the citizen gives (at the turn's day, the FakeClock's
// 2026-01-01 in China) is in the summary and its stored column; the number and birth date are
// stored nowhere but in the transcript. The last one heard wins.
TEST_F(ServiceTest, AnIdNumberGivesTheSummaryAnAgeBandOnly) {
  std::string first = Start();
  Say(first, "社保卡丢了怎么补办，我住在东城区，身份证号110101199003078515");
  ASSERT_TRUE(service_->End(first).ok());
  auto v = service_->Get(first);
  ASSERT_TRUE(v.ok() && v->summary);
  EXPECT_EQ(v->summary->subject.age_band, "30-44岁");
  std::string id = Start();
  Say(id, "社保卡丢了怎么补办，身份证号110101199003078515");
  Say(id, "我说错了，是我母亲的，１１０１０５１９５８０６１５４５６６");  // full-width digits
  Say(id, "号码110101199003078514");  // a wrong check digit: no age
  ASSERT_TRUE(service_->End(id).ok());
  v = service_->Get(id);
  ASSERT_TRUE(v.ok() && v->summary);
  EXPECT_EQ(v->summary->subject.age_band, "60岁及以上");
  // The stored summary column (not sealed) has the band, not the number nor the birth date.
  const std::string stored = AllRows("SELECT summary FROM conversations");
  EXPECT_NE(stored.find("60岁及以上"), std::string::npos) << stored;
  for (const char* secret : {"110105195806154566", "110101199003078515", "19580615", "1958"})
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret;
  // The retirement-age calculator's birth (year and month) when it gave its result.
  std::string calc = Start();
  Say(calc, "七零年五月出生的男的，什么时候退休");
  ASSERT_TRUE(service_->End(calc).ok());
  v = service_->Get(calc);
  ASSERT_TRUE(v.ok() && v->summary);
  EXPECT_EQ(v->summary->subject.age_band, "45-59岁");  // 55 on 2026-01-01
  // No ID number, no band.
  std::string none = Start();
  Say(none, "我想问问失业金");
  ASSERT_TRUE(service_->End(none).ok());
  v = service_->Get(none);
  ASSERT_TRUE(v.ok() && v->summary);
  EXPECT_EQ(v->summary->subject.age_band, std::nullopt);
}

// The dashboard's age figures read the stored summaries: per band, and per band and district.
TEST_F(ServiceTest, FiguresCountAgeBandsPerDistrict) {
  for (const char* words :
       {"我住在东城区，身份证号110101199003078515", "我住在东城区，身份证号110101199003078515",
        "我住在西城区，身份证号110101199003078515", "身份证号110105195806154566",
        "我住在西城区，问问社保卡"}) {
    std::string id = Start();
    Say(id, words);
    ASSERT_TRUE(service_->End(id).ok());
  }
  Start();  // still going on: no summary, no age
  auto f = ComputeConversationFigures(*db_, {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->ages, (std::map<std::string, int64_t>{{"30-44岁", 3}, {"60岁及以上", 1}}));
  EXPECT_EQ(f->age_districts, (std::map<std::string, std::map<std::string, int64_t>>{
                                  {"30-44岁", {{"东城区", 2}, {"西城区", 1}}}}));
  EXPECT_EQ(f->districts, (std::map<std::string, int64_t>{{"东城区", 2}, {"西城区", 2}}));
}

TEST(DialogueOptionsTest, TheFilesAreInTheKnowledgeBaseDirectory) {
  DialogueConfig config;
  config.max_citizen_turns = 7;
  DialogueOptions o = DialogueOptionsFor("/srv/kb", config);
  EXPECT_EQ(o.flows_dir, "/srv/kb/flows");
  EXPECT_EQ(o.emotions_file, "/srv/kb/emotions.toml");
  EXPECT_EQ(o.risks_file, "/srv/kb/risks.toml");
  EXPECT_EQ(o.rules_file, "/srv/kb/dialogue.toml");
  EXPECT_EQ(o.districts_file, "/srv/kb/districts.tsv");
  EXPECT_EQ(o.age_bands_file, "/srv/kb/age_bands.tsv");
  EXPECT_EQ(o.max_citizen_turns, 7);
}

// Issue 11 (4): conversations sealed under a key the server no longer holds (a run without a
// key file, a lost or replaced key file) answer key_missing, never a server error, and a
// waiting one stays in the agents' queue, marked, instead of vanishing.
TEST_F(ServiceTest, AConversationSealedUnderALostKeyIsReportedAsSuch) {
  auto ring = [&] {
    return std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
  };
  DialogueOptions o = DialogueOptionsFor(std::string(ZX_SOURCE_DIR) + "/kb", {});
  auto before = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_,
                                        CipherSealer(ring()));
  ASSERT_TRUE(before.ok());
  auto open = (*before)->Start("web");
  auto waiting = (*before)->Start("web");
  ASSERT_TRUE(open.ok() && waiting.ok());
  ASSERT_TRUE((*before)->Say(open->id, "社保卡丢了怎么办").ok());
  ASSERT_TRUE((*before)->Say(waiting->id, "我要转人工").ok());
  ASSERT_EQ((*before)->Queue().size(), 1u);

  // The next start holds another key.
  auto after = DialogueService::Create(*db_, *engine_, engine_->knowledge_base(), o, clock_,
                                       CipherSealer(ring()));
  ASSERT_TRUE(after.ok());
  auto said = (*after)->Say(open->id, "补办要多久");
  EXPECT_EQ(said.status().code(), Code::kKeyMissing) << said.status().ToString();
  EXPECT_NE(said.status().message().find("key"), std::string::npos);
  EXPECT_EQ((*after)->Get(open->id).status().code(), Code::kKeyMissing);
  EXPECT_EQ((*after)->Take(waiting->id, {"u:1", "a"}).status().code(), Code::kKeyMissing);
  auto queue = (*after)->Queue();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].id, waiting->id);
  EXPECT_TRUE(queue[0].key_missing);
  EXPECT_EQ(queue[0].position, 1);
  EXPECT_FALSE(queue[0].summary);
  // The old key back: everything readable again, nothing was changed.
  auto fresh = (*after)->Start("web");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*after)->Say(fresh->id, "社保卡丢了怎么办").ok());
  EXPECT_TRUE((*before)->Get(open->id).ok());
  EXPECT_FALSE((*before)->Queue()[0].key_missing);
}

// What is sealed for one place opens there only (the associated data binds table, column, row).
TEST(CipherSealerTest, SealsUnderTheCipherBoundToItsPlace) {
  FakeClock clock{1767225600000};
  auto cipher = std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
  TextSealer sealer = CipherSealer(cipher);
  std::string sealed = sealer.seal("我的电话是13800138000", "conversation_turns", "text", "c1/1");
  EXPECT_EQ(sealed.find("13800138000"), std::string::npos);
  auto opened = sealer.open(sealed, "conversation_turns", "text", "c1/1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "我的电话是13800138000");
  EXPECT_EQ(*cipher->Decrypt(sealed, security::FieldAad("conversation_turns", "text", "c1/1")),
            *opened);
  EXPECT_FALSE(sealer.open(sealed, "conversation_turns", "text", "c1/2").ok());
}

// Issue 14 points 2 and 4: a knowledge base published while conversations go on takes over at
// their next turn; a calculator started before the swap goes on after it; each turn keeps the
// version it was answered from, and the summary cites the versions the conversation used.
class LiveServiceTest : public ::testing::Test {
 protected:
  // kb/ with sbk.loss at version `version` and an answer that says so.
  static Result<knowledge::KnowledgeBase> KbAt(int version) {
    auto kb = knowledge::LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    if (!kb.ok()) return kb.status();
    for (auto& e : kb->entries)
      if (e.id == "sbk.loss") {
        e.version = version;
        e.answer += "（第" + std::to_string(version) + "版）";
      }
    return kb;
  }
  void SetUp() override {
    auto db = storage::testing::OpenTestDatabase();
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    knowledge::EngineOptions o;
    o.work_dir = dir_.path();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto live =
        knowledge::LiveKnowledge::Open([this](std::string) { return KbAt(published_); }, o, clock_);
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    live_ = std::move(live).value();
    auto s = DialogueService::Create(*db_, live_->Snapshots(), KbOptions(), clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }
  void Publish(int version) {
    published_ = version;
    live_->RequestRebuild();
    live_->WaitIdle();
    ASSERT_EQ(live_->date(), knowledge::LiveKnowledge::LocalDate(clock_));
  }
  Reply Say(const std::string& id, const std::string& text) {
    auto r = service_->Say(id, text);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Reply();
  }

  zx::testing::TempDir dir_;
  FakeClock clock_{1767225600000};  // 2026-01-01
  std::atomic<int> published_{1};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<knowledge::LiveKnowledge> live_;
  std::unique_ptr<DialogueService> service_;
};

TEST_F(LiveServiceTest, AConversationContinuesAcrossASwap) {
  auto started = service_->Start("test");
  ASSERT_TRUE(started.ok());
  const std::string id = started->id;
  Reply first = Say(id, "社保卡丢了怎么办");
  ASSERT_EQ(first.topic, "sbk.loss") << first.text;
  ASSERT_EQ(first.citations.size(), 1u);
  EXPECT_EQ(first.citations[0].version, 1);
  EXPECT_NE(first.text.find("（第1版）"), std::string::npos) << first.text;
  // A calculator begun before the publish...
  Reply asked = Say(id, "住院费用医保能报销多少？");
  EXPECT_EQ(asked.topic, "yb.inpatient_calc");
  EXPECT_NE(asked.text.find("几级医院"), std::string::npos) << asked.text;

  Publish(2);
  EXPECT_EQ(live_->generation(), 2u);

  // ...goes on after it, slot by slot.
  Reply level = Say(id, "三级的");
  EXPECT_EQ(level.slots.count("hospital_level"), 1u);
  Say(id, "15000");
  Reply result = Say(id, "4000");
  EXPECT_NE(result.text.find("14600.00"), std::string::npos) << result.text;
  // The next question is answered from the new knowledge base.
  Reply again = Say(id, "社保卡丢了怎么办");
  ASSERT_EQ(again.topic, "sbk.loss") << again.text;
  ASSERT_EQ(again.citations.size(), 1u);
  EXPECT_EQ(again.citations[0].version, 2);
  EXPECT_NE(again.text.find("（第2版）"), std::string::npos) << again.text;

  // The record keeps each answer's version.
  auto view = service_->Get(id);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  std::vector<int> versions;
  for (const auto& t : view->turns) {
    if (t.role != "assistant" || t.meta.empty()) continue;
    json meta = json::parse(t.meta);
    if (meta["topic"] == "sbk.loss") versions.push_back(meta["citations"][0]["version"]);
  }
  EXPECT_EQ(versions, (std::vector<int>{1, 2}));
  auto summary = service_->End(id);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  bool cited = false;
  for (const auto& p : summary->policies) {
    if (p.topic != "sbk.loss") continue;
    cited = true;
    EXPECT_EQ(p.version, 2);  // the last answer's
  }
  EXPECT_TRUE(cited);
}

TEST_F(LiveServiceTest, TheSummaryCitesTheVersionTheConversationWasAnsweredFrom) {
  auto started = service_->Start("test");
  ASSERT_TRUE(started.ok());
  Reply r = Say(started->id, "社保卡丢了怎么办");
  ASSERT_EQ(r.topic, "sbk.loss") << r.text;
  Publish(2);
  auto summary = service_->End(started->id);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_FALSE(summary->policies.empty());
  EXPECT_EQ(summary->policies[0].topic, "sbk.loss");
  EXPECT_EQ(summary->policies[0].version, 1);  // answered at 1, though 2 is in service now
}

}  // namespace
}  // namespace zx::dialogue
