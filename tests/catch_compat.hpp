// The test sources include this header instead of Catch2's own, so that they build with Catch2 v2
// (Debian 12: one header, catch2/catch.hpp) and v3 (Debian 13: a compiled library). The two names
// the tests use that differ between them: Approx (Catch::Approx in v3) and the substring matcher
// (Contains in v2, ContainsSubstring in v3, where Contains means "a range has an element").
#pragma once

#include <string>

#if GANRIG_CATCH2_MAJOR >= 3
#include <catch2/catch_all.hpp>
using Catch::Approx;
namespace ganrig_test {
inline auto contains(const std::string& text) { return Catch::Matchers::ContainsSubstring(text); }
}  // namespace ganrig_test
#else
#include <catch2/catch.hpp>
namespace ganrig_test {
inline auto contains(const std::string& text) { return Catch::Matchers::Contains(text); }
}  // namespace ganrig_test
#endif
