#include "support/child_process.hpp"

#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <climits>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace duet::testing {

std::uint16_t free_loopback_port() {
    int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error("free_loopback_port: socket() failed");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bool const bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!bound) {
        throw std::runtime_error("free_loopback_port: no free loopback port");
    }
    return ntohs(address.sin_port);
}

std::filesystem::path make_private_dir(std::string_view prefix) {
    auto pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("make_private_dir: mkdtemp failed for " + pattern);
    }
    return pattern;
}

std::string read_file(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string last_lines(std::string const& text, std::size_t count) {
    std::deque<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(std::move(line));
        if (lines.size() > count) {
            lines.pop_front();
        }
    }
    std::string out;
    for (auto const& line : lines) {
        out += "  " + line + "\n";
    }
    return out;
}

std::string describe_exit(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return "was killed by signal " + std::to_string(WTERMSIG(status));
    }
    return "ended";
}

pid_t spawn_child(child_spec const& spec) {
    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::string const output = spec.output.empty() ? std::string("/dev/null") : spec.output.string();
    int const output_flags = O_WRONLY | O_CREAT | (spec.append_output ? O_APPEND : O_TRUNC);
    pid_t const parent = ::getpid();

    pid_t const pid = ::fork();
    if (pid != 0) {
        if (pid > 0 && spec.own_process_group) {
            ::setpgid(pid, pid);  // also here: the parent may signal the group before the child runs
        }
        return pid;
    }
    if (spec.own_process_group) {
        ::setpgid(0, 0);
    }
    ::prctl(PR_SET_PDEATHSIG, spec.death_signal);
    if (::getppid() != parent) {
        ::_exit(127);  // the test process died before prctl
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int const in = ::open("/dev/null", O_RDONLY);
    int const out = ::open(output.c_str(), output_flags, 0644);
    if (in < 0 || out < 0) {
        ::_exit(127);
    }
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::close_range(3, UINT_MAX, 0);
    ::execvp(argv[0], argv.data());
    if (!spec.fallback.empty()) {
        ::execv(spec.fallback.c_str(), argv.data());
    }
    ::_exit(127);
}

}  // namespace duet::testing
