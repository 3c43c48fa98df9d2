#include <duet/cluster/shared_spent_tokens.hpp>

#include <chrono>

namespace duet::cluster {

void shared_spent_tokens::claim(std::string const& jti, clock::time_point keep_until, claim_handler done) {
    if (!store_.available() || pending_.contains(jti)) {
        return done(pending_.contains(jti) ? claim_status::already_used : claim_status::full);
    }
    auto const until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(keep_until.time_since_epoch()).count();
    pending_.emplace(jti, std::move(done));
    store_.send({"SET", key(jti), "1", "NX", "PXAT", std::to_string(until_ms)},
                [this, jti](redis::command_result const& r) {
                    bool const claimed = r && r->type() == redis::reply::kind::status;
                    if (given_back_.erase(jti) > 0) {
                        if (claimed) {
                            store_.send({"DEL", key(jti)}, {});
                        }
                        return;
                    }
                    auto it = pending_.find(jti);
                    if (it == pending_.end()) {
                        return;
                    }
                    auto handler = std::move(it->second);
                    pending_.erase(it);
                    if (!r || r->is_error()) {
                        return handler(claim_status::full);  // Redis went: `unavailable`
                    }
                    handler(claimed ? claim_status::claimed : claim_status::already_used);
                });
}

void shared_spent_tokens::release(std::string const& jti) {
    if (pending_.erase(jti) > 0) {
        given_back_.insert(jti);  // the answer will undo the claim
        return;
    }
    store_.send({"DEL", key(jti)}, {});
}

}  // namespace duet::cluster
