// SPDX-License-Identifier: Apache-2.0
// Fuzzes the CLI's text edits of a config (editing/config_document.h) on arbitrary YAML text:
// an edit either is refused with a reason or yields text that parses as the old document with
// exactly that change (the editor proves it; a crash, or an edit without its proof holding, is a
// finding). Appending then removing the same item must give a document equal to the first.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "editing/config_document.h"

namespace {

using mqauth::editing::ConfigDocument;
using mqauth::editing::Fields;
using mqauth::editing::KeyPath;
using mqauth::editing::TextEditResult;

const Fields kItem{{"username", mqauth::editing::quoted_scalar("fuzz\\\"#:\n")},
                   {"status", mqauth::editing::plain_scalar("ACTIVE")}};

void check(const TextEditResult& result) {
    if (result.edit.has_value() == result.error.has_value()) __builtin_trap();
    if (result.error && result.error->message.empty()) __builtin_trap();
}

std::optional<ConfigDocument> parsed(const std::string& text) {
    mqauth::yaml::Diagnostic error;
    return ConfigDocument::parse(text, error);
}

void round_trip(const ConfigDocument& document, const KeyPath& list) {
    const TextEditResult appended = document.append_item(list, kItem);
    check(appended);
    if (!appended.edit) return;
    const auto grown = parsed(appended.edit->text);
    if (!grown) __builtin_trap();  // a proven edit parses
    const auto* items = grown->find(list);
    if (!items || items->items.empty()) __builtin_trap();
    const TextEditResult removed = grown->remove_item(list, items->items.size() - 1);
    check(removed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto document = parsed(std::string(reinterpret_cast<const char*>(data), size));
    if (!document) return 0;
    round_trip(*document, {"identities"});
    round_trip(*document, {"permissions", "rules"});
    check(document->remove_item({"identities"}, 0));
    check(document->set_item_fields({"identities"}, 0, kItem, {"secret"}));
    check(document->set_mapping_fields({"sni"}, kItem, {"domains"}));
    return 0;
}
