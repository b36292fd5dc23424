// Heartbeats through the rendezvous store, and the one sentence a rank prints when the group lost
// a member (see peer_watch.hpp).
#include "peer_watch.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <regex>

#include "ganrig/text.hpp"

namespace ganrig {

namespace {

const std::string kLost = "ganrig/lost";
std::string beat_key(int rank) { return fmt::format("ganrig/beat/{}", rank); }
std::string left_key(int rank) { return fmt::format("ganrig/left/{}", rank); }

std::string text_of(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

}  // namespace

std::chrono::milliseconds PeerWatch::beat_for(std::chrono::milliseconds silence_limit) {
  return std::clamp(silence_limit / 10, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
}

PeerWatch::PeerWatch(int rank, std::vector<GroupMember> members, std::chrono::milliseconds silence_limit,
                     c10::intrusive_ptr<c10d::Store> store)
    : rank_(rank),
      members_(std::move(members)),
      silence_limit_(silence_limit),
      beat_(beat_for(silence_limit)),
      store_(std::move(store)),
      last_counter_(members_.size(), -1),
      last_advance_(members_.size(), Clock::now()),
      last_answer_(Clock::now().time_since_epoch().count()) {
  thread_ = std::thread([this] { run(); });
  guard_ = std::thread([this] { guard(); });
}

PeerWatch::~PeerWatch() {
  const bool failing = std::uncaught_exceptions() > 0;
  try {  // rank 0 keeps watching until every rank has left; the others just say they leave
    store_->set(left_key(rank_), std::vector<std::uint8_t>{static_cast<std::uint8_t>(failing ? 'e' : 'k')});
    if (rank_ == 0 && !failing) {
      std::vector<std::string> keys;
      for (int r = 1; r < static_cast<int>(members_.size()); ++r) keys.push_back(left_key(r));
      store_->wait(keys, silence_limit_);
    }
  } catch (const std::exception&) {  // a peer gone at the very end: nothing is left to protect
  }
  stopping_ = true;
  wake_.notify_all();
  guard_.join();
  thread_.join();
}

void PeerWatch::set_resume_command(std::string command) {
  std::lock_guard<std::mutex> lock(mutex_);
  resume_command_ = std::move(command);
}

void PeerWatch::run() {
  while (!stopping_) {
    try {
      beat_once();
    } catch (const std::exception& e) {
      if (stopping_) return;
      stop_process(rank_ == 0 ? fmt::format("the rendezvous store failed: {}", first_line(e.what()))
                              : fmt::format("lost {}: the rendezvous store there has not answered for {} s ({})",
                                            describe(0), silence_limit_.count() / 1000.0, first_line(e.what())));
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, beat_, [this] { return stopping_.load(); });
  }
}

void PeerWatch::guard() {
  const auto limit = silence_limit_ - beat_;
  while (!stopping_) {
    const Clock::time_point answered{Clock::duration(last_answer_.load())};
    if (rank_ != 0 && Clock::now() - answered > limit)
      stop_process(fmt::format("lost {}: the rendezvous store there has not answered for {:.1f} s (its host, or the "
                               "link to it, is down)",
                               describe(0), std::chrono::duration<double>(Clock::now() - answered).count()));
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, beat_ / 2, [this] { return stopping_.load(); });
  }
}

void PeerWatch::beat_once() {
  store_->add(beat_key(rank_), 1);
  last_answer_ = Clock::now().time_since_epoch().count();
  if (rank_ != 0) {
    if (store_->check({kLost})) stop_process("rank 0 stopped the group: " + text_of(store_->get(kLost)));
    return;
  }
  const auto values = counters();
  const auto now = Clock::now();
  // Noticed within a beat of this, then told to the others for 1.5 beats: the exit comes before the limit.
  const auto stale_after = silence_limit_ - 3 * beat_;
  std::vector<std::pair<int, double>> silent;  // rank, seconds unheard
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t r = 1; r < values.size(); ++r) {
      if (values[r] != last_counter_[r]) {
        last_counter_[r] = values[r];
        last_advance_[r] = now;
      } else if (now - last_advance_[r] > stale_after) {
        silent.emplace_back(static_cast<int>(r), std::chrono::duration<double>(now - last_advance_[r]).count());
      }
    }
  }
  for (const auto& [r, unheard] : silent) {
    const bool left = store_->check({left_key(r)});
    if (left && text_of(store_->get(left_key(r))) == "k") continue;  // finished normally
    stop_process(left ? fmt::format("{} stopped with an error (its own output says which)", describe(r))
                      : fmt::format("lost {}: no heartbeat for {:.1f} s (its host, or the link to it, is down)",
                                    describe(r), unheard));
  }
}

