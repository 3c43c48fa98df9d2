#!/usr/bin/env bash
# Checks that duet's modules depend on each other one way only (docs/architecture.md):
# an #include <duet/M/...> in a file of module N is allowed when M is N itself or ranks
# lower than N. Reads include/duet/<module>/ and src/<module>/ (src/main.cpp counts as
# the top). Prints every upward or sideways include and exits 1 if there is any.
#   scripts/check-module-graph.sh [REPO_ROOT]
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"

# Lowest first. Modules of one rank do not include each other.
declare -A rank=(
    [config]=0 [logging]=0 [digest]=0
    [protocol]=1 [net]=1
    [metrics]=2 [ice]=2 [access]=2 [redis]=2
    [rooms]=3
    [signaling]=4 [cluster]=4
    [ws]=5
    [http]=6
    [app]=7
    [main]=8
)

violations=0
checked=0
while IFS= read -r file; do
    case "$file" in
        src/main.cpp) from=main ;;
        include/duet/*) from=${file#include/duet/}; from=${from%%/*} ;;
        src/*) from=${file#src/}; from=${from%%/*} ;;
    esac
    case "$from" in *.cpp|*.hpp) continue ;; esac  # src/asio_impl.cpp: Asio's own code
    if [ -z "${rank[$from]+set}" ]; then
        echo "$file: module '$from' has no rank in $0 (add it, and to docs/architecture.md)"
        violations=$((violations + 1))
        continue
    fi
    checked=$((checked + 1))
    while IFS=: read -r line target; do
        to=${target%%/*}
        [ "$to" = "$from" ] && continue
        [ "$to" = "build_info.hpp" ] && continue  # generated version header: anyone may read it
        if [ -z "${rank[$to]+set}" ]; then
            echo "$file:$line: includes duet/$target of unknown module '$to'"
            violations=$((violations + 1))
        elif [ "${rank[$to]}" -ge "${rank[$from]}" ]; then
            echo "$file:$line: $from (rank ${rank[$from]}) includes duet/$target: $to (rank ${rank[$to]}) is not below it"
            violations=$((violations + 1))
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<duet/' "$file" |
             sed -E 's/^([0-9]+):.*<duet\/([^>]+)>.*/\1:\2/')
done < <(find include/duet src -name '*.hpp' -o -name '*.cpp' | sort)

if [ "$violations" -gt 0 ]; then
    echo "module graph: $violations include(s) against the one-way order (checked $checked files)"
    exit 1
fi
echo "module graph: one way, $checked files checked"
