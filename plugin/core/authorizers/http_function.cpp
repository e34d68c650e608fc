#include "authorizers/http_function.h"

#include <curl/curl.h>

#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_set>

namespace mqauth::authorizers {
namespace {

// curl_global_init once per process. There is no matching curl_global_cleanup: the plugin lives
// as long as the broker, and cleanup would tear down state OpenSSL shares with it.
void initialise_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
    });
}

struct Answer {
    std::string body;
    bool too_large = false;
};

// Returning less than was offered makes libcurl abort the transfer (CURLE_WRITE_ERROR).
size_t collect_answer(char* data, size_t size, size_t count, void* userdata) {
    auto* answer = static_cast<Answer*>(userdata);
    const size_t bytes = size * count;
    if (answer->body.size() + bytes > kMaxAnswerBytes) {
        answer->too_large = true;
        return 0;
    }
    try {
        answer->body.append(data, bytes);
    } catch (...) {
        return 0;  // no exception may cross into libcurl's C frames
    }
    return bytes;
}

// Settings that hold for every call to this URL; the timeout and body are set per call.
void configure(CURL* handle, const std::string& url, curl_slist* headers) {
    const CURLcode results[] = {
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str()),
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers),
        curl_easy_setopt(handle, CURLOPT_POST, 1L),
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_answer),
        // No signals: the timeouts must not use SIGALRM in the broker's process.
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L),
        curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L),
        // The password goes in the body: no redirects elsewhere, no other protocols, and no
        // proxy from the broker's environment (http_proxy) that the operator did not name here.
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L),
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
        curl_easy_setopt(handle, CURLOPT_PROXY, ""),
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "mqauth"),
    };
    for (const CURLcode result : results) {
        if (result != CURLE_OK) {
            throw std::runtime_error(std::string("libcurl: ") + curl_easy_strerror(result));
        }
    }
}

std::string failure_text(CURLcode code, const Answer& answer, const char* detail,
                         std::chrono::milliseconds timeout) {
    if (answer.too_large) return "the answer is larger than 64 KiB";
    if (code == CURLE_OPERATION_TIMEDOUT) {
        return "no answer within " + std::to_string(timeout.count()) + " ms";
    }
    return std::string(curl_easy_strerror(code)) + (*detail ? std::string(": ") + detail : "");
}

}  // namespace

void HttpFunction::EasyFree::operator()(CURL* handle) const {
    curl_easy_cleanup(handle);
}

HttpFunction::HttpFunction() {
    initialise_curl_once();
    // Expect: off, or libcurl would wait for "100 Continue" before sending a body over 1 KiB.
    for (const char* header :
         {"Content-Type: application/json", "Accept: application/json", "Expect:"}) {
        curl_slist* grown = curl_slist_append(headers_, header);
        if (!grown) {
            curl_slist_free_all(headers_);
            throw std::bad_alloc();
        }
        headers_ = grown;
    }
}

HttpFunction::~HttpFunction() {
    handles_.clear();  // before the header list they point to
    curl_slist_free_all(headers_);
}

CURL* HttpFunction::handle_for(const std::string& url) {
    if (const auto found = handles_.find(url); found != handles_.end()) return found->second.get();
    EasyPtr handle(curl_easy_init());
    if (!handle) throw std::bad_alloc();
    configure(handle.get(), url, headers_);
    return handles_.emplace(url, std::move(handle)).first->second.get();
}

FunctionReply HttpFunction::post(const std::string& url, const std::string& json_body,
                                 std::chrono::milliseconds timeout) {
    CURL* handle = handle_for(url);
    Answer answer;
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, json_body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(json_body.size()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    const CURLcode code = curl_easy_perform(handle);
    // Nothing may keep pointing at this frame's buffers once the call is over.
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, nullptr);

    FunctionReply reply;
    if (code != CURLE_OK) {
        reply.failure = failure_text(code, answer, detail, timeout);
        return reply;
    }
    reply.delivered = true;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.body = std::move(answer.body);
    return reply;
}

void HttpFunction::keep_only(const std::vector<std::string>& urls) {
    const std::unordered_set<std::string> wanted(urls.begin(), urls.end());
    for (auto handle = handles_.begin(); handle != handles_.end();) {
        handle = wanted.count(handle->first) ? std::next(handle) : handles_.erase(handle);
    }
}

}  // namespace mqauth::authorizers
