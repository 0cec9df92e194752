// The store reads of one `GET /api/v1/jobs/{id}` (session+owner+role, job, its outputs and
// withheld count), in process on one thread, inside Store::read_scope as the route runs them:
// once right after another connection committed (the read cache is stale: the reads go to SQLite
// in one read transaction), once with the database unchanged (answered by the read cache,
// read_cache.h). Reports thread CPU time per poll, both ways alternated in one run, so their ratio
// holds on a loaded machine where wall-clock HTTP numbers do not.
//
//   bench_job_poll_reads [--polls N] [--dir SCRATCH_DIR]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "pixforge/service/crypto.h"
#include "pixforge/service/store.h"

namespace {

using pixforge::service::Store;

double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// The reads routes_jobs.cpp and identity.cpp make for a finished job; returns what was found so
// the work cannot be optimised away.
std::size_t poll_reads(Store& store) {
  std::size_t found = 0;
  if (auto s = store.find_session_owner("session-hash"); s && s->owner) ++found;
  if (auto job = store.find_job("job-1"); job && job->state == "succeeded") ++found;
  found += store.job_outputs("job-1", "owner-1").image_ids.size();
  return found;
}

// With `committer`, a commit on another connection precedes every poll (not timed).
double cpu_per_poll(Store& store, Store* committer, int polls, std::size_t& sink) {
  double total = 0;
  for (int i = 0; i < polls; ++i) {
    if (committer) committer->touch_owner("owner-2", 2000 + i);
    const double t0 = thread_cpu_us();
    {
      const auto scope = store.read_scope();
      sink += poll_reads(store);
    }
    total += thread_cpu_us() - t0;
  }
  return total / polls;
}

int run(int polls, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto db = dir / "bench-job-poll.sqlite";
  std::filesystem::remove(db);
  double changed = 0, unchanged = 0;
  std::size_t sink = 0;
  {
    auto store = pixforge::service::open_sqlite_store(db.string(), pixforge::service::random_key());
    auto other = pixforge::service::open_sqlite_store(db.string(), pixforge::service::random_key());
    for (const char* owner : {"owner-1", "owner-2"})
      store->create_owner(
          {owner, "session", pixforge::service::Bytes(60, 1), 1000, 1000, false, false});
    store->create_session({"session-hash", "owner-1", "csrf", 1000, 1000});
    store->create_job({"job-1", "owner-1", "txt2img", "succeeded", pixforge::service::Bytes{1},
                       pixforge::service::Bytes{2}, "", "native", 1000, 0, 0, 0, false},
                      {});
    store->add_blob({"image-1", "owner-1", "job-1", "output", 1000, 10});
    cpu_per_poll(*store, other.get(), polls / 10 + 1, sink);  // warm the statement caches
    cpu_per_poll(*store, nullptr, polls / 10 + 1, sink);
    for (int round = 0; round < 4; ++round) {  // alternated: both see the same machine
      changed += cpu_per_poll(*store, other.get(), polls / 4, sink) / 4;
      unchanged += cpu_per_poll(*store, nullptr, polls / 4, sink) / 4;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  if (sink == 0) return 1;
  std::printf("job poll store reads (session, job, outputs), thread CPU per poll, %d polls each:\n",
              polls);
  std::printf("  after another connection's commit (SQLite) : %.2f us\n", changed);
  std::printf("  database unchanged (read cache)            : %.2f us  (%.0f %% of the first)\n",
              unchanged, 100.0 * unchanged / changed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int polls = 40000;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--polls")
      polls = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
    else {
      std::fprintf(stderr, "bench_job_poll_reads: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  if (polls < 4) {
    std::fprintf(stderr, "bench_job_poll_reads: --polls must be at least 4\n");
    return 2;
  }
  try {
    return run(polls, dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_job_poll_reads: %s\n", e.what());
    return 1;
  }
}
