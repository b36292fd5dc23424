#pragma once
// The component interfaces the host knows. Plugins subclass them; the training loop sees nothing
// else. Networks are torch::nn::Module subclasses so parameters, buffers and (de)serialization
// work by name, exactly as for LibTorch's own modules.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ganrig/conv_options.hpp"

namespace ganrig {

// name -> tensor, in a state dict's order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Shape of the images a run trains on; the dataset defines it, networks read it.
struct ImageShape {
  std::int64_t channels = 3;
  std::int64_t resolution = 32;
};

// A convolution layer produced by a block.
class ConvLayer : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // Re-initialises the layer so that it scales activations as a standard convolution with weights
  // drawn from N(0, std) would, biases zero. Networks with an initialisation scheme of their own
  // (DCGAN's N(0, 0.02)) call it, so the scheme means the same whatever the block. The default
  // suits a layer made of one convolution (every weight N(0, std)); a block that composes several
  // convolutions must override it (a depthwise-separable pair whose two factors both drew
  // N(0, 0.02) would shrink activations ~50x per layer; tests/plugins/block_scale_test.cpp).
  virtual void init_normal(double std);
  // The layer applied to `x` upsampled x2 by nearest neighbour (FastGAN's up blocks). The default
  // upsamples and calls forward; a layer may compute the same without the upsampled copy.
  virtual torch::Tensor forward_upsampled(const torch::Tensor& x);
};

// kind "block": a factory of convolutions (`conv`, `dsc`, ...). Networks ask a block for each
// convolution, which makes "which convolution goes where" a configuration choice.
class Block {
 public:
  static constexpr const char* kind = "block";
  virtual ~Block() = default;
  virtual std::shared_ptr<ConvLayer> make(const ConvOptions& options) const = 0;
  // A discriminator down-sampling block that halves the resolution: conv, BatchNorm,
  // LeakyReLU(0.2). The default is Projected GAN's DownBlock (4x4 stride-2 convolution with bias
  // from make(), BatchNorm, LeakyReLU); a block may replace it (dsc: the official separable
  // variant, 3x3 depthwise-separable convolution, BatchNorm, LeakyReLU, 2x2 average pooling).
  virtual std::shared_ptr<ConvLayer> make_down_block(std::int64_t in_channels, std::int64_t out_channels,
                                                     bool spectral_norm) const;
};

// The condition networks receive: class labels one-hot, float [B, classes] (the official code's
// `c`), or an undefined tensor in an unconditional run. A component built unconditional ignores it;
// one built conditional (classes() > 0) needs it.
using Condition = torch::Tensor;

// kind "generator": latent [B, latent_dim] (and condition) -> image [B, C, R, R] in [-1, 1] (roughly).
class Generator : public torch::nn::Module {
 public:
  static constexpr const char* kind = "generator";
  virtual torch::Tensor forward(const torch::Tensor& z, const Condition& c = {}) = 0;
  virtual std::int64_t latent_dim() const = 0;
  // Classes the generator is conditioned on (0: unconditional).
  virtual std::int64_t classes() const { return 0; }
};

// kind "discriminator": image [B, C, R, R] (and condition) -> logits [B, ...] (any trailing shape).
class Discriminator : public torch::nn::Module {
 public:
  static constexpr const char* kind = "discriminator";
  virtual torch::Tensor forward(const torch::Tensor& images, const Condition& c = {}) = 0;
  // {D(first, c_first), D(second, c_second)}: what two forward calls in that order give (same random
  // draws, separate train-mode statistics). A discriminator may run frozen, batch-independent parts
  // on both at once.
  virtual std::pair<torch::Tensor, torch::Tensor> forward_pair(const torch::Tensor& first, const torch::Tensor& second,
                                                               const Condition& c_first = {},
                                                               const Condition& c_second = {}) {
    torch::Tensor a = forward(first, c_first);
    return {a, forward(second, c_second)};
  }
  // Classes the discriminator is conditioned on (0: unconditional).
  virtual std::int64_t classes() const { return 0; }
  // Every tensor (parameters and buffers) under the names of another code base's discriminator
  // (`format`, e.g. "pg": the official Projected GAN's ProjectedDiscriminator), for its
  // load_state_dict(strict=True); an Error naming what that code cannot express otherwise.
  virtual NamedTensors export_state_as(const std::string& format);
  // The reverse: fills this discriminator from such a state dict (missing, extra or misshapen: Error).
  virtual void import_state_as(const std::string& format, const std::map<std::string, torch::Tensor>& state);
  // The other code's constructor for this discriminator (JSON text), as WeightFormat::constructor_json.
  virtual std::string constructor_json_as(const std::string& format);
};

// kind "augment": a differentiable augmentation applied to real and fake images alike.
class Augment : public torch::nn::Module {
 public:
  static constexpr const char* kind = "augment";
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;
};

// kind "projector": a frozen pretrained feature network returning feature maps at four scales
// (/4, /8, /16, /32) for images in [-1, 1]. It stays in eval mode and its weights never receive
// gradients; gradients do flow through it to the generator.
class Projector : public torch::nn::Module {
 public:
  static constexpr const char* kind = "projector";
  virtual std::vector<torch::Tensor> forward(const torch::Tensor& images) = 0;
  virtual std::vector<std::int64_t> channels() const = 0;
  // Identity of the weights (file sha256, or "random"), recorded with the run.
  virtual std::string weights_id() const = 0;
  // Frozen: train(true) keeps it in eval mode.
  void train(bool /*on*/ = true) override { torch::nn::Module::train(false); }
  // {ganrig name, name in another code base} for every tensor, e.g. "pg": the official Projected
  // GAN's feature network (`pretrained.layer0.0.weight`, ...). Tensors that code has and ganrig
  // does not (BatchNorm's num_batches_tracked) come as {"", name}, exported as 0. Empty: no such names.
  virtual std::vector<std::pair<std::string, std::string>> names_as(const std::string& /*format*/) const { return {}; }
};

