// SPDX-License-Identifier: Apache-2.0
#include "background_reload.h"

#include <chrono>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mqauth::adapter {
namespace {

// A policy read on a worker thread lives in that thread's malloc arena; freed, its pages stay
// with the process (glibc returns only the top of the main heap by itself), so every reload of a
// big config would leave the broker's RSS a whole policy larger. malloc_trim walks every arena.
void return_free_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace

BackgroundReload::~BackgroundReload() {
    if (loading_.valid()) loading_.wait();
    if (disposing_.valid()) disposing_.wait();
}

BackgroundReload::Request BackgroundReload::request() {
    if (loading_.valid()) {
        queued_ = true;
        return Request::Queued;
    }
    start();
    return Request::Started;
}

void BackgroundReload::start() {
    // The path and the open registry's source are copied into the task: the worker shares
    // nothing with the broker's thread.
    loading_ = std::async(std::launch::async, [path = path_, open = open_registry_()] {
        try {
            return load_policy(path, open);
        } catch (const std::exception& error) {  // out of memory, an OpenSSL failure...
            PolicyLoad failed;
            failed.errors.push_back(path + ": cannot load: " + error.what());
            return failed;
        }
    });
}

std::optional<PolicyLoad> BackgroundReload::take_finished() {
    if (!loading_.valid() ||
        loading_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return std::nullopt;
    }
    PolicyLoad finished = loading_.get();
    if (queued_) {
        queued_ = false;
        start();
    }
    return finished;
}

void BackgroundReload::dispose(std::shared_ptr<const Policy> retired) {
    if (disposing_.valid()) disposing_.wait();
    disposing_ = std::async(std::launch::async, [retired = std::move(retired)]() mutable {
        retired.reset();
        return_free_memory();
    });
}

}  // namespace mqauth::adapter
