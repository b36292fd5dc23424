#pragma once
// How the ranks of a group find each other: a TCPStore on MASTER_ADDR:MASTER_PORT (rank 0 serves
// it), a table of who each rank is (host name and address), and the network interface Gloo binds.
// Internal to the train layer; the only other place that includes c10d's headers is c10d_world.cpp.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "ganrig/train/world.hpp"
#include "peer_watch.hpp"

namespace ganrig {

struct Rendezvous {
  c10::intrusive_ptr<c10d::Store> store;
  std::vector<GroupMember> members;  // by rank
};

// Connects to (rank 0: serves) the store and waits up to `timeout` for every rank to say who it
// is. An Error names the address and, on rank 0, the ranks that never joined.
Rendezvous rendezvous(const WorldSpec& spec, std::chrono::milliseconds timeout);

// A second connection to the same store, for the heartbeat thread.
c10::intrusive_ptr<c10d::Store> connect_again(const WorldSpec& spec, std::chrono::milliseconds timeout);

// The interface Gloo binds: GLOO_SOCKET_IFNAME when set (as in PyTorch), else the address of
// this host on the route to MASTER_ADDR (`me.address`).
std::shared_ptr<::gloo::transport::Device> gloo_device(const GroupMember& me);

}  // namespace ganrig
