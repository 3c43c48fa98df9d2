// duet-parse-cost: the cost of parse_client_message per frame and per byte (issue #9).
// Times four frames: 64 KiB of keys written with an escape (`"\/":1`, the reported
// attack), the same frame with plain keys of the same length, an SDP-sized message and
// an ICE-sized one. Prints the median of several runs, and the ratio escaped/plain,
// which should stay at or under 2: the cost must be linear whatever the content.
//
// Usage: duet-parse-cost [runs]   (default 9; each run times about 0.1 s per frame)
#include <duet/protocol/codec.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using duet::protocol::parse_client_message;

/// A `message` of up to `size` bytes whose filler members all have the key `key`.
std::string frame_of_keys(std::string const& key, std::size_t size) {
    std::string text = R"({"type":"message","room":"demo","data":1)";
    std::string const member = ",\"" + key + "\":1";
    while (text.size() + member.size() + 1 <= size) {
        text += member;
    }
    return text + "}";
}

/// A relayed offer of about `size` bytes: mostly SDP text, as a browser sends it.
std::string sdp_frame(std::size_t size) {
    std::string sdp = "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n";
    std::string const line = "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0\\r\\n";
    std::string const head = R"({"type":"message","room":"demo","data":{"type":"offer","sdp":")";
    std::string const tail = R"("}})";
    while (head.size() + sdp.size() + line.size() + tail.size() <= size) {
        sdp += line;
    }
    return head + sdp + tail;
}

std::string const ice_frame =
    R"({"type":"message","room":"demo","to":"Q9xk3JvT_2mPq8Rw-ZcA1b","data":{"candidate":)"
    R"("candidate:842163049 1 udp 1677729535 203.0.113.7 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0",)"
    R"("sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"x7Gq2"}})";

/// One frame under test, with the number of parses that one timed run makes.
struct timed_frame {
    char const* name;
    std::string text;
    std::size_t batch = 1;
    std::vector<double> ns_per_frame;  // one entry per run
};

using clock_type = std::chrono::steady_clock;

/// Every result is used, so the compiler cannot drop a parse.
std::size_t sink = 0;

/// The mean time of one parse over `batch` parses, in ns.
double time_batch(std::string const& text, std::size_t batch) {
    auto const start = clock_type::now();
    for (std::size_t k = 0; k < batch; ++k) {
        auto const result = parse_client_message(text);
        sink += result ? result.message->index() + 1 : 0;
    }
    std::chrono::duration<double, std::nano> const elapsed = clock_type::now() - start;
    return elapsed.count() / static_cast<double>(batch);
}

/// A batch that takes about 0.1 s, found after a warm-up.
std::size_t calibrate(std::string const& text) {
    std::size_t batch = 1;
    while (time_batch(text, batch) * static_cast<double>(batch) < 25e6) {
        batch *= 2;
    }
    return batch * 4;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int const runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
    // "\/" and "ab" are both two bytes: the two 64 KiB frames have the same length and
    // the same number of keys, and differ only in the escapes.
    std::vector<timed_frame> frames{
        {"64KiB escaped keys", frame_of_keys("\\/", 65536), 1, {}},
        {"64KiB plain keys", frame_of_keys("ab", 65536), 1, {}},
        {"SDP message", sdp_frame(4096), 1, {}},
        {"ICE message", ice_frame, 1, {}},
    };
    for (auto& frame : frames) {
        if (!parse_client_message(frame.text)) {
            std::fprintf(stderr, "%s: refused\n", frame.name);
            return 1;
        }
        frame.batch = calibrate(frame.text);
    }
    // The frames take turns within each run, so a change in the machine's load
    // (builds run beside this) falls on all of them alike, and the ratio is taken
    // run by run.
    std::vector<double> ratios;
    for (int run = 0; run < runs; ++run) {
        for (auto& frame : frames) {
            frame.ns_per_frame.push_back(time_batch(frame.text, frame.batch));
        }
        ratios.push_back(frames[0].ns_per_frame.back() / frames[1].ns_per_frame.back());
    }
    if (sink == 0) {
        std::fprintf(stderr, "every parse was refused\n");
        return 1;
    }
    std::printf("%-20s %8s %14s %10s   (median of %d runs)\n", "frame", "bytes", "ns/frame", "ns/byte", runs);
    for (auto const& frame : frames) {
        double const ns = median(frame.ns_per_frame);
        std::printf("%-20s %8zu %14.0f %10.3f\n", frame.name, frame.text.size(), ns,
                    ns / static_cast<double>(frame.text.size()));
    }
    std::printf("escaped/plain: %.2f (median of the runs' ratios; target: at most 2)\n", median(ratios));
    return 0;
}
