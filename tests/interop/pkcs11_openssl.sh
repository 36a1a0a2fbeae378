#!/usr/bin/env bash
# OpenSSL 3 signs with the card through libp11's pkcs11 engine loading the Jeton module:
# certificate requests and a self-signed certificate whose signatures verify, and a
# signature over a file checked with the card's public key. The engine is pointed at the
# module once by PKCS11_MODULE_PATH and once by an openssl.cnf, the two ways the README
# gives.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"

ENGINE=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so
[[ -e $ENGINE ]] || {
    echo "missing $ENGINE: install the Debian package libengine-pkcs11-openssl" >&2
    exit 1
}

SERIAL=10000303
new_card $SERIAL
keypair 01 EC:prime256v1 # 9A
keypair 02 rsa:2048      # 9C, PIN before every signature
KEY="pkcs11:serial=$SERIAL;type=private"

check "openssl req -engine pkcs11 with the 9A key (PKCS11_MODULE_PATH, pin-value)" \
    env PKCS11_MODULE_PATH="$MODULE" openssl req -new -engine pkcs11 -keyform engine \
    -key "$KEY;id=%01?pin-value=$PIN" -subj "/CN=Alice Holder/O=Jeton" -out "$WORK/req01.pem"
check "  ... the request's signature verifies" \
    contains "self-signature verify OK" openssl req -in "$WORK/req01.pem" -verify -noout
check "  ... and it carries the card's key" \
    cmp <(openssl req -in "$WORK/req01.pem" -noout -pubkey) "$WORK/pub01.pem"

cat >"$WORK/openssl.cnf" <<EOF
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
init = 0

[req]
distinguished_name = dn
prompt = no

[dn]
CN = Alice Holder
EOF
export OPENSSL_CONF=$WORK/openssl.cnf

# libp11 asks for the 9C key's PIN again before the signature (CKU_CONTEXT_SPECIFIC) with
# its own prompt, which reads stdin when there is no terminal.
check "openssl req -engine pkcs11 with the 9C key (openssl.cnf, PIN again on stdin)" bash -c '
    echo "$1" | openssl req -new -engine pkcs11 -keyform engine -key "$2;id=%02?pin-value=$1" \
        -out "$WORK/req02.pem"' _ "$PIN" "$KEY"
check "  ... the request's signature verifies" \
    contains "self-signature verify OK" openssl req -in "$WORK/req02.pem" -verify -noout
check "openssl req -x509 with the 9A key: a self-signed certificate" \
    openssl req -new -x509 -days 30 -engine pkcs11 -keyform engine \
    -key "$KEY;id=%01?pin-value=$PIN" -out "$WORK/self01.pem"
check "  ... openssl verify accepts it" openssl verify -CAfile "$WORK/self01.pem" "$WORK/self01.pem"
check "openssl dgst -sign with the 9A key, verified with the card's public key" bash -c '
    openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$1;id=%01?pin-value=$2" \
        -out "$WORK/sig" "$WORK/msg" &&
    openssl dgst -sha256 -verify "$WORK/pub01.pem" -signature "$WORK/sig" "$WORK/msg"' _ "$KEY" "$PIN"
check "a wrong pin-value gets no request" bash -c '
    ! openssl req -new -engine pkcs11 -keyform engine -key "$1;id=%01?pin-value=000000" \
        -out "$WORK/never.pem" </dev/null && [[ ! -s $WORK/never.pem ]]' _ "$KEY"
check "  ... and cost one try" contains "PIN: 2 tries left of 3" "$J" status

finish
