# Shared by the pkcs11_*.sh interop scripts (sourced, not run: hence not *.sh).
#
# The Jeton PKCS#11 module (target/debug/libjeton_pkcs11.so) driven by clients no one here
# wrote. Each script gets a fresh $JETON_HOME and $HOME under one temporary directory,
# removed when it exits; the module reads its cards from there and uses the factory
# management key. `check` runs one step and counts failures; `finish` exits non-zero if
# there was any (and `set -e` stops the script on a failing setup step).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

MODULE=$ROOT/target/debug/libjeton_pkcs11.so
J=$ROOT/target/debug/jeton
if [[ ! -e $MODULE || ! -x $J ]]; then
    cargo build --quiet -p jeton-pkcs11 -p jeton
fi
MODULE=$(realpath "$MODULE")

# require PACKAGE TOOL...: every tool is installed, else say which Debian package has it.
require() {
    local package=$1 tool
    shift
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            echo "missing $tool: install $package (see .ci/apt-packages and .ci/pip-packages)" >&2
            exit 1
        fi
    done
}
require openssl openssl
require opensc pkcs11-tool

WORK=$(mktemp -d)
chmod 755 "$WORK"
export WORK
source "$ROOT/tests/interop/checks.bash"
export HOME=$WORK/home # the clients' caches and settings: nothing of the user's.
export JETON_HOME=$WORK/jeton
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JETON_PKCS11_CONF JETON_PKCS11_MGMT_KEY XDG_DATA_HOME XDG_CONFIG_HOME
mkdir -p "$HOME" "$JETON_HOME"
PIDS=() # processes a script starts, stopped by PID when it exits

cleanup() {
    local status=$? pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'echo "FAIL setup step (line $LINENO): $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

P11=(pkcs11-tool --module "$MODULE")
PIN=123456
PUK=12345678

# new_card SERIAL: a card fresh from the factory in $JETON_HOME.
new_card() {
    "$J" card create --serial "$1" >/dev/null
}

# keypair ID KEY-TYPE: a key pair made by the card through the module (CKA_ID 01 = 9A,
# 02 = 9C, 03 = 9D), its public key in $WORK/pub<ID>.pem.
keypair() {
    "${P11[@]}" --login --pin "$PIN" --keypairgen --id "$1" --key-type "$2" >/dev/null 2>&1
    "${P11[@]}" --read-object --type pubkey --id "$1" -o "$WORK/pub$1.der" >/dev/null 2>&1
    openssl pkey -pubin -inform DER -in "$WORK/pub$1.der" -out "$WORK/pub$1.pem"
}

# A CA of the provider's, to certify keys made on the card (their private keys never leave
# it, hence -force_pubkey).
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/CN=Jeton Interop CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=any" \
        -keyout "$WORK/any.key" -out "$WORK/any.csr" 2>/dev/null
}

# certify ID COMMON-NAME: $WORK/cert<ID>.der, the CA's certificate for the key $WORK/pub<ID>.pem.
certify() {
    [[ -e $WORK/ca.pem ]] || make_ca
    openssl x509 -req -in "$WORK/any.csr" -force_pubkey "$WORK/pub$1.pem" -subj "/CN=$2" \
        -days 30 -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
        -outform DER -out "$WORK/cert$1.der" 2>/dev/null
}

# write_certificate ID: loads $WORK/cert<ID>.der onto the card through the module.
write_certificate() {
    "${P11[@]}" --login --pin "$PIN" --write-object "$WORK/cert$1.der" --type cert --id "$1"
}

printf 'the document to sign\n' >"$WORK/msg"
