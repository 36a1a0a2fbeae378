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
            echo "missing $tool: install the Debian package $package (see .ci/apt-packages)" >&2
            exit 1
        fi
    done
}
require openssl openssl
require opensc pkcs11-tool

WORK=$(mktemp -d)
chmod 755 "$WORK"
export WORK
export HOME=$WORK/home # the clients' caches and settings: nothing of the user's.
export JETON_HOME=$WORK/jeton
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JETON_PKCS11_CONF JETON_PKCS11_MGMT_KEY XDG_DATA_HOME XDG_CONFIG_HOME
mkdir -p "$HOME" "$JETON_HOME"
failures=0
checks=0
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

# check DESCRIPTION COMMAND...: runs the command, output to $WORK/out; counts a failure.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@" >"$WORK/out" 2>&1; then
        echo "ok   $what"
    else
        failures=$((failures + 1))
        echo "FAIL $what"
        sed 's/^/     | /' "$WORK/out" | tail -15
    fi
}

# expect_fail DESCRIPTION COMMAND...: the command must fail.
expect_fail() {
    local what=$1
    shift
    check "$what" bash -c '! "$@"' _ "$@"
}

# contains PATTERN COMMAND...: the command succeeds and its output matches PATTERN.
contains() {
    local pattern=$1
    shift
    local output
    output=$("$@" 2>&1) || { echo "$output"; return 1; }
    grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(no match for: $pattern)"; return 1; }
}

# lacks PATTERN COMMAND...: the command succeeds and its output does not match PATTERN.
lacks() {
    local pattern=$1
    shift
    local output
    output=$("$@" 2>&1) || { echo "$output"; return 1; }
    ! grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(unexpected: $pattern)"; return 1; }
}

# fails_with PATTERN COMMAND...: the command fails and its output matches PATTERN (a CKR_).
fails_with() {
    local pattern=$1
    shift
    local output
    if output=$("$@" 2>&1); then
        echo "$output"
        echo "(succeeded, expected a failure matching: $pattern)"
        return 1
    fi
    grep -qE -- "$pattern" <<<"$output" || { echo "$output"; echo "(no match for: $pattern)"; return 1; }
}

finish() {
    echo "$((checks - failures)) of $checks checks passed"
    ((failures == 0))
}

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
