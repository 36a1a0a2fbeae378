# Shared by the vpcd_*.sh interop scripts (sourced, not run: hence not *.sh).
#
# Starts a private PC/SC stack: its own pcscd (in a private mount namespace when the
# system allows it, so that a pcscd already running here is left alone) with the vsmartcard
# vpcd driver on a free port, and `jeton card serve` with a fresh card in its first reader.
# Everything started is stopped by PID when the script exits. `check` counts failures;
# `finish` exits non-zero if there was any.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCRIPT=$(realpath "$0")
cd "$ROOT" || exit 1

# pcscd's socket path is fixed (/run/pcscd/pcscd.comm): a tmpfs over /run/pcscd in a mount
# namespace of our own gives this test its own pcscd, invisible to the rest of the machine.
if [[ -z ${JETON_INTEROP_NAMESPACE:-} ]] && mkdir -p /run/pcscd 2>/dev/null &&
    unshare -m true 2>/dev/null; then
    export JETON_INTEROP_NAMESPACE=1
    exec unshare -m bash -c 'mount -t tmpfs tmpfs /run/pcscd && exec bash "$0"' "$SCRIPT"
fi

for tool in pcscd opensc-tool pkcs11-tool yubico-piv-tool pcsc_scan scriptor openssl; do
    if ! command -v "$tool" >/dev/null; then
        echo "missing $tool: install pcscd vsmartcard-vpcd opensc yubico-piv-tool pcsc-tools" >&2
        exit 1
    fi
done
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[[ -e $VPCD_DRIVER ]] || { echo "missing $VPCD_DRIVER: install vsmartcard-vpcd" >&2; exit 1; }
if [[ -z ${JETON_INTEROP_NAMESPACE:-} ]] && pgrep -x pcscd >/dev/null; then
    echo "a pcscd already runs and no private mount namespace is allowed here: stop it first" >&2
    exit 1
fi

# The jeton binary with PC/SC support (the test step of .ci/run builds it so already).
cargo build --quiet -p jeton --features pcsc || exit 1
J=$ROOT/target/debug/jeton

OPENSC_MODULE=$(ls /usr/lib/*/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so 2>/dev/null | head -1)

WORK=$(mktemp -d)
export WORK
source "$ROOT/tests/interop/checks.bash"
export HOME=$WORK # OpenSC's cache and yubico's settings: nothing of the user's.
export JETON_HOME=$WORK/jeton
export LANG=C.UTF-8 LC_ALL=C.UTF-8
PIDS=()

cleanup() {
    local pid
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if ((failures)); then
        echo "--- pcscd log (tail) ---"; tail -20 "$WORK/pcscd.log" 2>/dev/null
        echo "--- jeton card serve log (tail) ---"; tail -20 "$WORK/serve.log" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=45963
while ss -ltn | grep -q ":$PORT \|:$((PORT + 1)) "; do PORT=$((PORT + 2)); done
mkdir -p "$WORK/conf"
cat >"$WORK/conf/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$PORT
LIBPATH      $VPCD_DRIVER
CHANNELID    $PORT
EOF
READER="Virtual PCD 00 00"

start_pcscd() {
    pcscd -f -c "$WORK/conf" >>"$WORK/pcscd.log" 2>&1 &
    PCSCD=$!
    PIDS+=("$PCSCD")
    wait_for 10 bash -c "ss -ltn | grep -q ':$PORT '" || { echo "pcscd did not start" >&2; exit 1; }
}

start_card() { # start_card SERIAL
    "$J" card serve --card "$1" --vpcd "127.0.0.1:$PORT" --verbose >>"$WORK/serve.log" 2>&1 &
    SERVE=$!
    PIDS+=("$SERVE")
    wait_for 10 card_present || { echo "the card did not appear in $READER" >&2; exit 1; }
}

card_present() { opensc-tool --list-readers 2>/dev/null | grep -qE "^[0-9]+ +Yes +$READER"; }

stop_pid() { kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; true; }

start_pcscd
SERIAL=10000042
"$J" card create --serial $SERIAL >/dev/null || exit 1
start_card $SERIAL

# A CA of the provider's, to certify keys made on the card (their private keys never leave
# it, hence -force_pubkey).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=Jeton Interop CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=any" \
    -keyout "$WORK/any.key" -out "$WORK/any.csr" 2>/dev/null
certify() { # certify PUBLIC_KEY_PEM COMMON_NAME OUT
    openssl x509 -req -in "$WORK/any.csr" -force_pubkey "$1" -subj "/CN=$2" -days 30 \
        -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -out "$3" 2>/dev/null
}
printf 'the document to sign\n' >"$WORK/msg"
