// SPDX-License-Identifier: Apache-2.0
#pragma once
// Named families of instruments with labels, and their Prometheus text exposition (format
// 0.0.4). A series is made once, at start-up or at a reload, under the registry's lock; the
// reference it returns stays valid for the registry's life, so the hot paths update it with no
// lock and no lookup. The endpoint's thread reads under the same lock, which the hot paths never
// take.
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "metrics/instruments.h"

namespace mqauth::metrics {

using LabelValues = std::vector<std::string>;

// Whether a series appears while it is zero: the ones a query expects to find (allowed CONNECTs
// of each mechanism) always, the long tail (each refusal reason) once it happened.
enum class Shown { Always, WhenNonZero };

// One sample as $SYS topics show it: the series' name (with _count or _sum for a histogram),
// its label values, and the value.
struct Sample {
    std::string name;
    const std::vector<std::string>& label_names;
    const LabelValues& label_values;
    double value;
};
using SampleVisitor = std::function<void(const Sample&)>;

class FamilyBase {
   public:
    FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
    virtual ~FamilyBase() = default;

    const std::string& name() const { return name_; }
    virtual void write(std::ostream& out) const = 0;
    virtual void visit(const SampleVisitor& visitor) const = 0;

   protected:
    void write_header(std::ostream& out, const char* type) const;
    // `{a="x",b="y"}` (with `extra` appended, for a histogram's le), or nothing without labels.
    void write_labels(std::ostream& out, const LabelValues& values,
                      const std::string& extra = "") const;

    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
};

template <typename Instrument>
class Family final : public FamilyBase {
   public:
    using FamilyBase::FamilyBase;

    // Called under the registry's lock (Registry::with).
    Instrument& series(LabelValues values, Shown shown) {
        for (Series& each : series_) {
            if (each.labels == values) return each.instrument;
        }
        series_.emplace_back(std::move(values), shown);
        return series_.back().instrument;
    }

    void write(std::ostream& out) const override;
    void visit(const SampleVisitor& visitor) const override;

   private:
    // For the single-valued instruments (Counter, Gauge): registry.cpp.
    void write_values(std::ostream& out, const char* type) const;
    void visit_values(const SampleVisitor& visitor) const;

    struct Series {
        Series(LabelValues values, Shown how) : labels(std::move(values)), shown(how) {}
        LabelValues labels;
        Shown shown;
        Instrument instrument;
    };
    std::deque<Series> series_;  // a deque: references stay valid as it grows
};

// The instruments' own ways of writing and visiting (registry.cpp).
template <>
void Family<Counter>::write(std::ostream& out) const;
template <>
void Family<Gauge>::write(std::ostream& out) const;
template <>
void Family<Histogram>::write(std::ostream& out) const;
template <>
void Family<Counter>::visit(const SampleVisitor& visitor) const;
template <>
void Family<Gauge>::visit(const SampleVisitor& visitor) const;
template <>
void Family<Histogram>::visit(const SampleVisitor& visitor) const;

class Registry {
   public:
    Family<Counter>& counter(std::string name, std::string help,
                             std::vector<std::string> label_names = {});
    Family<Gauge>& gauge(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
    Family<Histogram>& histogram(std::string name, std::string help,
                                 std::vector<std::string> label_names = {});

    // The series of `family` with these label values, made when new.
    template <typename Instrument>
    Instrument& with(Family<Instrument>& family, LabelValues values = {},
                     Shown shown = Shown::Always) {
        std::lock_guard<std::mutex> lock(mutex_);
        return family.series(std::move(values), shown);
    }

    // The whole exposition, every family in the order it was made; visit() gives the same
    // samples one by one.
    std::string text() const;
    void visit(const SampleVisitor& visitor) const;

   private:
    template <typename Instrument>
    Family<Instrument>& add(std::string name, std::string help,
                            std::vector<std::string> label_names);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<FamilyBase>> families_;
};

}  // namespace mqauth::metrics
