#include "http/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace zx::http {
namespace {

Handler Echo(std::string name) {
  return [name](const Request& req) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : req.path_params) params[k] = v;
    return Response::Json(200, {{"handler", name}, {"params", params}});
  };
}

Response Call(const Router& router, std::string method, std::string path,
              std::string* route = nullptr) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  return router.Handle(req, route);
}

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

TEST(Router, MatchesLiteralsAndParameters) {
  Router router;
  router.Add("GET", "/healthz", Echo("health"));
  router.Add("POST", "/api/v1/conversations/{id}/messages", Echo("post_message"));
  std::string route;
  Response r = Call(router, "GET", "/healthz", &route);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["handler"], "health");
  EXPECT_EQ(route, "/healthz");

  r = Call(router, "POST", "/api/v1/conversations/c-42/messages", &route);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["params"]["id"], "c-42");
  EXPECT_EQ(route, "/api/v1/conversations/{id}/messages");
}

TEST(Router, DecodesParametersButNotLiterals) {
  Router router;
  router.Add("GET", "/kb/{id}", Echo("kb"));
  Response r = Call(router, "GET", "/kb/%E5%8C%BB%E4%BF%9D%20x");
  EXPECT_EQ(Body(r)["params"]["id"], "医保 x");
  EXPECT_EQ(Call(router, "GET", "/k%62/x").status, 404);
}

TEST(Router, UnknownPathIs404Json) {
  Router router;
  router.Add("GET", "/healthz", Echo("health"));
  std::string route = "x";
  for (const char* path : {"/nope", "/healthz/", "/", "/healthz/extra"}) {
    Response r = Call(router, "GET", path, &route);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(Body(r)["error"]["code"], "not_found") << path;
    EXPECT_EQ(route, "");
  }
  // An empty segment never matches a parameter.
  router.Add("GET", "/kb/{id}", Echo("kb"));
  EXPECT_EQ(Call(router, "GET", "/kb/").status, 404);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router;
  router.Add("POST", "/api/v1/ask", Echo("ask"));
  router.Add("GET", "/api/v1/ask", Echo("ask_get"));
  router.Add("POST", "/api/v1/only-post", Echo("p"));
  std::string route;
  Response r = Call(router, "DELETE", "/api/v1/ask", &route);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, HEAD, POST");
  EXPECT_EQ(Body(r)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(route, "/api/v1/ask");
  r = Call(router, "GET", "/api/v1/only-post");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "POST");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.Add("GET", "/healthz", Echo("get"));
  EXPECT_EQ(Body(Call(router, "HEAD", "/healthz"))["handler"], "get");
  router.Add("HEAD", "/healthz", Echo("head"));
  EXPECT_EQ(Body(Call(router, "HEAD", "/healthz"))["handler"], "head");
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router router;
  router.Add("GET", "/c/{id}", Echo("by_id"));
  router.Add("GET", "/c/new", Echo("new"));
  router.Add("GET", "/c/{id}/x", Echo("id_x"));
  router.Add("GET", "/{a}/new/x", Echo("a_new_x"));
  EXPECT_EQ(Body(Call(router, "GET", "/c/new"))["handler"], "new");
  EXPECT_EQ(Body(Call(router, "GET", "/c/7"))["handler"], "by_id");
  EXPECT_EQ(Body(Call(router, "GET", "/c/new/x"))["handler"], "id_x");
  EXPECT_EQ(Body(Call(router, "GET", "/d/new/x"))["handler"], "a_new_x");
}

TEST(Router, RelativeTargetsAreNotFound) {
  Router router;
  router.Add("GET", "/healthz", Echo("h"));
  EXPECT_EQ(Call(router, "GET", "healthz").status, 404);
  EXPECT_EQ(Call(router, "GET", "").status, 404);
  EXPECT_EQ(Call(router, "GET", "*").status, 404);
}

