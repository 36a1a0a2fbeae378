#!/usr/bin/env bash
# The reader benchmark of issue 4: ECDSA P-256 signatures with the 9A key of a Jeton card in
# a PC/SC reader, through our PKCS#11 module and through OpenSC's over the same reader,
# beside our module on an in-process virtual card; and the mean APDU round trip through
# pcscd+vpcd. Not a test (CI does not run it): run it on a quiet machine, from anywhere:
#
#     bash bench/reader.sh            # rounds of 1 s; JETON_BENCH_SECONDS=… to change
#
# It builds what it needs (release, PC/SC), then starts a private pcscd with the vsmartcard
# vpcd driver on a free port (in a mount namespace of its own when the system allows it, so
# that a pcscd already running here is left alone), serves a fresh card with a P-256 key and
# its certificate in 9A (OpenSC lists a PIV private key only when its certificate is on the
# card), and runs the PKCS#11 harness with JETON_BENCH_READER set. Everything it started is
# stopped by PID when it exits. Needs: pcscd vsmartcard-vpcd opensc-pkcs11 pcsc-tools openssl.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=$(realpath "$0")
cd "$ROOT" || exit 1

# Built before the namespace and before HOME changes (cargo and rustup find their homes
# through it).
if [[ -z ${JETON_BENCH_BUILT:-} ]]; then
    cargo build --quiet --release -p jeton -p jeton-pkcs11 \
        --features jeton/pcsc,jeton-pkcs11/pcsc || exit 1
    cargo bench --quiet -p jeton-pkcs11 --bench pkcs11 --no-run || exit 1
    export JETON_BENCH_BUILT=1
fi

# pcscd's socket path is fixed (/run/pcscd/pcscd.comm): a tmpfs over /run/pcscd in a mount
# namespace of our own gives this run its own pcscd.
if [[ -z ${JETON_BENCH_NAMESPACE:-} ]] && mkdir -p /run/pcscd 2>/dev/null &&
    unshare -m true 2>/dev/null; then
    export JETON_BENCH_NAMESPACE=1
    exec unshare -m bash -c 'mount -t tmpfs tmpfs /run/pcscd && exec bash "$0" "$@"' "$SCRIPT" "$@"
fi

for tool in pcscd scriptor openssl ss; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: install pcscd vsmartcard-vpcd opensc-pkcs11 pcsc-tools openssl" >&2
        exit 1
    }
done
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[[ -e $VPCD_DRIVER ]] || { echo "missing $VPCD_DRIVER: install vsmartcard-vpcd" >&2; exit 1; }
if [[ -z ${JETON_BENCH_NAMESPACE:-} ]] && pgrep -x pcscd >/dev/null; then
    echo "a pcscd already runs and no private mount namespace is allowed here: stop it first" >&2
    exit 1
fi

J=$ROOT/target/release/jeton
WORK=$(mktemp -d)
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export HOME=$WORK # OpenSC's cache: nothing of the user's.
export JETON_HOME=$WORK/jeton
export LANG=C.UTF-8 LC_ALL=C.UTF-8
PIDS=()

cleanup() {
    local pid
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { # fail MESSAGE LOG: says what went wrong, with the log's tail
    echo "$1" >&2
    [[ -n ${2:-} ]] && tail -20 "$2" >&2
    exit 1
}

wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

PORT=46963
while ss -ltn | grep -q ":$PORT \|:$((PORT + 1)) "; do PORT=$((PORT + 2)); done
mkdir -p "$WORK/conf"
cat >"$WORK/conf/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$PORT
LIBPATH      $VPCD_DRIVER
CHANNELID    $PORT
EOF
READER="Virtual PCD 00 00"

pcscd -f -c "$WORK/conf" >"$WORK/pcscd.log" 2>&1 &
PIDS+=($!)
wait_for 10 bash -c "ss -ltn | grep -q ':$PORT '" || fail "pcscd did not start" "$WORK/pcscd.log"

SERIAL=10000500
"$J" card create --serial $SERIAL >/dev/null || fail "jeton card create failed"
"$J" card serve --card $SERIAL --vpcd "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
wait_for 10 "$J" --reader "$READER" status || fail "the card did not appear in $READER" "$WORK/serve.log"

# A P-256 key born in 9A, and a certificate for it from a throwaway CA (-force_pubkey: the
# private key never leaves the card). The empty line is the factory management key.
printf '\n' | "$J" --reader "$READER" key generate --slot 9a --alg p256 --out "$WORK/9a.pub" \
    >"$WORK/keygen.log" 2>&1 || fail "key generation in 9A failed" "$WORK/keygen.log"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=Jeton Bench CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=any" \
        -keyout "$WORK/any.key" -out "$WORK/any.csr" 2>/dev/null &&
    openssl x509 -req -in "$WORK/any.csr" -force_pubkey "$WORK/9a.pub" \
        -subj "/CN=Holder Authentication" -days 1 -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
        -CAcreateserial -out "$WORK/9a.pem" 2>/dev/null || fail "openssl could not certify 9A"
printf '\n' | "$J" --reader "$READER" cert import --slot 9a "$WORK/9a.pem" >/dev/null ||
    fail "certificate import in 9A failed"

# The mean APDU round trip: 1000 GET DATA (Discovery object) in one scriptor session.
yes "00 CB 3F FF 03 5C 01 7E 00" | head -1000 >"$WORK/apdus"
start=$(date +%s%N)
scriptor -r "$READER" "$WORK/apdus" >"$WORK/scriptor.out" 2>&1 || fail "scriptor failed" "$WORK/scriptor.out"
end=$(date +%s%N)
[[ $(grep -c "90 00 : Normal processing" "$WORK/scriptor.out") -eq 1000 ]] ||
    fail "scriptor: not 1000 answers 90 00" "$WORK/scriptor.out"
awk -v ns=$((end - start)) 'BEGIN {
    printf "mean APDU round trip through pcscd+vpcd: %.1f µs (scriptor, 1000 GET DATA)\n", ns / 1000 / 1000 }'

# The harness keeps its own JETON_HOME (20 virtual cards) and finds the reader's slot by
# its description, in our module as in OpenSC's.
JETON_BENCH_READER=$READER cargo bench --quiet -p jeton-pkcs11 --bench pkcs11 -- "$@"
