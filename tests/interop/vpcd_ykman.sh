#!/usr/bin/env bash
# ykman (yubikey-manager, from PyPI) on the Jeton card through pcscd+vpcd: `piv info` with
# the default-value warnings and the slots, key generation (P-256 and RSA 2048), real
# signatures (self-signed certificates and CSRs that openssl verifies), attestation checked
# against the card's attestation certificate, and the PIN and PUK story (change-pin,
# unblock-pin, change-puk), each with its effect checked. Then a card with a temporary PIN:
# ykman warns, and the card refuses to keep it.
#
# ykman reaches a PC/SC reader with `--reader NAME` (a substring of one reader's name: vpcd
# makes two, hence the full name). It reads the device information from the YubiKey
# Management and OTP applets, which the card does not have (SELECT answers 6A82): ykman then
# assumes firmware 3.0.0 for the device, but the PIV session takes its version from GET
# VERSION (5.7.0), which enables metadata, attestation and every key type.
source "$(dirname "$0")/vpcd_common.bash"
command -v ykman >/dev/null || { echo "missing ykman: pip install yubikey-manager" >&2; exit 1; }
YK=(ykman --reader "$READER" piv)
MGMT=010203040506070801020304050607080102030405060708

check "info on a fresh card: tries, default-value warnings" bash -c '
    out=$("$@" info) || { echo "$out"; exit 1; }
    echo "$out"
    grep -qE "PIV version: +5\.7\.0" <<<"$out" &&
    grep -qE "PIN tries remaining: +3/3" <<<"$out" &&
    grep -qE "PUK tries remaining: +3/3" <<<"$out" &&
    grep -q "WARNING: Using default PIN!" <<<"$out" &&
    grep -q "WARNING: Using default PUK!" <<<"$out" &&
    grep -q "WARNING: Using default Management key!" <<<"$out" &&
    ! grep -q "Slot" <<<"$out"' _ "${YK[@]}"

check "keys generate 9a ECCP256" "${YK[@]}" keys generate -m $MGMT -a ECCP256 9a "$WORK/9a.pub"
check "keys generate 9c RSA2048" "${YK[@]}" keys generate -m $MGMT -a RSA2048 9c "$WORK/9c.pub"
expect_fail "  ... a 9C key without the PIN is refused (sole control)" \
    "${YK[@]}" keys generate -m $MGMT -a ECCP256 --pin-policy never 9c "$WORK/never.pub"
check "  ... and so is a touch policy, there being nothing to touch" fails_with "6a80" \
    "${YK[@]}" keys generate -m $MGMT -a ECCP256 --touch-policy always 9e "$WORK/touch.pub"
check "  ... keys info reads the slot's metadata" contains "Algorithm: +ECCP256" \
    "${YK[@]}" keys info 9a
check "  ... keys export gives the generated public key" bash -c '
    "$@" keys export 9c "$WORK/9c.export" &&
    cmp <(openssl pkey -pubin -in "$WORK/9c.pub" -outform DER) \
        <(openssl pkey -pubin -in "$WORK/9c.export" -outform DER)' _ "${YK[@]}"

# ykman signs a certificate with the slot's key: a real signature, checked by openssl.
check "certificates generate 9a (signed on the card with P-256)" \
    "${YK[@]}" certificates generate -m $MGMT -P 123456 -s "CN=Holder Authentication" \
    9a "$WORK/9a.pub"
check "  ... the certificate verifies with the generated key" bash -c '
    "$@" certificates export 9a "$WORK/9a.pem" &&
    openssl verify -CAfile "$WORK/9a.pem" -check_ss_sig "$WORK/9a.pem" &&
    cmp <(openssl x509 -in "$WORK/9a.pem" -noout -pubkey) <(openssl pkey -pubin -in "$WORK/9a.pub")
' _ "${YK[@]}"
check "certificates request 9c (a CSR signed with RSA 2048, PIN before the signature)" bash -c '
    "$@" certificates request -P 123456 -s "CN=Holder Signature" 9c "$WORK/9c.pub" \
        "$WORK/9c.csr" &&
    openssl req -in "$WORK/9c.csr" -verify -noout' _ "${YK[@]}"
check "info shows the slots" bash -c '
    out=$("$@" info) || { echo "$out"; exit 1; }
    echo "$out"
    grep -q "Slot 9A" <<<"$out" && grep -q "ECCP256" <<<"$out" &&
    grep -q "CN=Holder Authentication" <<<"$out" && grep -q "Slot 9C" <<<"$out" &&
    grep -q "RSA2048" <<<"$out"' _ "${YK[@]}"

check "keys attest 9a, verified against the attestation certificate (f9)" bash -c '
    "$@" keys attest 9a "$WORK/attest.pem" &&
    "$@" certificates export f9 "$WORK/f9.pem" &&
    openssl verify -CAfile "$WORK/f9.pem" "$WORK/attest.pem" &&
    cmp <(openssl x509 -in "$WORK/attest.pem" -noout -pubkey) <(openssl pkey -pubin -in "$WORK/9a.pub")
' _ "${YK[@]}"
check "keys attest 9c (RSA 2048)" bash -c '
    "$@" keys attest 9c "$WORK/attest9c.pem" &&
    openssl verify -CAfile "$WORK/f9.pem" "$WORK/attest9c.pem"' _ "${YK[@]}"

check "access change-pin" contains "New PIN set" \
    "${YK[@]}" access change-pin -P 123456 -n Secret42
