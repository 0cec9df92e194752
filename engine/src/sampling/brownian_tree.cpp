// torchsde's BrownianInterval in the configuration k-diffusion's BrownianTree uses (halfway tree,
// tol 1e-6, pool 24, levy_area_approximation "none"), restated from its definition
// (torchsde/_brownian/brownian_interval.py). The reference is tools/reference/sampling_brownian.py.
#include "pixforge/sampling/brownian_tree.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "seed_sequence.h"

namespace pixforge::sampling {
namespace {

constexpr int kPoolSize = 24;
// torchsde keeps 45 recent increments in an LRU cache; values are pure functions of the tree,
// so the bound only trades memory for recomputation.
constexpr std::size_t kCacheSize = 64;

// Python's round(x, 6) (torchsde quantises every time to its tolerance 1e-6): the double nearest
// to x correctly rounded to 6 decimals. glibc's printf rounds the exact binary value, as
// Python's dtoa does.
double round6(double x) {
  std::array<char, 512> buf{};
  std::snprintf(buf.data(), buf.size(), "%.6f", x);
  return std::strtod(buf.data(), nullptr);
}

struct Node {
  double start = 0, end = 0;
  int parent = -1;
  bool is_left = false;
  bool split = false;
  double mid = 0;
  int left = -1, right = -1;
  std::uint64_t key = 0;
  int depth = 0;
  std::uint32_t w_seed = 0;
};

}  // namespace

struct BrownianTree::Impl {
  std::int64_t numel = 0;
  std::uint64_t entropy = 0;
  RngKind rng = RngKind::TorchCpu;
  std::vector<Node> nodes;  // nodes[0] is the root [t0, t1]
  std::vector<float> root_w;
  int last = 0;  // where the next search starts (queries usually come in order)
  std::unordered_map<int, std::vector<float>> cache;
  std::deque<int> cache_order;

  std::vector<float> randn(std::uint32_t seed) const {
    return make_noise_generator(rng, seed)->randn(numel);
  }

  int add_node(double start, double end, int parent, bool is_left) {
    Node n;
    n.start = round6(start);
    n.end = round6(end);
    n.parent = parent;
    n.is_left = is_left;
    nodes.push_back(n);
    return static_cast<int>(nodes.size()) - 1;
  }

  void split_exact(int i, double mid) {
    Node& n = nodes[static_cast<std::size_t>(i)];
    n.split = true;
    n.mid = round6(mid);
    if (n.parent >= 0) {
      const Node& p = nodes[static_cast<std::size_t>(n.parent)];
      if (p.depth >= 63) throw std::runtime_error("Brownian tree: interval depth exceeds 63");
      n.key = 2 * p.key + (n.is_left ? 0 : 1);
      n.depth = p.depth + 1;
    }
    const std::array<std::uint64_t, 2> spawn{n.key, static_cast<std::uint64_t>(n.depth)};
    n.w_seed = detail::seed_sequence_state(entropy, spawn, kPoolSize, 4)[0];
    const double start = n.start, end = n.end;
    const int left = add_node(start, mid, i, true);
    const int right = add_node(mid, end, i, false);
    nodes[static_cast<std::size_t>(i)].left = left;
    nodes[static_cast<std::size_t>(i)].right = right;
  }

  // The halfway tree: bisect at the rounded midpoint until `point` is a split point.
  void split(int i, double point) {
    for (;;) {
      const Node& n = nodes[static_cast<std::size_t>(i)];
      split_exact(i, 0.5 * (n.end + n.start));
      const Node& s = nodes[static_cast<std::size_t>(i)];
      if (point > s.mid) {
        i = s.right;
      } else if (point < s.mid) {
        i = s.left;
      } else {
        return;
      }
    }
  }

  // The tree intervals tiling [ta, tb], left to right, creating them as needed (_loc_inner).
  void locate(int i, double ta, double tb, std::vector<int>& out) {
    for (;;) {
      const Node& n = nodes[static_cast<std::size_t>(i)];
      if (ta < n.start || tb > n.end) {
        if (n.parent < 0) throw std::logic_error("Brownian tree: query outside the root");
        i = n.parent;
      } else if (ta == n.start && tb == n.end) {
        out.push_back(i);
        return;
      } else if (!n.split) {
        const bool at_start = ta == n.start;
        split(i, at_start ? tb : ta);
        const Node& s = nodes[static_cast<std::size_t>(i)];
        i = at_start ? s.left : s.right;
      } else if (tb <= n.mid) {
        i = n.left;
      } else if (ta >= n.mid) {
        i = n.right;
      } else {
        const double mid = n.mid;
        const int right = n.right;
        locate(n.left, ta, mid, out);
        i = right;
        ta = mid;
      }
    }
  }

  void remember(int i, const std::vector<float>& w) {
    if (cache.size() >= kCacheSize) {
      cache.erase(cache_order.front());
      cache_order.pop_front();
    }
    cache.emplace(i, w);
    cache_order.push_back(i);
  }

  // The Brownian bridge from the parent's increment: the left child's increment is normal with
  // mean left/len * W and variance left * right / len; the right child's is the remainder.
  std::vector<float> child_increment(const Node& child, const std::vector<float>& parent_w) const {
    const Node& p = nodes[static_cast<std::size_t>(child.parent)];
    const double h_reciprocal = 1 / (p.end - p.start);
    const double left_diff = p.mid - p.start;
    const double right_diff = p.end - p.mid;
    const double var = left_diff * right_diff * h_reciprocal;
    // torch applies Python-float scalars to float32 tensors as float32 values, one op at a time.
    const auto a = static_cast<float>(left_diff);
    const auto b = static_cast<float>(h_reciprocal);
    const auto c = static_cast<float>(std::sqrt(var));
    const auto noise = randn(p.w_seed);
    std::vector<float> out(parent_w.size());
    for (std::size_t k = 0; k < out.size(); ++k) {
      const float left = parent_w[k] * a * b + noise[k] * c;
      out[k] = child.is_left ? left : parent_w[k] - left;
    }
    return out;
  }

