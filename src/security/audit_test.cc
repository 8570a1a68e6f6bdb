#include "security/audit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "security/crypto.h"
#include "security/encoding.h"
#include "security/testing/fixtures.h"
#include "security/testing/temp_dir.h"

namespace zx::security {
namespace {

using Problem = AuditVerification::Problem;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 6; ++i) {
      AuditEvent e;
      e.actor = "agent" + std::to_string(i % 2);
      e.role = "agent";
      e.action = "ticket.read";
      e.object_type = "ticket";
      e.object_id = "T" + std::to_string(i);
      e.purpose = "handling the call";
      e.remote = "10.0.0." + std::to_string(i);
      e.details_json = "{\"n\":" + std::to_string(i) + "}";
      ASSERT_TRUE(f_.audit->Append(e).ok());
      f_.clock.Advance(std::chrono::seconds(1));
    }
  }
  // Tampering from outside the product: someone with the database file and sqlite3.
  void Sql(const std::string& sql) {
    ASSERT_TRUE(testing::DropAuditTriggers(*f_.db).ok());
    Status s = f_.db->Exec(sql);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string HashOf(int64_t seq) {
    auto q = f_.db->Prepare("SELECT hash FROM audit_log WHERE seq = ?1");
    q->Bind(1, seq);
    EXPECT_TRUE(*q->Step());
    return q->Text(0);
  }
  // Moves entries with seq >= from by delta (keeping the primary key unique on the way).
  void Renumber(int64_t from, int64_t delta) {
    Sql("UPDATE audit_log SET seq = -seq WHERE seq >= " + std::to_string(from));
    Sql("UPDATE audit_log SET seq = -seq + (" + std::to_string(delta) + ") WHERE seq < 0");
  }
  void InsertRow(int64_t seq, const std::string& prev, const std::string& hash, const AuditEvent& e,
                 int64_t time_ms) {
    auto q = f_.db->Prepare(
        "INSERT INTO audit_log (seq, time_ms, actor, role, action, object_type, object_id, "
        "purpose, remote, details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12)");
    q->Bind(1, seq).Bind(2, time_ms).Bind(3, e.actor).Bind(4, e.role).Bind(5, e.action);
    q->Bind(6, e.object_type).Bind(7, e.object_id).Bind(8, e.purpose).Bind(9, e.remote);
    q->Bind(10, e.details_json).Bind(11, prev).Bind(12, hash);
    ASSERT_TRUE(q->Run().ok());
  }
  AuditVerification Verify(const std::optional<AuditHead>& anchor = std::nullopt) {
    auto v = f_.audit->Verify(anchor);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }

  testing::SecurityFixture f_;
};

TEST_F(AuditTest, IntactChainVerifies) {
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_EQ(v.entries, 6);
  EXPECT_EQ(v.head.seq, 6);
  EXPECT_EQ(v.head.hash, HashOf(6));
  EXPECT_TRUE(Verify(AuditHead{4, HashOf(4)}).ok());
}

TEST_F(AuditTest, HashIsSm3OverPrevHashAndCanonicalForm) {
  auto all = f_.audit->Query({});
  ASSERT_EQ(all->size(), 6u);
  const AuditEntry& first = (*all)[0];
  EXPECT_EQ(first.prev_hash, std::string(64, '0'));
  EXPECT_EQ(first.time_ms, 1700000000000);
  std::string canonical = AuditLog::CanonicalForm(1, first.time_ms, first.event);
  EXPECT_EQ(canonical,
            "zx-audit-1\nseq=1:1\ntime_ms=13:1700000000000\nactor=6:agent1\nrole=5:agent\n"
            "action=11:ticket.read\nobject_type=6:ticket\nobject_id=2:T1\n"
            "purpose=17:handling the call\nremote=8:10.0.0.1\ndetails=7:{\"n\":1}\n");
  EXPECT_EQ(first.hash, AuditLog::ChainHash(first.prev_hash, canonical));
  EXPECT_EQ((*all)[1].prev_hash, first.hash);
}

