// A fixed number of threads over a bounded queue: the listen server's
// connection workers (submit() blocks the accept loop when the queue is full,
// leaving further clients in the kernel's backlog) and the forwarder
// (try_submit() refuses instead, so a slow target never stalls the server).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace callctl::listen::detail {

class WorkPool {
public:
    using Task = std::function<void(std::size_t worker)>;  // worker: 0 .. threads-1

    WorkPool(std::size_t threads, std::size_t capacity);
    ~WorkPool();  // shutdown()
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    // Waits while the queue is full. False once shut down.
    bool submit(Task task);
    // False when the queue is full or the pool shut down.
    bool try_submit(Task task);
    // Tasks queued but not started.
    std::size_t waiting() const;
    // Takes no more tasks, runs the queued ones, joins the threads. Idempotent.
    void shutdown();

private:
    void run(std::size_t worker);

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_empty_;
    std::condition_variable not_full_;
    std::deque<Task> queue_;
    bool closed_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace callctl::listen::detail
