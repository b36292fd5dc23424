// FastGAN-pytorch's discriminator and loss (the FastGAN baseline of the Faster Projected GAN tables).
#include "ganrig/plugin_api.hpp"

namespace ganrig_fastgan_pytorch {
void register_discriminator(ganrig::Registry& registry);  // discriminator.cpp
void register_loss(ganrig::Registry& registry);           // loss.cpp
}  // namespace ganrig_fastgan_pytorch

namespace {
void register_all(ganrig::Registry& registry) {
  ganrig_fastgan_pytorch::register_discriminator(registry);
  ganrig_fastgan_pytorch::register_loss(registry);
}
}  // namespace

GANRIG_PLUGIN("fastgan_pytorch", "1.0.0", register_all)
