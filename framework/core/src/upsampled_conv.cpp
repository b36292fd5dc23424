#include "ganrig/upsampled_conv.hpp"

#include <vector>

namespace ganrig {

torch::Tensor upsample_nearest_x2(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest));
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Along `dim` (2: rows, 3: columns), the two taps of output parity 0, (w0, w1 + w2), or 1, (w0 + w1, w2).
torch::Tensor parity_taps(const torch::Tensor& w, std::int64_t dim, int parity) {
  const torch::Tensor t0 = w.select(dim, 0), t1 = w.select(dim, 1), t2 = w.select(dim, 2);
  return parity == 0 ? torch::stack({t0, t1 + t2}, dim) : torch::stack({t0 + t1, t2}, dim);
}

// Phase (a, b) of the grid [B, C, 2, 2, H+1, W+1]: its H x W window at offset (a, b). Output row 2i
// of parity 0 reads input rows i-1, i, which a padding-1 2x2 convolution puts at grid row i; parity 1
// reads rows i, i+1, at grid row i+1.
torch::Tensor phase_window(const torch::Tensor& grid, int a, int b, std::int64_t h, std::int64_t w) {
  return grid.select(2, a).select(2, b).narrow(2, a, h).narrow(3, b, w);
}

// The phase grid [B, 4C, H+1, W+1] -> [B, C, 2H, 2W], output pixel (2i+a, 2j+b) from phase (a, b).
// Its own backward: autograd's, for four overlapping windows of one tensor, would zero-fill a
// grid-sized gradient per window and add the four.
struct InterleavePhases : public torch::autograd::Function<InterleavePhases> {
  static torch::Tensor forward(AutogradContext*, const torch::Tensor& grid) {
    const std::int64_t n = grid.size(0), c = grid.size(1) / 4, h = grid.size(2) - 1, w = grid.size(3) - 1;
    const torch::Tensor phases = grid.contiguous().view({n, c, 2, 2, h + 1, w + 1});
    torch::Tensor out = torch::empty({n, c, h, 2, w, 2}, grid.options());
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) out.select(5, b).select(3, a).copy_(phase_window(phases, a, b, h, w));
    return out.view({n, c, 2 * h, 2 * w});
  }

  static variable_list backward(AutogradContext*, variable_list grads) {
    const torch::Tensor& g = grads[0];
    const std::int64_t n = g.size(0), c = g.size(1), h = g.size(2) / 2, w = g.size(3) / 2;
    const torch::Tensor per_phase = g.reshape({n, c, h, 2, w, 2});
    torch::Tensor grid = torch::empty({n, c, 2, 2, h + 1, w + 1}, g.options());
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        phase_window(grid, a, b, h, w).copy_(per_phase.select(5, b).select(3, a));
        torch::Tensor phase = grid.select(2, a).select(2, b);
        phase.select(2, a == 0 ? h : 0).zero_();  // the grid row and column outside the window
        phase.select(3, b == 0 ? w : 0).zero_();
      }
    }
    return {grid.view({n, 4 * c, h + 1, w + 1})};
  }
};

}  // namespace

torch::Tensor phase_kernels(const torch::Tensor& weight) {
  TORCH_CHECK(weight.dim() == 4 && weight.size(2) == 3 && weight.size(3) == 3, "phase_kernels needs a 3x3 weight");
  std::vector<torch::Tensor> kernels;
  for (int a = 0; a < 2; ++a) {
    const torch::Tensor rows = parity_taps(weight, 2, a);
    for (int b = 0; b < 2; ++b) kernels.push_back(parity_taps(rows, 3, b));
  }
  return torch::stack(kernels, 1).flatten(0, 1);  // [Co, 4, Ci, 2, 2] -> [4 Co, Ci, 2, 2]
}

torch::Tensor upsampled_conv3x3(const torch::Tensor& x, const torch::Tensor& weight) {
  return InterleavePhases::apply(torch::conv2d(x, phase_kernels(weight), {}, /*stride=*/1, /*padding=*/1));
}

}  // namespace ganrig
