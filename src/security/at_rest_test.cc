// The bar of issue 3: after handling a citizen's name, phone number, ID number and address,
// none of them is in the database files (main and WAL) or in the logs, in plaintext.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "security/audit.h"
#include "security/authenticator.h"
#include "security/field_cipher.h"
#include "security/keys.h"
#include "security/retention.h"
#include "security/schema.h"
#include "security/testing/fixtures.h"
#include "security/testing/temp_dir.h"
#include "storage/database.h"
#include "text/pii.h"

namespace zx::security {
namespace {

const char* const kPlaintexts[] = {"张三丰", "13912345678", "110101199003078515",
                                   "浙江省杭州市西湖区文三路88号"};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file in `dir` (the data directory: database, WAL, shared memory, anything else).
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path().string());
  return out;
}

void ExpectNoPlaintext(const std::string& where, const std::string& bytes) {
  for (const char* p : kPlaintexts)
    EXPECT_EQ(bytes.find(p), std::string::npos) << "found '" << p << "' in " << where;
  // The digits alone, too (e.g. a phone number stored as an integer would be text here).
  EXPECT_EQ(bytes.find("12345678"), std::string::npos) << where;
}

TEST(AtRest, NoPlaintextPersonalDataInDatabaseFilesOrLogs) {
  testing::TempDir root;
  const std::string data_dir = root.File("var");
  const std::string key_file = root.File("keys/zhixian.keys");
  std::filesystem::create_directories(data_dir);
  std::filesystem::create_directories(root.File("keys"));
  FakeClock clock(1700000000000);

  // Capture everything the module logs.
  std::ostringstream log_text;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::trace);

  ASSERT_TRUE(InitKeyFile(key_file, clock).ok());
  ASSERT_TRUE(CheckKeyFileOutside(key_file, data_dir).ok());
  auto ring = KeyRing::Load(key_file);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  FieldCipher cipher(std::make_shared<const KeyRing>(std::move(*ring)));

  const std::string db_path = data_dir + "/zhixian.db";
  {
    auto db = storage::Database::Open(db_path);
    ASSERT_TRUE(db.ok());
    UserStoreOptions uo;
    uo.password = testing::CheapPasswords();
    auto users = UserStore::Open(**db, clock, uo);
    auto sessions = SessionStore::Open(**db, clock);
    auto keys = ApiKeyStore::Open(**db, clock);
    auto audit = AuditLog::Open(**db, clock);
    ASSERT_TRUE(users.ok() && sessions.ok() && keys.ok() && audit.ok());
    Authenticator auth(**users, **sessions, **keys, audit->get());
    ASSERT_TRUE((*users)->Add("agent7", Role::kAgent, "Hotline-12345-ok").ok());
    auto login = auth.Login("agent7", "Hotline-12345-ok", "10.0.0.7");
    ASSERT_TRUE(login.ok());

    // A citizen's record, the way a module stores it: encrypted fields plus a blind index.
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TABLE citizens (id TEXT PRIMARY KEY, name TEXT, phone TEXT, "
                           "phone_idx TEXT, id_number TEXT, address TEXT)")
                    .ok());
    const std::string id = "cz-1";
    const std::string phone_idx = cipher.BlindIndex("phone", kPlaintexts[1]);
    auto ins = (*db)->Prepare("INSERT INTO citizens VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    ins->Bind(1, id);
    ins->Bind(2, cipher.Encrypt(kPlaintexts[0], FieldAad("citizens", "name", id)));
    ins->Bind(3, cipher.Encrypt(kPlaintexts[1], FieldAad("citizens", "phone", id)));
    ins->Bind(4, phone_idx);
    ins->Bind(5, cipher.Encrypt(kPlaintexts[2], FieldAad("citizens", "id_number", id)));
    ins->Bind(6, cipher.Encrypt(kPlaintexts[3], FieldAad("citizens", "address", id)));
    ASSERT_TRUE(ins->Run().ok());

    // Lookup by phone number through the blind index, then a full read, audited.
    auto q = (*db)->Prepare("SELECT id, phone FROM citizens WHERE phone_idx = ?1");
    q->Bind(1, cipher.BlindIndex("phone", "13912345678"));
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(*cipher.Decrypt(q->Text(1), FieldAad("citizens", "phone", q->Text(0))),
              kPlaintexts[1]);
    AuditEvent e = AuditEventBy(login->principal, "pii.reveal", "citizen", phone_idx,
                                "return visit for 13912345678");
    e.remote = "10.0.0.7";
    e.details_json =
        "{\"fields\":[\"phone\"],\"shown\":\"" + text::MaskPhone(kPlaintexts[1]) + "\"}";
    ASSERT_TRUE((*audit)->Append(e).ok());
    zx::log::Info("citizen_read id={} phone={} name={}", id, text::MaskPhone(kPlaintexts[1]),
                  text::MaskName(kPlaintexts[0]));
    EXPECT_EQ((*audit)->WhoAccessed("citizen", phone_idx)->size(), 1u);

    // The WAL holds the recent pages while the database is open: scan it now too.
    bool saw_wal = false;
    for (const auto& f : FilesIn(data_dir)) {
      saw_wal = saw_wal || f.ends_with("-wal");
      ExpectNoPlaintext(f + " (open)", ReadAll(f));
    }
    EXPECT_TRUE(saw_wal);
  }  // closes the database

  std::vector<std::string> files = FilesIn(data_dir);
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) ExpectNoPlaintext(f, ReadAll(f));
  // The encrypted values really are in the file (the scan looked at the right bytes).
  EXPECT_NE(ReadAll(db_path).find("zx1:1:"), std::string::npos);

  spdlog::set_default_logger(previous);
  ExpectNoPlaintext("the log", log_text.str());
  EXPECT_NE(log_text.str().find("citizen_read"), std::string::npos);
}

}  // namespace
}  // namespace zx::security
