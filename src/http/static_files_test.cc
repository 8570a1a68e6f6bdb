// Static files: content types, caching, and attempts to get out of the directory.
#include "http/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace zx::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("zx-static-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "site" / "sub");
    Write(root_ / "site" / "index.html", "<!doctype html><title>智线</title>");
    Write(root_ / "site" / "chat.css", "body{}");
    Write(root_ / "site" / "chat.js", "'use strict';");
    Write(root_ / "site" / ".hidden", "secret");
    Write(root_ / "site" / "sub" / "inner.txt", "inner");
    Write(root_ / "secret.txt", "outside");
    fs::create_symlink(root_ / "secret.txt", root_ / "site" / "link.txt");
    AddStaticRoutes(router_, "/chat", {.dir = (root_ / "site").string()}, "chat");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  Response Get(const std::string& path, Fields headers = {}) {
    Request req;
    req.method = "GET";
    req.path = path;
    req.headers = std::move(headers);
    return router_.Handle(req);
  }

  fs::path root_;
  Router router_;
};

TEST_F(StaticFilesTest, ServesIndexAndAssetsWithTypesAndCaching) {
  for (std::string path : {"/chat", "/chat/", "/chat/index.html"}) {
    Response r = Get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, "<!doctype html><title>智线</title>");
    EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
    EXPECT_NE(r.Header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  }
  Response css = Get("/chat/chat.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css.Header("Content-Security-Policy"), "");
  EXPECT_EQ(Get("/chat/chat.js").content_type, "text/javascript; charset=utf-8");

  std::string etag(css.Header("ETag"));
  ASSERT_FALSE(etag.empty());
  Response again = Get("/chat/chat.css", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(Get("/chat/chat.css", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(StaticFilesTest, NothingOutsideTheDirectoryIsServed) {
  for (std::string path : {
           "/chat/../secret.txt",                // a real "..": no route has that shape
           "/chat/..%2Fsecret.txt",              // an encoded slash
           "/chat/..%2F..%2F..%2Fetc%2Fpasswd",  //
           "/chat/%2e%2e",                       // an encoded ".."
           "/chat/%2E%2E%2Fsecret.txt",          //
           "/chat/..%5Csecret.txt",              // a backslash
           "/chat/%2Fetc%2Fpasswd",              // an absolute path
           "/chat/.hidden",                      // hidden files
           "/chat/link.txt",                     // a symbolic link out of the directory
           "/chat/sub",                          // a directory
           "/chat/sub/inner.txt",                // sub-directories are not served
           "/chat/index.html%00.css",            // a NUL
           "/chat/nope.js",                      // missing
       }) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
}

// The console: the build's files when built, a page saying how to build it when not (and
// then the build shows without a restart), /console -> /console/ (its files are relative).
TEST_F(StaticFilesTest, ConsoleServesItsBuildOrSaysHowToMakeIt) {
  fs::path console = root_ / "console";
  fs::create_directories(console / "dist");
  Router router;
  AddConsoleRoutes(router, console.string());
  auto get = [&router](const std::string& path) {
    Request req;
    req.method = "GET";
    req.path = path;
    return router.Handle(req);
  };
  Response bare = get("/console");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.Header("Location"), "/console/");

  Response missing = get("/console/");
  EXPECT_EQ(missing.status, 503);
  EXPECT_EQ(missing.content_type, "text/html; charset=utf-8");
  EXPECT_NE(missing.body.find("工作台尚未构建"), std::string::npos);
  EXPECT_NE(missing.body.find("npm run build"), std::string::npos);
  EXPECT_NE(missing.Header("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(get("/console/index-abc.js").status, 404);

  Write(console / "dist" / "index.html", "<!doctype html><title>工作台</title>");
  Write(console / "dist" / "index-abc.js", "export {};");
  Write(console / "index.html", "the sources, not the build");
  for (std::string path : {"/console/", "/console/index.html"}) {
    Response page = get(path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body, "<!doctype html><title>工作台</title>") << path;
    EXPECT_NE(page.Header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  }
  Response js = get("/console/index-abc.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/console/..%2Findex.html").status, 404);
}

TEST(StaticFiles, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("a.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("a.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("a.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("Makefile"), "application/octet-stream");
}

}  // namespace
}  // namespace zx::http
