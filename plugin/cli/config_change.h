// SPDX-License-Identifier: Apache-2.0
#pragma once
// The life of one edit by a verb: the config read and loaded as the broker loads it, the edit
// made on its text (editing/config_document.h), the result loaded again and written only if
// valid, the change reported with its line, and the broker reloaded when asked.
#include <optional>
#include <string>
#include <string_view>

#include "arguments.h"
#include "config_text.h"
#include "editing/config_document.h"

namespace mqauth::cli {

struct ConfigUnderEdit {
    ValidConfig valid;
    editing::ConfigDocument document;

    const std::string& path() const { return valid.config.path; }
    const Policy& policy() const { return *valid.loaded.policy; }
};

// The --config file, loaded; nullopt after printing why (it must be valid before it is edited,
// so that every error the edit could cause is the edit's). UsageError without --config.
std::optional<ConfigUnderEdit> open_config_for_edit(const Arguments& args);

// Writes the edit when its text loads as the broker will load it, prints "FILE:LINE: what",
// then reloads the broker with --reload (broker_reload.h) or says how to. An edit the editor
// refused, or a result that would not load, leaves the file as it was: kExitRejected.
int commit_change(const ConfigUnderEdit& config, const editing::TextEditResult& edit,
                  const std::string& what, const Arguments& args);

// "FILE:LINE: message" (line 0: "FILE: message") for a refusal the verb itself makes (a name
// already taken, ...); kExitRejected.
int refuse(const ConfigUnderEdit& config, int line, const std::string& message);

// A scalar field of a list item as written ("" when absent or not a scalar).
std::string field_text(const yaml::YamlNode& item, std::string_view key);

// The index of the first item of the list at `path` whose `key` is `value`, as written.
std::optional<std::size_t> find_item(const ConfigUnderEdit& config, const editing::KeyPath& path,
                                     std::string_view key, std::string_view value);

// The items of the list at `path` (none when it is absent).
const std::vector<yaml::YamlNode>& list_items(const ConfigUnderEdit& config,
                                              const editing::KeyPath& path);

}  // namespace mqauth::cli
