// Tiny Keras layers-model topologies built in memory for the loader's tests: one layer entry
// with its inbound nodes, and the model_config around a layer list (the shape tfjs writes).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pixforge/tfjs/model_json.h"

namespace pixforge::tfjs::layers_json {

inline nlohmann::json layer(const std::string& cls, const std::string& name, nlohmann::json config,
                            const std::vector<std::string>& inputs) {
  using nlohmann::json;
  config["name"] = name;
  json inbound = json::array();
  if (!inputs.empty()) {
    json node = json::array();
    for (const auto& i : inputs) node.push_back(json::array({i, 0, 0, json::object()}));
    inbound.push_back(node);
  }
  return {{"class_name", cls}, {"name", name}, {"config", config}, {"inbound_nodes", inbound}};
}

inline ModelJson model_of(nlohmann::json layers, const std::string& output) {
  using nlohmann::json;
  ModelJson m;
  m.path = "test.json";
  m.format = ModelFormat::Layers;
  m.topology = {
      {"model_config",
       {{"class_name", "Model"},
        {"config",
         {{"layers", layers}, {"output_layers", json::array({json::array({output, 0, 0})})}}}}}};
  return m;
}

}  // namespace pixforge::tfjs::layers_json
