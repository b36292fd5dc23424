#pragma once
// GLU over channels, a * sigmoid(b) for the halves a, b of dim 1, whose gradient keeps the input's
// memory layout.
//
// LibTorch 1.13's glu_backward allocates the input's gradient contiguous (NCHW) whatever the
// input's layout. Behind a channels-last GLU sits a channels-last BatchNorm, whose backward then
// gets an NCHW gradient for a channels-last input and takes its slow mixed-layout path: in FastGAN's
// channels-last generator 110 ms per FPG 128 bf16 step instead of 11 ms
// (tools/bench/results/profile-fpg128-bf16-g_channels_last.txt). This GLU runs the same forward
// (torch::glu) and the same backward kernels (glu_backward_out), writing into a gradient allocated
// like the input (tests/core/glu_test.cpp: within 4 epsilons of LibTorch's NCHW values, the layout
// kept; NCHW inputs take LibTorch's glu as it is).
#include <torch/torch.h>

namespace ganrig {

// torch::glu(x, 1), with a gradient in x's memory format.
torch::Tensor glu_channels(const torch::Tensor& x);

}  // namespace ganrig
