// SPDX-License-Identifier: Apache-2.0
#pragma once
// Whether two MQTT topic filters can match one topic: what decides whether the order of two
// dynamic-security ACLs matters (it does only where both match).
#include <string_view>

namespace mqauth::cli::migration {

// Level by level: '#' matches the rest (its parent level too: "a/#" matches "a"), '+' any one
// level, anything else itself. Topics starting with '$' are not set apart: a report of an
// overlap that only such a topic has errs on the side of telling the operator.
bool filters_overlap(std::string_view a, std::string_view b);

}  // namespace mqauth::cli::migration
