#pragma once
// Notices a rank that is gone and stops this one with a sentence that names it. Every rank adds
// to its own heartbeat counter in the rendezvous store once per beat; rank 0 watches the others'
// counters, and every other rank notices when the store (on rank 0's host) stops answering. A
// collective that fails (a peer's connection closed) asks which counters stopped. The process
// then exits at once (status 2): a group that lost a member cannot finish a step, and c10d's
// pending work would block its shutdown for the collective timeout. Checkpoints are written
// atomically, so none is damaged. Internal to c10d_world.cpp.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/csrc/distributed/c10d/Store.hpp>

namespace ganrig {

struct GroupMember {
  std::string host, address;  // gethostname() and the address the others reach it at
};

class PeerWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // `silence_limit`: how long a rank may go unheard ([exec] dist_timeout_s); the process exits
  // within it. `store` is a connection of this watch's own, with that limit as its timeout.
  // One beat: a tenth of the limit, between 0.1 and 1 s.
  static std::chrono::milliseconds beat_for(std::chrono::milliseconds silence_limit);

  PeerWatch(int rank, std::vector<GroupMember> members, std::chrono::milliseconds silence_limit,
            c10::intrusive_ptr<c10d::Store> store);
  ~PeerWatch();

  void set_resume_command(std::string command);

  // A collective failed on this thread with `reason`: finds the ranks that stopped beating,
  // prints the sentence and exits.
  [[noreturn]] void collective_failed(const std::string& during, const std::string& reason);

 private:
  void run();
  void guard();
  void beat_once();
  std::vector<std::int64_t> counters();
  std::string describe(int rank) const;
  std::string lost_rank_named_in(const std::string& reason) const;
  [[noreturn]] void stop_process(const std::string& what);

  const int rank_;
  const std::vector<GroupMember> members_;
  const std::chrono::milliseconds silence_limit_, beat_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::mutex mutex_;  // resume_command_, the counters' history
  std::string resume_command_;
  std::vector<std::int64_t> last_counter_;
  std::vector<Clock::time_point> last_advance_;
  std::atomic<bool> reported_{false}, stopping_{false};
  // When the store last answered this rank's beat. A store call blocks without a timeout of its
  // own when the link is down, so a second thread that never calls it watches this.
  std::atomic<Clock::rep> last_answer_;
  std::condition_variable wake_;
  std::thread thread_, guard_;
};

}  // namespace ganrig
