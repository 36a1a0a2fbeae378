#!/usr/bin/env bash
# pkilint (PyPI) on what `jeton ca` and `jeton server` hand out, end to end: the qualified
# signing certificate against ETSI's QCP-n-qscd eIDAS profile, the authentication
# certificate against NCP, the CA, responder and TSA certificates against RFC 5280, the
# issuing and root CRLs, and OCSP responses (good, revoked, never issued, with a nonce,
# malformedRequest), each clean at WARNING. pkilint does not check that the QcPDS holds an
# https URL with a language, nor that the OCSP URL in the AIA answers: both checked here.
# CI installs pkilint (.ci/pip-packages): its absence is a failure, not a skip.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" lint
for tool in lint_etsi_cert lint_pkix_cert lint_crl lint_ocsp_response; do
    command -v "$tool" >/dev/null || {
        echo "FAIL $tool is not on PATH: python3 -m pip install pkilint (.ci/run installs .ci/pip-packages)"
        exit 1
    }
done

# lint_clean TOOL ARGS...: pkilint exits 0 and reports nothing at the threshold given.
lint_clean() {
    local output
    output=$("$@" 2>&1) || { echo "$output"; echo "(exit status $?)"; return 1; }
    [[ -z ${output//[[:space:]]/} ]] || { echo "$output"; return 1; }
}

# The certificates name a public host (pkilint rightly calls 127.0.0.1 an internal name, an
# ERROR for ETSI); curl and openssl reach it on loopback, where the server listens, so the
# AIA and CRL DP URLs are fetched with the paths as written.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://pki.jeton.eu"
LOCAL="http://127.0.0.1:$PORT"
local_url() { printf '%s\n' "${1/#$BASE/$LOCAL}"; }
export BASE LOCAL
export -f local_url
provider_keys "$WORK" "lint-test passphrase"
export JETON_HOME="$WORK/home"
provider_toml --base-url "$BASE" '[[provider.pds]]' 'url = "https://pki.jeton.example/pds/fr.pdf"' \
    'language = "fr"' '[server]' "listen = \"127.0.0.1:$PORT\""

check "jeton ca init" provider_init
sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in root issuing ocsp tsa; do openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem"; done
cat "$WORK/issuing.pem" "$WORK/root.pem" >"$WORK/chain.pem"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/q.key" \
    -subj "/CN=ignored" -out "$WORK/q.csr" 2>/dev/null
openssl req -new -newkey rsa:3072 -nodes -keyout "$WORK/rsa.key" \
    -subj "/CN=ignored" -out "$WORK/rsa.csr" 2>/dev/null
check "jeton ca issue qualified-signing (P-256 CSR)" "$J" ca issue --profile qualified-signing \
    --csr "$WORK/q.csr" --out "$WORK/q.pem" "${KEYS[@]}" \
    --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont'
check "jeton ca issue qualified-signing with an employer (RSA 3072 CSR)" "$J" ca issue \
    --profile qualified-signing --csr "$WORK/rsa.csr" --out "$WORK/qo.pem" "${KEYS[@]}" \
    --subject 'C=FR,GN=Paul,SN=Martin,serialNumber=IDCFR-19AB12345,CN=Paul Martin,O=Exemple SA,organizationIdentifier=VATFR-12345678901'
check "jeton ca issue authentication" "$J" ca issue --profile authentication \
    --csr "$WORK/q.csr" --out "$WORK/a.pem" "${KEYS[@]}" \
    --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont'

for q in q qo; do
    check "lint_etsi_cert QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE: $q.pem clean at WARNING" lint_clean \
        lint_etsi_cert lint -t QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE -s WARNING "$WORK/$q.pem"
done
check "lint_etsi_cert NCP-NATURAL-PERSON-CERTIFICATE: the authentication certificate" lint_clean \
    lint_etsi_cert lint -t NCP-NATURAL-PERSON-CERTIFICATE -s WARNING "$WORK/a.pem"
for n in root issuing ocsp tsa; do
    check "lint_pkix_cert: the $n certificate clean at WARNING" lint_clean \
        lint_pkix_cert lint -s WARNING "$WORK/$n.pem"
done
# The linter is not silent by default: a certificate it must object to (a QC without QC
# statements, linted as one) draws findings.
check "lint_etsi_cert does object to the authentication certificate linted as QCP-n-qscd" \
    negate lint_clean lint_etsi_cert lint -t QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE -s WARNING "$WORK/a.pem"

# QcPDS (EN 319 412-5 §4.3.4): every PDS location the provider configured, https, with its
# language, in order, inside the qcStatements extension.
qc_pds() { # qc_pds CERT: prints "url language" per PdsLocation
    local offset
    offset=$(openssl asn1parse -in "$1" | grep -A2 ":qcStatements" | grep "OCTET STRING" | cut -d: -f1 | tr -d ' ')
    [[ -n $offset ]] || { echo "no qcStatements extension"; return 1; }
    openssl asn1parse -in "$1" -strparse "$offset" |
        awk '/OBJECT/ { pds = ($0 ~ /:0\.4\.0\.1862\.1\.5$/) }
             pds && /IA5STRING/ { sub(/.*IA5STRING *:/, ""); url = $0 }
             pds && /PRINTABLESTRING/ { sub(/.*PRINTABLESTRING *:/, ""); print url, $0 }'
}
export -f qc_pds
for q in q qo; do
    check "$q.pem: QcPDS holds both https PDS URLs with their languages" bash -c '
        out=$("$1" "$2") || { echo "$out"; exit 1; }
        expected=$(printf "%s\n" "https://pki.jeton.example/pds/en.pdf en" "https://pki.jeton.example/pds/fr.pdf fr")
        [[ $out == "$expected" ]] || { echo "got:"; echo "$out"; exit 1; }' _ qc_pds "$WORK/$q.pem"
done

# The AIA and CRL DP of every end-entity certificate point at this provider.
for c in q qo a; do
    check "$c.pem: AIA OCSP URL is $BASE/ocsp" bash -c \
        '[[ $(openssl x509 -in "$1" -noout -ocsp_uri) == "$2/ocsp" ]]' _ "$WORK/$c.pem" "$BASE"
    check "$c.pem: AIA caIssuers and CRL DP point at the issuing CA" bash -c '
        openssl x509 -in "$1" -noout -text >"$3" &&
        grep -q "CA Issuers - URI:$2/ca/issuing.crt" "$3" && grep -q "URI:$2/crl/issuing.crl" "$3"' \
        _ "$WORK/$c.pem" "$BASE" "$WORK/text"
done

SERIAL=$(openssl x509 -in "$WORK/qo.pem" -noout -serial | cut -d= -f2)
check "jeton ca revoke the employee's certificate (key compromise)" \
    "$J" ca revoke "$SERIAL" --reason key-compromise "${KEYS[@]}"
check "jeton ca crl (issuing, one revocation)" "$J" ca crl --out "$WORK/issuing.crl" "${KEYS[@]}"
check "jeton ca crl --ca root" "$J" ca crl --ca root --out "$WORK/root.crl" "${KEYS[@]}"
for crl in issuing root; do
    check "lint_crl -t CRL -p PKIX: the $crl CRL clean at WARNING" lint_clean \
        lint_crl lint -t CRL -p PKIX -s WARNING "$WORK/$crl.crl"
done

# The server, at the address written in the certificates.
check "jeton server starts on $LOCAL" server_start server

# Every URL the qualified certificate names is served: the issuer, the CRL, the responder.
check "the AIA caIssuers URL serves the issuing CA's certificate" bash -c '
    curl -sf -o "$3/aia.der" "$(local_url "$(openssl x509 -in "$1" -noout -text | sed -n "s/.*CA Issuers - URI://p")")" &&
    cmp "$3/aia.der" "$2"' _ "$WORK/q.pem" "$WORK/issuing.der" "$WORK"
check "the CRL DP URL serves a CRL that verifies" bash -c '
    url=$(openssl x509 -in "$1" -noout -text | grep -A3 "CRL Distribution" | sed -n "s/.*URI://p")
    curl -sf -o "$2/dp.crl" "$(local_url "$url")" &&
    openssl crl -inform DER -in "$2/dp.crl" -CAfile "$2/chain.pem" -noout 2>&1 | grep -q "verify OK"' \
    _ "$WORK/q.pem" "$WORK"
check "lint_crl: the CRL the server publishes clean at WARNING" lint_clean \
    lint_crl lint -t CRL -p PKIX -s WARNING "$WORK/dp.crl"
ocsp_from_aia() { # ocsp_from_aia CERT RESPONSE-FILE [OPTIONS...]: openssl ocsp at the AIA URL
    local cert=$1 out=$2
    shift 2
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$cert" \
        -url "$(local_url "$(openssl x509 -in "$cert" -noout -ocsp_uri)")" -header Host=pki.jeton.eu \
        -VAfile "$WORK/ocsp.pem" -respout "$out" "$@"
}
check "openssl ocsp at the certificate's own OCSP URL: good (pre-signed)" contains "q.pem: good" \
    ocsp_from_aia "$WORK/q.pem" "$WORK/good.ocsp" -no_nonce
check "  ... revoked (pre-signed)" contains "qo.pem: revoked" \
    ocsp_from_aia "$WORK/qo.pem" "$WORK/revoked.ocsp" -no_nonce
check "  ... good with a nonce (signed live)" contains "q.pem: good" \
    ocsp_from_aia "$WORK/q.pem" "$WORK/nonce.ocsp"
check "  ... a never-issued serial: revoked (extended revoke)" contains ": revoked" \
    openssl ocsp -issuer "$WORK/issuing.pem" -serial 0x1234567890ABCDEF -url "$LOCAL/ocsp" \
    -VAfile "$WORK/ocsp.pem" -no_nonce -respout "$WORK/unknown.ocsp"
head -c 100 /dev/urandom >"$WORK/random"
curl -s -o "$WORK/malformed.ocsp" --data-binary @"$WORK/random" \
    -H "Content-Type: application/ocsp-request" "$LOCAL/ocsp"
for r in good revoked nonce unknown malformed; do
    check "lint_ocsp_response: the $r response clean at WARNING" lint_clean \
        lint_ocsp_response lint -s WARNING "$WORK/$r.ocsp"
done

finish
