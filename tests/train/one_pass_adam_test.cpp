// OnePassAdam against torch::optim::Adam: the same parameters and moments after several steps, the
// official nan_to_num folded into the pass, and checkpoints that either optimizer loads.
#include "catch_compat.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "ganrig/train/one_pass_adam.hpp"

using namespace ganrig;

namespace {

// Shapes the networks have: a single value, a bias, a large conv weight (several parallel chunks),
// a linear weight, and a channels-last weight whose gradient is contiguous (reference operations).
std::vector<torch::Tensor> make_params(torch::ScalarType type) {
  torch::manual_seed(7);
  const auto options = torch::dtype(type);
  std::vector<torch::Tensor> params{torch::randn({1}, options), torch::randn({257}, options),
                                    torch::randn({256, 128, 3, 3}, options), torch::randn({33, 65}, options),
                                    torch::randn({16, 8, 4, 4}, options).contiguous(torch::MemoryFormat::ChannelsLast)};
  for (auto& p : params) p.set_requires_grad(true);
  return params;
}

std::vector<torch::Tensor> clone_params(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().set_requires_grad(true));
  return out;
}

// The same fresh gradients for both sets (contiguous); `poison` puts NaN, +inf and -inf in each.
void set_gradients(std::vector<torch::Tensor>& a, std::vector<torch::Tensor>& b, int step, bool poison) {
  torch::manual_seed(100 + step);
  for (std::size_t i = 0; i < a.size(); ++i) {
    torch::Tensor g = torch::randn(a[i].sizes(), torch::dtype(a[i].scalar_type())) * (1.0 + step);
    if (poison && g.numel() >= 3) {
      auto flat = g.view({-1});
      flat[0] = std::numeric_limits<double>::quiet_NaN();
      flat[g.numel() / 2] = std::numeric_limits<double>::infinity();
      flat[g.numel() - 1] = -std::numeric_limits<double>::infinity();
    }
    a[i].mutable_grad() = g.clone();
    b[i].mutable_grad() = g.clone();
  }
}

// Largest |got - want| / max(|want|, 1), in units of the type's machine epsilon.
double max_ulps(const torch::Tensor& got, const torch::Tensor& want) {
  const double eps = got.scalar_type() == torch::kFloat ? std::numeric_limits<float>::epsilon()
                                                          : std::numeric_limits<double>::epsilon();
  const auto want64 = want.to(torch::kDouble);
  const auto diff = (got.to(torch::kDouble) - want64).abs() / want64.abs().clamp_min(1.0);
  return diff.max().item<double>() / eps;
}

struct Difference {
  double param = 0, exp_avg = 0, exp_avg_sq = 0, grad = 0;
};

Difference compare(torch::optim::Optimizer& mine, const std::vector<torch::Tensor>& mine_params,
                   torch::optim::Optimizer& ref, const std::vector<torch::Tensor>& ref_params) {
  Difference d;
  for (std::size_t i = 0; i < mine_params.size(); ++i) {
    const auto* a = adam_state(mine, mine_params[i]);
    const auto* b = adam_state(ref, ref_params[i]);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK(a->step() == b->step());
    d.param = std::max(d.param, max_ulps(mine_params[i], ref_params[i]));
    d.exp_avg = std::max(d.exp_avg, max_ulps(a->exp_avg(), b->exp_avg()));
    d.exp_avg_sq = std::max(d.exp_avg_sq, max_ulps(a->exp_avg_sq(), b->exp_avg_sq()));
    if (mine_params[i].grad().defined() && ref_params[i].grad().defined())
      d.grad = std::max(d.grad, max_ulps(mine_params[i].grad(), ref_params[i].grad()));
  }
  return d;
}

// `steps` steps of both optimizers on the same gradients; the reference sanitizes as phase.cpp did.
Difference run_both(torch::ScalarType type, torch::optim::AdamOptions options, int steps, bool poison) {
  auto mine_params = make_params(type);
  auto ref_params = clone_params(mine_params);
  OnePassAdam mine(mine_params, options);
  torch::optim::Adam ref(ref_params, options);
  for (int step = 0; step < steps; ++step) {
    set_gradients(mine_params, ref_params, step, poison);
    mine.sanitize_and_step();
    for (auto& p : ref_params) p.mutable_grad().nan_to_num_(0.0, 1e5, -1e5);
    ref.step();
  }
  return compare(mine, mine_params, ref, ref_params);
}

}  // namespace

TEST_CASE("one-pass Adam takes the one pass for dense CPU weights and not for mixed layouts", "[adam]") {
  const auto p = torch::randn({16, 8, 4, 4});
  const auto like = torch::zeros_like(p);
  CHECK(adam_one_pass_applies(p, like, like, like));
  CHECK(adam_one_pass_applies(p.to(torch::kDouble), like.to(torch::kDouble), like.to(torch::kDouble),
                              like.to(torch::kDouble)));
  const auto channels_last = p.contiguous(torch::MemoryFormat::ChannelsLast);
  CHECK_FALSE(adam_one_pass_applies(channels_last, like, torch::zeros_like(channels_last),
                                    torch::zeros_like(channels_last)));
  CHECK_FALSE(adam_one_pass_applies(p.to(torch::kBFloat16), like.to(torch::kBFloat16), like.to(torch::kBFloat16),
                                    like.to(torch::kBFloat16)));
}

