#!/usr/bin/env bash
# Runs a private nginx in front of a duetd, with a shipped configuration (config/nginx.conf
# unless --conf says otherwise), changed only where a test must: the one way every test and
# benchmark puts nginx in front of the daemon.
#
#   bash tests/nginx/nginx_front.sh --upstream PORT[,PORT...] --listen PORT --dir DIR \
#        [--conf FILE] [--tls-listen PORT --cert FILE --key FILE] [--nginx /usr/sbin/nginx] \
#        [--access-log] [--timeout-scale F] [--server-params 'max_fails=1 fail_timeout=1s'] [--check]
#
# It renders DIR/duet.conf from the configuration, copies the snippets it includes
# (`include snippets/NAME;`, from the snippets/ folder beside it) to DIR/snippets/, and
# writes DIR/nginx.conf (a main config around them: one worker, logs and temp files under
# DIR, no system path). nginx resolves a relative include against the folder of its main
# config, so the include lines stay as shipped. Then it replaces itself with nginx in the
# foreground, so the caller's child IS nginx: stop it with SIGTERM (fast) or SIGQUIT
# (graceful). nginx's own log is DIR/error.log; with --access-log it also writes
# DIR/access.log (off by default: the suites open thousands of connections).
#
# What it changes, and nothing else:
#   - the upstream line `server 127.0.0.1:9980;` -> 127.0.0.1:UPSTREAM; with several
#     ports (a cluster of duetd nodes), one such line per port in the order given, which
#     nginx's default round-robin balancing takes in turn
#   - --server-params P appends P (nginx `server` parameters such as max_fails and
#     fail_timeout) to each of those lines; without it they carry none, as shipped
#   - the plain-HTTP `listen 80;` -> 127.0.0.1:LISTEN
#   - with --tls-listen (needed for, and only allowed with, a configuration that has a
#     `listen 443 ssl;` server): that line -> 127.0.0.1:TLS-LISTEN, and the
#     ssl_certificate / ssl_certificate_key paths -> --cert / --key
#   - `listen [::]:...` lines are dropped (the tests listen on IPv4 loopback only)
#   - --timeout-scale F multiplies proxy_read_timeout and proxy_send_timeout by F (0.1:
#     75s becomes 7500ms), for a test of the timeouts against duetd's keepalive settings
#     scaled by the same factor, without waiting minutes.
# --check runs `nginx -t` on the rendered files instead and exits with its status.
# Exit status 2: usage error or a configuration whose shape changed (see the counts
# below); 1: nginx refused to start (for example, a listen port was taken: pick another,
# retry).
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conf="$script_dir/../../config/nginx.conf"

upstream=""
listen=""
tls_listen=""
cert=""
key=""
dir=""
nginx_bin="/usr/sbin/nginx"
check=0
access_log=off
timeout_scale=1
server_params=""

usage() {
    sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
fail() {  # fail MESSAGE: the configuration is not in the shape this script rewrites
    echo "nginx_front.sh: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --upstream) upstream=${2:-}; shift 2 ;;
        --listen) listen=${2:-}; shift 2 ;;
        --tls-listen) tls_listen=${2:-}; shift 2 ;;
        --cert) cert=${2:-}; shift 2 ;;
        --key) key=${2:-}; shift 2 ;;
        --conf) conf=${2:-}; shift 2 ;;
        --dir) dir=${2:-}; shift 2 ;;
        --nginx) nginx_bin=${2:-}; shift 2 ;;
        --access-log) access_log=on; shift ;;
        --timeout-scale) timeout_scale=${2:-}; shift 2 ;;
        --server-params) server_params=${2:-}; shift 2 ;;
        --check) check=1; shift ;;
        -h|--help) usage ;;
        *) echo "nginx_front.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$upstream" =~ ^[0-9]+(,[0-9]+)*$ ]] && [[ "$listen" =~ ^[0-9]+$ ]] && [ -n "$dir" ] || usage
# Parameters of an upstream `server` line only: words such as max_fails=1, nothing that
# could end the directive.
[[ "$server_params" =~ ^[a-z_=0-9.\ ]*$ ]] || usage
[[ "$timeout_scale" =~ ^[0-9]*\.?[0-9]+$ ]] || usage
if [ -n "$tls_listen$cert$key" ]; then
    [[ "$tls_listen" =~ ^[0-9]+$ ]] && [ -f "$cert" ] && [ -f "$key" ] || usage
    cert=$(cd "$(dirname "$cert")" && pwd)/$(basename "$cert")
    key=$(cd "$(dirname "$key")" && pwd)/$(basename "$key")
