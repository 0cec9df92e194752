// A TF.js graph-model (GraphDef JSON) running on the engine's ops. Supported nodes:
//   Placeholder, Const, Identity;
//   Conv2D, DepthwiseConv2dNative, _FusedConv2D / FusedDepthwiseConv2dNative (BiasAdd, then
//   optionally Relu, Relu6 or Prelu), Conv2DBackpropInput (kernel = stride), MatMul /
//   _FusedMatMul (BiasAdd[, Relu, Relu6 or Prelu]);
//   Add, AddV2, Sub, Mul (tensor or constant operands, broadcasting over trailing dims), AddN;
//   Relu, Relu6, Prelu, LeakyRelu, Sigmoid, Tanh, Softmax;
//   MaxPool and AvgPool (VALID / SAME), Mean over H and W, ResizeBilinear (x2, half-pixel
//   centres), Pad (zeros, any axis), ConcatV2 (channels), Reshape, Squeeze.
// Any other node, or an attribute outside these forms, fails at load with an error naming the
// node and its op.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/tfjs/model_json.h"

namespace pixforge::tfjs {

namespace composed {
class ConstCache;
}

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
  std::unique_ptr<composed::ConstCache> cache_;  // weights of composed ops, per shape
};

}  // namespace pixforge::tfjs