// Per-tick statistics a component can report (averaged over the tick by the loop).
class StatsSink {
 public:
  virtual ~StatsSink() = default;
  virtual void add(const std::string& name, double value) = 0;
  // A scalar tensor, accumulated where it lives and read once per tick (no host sync per step).
  virtual void add(const std::string& name, const torch::Tensor& value) = 0;
};

// What a loss phase sees: the networks, a real micro-batch with its labels, fresh latents and the
// labels drawn for the fakes.
struct LossInputs {
  Generator& generator;
  Discriminator& discriminator;
  const torch::Tensor& real;  // [b, C, R, R] in [-1, 1]
  const torch::Tensor& z;     // [b, latent_dim], drawn fresh for this phase
  StatsSink& stats;
  const Condition& real_c;    // the reals' labels (undefined in an unconditional run)
  const Condition& fake_c;    // labels for the fakes, drawn from the dataset's label distribution

  torch::Tensor fakes() const { return generator.forward(z, fake_c); }
  torch::Tensor judge_fakes(const torch::Tensor& images) const { return discriminator.forward(images, fake_c); }
  torch::Tensor judge_reals(const torch::Tensor& images) const { return discriminator.forward(images, real_c); }
};

// A regularization phase the loss asks the loop to schedule ("Dreg" every 16 iterations).
struct RegularizerSpec {
  std::string name;
  enum class Network { Generator, Discriminator } network = Network::Discriminator;
  std::int64_t interval = 1;
};

// kind "loss": computes each phase's loss; the loop owns scheduling, accumulation and stepping.
class Loss : public torch::nn::Module {
 public:
  static constexpr const char* kind = "loss";
  virtual torch::Tensor generator_loss(const LossInputs& in) = 0;
  virtual torch::Tensor discriminator_loss(const LossInputs& in) = 0;
  virtual std::vector<RegularizerSpec> regularizers() const { return {}; }
  virtual torch::Tensor regularizer_loss(const std::string& name, const LossInputs& in);
};

// A network that grows (PGGAN): the loop tells it the current resolution and fade-in alpha
// (alpha in [0, 1]: 0 = only the previous resolution's path, 1 = only the new one).
class Growing {
 public:
  virtual ~Growing() = default;
  virtual void set_growth(std::int64_t resolution, double alpha) = 0;
};

// What a schedule says for a point of training.
struct ScheduleState {
  std::int64_t resolution = 0;  // current image resolution
  double alpha = 1.0;           // fade-in of the current resolution
  std::int64_t batch = 0;       // global batch
  double lr_generator = 0.0, lr_discriminator = 0.0;  // learning rates
  std::int64_t phase = 0;       // growth phase (changes when a resolution is added)
};

// kind "schedule": consulted by the loop every iteration (progressive growing).
class Schedule {
 public:
  static constexpr const char* kind = "schedule";
  virtual ~Schedule() = default;
  virtual ScheduleState at(std::int64_t cur_nimg) const = 0;
  virtual bool reset_optimizers_on_growth() const = 0;
};

// kind "dataset": decoded images kept in memory as uint8, so a step never waits on decoding.
class Dataset {
 public:
  static constexpr const char* kind = "dataset";
  virtual ~Dataset() = default;
  virtual const torch::Tensor& images() const = 0;  // uint8 [N, C, R, R], contiguous, CPU
  // Class of each image, int64 [N] in [0, class_names().size()), or undefined: an unlabelled dataset.
  virtual const torch::Tensor& labels() const = 0;
  virtual std::vector<std::string> class_names() const { return {}; }  // empty: unlabelled
  std::int64_t classes() const { return static_cast<std::int64_t>(class_names().size()); }
  virtual bool xflip() const { return false; }       // random horizontal flips when batching
  virtual std::string description() const = 0;      // for logs and env.json
  std::int64_t size() const { return images().size(0); }
  ImageShape shape() const { return {images().size(1), images().size(2)}; }
};

// kind "image_sink": writes a uint8 [C, H, W] image (a sample grid) to `stem` + extension.
class ImageSink {
 public:
  static constexpr const char* kind = "image_sink";
  virtual ~ImageSink() = default;
  virtual std::filesystem::path write(const std::filesystem::path& stem,
                                      const torch::Tensor& image_chw_uint8) const = 0;
};


// kind "video_sink": writes uint8 frames [N, C, H, W] as one video at `fps` to `stem` + extension
// (ganrig generate --interp).
class VideoSink {
 public:
  static constexpr const char* kind = "video_sink";
  virtual ~VideoSink() = default;
  virtual std::filesystem::path write(const std::filesystem::path& stem, const torch::Tensor& frames_nchw_uint8,
                                      double fps) const = 0;
};

// kind "weight_format": a generator's tensors under another code base's names (ganrig export and
// import). A format refuses a generator it cannot express, saying which setting or tensor.
class WeightFormat {
 public:
  static constexpr const char* kind = "weight_format";
  virtual ~WeightFormat() = default;
  // name -> tensor (CPU) in the other code's names and order; every tensor its constructor makes.
  virtual std::vector<std::pair<std::string, torch::Tensor>> export_state(Generator& generator) const = 0;
  // What the other code needs to build that network (JSON text: class, keyword arguments, notes).
  virtual std::string constructor_json(Generator& generator) const = 0;
  // Fills `generator` from a state dict in the other code's names; a missing, extra or misshapen
  // tensor is an Error naming it.
  virtual void import_state(const std::map<std::string, torch::Tensor>& state, Generator& generator) const = 0;
};

}  // namespace ganrig
