// SPDX-License-Identifier: Apache-2.0
#pragma once
// What both transports to authorizer functions do to a libcurl easy handle: the same options on
// every call (no redirects, no proxy, no signals, answers capped at kMaxAnswerBytes), the call's
// body and timeout, and the reply read back. HttpFunction runs a call on the broker's thread,
// HttpCalls many at once on a worker thread.
#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>

#include "authorizers/authorizer_function.h"

namespace mqauth::authorizers::curl {

// curl_global_init once per process. There is no matching curl_global_cleanup: the plugin lives
// as long as the broker, and cleanup would tear down state OpenSSL shares with it.
void initialise_once();

struct EasyFree {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyPtr = std::unique_ptr<CURL, EasyFree>;

// The request headers every call sends (a JSON body, no "Expect: 100-continue").
class RequestHeaders {
   public:
    RequestHeaders();
    ~RequestHeaders();
    RequestHeaders(const RequestHeaders&) = delete;
    RequestHeaders& operator=(const RequestHeaders&) = delete;

    curl_slist* list() const { return list_; }

   private:
    curl_slist* list_ = nullptr;
};

// One call's state that libcurl writes into while the call runs: it must stay put until then.
struct Transfer {
    std::string body;  // the request; holds the password, wiped by finish()
    std::string answer;
    bool answer_too_large = false;
    char detail[CURL_ERROR_SIZE] = "";
    std::chrono::milliseconds timeout{0};
};

// A handle for `url` with the settings every call to it shares; throws on failure.
EasyPtr open_handle(const std::string& url, const RequestHeaders& headers);

// Points the handle at `transfer` (body, answer, timeout) for one call.
void begin(CURL* handle, Transfer& transfer);

// The reply of a call that ended with `code`; the handle no longer points at `transfer` and the
// request body is wiped.
FunctionReply finish(CURL* handle, CURLcode code, Transfer& transfer);

}  // namespace mqauth::authorizers::curl
