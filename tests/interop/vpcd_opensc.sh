#!/usr/bin/env bash
# The Jeton card served to pcscd through vpcd, used by programs no one here wrote, with no
# Jeton code on the host side: opensc-tool, pcsc_scan, scriptor, OpenSC's PKCS#11 module
# through pkcs11-tool (keys made with yubico-piv-tool, certificates loaded with piv-tool),
# and at the end three wrong PINs and three wrong PUKs that leave the card dead for good.
source "$(dirname "$0")/vpcd_common.bash"
M=(pkcs11-tool --module "$OPENSC_MODULE")
Y=(yubico-piv-tool -r "$READER")

check "opensc-tool lists the reader with a card" \
    contains "Yes +$READER" opensc-tool --list-readers
check "the ATR carries the PIV AID" \
    contains "^3b:8b:01:80:f9:a0:00:00:03:08:00:00:10:00:48$" opensc-tool --reader 0 --atr
check "OpenSC names it a PIV card" \
    contains "Personal Identity Verification Card" opensc-tool --reader 0 --name
check "pcsc_scan sees the card" \
    contains "3B 8B 01 80 F9 A0 00 00 03 08 00 00 10 00 48" timeout 5 stdbuf -oL pcsc_scan -t 2

# Latency: 1000 GET DATA through pcscd+vpcd in one scriptor session. Without TCP_NODELAY
# and re-armed TCP_QUICKACK each would take ~40 ms (Debian 12's vpcd).
yes "00 CB 3F FF 03 5C 01 7E 00" | head -1000 >"$WORK/apdus"
latency() {
    local start end
    start=$(date +%s%N)
    scriptor -r "$READER" "$WORK/apdus" >"$WORK/scriptor.out" 2>&1 || return 1
    end=$(date +%s%N)
    [[ $(grep -c "90 00 : Normal processing" "$WORK/scriptor.out") -eq 1000 ]] || return 1
    local micros=$(((end - start) / 1000 / 1000))
    echo "mean round trip through pcscd+vpcd: $micros µs per APDU (scriptor, 1000 GET DATA)"
    ((micros < 5000))
}
check "1000 APDUs at well under 40 ms each" latency
sed -n 1p "$WORK/out"

check "pkcs11-tool finds a PIV token" contains "token label|PIV_II" "${M[@]}" --list-token-slots
check "key generation in 9A (RSA-2048) by yubico-piv-tool" \
    "${Y[@]}" -s 9a -A RSA2048 -a generate -o "$WORK/9a.pub"
check "key generation in 9C (P-256) by yubico-piv-tool" \
    "${Y[@]}" -s 9c -A ECCP256 -a generate -o "$WORK/9c.pub"
certify "$WORK/9a.pub" "Holder Authentication" "$WORK/9a.pem"
certify "$WORK/9c.pub" "Holder Signature" "$WORK/9c.pem"
echo 010203040506070801020304050607080102030405060708 >"$WORK/mgm.key"
# piv-tool exits with the number of bytes written (mod 256) on success (load_cert returns
# sc_write_binary's count): judge it by what OpenSC then reads back.
loads_certificate() { # loads_certificate SLOT PKCS15_ID PEM
    env PIV_EXT_AUTH_KEY="$WORK/mgm.key" piv-tool -A M:9B:03 -C "$1" -i "$3"
    pkcs15-tool --read-certificate "$2" >"$WORK/read.pem" &&
        cmp <(openssl x509 -in "$3" -outform DER) <(openssl x509 -in "$WORK/read.pem" -outform DER)
}
check "piv-tool loads the 9A certificate (management key, mutual auth)" \
    loads_certificate 9A 01 "$WORK/9a.pem"
check "piv-tool loads the 9C certificate" loads_certificate 9C 02 "$WORK/9c.pem"
check "pkcs11-tool lists keys and certificates" \
    contains "Private Key Object; RSA" "${M[@]}" --list-objects --login --pin 123456
check "  ... the 9C key as an EC key with its certificate" \
    contains "Holder Signature" "${M[@]}" --list-objects

check "ECDSA P-256 signature with 9C (PIN always) verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 02 --sign -m ECDSA-SHA256 --signature-format openssl \
        -i "$WORK/msg" -o "$WORK/sig.ec" &&
    openssl dgst -sha256 -verify "$WORK/9c.pub" -signature "$WORK/sig.ec" "$WORK/msg"' _ "${M[@]}"
check "RSA PKCS#1 v1.5 signature with 9A verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 01 --sign -m SHA256-RSA-PKCS -i "$WORK/msg" -o "$WORK/sig.rsa" &&
    openssl dgst -sha256 -verify "$WORK/9a.pub" -signature "$WORK/sig.rsa" "$WORK/msg"' _ "${M[@]}"
check "RSA-PSS signature with 9A verified by openssl" bash -c '
    "$@" --login --pin 123456 --id 01 --sign -m SHA256-RSA-PKCS-PSS -i "$WORK/msg" -o "$WORK/sig.pss" &&
    openssl dgst -sha256 -verify "$WORK/9a.pub" -sigopt rsa_padding_mode:pss \
        -sigopt rsa_pss_saltlen:auto -signature "$WORK/sig.pss" "$WORK/msg"' _ "${M[@]}"

check "--change-pin" "${M[@]}" --change-pin --pin 123456 --new-pin 654321
check "  ... the new PIN logs in" "${M[@]}" --login --pin 654321 --list-objects
for try in 1 2 3; do
    expect_fail "wrong PIN $try of 3 is refused" "${M[@]}" --login --pin 000000 --list-objects
done
check "the token says the PIN is locked" contains "user PIN locked" "${M[@]}" --list-token-slots
expect_fail "  ... even the right PIN is refused" "${M[@]}" --login --pin 654321 --list-objects
cat >"$WORK/opensc.conf" <<'CONF'
app default {
	framework pkcs15 { }
	pkcs11 { user_pin_unblock_style = set_pin_in_unlogged_session; }
}
CONF
U=(env OPENSC_CONF="$WORK/opensc.conf" "${M[@]}")
check "--unlock-pin with the PUK sets a new PIN" \
    "${U[@]}" --unlock-pin --puk 12345678 --new-pin 111111
check "  ... which logs in" "${M[@]}" --login --pin 111111 --list-objects
check "pkcs11-tool --test" "${M[@]}" --test --login --pin 111111

# The guide's end: beyond 3 wrong PINs and 3 wrong unblock codes, blocked for good.
for try in 1 2 3; do
    expect_fail "wrong PIN $try" "${M[@]}" --login --pin 000000 --list-objects
done
for try in 1 2 3; do
    expect_fail "wrong PUK $try" "${U[@]}" --unlock-pin --puk 87654321 --new-pin 222222
done
expect_fail "the right PUK no longer unblocks" \
    "${U[@]}" --unlock-pin --puk 12345678 --new-pin 222222
check "jeton --reader sees a dead card" \
    contains '"dead": true' "$J" --reader "$READER" status --json
expect_fail "  ... that signs nothing" "${M[@]}" --login --pin 111111 --id 02 --sign \
    -m ECDSA-SHA256 -i "$WORK/msg" -o "$WORK/sig.dead"

finish