TEST_F(AuditTest, ProductCannotChangeOrDeleteEntries) {
  Status up = f_.db->Exec("UPDATE audit_log SET actor = 'x' WHERE seq = 2");
  EXPECT_FALSE(up.ok());
  EXPECT_NE(up.message().find("append-only"), std::string::npos);
  EXPECT_FALSE(f_.db->Exec("DELETE FROM audit_log WHERE seq = 2").ok());
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditTest, DetectsChangedEntry) {
  Sql("UPDATE audit_log SET object_id = 'T999' WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kChanged);
  EXPECT_EQ(v.seq, 3);
  EXPECT_EQ(v.message, "seq 3: hash mismatch: the entry was changed after it was written");
  EXPECT_EQ(v.entries, 2);
}

TEST_F(AuditTest, DetectsChangedTimestampAndDetails) {
  Sql("UPDATE audit_log SET details = '{\"n\":5 }' WHERE seq = 5");
  EXPECT_EQ(Verify().seq, 5);
  EXPECT_EQ(Verify().problem, Problem::kChanged);
}

TEST_F(AuditTest, DetectsRemovedEntryAsGap) {
  Sql("DELETE FROM audit_log WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kRemoved);
  EXPECT_EQ(v.seq, 4);
  EXPECT_EQ(v.message, "gap in seq between 2 and 4: entry 3 was removed");
}

TEST_F(AuditTest, DetectsSeveralRemovedAndRemovedFirst) {
  Sql("DELETE FROM audit_log WHERE seq IN (3, 4)");
  EXPECT_EQ(Verify().message, "gap in seq between 2 and 5: entries 3..4 were removed");
  Sql("DELETE FROM audit_log WHERE seq = 1");
  EXPECT_EQ(Verify().message, "seq 2: the log starts at seq 2, not 1: entry 1 was removed");
}

TEST_F(AuditTest, DetectsRemovedEntryWithRenumbering) {
  Sql("DELETE FROM audit_log WHERE seq = 3");
  Renumber(4, -1);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kRemoved);
  EXPECT_EQ(v.seq, 3);
  EXPECT_NE(v.message.find("prev_hash mismatch at seq 3"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("removed"), std::string::npos) << v.message;
}

TEST_F(AuditTest, DetectsInsertedWellFormedEntry) {
  // A careful forger: makes room, links the new entry to seq 2 and hashes it correctly.
  Renumber(3, +1);
  AuditEvent forged;
  forged.actor = "auditor";
  forged.role = "auditor";
  forged.action = "audit.read";
  forged.remote = "10.9.9.9";
  std::string prev = HashOf(2);
  int64_t t = 1700000001500;
  InsertRow(3, prev, AuditLog::ChainHash(prev, AuditLog::CanonicalForm(3, t, forged)), forged, t);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kInserted);
  EXPECT_EQ(v.seq, 3);
  EXPECT_EQ(v.message, "seq 3 was inserted: seq 3 and seq 4 both follow seq 2");
}

TEST_F(AuditTest, DetectsInsertedJunkEntry) {
  Renumber(3, +1);
  AuditEvent junk;
  junk.actor = "x";
  junk.action = "y";
  InsertRow(3, std::string(64, 'a'), std::string(64, 'b'), junk, 1);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kInserted);
  EXPECT_EQ(v.seq, 3);
  EXPECT_EQ(v.message, "seq 3 was inserted: seq 4 follows seq 2 directly");
}

TEST_F(AuditTest, DetectsInsertedEntryAtTheEnd) {
  AuditEvent junk;
  junk.actor = "x";
  junk.action = "y";
  InsertRow(7, std::string(64, 'a'), std::string(64, 'b'), junk, 1);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kInserted);
  EXPECT_EQ(v.seq, 7);
  EXPECT_NE(v.message.find("seq 7 does not belong to the chain"), std::string::npos);
}

