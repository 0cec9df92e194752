// A TF.js layers-model (Keras functional topology) running on the engine's ops.
//
// Layers map onto ops.h: Conv2D/DepthwiseConv2D (+ a following BatchNormalization folded in
// at load time) -> conv2d; Dense -> linear; Activation/ReLU (relu, sigmoid, tanh, linear) ->
// activation, ReLU(max_value) -> clip; Add -> add; Concatenate -> concat; UpSampling2D
// (nearest) -> upsample_nearest; MultiplyBeta (esrgan-thick's residual scaling) -> scale_bias;
// MaxPooling2D / AveragePooling2D (valid or same) -> max_pool2d / avg_pool2d;
// GlobalAveragePooling2D -> mean_hw; PixelShuffle -> depth_to_space; Flatten, Dropout and
// InputLayer are views or no-ops, ZeroPadding2D folds into the next convolution. A layer (or
// layer option) with no mapping is rejected at load with an error naming the layer, its class
// and what is missing, so a model either runs entirely on the engine or not at all.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/tfjs/model_json.h"

namespace pixforge::tfjs {

class LayersModel {
 public:
  // Reads model.json and its shards; weights are prepared once on `backend`.
  static LayersModel load(const std::string& model_json_path, Backend& backend);
  static LayersModel build(const ModelJson& model, const WeightMap& weights, Backend& backend);

  // Runs the network on one NHWC input (F32); returns the model's (single) output.
  Tensor run(const Tensor& input) const;

  // Layer classes by name, in topological order (for tests and diagnostics).
  std::vector<std::string> layer_classes() const;
  // Multiply-accumulates of every convolution and dense layer for an input of h x w pixels
  // (the FLOP count benchmarks report is twice this).
  double conv_macs(std::int64_t h, std::int64_t w) const;

  struct Layer;  // defined in layers_model.cpp

  LayersModel(LayersModel&&) noexcept;
  LayersModel& operator=(LayersModel&&) noexcept;
  ~LayersModel();

 private:
  LayersModel();
  std::vector<std::unique_ptr<Layer>> layers_;
  int output_ = -1;
};

}  // namespace pixforge::tfjs
