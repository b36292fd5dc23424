// A program that uses a generator trained with ganrig (docs/inference.md):
//   generate_images RUN_OR_CHECKPOINT [SEEDS...]
// loads the run's EMA generator on the GPU when there is one, draws each seed's latent as the
// official gen_images.py does, and prints what came out.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <torch/torch.h>

#include "ganrig/error.hpp"
#include "ganrig/inference.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: %s RUN_OR_CHECKPOINT [SEEDS...]\n", argv[0]), 2;
  try {
    ganrig::GeneratorLoadOptions options;
    options.device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
    const auto g = ganrig::TrainedGenerator::load(argv[1], options);  // "ema" weights by default

    std::vector<std::uint32_t> seeds = {0, 1, 2, 3};
    if (argc > 2) seeds.assign(argc - 2, 0);
    for (int i = 2; i < argc; ++i) seeds[i - 2] = static_cast<std::uint32_t>(std::strtoul(argv[i], nullptr, 10));

    const torch::Tensor z = ganrig::seed_latents(seeds, g.latent_dim());  // [N, latent_dim]
    const torch::Tensor images = g.generate(z).cpu();                      // [N, C, R, R], about [-1, 1]
    std::printf("%s generator, %.3f kimg, %zu images of %lldx%lld, mean %.6f\n", g.generator_type().c_str(),
                g.nimg() / 1000.0, seeds.size(), static_cast<long long>(g.resolution()),
                static_cast<long long>(g.resolution()), images.mean().item<double>());
    return 0;
  } catch (const ganrig::Error& e) {  // a user error: the message says where and what
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
