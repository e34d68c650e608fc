// SPDX-License-Identifier: Apache-2.0
#include "migration/password_file_import.h"

#include <unordered_map>

#include "config/sasl_users_section.h"
#include "sasl/mosquitto_hash.h"

namespace mqauth::cli::migration {
namespace {

std::string_view trim_blanks(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// Why `username:hash` cannot become a SASL user, or "" when it can.
std::string line_problem(const std::string& username, std::string_view hash) {
    if (username.empty()) return "no username before the ':'";
    if (const auto why = config::sasl_username_problem(username)) return "username: " + *why;
    if (hash.find(':') != std::string_view::npos) return "more than one ':' on the line";
    std::string why;
    if (!sasl::parse_mosquitto_hash(hash, why)) return why;
    return {};
}

class PasswordFileReader {
   public:
    explicit PasswordFileReader(const std::string& path) : path_(path) {}

    void read_line(std::string_view line, int number) {
        const std::string_view content = trim_blanks(line);
        if (content.empty() || line.front() == '#') return;
        const std::size_t colon = content.find(':');
        if (colon == std::string_view::npos) {
            return unreadable(number, "not a user:HASH line");
        }
        const std::string username(trim_blanks(content.substr(0, colon)));
        const std::string_view hash = trim_blanks(content.substr(colon + 1));
        if (const std::string why = line_problem(username, hash); !why.empty()) {
            return unreadable(number, "user \"" + username + "\": " + why);
        }
        const auto [first, added] = first_line_.emplace(username, number);
        if (!added) {
            return unreadable(number, "user \"" + username + "\" again (first at line " +
                                          std::to_string(first->second) + ")");
        }
        import_.users.push_back({username, std::string(hash)});
    }

    Import take() { return std::move(import_); }

   private:
    void unreadable(int number, const std::string& why) {
        import_.unreadable.push_back(path_ + ":" + std::to_string(number) + ": " + why);
    }

    const std::string& path_;
    Import import_;
    std::unordered_map<std::string, int> first_line_;
};

}  // namespace

Import import_password_file(std::string_view text, const std::string& path) {
    PasswordFileReader reader(path);
    int number = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        reader.read_line(text.substr(0, end), ++number);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return reader.take();
}

}  // namespace mqauth::cli::migration