  std::vector<float> node_increment(int i) {
    std::vector<int> path;  // from i up to the nearest node whose increment is known
    int j = i;
    while (j != 0 && !cache.count(j)) {
      path.push_back(j);
      j = nodes[static_cast<std::size_t>(j)].parent;
    }
    std::vector<float> w = j == 0 ? root_w : cache.at(j);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      w = child_increment(nodes[static_cast<std::size_t>(*it)], w);
      remember(*it, w);
    }
    return w;
  }
};

BrownianTree::BrownianTree(double t0, double t1, std::int64_t numel, std::uint64_t entropy,
                           RngKind rng)
    : impl_(std::make_unique<Impl>()) {
  if (!std::isfinite(t0) || !std::isfinite(t1) || t0 > t1) {
    throw std::invalid_argument("BrownianTree: need finite t0 <= t1, got " + std::to_string(t0) +
                                ", " + std::to_string(t1));
  }
  if (numel <= 0) throw std::invalid_argument("BrownianTree: numel must be positive");
  Impl& m = *impl_;
  m.numel = numel;
  m.entropy = entropy;
  m.rng = rng;
  m.add_node(t0, t1, -1, false);
  const auto seeds = detail::seed_sequence_state(entropy, {}, kPoolSize, 3);
  m.root_w = m.randn(seeds[0]);
  const auto scale = static_cast<float>(std::sqrt(t1 - t0));
  for (float& v : m.root_w) v *= scale;
}

BrownianTree::~BrownianTree() = default;

std::int64_t BrownianTree::numel() const { return impl_->numel; }

std::vector<float> BrownianTree::increment(double ta, double tb) {
  if (!std::isfinite(ta) || !std::isfinite(tb)) {
    throw std::invalid_argument("BrownianTree: query times must be finite");
  }
  Impl& m = *impl_;
  const Node& root = m.nodes[0];
  ta = std::min(root.end, std::max(root.start, ta));
  tb = std::min(root.end, std::max(root.start, tb));
  if (ta > tb) {
    throw std::invalid_argument("BrownianTree: query times " + std::to_string(ta) + " > " +
                                std::to_string(tb));
  }
  if (ta == tb) return std::vector<float>(static_cast<std::size_t>(m.numel), 0.0f);
  std::vector<int> intervals;
  m.locate(m.last, round6(ta), round6(tb), intervals);
  m.last = intervals.back();
  std::vector<float> w = m.node_increment(intervals.front());
  for (std::size_t k = 1; k < intervals.size(); ++k) {
    const auto wi = m.node_increment(intervals[k]);
    for (std::size_t e = 0; e < w.size(); ++e) w[e] += wi[e];
  }
  return w;
}

SdeNoiseKind parse_sde_noise_kind(std::string_view text) {
  if (text == "brownian") return SdeNoiseKind::BrownianTree;
  if (text == "gaussian") return SdeNoiseKind::Gaussian;
  throw std::invalid_argument("unknown SDE noise '" + std::string(text) +
                              "': expected 'brownian' (ComfyUI's Brownian tree, the default) or "
                              "'gaussian' (an independent draw per step)");
}

std::string_view sde_noise_kind_name(SdeNoiseKind kind) {
  return kind == SdeNoiseKind::BrownianTree ? "brownian" : "gaussian";
}

BrownianTreeNoise::BrownianTreeNoise(const Shape& nhwc_shape, float sigma_min, float sigma_max,
                                     std::uint64_t seed, RngKind rng, NoiseBatching batching)
    : shape_(nhwc_shape) {
  if (shape_.rank() != 4 || shape_.numel() <= 0) {
    throw std::invalid_argument("BrownianTreeNoise: expected a non-empty NHWC shape, got " +
                                shape_.str());
  }
  // BatchedBrownianTree.sort: the tree runs from the smaller to the larger time.
  reversed_ = !(sigma_min < sigma_max);
  const double t0 = reversed_ ? sigma_max : sigma_min;
  const double t1 = reversed_ ? sigma_min : sigma_max;
  const std::int64_t per_image = shape_.numel() / shape_[0];
  if (batching == NoiseBatching::PerImage) {
    for (std::int64_t i = 0; i < shape_[0]; ++i) {
      trees_.push_back(std::make_unique<BrownianTree>(t0, t1, per_image,
                                                      seed + static_cast<std::uint64_t>(i), rng));
    }
  } else {
    trees_.push_back(std::make_unique<BrownianTree>(t0, t1, shape_.numel(), seed, rng));
  }
}

Tensor BrownianTreeNoise::draw(Backend& backend, float sigma, float sigma_next) {
  const bool descending = !(sigma < sigma_next);
  const float lo = descending ? sigma_next : sigma;
  const float hi = descending ? sigma : sigma_next;
  // (self.sign * sign): +1 when the query runs the same way as the tree, else -1.
  const float sign = (reversed_ ? -1.0f : 1.0f) * (descending ? -1.0f : 1.0f);
  const float denom = std::sqrt(std::fabs(sigma_next - sigma));
  std::vector<float> nchw;
  nchw.reserve(static_cast<std::size_t>(shape_.numel()));
  for (auto& tree : trees_) {
    const auto w = tree->increment(lo, hi);
    for (float v : w) nchw.push_back(v * sign / denom);
  }
  return Tensor::from_host(backend, shape_,
                           nchw_to_nhwc(nchw, shape_[0], shape_[3], shape_[1], shape_[2]));
}

}  // namespace pixforge::sampling
