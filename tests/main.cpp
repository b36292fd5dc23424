// The tests' main: Catch2's own session, in the spelling of the Catch2 version found (catch_compat.hpp).
#if GANRIG_CATCH2_MAJOR >= 3
#include <catch2/catch_session.hpp>
int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
#else
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
