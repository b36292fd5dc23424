#include "ganrig/error.hpp"

#include "ganrig/origin.hpp"

namespace ganrig {

std::string Origin::location() const {
  switch (kind) {
    case Kind::File:
      return source + ":" + std::to_string(line) + ":" + std::to_string(column);
    case Kind::CommandLine:
      return source + (column > 0 ? ":" + std::to_string(column) : std::string());
    case Kind::Default:
      return "default of " + source;
    case Kind::Derived:
      return source;
  }
  return source;
}

std::string Origin::provenance() const {
  switch (kind) {
    case Kind::File:
      return source + ":" + std::to_string(line);
    case Kind::CommandLine:
      return source;
    case Kind::Default:
      return "default";
    case Kind::Derived:
      return source;
  }
  return source;
}

}  // namespace ganrig
