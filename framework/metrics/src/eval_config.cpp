// [eval]: the metrics library's own table in an experiment. Registered with the core's host tables
// when this library loads, so `ganrig validate` checks metric names and detectors with positions,
// and docs/config-reference.md lists the keys, while the core knows nothing about metrics.
#include "ganrig/detector.hpp"
#include "ganrig/host_schemas.hpp"
#include "ganrig/metrics/metric_spec.hpp"

namespace ganrig {

namespace {

Schema eval_schema() {
  Schema s;
  s.strings("metrics", {},
            "Metrics evaluated during training, <fid|kid|pr><count>[k][_<detector>] (e.g. kid1k_incv3nsfw); "
            "the first fid or kid decides best.pt.");
  s.real("interval_kimg", 0.0, "Evaluate every interval_kimg; 0 evaluates only at the end.").at_least(0);
  s.integer("max_real", 0, "Real images compared against (a fixed random subset); 0: all of them.").at_least(0);
  s.integer("batch", 4,
            "Images per generator and detector call while evaluating (4 is fastest on CPU here; raise it on a GPU).")
      .at_least(1);
  s.integer("seed", 0, "Seed of the latents of the generated images (the same at every evaluation).").at_least(0);
  s.boolean("noise_floor", true, "Also report each metric between two halves of the real images.");
  s.boolean("per_class", false,
            "A conditional generator: also report each metric per class (that class's generated images against its "
            "real ones) under per_class in metrics.jsonl.");
  return s;
}

// Metrics named in [eval] must parse and name a registered detector.
void check_metric_names(const Config& config, const Registry& registry) {
  const toml::array* metrics = config.table_at("eval")->get("metrics")->as_array();
  for (const auto& m : *metrics) {
    const MetricSpec spec =
        parse_metric(m.as_string()->get(), config.origin("eval.metrics").location() + ": [eval] metrics");
    registry.get(Detector::kind, spec.detector, config.origin("eval.metrics"));
  }
}

[[maybe_unused]] const bool registered = register_host_table("eval", eval_schema(), check_metric_names);

}  // namespace

}  // namespace ganrig
