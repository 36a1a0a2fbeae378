# The provider's set-up shared by the tsp_*.sh interop scripts and the benchmarks in bench/:
# a work folder, the fixture tests/fixtures/provider.toml, `jeton ca init` with one
# passphrase per key role, and `jeton server` started, waited for and stopped by PID.
#
#     source "$HERE/tsp_common.bash" LABEL    # WORK=/tmp/jeton-LABEL.XXXXXX, removed on exit
#     provider_keys "$WORK" "LABEL passphrase"   # KEYS (provider_keys.bash)
#     export JETON_HOME="$WORK/home"
#     provider_toml '[server]' 'listen = "127.0.0.1:0"'
#     check "jeton ca init" provider_init
#     check "jeton server starts" server_start server     # PID, URL, PORT (and PID_server...)
#     server_stop server                                   # its exit status
#
# J is the jeton to run: set it before sourcing (the benchmarks use the release build), or
# JETON, or target/debug/jeton. On exit every process in PIDS is stopped (SIGTERM, SIGKILL
# after 5 s: a cleanup never hangs) and every database pg_database made is dropped.

TSP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
J=${J:-${JETON:-$TSP_ROOT/target/debug/jeton}}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jeton-${1:-tsp}.XXXXXX")
PIDS=()
# Only what the fixture and each script say configures the provider.
unset JETON_DATABASE_URL JETON_PROVIDER_BASE_URL JETON_PROVIDER_POLICY

tsp_cleanup() {
    local i pid n db
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for ((n = 0; n < 50; n++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [[ -s $WORK/pgdbs ]]; then
        while read -r db; do
            psql -q "$JETON_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
        done <"$WORK/pgdbs"
    fi
    rm -rf "$WORK"
}
trap tsp_cleanup EXIT

source "$TSP_ROOT/tests/interop/checks.bash"
source "$TSP_ROOT/tests/interop/provider_keys.bash"
[[ -x $J ]] || { echo "build jeton first (cargo build --workspace --all-features)"; exit 1; }

# provider_toml [--base-url URL] [LINE...]: $JETON_HOME/provider.toml, the fixture then each
# LINE (a line or several: a [server] table, a [storage] one, more [[provider.pds]]).
provider_toml() {
    local base_url=
    if [[ ${1:-} == --base-url ]]; then
        base_url=$2
        shift 2
    fi
    mkdir -p "$JETON_HOME"
    {
        if [[ -n $base_url ]]; then
            sed "s|^base_url = .*|base_url = \"$base_url\"|" "$TSP_ROOT/tests/fixtures/provider.toml"
        else
            cat "$TSP_ROOT/tests/fixtures/provider.toml"
        fi
        (($# == 0)) || printf '%s\n' "$@"
    } >"$JETON_HOME/provider.toml"
}

# provider_init [OPTIONS...]: `jeton ca init` for $JETON_HOME with the KEYS secrets.
provider_init() {
    "$J" --lang en ca init "${KEYS[@]}" "$@" </dev/null
}

# pg_database LABEL: a fresh PostgreSQL database on $JETON_TEST_POSTGRES_URL's server,
# dropped on exit; prints its URL.
pg_database() {
    local db="jeton_$1_$$_$RANDOM"
    psql -q "$JETON_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" >/dev/null || return 1
    echo "$db" >>"$WORK/pgdbs"
    echo "${JETON_TEST_POSTGRES_URL%/*}/$db"
}

# server_start [--wait SECONDS] [--ready PATTERN] [--nofile N] NAME [OPTIONS...]:
# `jeton server OPTIONS... KEYS` for $JETON_HOME in the background, its output in
# $WORK/NAME.out, its log added to $WORK/NAME.log; returns once it says where it listens
# (and, with --ready, once its log matches PATTERN), or fails with the log's tail when it
# dies or SECONDS (30) pass. --nofile runs it under `ulimit -n N`, soft and hard. Sets PID,
# URL and PORT, and PID_NAME, URL_NAME and PORT_NAME.
server_start() {
    local wait=30 ready= nofile=
    while [[ ${1:-} == --* ]]; do
        case $1 in
        --wait) wait=$2 ;;
        --ready) ready=$2 ;;
        --nofile) nofile=$2 ;;
        *) echo "server_start: unknown option $1"; return 2 ;;
        esac
        shift 2
    done
    local name=$1 out="$WORK/$1.out" log="$WORK/$1.log"
    shift
    : >"$out"
    if [[ -n $nofile ]]; then
        (ulimit -n "$nofile" && exec "$J" --lang en server "$@" "${KEYS[@]}") </dev/null >"$out" 2>>"$log" &
    else
        "$J" --lang en server "$@" "${KEYS[@]}" </dev/null >"$out" 2>>"$log" &
    fi
    PID=$!
    PIDS+=("$PID")
    printf -v "PID_$name" %s "$PID"
    local deadline=$(($(date +%s) + wait))
    until grep -q "listening on" "$out" 2>/dev/null &&
        { [[ -z $ready ]] || grep -q -- "$ready" "$log" 2>/dev/null; }; do
        if ! kill -0 "$PID" 2>/dev/null || (($(date +%s) >= deadline)); then
            if kill -0 "$PID" 2>/dev/null; then
                echo "jeton server ($name) not ready after $wait s:"
            else
                echo "jeton server ($name) exited:"
            fi
            sed 's/^/     | /' "$log" | tail -20
            return 1
        fi
        sleep 0.1
    done
    URL=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$out")
    PORT=${URL##*:}
    printf -v "URL_$name" %s "$URL"
    printf -v "PORT_$name" %s "$PORT"
}

# server_stop [NAME [SIGNAL]]: sends SIGNAL (TERM) to server NAME (the last started) and
# waits for it; returns its exit status.
server_stop() {
    local pid=$PID
    [[ -n ${1:-} ]] && { local var="PID_$1"; pid=${!var}; }
    kill -"${2:-TERM}" "$pid" 2>/dev/null
    wait "$pid"
    local status=$? i
    for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$pid" ]] && unset 'PIDS[i]'; done
    PIDS=("${PIDS[@]}")
    return "$status"
}
