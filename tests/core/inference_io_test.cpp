// What `ganrig generate / export / import` read and write: latents drawn as numpy's legacy
// RandomState draws them (against numbers python3-numpy produced, tests/fixtures/numpy), .npy
// files, torch.save-format state dicts and the strict loading of a module's tensors.
#include <catch2/catch.hpp>

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
using Catch::Matchers::Contains;

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
  CHECK_THROWS_WITH(read_npy_matrix(dir / "z.npy", 7), Contains("z.npy") && Contains("7"));
  write_npy(dir / "three.npy", torch::zeros({2, 2, 2}));
  CHECK_THROWS_WITH(read_npy_matrix(dir / "three.npy"), Contains("three.npy: shape (2, 2, 2)"));
  std::ofstream(dir / "text.npy") << "not numpy";
  CHECK_THROWS_WITH(read_npy_matrix(dir / "text.npy"), Contains("text.npy"));
  CHECK_THROWS_WITH(read_npy_matrix(dir / "absent.npy"), Contains("absent.npy"));
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
  CHECK_THROWS_WITH(load_module_state(*copy, missing, "net.pt"), Contains("net.pt: no tensor '1.running_var'"));
  auto extra = read;
  extra["2.weight"] = torch::zeros({1});
  CHECK_THROWS_WITH(load_module_state(*copy, extra, "net.pt"), Contains("'2.weight'"));
  auto misshapen = read;
  misshapen["0.bias"] = torch::zeros({4});
  CHECK_THROWS_WITH(load_module_state(*copy, misshapen, "net.pt"), Contains("'0.bias' has shape [4], the network needs [3]"));
  std::ofstream(dir / "notes.txt") << "hello";
  CHECK_THROWS_WITH(read_state_dict_file(dir / "notes.txt"), Contains("notes.txt: not a state dict written by torch.save"));
}
