#!/usr/bin/env bash
# PyKCS11, the Python PKCS#11 wrapper, drives the Jeton module: every signature mechanism
# checked by C_Verify and by `openssl`, decryption and ECDH, digests, and the PIN story with
# the token flags at each step (pkcs11_pykcs11.py). Cards and keys are made here with the
# `jeton` command in a fresh $JETON_HOME; exits non-zero if any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

MODULE=$ROOT/target/debug/libjeton_pkcs11.so
J=$ROOT/target/debug/jeton
if [[ ! -e $MODULE || ! -x $J ]]; then
    cargo build --quiet -p jeton-pkcs11 -p jeton
fi
if ! python3 -c 'import PyKCS11' 2>/dev/null; then
    echo "missing PyKCS11: python3 -m pip install PyKCS11 (listed in .ci/pip-packages)" >&2
    exit 1
fi
command -v openssl >/dev/null || { echo "missing openssl (see .ci/apt-packages)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export JETON_HOME=$WORK/jeton
unset JETON_PKCS11_CONF JETON_PKCS11_MGMT_KEY
mkdir -p "$WORK/keys"

# Card 100 holds the keys; card 200 stays as it left the factory, for the PIN story.
"$J" card create --serial 100 </dev/null >/dev/null
"$J" card create --serial 200 </dev/null >/dev/null
for key in 9a:rsa2048 9c:p256 9d:rsa2048 9e:p384 82:p256; do
    # One empty line on stdin: the factory management key.
    echo | "$J" key generate --card 100 --slot "${key%%:*}" --alg "${key#*:}" \
        --out "$WORK/keys/${key%%:*}.pem" >/dev/null 2>"$WORK/generate.log" ||
        { cat "$WORK/generate.log" >&2; exit 1; }
done

python3 tests/interop/pkcs11_pykcs11.py --module "$(realpath "$MODULE")" --keys "$WORK/keys"
