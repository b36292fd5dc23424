#pragma once
// A dry run (`ganrig train EXP --dry-run`) builds the networks to show the resolved config and the
// parameter counts, without the dataset's images and without pretrained weights: what a real run
// would need and lacks is noted (DryRun::note_missing) instead of being an error, and listed at
// the end. Components that read data or weights consult DryRun::active().
#include <string>
#include <vector>

namespace ganrig {

class DryRun {
 public:
  DryRun();  // active while this object lives (one at a time)
  ~DryRun();
  DryRun(const DryRun&) = delete;
  DryRun& operator=(const DryRun&) = delete;

  static bool active();
  // "what is missing: how to get it", listed once at the end of the dry run.
  static void note_missing(const std::string& what);
  static std::vector<std::string> missing();
};

}  // namespace ganrig
