#!/usr/bin/env bash
# The provider's records as `jeton server` publishes them: a revocation with a suspected
# earlier compromise answers with its invalidityDate in OCSP (live and pre-signed) and on
# the CRL; GET /audit/head serves the latest signed head, the revocation's own, which is the
# last line of audit-heads.log and verifies with openssl and the audit public key; the
# server's own CRL entries, which it cannot sign, are reported as unsigned.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" records

provider_keys "$WORK" "records-test passphrase"
export JETON_HOME="$WORK/home"
provider_toml '[server]' 'listen = "127.0.0.1:0"' 'crl_interval_secs = 2' 'crl_validity_secs = 3600' \
    'poll_interval_ms = 100'
check "jeton ca init" provider_init
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/lost.key" 2>/dev/null
openssl pkey -in "$WORK/lost.key" -pubout -out "$WORK/lost.pub"
check "jeton ca issue" "$J" ca issue --profile qualified-signing --public-key "$WORK/lost.pub" \
    --subject "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont" \
    --out "$WORK/lost.pem" "${KEYS[@]}"
SERIAL=$(openssl x509 -in "$WORK/lost.pem" -noout -serial | cut -d= -f2)

check "jeton server starts" server_start server
for ca in issuing ocsp; do
    curl -sf -o "$WORK/$ca.der" "$URL/ca/$ca.crt" && openssl x509 -inform DER -in "$WORK/$ca.der" -out "$WORK/$ca.pem"
done

COMPROMISE=$(($(date +%s) - 3 * 3600))
check "jeton ca revoke with the suspected compromise three hours ago" contains "revoked \(key-compromise\)" \
    "$J" --lang en ca revoke "$SERIAL" --reason key-compromise --invalidity-date "@$COMPROMISE" "${KEYS[@]}"
ocsp() {
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/lost.pem" -url "$URL/ocsp" \
        -VAfile "$WORK/ocsp.pem" -resp_text "$@" 2>&1
}
ocsp_has_invalidity() {
    local out
    out=$(ocsp "$@")
    echo "$out"
    grep -q "lost.pem: revoked" <<<"$out" && grep -q "Invalidity Date" <<<"$out"
}
check "OCSP (live, with a nonce) answers revoked with its invalidity date" wait_for 5 ocsp_has_invalidity
check "OCSP (pre-signed, no nonce) too" wait_for 5 ocsp_has_invalidity -no_nonce
crl_has_invalidity() {
    curl -sf -o "$WORK/issuing.crl" "$URL/crl/issuing.crl" &&
        openssl crl -inform DER -in "$WORK/issuing.crl" -noout -text >"$WORK/crl.txt" &&
        grep -A6 "$SERIAL" "$WORK/crl.txt" | grep -q "Invalidity Date"
}
# Within 10 s; what the last CRL said otherwise.
crl_carries_invalidity() {
    wait_for 10 crl_has_invalidity || { cat "$WORK/crl.txt"; return 1; }
}
check "the CRL the server publishes carries it" crl_carries_invalidity
# The revocation signed the head at once: the server publishes it, as the file archives it.
HEADS="$JETON_HOME/provider/audit-heads.log"
check "GET /audit/head is JSON, never cached" bash -c \
    'curl -sf -D "$1/h" -o "$1/head.json" "$2/audit/head" && grep -qi "^content-type: application/json" "$1/h" &&
     grep -qi "^cache-control: no-store" "$1/h"' _ "$WORK" "$URL"
check "... it is the revocation's entry" bash -c \
    '[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"seq\"])" "$1/head.json")" = \
       "$(sqlite3 "$2" "SELECT max(seq) FROM audit_log WHERE kind = '"'"'revocation'"'"'")" ]' \
    _ "$WORK" "$JETON_HOME/provider/tsp.sqlite"
check "... and the last line of audit-heads.log" bash -c \
    'cmp <(tail -n 1 "$1") "$2/head.json"' _ "$HEADS" "$WORK"
check "... which openssl verifies with the audit public key" bash -c '
    python3 -c "import json, sys; h = json.load(open(sys.argv[1]))
open(sys.argv[2], \"wb\").write(bytes.fromhex(h[\"signed_message\"]))
open(sys.argv[3], \"wb\").write(bytes.fromhex(h[\"signature\"]))" "$1/head.json" "$1/msg" "$1/sig" &&
    openssl dgst -sha256 -verify "$2" -signature "$1/sig" "$1/msg"' _ "$WORK" "$JETON_HOME/provider/audit-key.pub.pem"
check "jeton audit verify: intact, checked against the archive" contains "Checked against the [0-9]+ signed head" \
    "$J" --lang en audit verify
# The CRLs the server published since are chained but not signed (it holds no audit key).
check "... and the server's CRL entries after the last signed head are reported unsigned" \
    contains "Unsigned: entries [0-9]+ to [0-9]+ come after the last signed head" "$J" --lang en audit verify
check "... by range in --json" contains '"unsigned": \{' "$J" audit verify --json

finish
