#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duet::bench {

/// The relay scenario's `data` value: {"seq":N,"sent_ns":T,"pad":"..."}, padded so its
/// JSON text is `bytes` long (as short as it can be when `bytes` is smaller). The pad's
/// characters depend on `seq`, so a payload that arrives changed, cut short or swapped
/// with another fails decode(). Pure; any thread.
class payload_format {
public:
    explicit payload_format(std::size_t bytes);

    struct fields {
        std::uint64_t seq = 0;
        std::int64_t sent_ns = 0;
    };

    std::string encode(std::uint64_t seq, std::int64_t sent_ns) const;

    /// Checks a `data` value as received. The text encode() wrote is checked without a
    /// JSON parser (the hot path); anything else is parsed, so a relay that re-serialised
    /// the value (other member order, spaces) still passes if nothing changed.
    /// nullopt, with `problem` set, when the value is not intact.
    std::optional<fields> decode(std::string_view data_json, std::string& problem) const;
    std::optional<fields> decode(nlohmann::json const& data, std::string& problem) const;

    std::size_t bytes() const { return bytes_; }

private:
    std::size_t pad_length(std::size_t number_digits) const;
    std::string_view pad(std::uint64_t seq, std::size_t length) const;
    std::optional<fields> check(fields value, std::string_view pad_text, std::size_t number_digits,
                                std::string& problem) const;

    std::size_t bytes_;
    std::string cycle_;  // the pad alphabet, repeated: pad(seq) starts at seq % alphabet size
};

}  // namespace duet::bench
