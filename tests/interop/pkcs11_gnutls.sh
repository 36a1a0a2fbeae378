#!/usr/bin/env bash
# GnuTLS uses the Jeton PKCS#11 module: p11tool lists the token and its objects, certtool
# signs a self-signed certificate and a certificate request with keys that never leave the
# card (9A without and 9C with a PIN before every signature), and openssl accepts them.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"
require gnutls-bin p11tool certtool

SERIAL=10000202
new_card $SERIAL
keypair 01 EC:prime256v1 # 9A
keypair 02 rsa:2048      # 9C
P=(p11tool --provider "$MODULE")
TOKEN="pkcs11:serial=$SERIAL"
export GNUTLS_PIN=$PIN

check "p11tool --list-tokens shows the token" bash -c '
    out=$("$@" --list-tokens) &&
    grep -q "Label: Jeton PIV '$SERIAL'" <<<"$out" && grep -q "Manufacturer: Jeton" <<<"$out" &&
    grep -q "Flags: RNG, Requires login" <<<"$out" || { echo "$out"; false; }' _ "${P[@]}"
check "p11tool --list-all without login: two public keys, no private key" bash -c '
    out=$(GNUTLS_PIN= "$@" --list-all "'"$TOKEN"'") &&
    [[ $(grep -c "type=public" <<<"$out") -eq 2 ]] && ! grep -q "type=private" <<<"$out" ||
    { echo "$out"; false; }' _ "${P[@]}"
check "p11tool --login --list-all: the private keys, 9C with CKA_ALWAYS_AUTH" bash -c '
    out=$("$@" --login --list-all "'"$TOKEN"'") &&
    grep -q "Type: Private key (EC/ECDSA)" <<<"$out" &&
    grep -q "Type: Private key (RSA-2048)" <<<"$out" &&
    grep -A3 "Private key (RSA-2048)" <<<"$out" |
        grep -q "Flags: CKA_PRIVATE; CKA_ALWAYS_AUTH; CKA_NEVER_EXTRACTABLE; CKA_SENSITIVE;" ||
    { echo "$out"; false; }' _ "${P[@]}"
check "p11tool --export-pubkey gives the key pkcs11-tool read" bash -c '
    "$@" --export-pubkey "'"$TOKEN"';id=%01;type=public" --outfile "$WORK/gnutls01.pem" &&
    cmp <(openssl pkey -pubin -in "$WORK/gnutls01.pem" -outform DER) "$WORK/pub01.der"' _ "${P[@]}"
check "p11tool --test-sign with 9A" contains "Verifying against public key in the token... ok" \
    "${P[@]}" --login --test-sign "$TOKEN;id=%01;type=private"

cat >"$WORK/template" <<'EOF'
cn = "Alice Holder"
serial = 7
expiration_days = 30
signing_key
tls_www_client
EOF
self_signed() { # self_signed ID OUT
    certtool --provider "$MODULE" --generate-self-signed --template "$WORK/template" \
        --load-privkey "$TOKEN;id=%$1;type=private" --load-pubkey "$TOKEN;id=%$1;type=public" \
        --outfile "$2"
}
check "certtool --generate-self-signed with the 9A key (ECDSA P-256)" \
    self_signed 01 "$WORK/self01.pem"
check "  ... openssl verify accepts it" openssl verify -CAfile "$WORK/self01.pem" "$WORK/self01.pem"
check "  ... it certifies the card's key" \
    cmp <(openssl x509 -in "$WORK/self01.pem" -noout -pubkey) "$WORK/pub01.pem"
check "certtool --generate-self-signed with the 9C key (RSA, PIN before every use)" \
    self_signed 02 "$WORK/self02.pem"
check "  ... openssl verify accepts it" openssl verify -CAfile "$WORK/self02.pem" "$WORK/self02.pem"
check "certtool --generate-request with the 9C key" \
    certtool --provider "$MODULE" --generate-request --template "$WORK/template" \
    --load-privkey "$TOKEN;id=%02;type=private" --outfile "$WORK/req02.pem"
check "  ... openssl req -verify accepts it" openssl req -in "$WORK/req02.pem" -verify -noout

check "p11tool --write of the self-signed certificate (takes the key's id)" \
    "${P[@]}" --login --write --load-certificate "$WORK/self01.pem" --label "Alice Holder" "$TOKEN"
check "  ... listed by --list-all-certs with id 01" bash -c '
    out=$("$@" --list-all-certs "'"$TOKEN"'") &&
    grep -q "id=%01;object=Certificate%20for%20PIV%20Authentication;type=cert" <<<"$out" ||
    { echo "$out"; false; }' _ "${P[@]}"
check "  ... --export gives it back" bash -c '
    "$@" --export "'"$TOKEN"';id=%01;type=cert" --outfile "$WORK/back.pem" &&
    cmp <(openssl x509 -in "$WORK/back.pem" -outform DER) <(openssl x509 -in "$WORK/self01.pem" -outform DER)' \
    _ "${P[@]}"
check "a wrong PIN gets no signature" bash -c '
    ! GNUTLS_PIN=000000 certtool --provider "$1" --generate-self-signed --template "$WORK/template" \
        --load-privkey "$2;id=%01;type=private" --load-pubkey "$2;id=%01;type=public" \
        --outfile "$WORK/never.pem" && [[ ! -s $WORK/never.pem ]]' _ "$MODULE" "$TOKEN"
check "  ... and cost one try" contains "PIN: 2 tries left of 3" "$J" status

finish
