// What `ganrig generate / export / import` read and write: latents drawn as numpy's legacy
// RandomState draws them (against numbers python3-numpy produced, tests/fixtures/numpy), .npy
// files, torch.save-format state dicts and the strict loading of a module's tensors.
#include "catch_compat.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/error.hpp"
#include "ganrig/npy.hpp"
#include "ganrig/numpy_random.hpp"
#include "ganrig/state_dict.hpp"
#include "ganrig/torch_state_file.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;
using ganrig_test::contains;

TEST_CASE("RandomState(seed).randn(n) equals numpy's, seed by seed", "[numpy_random]") {
  std::ifstream in(fs::path(GANRIG_TEST_FIXTURES) / "numpy" / "randn.json");
  const nlohmann::json fixture = nlohmann::json::parse(in);
  REQUIRE(fixture["cases"].size() == 6);
  for (const auto& c : fixture["cases"]) {
    const std::vector<double> values = NumpyRandomState(c["seed"].get<std::uint32_t>()).randn(c["n"].get<std::size_t>());
    REQUIRE(values.size() == c["values"].size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      INFO("seed " << c["seed"] << " value " << i);
      CHECK(values[i] == std::stod(c["values"][i].get<std::string>()));  // bit-exact, as repr() round-trips
    }
  }
}

TEST_CASE(".npy latents round-trip, and a wrong shape or dtype is an error naming the file", "[npy]") {
  const fs::path dir = test::temp_dir("npy");
  const torch::Tensor z = torch::randn({3, 5});
  write_npy(dir / "z.npy", z);
  CHECK(torch::equal(read_npy_matrix(dir / "z.npy", 5), z));
  CHECK_THROWS_WITH(read_npy_matrix(dir / "z.npy", 7), contains("z.npy") && contains("7"));
  write_npy(dir / "three.npy", torch::zeros({2, 2, 2}));
  CHECK_THROWS_WITH(read_npy_matrix(dir / "three.npy"), contains("three.npy: shape (2, 2, 2)"));
  std::ofstream(dir / "text.npy") << "not numpy";
  CHECK_THROWS_WITH(read_npy_matrix(dir / "text.npy"), contains("text.npy"));
  CHECK_THROWS_WITH(read_npy_matrix(dir / "absent.npy"), contains("absent.npy"));
}

TEST_CASE("a state dict file round-trips and loads strictly by name", "[state_dict]") {
  const fs::path dir = test::temp_dir("state-dict");
  torch::nn::Sequential net(torch::nn::Conv2d(2, 3, 3), torch::nn::BatchNorm2d(3));
  const auto state = module_state(*net);
  write_state_dict_file(dir / "net.pt", state);
  const auto read = read_state_dict_file(dir / "net.pt");
  REQUIRE(read.size() == state.size());
  for (const auto& [name, tensor] : state) {
    CHECK(read.at(name).dtype() == tensor.dtype());
    CHECK(torch::equal(read.at(name), tensor));
  }
  torch::nn::Sequential copy(torch::nn::Conv2d(2, 3, 3), torch::nn::BatchNorm2d(3));
  load_module_state(*copy, read, "net.pt");
  CHECK(torch::equal(copy->named_parameters()["0.weight"], net->named_parameters()["0.weight"]));

  auto missing = read;
  missing.erase("1.running_var");
  CHECK_THROWS_WITH(load_module_state(*copy, missing, "net.pt"), contains("net.pt: no tensor '1.running_var'"));
  auto extra = read;
  extra["2.weight"] = torch::zeros({1});
  CHECK_THROWS_WITH(load_module_state(*copy, extra, "net.pt"), contains("'2.weight'"));
  auto misshapen = read;
  misshapen["0.bias"] = torch::zeros({4});
  CHECK_THROWS_WITH(load_module_state(*copy, misshapen, "net.pt"), contains("'0.bias' has shape [4], the network needs [3]"));
  std::ofstream(dir / "notes.txt") << "hello";
  CHECK_THROWS_WITH(read_state_dict_file(dir / "notes.txt"), contains("notes.txt: not a state dict written by torch.save"));
}

TEST_CASE("several state dicts in one file round-trip (export --what all), and a flat one is told apart", "[state_dict]") {
  const fs::path dir = test::temp_dir("state-dicts");
  torch::nn::Sequential g(torch::nn::Linear(2, 3)), d(torch::nn::Conv2d(1, 2, 3), torch::nn::BatchNorm2d(2));
  write_state_dicts_file(dir / "all.pt", {{"G", module_state(*g)}, {"D", module_state(*d)}});
  CHECK(holds_state_dicts(dir / "all.pt"));
  const auto read = read_state_dicts_file(dir / "all.pt");
  REQUIRE(read.size() == 2);
  for (const auto& [name, tensor] : module_state(*d)) CHECK(torch::equal(read.at("D").at(name), tensor));
  CHECK(read.at("D").at("1.num_batches_tracked").dtype() == torch::kInt64);
  CHECK(torch::equal(read.at("G").at("0.weight"), g->named_parameters()["0.weight"]));

  write_state_dict_file(dir / "flat.pt", module_state(*g));
  CHECK_FALSE(holds_state_dicts(dir / "flat.pt"));
  CHECK_THROWS_WITH(read_state_dicts_file(dir / "flat.pt"), contains("flat.pt") && contains("'0.weight' is not a state dict"));
  CHECK_THROWS_WITH(read_state_dict_file(dir / "all.pt"), contains("'G' is not a tensor"));
}

TEST_CASE(".npy keeps float64 exact and writes anything else as float32", "[npy]") {
  const fs::path dir = test::temp_dir("npy64");
  const torch::Tensor x = torch::randn({3, 4}, torch::kFloat64);
  write_npy(dir / "x.npy", x);
  std::ifstream in(dir / "x.npy", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.find("'descr': '<f8'") != std::string::npos);
  const std::size_t data = bytes.find('\n') + 1;  // the header ends in a newline at a multiple of 64
  CHECK(data % 64 == 0);
  REQUIRE(bytes.size() == data + 3 * 4 * 8);
  CHECK(std::memcmp(bytes.data() + data, x.data_ptr<double>(), 3 * 4 * 8) == 0);
  write_npy(dir / "i.npy", torch::arange(6, torch::kInt64).view({2, 3}));
  CHECK(torch::equal(read_npy_matrix(dir / "i.npy"), torch::arange(6, torch::kFloat32).view({2, 3})));
}
