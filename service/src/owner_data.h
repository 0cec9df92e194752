// Everything held about one owner, as one JSON document (view, export), and the deletions
// (one item, all content, the whole account). Deletions are immediate and cascade: files are
// unlinked, rows deleted, and for the account the data key destroyed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app_state.h"

namespace pixforge::service {

nlohmann::json describe_owner(Service::State& app, const std::string& owner_id);

// Deletes one blob (and its file); false when it is not the owner's.
bool delete_owner_blob(Service::State& app, const std::string& owner_id,
                       const std::string& blob_id);
// Deletes every job and blob of the owner, keeping the account/session itself.
int delete_owner_content(Service::State& app, const std::string& owner_id);
// Deletes the owner: content, rows, and its data key.
void delete_owner_everything(Service::State& app, const std::string& owner_id);

// Aad strings binding sealed values to their place.
inline std::string prompt_aad(const std::string& job_id) { return "prompt:" + job_id; }
inline std::string params_aad(const std::string& job_id) { return "params:" + job_id; }
inline std::string blob_aad(const std::string& blob_id) { return "blob:" + blob_id; }

}  // namespace pixforge::service
