#!/usr/bin/env bash
# NSS (the crypto of Firefox and Thunderbird) loads the Jeton PKCS#11 module as Firefox's
# "Security Devices → Load" does: modutil adds it to a fresh database, certutil lists the
# token's certificates and keys and signs a certificate request with the card.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"
require libnss3-tools modutil certutil

SERIAL=10000404
new_card $SERIAL
keypair 01 EC:prime256v1 # 9A
keypair 02 rsa:2048      # 9C
certify 01 "Alice Holder"
certify 02 "Alice Holder (signature)"
write_certificate 01 >/dev/null 2>&1
write_certificate 02 >/dev/null 2>&1
TOKEN="Alice Holder" # the token label: the 9A certificate's common name
DB=sql:$WORK/nssdb
mkdir -p "$WORK/nssdb"
echo "$PIN" >"$WORK/pin.txt"

check "modutil -create: a fresh database" modutil -create -dbdir "$DB" -force
check "modutil -add jeton -libfile <module>" \
    contains "Module \"jeton\" added to database" modutil -add jeton -libfile "$MODULE" -dbdir "$DB" -force
check "modutil -list shows the module, its slot and the token" bash -c '
    out=$(modutil -list -dbdir "$1") &&
    grep -q "library name: $2" <<<"$out" &&
    grep -q "slot: Jeton virtual card '$SERIAL'" <<<"$out" &&
    grep -q "token: '"$TOKEN"'" <<<"$out" &&
    grep -q "uri: pkcs11:token=Alice%20Holder;manufacturer=Jeton;serial='$SERIAL'" <<<"$out" ||
    { echo "$out"; false; }' _ "$DB" "$MODULE"
check "certutil -L -h all lists the token's two certificates" bash -c '
    out=$(certutil -L -h all -d "$1") &&
    grep -q "^'"$TOKEN"':Certificate for PIV Authentication  *u,u,u" <<<"$out" &&
    grep -q "^'"$TOKEN"':Certificate for Digital Signature  *u,u,u" <<<"$out" ||
    { echo "$out"; false; }' _ "$DB"
check "certutil -K with the PIN lists the token's private keys" bash -c '
    out=$(certutil -K -h "'"$TOKEN"'" -d "$1" -f "$WORK/pin.txt") &&
    grep -qE "ec +01 +Private key for PIV Authentication" <<<"$out" &&
    grep -qE "rsa +02 +Private key for Digital Signature" <<<"$out" ||
    { echo "$out"; false; }' _ "$DB"
check "certutil -R signs a certificate request with the 9A key (key id 01)" \
    certutil -R -d "$DB" -h "$TOKEN" -f "$WORK/pin.txt" -k 01 -s "CN=Alice Holder" -a \
    -o "$WORK/req.pem"
check "  ... openssl req -verify accepts it" \
    contains "self-signature verify OK" openssl req -in "$WORK/req.pem" -verify -noout
check "certutil -R with the 9C key (RSA, NSS logs in again before the signature)" \
    certutil -R -d "$DB" -h "$TOKEN" -f "$WORK/pin.txt" -k 02 -s "CN=Alice Holder" -a \
    -o "$WORK/req2.pem"
check "  ... openssl req -verify accepts it" \
    contains "self-signature verify OK" openssl req -in "$WORK/req2.pem" -verify -noout

# A token whose certificates are readable without the PIN: NSS looks them up by nickname
# without logging in once the module is added as FRIENDLY (the README says so for Firefox).
check "modutil -add with -mechanisms FRIENDLY into a second database" bash -c '
    mkdir -p "$WORK/nssdb2" && modutil -create -dbdir "sql:$WORK/nssdb2" -force &&
    modutil -add jeton -libfile "$1" -dbdir "sql:$WORK/nssdb2" -mechanisms FRIENDLY -force' _ "$MODULE"
check "  ... certutil -L -n <token>:<nickname> gives the certificate written by pkcs11-tool" bash -c '
    certutil -L -d "sql:$WORK/nssdb2" -n "'"$TOKEN"':Certificate for Digital Signature" -r \
        >"$WORK/back.der" && cmp "$WORK/back.der" "$WORK/cert02.der"'

finish
