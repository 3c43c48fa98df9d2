#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace duet::config {

/// One join secret (docs/protocol.md rule 14): the key a join token is signed with, and
/// its name, which a token's `kid` header picks it by.
struct join_secret {
    std::string kid;     // empty: a secret without a name, tried for tokens without `kid`
    std::string secret;
};

/// A `join_secrets` entry as written: `NAME=SECRET`, or a bare `SECRET` (no kid). The
/// text before the first `=` is a name only when it is one (1 to 64 of A-Z a-z 0-9 _ . -)
/// and a secret follows; otherwise the whole entry is the secret, so a base64 secret
/// ending in `=` padding stays whole.
join_secret split_join_secret(std::string_view entry);

/// Every entry of `entries`, split.
std::vector<join_secret> split_join_secrets(std::vector<std::string> const& entries);

/// What reading a join_secrets_file gave: its entries, or why it was refused.
struct secrets_file {
    std::vector<std::string> entries;
    std::vector<std::string> errors;  // each names the setting and the file
};

/// Reads `path`: one entry per line, as in join_secrets (`NAME=SECRET` or `SECRET`);
/// blank lines and lines starting with `#` are skipped, spaces around an entry are
/// trimmed. A file that every user may read or write (mode & 0007) is refused: it holds
/// the keys to every room, and the point of the file is to keep them from other users.
secrets_file read_join_secrets_file(std::string const& path);

/// Problems with the secrets themselves, each naming `setting`: an empty or short
/// secret (HS256 wants at least 32 bytes of key), a bad name, a name used twice.
std::vector<std::string> check_join_secrets(std::vector<join_secret> const& secrets);

/// The secrets' names for a printout: "k1, k2, (unnamed)"; never a secret.
std::string join_secret_names(std::vector<join_secret> const& secrets);

}  // namespace duet::config