std::vector<std::int64_t> PeerWatch::counters() {
  std::vector<std::int64_t> values(members_.size(), 0);
  for (std::size_t r = 0; r < members_.size(); ++r) values[r] = store_->add(beat_key(static_cast<int>(r)), 0);
  return values;
}

std::string PeerWatch::describe(int rank) const {
  const auto& m = members_.at(static_cast<std::size_t>(rank));
  return fmt::format("rank {} on host {} ({})", rank, m.host, m.address);
}

// Gloo names the peer of a failed connection as "[address]:port".
std::string PeerWatch::lost_rank_named_in(const std::string& reason) const {
  std::smatch match;
  if (!std::regex_search(reason, match, std::regex(R"(\[([0-9A-Fa-f:.]+)\]:[0-9]+)"))) return "";
  std::vector<std::string> named;
  for (std::size_t r = 0; r < members_.size(); ++r)
    if (static_cast<int>(r) != rank_ && members_[r].address == match[1].str()) named.push_back(describe(static_cast<int>(r)));
  return named.size() == 1 ? named.front() : "";
}

void PeerWatch::collective_failed(const std::string& during, const std::string& reason) {
  const std::string why = first_line(reason);
  std::string what;
  try {  // a process that ended stops beating: compare the counters a few beats apart
    const auto before = counters();
    std::this_thread::sleep_for(3 * beat_);
    const auto after = counters();
    std::vector<std::string> silent;
    for (std::size_t r = 0; r < after.size(); ++r)
      if (static_cast<int>(r) != rank_ && after[r] == before[r]) silent.push_back(describe(static_cast<int>(r)));
    if (rank_ != 0 && store_->check({kLost})) {
      what = "rank 0 stopped the group: " + text_of(store_->get(kLost));
    } else if (!silent.empty()) {
      what = fmt::format("lost {} while {} ({})", fmt::join(silent, ", "), during, why);
    } else if (const std::string named = lost_rank_named_in(why); !named.empty()) {
      what = fmt::format("lost {} while {} ({})", named, during, why);
    } else {
      what = fmt::format("a collective failed while {}, though every rank still beats: {}", during, why);
    }
  } catch (const std::exception& e) {
    what = rank_ == 0 ? fmt::format("a collective failed while {} ({}) and the store with it ({})", during, why,
                                    first_line(e.what()))
                      : fmt::format("lost {} while {} ({}); its rendezvous store does not answer either", describe(0),
                                    during, why);
  }
  stop_process(what);
}

void PeerWatch::stop_process(const std::string& what) {
  if (reported_.exchange(true))  // the other thread is reporting and will end the process
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  if (rank_ == 0) try {  // the others learn why at their next beat
      store_->set(kLost, std::vector<std::uint8_t>(what.begin(), what.end()));
      std::this_thread::sleep_for(beat_ + beat_ / 2);
    } catch (const std::exception&) {
    }
  std::string resume;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    resume = resume_command_;
  }
  std::string line = fmt::format("\nerror: rank {} of {} on host {}: {}", rank_, members_.size(),
                                 members_[static_cast<std::size_t>(rank_)].host, what);
  if (!resume.empty())
    line += fmt::format("; no checkpoint is damaged: start every rank again to resume ({})", resume);
  std::fflush(stdout);
  std::fputs((line + "\n").c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace ganrig
