#pragma once
// numpy's legacy RandomState, as far as the GAN codes use it to draw latents: Projected GAN's and
// StyleGAN2-ADA's gen_images.py take z = np.random.RandomState(seed).randn(1, z_dim). MT19937
// seeded with numpy's init_genrand, doubles from two 32-bit draws (53 bits), Gaussians by the
// polar Box-Muller method with the second value kept for the next call. The same seed gives the
// same latent here and there (tests compare with numbers python3-numpy produced).
#include <cstdint>
#include <vector>

namespace ganrig {

class NumpyRandomState {
 public:
  explicit NumpyRandomState(std::uint32_t seed);
  std::uint32_t next_uint32();
  double next_double();  // [0, 1), numpy's random_sample
  double gauss();        // numpy's legacy standard_normal
  std::vector<double> randn(std::size_t count);

 private:
  void regenerate();
  std::uint32_t state_[624];
  int position_ = 624;
  bool has_gauss_ = false;
  double gauss_ = 0;
};

}  // namespace ganrig
