#!/usr/bin/env bash
# p11-kit finds the Jeton token through the module file shipped in packaging/p11-kit:
# installed for one user (a copy pointing at the built module), `p11-kit list-modules`
# shows the module and its token, and applications that go through p11-kit (its proxy
# module, GnuTLS's p11tool without --provider) see the token too.
#
# p11-kit ignores user configuration in programs run as root: as root, the clients run as
# the unprivileged user nobody, in a temporary directory it owns.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"
require p11-kit p11-kit
require gnutls-bin p11tool

SHIPPED=$ROOT/packaging/p11-kit/jeton.module
PROXY=$(ls /usr/lib/*/p11-kit-proxy.so /usr/lib/p11-kit-proxy.so 2>/dev/null | head -1 || true)
SERIAL=10000505
new_card $SERIAL

check "jeton pkcs11 path names the built module" bash -c '[[ $("$1" pkcs11 path) == "$2" ]]' _ "$J" "$MODULE"
check "the shipped module file names libjeton_pkcs11.so" \
    grep -qx "module: libjeton_pkcs11.so" "$SHIPPED"
mkdir -p "$HOME/.config/pkcs11/modules"
check "installed for the user, pointing at the built module" bash -c '
    sed "s|^module: .*|module: $2|" "$1" >"$HOME/.config/pkcs11/modules/jeton.module" &&
    grep -qx "module: $2" "$HOME/.config/pkcs11/modules/jeton.module"' _ "$SHIPPED" "$MODULE"

as_user=(env HOME="$HOME" JETON_HOME="$JETON_HOME")
if ((EUID == 0)); then
    chown -R nobody "$WORK"
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${as_user[@]}")
fi

check "p11-kit list-modules shows the module and the Jeton token" bash -c '
    out=$("$@" p11-kit list-modules) &&
    grep -A20 "^jeton: " <<<"$out" > "$WORK/jeton.txt" &&
    grep -q "library-manufacturer: Jeton" "$WORK/jeton.txt" &&
    grep -q "token: Jeton PIV '$SERIAL'" "$WORK/jeton.txt" &&
    grep -q "serial-number: '$SERIAL'" "$WORK/jeton.txt" || { echo "$out"; false; }' _ "${as_user[@]}"
check "p11tool without --provider (through p11-kit) lists the token" \
    contains "Label: Jeton PIV $SERIAL" "${as_user[@]}" p11tool --list-tokens
if [[ -n $PROXY ]]; then
    check "pkcs11-tool through p11-kit-proxy.so lists the token" \
        contains "token label *: Jeton PIV $SERIAL" "${as_user[@]}" pkcs11-tool --module "$PROXY" -L
fi

finish
