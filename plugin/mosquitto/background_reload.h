// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reloads read the config on a worker thread. Mosquitto runs every plugin callback on its one
// event loop, so a config of 100,000 identities parsed inside the RELOAD event (seconds of work)
// would stall every client for that long; here the broker keeps serving under the old policy
// and the new one is swapped in on the broker's thread (the TICK event) once it is ready.
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "policy_loading.h"

namespace mqauth::adapter {

class BackgroundReload {
   public:
    // `open_registry` tells, on the broker's thread, which registry the broker has open, so a
    // load leaves it alone (policy_loading.h).
    using OpenRegistry = std::function<std::optional<registry::RegistrySource>()>;
    BackgroundReload(std::string path, OpenRegistry open_registry)
        : path_(std::move(path)), open_registry_(std::move(open_registry)) {}
    ~BackgroundReload();  // waits for the worker
    BackgroundReload(const BackgroundReload&) = delete;
    BackgroundReload& operator=(const BackgroundReload&) = delete;

    // A SIGHUP. While a load runs, another is queued (the file may have changed since that one
    // read it); further SIGHUPs meanwhile fold into it.
    enum class Request { Started, Queued };
    Request request();

    // A finished load, once; nullopt while none is ready. Broker thread only.
    std::optional<PolicyLoad> take_finished();

    // Frees a replaced policy off the broker's thread (a big one takes a while to free).
    void dispose(std::shared_ptr<const Policy> retired);

    // A load is under way (or queued): its result will need a TICK to be swapped in.
    bool loading() const { return loading_.valid(); }

   private:
    void start();

    std::string path_;
    OpenRegistry open_registry_;
    std::future<PolicyLoad> loading_;
    bool queued_ = false;
    std::future<void> disposing_;
};

}  // namespace mqauth::adapter
