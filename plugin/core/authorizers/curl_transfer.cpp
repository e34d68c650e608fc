// SPDX-License-Identifier: Apache-2.0
#include "authorizers/curl_transfer.h"

#include <openssl/crypto.h>

#include <mutex>
#include <new>
#include <stdexcept>

namespace mqauth::authorizers::curl {
namespace {

// Returning less than was offered makes libcurl abort the transfer (CURLE_WRITE_ERROR).
size_t collect_answer(char* data, size_t size, size_t count, void* userdata) {
    auto* transfer = static_cast<Transfer*>(userdata);
    const size_t bytes = size * count;
    if (transfer->answer.size() + bytes > kMaxAnswerBytes) {
        transfer->answer_too_large = true;
        return 0;
    }
    try {
        transfer->answer.append(data, bytes);
    } catch (...) {
        return 0;  // no exception may cross into libcurl's C frames
    }
    return bytes;
}

void check(CURLcode result) {
    if (result != CURLE_OK) {
        throw std::runtime_error(std::string("libcurl: ") + curl_easy_strerror(result));
    }
}

std::string failure_text(CURLcode code, const Transfer& transfer) {
    if (transfer.answer_too_large) return "the answer is larger than 64 KiB";
    if (code == CURLE_OPERATION_TIMEDOUT) {
        return "no answer within " + std::to_string(transfer.timeout.count()) + " ms";
    }
    return std::string(curl_easy_strerror(code)) +
           (transfer.detail[0] ? std::string(": ") + transfer.detail : "");
}

}  // namespace

void initialise_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
    });
}

RequestHeaders::RequestHeaders() {
    // Expect: off, or libcurl would wait for "100 Continue" before sending a body over 1 KiB.
    for (const char* header :
         {"Content-Type: application/json", "Accept: application/json", "Expect:"}) {
        curl_slist* grown = curl_slist_append(list_, header);
        if (!grown) {
            curl_slist_free_all(list_);
            throw std::bad_alloc();
        }
        list_ = grown;
    }
}

RequestHeaders::~RequestHeaders() {
    curl_slist_free_all(list_);
}

EasyPtr open_handle(const std::string& url, const RequestHeaders& headers) {
    EasyPtr handle(curl_easy_init());
    if (!handle) throw std::bad_alloc();
    CURL* easy = handle.get();
    check(curl_easy_setopt(easy, CURLOPT_URL, url.c_str()));
    check(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list()));
    check(curl_easy_setopt(easy, CURLOPT_POST, 1L));
    check(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_answer));
    // No signals: the timeouts must not use SIGALRM in the broker's process.
    check(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
    check(curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L));
    // The password goes in the body: no redirects elsewhere, no other protocols, and no proxy
    // from the broker's environment (http_proxy) that the operator did not name here.
    check(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
    check(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
    check(curl_easy_setopt(easy, CURLOPT_PROXY, ""));
    check(curl_easy_setopt(easy, CURLOPT_USERAGENT, "mqauth"));
    return handle;
}

void begin(CURL* handle, Transfer& transfer) {
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, transfer.detail);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, transfer.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(transfer.body.size()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(transfer.timeout.count()));
}

FunctionReply finish(CURL* handle, CURLcode code, Transfer& transfer) {
    // Nothing may keep pointing at the transfer's buffers once the call is over.
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, nullptr);
    OPENSSL_cleanse(transfer.body.data(), transfer.body.size());
    FunctionReply reply;
    if (code != CURLE_OK) {
        reply.failure = failure_text(code, transfer);
        return reply;
    }
    reply.delivered = true;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.body = std::move(transfer.answer);
    return reply;
}

}  // namespace mqauth::authorizers::curl