fi
[ -f "$conf" ] || fail "no configuration at $conf"
conf_dir=$(cd "$(dirname "$conf")" && pwd)
mkdir -p "$dir/snippets" || exit 2
dir=$(cd "$dir" && pwd)
[ "$access_log" = on ] && access_log="$dir/access.log"
# Workers may run as an unprivileged user when started as root: let them traverse DIR.
chmod 755 "$dir" "$dir/snippets"

# count REGEX: how many lines of the configuration match (directives, not comments).
count() { grep -cE "^[[:space:]]*$1" "$conf"; }
# Exactly one line of each shape this script rewrites; anything else means the
# configuration changed shape and the tests must change with it.
expect_one() {  # expect_one REGEX WHAT
    local n
    n=$(count "$1")
    [ "$n" = 1 ] || fail "$conf has $n line(s) $2 (expected 1)"
}
expect_one 'server[[:space:]]+127\.0\.0\.1:9980;' "'server 127.0.0.1:9980;'"
expect_one 'listen[[:space:]]+80;' "'listen 80;'"
tls_lines=$(count 'listen[[:space:]]+443[[:space:]]+ssl;')
if [ -n "$tls_listen" ]; then
    expect_one 'listen[[:space:]]+443[[:space:]]+ssl;' "'listen 443 ssl;'"
    expect_one 'ssl_certificate[[:space:]]' "'ssl_certificate PATH;'"
    expect_one 'ssl_certificate_key[[:space:]]' "'ssl_certificate_key PATH;'"
elif [ "$tls_lines" != 0 ]; then
    fail "$conf has a TLS server ('listen 443 ssl;'): pass --tls-listen, --cert and --key"
fi

# render: the configuration on stdin with the changes listed at the top. The paths come
# through the environment, so no character in them needs escaping.
render() {
    UPSTREAM=$upstream LISTEN=$listen TLS_LISTEN=$tls_listen CERT=$cert KEY=$key \
    PARAMS=${server_params:+ $server_params} \
    awk -v f="$timeout_scale" '
        function indent() { match($0, /^[[:space:]]*/); return substr($0, 1, RLENGTH) }
        # One line per upstream port, each the shipped line with its address changed.
        $1 == "server" && $2 == "127.0.0.1:9980;" {
            n = split(ENVIRON["UPSTREAM"], ports, ",")
            for (i = 1; i <= n; i++) {
                line = $0
                sub(/127\.0\.0\.1:9980;/, "127.0.0.1:" ports[i] ENVIRON["PARAMS"] ";", line)
                print line
            }
            next
        }
        $1 == "listen" && $2 == "80;" { sub(/80;/, "127.0.0.1:" ENVIRON["LISTEN"] ";") }
        $1 == "listen" && $2 == "443" && $3 == "ssl;" { sub(/443 ssl;/, "127.0.0.1:" ENVIRON["TLS_LISTEN"] " ssl;") }
        $1 == "listen" && $2 ~ /^\[::\]:/ { next }
        $1 == "ssl_certificate" { print indent() "ssl_certificate " ENVIRON["CERT"] ";"; next }
        $1 == "ssl_certificate_key" { print indent() "ssl_certificate_key " ENVIRON["KEY"] ";"; next }
        # proxy_read_timeout / proxy_send_timeout N s, scaled (seconds, as shipped).
        f != 1 && $1 ~ /^proxy_(read|send)_timeout$/ && $2 ~ /^[0-9]+s;$/ {
            sub(/[0-9]+s;/, int($2 * 1000 * f) "ms;")
        }
        { print }'
}

render <"$conf" >"$dir/duet.conf" || exit 2
for snippet in $(sed -nE 's/^[[:space:]]*include[[:space:]]+(snippets\/[^;[:space:]]+);.*/\1/p' "$conf"); do
    [ -f "$conf_dir/$snippet" ] || fail "$conf includes $snippet, which is not in $conf_dir"
    render <"$conf_dir/$snippet" >"$dir/$snippet" || exit 2
done

# The main context is not part of the shipped files (they hold http-level blocks only):
# this is the stock Debian one cut down, with room for the test suites' hundreds of
# connections (each proxied WebSocket takes two).
cat >"$dir/nginx.conf" <<CONF
# Generated by tests/nginx/nginx_front.sh: a private nginx around $conf.
worker_processes 1;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log $access_log;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/duet.conf;
}
CONF

globals="daemon off; master_process on; pid $dir/nginx.pid; error_log $dir/error.log info;"
if [ "$check" = 1 ]; then
    exec "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -g "$globals" -t
fi
exec "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -g "$globals" </dev/null
