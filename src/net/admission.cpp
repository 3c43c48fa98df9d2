#include <duet/net/admission.hpp>

namespace duet::net {

admission::slot& admission::slot::operator=(slot&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        other.owner_ = nullptr;
    }
    return *this;
}

void admission::slot::release() noexcept {
    if (owner_ != nullptr) {
        --owner_->in_use_;
        owner_ = nullptr;
    }
}

std::optional<admission::slot> admission::try_acquire() noexcept {
    if (in_use_ >= limit_) {
        return std::nullopt;
    }
    ++in_use_;
    return slot(*this);
}

}  // namespace duet::net