TEST_F(AuditTest, AnchorCatchesTruncationAndRewriting) {
  AuditHead head = Verify().head;
  Sql("DELETE FROM audit_log WHERE seq = 6");
  EXPECT_TRUE(Verify().ok());  // a plain chain cannot tell
  AuditVerification v = Verify(head);
  EXPECT_EQ(v.problem, Problem::kRemoved);
  EXPECT_EQ(v.message,
            "seq 6 (the recorded head) is gone: the log ends at seq 5: entries were removed "
            "from its end");

  // Rewrite seq 2 and re-hash everything after it: consistent, but not with the anchor.
  AuditHead head5{5, HashOf(5)};
  Sql("UPDATE audit_log SET object_id = 'T0' WHERE seq = 2");
  auto all = f_.audit->Query({});
  std::string prev = HashOf(1);
  for (const auto& e : *all) {
    if (e.seq < 2) continue;
    std::string h = AuditLog::ChainHash(prev, AuditLog::CanonicalForm(e.seq, e.time_ms, e.event));
    Sql("UPDATE audit_log SET prev_hash = '" + prev + "', hash = '" + h +
        "' WHERE seq = " + std::to_string(e.seq));
    prev = h;
  }
  EXPECT_TRUE(Verify().ok());
  AuditVerification r = Verify(head5);
  EXPECT_EQ(r.problem, Problem::kChanged);
  EXPECT_EQ(r.seq, 5);
}

TEST_F(AuditTest, AppendValidatesAndMasksPersonalData) {
  AuditEvent e;
  e.actor = "agent1";
  e.action = "";
  EXPECT_EQ(f_.audit->Append(e).status().code(), Code::kInvalidArgument);
  e.action = "pii.reveal";
  e.details_json = "not json";
  EXPECT_EQ(f_.audit->Append(e).status().code(), Code::kInvalidArgument);
  e.details_json = "{\"callback\":\"13812345678\"}";
  e.purpose = "call back 13812345678 about ID 110101199003078515";
  auto entry = f_.audit->Append(e);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->event.details_json, "{\"callback\":\"138****5678\"}");
  EXPECT_EQ(entry->event.purpose.find("13812345678"), std::string::npos);
  EXPECT_EQ(entry->event.purpose.find("110101199003078515"), std::string::npos);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditTest, WhoAccessedACitizen) {
  const std::string citizen = std::string(64, 'c');  // a blind index in real use
  Principal sup;
  sup.kind = Principal::Kind::kUser;
  sup.name = "sup1";
  sup.role = Role::kSupervisor;
  AuditEvent e = AuditEventBy(sup, "pii.reveal", "citizen", citizen, "ticket T2 return visit");
  e.remote = "10.1.1.1";
  ASSERT_TRUE(f_.audit->Append(e).ok());
  f_.clock.Advance(std::chrono::hours(1));
  ASSERT_TRUE(
      f_.audit->Append(AuditEventBy(sup, "conversation.read", "citizen", citizen, "quality review"))
          .ok());
  ASSERT_TRUE(f_.audit->Append(AuditEventBy(sup, "pii.reveal", "citizen", "other")).ok());
  auto who = f_.audit->WhoAccessed("citizen", citizen);
  ASSERT_TRUE(who.ok());
  ASSERT_EQ(who->size(), 2u);
  EXPECT_EQ((*who)[0].event.actor, "sup1");
  EXPECT_EQ((*who)[0].event.role, "supervisor");
  EXPECT_EQ((*who)[0].event.purpose, "ticket T2 return visit");
  EXPECT_EQ((*who)[0].event.remote, "10.1.1.1");
  EXPECT_LT((*who)[0].time_ms, (*who)[1].time_ms);
  AuditQuery q;
  q.action_prefix = "pii.";
  q.actor = "sup1";
  EXPECT_EQ(f_.audit->Query(q)->size(), 2u);
  q.since_ms = (*who)[1].time_ms;
  EXPECT_EQ(f_.audit->Query(q)->size(), 1u);
}

