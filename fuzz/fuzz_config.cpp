// The settings loader fed a config file whose contents are the fuzz input, as in
// `duetd --config FILE --check-config`. load_settings() promises never to throw (an
// exception escaping it aborts the run); a refusal must say why, and settings it lets
// through must pass validate().

#include <duet/config/load_settings.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace {

std::string const& config_path() {
    static std::string const path = [] {
        auto const dir = std::filesystem::temp_directory_path();
        return (dir / ("duet-fuzz-config-" + std::to_string(::getpid()) + ".toml")).string();
    }();
    return path;
}

struct remove_at_exit {
    ~remove_at_exit() { std::remove(config_path().c_str()); }
};

[[noreturn]] void fail(char const* why, std::string const& output) {
    std::fprintf(stderr, "\n=== fuzz_config: %s\noutput: %s\n", why, output.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    static remove_at_exit const cleanup;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* bytes, std::size_t size) {
    auto const& path = config_path();
    {
        std::FILE* file = std::fopen(path.c_str(), "wb");
        if (file == nullptr || std::fwrite(bytes, 1, size, file) != size || std::fclose(file) != 0) {
            std::perror(path.c_str());
            std::abort();
        }
    }
    char const* argv[] = {"duetd", "--config", path.c_str(), "--check-config", nullptr};
    auto const out = duet::config::load_settings(4, argv);

    using action = duet::config::load_outcome::action;
    switch (out.what) {
    case action::exit_error:
        if (out.output.empty()) {
            fail("refused without saying why", out.output);
        }
        break;
    case action::exit_ok:
    case action::run:
        // --check-config on valid settings says so; a --help or --version from the file
        // (CLI11 lets a file set flags) prints something else, and then nothing was checked.
        if (out.output == "duetd: settings are valid\n" && !duet::config::validate(out.values).empty()) {
            fail("accepted settings that validate() refuses", out.output);
        }
        if (out.what == action::run && !duet::config::validate(out.values).empty()) {
            fail("would run with settings that validate() refuses", out.output);
        }
        break;
    }
    return 0;
}
