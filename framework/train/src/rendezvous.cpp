// The rendezvous of a group and the table of its members (rendezvous.hpp).
#include "rendezvous.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "ganrig/error.hpp"
#include "ganrig/text.hpp"
#include "c10d_compat.hpp"
#include "network_address.hpp"

namespace ganrig {

namespace {

std::string member_key(int rank) { return fmt::format("ganrig/member/{}", rank); }
std::string where(const WorldSpec& spec) { return fmt::format("{}:{}", spec.master_addr, spec.master_port); }

c10::intrusive_ptr<c10d::Store> connect(const WorldSpec& spec, bool serve, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(spec.master_port);
  options.isServer = serve;
  options.waitWorkers = false;  // the member table below says who is missing
  options.timeout = timeout;
  use_classic_tcp_store(options);
  return c10::make_intrusive<c10d::TCPStore>(spec.master_addr, options);
}

// This process as the others see it. A loopback address cannot be reached from another host: for a
// group over several machines that is a misconfiguration (often a hosts file mapping the host name
// to 127.0.1.1), said before the group waits for nothing.
GroupMember this_member(const WorldSpec& spec) {
  GroupMember me{this_host_name(), local_address_towards(spec.master_addr)};
  if (spec.local_size < spec.size && is_loopback_address(me.address) && !std::getenv("GLOO_SOCKET_IFNAME"))
    throw Error(fmt::format("rank {} of {} ({}) on host {}: MASTER_ADDR={} is reached through the loopback address {} "
                            "here, which the other hosts cannot reach (the group spans {} machines); set MASTER_ADDR "
                            "to an address of rank 0's host that they can reach, or GLOO_SOCKET_IFNAME to the "
                            "interface to use",
                            spec.rank, spec.size, spec.source, me.host, spec.master_addr, me.address,
                            (spec.size + spec.local_size - 1) / spec.local_size));
  return me;
}

std::string encode(const GroupMember& m) { return m.host + "\n" + m.address; }

GroupMember decode(const std::vector<std::uint8_t>& bytes) {
  const std::string text(bytes.begin(), bytes.end());
  const auto cut = text.find('\n');
  return {text.substr(0, cut), cut == std::string::npos ? "" : text.substr(cut + 1)};
}

// "rank 1 did not", "ranks 1, 3 did not"
std::string missing_ranks(c10d::Store& store, int size) {
  std::vector<std::string> missing;
  for (int r = 0; r < size; ++r)
    if (!store.check({member_key(r)})) missing.push_back(std::to_string(r));
  if (missing.empty()) return "a rank did not";  // joined just after the wait gave up
  return fmt::format("{} {} did not", missing.size() == 1 ? "rank" : "ranks", fmt::join(missing, ", "));
}

}  // namespace

Rendezvous rendezvous(const WorldSpec& spec, std::chrono::milliseconds timeout) {
  const GroupMember me = this_member(spec);
  const auto seconds = timeout.count() / 1000.0;
  Rendezvous result;
  try {
    result.store = connect(spec, spec.rank == 0, timeout);
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {} ({}) on host {}: cannot reach rank 0's rendezvous at {} within {} s: {}",
                            spec.rank, spec.size, spec.source, me.host, where(spec), seconds, first_line(e.what())));
  }
  const std::string mine = encode(me);
  result.store->set(member_key(spec.rank), std::vector<std::uint8_t>(mine.begin(), mine.end()));
  std::vector<std::string> keys;
  for (int r = 0; r < spec.size; ++r) keys.push_back(member_key(r));
  try {
    result.store->wait(keys, timeout);
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {} ({}) on host {}: {} join the rendezvous at {} within {} s "
                            "(each host must start its ranks with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE)",
                            spec.rank, spec.size, spec.source, me.host, missing_ranks(*result.store, spec.size),
                            where(spec), seconds));
  }
  for (const auto& key : keys) result.members.push_back(decode(result.store->get(key)));
  return result;
}

c10::intrusive_ptr<c10d::Store> connect_again(const WorldSpec& spec, std::chrono::milliseconds timeout) {
  return connect(spec, false, timeout);
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const GroupMember& me) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return c10d::ProcessGroupGloo::createDeviceForHostname(me.address);
}

}  // namespace ganrig
