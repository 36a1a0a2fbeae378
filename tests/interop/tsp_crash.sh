#!/usr/bin/env bash
# Crashes around a revocation, on SQLite and (when JETON_TEST_POSTGRES_URL names a server,
# as .ci/run sets it) on PostgreSQL:
#  - `jeton server` killed with SIGKILL the moment `jeton ca revoke` has acknowledged: once
#    restarted, its first OCSP answers (signed live and pre-signed) say "revoked", and its
#    CRL lists the certificate;
#  - `jeton ca revoke` itself killed with SIGKILL at random instants while a server runs:
#    whenever it had printed its acknowledgement the revocation is there (in the store, over
#    OCSP); a revocation in the store always has its audit entry; the database stays sound
#    (SQLite's integrity_check) and `jeton audit verify` passes after every kill; a kill
#    before the acknowledgement leaves a certificate that can still be revoked.
# Bounded loops only; everything on loopback.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" crash

provider_keys "$WORK" "crash-test passphrase"
SERVER_KILLS=4
REVOKE_KILLS=12

# provider [STORAGE TOML]: $JETON_HOME's settings; a CRL every second at most.
provider() {
    provider_toml "$@" '[server]' 'listen = "127.0.0.1:0"' 'crl_interval_secs = 1' \
        'crl_validity_secs = 3600' 'poll_interval_ms = 100'
}

# start_server: `jeton server` for $JETON_HOME in the background; sets PID and PORT.
start_server() {
    server_start server || { echo "FAIL the server did not start"; exit 1; }
}

kill_server() { server_stop server KILL 2>/dev/null; }

# ocsp NAME [OPTIONS...]: openssl ocsp for $WORK/NAME.pem against the running server.
ocsp() {
    local name=$1
    shift
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/$name.pem" \
        -url "http://127.0.0.1:$PORT/ocsp" -VAfile "$WORK/ocsp.pem" "$@" 2>&1
}
is_revoked() { ocsp "$@" | grep -q "$1.pem: revoked"; }
is_good() { ocsp "$@" | grep -q "$1.pem: good"; }

issue() { # issue NAME: $WORK/NAME.pem, its serial in $WORK/NAME.serial
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/$1.key" 2>/dev/null &&
        openssl pkey -in "$WORK/$1.key" -pubout -out "$WORK/$1.pub" &&
        "$J" ca issue --profile qualified-signing --public-key "$WORK/$1.pub" \
            --subject "C=FR,GN=Jeanne,SN=$1,serialNumber=PNOFR-18507751$RANDOM,CN=Jeanne $1" \
            --out "$WORK/$1.pem" "${KEYS[@]}" >"$WORK/issue.log" 2>&1 &&
        openssl x509 -in "$WORK/$1.pem" -noout -serial | sed 's/serial=//' >"$WORK/$1.serial"
}

# sql QUERY: runs a query on the provider's database, one value per line.
sql() {
    if [[ -n $PG_URL ]]; then
        psql -qAt "$PG_URL" -c "$1"
    else
        # The server may hold the write lock for a moment (a CRL, a refresh): wait for it.
        sqlite3 -cmd ".timeout 5000" "$JETON_HOME/provider/tsp.sqlite" "$1"
    fi
}

# store_revoked NAME: the store holds a revocation of NAME's serial.
store_revoked() {
    [[ $(sql "SELECT count(*) FROM revocations WHERE upper(serial) = upper('$(cat "$WORK/$1.serial")')") == 1 ]]
}
acked_in_store() { # acked_in_store NAME: store_revoked, or what jeton ca revoke said
    store_revoked "$1" && return
    echo "$(cat "$WORK/$1.serial") is not in the store; jeton ca revoke said:"
    cat "$WORK/revoke.out"
    echo "the store's revocations:"
    sql "SELECT id, serial, revoked_at FROM revocations ORDER BY id"
    return 1
}

# sound: the database passes its own check, every revocation has its audit entry, and
# jeton audit verify passes.
sound() {
    if [[ -z $PG_URL ]]; then
        local integrity
        integrity=$(sql "PRAGMA integrity_check")
        [[ $integrity == ok ]] || { echo "integrity_check: $integrity"; return 1; }
    fi
    local serial details
    details=$(sql "SELECT details FROM audit_log WHERE kind = 'revocation'")
    while read -r serial; do
        [[ -z $serial ]] && continue
        grep -qi "$serial" <<<"$details" || { echo "revocation of $serial has no audit entry"; return 1; }
    done < <(sql "SELECT serial FROM revocations")
    local verdict
    verdict=$("$J" --lang en audit verify 2>&1) && grep -q "Audit log intact" <<<"$verdict" ||
        { echo "$verdict"; return 1; }
}

crl_lists() { # crl_lists NAME: the CRL the server publishes now lists NAME's serial
    curl -sf -o "$WORK/crl.der" "http://127.0.0.1:$PORT/crl/issuing.crl" &&
        openssl crl -inform DER -in "$WORK/crl.der" -noout -text 2>/dev/null |
        grep -qi "Serial Number: $(cat "$WORK/$1.serial")"
}

