#pragma once
// Which name and address this machine shows the other ranks of a group. Internal to the train layer.
#include <string>

namespace ganrig {

// gethostname(), or "unknown-host".
std::string this_host_name();

// The local address the kernel would send from to reach `host` (a name or an address): the address
// of the interface on the route to rank 0, which is the one the other hosts can reach this one at.
// Found without sending anything (a UDP socket connected, then getsockname). An Error naming
// `host` when it does not resolve or no route leads there.
std::string local_address_towards(const std::string& host);

// 127.0.0.0/8 or ::1.
bool is_loopback_address(const std::string& address);

}  // namespace ganrig
