// SPDX-License-Identifier: Apache-2.0
#include "broker_reload.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace mqauth::cli {

const char* const kReloadUsage =
    "  --reload               then reload the broker (SIGHUP) and report whether it applied\n"
    "                         the file; exit status 1 when it rejected it\n"
    "  --pid PID              the broker to reload (default: pid_file of --mosquitto-conf)\n"
    "  --mosquitto-conf FILE  the broker's config, for pid_file and log_dest file (default\n"
    "                         /etc/mosquitto/mosquitto.conf, with its include_dir)\n"
    "  --broker-log FILE      where the broker logs (default: its log_dest file)\n";

namespace {

constexpr const char* kDefaultMosquittoConf = "/etc/mosquitto/mosquitto.conf";
constexpr auto kOutcomeTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// What mosquitto.conf says about where the broker keeps its pid and its log.
struct BrokerFiles {
    std::optional<std::string> pid_file;
    std::optional<std::string> log_file;
};

std::vector<std::string> conf_files_in(const std::string& directory) {
    std::vector<std::string> files;
    DIR* dir = ::opendir(directory.c_str());
    if (!dir) return files;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0) {
            files.push_back(directory + "/" + name);
        }
    }
    ::closedir(dir);
    std::sort(files.begin(), files.end());  // the order Mosquitto reads them in
    return files;
}

// Later lines win, as in Mosquitto; include_dir files are read where the directive stands.
void read_mosquitto_conf(const std::string& path, BrokerFiles& files, int depth = 0) {
    std::ifstream in(path);
    std::string line;
    while (depth < 4 && std::getline(in, line)) {
        std::istringstream words(line);
        std::string keyword, value, rest;
        words >> keyword >> value;
        std::getline(words >> std::ws, rest);
        if (keyword == "pid_file" && !value.empty()) files.pid_file = value;
        if (keyword == "log_dest" && value == "file" && !rest.empty()) files.log_file = rest;
        if (keyword == "include_dir" && !value.empty()) {
            for (const std::string& file : conf_files_in(value)) {
                read_mosquitto_conf(file, files, depth + 1);
            }
        }
    }
}

std::optional<pid_t> parse_pid(const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text.c_str(), &end, 10);
    while (end && (*end == '\n' || *end == ' ')) ++end;
    if (errno != 0 || end == text.c_str() || (end && *end != '\0') || value <= 1) {
        return std::nullopt;
    }
    return static_cast<pid_t>(value);
}

std::string read_first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// A pid file outlives a crashed broker and pids are reused: only a mosquitto gets the signal.
bool is_mosquitto(pid_t pid) {
    return read_first_line("/proc/" + std::to_string(pid) + "/comm") == "mosquitto";
}

std::optional<pid_t> broker_pid(const Arguments& args, const BrokerFiles& files,
                                std::string& error) {
    std::optional<pid_t> pid;
    if (const auto given = args.option(kPidOption)) {
        pid = parse_pid(*given);
        if (!pid) error = "--pid " + *given + " is not a process id";
    } else if (files.pid_file) {
        pid = parse_pid(read_first_line(*files.pid_file));
        if (!pid) error = "cannot read the broker's pid from " + *files.pid_file;
    } else {
        error = "no --pid, and the broker's config names no pid_file";
    }
    if (pid && !is_mosquitto(*pid)) {
        error = "process " + std::to_string(*pid) + " is not a running mosquitto";
        return std::nullopt;
    }
    return pid;
}

std::uintmax_t file_size(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uintmax_t>(status.st_size) : 0;
}

enum class Outcome { Applied, Rejected, Unknown };

// The plugin's lines about the reload since `offset` (its outcome, and the errors and warnings
// that name the config), until it says how the reload ended. Its lines about clients are not
// the operator's concern here.
Outcome await_outcome(const std::string& log, std::uintmax_t offset, const std::string& config,
                      std::vector<std::string>& lines) {
    const auto deadline = std::chrono::steady_clock::now() + kOutcomeTimeout;
    std::string pending;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(log, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        offset += chunk.size();
        pending += chunk;
        for (std::size_t end; (end = pending.find('\n')) != std::string::npos;) {
            const std::string line = pending.substr(0, end);
            pending.erase(0, end + 1);
            if (line.find("mqauth: ") == std::string::npos ||
                (line.find("reload") == std::string::npos &&
                 line.find(config) == std::string::npos)) {
                continue;
            }
            lines.push_back(line);
            if (line.find("mqauth: reloaded ") != std::string::npos) return Outcome::Applied;
            if (line.find(" rejected; the running policy stays") != std::string::npos) {
                return Outcome::Rejected;
            }
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    return Outcome::Unknown;
}

}  // namespace

int reload_broker(const Arguments& args, const std::string& config) {
    BrokerFiles files;
    read_mosquitto_conf(args.option(kMosquittoConfOption).value_or(kDefaultMosquittoConf), files);
    if (const auto log = args.option(kBrokerLogOption)) files.log_file = *log;
    std::string error;
    const auto pid = broker_pid(args, files, error);
    if (!pid) {
        std::cerr << "mqauth: cannot reload: " << error << "\n";
        return kExitRejected;
    }
    const std::uintmax_t offset = files.log_file ? file_size(*files.log_file) : 0;
    if (::kill(*pid, SIGHUP) != 0) {
        std::cerr << "mqauth: cannot signal the broker (pid " << *pid
                  << "): " << std::strerror(errno) << "\n";
        return kExitRejected;
    }
    if (!files.log_file) {
        std::cout << "reload sent to the broker (pid " << *pid
                  << "); its log says whether it applied the file (no log_dest file to read)\n";
        return kExitOk;
    }
    std::vector<std::string> lines;
    const std::string name = config.substr(config.rfind('/') + 1);
    const Outcome outcome = await_outcome(*files.log_file, offset, name, lines);
    for (const std::string& line : lines) {
        (outcome == Outcome::Rejected ? std::cerr : std::cout) << "broker: " << line << "\n";
    }
    if (outcome == Outcome::Applied) {
        std::cout << "the broker (pid " << *pid << ") applied the reload\n";
        return kExitOk;
    }
    if (outcome == Outcome::Rejected) {
        std::cerr << "the broker (pid " << *pid
                  << ") rejected the reload; its running policy stays in force\n";
        return kExitRejected;
    }
    std::cerr << "reload sent to the broker (pid " << *pid << "), but " << *files.log_file
              << " did not say within 30 s whether it applied the file\n";
    return kExitRejected;
}

}  // namespace mqauth::cli
