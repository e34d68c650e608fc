// SPDX-License-Identifier: Apache-2.0
#include "metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace mqauth::metrics {
namespace {

// A label value in the text format: backslash, double quote and line feed escaped.
std::string escaped(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
}

std::string bound(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// HELP text escapes backslash and line feed only.
std::string help_text(const std::string& help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

bool is_zero(const Counter& counter) {
    return counter.value() == 0;
}
bool is_zero(const Gauge& gauge) {
    return gauge.value() == 0;
}
bool is_zero(const Histogram& histogram) {
    return histogram.count() == 0;
}

}  // namespace

void FamilyBase::write_header(std::ostream& out, const char* type) const {
    out << "# HELP " << name_ << " " << help_text(help_) << "\n# TYPE " << name_ << " " << type
        << "\n";
}

void FamilyBase::write_labels(std::ostream& out, const LabelValues& values,
                              const std::string& extra) const {
    if (values.empty() && extra.empty()) return;
    out << "{";
    for (std::size_t i = 0; i < values.size() && i < label_names_.size(); ++i) {
        out << (i ? "," : "") << label_names_[i] << "=\"" << escaped(values[i]) << "\"";
    }
    if (!extra.empty()) out << (values.empty() ? "" : ",") << extra;
    out << "}";
}

// Counters and gauges: one sample per series, its value.
template <typename Instrument>
void Family<Instrument>::write_values(std::ostream& out, const char* type) const {
    write_header(out, type);
    for (const Series& each : series_) {
        if (each.shown == Shown::WhenNonZero && is_zero(each.instrument)) continue;
        out << name_;
        write_labels(out, each.labels);
        out << " " << each.instrument.value() << "\n";
    }
}

template <typename Instrument>
void Family<Instrument>::visit_values(const SampleVisitor& visitor) const {
    for (const Series& each : series_) {
        if (each.shown == Shown::WhenNonZero && is_zero(each.instrument)) continue;
        visitor({name_, label_names_, each.labels, static_cast<double>(each.instrument.value())});
    }
}

template <>
void Family<Counter>::write(std::ostream& out) const {
    write_values(out, "counter");
}

template <>
void Family<Gauge>::write(std::ostream& out) const {
    write_values(out, "gauge");
}

template <>
void Family<Histogram>::write(std::ostream& out) const {
    write_header(out, "histogram");
    for (const Series& each : series_) {
        const Histogram& histogram = each.instrument;
        if (each.shown == Shown::WhenNonZero && is_zero(histogram)) continue;
        for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
            out << name_ << "_bucket";
            write_labels(out, each.labels, "le=\"" + bound(Histogram::kBounds[i]) + "\"");
            out << " " << histogram.cumulative_count(i) << "\n";
        }
        const std::uint64_t count = histogram.count();
        out << name_ << "_bucket";
        write_labels(out, each.labels, "le=\"+Inf\"");
        out << " " << count << "\n" << name_ << "_sum";
        write_labels(out, each.labels);
        out << " " << number(histogram.sum_seconds()) << "\n" << name_ << "_count";
        write_labels(out, each.labels);
        out << " " << count << "\n";
    }
}

template <>
void Family<Counter>::visit(const SampleVisitor& visitor) const {
    visit_values(visitor);
}

template <>
void Family<Gauge>::visit(const SampleVisitor& visitor) const {
    visit_values(visitor);
}

template <>
void Family<Histogram>::visit(const SampleVisitor& visitor) const {
    for (const Series& each : series_) {
        if (each.shown == Shown::WhenNonZero && is_zero(each.instrument)) continue;
        visitor({name_ + "_count", label_names_, each.labels,
                 static_cast<double>(each.instrument.count())});
        visitor({name_ + "_sum", label_names_, each.labels, each.instrument.sum_seconds()});
    }
}

template <typename Instrument>
Family<Instrument>& Registry::add(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto family = std::make_unique<Family<Instrument>>(std::move(name), std::move(help),
                                                       std::move(label_names));
    Family<Instrument>& made = *family;
    families_.push_back(std::move(family));
    return made;
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
    return add<Counter>(std::move(name), std::move(help), std::move(label_names));
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
    return add<Gauge>(std::move(name), std::move(help), std::move(label_names));
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
    return add<Histogram>(std::move(name), std::move(help), std::move(label_names));
}

std::string Registry::text() const {
    std::ostringstream out;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& family : families_) family->write(out);
    return out.str();
}

void Registry::visit(const SampleVisitor& visitor) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& family : families_) family->visit(visitor);
}

}  // namespace mqauth::metrics
