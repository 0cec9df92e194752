// A TF.js graph-model (GraphDef JSON) running on the engine's ops. Supported nodes: Placeholder,
// Const, Identity, _FusedConv2D / FusedDepthwiseConv2dNative (BiasAdd[, Relu]),
// DepthwiseConv2dNative, Conv2D, AddV2/Add, Relu, MaxPool (2x2, stride 2), Pad (channels only),
// Reshape. Any other node fails at load with an error naming the node and its op.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/tfjs/model_json.h"

namespace pixforge::tfjs {

class GraphModel {
 public:
  static GraphModel load(const std::string& model_json_path, Backend& backend);
  static GraphModel build(const ModelJson& model, const WeightMap& weights, Backend& backend);

  // Runs the graph on one NHWC F32 input; returns the named nodes' outputs in order.
  std::vector<Tensor> run(const Tensor& input, const std::vector<std::string>& outputs) const;

  struct Node;  // defined in graph_model.cpp
  GraphModel(GraphModel&&) noexcept;
  GraphModel& operator=(GraphModel&&) noexcept;
  ~GraphModel();

 private:
  GraphModel();
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Backend* backend_ = nullptr;
};

}  // namespace pixforge::tfjs
