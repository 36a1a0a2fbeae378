#!/usr/bin/env bash
# The provider's CA keys on a Jeton token through Jeton's own PKCS#11 module, as issue 5
# asks once the module exists: `jeton ca init --pkcs11` generates the root, issuing CA,
# OCSP, TSA and audit keys on a virtual card (never in a file), in retired slots that want
# the PIN once per session; then issuance, a CRL and the audit log all sign on the card, and
# OpenSSL accepts the results.
set -uo pipefail
cd "$(dirname "$0")/../.."
# The jeton with PKCS#11 CA keys (feature pkcs11-ca) and the module (as .ci/run builds them).
cargo build --quiet -p jeton -p jeton-pkcs11 --all-features || exit 1
J="$PWD/target/debug/jeton"
MODULE="$PWD/target/debug/libjeton_pkcs11.so"
source tests/interop/tsp_common.bash token-ca

export JETON_HOME="$WORK/home"
unset JETON_PKCS11_CONF JETON_PKCS11_MGMT_KEY
provider_toml
"$J" card create --serial 4711 >/dev/null
URI="pkcs11:token=Jeton%20PIV%204711?module-path=$MODULE"
# Every key role's secret is the card's PIN (--passphrase-file ROLE=FILE, one per role).
printf '123456\n' >"$WORK/pin"
KEYS=()
for role in root issuing ocsp tsa audit; do KEYS+=(--passphrase-file "$role=$WORK/pin"); done
ca() { "$J" --lang en ca --operator interop "$@" "${KEYS[@]}" </dev/null; }

check "ca init --pkcs11 on a Jeton virtual card, through libjeton_pkcs11.so" ca init --pkcs11 "$URI"
check "  ... no key file was written" bash -c '! ls "$1"/provider/keys/*.pem 2>/dev/null | grep -q .' _ "$JETON_HOME"
check "  ... the five keys are on the card, in retired slots that want the PIN once" \
    contains "Slot 91 \(retired key\): p256, PIN once per session" "$J" status
check "  ... and the holder's slots 9A and 9C are left free" lacks "Slot 9(a|c)" "$J" status

sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in root issuing; do openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem"; done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/holder.key" \
    -subj "/CN=ignored" -out "$WORK/holder.csr" 2>/dev/null
check "ca issue signs a qualified certificate with the issuing CA's key on the card" \
    ca issue --profile qualified-signing --csr "$WORK/holder.csr" \
    --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont' \
    --out "$WORK/holder.pem"
check "  ... openssl verify accepts the chain" \
    openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" "$WORK/holder.pem"
SERIAL=$(openssl x509 -in "$WORK/holder.pem" -noout -serial | cut -d= -f2)
check "ca revoke" ca revoke "$SERIAL" --reason key-compromise
check "ca crl signs on the card" ca crl --out "$WORK/issuing.crl"
check "  ... openssl crl -verify accepts it" \
    contains "verify OK" openssl crl -in "$WORK/issuing.crl" -CAfile "$WORK/issuing.pem" -verify -noout
check "  ... and openssl verify -crl_check rejects the revoked certificate" \
    fails_with "certificate revoked" openssl verify -crl_check -CAfile "$WORK/root.pem" \
    -untrusted "$WORK/issuing.pem" -CRLfile "$WORK/issuing.crl" "$WORK/holder.pem"
check "the audit log's heads, signed on the card, verify" contains "intact" "$J" audit verify

finish
