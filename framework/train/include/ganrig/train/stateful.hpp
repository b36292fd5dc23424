#pragma once
// A part of a training run that has state of its own and saves it into the checkpoint's `state`
// table (tensors by key). The checkpointer lists every such part once; resuming loads each back.
#include <map>
#include <string>

#include <torch/types.h>

namespace ganrig {

using TrainingState = std::map<std::string, torch::Tensor>;

class Stateful {
 public:
  virtual ~Stateful() = default;
  virtual void save(TrainingState& state) const = 0;
  virtual void load(const TrainingState& state) = 0;
};

}  // namespace ganrig