TEST_F(AuditTest, QueriesPageEitherWayAndCountEveryMatch) {
  AuditQuery q;
  q.actor = "agent1";  // T1, T3, T5
  q.limit = 2;
  EXPECT_EQ(*f_.audit->Count(q), 3);
  auto first = f_.audit->Query(q);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].event.object_id, "T1");
  q.offset = 2;
  auto rest = f_.audit->Query(q);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].event.object_id, "T5");
  EXPECT_EQ(*f_.audit->Count(q), 3);  // the total ignores limit and offset
  q.offset = 0;
  q.newest_first = true;
  auto newest = f_.audit->Query(q);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].event.object_id, "T5");
  EXPECT_EQ((*newest)[1].event.object_id, "T3");
  q.object_id = "T4";
  EXPECT_EQ(*f_.audit->Count(q), 0);
}

TEST(AuditConcurrency, AppendsFromManyThreadsFormOneChain) {
  testing::SecurityFixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        AuditEvent e;
        e.actor = "t" + std::to_string(t);
        e.action = "ticket.read";
        EXPECT_TRUE(f.audit->Append(e).ok());
      }
    });
  for (auto& th : threads) th.join();
  auto v = f.audit->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->message;
  EXPECT_EQ(v->entries, 320);
}

// Two nodes on one database append at once: the chain stays one, every entry verifies.
TEST(AuditTwoNodes, ConcurrentAppendsFromTwoConnectionsMakeOneChain) {
  testing::TempDir dir;
  auto place = storage::testing::TestDatabasePlace(dir.File("zhixian.db"));
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  auto db_a = std::move(storage::OpenDatabase(*place).value());
  auto db_b = std::move(storage::OpenDatabase(*place).value());
  FakeClock clock(1700000000000);
  AuditOptions o;
  o.key = AuditKeyFrom(KeyRing::Generate(clock));
  o.shared = true;  // each node seals a head of its own
  o.head_path = dir.File("a.head");
  auto log_a = std::move(AuditLog::Open(*db_a, clock, o).value());
  o.head_path = dir.File("b.head");
  auto log_b = std::move(AuditLog::Open(*db_b, clock, o).value());
  auto append = [](AuditLog* log, const std::string& node) {
    for (int i = 0; i < 40; ++i) {
      AuditEvent e;
      e.actor = node;
      e.action = "ticket.read";
      e.object_type = "ticket";
      e.object_id = node + std::to_string(i);
      auto r = log->Append(e);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  };
  std::thread a(append, log_a.get(), "a");
  std::thread b(append, log_b.get(), "b");
  a.join();
  b.join();
  for (AuditLog* log : {log_a.get(), log_b.get()}) {
    auto v = log->Verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok()) << v->message;
    EXPECT_EQ(v->entries, 80);
  }
  // A third node joins: no head yet is no problem on a shared log, and its first entry seals one.
  o.head_path = dir.File("c.head");
  auto log_c = std::move(AuditLog::Open(*db_a, clock, o).value());
  auto v = log_c->Verify();
  EXPECT_TRUE(v->ok()) << v->message;
  ASSERT_FALSE(v->notes.empty());
  EXPECT_NE(v->notes.back().find("joins a log other nodes write"), std::string::npos);
  AuditEvent e;
  e.actor = "c";
  e.action = "node.joined";
  ASSERT_TRUE(log_c->Append(e).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.File("c.head")));
  EXPECT_TRUE(log_a->Verify()->ok());  // a's head trails the log: the keyed entries after it
  // One box (not shared): a keyed log whose head is gone is refused, as before.
  o.shared = false;
  o.head_path = dir.File("d.head");
  auto log_d = std::move(AuditLog::Open(*db_a, clock, o).value());
  EXPECT_EQ(log_d->Verify()->problem, Problem::kHead);
}

// ---- The keyed chain and the sealed head (issue 9, defect 7). Before them an attacker with
// the database file could delete the tail or everything, or change a row and recompute the
// hashes, or append a forged entry, and Verify said ok.

class KeyedAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = dir_.File("zhixian.db");
    head_path_ = dir_.File("audit.head");
    db_ = std::move(storage::Database::Open(db_path_).value());
    key_ = AuditKeyFrom(KeyRing::Generate(clock_));
    log_ = Open(key_);
    for (int i = 1; i <= 6; ++i) AppendOne(log_.get(), i);
  }
  std::unique_ptr<AuditLog> Open(const std::string& key, bool with_head = true) {
    AuditOptions o;
    o.key = key;
    if (with_head) o.head_path = head_path_;
    return std::move(AuditLog::Open(*db_, clock_, o).value());
  }
  void AppendOne(AuditLog* log, int i) {
    AuditEvent e;
    e.actor = "agent" + std::to_string(i % 2);
    e.role = "agent";
    e.action = "ticket.read";
    e.object_type = "ticket";
    e.object_id = "T" + std::to_string(i);
    auto r = log->Append(e);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    clock_.Advance(std::chrono::seconds(1));
  }
  void Sql(const std::string& sql) {
    ASSERT_TRUE(testing::DropAuditTriggers(*db_).ok());
    Status s = db_->Exec(sql);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string HashOf(int64_t seq) {
    auto q = db_->Prepare("SELECT hash FROM audit_log WHERE seq = ?1");
    q->Bind(1, seq);
    EXPECT_TRUE(*q->Step());
    return q->Text(0);
  }
  // What an attacker without the key can do: rehash from `from` on with plain SM3 (optionally
  // dressed up with the keyed prefix).
  void Recompute(int64_t from, const std::string& prefix = "") {
    auto all = log_->Query({});
    std::string prev = from == 1 ? AuditLog::GenesisHash() : HashOf(from - 1);
    for (const auto& e : *all) {
      if (e.seq < from) continue;
      std::string h =
          prefix + AuditLog::ChainHash(prev, AuditLog::CanonicalForm(e.seq, e.time_ms, e.event));
      Sql("UPDATE audit_log SET prev_hash = '" + prev + "', hash = '" + h +
          "' WHERE seq = " + std::to_string(e.seq));
      prev = h;
    }
  }
  AuditVerification Verify(AuditLog* log = nullptr) {
    auto v = (log ? log : log_.get())->Verify();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }
  std::string ReadHeadFile() {
    std::ifstream in(head_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  testing::TempDir dir_;
  FakeClock clock_{1700000000000};
  std::string db_path_, head_path_, key_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(KeyedAuditTest, EntriesAreMacedAndTheHeadIsSealedOutsideTheTable) {
  auto all = log_->Query({});
  ASSERT_EQ(all->size(), 6u);
  const AuditEntry& third = (*all)[2];
  EXPECT_EQ(third.hash.substr(0, 3), "k1:");
  EXPECT_EQ(third.hash,
            AuditLog::KeyedChainHash(key_, third.prev_hash,
                                     AuditLog::CanonicalForm(3, third.time_ms, third.event)));
  // An outside verifier with the key: the head file is four facts and a MAC over them.
  const std::string head = ReadHeadFile();
  EXPECT_NE(head.find("zhixian-audit-head 1\nseq 6\nhash " + HashOf(6) + "\n"), std::string::npos)
      << head;
  const int64_t written = (*all)[5].time_ms;
  EXPECT_NE(head.find("mac " +
                      HexEncode(HmacSm3(key_, AuditLog::HeadCanonicalForm(6, HashOf(6), written)))),
            std::string::npos)
      << head;
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_TRUE(v.keyed);
  EXPECT_EQ(v.keyed_from, 1);
  EXPECT_EQ(v.entries, 6);
}

TEST_F(KeyedAuditTest, ReportsTailTruncation) {
  Sql("DELETE FROM audit_log WHERE seq >= 5");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kTruncated);
  EXPECT_EQ(v.seq, 5);
  EXPECT_EQ(v.message,
            "the log ends at seq 4 but the sealed head records seq 6: entries 5..6 were removed "
            "from its end");
}

TEST_F(KeyedAuditTest, ReportsFullDeletion) {
  Sql("DELETE FROM audit_log");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kDeleted);
  EXPECT_NE(v.message.find("every entry was deleted"), std::string::npos) << v.message;
}

TEST_F(KeyedAuditTest, ReportsAChangedRow) {
  Sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kChanged);
  EXPECT_EQ(v.seq, 3);
}

