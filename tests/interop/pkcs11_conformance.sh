#!/usr/bin/env bash
# The two public PKCS#11 conformance suites against the module, each on a fresh virtual card:
# google's pkcs11test (from ../shared/third_party, built with Debian's googletest) and OpenSC's
# p11test (from Debian's own opensc source package). Each suite's failures must be exactly
# the ones listed, with their reason, in tests/interop/conformance/<suite>.expected: a new
# failure fails this script, and so does a listed failure that no longer happens (the list
# must say the truth). The builds are kept in target/conformance between runs.
source "$(dirname "${BASH_SOURCE[0]}")/pkcs11_common.bash"

require g++ g++
for needed in googletest:/usr/src/googletest/googletest/src/gtest-all.cc libcmocka-dev:/usr/include/cmocka.h; do
    if [[ ! -e ${needed#*:} ]]; then
        echo "missing ${needed#*:}: install ${needed%%:*} (see .ci/apt-packages)" >&2
        exit 1
    fi
done

THIRD_PARTY=$(realpath "$ROOT/../shared/third_party")
EXPECTED=$ROOT/tests/interop/conformance
BUILD=$ROOT/target/conformance
mkdir -p "$BUILD"

# pkcs11test: unmodified sources; Debian's googletest 1.12 needs C++14 instead of C++0x.
build_pkcs11test() {
    local src=$BUILD/pkcs11test
    [[ -x $src/pkcs11test ]] && return
    rm -rf "$src"
    cp -r "$THIRD_PARTY/pkcs11test" "$src"
    sed -i 's/-std=c++0x/-std=c++14/' "$src/makefile"
    make -C "$src" GTEST_DIR=/usr/src/googletest/googletest -j2 >"$BUILD/pkcs11test.log" 2>&1 ||
        { tail -20 "$BUILD/pkcs11test.log"; return 1; }
}

# p11test: the tests of the opensc version installed, from Debian's source package, fetched
# with a private apt state so that the machine's own apt configuration is left alone.
build_p11test() {
    local dir=$BUILD/p11test
    [[ -x $dir/p11test ]] && return
    rm -rf "$dir"
    mkdir -p "$dir/apt/parts" "$dir/apt/lists/partial"
    local suite
    suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$suite" >"$dir/apt/parts/src.sources"
    local apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$dir/apt/parts"
        -o "Dir::State::Lists=$dir/apt/lists")
    apt-get "${apt_opts[@]}" -qq update >"$BUILD/p11test.log" 2>&1 &&
        (cd "$dir" && apt-get "${apt_opts[@]}" -qq source --download-only opensc) >>"$BUILD/p11test.log" 2>&1 ||
        { tail -20 "$BUILD/p11test.log"; return 1; }
    tar -C "$dir" -xzf "$dir"/opensc_*.orig.tar.gz
    local tree
    tree=$(echo "$dir"/OpenSC-*)
    cp "$THIRD_PARTY/opensc-p11test/config.h" "$tree/config.h"
    (cd "$tree/src/tests/p11test" &&
        gcc -O1 -g -w -I../../.. -I../.. -I. -o "$dir/p11test" p11test.c p11test_loader.c \
            p11test_case_*.c p11test_helpers.c -lcrypto -lcmocka -ldl) >>"$BUILD/p11test.log" 2>&1 ||
        { tail -20 "$BUILD/p11test.log"; return 1; }
}

# compare SUITE FAILED-FILE: every failure is matched by a pattern of SUITE.expected (a
# shell glob, then `#` and the reason), and every pattern still matches a failure.
compare() {
    local suite=$1 failed=$2 name pattern reason ok=0
    local -a patterns=()
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] && patterns+=("$line")
    done <"$EXPECTED/$suite.expected"
    local -A used=()
    while IFS= read -r name; do
        [[ -n $name ]] || continue
        local matched=
        for pattern in "${patterns[@]}"; do
            # shellcheck disable=SC2053 # the pattern is a glob on purpose
            if [[ $name == $pattern ]]; then
                matched=$pattern
                used[$pattern]=1
                break
            fi
        done
        if [[ -z $matched ]]; then
            echo "unexpected failure: $name"
            ok=1
        fi
    done <"$failed"
    for pattern in "${patterns[@]}"; do
        if [[ -z ${used[$pattern]:-} ]]; then
            reason=$(grep -F -- "$pattern" "$EXPECTED/$suite.expected" | head -1)
            echo "listed as failing but passes now (remove it from $suite.expected): $reason"
            ok=1
        fi
    done
    return $ok
}

check "pkcs11test builds from ../shared/third_party" build_pkcs11test
check "p11test builds from Debian's opensc source package" build_p11test

# pkcs11test on a fresh card: it generates, logs in with wrong PINs and may block them.
run_pkcs11test() {
    rm -rf "$JETON_HOME" && mkdir -p "$JETON_HOME"
    new_card 7001
    (cd "$BUILD/pkcs11test" && timeout 600 ./pkcs11test -m "$(basename "$MODULE")" \
        -l "$(dirname "$MODULE")" -s 0 -u "$PIN" -o "$PUK") >"$WORK/pkcs11test.out" 2>&1 || true
    grep -q '^\[==========\] .* ran\.' "$WORK/pkcs11test.out" ||
        { tail -20 "$WORK/pkcs11test.out"; return 1; }
    # gtest lists each failure twice (with and without its time); keep the name only.
    sed -n 's/^\[  FAILED  \] \([^ ,]*\).*/\1/p' "$WORK/pkcs11test.out" |
        grep -v '^[0-9]*$' | sort -u >"$WORK/pkcs11test.failed"
    grep -E '^\[  PASSED  \]|^\[  FAILED  \] [0-9]+ tests' "$WORK/pkcs11test.out"
    compare pkcs11test "$WORK/pkcs11test.failed"
}
check "pkcs11test: exactly the listed failures" run_pkcs11test
grep -E '^\[  PASSED  \]|^\[  FAILED  \] [0-9]+ tests' "$WORK/pkcs11test.out" | sed 's/^/     /' || true

# p11test signs, verifies, decrypts and derives with the keys it finds: one key and
# certificate in each of the four PIV slots (RSA-2048, P-256, P-256 for ECDH, P-384).
MGMT=010203040506070801020304050607080102030405060708
certified_slot() {
    echo "$MGMT" | "$J" key generate --slot "$1" --alg "$2" --out "$WORK/pub$1.pem" >/dev/null
    [[ -e $WORK/ca.pem ]] || make_ca
    openssl x509 -req -in "$WORK/any.csr" -force_pubkey "$WORK/pub$1.pem" -subj "/CN=slot $1" \
        -days 30 -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -out "$WORK/cert$1.pem" 2>/dev/null
    echo "$MGMT" | "$J" cert import --slot "$1" "$WORK/cert$1.pem" >/dev/null
}
run_p11test() {
    rm -rf "$JETON_HOME" && mkdir -p "$JETON_HOME"
    new_card 7002
    certified_slot 9a rsa2048 && certified_slot 9c p256 && certified_slot 9d p256 &&
        certified_slot 9e p384
    timeout 600 "$BUILD/p11test/p11test" -m "$MODULE" -s 0 -p "$PIN" >"$WORK/p11test.out" 2>&1 || true
    grep -qE '^\[==========\] [0-9]+ test\(s\) run\.' "$WORK/p11test.out" ||
        { tail -20 "$WORK/p11test.out"; return 1; }
    # The failures are listed once more after the summary line.
    sed -n '/^\[  FAILED  \] [0-9]* test(s), listed below:/,$p' "$WORK/p11test.out" |
        sed -n 's/^\[  FAILED  \] \([a-z_]*\)$/\1/p' | sort -u >"$WORK/p11test.failed"
    grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ test' "$WORK/p11test.out"
    compare p11test "$WORK/p11test.failed"
}
check "p11test: exactly the listed failures" run_p11test
grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ test' "$WORK/p11test.out" | sed 's/^/     /' || true

finish
