// F14 jobs: queue, SSE progress, cancel, ownership (P6), restart recovery.
#include <gtest/gtest.h>

#include <thread>

#include "api_harness.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

nlohmann::json small(const std::string& prompt = "a small test picture", int steps = 4) {
  return {{"prompt", prompt}, {"width", 64}, {"height", 64}, {"steps", steps}, {"seed", 9}};
}

TEST(Jobs, SucceededJobListsImagesThatDecodeAsPng) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/api/v1/generate",
                  {{"prompt", "p"}, {"width", 64}, {"height", 72}, {"steps", 2}, {"n", 2}});
  ASSERT_EQ(r.status, 202) << r.body;
  auto job = testing::wait_for_job(c, r.json()["id"]);
  ASSERT_EQ(job["state"], "succeeded");
  ASSERT_EQ(job["images"].size(), 2u);
  auto img = c.get(job["images"][0]["url"]);
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.header("Content-Type"), "image/png");
  EXPECT_EQ(img.body.substr(1, 3), "PNG");
  auto gallery = c.get("/api/v1/gallery").json();
  EXPECT_EQ(gallery["images"].size(), 2u);
}

TEST(Jobs, F14_events_stream_queue_position_progress_preview_and_done) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  ts.generator->hold(true);
  auto first = c.post("/api/v1/generate", small());
  ASSERT_EQ(first.status, 202);
  ASSERT_TRUE(ts.generator->wait_until_running(5000));
  auto second = c.post("/api/v1/generate", small());
  ASSERT_EQ(second.status, 202);
  EXPECT_EQ(second.json()["position"], 0);
  std::string stream;
  std::thread reader([&] {
    Client sse = ts.client();
    sse.cookie = c.cookie;
    sse.http().Get(("/api/v1/jobs/" + second.json()["id"].get<std::string>() + "/events").c_str(),
                   {{"Cookie", c.cookie}}, [&](const char* data, size_t n) {
                     stream.append(data, n);
                     return true;
                   });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ts.generator->hold(false);
  reader.join();
  EXPECT_NE(stream.find(R"("type":"queued")"), std::string::npos) << stream;
  EXPECT_NE(stream.find(R"("position":0)"), std::string::npos);
  EXPECT_NE(stream.find(R"("type":"progress")"), std::string::npos);
  EXPECT_NE(stream.find(R"("preview":"data:image/png;base64,)"), std::string::npos);
  EXPECT_NE(stream.find(R"("state":"succeeded")"), std::string::npos);
}

TEST(Jobs, F14_cancel_a_running_job) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  ts.generator->hold(true);
  auto r = c.post("/api/v1/generate", small());
  ASSERT_TRUE(ts.generator->wait_until_running(5000));
  const std::string id = r.json()["id"];
  EXPECT_EQ(c.post("/api/v1/jobs/" + id + "/cancel", nlohmann::json::object()).status, 202);
  auto job = testing::wait_for_job(c, id);
  EXPECT_EQ(job["state"], "cancelled");
  EXPECT_TRUE(ts.store().all_blobs().empty());
  EXPECT_EQ(c.post("/api/v1/jobs/" + id + "/cancel", nlohmann::json::object()).status, 409);
}

TEST(Jobs, P6_another_users_ids_answer_404_everywhere) {
  TestService ts;
  Client alice = ts.client();
  alice.sign_up("alice");
  auto r = alice.post("/api/v1/generate", small());
  auto job = testing::wait_for_job(alice, r.json()["id"]);
  const std::string job_id = job["id"], image_id = job["images"][0]["id"];
  Client mallory = ts.client();
  mallory.sign_up("mallory");
  EXPECT_EQ(mallory.get("/api/v1/jobs/" + job_id).status, 404);
  EXPECT_EQ(mallory.get("/api/v1/jobs/" + job_id + "/events").status, 404);
  EXPECT_EQ(mallory.post("/api/v1/jobs/" + job_id + "/cancel", nlohmann::json::object()).status,
            404);
  EXPECT_EQ(mallory.get("/api/v1/images/" + image_id).status, 404);
  EXPECT_EQ(mallory.del("/api/v1/images/" + image_id).status, 404);
  EXPECT_TRUE(mallory.get("/api/v1/gallery").json()["images"].empty());
  Client nobody = ts.client();
  EXPECT_EQ(nobody.get("/api/v1/images/" + image_id).status, 404);
  EXPECT_EQ(alice.get("/api/v1/images/" + image_id).status, 200);
  // Ids are unguessable: 128 random bits.
  EXPECT_GE(job_id.size(), 22u);
}

TEST(Jobs, StopRequeuesTheRunningJobAndARestartCompletesIt) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  ts.generator->hold(true);
  auto r = c.post("/api/v1/generate", small());
  const std::string id = r.json()["id"];
  ASSERT_TRUE(ts.generator->wait_until_running(5000));
  ts.restart(testing::test_config());  // graceful stop: the running job goes back to the queue
  Client again = ts.client();
  again.cookie = c.cookie;
  auto job = testing::wait_for_job(again, id);
  EXPECT_EQ(job["state"], "succeeded");
  EXPECT_EQ(job["images"].size(), 1u);
  // No temp or orphaned files remain.
  EXPECT_TRUE(std::filesystem::is_empty(ts.data_dir() + "/data/tmp"));
  EXPECT_EQ(ts.service().blobs().list().size(), ts.store().all_blobs().size());
}

TEST(Jobs, OrphanedFilesFromACrashAreRemovedAtStartup) {
  TestService ts;
  ts.service().blobs().put("orphanblob", Bytes{1, 2, 3});  // file written, row never committed
  std::ofstream(ts.data_dir() + "/data/tmp/halfwritten") << "x";
  ts.restart(testing::test_config());
  EXPECT_TRUE(ts.service().blobs().list().empty());
  EXPECT_TRUE(std::filesystem::is_empty(ts.data_dir() + "/data/tmp"));
}

}  // namespace
}  // namespace pixforge::service