TEST_F(KeyedAuditTest, ReportsAChainRecomputedWithoutTheKey) {
  Sql("UPDATE audit_log SET object_id = 'T0' WHERE seq = 3");
  Recompute(3);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kRecomputed) << v.message;
  EXPECT_EQ(v.seq, 3);
  EXPECT_NE(v.message.find("recomputed without the key"), std::string::npos) << v.message;
}

TEST_F(KeyedAuditTest, ReportsAChainRecomputedWithTheKeyedPrefix) {
  Sql("UPDATE audit_log SET object_id = 'T0' WHERE seq = 2");
  Recompute(2, "k1:");
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kRecomputed) << v.message;
  EXPECT_EQ(v.seq, 2);
}

TEST_F(KeyedAuditTest, ReportsAWholeChainRecomputedAsPlain) {
  // Every entry plain and consistent: only the sealed head can tell.
  Recompute(1);
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kRecomputed) << v.message;
  EXPECT_EQ(v.seq, 6);
}

TEST_F(KeyedAuditTest, ReportsAForgedAppend) {
  AuditEvent forged;
  forged.actor = "auditor";
  forged.action = "audit.read";
  for (const std::string prefix : {"", "k1:"}) {
    const std::string prev = HashOf(6);
    const int64_t t = 1700000009000;
    const std::string h = prefix + AuditLog::ChainHash(prev, AuditLog::CanonicalForm(7, t, forged));
    Sql("DELETE FROM audit_log WHERE seq = 7");
    Sql("INSERT INTO audit_log VALUES (7, " + std::to_string(t) +
        ", 'auditor', '', 'audit.read', '', '', '', '', '{}', '" + prev + "', '" + h + "')");
    AuditVerification v = Verify();
    EXPECT_EQ(v.problem, Problem::kAppended) << prefix << v.message;
    EXPECT_EQ(v.seq, 7);
    EXPECT_NE(v.message.find("after the sealed head (seq 6) without the key"), std::string::npos)
        << v.message;
  }
}

TEST_F(KeyedAuditTest, ReportsAMissingOrForgedHead) {
  const std::string head = ReadHeadFile();
  std::filesystem::remove(head_path_);
  EXPECT_EQ(Verify().problem, Problem::kHead);
  std::string forged = head;
  forged.replace(forged.find("seq 6"), 5, "seq 4");  // to hide a truncation
  std::ofstream(head_path_) << forged;
  AuditVerification v = Verify();
  EXPECT_EQ(v.problem, Problem::kHead);
  EXPECT_NE(v.message.find("MAC"), std::string::npos) << v.message;
  std::ofstream(head_path_, std::ios::trunc)
      << "zhixian-audit-head 1\nseq 4\nhash " << HashOf(4) << "\ntime_ms 1\nmac none\n";
  EXPECT_EQ(Verify().problem, Problem::kHead);  // an unkeyed head for a keyed log
}

TEST_F(KeyedAuditTest, TheProblemStaysReportedUntilResealed) {
  Sql("DELETE FROM audit_log WHERE seq = 6");
  AppendOne(log_.get(), 7);  // the product goes on writing: the head does not follow
  AppendOne(log_.get(), 8);
  AuditVerification v = Verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.seq, 6);
  EXPECT_EQ(v.problem, Problem::kTruncated) << v.message;
  AuditEvent why;
  why.actor = "cli:root";
  why.action = "audit.reseal";
  why.purpose = "incident 42 investigated";
  auto sealed = log_->Reseal(why);
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(Verify().ok()) << Verify().message;
  AppendOne(log_.get(), 9);
  EXPECT_TRUE(Verify().ok());
  EXPECT_EQ(Verify().head.seq, 9);
}

TEST_F(KeyedAuditTest, AHeadThatTrailsAfterACrashCatchesUp) {
  // An entry committed without its head update (as if the process died in between).
  auto no_head = Open(key_, /*with_head=*/false);
  AppendOne(no_head.get(), 7);
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok()) << v.message;
  ASSERT_FALSE(v.notes.empty());
  EXPECT_NE(v.notes.back().find("behind the log"), std::string::npos) << v.notes.back();
  AppendOne(log_.get(), 8);
  EXPECT_NE(ReadHeadFile().find("seq 8\n"), std::string::npos);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(KeyedAuditTest, TheStartUpCheckReadsOnlyTheTailAndStillFindsTruncation) {
  Sql("DELETE FROM audit_log WHERE seq = 6");
  auto v = log_->Verify(std::nullopt, /*tail=*/2);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->problem, Problem::kTruncated);
  EXPECT_EQ(v->entries, 2);
}

