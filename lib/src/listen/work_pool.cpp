#include "listen/work_pool.hpp"

namespace callctl::listen::detail {

WorkPool::WorkPool(std::size_t threads, std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { run(i); });
}

WorkPool::~WorkPool() { shutdown(); }

bool WorkPool::submit(Task task) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [this] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return false;
    queue_.push_back(std::move(task));
    lock.unlock();
    not_empty_.notify_one();
    return true;
}

bool WorkPool::try_submit(Task task) {
    std::unique_lock lock(mutex_);
    if (closed_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
    lock.unlock();
    not_empty_.notify_one();
    return true;
}

std::size_t WorkPool::waiting() const {
    const std::lock_guard lock(mutex_);
    return queue_.size();
}

void WorkPool::shutdown() {
    {
        const std::lock_guard lock(mutex_);
        if (closed_ && threads_.empty()) return;
        closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    threads_.clear();
}

void WorkPool::run(std::size_t worker) {
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            not_empty_.wait(lock, [this] { return closed_ || !queue_.empty(); });
            if (queue_.empty()) return;  // closed and drained
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        not_full_.notify_one();
        task(worker);
    }
}

}  // namespace callctl::listen::detail
