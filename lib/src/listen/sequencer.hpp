// Event lines in acceptance order. accept() numbers an event under one lock;
// its line is written once every action it set off has reported (complete()),
// and only after all earlier lines, so lines never interleave and never
// reorder however the actions finish. --max-events is counted here too, so
// that exactly N events are accepted however many requests race for the last.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/listen/listen.hpp"

namespace callctl::listen::detail {

class EventSequencer {
public:
    using Writer = std::function<bool(std::string_view line)>;

    EventSequencer(Writer writer, std::optional<std::uint64_t> max_events);

    // Numbers the event, or refuses it (nullopt) once --max-events events
    // were accepted or a line could not be written. With no pending actions
    // the line is written before this returns (if all earlier ones are).
    std::optional<std::uint64_t> accept(Json event, std::size_t pending_actions);
    // An action of event `seq` reported; a null result adds no member.
    void complete(std::uint64_t seq, std::string_view key, Json result);

    // Until every accepted event's line was written (or writing failed).
    void wait_all_written();
    // Until the limit is reached or writing failed, or `timeout` passed; true when either happened.
    bool wait_for_end(std::chrono::milliseconds timeout);

    bool limit_reached() const;
    bool write_failed() const;
    std::uint64_t accepted() const;

private:
    struct Slot {
        Json event;
        std::string line;  // the event serialised, once no action is pending
        std::size_t pending = 0;
    };
    void write_ready(std::unique_lock<std::mutex>& lock);

    Writer writer_;
    std::optional<std::uint64_t> max_events_;
    mutable std::mutex mutex_;
    // Two, each notified only when its waiter can act: the serve loop waits
    // on ended_ all the time, and waking it per event would cost every event
    // a context switch and a turn at the lock.
    std::condition_variable ended_;    // limit reached or writing failed
    std::condition_variable drained_;  // every line written (waited for at shutdown only)
    bool draining_ = false;
    std::deque<Slot> slots_;         // events not yet written, from seq first_unwritten_
    std::uint64_t first_unwritten_ = 0;
    std::uint64_t accepted_ = 0;
    bool write_failed_ = false;
};

}  // namespace callctl::listen::detail
