// ganrig::recorded: what a twin run replays (tools/twin/) is kept only while a recording is open.
#include "catch_compat.hpp"

#include "ganrig/twin_record.hpp"

using namespace ganrig;

TEST_CASE("recorded() keeps detached copies in order while a recording is open, and nothing otherwise",
          "[twin_record]") {
  const torch::Tensor a = torch::ones({2}, torch::requires_grad());
  CHECK(recorded("rand:before", a).data_ptr() == a.data_ptr());  // closed: the tensor itself, nothing kept
  torch::Tensor b = torch::zeros({3});
  {
    TwinRecording recording;
    CHECK_THROWS_WITH(TwinRecording(), ganrig_test::contains("already open"));
    CHECK(recorded("randn:z", a * 2).requires_grad());
    recorded("out:loss", b);
    b.fill_(7);  // a copy was kept, not a view
    REQUIRE(recording.entries().size() == 2);
    CHECK(recording.entries()[0].first == "randn:z");
    CHECK_FALSE(recording.entries()[0].second.requires_grad());
    CHECK(torch::equal(recording.entries()[0].second, torch::full({2}, 2.0)));
    CHECK(recording.entries()[1].first == "out:loss");
    CHECK(torch::equal(recording.entries()[1].second, torch::zeros({3})));
  }
  TwinRecording again;  // closed when the first went out of scope
  CHECK(again.entries().empty());
}
