#include "listen/sequencer.hpp"

namespace callctl::listen::detail {

EventSequencer::EventSequencer(Writer writer, std::optional<std::uint64_t> max_events)
    : writer_(std::move(writer)), max_events_(max_events) {}

namespace {
std::string serialise(const Json& event) { return event.dump(-1, ' ', false, Json::error_handler_t::replace); }
}  // namespace

std::optional<std::uint64_t> EventSequencer::accept(Json event, std::size_t pending_actions) {
    // Serialised before the lock when nothing will be added: every worker
    // takes the lock once per event, so it must be held for the write only.
    std::string line = pending_actions == 0 ? serialise(event) : std::string();
    std::unique_lock lock(mutex_);
    if (write_failed_ || (max_events_ && accepted_ >= *max_events_)) return std::nullopt;
    const std::uint64_t seq = accepted_++;
    slots_.push_back(Slot{pending_actions == 0 ? Json() : std::move(event), std::move(line), pending_actions});
    write_ready(lock);
    if (max_events_ && accepted_ == *max_events_) ended_.notify_all();
    return seq;
}

void EventSequencer::complete(std::uint64_t seq, std::string_view key, Json result) {
    std::unique_lock lock(mutex_);
    if (seq < first_unwritten_ || seq - first_unwritten_ >= slots_.size()) return;  // written already (write failed)
    Slot& slot = slots_[static_cast<std::size_t>(seq - first_unwritten_)];
    if (!result.is_null()) slot.event[std::string(key)] = std::move(result);
    if (slot.pending > 0 && --slot.pending == 0) slot.line = serialise(slot.event);
    write_ready(lock);
}

// Writes every line at the head whose actions are all done. The writer runs
// under the lock: that is what keeps lines whole and in order.
void EventSequencer::write_ready(std::unique_lock<std::mutex>& /*held*/) {
    while (!slots_.empty() && slots_.front().pending == 0) {
        if (!write_failed_ && !writer_(slots_.front().line)) {
            write_failed_ = true;
            ended_.notify_all();
        }
        slots_.pop_front();
        ++first_unwritten_;
    }
    if (draining_ && slots_.empty()) drained_.notify_all();
}

void EventSequencer::wait_all_written() {
    std::unique_lock lock(mutex_);
    draining_ = true;
    drained_.wait(lock, [this] { return slots_.empty(); });
}

bool EventSequencer::wait_for_end(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return ended_.wait_for(lock, timeout, [this] {
        return write_failed_ || (max_events_ && accepted_ >= *max_events_);
    });
}

bool EventSequencer::limit_reached() const {
    const std::lock_guard lock(mutex_);
    return max_events_ && accepted_ >= *max_events_;
}

bool EventSequencer::write_failed() const {
    const std::lock_guard lock(mutex_);
    return write_failed_;
}

std::uint64_t EventSequencer::accepted() const {
    const std::lock_guard lock(mutex_);
    return accepted_;
}

}  // namespace callctl::listen::detail
