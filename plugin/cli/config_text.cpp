// SPDX-License-Identifier: Apache-2.0
#include "config_text.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "certs/durable_file.h"
#include "io/paths.h"
#include "io/regular_file.h"

namespace mqauth::cli {
namespace {

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        error = std::string("cannot open: ") + std::strerror(errno);
        return std::nullopt;
    }
    const std::streamoff size = in.tellg();
    if (size < 0 || static_cast<unsigned long long>(size) > io::kMaxConfigBytes) {
        error = size < 0 ? "cannot read: not a regular file" : "larger than 512 MiB";
        return std::nullopt;
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(text.data(), size)) {
        error = std::string("cannot read: ") + std::strerror(errno);
        return std::nullopt;
    }
    return text;
}

// A symlinked config (/etc/mosquitto/mqauth.yaml -> /srv/...) keeps its link: the rename
// replaces the file the link names, not the link.
std::optional<std::string> real_path(const std::string& path) {
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
    return std::string(resolved);
}

// The broker reads the config as its own user: a root-run edit must not leave it root-owned.
// Anyone else can only write files they own, so only root needs to hand the owner back.
std::optional<certs::FileOwner> owner_to_keep(const struct stat& before) {
    if (::geteuid() != 0) return std::nullopt;
    return certs::FileOwner{before.st_uid, before.st_gid};
}

}  // namespace

std::optional<ConfigText> read_config_text(const std::string& path) {
    std::string error;
    auto text = read_whole_file(path, error);
    if (!text) {
        std::cerr << path << ": " << error << "\n";
        return std::nullopt;
    }
    return ConfigText{path, std::move(*text)};
}

config::LoadResult load_config_text(const ConfigText& config, std::string_view text) {
    return config::load_text(text, config.path, io::directory_of(config.path));
}

void print_load_errors(const config::LoadResult& result) {
    for (const std::string& line : result.formatted_errors()) std::cerr << line << "\n";
}

std::string describe(const std::string& file, const yaml::Diagnostic& diagnostic) {
    if (diagnostic.position.line > 0) return yaml::format_diagnostic(file, diagnostic);
    std::string out = file + ": ";
    if (!diagnostic.path.empty()) out += diagnostic.path + ": ";
    return out + diagnostic.message;
}

std::optional<ValidConfig> read_valid_config(const std::string& path) {
    auto config = read_config_text(path);
    if (!config) return std::nullopt;
    config::LoadResult loaded = load_config_text(*config, config->text);
    if (!loaded.ok()) {
        print_load_errors(loaded);
        return std::nullopt;
    }
    return ValidConfig{std::move(*config), std::move(loaded)};
}

bool replace_with_valid_text(const ConfigText& config, const std::string& text) {
    const config::LoadResult checked = load_config_text(config, text);
    if (!checked.ok()) {
        print_load_errors(checked);
        std::cerr << config.path << ": the edited config would not load; it was left as it is\n";
        return false;
    }
    if (auto error = replace_config_text(config, text)) {
        std::cerr << *error << "\n";
        return false;
    }
    return true;
}

std::optional<std::string> replace_config_text(const ConfigText& config, const std::string& text) {
    const auto target = real_path(config.path);
    struct stat before {};
    if (!target || ::stat(target->c_str(), &before) != 0) {
        return config.path + ": cannot find the file to replace: " + std::strerror(errno);
    }
    std::string error;
    const auto current = read_whole_file(*target, error);
    if (!current) return *target + ": " + error;
    if (*current != config.text) {
        return config.path +
               ": changed while mqauth was editing it; it was left as it is, run the "
               "command again";
    }
    return certs::replace_file_durably(*target, text, before.st_mode & 07777,
                                       owner_to_keep(before));
}

}  // namespace mqauth::cli