TEST(Router, Describe) {
  Router router;
  router.Add("GET", "/healthz", Echo("h"));
  router.Add("POST", "/api/v1/ask", Echo("a"));
  EXPECT_EQ(router.Describe(), (std::vector<std::string>{"GET /healthz", "POST /api/v1/ask"}));
}

TEST(RouterDeathTest, BadPatternsStop) {
  Router router;
  router.Add("GET", "/a/{id}", Echo("a"));
  EXPECT_DEATH(router.Add("GET", "/a/{other}", Echo("b")), "already routed");
  EXPECT_DEATH(router.Add("GET", "no-slash", Echo("b")), "must start with '/'");
  EXPECT_DEATH(router.Add("GET", "/x/{a}/{a}", Echo("b")), "appears twice");
  EXPECT_DEATH(router.Add("GET", "/x/pre{a}", Echo("b")), "whole segment");
  EXPECT_DEATH(router.Add("get", "/x", Echo("b")), "upper-case");
}

TEST(Router, RoutesCarryTheirPermissionToTheMiddleware) {
  Router router;
  router.Add("GET", "/api/v1/users/{id}", "user.manage", Echo("user"));
  router.Add("GET", "/bare", Echo("bare"));
  auto routes = router.Routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].permission, "user.manage");
  EXPECT_EQ(routes[1].permission, "");
  std::vector<RouteInfo> seen;
  router.SetMiddleware([&](Request& req, const RouteInfo& info, const Router::Next& next) {
    seen.push_back(info);
    if (info.permission == "user.manage" && req.Header("X-Ok").empty())
      return Response::Json(403, {});
    return next(req);
  });
  Request req;
  req.method = "HEAD";
  req.path = "/api/v1/users/7";
  EXPECT_EQ(router.Handle(req).status, 403);
  req.headers = {{"X-Ok", "1"}};
  Response ok = router.Handle(req);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(req.PathParam("id"), "7");
  req.path = "/nowhere";
  EXPECT_EQ(router.Handle(req).status, 404);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "GET");  // HEAD served by the GET route
  EXPECT_EQ(seen[0].pattern, "/api/v1/users/{id}");
  EXPECT_TRUE(seen[0].matched);
  EXPECT_FALSE(seen[2].matched);
  EXPECT_EQ(seen[2].permission, "");
}

TEST(RouterDeathTest, EmptyPermissionStops) {
  Router router;
  EXPECT_DEATH(router.Add("GET", "/x", "", Echo("b")), "empty permission");
}

TEST(Request, QueryAndHeaders) {
  Request req;
  req.query = ParseQuery("q=%E7%A4%BE%E4%BF%9D+%E5%8D%A1&empty=&flag&bad=%zz&q=2");
  EXPECT_EQ(req.Query("q"), "社保 卡");
  EXPECT_EQ(req.Query("empty"), "");
  EXPECT_EQ(req.Query("flag"), "");
  EXPECT_EQ(req.Query("bad"), "%zz");
  EXPECT_FALSE(req.Query("missing").has_value());
  req.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("x-missing"), "");
}

TEST(Response, JsonNeverThrowsOnBadUtf8) {
  Response r = Response::Json(200, {{"text", std::string("a\xff")}});
  EXPECT_EQ(r.body, "{\"text\":\"a\xEF\xBF\xBD\"}");
}

// Route sets are added in the order given, each with the services it was bound to.
TEST(Router, AddsRouteSetsInOrder) {
  Router router;
  std::string greeting = "hello";
  AddRouteSets(router, {[&](Router& r) { r.Add("GET", "/a/new", "kb.read", Echo(greeting)); },
                        [](Router& r) { r.Add("GET", "/a/{id}", "kb.read", Echo("by id")); }});
  EXPECT_EQ(router.Describe(), (std::vector<std::string>{"GET /a/new", "GET /a/{id}"}));
  EXPECT_EQ(Body(Call(router, "GET", "/a/new"))["handler"], "hello");
  EXPECT_EQ(Body(Call(router, "GET", "/a/7"))["handler"], "by id");
}

}  // namespace
}  // namespace zx::http
