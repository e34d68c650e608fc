// SPDX-License-Identifier: Apache-2.0
#include "config_change.h"

#include <iostream>

#include "broker_reload.h"
#include "subcommands.h"

namespace mqauth::cli {
namespace {

constexpr const char* kReloadHint =
    "reload the broker to apply: kill -HUP $(pidof mosquitto)   (or: systemctl reload "
    "mosquitto, or this command with --reload)";

}  // namespace

std::optional<ConfigUnderEdit> open_config_for_edit(const Arguments& args) {
    const std::string path = required_option(args, "config");
    auto valid = read_valid_config(path);
    if (!valid) {
        std::cerr << path << ": fix these errors first (mqauth check " << path << ")\n";
        return std::nullopt;
    }
    yaml::Diagnostic error;
    auto document = editing::ConfigDocument::parse(valid->config.text, error);
    if (!document) {  // it loaded, so it parses: only a race with another writer gets here
        std::cerr << describe(path, error) << "\n";
        return std::nullopt;
    }
    return ConfigUnderEdit{std::move(*valid), std::move(*document)};
}

int commit_change(const ConfigUnderEdit& config, const editing::TextEditResult& edit,
                  const std::string& what, const Arguments& args) {
    if (!edit.edit) {
        std::cerr << describe(config.path(), *edit.error) << "\n";
        return kExitRejected;
    }
    if (!replace_with_valid_text(config.valid.config, edit.edit->text)) return kExitRejected;
    std::cout << config.path() << ":" << edit.edit->line << ": " << what << "\n";
    if (!args.flag(kReloadFlag)) {
        std::cout << kReloadHint << "\n";
        return kExitOk;
    }
    return reload_broker(args, config.path());
}

int refuse(const ConfigUnderEdit& config, int line, const std::string& message) {
    std::cerr << config.path() << (line > 0 ? ":" + std::to_string(line) : std::string()) << ": "
              << message << "\n";
    return kExitRejected;
}

std::string field_text(const yaml::YamlNode& item, std::string_view key) {
    const yaml::YamlEntry* entry = editing::find_entry(item, key);
    return entry && entry->value.is_scalar() ? entry->value.scalar : "";
}

std::optional<std::size_t> find_item(const ConfigUnderEdit& config, const editing::KeyPath& path,
                                     std::string_view key, std::string_view value) {
    const auto& items = list_items(config, path);
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (field_text(items[i], key) == value) return i;
    }
    return std::nullopt;
}

const std::vector<yaml::YamlNode>& list_items(const ConfigUnderEdit& config,
                                              const editing::KeyPath& path) {
    static const std::vector<yaml::YamlNode> kNone;
    const yaml::YamlNode* node = config.document.find(path);
    return node && node->is_sequence() ? node->items : kNone;
}

}  // namespace mqauth::cli