TEST_CASE("one-pass Adam equals torch::optim::Adam to an ulp or two", "[adam]") {
  // Projected GAN's betas (0, 0.99) and Adam's defaults; fp32 to 4 epsilons (ATen may fuse the
  // moments' multiply-adds, the one pass does not), fp64 to 4 as well.
  for (const auto type : {torch::kFloat, torch::kDouble})
    for (const auto& betas : {std::make_tuple(0.0, 0.99), std::make_tuple(0.9, 0.999)}) {
      const auto d = run_both(type, torch::optim::AdamOptions(2e-3).betas(betas).eps(1e-8), 6, false);
      INFO("type " << type << " betas " << std::get<0>(betas) << ", " << std::get<1>(betas) << ": param " << d.param
                   << " exp_avg " << d.exp_avg << " exp_avg_sq " << d.exp_avg_sq << " epsilons");
      CHECK(d.param <= 4);
      CHECK(d.exp_avg <= 4);
      CHECK(d.exp_avg_sq <= 4);
      CHECK(d.grad == 0);
    }
}

TEST_CASE("one-pass Adam sanitizes gradients as the official loop does, and writes them back", "[adam]") {
  const auto d = run_both(torch::kFloat, torch::optim::AdamOptions(2e-4).betas({0.0, 0.99}).eps(1e-8), 3, true);
  INFO("param " << d.param << " exp_avg " << d.exp_avg << " exp_avg_sq " << d.exp_avg_sq << " epsilons");
  CHECK(d.grad == 0);  // NaN -> 0, +inf -> 1e5, -inf -> -1e5 in the gradient itself
  CHECK(d.param <= 4);
  CHECK(d.exp_avg <= 4);
  CHECK(d.exp_avg_sq <= 4);
}

TEST_CASE("one-pass Adam without sanitizing leaves a NaN gradient's parameter NaN, as Adam does", "[adam]") {
  auto p = torch::ones({3}).set_requires_grad(true);
  OnePassAdam adam({p}, torch::optim::AdamOptions(1e-3));
  p.mutable_grad() = torch::tensor({std::numeric_limits<float>::quiet_NaN(), 1.0f, -1.0f});
  adam.step();
  CHECK(std::isnan(p[0].item<float>()));
  CHECK(p[1].item<float>() == Approx(1.0 - 1e-3));
  CHECK(p[2].item<float>() == Approx(1.0 + 1e-3));
}

TEST_CASE("one-pass Adam and torch::optim::Adam load each other's checkpoints", "[adam]") {
  const auto options = torch::optim::AdamOptions(2e-4).betas({0.0, 0.99}).eps(1e-8);
  auto params = make_params(torch::kFloat);
  auto ref_params = clone_params(params);
  OnePassAdam mine(params, options);
  torch::optim::Adam ref(ref_params, options);
  for (int step = 0; step < 2; ++step) {
    set_gradients(params, ref_params, step, false);
    mine.step();
    ref.step();
  }
  std::stringstream saved;
  torch::save(mine, saved);
  torch::optim::Adam loaded_by_torch(clone_params(params), options);
  torch::load(loaded_by_torch, saved);
  const auto d = compare(mine, params, loaded_by_torch, loaded_by_torch.parameters());
  CHECK(d.exp_avg == 0);
  CHECK(d.exp_avg_sq == 0);

  std::stringstream saved_ref;
  torch::save(ref, saved_ref);
  OnePassAdam loaded_by_mine(clone_params(ref_params), options);
  torch::load(loaded_by_mine, saved_ref);
  const auto e = compare(loaded_by_mine, loaded_by_mine.parameters(), ref, ref_params);
  CHECK(e.exp_avg == 0);
  CHECK(e.exp_avg_sq == 0);
}

TEST_CASE("one-pass Adam clears gradients to none, and a parameter without one keeps its value and state", "[adam]") {
  auto used = torch::ones({4}).set_requires_grad(true);
  auto unused = torch::ones({4}).set_requires_grad(true);
  OnePassAdam adam({used, unused}, torch::optim::AdamOptions(1e-2).betas({0.9, 0.99}));
  (used * unused).sum().backward();
  adam.step();
  const auto unused_after_first = unused.detach().clone();
  adam.clear_gradients();
  CHECK_FALSE(used.grad().defined());
  CHECK_FALSE(unused.grad().defined());
  (used * 2).sum().backward();  // `unused` gets no gradient: torch.optim skips it (set_to_none)
  adam.step();
  CHECK(torch::equal(unused, unused_after_first));
  CHECK(adam_state(adam, unused)->step() == 1);
  CHECK(adam_state(adam, used)->step() == 2);
}

TEST_CASE("one-pass Adam bumps the version of what it writes, as in-place operations do", "[adam]") {
  auto p = torch::ones({64}).set_requires_grad(true);
  OnePassAdam adam({p}, torch::optim::AdamOptions(1e-3));
  p.mutable_grad() = torch::ones({64});
  REQUIRE(adam_one_pass_applies(p, p.grad(), torch::zeros_like(p), torch::zeros_like(p)));
  const auto before = p._version();
  adam.sanitize_and_step();
  CHECK(p._version() > before);
  CHECK(adam_state(adam, p)->exp_avg()._version() > 0);
}

TEST_CASE("one-pass Adam refuses weight decay and AMSGrad", "[adam]") {
  auto p = torch::ones({3}).set_requires_grad(true);
  CHECK_THROWS_AS(OnePassAdam({p}, torch::optim::AdamOptions(1e-3).weight_decay(0.1)), std::invalid_argument);
  CHECK_THROWS_AS(OnePassAdam({p}, torch::optim::AdamOptions(1e-3).amsgrad(true)), std::invalid_argument);
}
