#include <duet/config/load_settings.hpp>

#include <duet/build_info.hpp>
#include <duet/config/default_public_dir.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace duet::config {

// Found by argument-dependent lookup: failures print "exit_error", not raw bytes.
[[maybe_unused]] static void PrintTo(load_outcome::action what, std::ostream* os) {
    switch (what) {
    case load_outcome::action::run: *os << "run"; return;
    case load_outcome::action::exit_ok: *os << "exit_ok"; return;
    case load_outcome::action::exit_error: *os << "exit_error"; return;
    }
    *os << "action " << static_cast<int>(what);
}

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using action = load_outcome::action;

/// load_settings() on "duetd" followed by `args`.
load_outcome load(std::vector<std::string> const& args) {
    std::vector<char const*> argv{"duetd"};
    for (auto const& a : args) {
        argv.push_back(a.c_str());
    }
    return load_settings(static_cast<int>(argv.size()), argv.data());
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

/// A config file in the temp folder, removed with the object.
class temp_config {
public:
    explicit temp_config(std::string_view text)
        : path_(fs::temp_directory_path() /
                ("duet-settings-" + std::to_string(std::random_device{}()) + "-" +
                 std::to_string(std::random_device{}()) + ".toml")) {
        std::ofstream out(path_);
        out << text;
    }
    ~temp_config() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    temp_config(temp_config const&) = delete;
    temp_config& operator=(temp_config const&) = delete;

    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

constexpr std::string_view example_file = R"(# written by load_settings_test
room_capacity = 3
ping_interval = 0.5
stun_urls = ["stun:a:3478","stun:b:3478"]
allowed_origins = ["https://x.example"]
)";

TEST(load_settings, Defaults) {
    auto const out = load({});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.output, "");
    EXPECT_TRUE(out.config_files.empty());
    auto const& s = out.values;
    EXPECT_EQ(s.port, 9980);
    EXPECT_EQ(s.address, "127.0.0.1");
    EXPECT_EQ(s.public_dir, default_public_dir());
    EXPECT_FALSE(s.public_dir.empty());
    EXPECT_EQ(s.threads, 1U);
    EXPECT_EQ(s.room_capacity, 2U);
    EXPECT_EQ(s.max_rooms, 10000U);
    EXPECT_EQ(s.seat_lease, 20'000ms);
    EXPECT_EQ(s.lease_queue_bytes, 65536U);
    EXPECT_EQ(s.max_message_bytes, 65536U);
    EXPECT_EQ(s.max_send_queue_bytes, 1024U * 1024U);
    EXPECT_EQ(s.rate_limit_per_second, 50.0);
    EXPECT_EQ(s.rate_limit_burst, 200.0);
    EXPECT_EQ(s.max_violations, 100U);
    EXPECT_EQ(s.ping_interval, 20'000ms);
    EXPECT_EQ(s.idle_timeout, 60'000ms);
    EXPECT_EQ(s.close_linger_bytes, 16U * 1024U * 1024U);
    EXPECT_EQ(s.close_linger_time, 2'000ms);
    EXPECT_EQ(s.request_timeout, 10'000ms);
    EXPECT_EQ(s.shutdown_grace, 10'000ms);
    EXPECT_EQ(s.turn_credential_ttl, 86'400s);
    EXPECT_EQ(s.max_connections, 10000U);
    EXPECT_TRUE(s.allowed_origins.empty());
    EXPECT_TRUE(s.stun_urls.empty());
    EXPECT_TRUE(s.turn_urls.empty());
    EXPECT_EQ(s.log_level, "info");
    EXPECT_EQ(s.log_format, "text");
}

TEST(load_settings, FlagsOverrideDefaults) {
    auto const out = load({"--port", "8080", "--address", "0.0.0.0", "--public-dir", "/srv/duet", "--threads", "0",
                           "--room-capacity", "4", "--max-rooms", "7", "--max-message-bytes", "1024",
                           "--max-send-queue-bytes", "4096", "--rate-limit-per-second", "2.5", "--rate-limit-burst",
                           "5", "--max-violations", "9", "--max-connections", "11", "--log-level", "debug",
                           "--log-format", "json", "--turn-urls", "turn:t:3478", "--turn-secret", "s3cret",
                           "--admin-address", "127.0.0.1", "--admin-port", "9090"});
    ASSERT_EQ(out.what, action::run) << out.output;
    auto const& s = out.values;
    EXPECT_EQ(s.port, 8080);
    EXPECT_EQ(s.admin_address, "127.0.0.1");
    EXPECT_EQ(s.admin_port, 9090);
    EXPECT_EQ(s.address, "0.0.0.0");
    EXPECT_EQ(s.public_dir, "/srv/duet");
    EXPECT_EQ(s.threads, 0U);
    EXPECT_EQ(s.room_capacity, 4U);
    EXPECT_EQ(s.max_rooms, 7U);
    EXPECT_EQ(s.max_message_bytes, 1024U);
    EXPECT_EQ(s.max_send_queue_bytes, 4096U);
    EXPECT_EQ(s.rate_limit_per_second, 2.5);
    EXPECT_EQ(s.rate_limit_burst, 5.0);
    EXPECT_EQ(s.max_violations, 9U);
    EXPECT_EQ(s.max_connections, 11U);
    EXPECT_EQ(s.log_level, "debug");
    EXPECT_EQ(s.log_format, "json");
    EXPECT_EQ(s.turn_urls, (std::vector<std::string>{"turn:t:3478"}));
    EXPECT_EQ(s.turn_secret, "s3cret");
}

TEST(load_settings, DurationsInFractionalSecondsBecomeMilliseconds) {
    auto const out = load({"--ping-interval", "0.25", "--idle-timeout", "1.5", "--request-timeout", "2.5",
                           "--shutdown-grace", "0.001", "--turn-credential-ttl", "120", "--close-linger-time", "0.5"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.close_linger_time, 500ms);
    EXPECT_EQ(out.values.ping_interval, 250ms);
    EXPECT_EQ(out.values.idle_timeout, 1500ms);
    EXPECT_EQ(out.values.request_timeout, 2500ms);
    EXPECT_EQ(out.values.shutdown_grace, 1ms);
    EXPECT_EQ(out.values.turn_credential_ttl, 120s);
}

TEST(load_settings, SeatLeaseFromFileAndFlags) {
    temp_config const file("seat_lease = 12.5\nlease_queue_bytes = 4096\n");
    auto const from_file = load({"--config", file.path()});
    ASSERT_EQ(from_file.what, action::run) << from_file.output;
    EXPECT_EQ(from_file.values.seat_lease, 12'500ms);
    EXPECT_EQ(from_file.values.lease_queue_bytes, 4096U);
    auto const flags = load({"--config", file.path(), "--seat-lease", "0", "--lease-queue-bytes", "2048"});
    ASSERT_EQ(flags.what, action::run) << flags.output;
    EXPECT_EQ(flags.values.seat_lease, 0ms);
    EXPECT_EQ(flags.values.lease_queue_bytes, 2048U);
    auto const negative = load({"--seat-lease", "-1"});
    EXPECT_EQ(negative.what, action::exit_error);
    EXPECT_TRUE(contains(negative.output, "seat_lease")) << negative.output;
}

TEST(load_settings, CommaSeparatedLists) {
    auto const out = load({"--stun-urls", "stun:a:3478,stun:b:3478", "--allowed-origins",
                           "https://a.example,https://b.example"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.stun_urls, (std::vector<std::string>{"stun:a:3478", "stun:b:3478"}));
    EXPECT_EQ(out.values.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(load_settings, TrustedProxiesAndPerClientLimitsFromFlags) {
    auto const out = load({"--trusted-proxies", "127.0.0.1/32,::1/128", "--max-connections-per-client", "3",
                           "--max-http-connections-per-client", "4", "--handshake-rate-per-client", "0.5",
                           "--handshake-burst-per-client", "6"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.trusted_proxies, (std::vector<std::string>{"127.0.0.1/32", "::1/128"}));
    EXPECT_EQ(out.values.max_connections_per_client, 3U);
    EXPECT_EQ(out.values.max_http_connections_per_client, 4U);
    EXPECT_EQ(out.values.handshake_rate_per_client, 0.5);
    EXPECT_EQ(out.values.handshake_burst_per_client, 6.0);
}

TEST(load_settings, TrustedProxiesFromTheFileAndTheirErrors) {
    temp_config const good("trusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]\nmax_connections_per_client = 2\n");
    auto const out = load({"--config", good.path()});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.trusted_proxies, (std::vector<std::string>{"127.0.0.1/32", "::1/128"}));
    EXPECT_EQ(out.values.max_connections_per_client, 2U);
    temp_config const none("trusted_proxies = []\n");
    auto const empty = load({"--config", none.path()});
    ASSERT_EQ(empty.what, action::run) << empty.output;
    EXPECT_TRUE(empty.values.trusted_proxies.empty());
    temp_config const bad("trusted_proxies = [\"nginx.local\"]\n");
    auto const refused = load({"--config", bad.path()});
    EXPECT_EQ(refused.what, action::exit_error);
    EXPECT_TRUE(contains(refused.output, "trusted_proxies: 'nginx.local'")) << refused.output;
    auto const negative = load({"--max-connections-per-client", "-1"});
    EXPECT_EQ(negative.what, action::exit_error) << negative.output;
}

TEST(load_settings, ConfigFileIsRead) {
    temp_config const file(example_file);
    auto const out = load({"--config", file.path()});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.config_files, (std::vector<std::string>{file.path()}));
    EXPECT_EQ(out.values.room_capacity, 3U);
    EXPECT_EQ(out.values.ping_interval, 500ms);
    EXPECT_EQ(out.values.stun_urls, (std::vector<std::string>{"stun:a:3478", "stun:b:3478"}));
    EXPECT_EQ(out.values.allowed_origins, (std::vector<std::string>{"https://x.example"}));
    // What the file does not set keeps its default.
    EXPECT_EQ(out.values.port, 9980);
    EXPECT_EQ(out.values.idle_timeout, 60'000ms);
}

TEST(load_settings, FileStringsAndMoreKeys) {
    temp_config const file(R"(address = "0.0.0.0"
port = 8443
max_message_bytes = 2048
shutdown_grace = 2.5
log_format = "json"
turn_urls = ["turn:t:3478"]
turn_username = "alice"
turn_credential = "pw"
admin_address = "::1"
admin_port = 0
)");
    auto const out = load({"--config", file.path()});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.admin_address, "::1");
    EXPECT_EQ(out.values.admin_port, 0);
    EXPECT_EQ(out.values.address, "0.0.0.0");
    EXPECT_EQ(out.values.port, 8443);
    EXPECT_EQ(out.values.max_message_bytes, 2048U);
    EXPECT_EQ(out.values.shutdown_grace, 2500ms);
    EXPECT_EQ(out.values.log_format, "json");
    EXPECT_EQ(out.values.turn_urls, (std::vector<std::string>{"turn:t:3478"}));
    EXPECT_EQ(out.values.turn_username, "alice");
    EXPECT_EQ(out.values.turn_credential, "pw");
}

TEST(load_settings, FlagsOverrideTheFile) {
    temp_config const file(example_file);
    auto const out = load({"--room-capacity", "5", "--config", file.path(), "--stun-urls", "stun:c:3478"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.room_capacity, 5U);
    EXPECT_EQ(out.values.stun_urls, (std::vector<std::string>{"stun:c:3478"}));
    // Not given as flags: the file's values.
    EXPECT_EQ(out.values.ping_interval, 500ms);
    EXPECT_EQ(out.values.allowed_origins, (std::vector<std::string>{"https://x.example"}));
}

TEST(load_settings, UnknownKeyInTheFileIsAnError) {
    temp_config const file("room_capacity = 3\nbogus = 1\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "bogus")) << out.output;
}

TEST(load_settings, UnknownKeyWithUnderscoresIsNamedAsWritten) {
    temp_config const file("no_such_setting = 1\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "no_such_setting")) << out.output;
}

TEST(load_settings, EmptyListsAndStringsInTheFileMeanNone) {
    temp_config const file("stun_urls = []\nturn_urls = []\nturn_secret = \"\"\nroom_capacity = 3\n");
    auto const out = load({"--config", file.path()});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_TRUE(out.values.stun_urls.empty());
    EXPECT_TRUE(out.values.turn_urls.empty());
    EXPECT_EQ(out.values.turn_secret, "");
    EXPECT_EQ(out.values.room_capacity, 3U);
}

TEST(load_settings, UnknownKeyWithAnEmptyValueIsStillAnError) {
    temp_config const file("bogus = []\nroom_capacity = 3\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error) << "an unknown key was accepted";
    EXPECT_TRUE(contains(out.output, "bogus")) << out.output;

    temp_config const file2("bogus = \"\"\n");
    auto const out2 = load({"--config", file2.path()});
    EXPECT_EQ(out2.what, action::exit_error) << "an unknown key was accepted";
    EXPECT_TRUE(contains(out2.output, "bogus")) << out2.output;
}

TEST(load_settings, EmptyStringInTheFileIsNotSilentlyTheDefault) {
    // "" is no log level and no address: it must be refused as on the command line,
    // not dropped so that the default applies.
    temp_config const file("log_level = \"\"\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error) << "log_level became '" << out.values.log_level << "'";
    EXPECT_TRUE(contains(out.output, "log_level")) << out.output;

    auto const flag = load({"--log-level", ""});
    EXPECT_EQ(flag.what, action::exit_error) << "log_level became '" << flag.values.log_level << "'";
    EXPECT_TRUE(contains(flag.output, "log_level")) << flag.output;
}

TEST(load_settings, BadValueInTheFileNamesTheSetting) {
    temp_config const file("room_capacity = 1\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "room_capacity")) << out.output;
}

TEST(load_settings, MissingConfigFileIsAnError) {
    auto const missing = (fs::temp_directory_path() / "duet-no-such-config-5d1c.toml").string();
    auto const out = load({"--config", missing});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, missing)) << out.output;
}

TEST(load_settings, PortOutOfRangeIsAnError) {
    auto const out = load({"--port", "70000"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "port")) << out.output;
}

TEST(load_settings, PortZeroIsAllowed) {
    auto const out = load({"--port", "0"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.port, 0);
}

/// Whether `output` names `setting` as the file spells it (room_capacity) or as the
/// flag does (room-capacity).
bool names_setting(std::string_view output, std::string setting) {
    if (contains(output, setting)) {
        return true;
    }
    std::replace(setting.begin(), setting.end(), '_', '-');
    return contains(output, setting);
}

TEST(load_settings, NegativeCountFlagsAreRefused) {
    // These settings are unsigned: a negative value must be refused, not wrapped
    // around to 18446744073709551615 (which would pass every "at least" rule).
    for (auto const* setting : {"room_capacity", "max_rooms", "max_send_queue_bytes", "max_violations",
                                "close_linger_bytes", "max_connections", "max_header_bytes", "max_http_connections"}) {
        std::string flag = std::string("--") + setting;
        std::replace(flag.begin(), flag.end(), '_', '-');
        auto const out = load({flag, "-1"});
        EXPECT_EQ(out.what, action::exit_error) << flag << " -1 was accepted";
        EXPECT_TRUE(names_setting(out.output, setting)) << out.output;
    }
}

TEST(load_settings, NegativeCountInTheFileIsRefused) {
    temp_config const file("room_capacity = -1\n");
    auto const out = load({"--config", file.path()});
    EXPECT_EQ(out.what, action::exit_error) << "room_capacity became " << out.values.room_capacity;
    EXPECT_TRUE(names_setting(out.output, "room_capacity")) << out.output;
}

TEST(load_settings, NonNumericValueIsAnError) {
    auto const out = load({"--max-rooms", "many"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "max-rooms")) << out.output;
}

TEST(load_settings, RoomCapacityOfOneNamesTheSetting) {
    auto const out = load({"--room-capacity", "1"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "room_capacity: must be at least 2")) << out.output;
}

TEST(load_settings, NegativeDurationNamesTheSetting) {
    auto const out = load({"--ping-interval", "-1"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "ping_interval")) << out.output;
}

TEST(load_settings, EveryInvalidSettingIsListed) {
    auto const out = load({"--room-capacity", "1", "--log-format", "xml", "--idle-timeout", "1", "--ping-interval",
                           "5"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "room_capacity")) << out.output;
    EXPECT_TRUE(contains(out.output, "log_format")) << out.output;
    EXPECT_TRUE(contains(out.output, "idle_timeout")) << out.output;
}

TEST(load_settings, UnknownFlagIsAnError) {
    auto const out = load({"--no-such-flag", "1"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "no-such-flag")) << out.output;
}

TEST(load_settings, CheckConfigExitsOkWhenValid) {
    temp_config const file(example_file);
    auto const out = load({"--config", file.path(), "--check-config"});
    EXPECT_EQ(out.what, action::exit_ok) << out.output;
    EXPECT_EQ(out.values.room_capacity, 3U);
}

TEST(load_settings, CheckConfigNamesTheProxyTimeoutTheKeepaliveNeeds) {
    auto const out = load({"--check-config", "--idle-timeout", "90", "--ping-interval", "30"});
    EXPECT_EQ(out.what, action::exit_ok) << out.output;
    EXPECT_TRUE(contains(out.output, "proxy_read_timeout) must be at least twice ping_interval, here 60 s"))
        << out.output;
}

TEST(load_settings, CheckConfigPrintsTheEffectiveSettingsAsAFileThatReadsBack) {
    temp_config const file(example_file);
    auto const out = load({"--config", file.path(), "--check-config", "--max-rooms", "7", "--rate-limit-burst", "1e6",
                           "--turn-urls", "turn:t:3478", "--turn-secret", "s3cret", "--shutdown-grace", "1234567.25",
                           "--allowed-origins", "https://a.example,https://b.example", "--admin-address",
                           "127.0.0.2", "--admin-port", "9100", "--trusted-proxies", "127.0.0.1/32,::1/128",
                           "--handshake-rate-per-client", "0.25", "--seat-lease", "7.5", "--lease-queue-bytes",
                           "3000"});
    ASSERT_EQ(out.what, action::exit_ok) << out.output;
    EXPECT_TRUE(contains(out.output, "\ntrusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\nadmin_address = \"127.0.0.2\"\nadmin_port = 9100\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\nmax_rooms = 7\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\nseat_lease = 7.5\nlease_queue_bytes = 3000\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\nroom_capacity = 3\n")) << out.output;  // from the file
    EXPECT_TRUE(contains(out.output, "# turn_secret: set (not shown)")) << out.output;
    EXPECT_FALSE(contains(out.output, "s3cret")) << out.output;
    // The printed settings, read back as a config file, are the same settings.
    auto const printed = out.output.substr(out.output.find('\n') + 1);
    temp_config const again(printed);
    auto const back = load({"--config", again.path(), "--turn-secret", "s3cret"});
    ASSERT_EQ(back.what, action::run) << back.output << "\n" << printed;
    auto const& a = out.values;
    auto const& b = back.values;
    EXPECT_EQ(b.max_rooms, a.max_rooms);
    EXPECT_EQ(b.room_capacity, a.room_capacity);
    EXPECT_EQ(b.rate_limit_burst, a.rate_limit_burst);
    EXPECT_EQ(b.ping_interval, a.ping_interval);
    EXPECT_EQ(b.shutdown_grace, a.shutdown_grace);
    EXPECT_EQ(b.close_linger_time, a.close_linger_time);
    EXPECT_EQ(b.allowed_origins, a.allowed_origins);
    EXPECT_EQ(b.stun_urls, a.stun_urls);
    EXPECT_EQ(b.turn_urls, a.turn_urls);
    EXPECT_EQ(b.public_dir, a.public_dir);
    EXPECT_EQ(b.address, a.address);
    EXPECT_EQ(b.admin_address, a.admin_address);
    EXPECT_EQ(b.admin_port, a.admin_port);
    EXPECT_EQ(b.log_level, a.log_level);
    EXPECT_EQ(b.trusted_proxies, a.trusted_proxies);
    EXPECT_EQ(b.max_connections_per_client, a.max_connections_per_client);
    EXPECT_EQ(b.max_http_connections_per_client, a.max_http_connections_per_client);
    EXPECT_EQ(b.handshake_rate_per_client, a.handshake_rate_per_client);
    EXPECT_EQ(b.handshake_burst_per_client, a.handshake_burst_per_client);
    EXPECT_EQ(b.seat_lease, a.seat_lease);
    EXPECT_EQ(b.lease_queue_bytes, a.lease_queue_bytes);
}

TEST(load_settings, CheckConfigRefusesAPublicFolderThatIsNotThere) {
    auto const out = load({"--check-config", "--public-dir", "/nonexistent/duet-public"});
    EXPECT_EQ(out.what, action::exit_error) << out.output;
    EXPECT_TRUE(contains(out.output, "public_dir: '/nonexistent/duet-public' is not a folder duetd can read"))
        << out.output;
}

TEST(load_settings, CheckConfigReportsInvalidSettings) {
    auto const out = load({"--check-config", "--room-capacity", "1"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "room_capacity: must be at least 2")) << out.output;
}

// Join tokens (docs/protocol.md rule 14): secrets from flags, file and secrets file;
// --check-config names them but never prints one; token and invite subcommands.
std::string const secret_1 = "first-secret-0123456789abcdef01234567";
std::string const secret_2 = "second-secret-0123456789abcdef0123456";

TEST(load_settings, JoinSecretsFromRepeatedFlags) {
    auto const out = load({"--join-secrets", "k1=" + secret_1, "--join-secrets", "k2=" + secret_2, "--require-token",
                           "true", "--token-leeway", "5"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.join_secrets, (std::vector<std::string>{"k1=" + secret_1, "k2=" + secret_2}));
    EXPECT_TRUE(out.values.require_token);
    EXPECT_EQ(out.values.token_leeway, 5s);
}

TEST(load_settings, JoinSecretsDefaults) {
    auto const out = load({});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_TRUE(out.values.join_secrets.empty());
    EXPECT_FALSE(out.values.require_token);
    EXPECT_EQ(out.values.token_leeway, 30s);
    EXPECT_EQ(out.values.max_spent_tokens, 100000U);
}

TEST(load_settings, RequireTokenWithoutSecretsIsRefused) {
    auto const out = load({"--require-token", "true"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "require_token")) << out.output;
}

TEST(load_settings, ShortSecretIsRefusedWithoutBeingShown) {
    auto const out = load({"--join-secrets", "k1=hunter2"});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "'k1'")) << out.output;
    EXPECT_FALSE(contains(out.output, "hunter2")) << out.output;
}

TEST(load_settings, JoinSecretsFileIsReadAndAppended) {
    temp_config const secrets("# duet join secrets\nk2=" + secret_2 + "\n");
    fs::permissions(secrets.path(), fs::perms::owner_read | fs::perms::owner_write);
    temp_config const file("join_secrets = [\"k1=" + secret_1 + "\"]\njoin_secrets_file = \"" + secrets.path() +
                           "\"\nrequire_token = true\n");
    auto const out = load({"--config", file.path()});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.values.join_secrets, (std::vector<std::string>{"k1=" + secret_1, "k2=" + secret_2}));
    EXPECT_TRUE(out.values.require_token);
}

TEST(load_settings, WorldReadableSecretsFileIsRefused) {
    temp_config const secrets("k2=" + secret_2 + "\n");
    fs::permissions(secrets.path(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    auto const out = load({"--join-secrets-file", secrets.path()});
    EXPECT_EQ(out.what, action::exit_error);
    EXPECT_TRUE(contains(out.output, "join_secrets_file")) << out.output;
    EXPECT_FALSE(contains(out.output, secret_2)) << out.output;
}

TEST(load_settings, CheckConfigNamesSecretsButNeverShowsThem) {
    temp_config const secrets("filekey=" + secret_2 + "\n");
    fs::permissions(secrets.path(), fs::perms::owner_read | fs::perms::owner_write);
    auto const out = load({"--check-config", "--join-secrets", "k1=" + secret_1, "--join-secrets-file", secrets.path(),
                           "--require-token", "true"});
    ASSERT_EQ(out.what, action::exit_ok) << out.output;
    EXPECT_FALSE(contains(out.output, secret_1)) << out.output;
    EXPECT_FALSE(contains(out.output, secret_2)) << out.output;
    EXPECT_TRUE(contains(out.output, "# join_secrets: 2 set (not shown), named: k1, filekey\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\nrequire_token = true\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\ntoken_leeway = 30\n")) << out.output;
    EXPECT_TRUE(contains(out.output, "\njoin_secrets_file = \"" + secrets.path() + "\"\n")) << out.output;
}

TEST(load_settings, TokenSubcommand) {
    auto const out = load({"token", "--room", "demo", "--ttl", "15m", "--once", "--kid", "k1", "--join-secrets",
                           "k1=" + secret_1});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.run_command, load_outcome::command::token);
    EXPECT_EQ(out.mint.room, "demo");
    EXPECT_EQ(out.mint.ttl, 900s);
    EXPECT_TRUE(out.mint.once);
    EXPECT_EQ(out.mint.kid, "k1");
}

TEST(load_settings, InviteSubcommandWithSettingsBeforeIt) {
    auto const out = load({"--join-secrets", secret_1, "invite", "--room", "demo", "--base", "https://duet.example.org"});
    ASSERT_EQ(out.what, action::run) << out.output;
    EXPECT_EQ(out.run_command, load_outcome::command::invite);
    EXPECT_EQ(out.mint.ttl, 3600s);
    EXPECT_FALSE(out.mint.once);
    EXPECT_EQ(out.mint.base, "https://duet.example.org");
}

TEST(load_settings, MintingNeedsASecretARoomAndATtl) {
    EXPECT_EQ(load({"token", "--room", "demo"}).what, action::exit_error);
    EXPECT_EQ(load({"token", "--join-secrets", secret_1}).what, action::exit_error);
    auto const bad_ttl = load({"token", "--room", "demo", "--ttl", "soon", "--join-secrets", secret_1});
    EXPECT_EQ(bad_ttl.what, action::exit_error);
    EXPECT_TRUE(contains(bad_ttl.output, "--ttl")) << bad_ttl.output;
    EXPECT_EQ(load({"invite", "--room", "demo", "--join-secrets", secret_1}).what, action::exit_error);  // no --base
}

TEST(load_settings, TtlSpellings) {
    EXPECT_EQ(parse_ttl("90"), 90s);
    EXPECT_EQ(parse_ttl("90s"), 90s);
    EXPECT_EQ(parse_ttl("15m"), 900s);
    EXPECT_EQ(parse_ttl("1h"), 3600s);
    EXPECT_EQ(parse_ttl("7d"), std::chrono::seconds(7 * 86400));
    for (auto const* bad : {"", "h", "0", "0h", "-1h", "1.5h", "1w", "1 h", "99999999999999999"}) {
        EXPECT_FALSE(parse_ttl(bad).has_value()) << bad;
    }
}

TEST(load_settings, HelpMentionsTheSettings) {
    auto const out = load({"--help"});
    EXPECT_EQ(out.what, action::exit_ok);
    EXPECT_TRUE(contains(out.output, "--max-message-bytes")) << out.output;
    EXPECT_TRUE(contains(out.output, "--config")) << out.output;
    EXPECT_TRUE(contains(out.output, "--room-capacity")) << out.output;
}

TEST(load_settings, VersionPrintsTheVersion) {
    auto const out = load({"--version"});
    EXPECT_EQ(out.what, action::exit_ok);
    EXPECT_EQ(out.output, std::string(build_info::version) + "\n");
    EXPECT_FALSE(std::string_view(build_info::version).empty());
}

}  // namespace
}  // namespace duet::config
