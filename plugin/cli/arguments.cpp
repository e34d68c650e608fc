// SPDX-License-Identifier: Apache-2.0
#include "arguments.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mqauth::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
}

std::optional<long long> parse_number(const std::string& text, long long min, long long max) {
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::string upper_case(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::optional<Arguments> parse_arguments(int argc, char** argv, int first,
                                         const std::vector<std::string>& allowed,
                                         std::string& error,
                                         const std::vector<std::string>& flags) {
    Arguments parsed;
    for (int i = first; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--help" || word == "-h") {
            parsed.help = true;
        } else if (word.rfind("--", 0) == 0) {
            // --name value, or --name=value as GNU tools (and mosquitto_ctrl users) write it.
            const std::size_t equals = word.find('=');
            const std::string name =
                word.substr(2, equals == std::string::npos ? equals : equals - 2);
            if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
                if (equals != std::string::npos) {
                    error = "option --" + name + " takes no value";
                    return std::nullopt;
                }
                parsed.flags.insert(name);
                continue;
            }
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                error = "unknown option --" + name;
                return std::nullopt;
            }
            if (equals != std::string::npos) {
                parsed.options[name] = word.substr(equals + 1);
                continue;
            }
            if (i + 1 >= argc) {
                error = "option " + word + " needs a value";
                return std::nullopt;
            }
            parsed.options[name] = argv[++i];
        } else {
            parsed.positionals.push_back(word);
        }
    }
    return parsed;
}

}  // namespace mqauth::cli
