#!/usr/bin/env bash
# `jeton server` with real clients: openssl ocsp (POST, with and without a nonce, -VAfile and
# -CAfile), curl for the GET form and its caching headers, openssl ts for time-stamps, and
# openssl crl for the CRL a revocation brings within seconds. Then bad input, a revocation
# dated in the future, a clean stop on SIGTERM; and, when JETON_TEST_POSTGRES_URL names a
# PostgreSQL server, two servers on one database that both answer "revoked" within a second
# of a revocation made through the store.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" server

provider_keys "$WORK" "server-test passphrase"

# provider [EXTRA TOML]: $JETON_HOME's settings; a CRL every 2 s at most.
provider() {
    provider_toml "$@" '[server]' 'listen = "127.0.0.1:0"' 'crl_interval_secs = 2' \
        'crl_validity_secs = 3600' 'poll_interval_ms = 100'
}

# start_server NAME: `jeton server` for $JETON_HOME; sets PORT_<NAME> and PID_<NAME>.
start_server() {
    server_start "$1" || { echo "FAIL $1 did not start"; exit 1; }
}

# ocsp PORT CERT [OPTIONS...]: openssl ocsp against the server, the responder trusted by -VAfile.
ocsp() {
    local port=$1 cert=$2
    shift 2
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$cert" -url "http://127.0.0.1:$port/ocsp" \
        -VAfile "$WORK/ocsp.pem" "$@"
}

export JETON_HOME="$WORK/home"
provider
check "jeton ca init" provider_init

# Holders' certificates from public keys made by openssl.
issue() { # issue NAME: $WORK/NAME.pem, its serial in $WORK/NAME.serial
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/$1.key" 2>/dev/null &&
        openssl pkey -in "$WORK/$1.key" -pubout -out "$WORK/$1.pub" &&
        "$J" ca issue --profile qualified-signing --public-key "$WORK/$1.pub" \
            --subject "C=FR,GN=Jeanne,SN=$1,serialNumber=PNOFR-18507751234$RANDOM,CN=Jeanne $1" \
            --out "$WORK/$1.pem" "${KEYS[@]}" &&
        openssl x509 -in "$WORK/$1.pem" -noout -serial | sed 's/serial=//' >"$WORK/$1.serial"
}
for holder in good lost leaving; do
    check "jeton ca issue ($holder)" issue "$holder"
done

start_server one
URL="http://127.0.0.1:$PORT_one"
echo "     server on $URL"

check "GET /healthz" contains "^ok" curl -sf "$URL/healthz"
for ca in root issuing ocsp tsa; do
    check "GET /ca/$ca.crt is application/pkix-cert" bash -c '
        curl -sf -D "$3/h" -o "$3/$1.der" "$2/ca/$1.crt" &&
        grep -qi "^content-type: application/pkix-cert" "$3/h" &&
        openssl x509 -inform DER -in "$3/$1.der" -out "$3/$1.pem"' _ "$ca" "$URL" "$WORK"
done
cat "$WORK/issuing.pem" "$WORK/root.pem" >"$WORK/chain.pem"
cat "$WORK/issuing.pem" "$WORK/tsa.pem" >"$WORK/untrusted.pem"

# OCSP by POST: good, with the nonce openssl sends by default, without it, and verified
# through the chain instead of -VAfile.
check "openssl ocsp: good (nonce, -VAfile)" contains "good.pem: good" \
    ocsp "$PORT_one" "$WORK/good.pem"
check "openssl ocsp: good (-no_nonce)" contains "good.pem: good" \
    ocsp "$PORT_one" "$WORK/good.pem" -no_nonce
check "openssl ocsp: good (-CAfile chain)" contains "Response verify OK" \
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/good.pem" -url "$URL/ocsp" \
    -CAfile "$WORK/chain.pem"
check "openssl ocsp: a never-issued serial is not good" bash -c '
    out=$(openssl ocsp -issuer "$1/issuing.pem" -serial 0x1234567890ABCDEF -url "$2/ocsp" \
        -VAfile "$1/ocsp.pem" -no_nonce 2>&1) || { echo "$out"; exit 1; }
    echo "$out"; grep -q "0x1234567890ABCDEF: revoked" <<<"$out"' _ "$WORK" "$URL"

