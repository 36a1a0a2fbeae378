#!/usr/bin/env bash
# OpenSC's pkcs11-tool drives the Jeton PKCS#11 module through the holder's story: the
# token listed, keys made on the card, signatures verified by openssl, a certificate
# written, the PIN changed, three wrong PINs that lock it, the unblock code (CKU_SO) that
# sets a new one, and three wrong PINs and three wrong unblock codes that kill the card.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"

SERIAL=10000101
new_card $SERIAL

check "--list-slots shows the card as a token" \
    contains "Jeton virtual card $SERIAL" "${P11[@]}" --list-slots
check "  ... initialized, login required, PIN of 6 to 8 characters" bash -c '
    out=$("$@" --list-slots) &&
    grep -q "token flags *: login required, rng, token initialized, PIN initialized$" <<<"$out" &&
    grep -q "pin min/max *: 6/8" <<<"$out" || { echo "$out"; false; }' _ "${P11[@]}"
check "--list-objects on a fresh card: nothing" \
    lacks "Object" "${P11[@]}" --list-objects

check "--keypairgen RSA-2048 into 9A (id 01)" keypair 01 rsa:2048
check "--keypairgen EC P-256 into 9C (id 02)" keypair 02 EC:prime256v1
check "--keypairgen RSA-2048 into 9D (id 03)" keypair 03 rsa:2048
# pkcs11-tool 0.23 cannot --read-object a P-384 public key ("cannot create EVP_PKEY", with
# SoftHSM too): its SubjectPublicKeyInfo is built here from the CKA_EC_POINT it lists.
p384_public_key() {
    "${P11[@]}" --login --pin $PIN --keypairgen --id 04 --key-type EC:secp384r1 >/dev/null 2>&1
    local point
    point=$("${P11[@]}" --list-objects --type pubkey --id 04 | sed -n 's/^ *EC_POINT: *0461//p')
    [[ ${#point} -eq 194 ]] || return 1
    perl -e 'print pack("H*", $ARGV[0])' "3076301006072a8648ce3d020106052b81040022036200$point" |
        openssl pkey -pubin -inform DER -out "$WORK/pub04.pem"
}
check "--keypairgen EC P-384 into 9E (id 04)" p384_public_key
check "--list-objects without login: the public keys only" bash -c '
    out=$("$@" --list-objects) &&
    [[ $(grep -c "^Public Key Object" <<<"$out") -eq 4 ]] &&
    ! grep -q "^Private Key Object" <<<"$out" || { echo "$out"; false; }' _ "${P11[@]}"
check "--list-objects --login: the private keys too, 9C always authenticate" bash -c '
    out=$("$@" --list-objects --login --pin 123456) &&
    [[ $(grep -c "^Private Key Object" <<<"$out") -eq 4 ]] &&
    grep -A4 "^Private Key Object; EC" <<<"$out" | grep -q "ID: *02" &&
    grep -q "Access: *always authenticate, sensitive, always sensitive, never extractable, local" <<<"$out" ||
    { echo "$out"; false; }' _ "${P11[@]}"

check "ECDSA-SHA256 with 9C (context login by pkcs11-tool), verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 02 --sign -m ECDSA-SHA256 --signature-format openssl \
        -i "$WORK/msg" -o "$WORK/sig.ec" &&
    openssl dgst -sha256 -verify "$WORK/pub02.pem" -signature "$WORK/sig.ec" "$WORK/msg"' _ "${P11[@]}"
check "ECDSA on a SHA-384 digest with 9E (P-384), verified by openssl" bash -c '
    openssl dgst -sha384 -binary "$WORK/msg" >"$WORK/msg.sha384" &&
    "$@" --login --pin 123456 --id 04 --sign -m ECDSA --signature-format openssl \
        -i "$WORK/msg.sha384" -o "$WORK/sig.p384" &&
    openssl dgst -sha384 -verify "$WORK/pub04.pem" -signature "$WORK/sig.p384" "$WORK/msg"' _ "${P11[@]}"
check "SHA256-RSA-PKCS with 9A, verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 01 --sign -m SHA256-RSA-PKCS -i "$WORK/msg" -o "$WORK/sig.rsa" &&
    openssl dgst -sha256 -verify "$WORK/pub01.pem" -signature "$WORK/sig.rsa" "$WORK/msg"' _ "${P11[@]}"
check "SHA256-RSA-PKCS-PSS with 9A, verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 01 --sign -m SHA256-RSA-PKCS-PSS -i "$WORK/msg" -o "$WORK/sig.pss" &&
    openssl dgst -sha256 -verify "$WORK/pub01.pem" -sigopt rsa_padding_mode:pss \
        -sigopt rsa_pss_saltlen:auto -signature "$WORK/sig.pss" "$WORK/msg"' _ "${P11[@]}"
check "RSA-PKCS decryption with 9D of what openssl encrypted" bash -c '
    openssl pkeyutl -encrypt -pubin -inkey "$WORK/pub03.pem" -in "$WORK/msg" -out "$WORK/msg.enc" &&
    "$@" --login --pin 123456 --id 03 --decrypt -m RSA-PKCS -i "$WORK/msg.enc" -o "$WORK/msg.dec" &&
    cmp "$WORK/msg" "$WORK/msg.dec"' _ "${P11[@]}"

check "a certificate for the 9A key, made by a CA with openssl" certify 01 "Alice Holder"
check "--write-object of the certificate (management key from the module)" write_certificate 01
check "  ... listed with its subject and id 01" bash -c '
    out=$("$@" --list-objects --type cert) &&
    grep -q "subject: *DN: CN=Alice Holder" <<<"$out" && grep -q "ID: *01" <<<"$out" ||
    { echo "$out"; false; }' _ "${P11[@]}"
check "  ... read back byte for byte" bash -c '
    "$@" --read-object --type cert --id 01 -o "$WORK/back.der" && cmp "$WORK/cert01.der" "$WORK/back.der"' \
    _ "${P11[@]}"
check "  ... the token is now labelled with its holder's name" \
    contains "token label *: Alice Holder" "${P11[@]}" --list-slots
check "  ... and jeton status shows it in 9A" contains "certificate: CN=Alice Holder" "$J" status

check "--test --login" contains "^No errors" "${P11[@]}" --test --login --pin $PIN

check "--change-pin 123456 → 654321" \
    contains "PIN successfully changed" "${P11[@]}" --change-pin --pin $PIN --new-pin 654321
check "  ... the old PIN is refused" fails_with "CKR_PIN_INCORRECT" \
    "${P11[@]}" --login --pin $PIN --list-objects
check "  ... the new PIN logs in" "${P11[@]}" --login --pin 654321 --list-objects
check "--change-pin to an alphanumeric PIN (abc-1234) and back" bash -c '
    "$@" --change-pin --pin 654321 --new-pin abc-1234 &&
    "$@" --login --pin abc-1234 --list-objects &&
    "$@" --change-pin --pin abc-1234 --new-pin 654321' _ "${P11[@]}"
check "--change-pin to 5 characters is refused before the card" \
    fails_with "CKR_PIN_LEN_RANGE" "${P11[@]}" --change-pin --pin 654321 --new-pin 12345

check "wrong PIN 1 of 3: CKR_PIN_INCORRECT" \
    fails_with "CKR_PIN_INCORRECT" "${P11[@]}" --login --pin 000000 --list-objects
check "  ... the token says user PIN count low" \
    contains "user PIN count low" "${P11[@]}" --list-slots
check "wrong PIN 2 of 3: CKR_PIN_INCORRECT" \
    fails_with "CKR_PIN_INCORRECT" "${P11[@]}" --login --pin 000000 --list-objects
check "  ... the token says final user PIN try" \
    contains "final user PIN try" "${P11[@]}" --list-slots
check "wrong PIN 3 of 3: CKR_PIN_LOCKED" \
    fails_with "CKR_PIN_LOCKED" "${P11[@]}" --login --pin 000000 --list-objects
check "  ... the token says user PIN locked" \
    contains "user PIN locked" "${P11[@]}" --list-slots
check "  ... even the right PIN is refused: CKR_PIN_LOCKED" \
    fails_with "CKR_PIN_LOCKED" "${P11[@]}" --login --pin 654321 --list-objects

# pkcs11-tool's --unlock-pin takes no SO login (only C_SetPIN in a public session, OpenSC's
# own convention): the standard way, login as SO with the unblock code and C_InitPIN, is
# --login --login-type so --init-pin.
check "SO login with the unblock code (PUK) + --init-pin unblocks and sets 111111" \
    contains "User PIN successfully initialized" \
    "${P11[@]}" --login --login-type so --so-pin $PUK --init-pin --new-pin 111111
check "  ... the token no longer says locked" \
    lacks "user PIN locked|count low|final" "${P11[@]}" --list-slots
check "  ... the new PIN signs with 9C" bash -c '
    "$@" --login --pin 111111 --id 02 --sign -m ECDSA-SHA256 --signature-format openssl \
        -i "$WORK/msg" -o "$WORK/sig.after" &&
    openssl dgst -sha256 -verify "$WORK/pub02.pem" -signature "$WORK/sig.after" "$WORK/msg"' _ "${P11[@]}"
check "--change-pin in an SO session changes the unblock code to 87654321" \
    contains "PIN successfully changed" \
    "${P11[@]}" --login --login-type so --so-pin $PUK --change-pin --new-pin 87654321
check "  ... the old unblock code is refused: CKR_PIN_INCORRECT" fails_with "CKR_PIN_INCORRECT" \
    "${P11[@]}" --login --login-type so --so-pin $PUK --init-pin --new-pin 222222
check "  ... the new one logs in as SO (and restores its tries)" \
    "${P11[@]}" --login --login-type so --so-pin 87654321 --init-pin --new-pin 111111

# The guide's end: beyond 3 wrong PINs and 3 wrong unblock codes, blocked for good.
for try in 1 2 3; do
    check "wrong PIN $try" fails_with "CKR_PIN_INCORRECT|CKR_PIN_LOCKED" \
        "${P11[@]}" --login --pin 000000 --list-objects
done
check "wrong unblock code 1 of 3: CKR_PIN_INCORRECT" fails_with "CKR_PIN_INCORRECT" \
    "${P11[@]}" --login --login-type so --so-pin 00000000 --init-pin --new-pin 222222
check "  ... the token says SO PIN count low" contains "SO PIN count low" "${P11[@]}" --list-slots
check "wrong unblock code 2 of 3: CKR_PIN_INCORRECT" fails_with "CKR_PIN_INCORRECT" \
    "${P11[@]}" --login --login-type so --so-pin 00000000 --init-pin --new-pin 222222
check "  ... the token says final SO PIN try" contains "final SO PIN try" "${P11[@]}" --list-slots
check "wrong unblock code 3 of 3: CKR_PIN_LOCKED" fails_with "CKR_PIN_LOCKED" \
    "${P11[@]}" --login --login-type so --so-pin 00000000 --init-pin --new-pin 222222
check "the right unblock code no longer logs in: CKR_PIN_LOCKED" fails_with "CKR_PIN_LOCKED" \
    "${P11[@]}" --login --login-type so --so-pin 87654321 --init-pin --new-pin 222222
check "-L shows the user PIN and the SO PIN locked" bash -c '
    out=$("$@" --list-slots) &&
    grep -q "SO PIN locked" <<<"$out" && grep -q "user PIN locked" <<<"$out" ||
    { echo "$out"; false; }' _ "${P11[@]}"
check "jeton status says the card is dead" contains "DEAD" "$J" status
check "  ... and so does jeton status --json" contains '"dead": true' "$J" status --json
check "the dead card signs nothing" fails_with "CKR_PIN_LOCKED" "${P11[@]}" --login --pin 111111 \
    --id 02 --sign -m ECDSA-SHA256 -i "$WORK/msg" -o "$WORK/sig.dead"

# pkcs11.toml names the management key the module authenticates with: one that others can
# write is refused at C_Initialize, as ssh refuses its files, with the fix on stderr.
printf '[management-key]\nalgorithm = "3des"\nkey = "%s"\n' \
    010203040506070801020304050607080102030405060708 >"$JETON_HOME/pkcs11.toml"
chmod 666 "$JETON_HOME/pkcs11.toml"
check "a pkcs11.toml others can write is refused at C_Initialize, the chmod that fixes it said" \
    fails_with "writable by its group or by all \(mode 0666\).*chmod go-w" "${P11[@]}" --list-slots
chmod 600 "$JETON_HOME/pkcs11.toml"
check "  ... mode 0600: the module loads" contains "Slot 0" "${P11[@]}" --list-slots
rm "$JETON_HOME/pkcs11.toml"

finish
