#!/usr/bin/env bash
# The holder's story through the `jeton` command on the card in a PC/SC reader
# (`--reader`), the same as on a virtual card in-process; then what happens when the card
# is pulled out, when pcscd restarts, and when the reader holds no card or a foreign one.
source "$(dirname "$0")/vpcd_common.bash"
R=("$J" --reader "Virtual PCD 00 00")
jeton_with() { # jeton_with "SECRET LINES" ARGS...: secrets on stdin, one per line
    local secrets=$1
    shift
    printf '%b' "$secrets" | "${R[@]}" "$@"
}

check "status through the reader" contains "Card $SERIAL" "${R[@]}" status
check "pin verify" jeton_with '123456\n' pin verify
check "pin change (alphanumeric)" jeton_with '123456\nJeton2fa\nJeton2fa\n' pin change --alphanumeric
check "key generate 9a p256" jeton_with '\n' key generate --slot 9a --alg p256 --out "$WORK/9a.pub"
check "key generate 9c rsa2048" jeton_with '\n' key generate --slot 9c --alg rsa2048 --out "$WORK/9c.pub"
certify "$WORK/9c.pub" "Holder Signature" "$WORK/9c.pem"
check "cert import 9c" jeton_with '\n' cert import --slot 9c "$WORK/9c.pem"
check "cert export 9c gives it back" bash -c '
    "$@" cert export --slot 9c --out "$WORK/9c.back" && cmp "$WORK/9c.pem" "$WORK/9c.back"' _ "${R[@]}"
check "sign with 9c, verified by openssl" bash -c '
    printf "Jeton2fa\n" | "$@" key sign --slot 9c --in "$WORK/msg" --out "$WORK/sig" &&
    openssl dgst -sha256 -verify "$WORK/9c.pub" -signature "$WORK/sig" "$WORK/msg"' _ "${R[@]}"
check "sign with 9a, verified by openssl" bash -c '
    printf "Jeton2fa\n" | "$@" key sign --slot 9a --in "$WORK/msg" --out "$WORK/sig" &&
    openssl dgst -sha256 -verify "$WORK/9a.pub" -signature "$WORK/sig" "$WORK/msg"' _ "${R[@]}"
for try in 1 2 3; do
    expect_fail "wrong PIN $try" jeton_with '000000\n' pin verify
done
check "status says blocked" contains "PIN: BLOCKED" "${R[@]}" status
expect_fail "  ... and the right PIN is refused" jeton_with 'Jeton2fa\n' pin verify
check "pin unblock with the PUK" jeton_with '12345678\n581304\n581304\n' pin unblock --numeric
check "puk change" jeton_with '12345678\n87654321\n87654321\n' puk change
check "mgmt-key change (AES-256)" jeton_with "\n$(printf '%064d' 7)\n$(printf '%064d' 7)\n" \
    mgmt-key change --alg aes256
check "  ... then key generation needs the new key" \
    jeton_with "$(printf '%064d' 7)\n" key generate --slot 9d --alg p256 --out "$WORK/9d.pub"

# Pulled out and put back: the card stops, then works again without restarting anything.
stop_pid "$SERVE"
wait_for 5 bash -c '! opensc-tool --list-readers | grep -qE "Yes +Virtual PCD 00 00"'
check "no card in the reader: said so" fails_with "no card in the reader" "${R[@]}" status
start_card $SERIAL
check "the card back in the reader works" contains "Card $SERIAL" "${R[@]}" status

# pcscd restarts: `jeton card serve` plugs the card in again by itself.
stop_pid "$PCSCD"
start_pcscd
check "after a pcscd restart the card comes back" wait_for 10 card_present
check "  ... and answers" contains "Card $SERIAL" "${R[@]}" status

check "an unknown reader: said so, with the readers there are" \
    fails_with "no smart-card reader.*Virtual PCD 00 00" "$J" --reader Nokia status
check "--card and --reader together are refused" \
    fails_with "not both" "$J" --reader Virtual status --card 1

# A foreign card in the second reader: ISO 7816 but no PIV application.
/usr/bin/python3 - "$((PORT + 1))" >"$WORK/foreign.log" 2>&1 <<'PY' &
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def frame(b): s.sendall(struct.pack(">H", len(b)) + b)
def read(n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk: sys.exit(0)
        out += chunk
    return out
while True:
    msg = read(struct.unpack(">H", read(2))[0])
    if msg == b"\x04": frame(bytes.fromhex("3B8B0180F9A0000003080000100048"))
    elif len(msg) > 1: frame(b"\x6a\x82")
PY
PIDS+=($!)
READER="Virtual PCD 00 01" wait_for 10 card_present
check "a card without PIV: said so" fails_with "not a PIV card" "$J" --reader "Virtual PCD 00 01" status

finish
