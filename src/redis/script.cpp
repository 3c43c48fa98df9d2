#include <duet/redis/script.hpp>

#include <duet/digest/hex_digest.hpp>

namespace duet::redis {

script::script(std::string source)
    : source_(std::make_shared<std::string const>(std::move(source))), sha1_(digest::sha1_hex(*source_)) {}

namespace {

// EVAL/EVALSHA's arguments after the script: numkeys, the keys, then the other args.
std::vector<std::string> eval_args(std::string command, std::string script, std::vector<std::string> const& keys,
                                   std::vector<std::string> const& args) {
    std::vector<std::string> out;
    out.reserve(3 + keys.size() + args.size());
    out.push_back(std::move(command));
    out.push_back(std::move(script));
    out.push_back(std::to_string(keys.size()));
    out.insert(out.end(), keys.begin(), keys.end());
    out.insert(out.end(), args.begin(), args.end());
    return out;
}

}  // namespace

void script::run(std::shared_ptr<connection> const& conn, std::vector<std::string> keys,
                 std::vector<std::string> args, command_handler handler) const {
    auto evalsha = eval_args("EVALSHA", sha1_, keys, args);
    // A weak_ptr: the handler lives inside the connection until it runs, and a shared_ptr
    // there would keep an owner's dropped connection open.
    conn->command(std::move(evalsha), [weak = std::weak_ptr<connection>(conn), source = source_, keys = std::move(keys), args = std::move(args),
                                       handler = std::move(handler)](command_result result) mutable {
        if (!result || !result->is_error("NOSCRIPT")) {
            handler(std::move(result));
            return;
        }
        auto still_open = weak.lock();
        if (!still_open) {
            handler(error_code(error::closed));
            return;
        }
        still_open->command(eval_args("EVAL", *source, keys, args), std::move(handler));
    });
}

}  // namespace duet::redis
