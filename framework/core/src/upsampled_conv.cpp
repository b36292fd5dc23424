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

// Phase (a, b) of the grid [B, 2, 2, C, H+1, W+1]: [B, C, H+1, W+1].
torch::Tensor phase_of(const torch::Tensor& grid, int a, int b) { return grid.select(1, a).select(1, b); }

// Phase (a, b)'s H x W window at offset (a, b). Output row 2i of parity 0 reads input rows i-1, i,
// which a padding-1 2x2 convolution puts at grid row i; parity 1 reads rows i, i+1, at grid row i+1.
torch::Tensor phase_window(const torch::Tensor& grid, int a, int b, std::int64_t h, std::int64_t w) {
  return phase_of(grid, a, b).narrow(2, a, h).narrow(3, b, w);
}

bool is_channels_last(const torch::Tensor& t) { return t.is_contiguous(torch::MemoryFormat::ChannelsLast); }

// Channels-last views as [B, rows, columns, channels] (no copy): the grid's channels (2a + b) C + c
// as [2, 2, C], so each phase is a contiguous run of every pixel's channels; the interleaved map's
// rows and columns as [H, 2] and [W, 2].
torch::Tensor grid_pixels(const torch::Tensor& grid, std::int64_t c) {
  return grid.permute({0, 2, 3, 1}).view({grid.size(0), grid.size(2), grid.size(3), 2, 2, c});
}
torch::Tensor map_pixels(const torch::Tensor& map, std::int64_t h, std::int64_t w) {
  return map.permute({0, 2, 3, 1}).view({map.size(0), h, 2, w, 2, map.size(1)});
}

// The phase grid [B, 4C, H+1, W+1] -> [B, C, 2H, 2W], output pixel (2i+a, 2j+b) from phase (a, b).
// Its own backward: autograd's, for four overlapping windows of one tensor, would zero-fill a
// grid-sized gradient per window and add the four. A channels-last grid gives a channels-last map
// (and takes a channels-last gradient), so channels-last networks pay no layout conversion here.
struct InterleavePhases : public torch::autograd::Function<InterleavePhases> {
  static torch::Tensor forward(AutogradContext*, const torch::Tensor& grid) {
    const std::int64_t n = grid.size(0), c = grid.size(1) / 4, h = grid.size(2) - 1, w = grid.size(3) - 1;
    if (is_channels_last(grid)) {
      const torch::Tensor phases = grid_pixels(grid, c);
      torch::Tensor out = torch::empty({n, 2 * h, 2 * w, c}, grid.options()).permute({0, 3, 1, 2});
      const torch::Tensor pixels = map_pixels(out, h, w);
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
          pixels.select(4, b).select(2, a).copy_(phases.select(3, a).select(3, b).narrow(1, a, h).narrow(2, b, w));
      return out;
    }
    const torch::Tensor phases = grid.contiguous().view({n, 2, 2, c, h + 1, w + 1});
    torch::Tensor out = torch::empty({n, c, h, 2, w, 2}, grid.options());
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) out.select(5, b).select(3, a).copy_(phase_window(phases, a, b, h, w));
    return out.view({n, c, 2 * h, 2 * w});
  }

  static variable_list backward(AutogradContext*, variable_list grads) {
    const torch::Tensor& g = grads[0];
    const std::int64_t n = g.size(0), c = g.size(1), h = g.size(2) / 2, w = g.size(3) / 2;
    if (is_channels_last(g)) return {channels_last_backward(g, n, c, h, w)};
    const torch::Tensor per_phase = g.reshape({n, c, h, 2, w, 2});
    torch::Tensor grid = torch::empty({n, 2, 2, c, h + 1, w + 1}, g.options());
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        phase_window(grid, a, b, h, w).copy_(per_phase.select(5, b).select(3, a));
        torch::Tensor phase = phase_of(grid, a, b);
        phase.select(2, a == 0 ? h : 0).zero_();  // the grid row and column outside the window
        phase.select(3, b == 0 ? w : 0).zero_();
      }
    }
    return {grid.view({n, 4 * c, h + 1, w + 1})};
  }

  static torch::Tensor channels_last_backward(const torch::Tensor& g, std::int64_t n, std::int64_t c, std::int64_t h,
                                              std::int64_t w) {
    const torch::Tensor per_phase = map_pixels(g, h, w);
    torch::Tensor grid = torch::empty({n, h + 1, w + 1, 4 * c}, g.options()).permute({0, 3, 1, 2});
    const torch::Tensor phases = grid_pixels(grid, c);
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        const torch::Tensor phase = phases.select(3, a).select(3, b);  // [B, H+1, W+1, C]
        phase.narrow(1, a, h).narrow(2, b, w).copy_(per_phase.select(4, b).select(2, a));
        phase.select(1, a == 0 ? h : 0).zero_();  // the grid row and column outside the window
        phase.select(2, b == 0 ? w : 0).zero_();
      }
    }
    return grid;
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
  return torch::stack(kernels).flatten(0, 1);  // [4, Co, Ci, 2, 2] -> [4 Co, Ci, 2, 2]
}

torch::Tensor upsampled_conv3x3(const torch::Tensor& x, const torch::Tensor& weight) {
  return InterleavePhases::apply(torch::conv2d(x, phase_kernels(weight), {}, /*stride=*/1, /*padding=*/1));
}

}  // namespace ganrig
