// SPDX-License-Identifier: Apache-2.0
#include "authorizers/http_calls.h"

#include <openssl/crypto.h>

#include <stdexcept>
#include <unordered_map>

#include "authorizers/curl_transfer.h"

namespace mqauth::authorizers {
namespace {

// How long the worker sleeps in curl_multi_poll when nothing wakes it: only a bound, since a
// new call or the destructor wakes it at once (curl_multi_wakeup).
constexpr int kIdlePollMillis = 1000;

void wipe(std::string& secret) {
    OPENSSL_cleanse(secret.data(), secret.size());
}

FinishedCall failed(CallId id, std::string why) {
    FinishedCall call{id, {}};
    call.reply.failure = std::move(why);
    return call;
}

}  // namespace

class HttpCalls::Worker {
   public:
    Worker() : multi_(curl_multi_init()) {
        if (!multi_) throw std::runtime_error("curl_multi_init failed");
    }
    ~Worker() {
        for (auto& [handle, call] : calls_) {
            curl_multi_remove_handle(multi_, handle);
            wipe(call.transfer->body);
        }
        calls_.clear();
        curl_multi_cleanup(multi_);
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Safe from any thread (libcurl documents curl_multi_wakeup so).
    void wake() { curl_multi_wakeup(multi_); }

    // A call that cannot even be started finishes at once, as failed.
    void add(Queued&& queued, std::vector<FinishedCall>& finished) {
        try {
            Call call{queued.id, curl::open_handle(queued.url, headers_),
                      std::make_unique<curl::Transfer>()};
            call.transfer->body = std::move(queued.body);
            call.transfer->timeout = queued.timeout;
            curl::begin(call.handle.get(), *call.transfer);
            CURL* handle = call.handle.get();
            if (curl_multi_add_handle(multi_, handle) != CURLM_OK) {
                throw std::runtime_error("curl_multi_add_handle failed");
            }
            calls_.emplace(handle, std::move(call));
        } catch (const std::exception& error) {
            wipe(queued.body);
            finished.push_back(failed(queued.id, error.what()));
        }
    }

    // Moves the transfers on and collects those that ended.
    void perform(std::vector<FinishedCall>& finished) {
        int running = 0;
        curl_multi_perform(multi_, &running);
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
            if (message->msg != CURLMSG_DONE) continue;
            const auto found = calls_.find(message->easy_handle);
            if (found == calls_.end()) continue;
            Call& call = found->second;
            curl_multi_remove_handle(multi_, message->easy_handle);
            finished.push_back({call.id, curl::finish(message->easy_handle, message->data.result,
                                                      *call.transfer)});
            calls_.erase(found);
        }
    }

    void wait() { curl_multi_poll(multi_, nullptr, 0, kIdlePollMillis, nullptr); }

   private:
    struct Call {
        CallId id;
        curl::EasyPtr handle;
        std::unique_ptr<curl::Transfer> transfer;  // libcurl points into it: it must not move
    };

    CURLM* multi_;
    curl::RequestHeaders headers_;
    std::unordered_map<CURL*, Call> calls_;  // destroyed before headers_, which they point to
};

HttpCalls::HttpCalls() {
    curl::initialise_once();
    worker_ = std::make_unique<Worker>();
    thread_ = std::thread([this] { run(); });
}

HttpCalls::~HttpCalls() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        for (Queued& queued : queued_) wipe(queued.body);
    }
    worker_->wake();
    thread_.join();
}

void HttpCalls::start(CallId id, const std::string& url, std::string json_body,
                      std::chrono::milliseconds timeout) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queued_.push_back({id, url, std::move(json_body), timeout});
    }
    worker_->wake();
}

std::vector<FinishedCall> HttpCalls::take_finished() {
    std::vector<FinishedCall> finished;
    std::lock_guard<std::mutex> lock(mutex_);
    finished.swap(finished_);
    return finished;
}

// The worker thread. Nothing may escape it (an exception would end the broker). A call that
// cannot start finishes as failed (Worker::add); what else can throw is a vector's growth
// (bad_alloc), which may lose a reply: the engine gives up on a call whose reply is overdue
// (engine/pending_logins.h), so its client is refused, not left waiting.
void HttpCalls::run() {
    std::vector<Queued> starting;
    std::vector<FinishedCall> finished;
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) return;
            starting.swap(queued_);
        }
        try {
            for (Queued& queued : starting) worker_->add(std::move(queued), finished);
            worker_->perform(finished);
        } catch (...) {
        }
        starting.clear();
        if (!finished.empty()) {
            std::lock_guard<std::mutex> lock(mutex_);
            for (FinishedCall& call : finished) finished_.push_back(std::move(call));
            finished.clear();
        }
        worker_->wait();
    }
}

}  // namespace mqauth::authorizers
