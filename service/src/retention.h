// The retention sweeper (P3): deletes every data category when its period (from the
// configuration) has passed. Runs at start-up and every server.sweep_interval_s.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app_state.h"
#include "pixforge/service/retention_audit.h"

namespace pixforge::service {

struct SweepReport {
  int uploads = 0;
  int prompts = 0;
  int outputs = 0;
  int idle_sessions = 0;
  int inactive_account_items = 0;
  int request_logs = 0;
  int analytics = 0;
  int orphan_files = 0;
  int flagged_images = 0;  // withheld images whose review period ended (P9)
  int moderation_log = 0;  // flag-log and prompt-safety decision rows past their period
  int total() const {
    return uploads + prompts + outputs + idle_sessions + inactive_account_items + request_logs +
           analytics + orphan_files + flagged_images + moderation_log;
  }
};

SweepReport sweep(Service::State& app);
// Blob files without a row (a crash between writing the file and its row); only safe while no
// job is running, so called at start-up.
int remove_orphan_files(Service::State& app);

}  // namespace pixforge::service
