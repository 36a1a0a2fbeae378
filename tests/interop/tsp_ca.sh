#!/usr/bin/env bash
# The provider's CA through `jeton ca` and `jeton audit`, judged by OpenSSL and GnuTLS: set
# up in a fresh home, a qualified certificate for an `openssl req` CSR and one for a key
# generated on a Jeton virtual card (slot 9C), revocation, CRL, and an audit log that names
# the entry an administrator edited in the SQLite database.
set -uo pipefail
cd "$(dirname "$0")/../.."
J="$PWD/target/debug/jeton"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jeton-tsp.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
source tests/interop/checks.bash

export JETON_HOME="$WORK/home"
mkdir -p "$JETON_HOME"
unset JETON_DATABASE_URL
PASS='correct horse battery staple'
cat >"$JETON_HOME/provider.toml" <<'EOF'
[provider]
organization = "Jeton Trust Services"
organization_identifier = "NTRFR-123456789"
country = "FR"
policy = "1.3.6.1.4.1.99999.1.1"
base_url = "http://127.0.0.1:8080"

[[provider.pds]]
url = "https://pki.jeton.example/pds/en.pdf"
language = "en"
EOF

ca() { printf '%s\n' "$PASS" | "$J" --lang en ca --operator interop "$@"; }
SUBJECT='C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont'

check "ca init (software keys, passphrase on stdin)" bash -c \
    'printf "%s\n%s\n" "$1" "$1" | "$2" --lang en ca --operator interop init' _ "$PASS" "$J"
check "ca init twice is refused" fails_with "already set up" bash -c \
    'printf "%s\n%s\n" "$1" "$1" | "$2" --lang en ca init' _ "$PASS" "$J"
check "ca init wrote encrypted keys only" bash -c \
    '! grep -L "BEGIN ENCRYPTED PRIVATE KEY" "$1"/provider/keys/*.pem | grep .' _ "$JETON_HOME"

# The chain as files, from the database.
sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in root issuing ocsp tsa; do openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem"; done

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/holder.key" \
    -subj "/CN=ignored" -out "$WORK/holder.csr" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/other.key" \
    -subj "/CN=ignored" -out "$WORK/other.csr" 2>/dev/null
check "ca issue qualified-signing from an openssl CSR" ca issue --profile qualified-signing \
    --csr "$WORK/holder.csr" --subject "$SUBJECT" --out "$WORK/holder.pem"
check "ca issue a second holder" ca issue --profile qualified-signing --csr "$WORK/other.csr" \
    --subject 'C=FR,GN=Paul,SN=Martin,serialNumber=PNOFR-1900101999999,CN=Paul Martin,O=Exemple SA,organizationIdentifier=VATFR-12345678901' \
    --out "$WORK/other.pem"
# (jeton-pki's tests check every QCStatement with pkilint; here what the provider's settings put in.)
check "the certificate carries QCP-n-qscd, the provider's policy, its PDS and OCSP URL" bash -c '
    openssl x509 -in "$1" -noout -text >"$2" &&
    grep -q "Policy: 0.4.0.194112.1.2" "$2" && grep -q "Policy: 1.3.6.1.4.1.99999.1.1" "$2" &&
    grep -q "pki.jeton.example/pds/en.pdf" "$2" && grep -q "OCSP - URI:http://127.0.0.1:8080/ocsp" "$2"' \
    _ "$WORK/holder.pem" "$WORK/text"
check "a malformed CSR is refused" fails_with "CSR|request|DER" ca issue --profile qualified-signing \
    --csr "$WORK/root.pem" --subject "$SUBJECT"
check "a subject without serialNumber is refused" fails_with "serialNumber" ca issue \
    --profile qualified-signing --csr "$WORK/holder.csr" --subject 'C=FR,GN=A,SN=B,CN=A B'

cat "$WORK/issuing.pem" "$WORK/root.pem" >"$WORK/chain.pem"
check "openssl verify accepts the chain" openssl verify -CAfile "$WORK/root.pem" \
    -untrusted "$WORK/issuing.pem" "$WORK/holder.pem"
check "certtool --verify-chain accepts it" bash -c \
    'cat "$1" "$2" "$3" | certtool --verify-chain' _ "$WORK/holder.pem" "$WORK/issuing.pem" "$WORK/root.pem"

SERIAL=$(openssl x509 -in "$WORK/holder.pem" -noout -serial | cut -d= -f2)
check "ca revoke (key compromise)" contains "revoked \(key-compromise\)" \
    "$J" --lang en ca revoke "$SERIAL" --reason key-compromise
check "revoking again keeps the first record" contains "already revoked" \
    "$J" --lang en ca revoke "$SERIAL" --reason superseded
check "an unknown serial cannot be revoked" fails_with "never issued" \
    "$J" --lang en ca revoke DEADBEEF --reason key-compromise
check "a bad reason is refused" fails_with "unknown revocation reason" \
    "$J" --lang en ca revoke "$SERIAL" --reason on-hold
check "a leaving date in the future is accepted" contains "will be revoked" \
    "$J" --lang en ca revoke "$(openssl x509 -in "$WORK/ocsp.pem" -noout -serial | cut -d= -f2)" \
    --reason affiliation-changed --at 2099-12-31 --ca issuing
check "ca list --json shows the revocation" contains "\"status\": \"revoked\"" "$J" ca list --json
check "ca crl" ca crl --out "$WORK/issuing.crl"
check "openssl crl -verify" contains "verify OK" openssl crl -in "$WORK/issuing.crl" \
    -CAfile "$WORK/chain.pem" -noout