TEST_F(KeyedAuditTest, WithoutTheKeyNothingPlainIsAppendedAndVerifySaysWhy) {
  auto no_key = Open("");
  AuditEvent e;
  e.actor = "x";
  e.action = "y";
  EXPECT_EQ(no_key->Append(e).status().code(), Code::kFailedPrecondition);
  AuditVerification v = Verify(no_key.get());
  EXPECT_EQ(v.problem, Problem::kNoKey);
  EXPECT_NE(v.message.find("security.key_file"), std::string::npos);
}

TEST(AuditUpgrade, AnUnkeyedLogOfAnEarlierVersionStillVerifiesAndIsSealedByKeyedEntries) {
  testing::TempDir dir;
  FakeClock clock(1700000000000);
  auto db = std::move(storage::Database::Open(dir.File("zhixian.db")).value());
  AuditEvent e;
  e.actor = "cli:root";
  e.action = "user.add";
  {
    // As an earlier version wrote it: plain hashes, no head.
    auto old = std::move(AuditLog::Open(*db, clock).value());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(old->Append(e).ok());
  }
  AuditOptions o;
  o.key = AuditKeyFrom(KeyRing::Generate(clock));
  o.head_path = dir.File("audit.head");
  auto log = std::move(AuditLog::Open(*db, clock, o).value());
  auto v = log->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->message;
  EXPECT_EQ(v->keyed_from, 0);
  ASSERT_TRUE(log->Append(e).ok());
  ASSERT_TRUE(log->Append(e).ok());
  v = log->Verify();
  EXPECT_TRUE(v->ok()) << v->message;
  EXPECT_EQ(v->keyed_from, 4);
  EXPECT_EQ(v->unkeyed, 3);
  // The plain prefix is sealed by the keyed entries after it: rewriting it is found.
  ASSERT_TRUE(testing::DropAuditTriggers(*db).ok());
  ASSERT_TRUE(db->Exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").ok());
  auto entries = log->Query({});
  std::string prev = AuditLog::GenesisHash();
  for (const auto& x : *entries) {
    if (x.seq > 3) break;
    std::string h = AuditLog::ChainHash(prev, AuditLog::CanonicalForm(x.seq, x.time_ms, x.event));
    ASSERT_TRUE(db->Exec("UPDATE audit_log SET prev_hash = '" + prev + "', hash = '" + h +
                         "' WHERE seq = " + std::to_string(x.seq))
                    .ok());
    prev = h;
  }
  v = log->Verify();
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->seq, 4) << v->message;
}

TEST(AuditDemoMode, UnkeyedHeadCatchesTruncationAndVerifySaysUnkeyed) {
  testing::TempDir dir;
  FakeClock clock(1700000000000);
  auto db = std::move(storage::Database::Open(dir.File("zhixian.db")).value());
  AuditOptions o;
  o.head_path = dir.File("audit.head");
  auto log = std::move(AuditLog::Open(*db, clock, o).value());
  AuditEvent e;
  e.actor = "a";
  e.action = "b";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->Append(e).ok());
  auto v = log->Verify();
  EXPECT_TRUE(v->ok());
  EXPECT_FALSE(v->keyed);
  ASSERT_FALSE(v->notes.empty());
  EXPECT_EQ(v->notes[0].rfind("UNKEYED", 0), 0u);
  ASSERT_TRUE(testing::DropAuditTriggers(*db).ok());
  ASSERT_TRUE(db->Exec("DELETE FROM audit_log WHERE seq = 3").ok());
  EXPECT_EQ(log->Verify()->problem, Problem::kTruncated);
}

}  // namespace
}  // namespace zx::security
