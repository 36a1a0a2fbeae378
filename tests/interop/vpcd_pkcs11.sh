#!/usr/bin/env bash
# Jeton's own middleware on a card in a PC/SC reader: the same story as through OpenSC
# (vpcd_opensc.sh), driven by OpenSC's pkcs11-tool through libjeton_pkcs11.so built with
# the `pcsc` feature, on the virtual card served to pcscd through vpcd. The module's
# JETON_HOME holds no virtual card, so its only token is the one in the reader.
# Built before the common part gives the test a HOME of its own (cargo needs the real one).
(cd "$(dirname "$0")/../.." && cargo build --quiet -p jeton-pkcs11 --features pcsc) || exit 1
source "$(dirname "$0")/vpcd_common.bash"
mkdir -p "$WORK/module-home"
M=(env JETON_HOME="$WORK/module-home" pkcs11-tool --module "$ROOT/target/debug/libjeton_pkcs11.so")

check "the reader is a slot of Jeton's module, with the card as its token" \
    contains "Virtual PCD 00 00" "${M[@]}" --list-slots
check "  ... whose serial is the card's" contains "serial num +: $SERIAL" "${M[@]}" --list-token-slots
check "vpcd's second reader is a slot too, empty" contains "Virtual PCD 00 01" "${M[@]}" --list-slots
# Firefox polls C_WaitForSlotEvent(CKF_DONT_BLOCK) right after C_Initialize: a reader that
# was empty from the start must not show up as a removal (it did, once per empty reader).
check "  ... and no slot event right after C_Initialize (PyKCS11)" \
    env JETON_HOME="$WORK/module-home" python3 -c '
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
try:
    slot = lib.waitForSlotEvent(PyKCS11.CKF_DONT_BLOCK)
    sys.exit(f"event in slot {slot}: {lib.getSlotInfo(slot).slotDescription.strip()}")
except PyKCS11.PyKCS11Error as error:
    sys.exit(0 if error.value == PyKCS11.CKR_NO_EVENT else f"{error}")
' "$ROOT/target/debug/libjeton_pkcs11.so"
check "key generation in 9A (P-256) through the module" \
    "${M[@]}" --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 01
check "key generation in 9C (P-256)" \
    "${M[@]}" --login --pin 123456 --keypairgen --key-type EC:prime256v1 --id 02
check "key generation in 9D (RSA-2048)" \
    "${M[@]}" --login --pin 123456 --keypairgen --key-type rsa:2048 --id 03
for id in 01 02 03; do
    check "public key $id read back" \
        "${M[@]}" --read-object --type pubkey --id $id -o "$WORK/$id.der"
    openssl pkey -pubin -inform DER -in "$WORK/$id.der" -out "$WORK/$id.pem" 2>/dev/null
done
certify "$WORK/01.pem" "Holder Authentication" "$WORK/01.crt"
openssl x509 -in "$WORK/01.crt" -outform DER -out "$WORK/01.crt.der"
check "--write-object of the 9A certificate" \
    "${M[@]}" --login --pin 123456 --write-object "$WORK/01.crt.der" --type cert --id 01
check "  ... OpenSC's own module reads it back from the card" \
    contains "Holder Authentication" pkcs11-tool --module "$OPENSC_MODULE" --list-objects

check "ECDSA signature with 9A verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 01 --sign -m ECDSA-SHA256 --signature-format openssl \
        -i "$WORK/msg" -o "$WORK/sig.9a" &&
    openssl dgst -sha256 -verify "$WORK/01.pem" -signature "$WORK/sig.9a" "$WORK/msg"' _ "${M[@]}"
check "ECDSA signature with 9C (PIN before every use) verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 02 --sign -m ECDSA-SHA256 --signature-format openssl \
        -i "$WORK/msg" -o "$WORK/sig.9c" &&
    openssl dgst -sha256 -verify "$WORK/02.pem" -signature "$WORK/sig.9c" "$WORK/msg"' _ "${M[@]}"
check "RSA PKCS#1 v1.5 signature with 9D verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 03 --sign -m SHA256-RSA-PKCS -i "$WORK/msg" -o "$WORK/sig.9d" &&
    openssl dgst -sha256 -verify "$WORK/03.pem" -signature "$WORK/sig.9d" "$WORK/msg"' _ "${M[@]}"

# Issue 9: the module must never block the PIN by itself. A PyKCS11 application stays
# logged in (one session signs, another holds its connection in a 9C operation, so that
# the next sessions need connections of their own, where the module would VERIFY the PIN
# it kept); another program changes the PIN behind its back; the application's new
# sessions are told CKR_USER_NOT_LOGGED_IN, no try is spent, and the new PIN logs in.
# $1 $2: the PIN now and the new one; the rest: the command that changes it.
stale_pin_client() {
    env JETON_HOME="$WORK/module-home" python3 - "$ROOT/target/debug/libjeton_pkcs11.so" \
        "$J" "$READER" "$@" <<'PYTHON'
import json, subprocess, sys, PyKCS11
module, jeton, reader, old_pin, new_pin, *changer = sys.argv[1:]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = lib.getSlotList(tokenPresent=True)[0]
ecdsa = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA, None)
digest = bytes(range(32))