# scenario LABEL: both crash tests on the provider in $JETON_HOME.
scenario() {
    local label=$1 i name
    check "$label: jeton ca init" provider_init
    for ((i = 1; i <= SERVER_KILLS; i++)); do
        check "$label: jeton ca issue s$i" issue "s$i"
    done
    for ((i = 0; i <= REVOKE_KILLS; i++)); do
        issue "r$i" || { check "$label: jeton ca issue r$i" bash -c 'cat "$1"; false' _ "$WORK/issue.log"; return; }
    done
    start_server
    curl -sf -o "$WORK/issuing.der" "http://127.0.0.1:$PORT/ca/issuing.crt" &&
        openssl x509 -inform DER -in "$WORK/issuing.der" -out "$WORK/issuing.pem"
    curl -sf -o "$WORK/ocsp.der" "http://127.0.0.1:$PORT/ca/ocsp.crt" &&
        openssl x509 -inform DER -in "$WORK/ocsp.der" -out "$WORK/ocsp.pem"

    # The server dies right after the acknowledgement; restarted, it knows at once.
    for ((i = 1; i <= SERVER_KILLS; i++)); do
        name="s$i"
        check "$label #$i: $name is good before" is_good "$name" -no_nonce
        "$J" --lang en ca revoke "$(cat "$WORK/$name.serial")" --reason key-compromise \
            "${KEYS[@]}" >"$WORK/revoke.out" 2>&1
        local status=$?
        kill_server
        check "$label #$i: jeton ca revoke acknowledged (the server then got SIGKILL)" bash -c \
            'cat "$2"; (($1 == 0)) && grep -q revoked "$2"' _ "$status" "$WORK/revoke.out"
        start_server
        check "$label #$i: restarted, its first answer with a nonce is revoked" is_revoked "$name"
        check "$label #$i: ... and the pre-signed one too" is_revoked "$name" -no_nonce
        check "$label #$i: ... and its CRL lists it" wait_for 5 crl_lists "$name"
    done
    check "$label: the other certificates are still good" is_good "r1" -no_nonce

    # jeton ca revoke killed at random instants, the server running throughout: up to a third
    # beyond the time a whole revocation takes here (starting `sleep` adds a few ms), so that
    # kills land before the database is open, inside the transaction and after the
    # acknowledgement.
    local start took acked=0 unacked=0 stored_unacked=0
    start=$(date +%s%N)
    "$J" --lang en ca revoke "$(cat "$WORK/r0.serial")" --reason key-compromise "${KEYS[@]}" >/dev/null 2>&1
    took=$((($(date +%s%N) - start) / 1000000 + 1))
    echo "     jeton ca revoke takes ${took} ms here: kills up to $((took * 4 / 3)) ms after the start"
    for ((i = 1; i <= REVOKE_KILLS; i++)); do
        name="r$i"
        "$J" --lang en ca revoke "$(cat "$WORK/$name.serial")" --reason key-compromise \
            "${KEYS[@]}" >"$WORK/revoke.out" 2>&1 &
        local revoker=$!
        local ms=$((RANDOM % (took * 4 / 3 + 1)))
        sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
        kill -KILL "$revoker" 2>/dev/null
        wait "$revoker" 2>/dev/null
        if grep -q "Certificate $(cat "$WORK/$name.serial") revoked" "$WORK/revoke.out"; then
            acked=$((acked + 1))
            check "$label kill #$i: acknowledged, so in the store" acked_in_store "$name"
            check "$label kill #$i: acknowledged, so OCSP says revoked within a second" \
                wait_for 1 is_revoked "$name" -no_nonce
        else
            # What it said before dying, if anything, for the record.
            cat -v "$WORK/revoke.out" | sed 's/^/     | /'
            unacked=$((unacked + 1))
            if store_revoked "$name"; then
                stored_unacked=$((stored_unacked + 1))
                check "$label kill #$i: committed before the kill, so OCSP says revoked" \
                    wait_for 1 is_revoked "$name" -no_nonce
            else
                check "$label kill #$i: not committed, so still good" is_good "$name" -no_nonce
                check "$label kill #$i: ... and it can be revoked now" bash -c \
                    '"$1" --lang en ca revoke "$2" --reason key-compromise "${@:3}" 2>&1 | grep -q revoked' \
                    _ "$J" "$(cat "$WORK/$name.serial")" "${KEYS[@]}"
                check "$label kill #$i: ... OCSP says revoked within a second" \
                    wait_for 1 is_revoked "$name" -no_nonce
            fi
        fi
        check "$label kill #$i: the database and the audit log are sound" sound
    done
    echo "     $acked kills after the acknowledgement, $unacked before ($stored_unacked of them after the commit)"
    check "$label: the server survived it all" contains "^ok" curl -sf "http://127.0.0.1:$PORT/healthz"
    kill_server
}

PG_URL=
export JETON_HOME="$WORK/sqlite"
provider
scenario sqlite

if [[ -z ${JETON_TEST_POSTGRES_URL:-} ]]; then
    echo "skip the same on PostgreSQL: JETON_TEST_POSTGRES_URL is not set (.ci/run sets it)"
else
    PG_URL=$(pg_database crash) || exit 1
    export JETON_HOME="$WORK/postgres"
    provider '[storage]' "url = \"$PG_URL\""
    scenario postgres
fi

finish
