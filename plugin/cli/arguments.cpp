#include "arguments.h"

#include <algorithm>

namespace mqauth::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
}

std::optional<Arguments> parse_arguments(int argc, char** argv, int first,
                                         const std::vector<std::string>& allowed,
                                         std::string& error) {
    Arguments parsed;
    for (int i = first; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--help" || word == "-h") {
            parsed.help = true;
        } else if (word.rfind("--", 0) == 0) {
            const std::string name = word.substr(2);
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                error = "unknown option " + word;
                return std::nullopt;
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