def key(session, key_id):
    found = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                 (PyKCS11.CKA_ID, (key_id,))])
    assert found, f"no private key {key_id}"
    return found[0]

def tries():
    out = subprocess.run([jeton, "--reader", reader, "status", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["pin_tries_left"]

def answer(call):
    try:
        call()
        return PyKCS11.CKR_OK
    except PyKCS11.PyKCS11Error as error:
        return error.value

first = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
first.login(old_pin)
authentication, signature = key(first, 1), key(first, 2)
first.sign(authentication, digest, ecdsa)
waiting = lib.openSession(slot)
sha256 = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None).to_native()
rv = waiting.lib.C_SignInit(waiting.session, sha256, signature)
assert rv == PyKCS11.CKR_OK, PyKCS11.CKR[rv]
waiting.login(old_pin, PyKCS11.CKU_CONTEXT_SPECIFIC)

subprocess.run(changer, check=True, stdout=subprocess.DEVNULL)

sessions = [lib.openSession(slot) for _ in range(4)]
answers = [answer(lambda: s.sign(authentication, digest, ecdsa)) for s in sessions]
names = [PyKCS11.CKR.get(rv, rv) for rv in answers]
left = tries()
assert left == 3, f"the module spent {3 - left} tries of the PIN; it answered {names}"
assert answers[0] == PyKCS11.CKR_USER_NOT_LOGGED_IN, names
# The login is gone: the private key's handle is not a public session's any more.
assert set(answers[1:]) <= {PyKCS11.CKR_USER_NOT_LOGGED_IN, PyKCS11.CKR_KEY_HANDLE_INVALID}, names
for session in sessions:
    assert session.getSessionInfo().state == PyKCS11.CKS_RO_PUBLIC_SESSION, "still logged in"
first.login(new_pin)
first.sign(authentication, digest, ecdsa)
lib.openSession(slot).sign(authentication, digest, ecdsa)
assert tries() == 3
PYTHON
}
check "a PIN changed by yubico-piv-tool behind a logged-in PyKCS11 application: CKR_USER_NOT_LOGGED_IN, no try spent" \
    stale_pin_client 123456 271828 yubico-piv-tool -r "$READER" -a change-pin -P 123456 -N 271828
check "  ... and by jeton --reader pin change" \
    stale_pin_client 271828 246813 bash -c 'printf "271828\n246813\n246813\n" | "$0" --reader "$1" pin change' "$J" "$READER"
check "  ... the PIN back to 123456 for what follows" \
    yubico-piv-tool -r "$READER" -a change-pin -P 246813 -N 123456
check "  ... the tries are still 3 of 3" contains '"pin_tries_left": 3' "$J" --reader "$READER" status --json

check "--change-pin to an alphanumeric PIN (OpenSC's own module fails_with those)" \
    "${M[@]}" --change-pin --pin 123456 --new-pin abc123
for try in 1 2; do
    expect_fail "wrong PIN $try of 3 is refused" "${M[@]}" --login --pin 000000 --list-objects
done
check "  ... the token warns of the final try" contains "final user PIN try" "${M[@]}" --list-token-slots
expect_fail "wrong PIN 3 of 3" "${M[@]}" --login --pin 000000 --list-objects
check "the token says the PIN is locked" contains "user PIN locked" "${M[@]}" --list-token-slots
check "--unlock-pin with the PUK sets a new PIN (C_SetPIN in a public session)" \
    "${M[@]}" --unlock-pin --puk 12345678 --new-pin 654321
check "  ... the new PIN logs in" "${M[@]}" --login --pin 654321 --list-objects
for try in 1 2 3; do
    expect_fail "wrong PIN $try of 3, again" "${M[@]}" --login --pin 000000 --list-objects
done
check "SO login with the PUK (--login-type so) and --init-pin unblock too" \
    "${M[@]}" --login --login-type so --so-pin 12345678 --init-pin --new-pin 654321
check "pkcs11-tool --test through the reader" "${M[@]}" --test --login --pin 654321
check "jeton --reader sees the tries restored" contains '"pin_tries_left": 3' \
    "$J" --reader "$READER" status --json

for try in 1 2 3; do
    expect_fail "wrong PIN $try" "${M[@]}" --login --pin 000000 --list-objects
done
for try in 1 2 3; do
    expect_fail "wrong PUK $try" "${M[@]}" --login --login-type so --so-pin 87654321 --init-pin --new-pin 222222
done
check "the token shows both PINs locked" contains "user PIN locked, SO PIN locked|SO PIN locked.*user PIN locked" \
    "${M[@]}" --list-token-slots
check "jeton --reader sees a dead card" contains '"dead": true' "$J" --reader "$READER" status --json
expect_fail "  ... that signs nothing" "${M[@]}" --login --pin 654321 --id 01 --sign \
    -m ECDSA-SHA256 -i "$WORK/msg" -o "$WORK/sig.dead"

finish
