#pragma once

#include <string>
#include <string_view>

/// The Redis keys a node names from C++, spelled as src/cluster/lua/common.lua spells
/// them (keep the two in step; docs/cluster.md lists every key). `prefix` is
/// "duet:{cluster_name}:".
namespace duet::cluster::keys {

inline std::string joined(std::string_view prefix, std::string_view kind, std::string_view name = {}) {
    std::string key;
    key.reserve(prefix.size() + kind.size() + name.size());
    key.append(prefix).append(kind).append(name);
    return key;
}

/// A node's inbox stream.
inline std::string inbox(std::string_view prefix, std::string_view node) { return joined(prefix, "inbox:", node); }
/// A node's liveness key, renewed with a TTL.
inline std::string alive(std::string_view prefix, std::string_view node) { return joined(prefix, "alive:", node); }
/// The "room peer" seats a node's connections hold.
inline std::string seats(std::string_view prefix, std::string_view node) { return joined(prefix, "seats:", node); }
/// The set of registered nodes.
inline std::string nodes(std::string_view prefix) { return joined(prefix, "nodes"); }
/// A spent `once` join token id.
inline std::string spent_once(std::string_view prefix, std::string_view jti) { return joined(prefix, "once:", jti); }

}  // namespace duet::cluster::keys
