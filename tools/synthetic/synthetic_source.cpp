#include <unordered_map>

#include "synthetic_weights.h"

namespace pixforge::synthetic {
namespace {

class SyntheticSource final : public TensorSource {
 public:
  SyntheticSource(std::vector<std::pair<std::string, LayoutEntry>> entries, std::string origin)
      : origin_(std::move(origin)) {
    storage_.reserve(entries.size());
    for (auto& [value_name, entry] : entries) {
      storage_.push_back(values(value_name, entry.shape));
      TensorInfo info;
      info.name = entry.name;
      info.dtype = DType::F32;
      info.shape = entry.shape;
      info.data = storage_.back().data();
      info.nbytes = storage_.back().size() * sizeof(float);
      infos_.push_back(std::move(info));
    }
    for (std::size_t i = 0; i < infos_.size(); ++i) index_.emplace(infos_[i].name, i);
  }

  const TensorInfo* find(std::string_view name) const override {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &infos_[it->second];
  }
  const std::vector<TensorInfo>& tensors() const override { return infos_; }
  const std::string& origin() const override { return origin_; }

 private:
  std::string origin_;
  std::vector<std::vector<float>> storage_;
  std::vector<TensorInfo> infos_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace

std::unique_ptr<TensorSource> make_source(const std::vector<LayoutEntry>& layout,
                                          const std::string& value_prefix) {
  std::vector<std::pair<std::string, LayoutEntry>> entries;
  for (const auto& e : layout) entries.emplace_back(value_prefix + e.name, e);
  return std::make_unique<SyntheticSource>(std::move(entries), "<synthetic weights>");
}

std::unique_ptr<TensorSource> make_component_source(const std::vector<LayoutEntry>& layout,
                                                    const std::string& strip_prefix) {
  std::vector<std::pair<std::string, LayoutEntry>> entries;
  for (const auto& e : layout) {
    if (e.name.rfind(strip_prefix, 0) != 0) continue;
    entries.emplace_back(e.name, LayoutEntry{e.name.substr(strip_prefix.size()), e.shape});
  }
  return std::make_unique<SyntheticSource>(std::move(entries), "<synthetic weights>");
}

}  // namespace pixforge::synthetic