check "the CRL lists the revoked serial with its reason" bash -c '
    openssl crl -in "$1" -noout -text >"$2" && grep -q "$3" "$2" && grep -q "Key Compromise" "$2"' \
    _ "$WORK/issuing.crl" "$WORK/text" "$SERIAL"
check "the CRL does not list the one revoked from 2099" bash -c '
    [ "$(openssl crl -in "$1" -noout -text | grep -c "Serial Number")" = 1 ]' _ "$WORK/issuing.crl"
# The root's CRL, for -crl_check_all.
check "ca crl --ca root" ca crl --ca root --out "$WORK/root.crl"
check "openssl verify -crl_check rejects the revoked certificate" fails_with "revoked" \
    openssl verify -crl_check -CAfile "$WORK/chain.pem" -CRLfile "$WORK/issuing.crl" "$WORK/holder.pem"
check "openssl verify -crl_check_all accepts the good one" openssl verify -crl_check_all \
    -CAfile "$WORK/chain.pem" -CRLfile "$WORK/issuing.crl" -CRLfile "$WORK/root.crl" "$WORK/other.pem"

# A key generated on a Jeton virtual card: the CA certifies the public key (a CSR would need
# a signature by 9C, which asks for the PIN each time).
check "card create" "$J" card create --serial 4242
check "key generate 9c p256 on the card" bash -c \
    'printf "\n" | "$1" key generate --slot 9c --alg p256 --out "$2"' _ "$J" "$WORK/9c.pub"
check "ca issue --public-key for the card's 9C key" ca issue --profile qualified-signing \
    --public-key "$WORK/9c.pub" --subject "$SUBJECT" --out "$WORK/9c.pem"
check "the certificate holds the card's key" bash -c \
    'cmp <(openssl x509 -in "$1" -noout -pubkey) "$2"' _ "$WORK/9c.pem" "$WORK/9c.pub"
check "openssl verify accepts the card's certificate" openssl verify -CAfile "$WORK/root.pem" \
    -untrusted "$WORK/issuing.pem" "$WORK/9c.pem"
check "cert import 9c onto the card" bash -c \
    'printf "\n" | "$1" cert import --slot 9c "$2"' _ "$J" "$WORK/9c.pem"

check "audit verify passes" contains "Audit log intact" "$J" --lang en audit verify
check "audit verify in French" contains "Journal d'audit intact" "$J" --lang fr audit verify

# An administrator edits the revocation's reason in the database.
DB="$JETON_HOME/provider/tsp.sqlite"
cp "$DB" "$WORK/pristine.sqlite"
SEQ=$(sqlite3 "$DB" "SELECT seq FROM audit_log WHERE kind = 'revocation' ORDER BY seq LIMIT 1")
sqlite3 "$DB" "UPDATE audit_log SET details = replace(details, 'key-compromise', 'superseded') WHERE seq = $SEQ"
check "audit verify names the changed entry" fails_with "entry $SEQ was changed" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "DELETE FROM audit_log WHERE seq = $SEQ"
check "audit verify names the removed entry" fails_with "entry $SEQ was removed" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "UPDATE audit_log SET seq = -1 WHERE seq = $SEQ; UPDATE audit_log SET seq = $SEQ WHERE seq = $((SEQ + 1)); UPDATE audit_log SET seq = $((SEQ + 1)) WHERE seq = -1"
check "audit verify names the moved entry" fails_with "was moved" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
# One byte of one entry's hash.
sqlite3 "$DB" "UPDATE audit_log SET hash = zeroblob(32) WHERE seq = 2"
check "audit verify names an entry whose hash was altered" fails_with "entry 2" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
check "audit verify passes again on the untouched copy" contains "intact" "$J" --lang en audit verify

# The same provider with its keys generated on a PKCS#11 token (SoftHSMv2): they never
# leave it; the secret read is the token's PIN.
if command -v softhsm2-util >/dev/null && [[ -e /usr/lib/softhsm/libsofthsm2.so ]]; then
    export JETON_HOME="$WORK/hsm-home" SOFTHSM2_CONF="$WORK/softhsm2.conf"
    mkdir -p "$JETON_HOME" "$WORK/tokens"
    cp "$WORK/home/provider.toml" "$JETON_HOME/"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$WORK/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label jeton-ca --pin 1234 --so-pin 5678 >/dev/null
    PASS=1234
    check "ca init --pkcs11 (SoftHSMv2)" bash -c 'printf "1234\n" | "$1" --lang en ca init \
        --pkcs11 "pkcs11:token=jeton-ca?module-path=/usr/lib/softhsm/libsofthsm2.so"' _ "$J"
    check "no key file was written" bash -c '[ -z "$(ls -A "$1/provider/keys")" ]' _ "$JETON_HOME"
    check "ca issue with the token's issuing key" ca issue --profile qualified-signing \
        --csr "$WORK/holder.csr" --subject "$SUBJECT" --out "$WORK/hsm-holder.pem"
    sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/hsm-' || name || '.der', certificate) FROM cas" >/dev/null
    openssl x509 -inform DER -in "$WORK/hsm-root.der" -out "$WORK/hsm-root.pem"
    openssl x509 -inform DER -in "$WORK/hsm-issuing.der" -out "$WORK/hsm-issuing.pem"
    check "openssl verify accepts the token-signed chain" openssl verify -CAfile "$WORK/hsm-root.pem" \
        -untrusted "$WORK/hsm-issuing.pem" "$WORK/hsm-holder.pem"
    check "ca crl with the token's key" ca crl --out "$WORK/hsm.crl"
    check "audit verify (heads signed on the token)" contains "intact" "$J" --lang en audit verify
else
    echo "skip SoftHSMv2 is not installed: the PKCS#11 provider keys are not tested"
fi

finish