check "  ... no default-PIN warning any more" lacks "default PIN" "${YK[@]}" info
check "  ... the old PIN is refused, a try spent" \
    fails_with "PIN change failed - 2 tries left" \
    "${YK[@]}" access change-pin -P 123456 -n 24681357
check "  ... the new PIN signs" "${YK[@]}" certificates request -P Secret42 \
    -s "CN=With the new PIN" 9a "$WORK/9a.pub" "$WORK/9a.csr"
check "  ... and put the counter back" contains "PIN tries remaining: +3/3" "${YK[@]}" info

for try in 1 2 3; do
    "${YK[@]}" access change-pin -P 000000 -n 24681357 >/dev/null 2>&1
done
check "three wrong PINs block the PIN" contains "PIN tries remaining: +0/3" "${YK[@]}" info
check "access unblock-pin with the PUK" contains "New PIN set" \
    "${YK[@]}" access unblock-pin -p 12345678 -n 13572468
check "  ... 3 PIN tries again, and the new PIN works" bash -c '
    "$@" info | grep -qE "PIN tries remaining: +3/3" &&
    "$@" certificates request -P 13572468 -s "CN=Unblocked" 9a "$WORK/9a.pub" "$WORK/u.csr"
' _ "${YK[@]}"

check "access change-puk" contains "New PUK set" \
    "${YK[@]}" access change-puk -p 12345678 -n 87654321
check "  ... no default-PUK warning any more" lacks "default PUK" "${YK[@]}" info
check "  ... the old PUK is refused" fails_with "PUK change failed - 2 tries left" \
    "${YK[@]}" access change-puk -p 12345678 -n 11223344
check "  ... the new PUK unblocks" contains "New PIN set" \
    "${YK[@]}" access unblock-pin -p 87654321 -n 97531864

# A random AES-256 management key that ykman keeps on the card behind the PIN (Yubico's
# admin data 5FFF00 says so, the key goes into the printed information 5FC109).
check "access change-management-key --protect (random AES-256 key kept behind the PIN)" \
    "${YK[@]}" access change-management-key -m $MGMT -P 97531864 --protect -a AES256 -f
check "  ... info says so, without the default-key warning" bash -c '
    out=$("$@" info) || { echo "$out"; exit 1; }
    echo "$out"
    grep -q "Management key is stored on the YubiKey, protected by PIN" <<<"$out" &&
    grep -qE "Management key algorithm: +AES256" <<<"$out" &&
    ! grep -q "default Management key" <<<"$out"' _ "${YK[@]}"
check "  ... the PIN alone now generates keys" \
    "${YK[@]}" keys generate -P 97531864 -a ECCP256 9d "$WORK/9d.pub"
expect_fail "  ... the factory key no longer does" \
    "${YK[@]}" keys generate -m $MGMT -a ECCP256 9e "$WORK/9e.pub"
check "keys delete 9d (YubiKey 5.7 MOVE KEY, delete form)" "${YK[@]}" keys delete -P 97531864 9d
check "  ... no key in 9d any more" fails_with "No key stored in slot" "${YK[@]}" keys info 9d

# A card as the provider hands it over: the PIN received by SMS is temporary.
stop_pid "$SERVE"
TEMPORARY=20000042
printf '735194\n735194\n' |
    "$J" card create --serial $TEMPORARY --temporary-pin --custom-pin >/dev/null || exit 1
start_card $TEMPORARY
check "temporary PIN: info warns that the PIN is known to someone else" \
    contains "WARNING: Using default PIN!" "${YK[@]}" info
check "  ... change-pin to the same PIN is refused, no try spent" bash -c '
    out=$("$@" access change-pin -P 735194 -n 735194 2>&1) && { echo "$out"; exit 1; }
    echo "$out"
    grep -q "PIN does not meet complexity requirement" <<<"$out" &&
    "$@" info | grep -qE "PIN tries remaining: +3/3"' _ "${YK[@]}"
# The same through raw APDUs (scriptor): the PIN's metadata says default value (05) and
# temporary (88); an empty slot answers 6A88.
apdus() { printf '%s\n' "00 A4 04 00 05 A0 00 00 03 08" "$@" | scriptor -r "$READER"; }
check "  ... GET METADATA on the PIN: 05 01 01 and 88 01 01" contains \
    "< 01 01 FF 05 01 01 06 02 03 03 88 01 01" apdus "00 F7 00 80"
check "  ... GET METADATA on the empty slot 9D: 6A88" contains "< 6A 88" apdus "00 F7 00 9D"
check "  ... a new PIN is accepted, and the warning goes" bash -c '
    "$@" access change-pin -P 735194 -n Chosen77 &&
    ! "$@" info | grep -q "default PIN"' _ "${YK[@]}"

# ykman's reset blocks the PIN and the PUK with wrong tries, then sends RESET (00 FB), which
# the card accepts only once it is dead.
check "piv reset (ykman blocks PIN and PUK first)" "${YK[@]}" reset --force
check "  ... keys gone, factory PIN and PUK back" bash -c '
    out=$("$@" info) || { echo "$out"; exit 1; }
    echo "$out"
    grep -qE "PIN tries remaining: +3/3" <<<"$out" &&
    grep -q "WARNING: Using default PUK!" <<<"$out" && ! grep -q "Slot" <<<"$out"
' _ "${YK[@]}"

finish
