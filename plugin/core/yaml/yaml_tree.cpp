// SPDX-License-Identifier: Apache-2.0
#include "yaml/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <unordered_set>

namespace mqauth::yaml {
namespace {

SourcePosition position_of(const YAML::Mark& mark) {
    if (mark.is_null()) return {};
    return {mark.line + 1, mark.column + 1};  // yaml-cpp marks are 0-based
}

// Thrown from inside the event handler to stop the parse with our own message.
struct TreeError {
    Diagnostic diagnostic;
};

[[noreturn]] void fail(SourcePosition position, std::string message) {
    throw TreeError{{position, "", std::move(message)}};
}

// Builds the tree from parser events. Open collections sit on a stack; a finished node is
// attached to its parent (as a sequence item, a mapping key, or a mapping value).
class TreeBuilder : public YAML::EventHandler {
   public:
    std::optional<YamlNode> take_root() { return std::move(root_); }
    SourcePosition document_start() const { return document_start_; }

    void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = position_of(mark); }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        reject_anchor(mark, anchor);
        YamlNode node;
        node.position = position_of(mark);
        attach(std::move(node));
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        fail(position_of(mark), "InvalidParameter: YAML aliases (*name) are not supported");
    }

    void OnAnchor(const YAML::Mark& mark, const std::string&) override {
        fail(position_of(mark), "InvalidParameter: YAML anchors (&name) are not supported");
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        reject_anchor(mark, anchor);
        YamlNode node;
        node.kind = YamlNode::Kind::Scalar;
        node.position = position_of(mark);
        node.scalar = value;
        // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
        node.quoted = tag == "!";
        attach(std::move(node));
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, anchor, YamlNode::Kind::Sequence);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, anchor, YamlNode::Kind::Mapping);
    }
    void OnMapEnd() override { close(); }

   private:
    struct Frame {
        YamlNode node;
        std::optional<YamlEntry> pending_key;  // a mapping's key waiting for its value
        std::unordered_set<std::string> keys;
    };

    static void reject_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor) {
            fail(position_of(mark), "InvalidParameter: YAML anchors (&name) are not supported");
        }
    }

    void open(const YAML::Mark& mark, YAML::anchor_t anchor, YamlNode::Kind kind) {
        reject_anchor(mark, anchor);
        if (stack_.size() >= static_cast<std::size_t>(kMaxYamlDepth)) {
            fail(position_of(mark), "InvalidParameter: nesting deeper than " +
                                        std::to_string(kMaxYamlDepth) + " levels");
        }
        Frame frame;
        frame.node.kind = kind;
        frame.node.position = position_of(mark);
        stack_.push_back(std::move(frame));
    }

    void close() {
        YamlNode done = std::move(stack_.back().node);
        stack_.pop_back();
        attach(std::move(done));
    }

    void attach(YamlNode node) {
        if (stack_.empty()) {
            root_ = std::move(node);
            return;
        }
        Frame& parent = stack_.back();
        if (parent.node.is_sequence()) {
            parent.node.items.push_back(std::move(node));
        } else if (!parent.pending_key) {
            attach_key(parent, std::move(node));
        } else {
            parent.pending_key->value = std::move(node);
            parent.node.entries.push_back(std::move(*parent.pending_key));
            parent.pending_key.reset();
        }
    }

    static void attach_key(Frame& parent, YamlNode key) {
        if (!key.is_scalar()) fail(key.position, "InvalidParameter: keys must be plain strings");
        if (!parent.keys.insert(key.scalar).second) {
            fail(key.position, "InvalidParameter: duplicate key \"" + key.scalar + "\"");
        }
        parent.pending_key = YamlEntry{std::move(key.scalar), key.position, {}};
    }

    std::vector<Frame> stack_;
    std::optional<YamlNode> root_;
    SourcePosition document_start_;
};

}  // namespace

YamlParseResult parse_yaml(std::string_view text) {
    std::istringstream stream{std::string(text)};
    YamlParseResult result;
    try {
        YAML::Parser parser(stream);
        TreeBuilder builder;
        if (!parser.HandleNextDocument(builder)) {
            result.root = YamlNode{};  // an empty file is an empty document
            return result;
        }
        YamlNode root = builder.take_root().value_or(YamlNode{});
        TreeBuilder second;
        if (parser.HandleNextDocument(second)) {
            result.error = Diagnostic{second.document_start(), "",
                                      "InvalidParameter: only one YAML document is allowed"};
            return result;
        }
        result.root = std::move(root);
    } catch (const TreeError& error) {
        result.error = error.diagnostic;
    } catch (const YAML::Exception& error) {
        result.error = Diagnostic{position_of(error.mark), "", "InvalidParameter: " + error.msg};
    }
    return result;
}

}  // namespace mqauth::yaml