# The same request by GET (RFC 6960 A.1), with the RFC 5019 caching headers.
openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/good.pem" -no_nonce -reqout "$WORK/req.der" >/dev/null 2>&1
GETPATH=$(base64 -w0 "$WORK/req.der" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
check "GET /ocsp/{request} with curl: good, verified by openssl" bash -c '
    curl -sf -D "$3/get.h" -o "$3/get.der" "$1/ocsp/$2" &&
    openssl ocsp -respin "$3/get.der" -issuer "$3/issuing.pem" -cert "$3/good.pem" \
        -VAfile "$3/ocsp.pem" -no_nonce 2>&1 | grep -q "good.pem: good"' _ "$URL" "$GETPATH" "$WORK"
check "  ... with Content-Type, Cache-Control max-age, Last-Modified, Expires, ETag" bash -c '
    for h in "content-type: application/ocsp-response" "cache-control: max-age=[1-9]" \
             "last-modified: " "expires: " "etag: "; do
        grep -qiE "^$h" "$1" || { cat "$1"; echo "(missing: $h)"; exit 1; }
    done' _ "$WORK/get.h"
check "  ... and If-None-Match gets 304" bash -c '
    etag=$(grep -i "^etag:" "$2" | cut -d" " -f2 | tr -d "\r")
    [[ $(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $etag" "$1") == 304 ]]' \
    _ "$URL/ocsp/$GETPATH" "$WORK/get.h"

# Time-stamps: openssl ts -query | curl | openssl ts -verify; a tampered reply fails.
head -c 5000 /dev/urandom >"$WORK/document"
check "openssl ts: a time-stamp over HTTP verifies" bash -c '
    openssl ts -query -data "$2/document" -sha256 -cert -out "$2/q.tsq" &&
    curl -sf --data-binary @"$2/q.tsq" -H "Content-Type: application/timestamp-query" \
        -D "$2/tsa.h" "$1/tsa" >"$2/r.tsr" &&
    grep -qi "^content-type: application/timestamp-reply" "$2/tsa.h" &&
    openssl ts -verify -in "$2/r.tsr" -queryfile "$2/q.tsq" -CAfile "$2/root.pem" \
        -untrusted "$2/untrusted.pem"' _ "$URL" "$WORK"
check "  ... a tampered reply fails openssl ts -verify" bash -c '
    size=$(stat -c %s "$1/r.tsr")
    cp "$1/r.tsr" "$1/bad.tsr"
    printf "\\xff" | dd of="$1/bad.tsr" bs=1 seek=$((size - 90)) conv=notrunc 2>/dev/null
    ! openssl ts -verify -in "$1/bad.tsr" -queryfile "$1/q.tsq" -CAfile "$1/root.pem" \
        -untrusted "$1/untrusted.pem"' _ "$WORK"

# The CRL over HTTP: published at start, verified by openssl.
crl_lists() { # crl_lists SERIAL: the CRL fetched now verifies and lists SERIAL
    curl -sf -o "$WORK/crl.der" "$URL/crl/issuing.crl" &&
        openssl crl -inform DER -in "$WORK/crl.der" -CAfile "$WORK/chain.pem" -verify -noout -text \
            >"$WORK/crl.txt" 2>&1 &&
        grep -q "verify OK" "$WORK/crl.txt" && grep -qi "Serial Number: $1" "$WORK/crl.txt"
}
check "GET /crl/issuing.crl verifies (openssl crl -verify)" bash -c '
    curl -sf -D "$2/crl.h" -o "$2/crl.der" "$1/crl/issuing.crl" &&
    grep -qi "^content-type: application/pkix-crl" "$2/crl.h" &&
    openssl crl -inform DER -in "$2/crl.der" -CAfile "$2/chain.pem" -verify -noout' _ "$URL" "$WORK"

# Revocation: OCSP says "revoked" within a second, the CRL lists it within seconds.
LOST=$(cat "$WORK/lost.serial")
check "openssl ocsp: lost is good before" contains "lost.pem: good" ocsp "$PORT_one" "$WORK/lost.pem"
check "jeton ca revoke (key compromise)" \
    "$J" ca revoke "$LOST" --reason key-compromise "${KEYS[@]}"
revoked_now() { ocsp "$1" "$2" "${@:3}" 2>&1 | grep -q "$(basename "$2"): revoked"; }
REVOKED_AT=$(date +%s%N)
check "OCSP answers revoked within a second (nonce: signed live)" \
    wait_for 1 revoked_now "$PORT_one" "$WORK/lost.pem"
check "  ... and without a nonce (the pre-signed answer replaced)" \
    wait_for 1 revoked_now "$PORT_one" "$WORK/lost.pem" -no_nonce
echo "     pre-signed answer revoked $((($(date +%s%N) - REVOKED_AT) / 1000000)) ms after jeton ca revoke returned"
check "  ... with the reason" contains "Reason: keyCompromise" \
    ocsp "$PORT_one" "$WORK/lost.pem" -no_nonce -resp_text
check "the CRL over HTTP lists it within the CRL interval" wait_for 10 crl_lists "$LOST"
check "good is still good" contains "good.pem: good" ocsp "$PORT_one" "$WORK/good.pem" -no_nonce

# A revocation dated in the future (the leaving date) takes effect at its time.
LEAVING=$(cat "$WORK/leaving.serial")
AT=$(($(date +%s) + 4))
check "jeton ca revoke --at (4 s from now)" \
    "$J" ca revoke "$LEAVING" --reason affiliation-changed --at "@$AT" "${KEYS[@]}"
check "  ... good before its time" contains "leaving.pem: good" \
    ocsp "$PORT_one" "$WORK/leaving.pem" -no_nonce
check "  ... revoked from its time on" wait_for 8 revoked_now "$PORT_one" "$WORK/leaving.pem" -no_nonce
check "  ... and on the CRL" wait_for 10 crl_lists "$LEAVING"

# Bad input: the protocol's error in a 4xx, and the server keeps serving.
status_of() { curl -s -o "$WORK/bad.out" -w "%{http_code}" "$@"; }
head -c 300 /dev/urandom >"$WORK/random"
head -c 70000 /dev/zero >"$WORK/big"
check "random bytes into /ocsp: 400 malformedRequest" bash -c '
    [[ $(curl -s -o "$2/bad.out" -w "%{http_code}" --data-binary @"$2/random" \
        -H "Content-Type: application/ocsp-request" "$1/ocsp") == 400 ]] &&
    [[ $(od -An -tx1 "$2/bad.out" | tr -d " \n") == 30030a0101 ]]' _ "$URL" "$WORK"
check "truncated DER into /ocsp: 400" bash -c '
    head -c 40 "$2/req.der" >"$2/trunc" &&
    [[ $(curl -s -o /dev/null -w "%{http_code}" --data-binary @"$2/trunc" \
        -H "Content-Type: application/ocsp-request" "$1/ocsp") == 400 ]]' _ "$URL" "$WORK"
check "an oversized body into /ocsp: 413" bash -c '
    [[ $(curl -s -o /dev/null -w "%{http_code}" --data-binary @"$2/big" \
        -H "Content-Type: application/ocsp-request" "$1/ocsp") == 413 ]]' _ "$URL" "$WORK"
check "random bytes into /tsa: 400 with a rejection" bash -c '
    [[ $(curl -s -o "$2/bad.tsr" -w "%{http_code}" --data-binary @"$2/random" \
        -H "Content-Type: application/timestamp-query" "$1/tsa") == 400 ]] &&
    openssl ts -reply -in "$2/bad.tsr" -text 2>&1 | grep -q "Status: Rejected"' _ "$URL" "$WORK"
check "the wrong content type into /tsa: 415" bash -c '
    [[ $(curl -s -o /dev/null -w "%{http_code}" --data-binary @"$2/q.tsq" \
        -H "Content-Type: text/plain" "$1/tsa") == 415 ]]' _ "$URL" "$WORK"
check "still serving after all that" contains "good.pem: good" ocsp "$PORT_one" "$WORK/good.pem"

# A bounded burst of pre-signed GETs on one keep-alive connection, timed.
check "200 pre-signed GETs on one connection" bash -c '
    urls=(); for _ in $(seq 200); do urls+=("$1"); done
    start=$(date +%s%N)
    curl -sf -o /dev/null "${urls[@]}" || exit 1
    ms=$((($(date +%s%N) - start) / 1000000))
    echo "     200 GETs in ${ms} ms" >&2' _ "$URL/ocsp/$GETPATH"
grep -h "GETs in" "$WORK/out" 2>/dev/null

check "SIGTERM stops the server cleanly" bash -c 'kill -TERM "$1" && for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || exit 0; sleep 0.1; done; exit 1' _ "$PID_one"
wait "$PID_one"
check "  ... with exit status 0" test $? -eq 0

# Two servers on one PostgreSQL: a revocation through the store reaches both within a second.
if [[ -z ${JETON_TEST_POSTGRES_URL:-} ]]; then
    echo "skip two servers on one PostgreSQL: JETON_TEST_POSTGRES_URL is not set (.ci/run sets it)"
else
    PG_URL=$(pg_database server) || exit 1
    export JETON_HOME="$WORK/pg"
    provider '[storage]' "url = \"$PG_URL\""
    check "postgres: jeton ca init" provider_init
    check "postgres: jeton ca issue" issue pg
    start_server a
    start_server b
    curl -sf -o "$WORK/issuing.der" "http://127.0.0.1:$PORT_a/ca/issuing.crt" &&
        openssl x509 -inform DER -in "$WORK/issuing.der" -out "$WORK/issuing.pem"
    curl -sf -o "$WORK/ocsp.der" "http://127.0.0.1:$PORT_a/ca/ocsp.crt" &&
        openssl x509 -inform DER -in "$WORK/ocsp.der" -out "$WORK/ocsp.pem"
    check "postgres: server a says good" contains "pg.pem: good" ocsp "$PORT_a" "$WORK/pg.pem" -no_nonce
    check "postgres: server b says good" contains "pg.pem: good" ocsp "$PORT_b" "$WORK/pg.pem" -no_nonce
    check "postgres: jeton ca revoke" "$J" ca revoke "$(cat "$WORK/pg.serial")" \
        --reason key-compromise "${KEYS[@]}"
    check "postgres: server a answers revoked within a second" \
        wait_for 1 revoked_now "$PORT_a" "$WORK/pg.pem" -no_nonce
    check "postgres: server b answers revoked within a second" \
        wait_for 1 revoked_now "$PORT_b" "$WORK/pg.pem" -no_nonce
fi

finish
