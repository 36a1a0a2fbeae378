#!/usr/bin/env bash
# The provider's set-up as a newcomer does it, and `jeton ca init` interrupted:
#  - `jeton ca init` with no provider.toml writes a commented default, sets the provider up
#    and prints the next steps; key files are recorded relative to the provider folder, so
#    the whole JETON_HOME can be moved and still issues and serves; `--listen localhost:0`
#    works; `jeton server` refuses an incomplete provider and names what is missing, and
#    its /healthz names a CA that went missing from the database;
#  - `jeton ca init` killed with SIGKILL at random instants: every time the provider folder
#    is either absent or complete (its records, certificates, key files, an intact audit
#    log), and a rerun finishes or starts clean, after which the provider issues.
# On SQLite, and on PostgreSQL when JETON_TEST_POSTGRES_URL names a server (.ci/run sets it).
# Bounded loops only; everything on loopback.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" setup
export LANG=C LC_ALL=C

provider_keys "$WORK" "setup-test passphrase"
SQLITE_KILLS=24
PG_KILLS=12

init() { provider_init; }

# holder_key NAME: an EC key pair, its public half in $WORK/NAME.pub
holder_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/$1.key" 2>/dev/null &&
        openssl pkey -in "$WORK/$1.key" -pubout -out "$WORK/$1.pub"
}
holder_key holder
issue() { # issue OUT: a qualified certificate for the holder's key, from the issuing CA
    "$J" --lang en ca issue --profile qualified-signing --public-key "$WORK/holder.pub" \
        --subject "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont" \
        --out "$1" "${KEYS[@]}"
}

# complete: the provider in $JETON_HOME has its four CAs with key files named relative to
# the folder, their certificates, and an intact audit log.
complete() {
    local dir="$JETON_HOME/provider" list name key
    list=$("$J" --lang en ca list --json) || { echo "$list"; return 1; }
    for name in root issuing ocsp tsa; do
        key=$(python3 -c 'import json, sys; print(next(c["key"] for c in json.load(sys.stdin)["cas"] if c["name"] == sys.argv[1]))' "$name" <<<"$list")
        [[ $key == "keys/$name.key.pem" ]] || { echo "CA $name: key '$key'"; return 1; }
        [[ -s $dir/$key ]] || { echo "$dir/$key is missing"; return 1; }
    done
    (($(python3 -c 'import json, sys; print(len(json.load(sys.stdin)["certificates"]))' <<<"$list") == 4)) ||
        { echo "$list"; return 1; }
    [[ -s $dir/audit-key.ref && -s $dir/audit-key.pub.pem ]] || { echo "no audit key files"; return 1; }
    local verdict
    verdict=$("$J" --lang en audit verify 2>&1) && grep -q "Audit log intact" <<<"$verdict" ||
        { echo "$verdict"; return 1; }
}

# --- A newcomer: no provider.toml at all.
export JETON_HOME="$WORK/first"
init >"$WORK/first.out" 2>&1
check "ca init without provider.toml prints the next steps" grep -q "Next steps" "$WORK/first.out"
check "... it wrote a commented provider.toml" grep -q "^# The provider's settings" "$JETON_HOME/provider.toml"
check "... and says what to back up, how to issue and serve" bash -c \
    'grep -q "Back up:.*keys/" "$1" && grep -q "jeton ca issue" "$1" && grep -q "jeton server" "$1"' _ "$WORK/first.out"
check "the provider is complete, its key files named relative to its folder" complete
check "a second ca init refuses: the provider is set up" \
    fails_with "already set up" init
check "ca issue from the issuing CA" issue "$WORK/first.pem"
check "ca issue from the root CA is refused" fails_with "root CA issues only CA certificates" \
    "$J" --lang en ca issue --ca root --profile qualified-signing --public-key "$WORK/holder.pub" \
    --subject "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont" \
    --out "$WORK/root-ee.pem" "${KEYS[@]}"
check "ca issue --days 0 is refused" expect_fail \
    "$J" --lang en ca issue --days 0 --profile qualified-signing --public-key "$WORK/holder.pub" \
    --subject "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont" \
    --out "$WORK/zero.pem" "${KEYS[@]}"

# --- The whole JETON_HOME moved: it issues and serves from the new place.
mv "$WORK/first" "$WORK/moved"
export JETON_HOME="$WORK/moved"
check "moved: ca issue" issue "$WORK/moved.pem"
check "moved: jeton server --listen localhost:0 starts" server_start server --listen localhost:0
check "moved: it serves the issuing CA's certificate" curl -sf -o "$WORK/issuing.der" "$URL/ca/issuing.crt"
check "moved: /healthz is ok" contains "^ok" curl -sf "$URL/healthz"
sqlite3 "$JETON_HOME/provider/tsp.sqlite" "DELETE FROM cas WHERE name = 'issuing'"
check "/healthz names a CA deleted from the database, with a 503" bash -c \
    '[[ $(curl -s -o "$2" -w "%{http_code}" "$1/healthz") == 503 ]] && grep -q "missing: CA .issuing." "$2"' \
    _ "$URL" "$WORK/healthz.txt"
server_stop server

# --- Incomplete providers are refused by name.
cp -a "$WORK/moved" "$WORK/broken"
rm "$WORK/broken/provider/keys/tsa.key.pem"
export JETON_HOME="$WORK/broken"
check "jeton server refuses a provider missing a key file, naming it" \
    fails_with "tsa.key.pem" "$J" --lang en server --listen 127.0.0.1:0 "${KEYS[@]}"
check "... in French too" fails_with "il manque" \
    "$J" --lang fr server --listen 127.0.0.1:0 "${KEYS[@]}"
export JETON_HOME="$WORK/nothing"
mkdir -p "$JETON_HOME"
cp "$WORK/moved/provider.toml" "$JETON_HOME/"
check "jeton server refuses a home without a provider, before asking for the passphrase" \
    fails_with "no complete provider" "$J" --lang en server --listen 127.0.0.1:0 </dev/null
check "jeton ca list there says so and makes no folder" bash -c \
    '! "$1" --lang en ca list >/dev/null 2>&1 && [[ ! -e $2/provider ]]' _ "$J" "$JETON_HOME"
check "... and ca init then sets it up" contains "Next steps" init

# --- The root key offline (issue 9): the online home holds only the issuing, OCSP and TSA
# keys, the server starts with their secrets alone, and the root signs from its medium.
export JETON_HOME="$WORK/online"
mkdir -p "$JETON_HOME"
cp "$WORK/moved/provider.toml" "$JETON_HOME/"
check "ca init --root-dir puts the root key in a folder apart" contains "Next steps" \
    "$J" --lang en ca init --root-dir "$WORK/offline-root" "${KEYS[@]}"
check "... the online home holds no root key file; the folder apart does, 0600 in 0700" bash -c '
    [ -z "$(find "$1" -name "root*.pem")" ] && [ -s "$2/root.key.pem" ] &&
    [ "$(stat -c %a "$2")" = 700 ] && [ "$(stat -c %a "$2/root.key.pem")" = 600 ]' \
    _ "$JETON_HOME" "$WORK/offline-root"
mv "$WORK/offline-root" "$WORK/usb-stick"
P="$WORK/passphrases"
ONLINE=(--passphrase-file "issuing=$P/issuing" --passphrase-file "ocsp=$P/ocsp" --passphrase-file "tsa=$P/tsa")
ALL_KEYS=("${KEYS[@]}")
KEYS=("${ONLINE[@]}")
check "jeton server starts with the online keys' secrets only, the root's medium away" \
    server_start server --listen 127.0.0.1:0
check "... and serves OCSP's CA" curl -sf -o /dev/null "$URL/ca/issuing.crt"
server_stop server
KEYS=("${ALL_KEYS[@]}")
check "ca issue needs no root key" issue "$WORK/online.pem"
check "ca crl --ca root without its medium fails, naming the root key file" fails_with "offline-root/root.key.pem" \
    "$J" --lang en ca crl --ca root --out "$WORK/root.crl" "${KEYS[@]}"
check "ca crl --ca root --root-dir signs from the medium, mounted elsewhere" \
    "$J" --lang en ca crl --ca root --root-dir "$WORK/usb-stick" --out "$WORK/root.crl" "${KEYS[@]}"
check "... and openssl verifies that CRL with the root's certificate" bash -c '
    sqlite3 "$1" "SELECT writefile(\"$2\", certificate) FROM cas WHERE name = \"root\"" >/dev/null &&
    openssl x509 -inform DER -in "$2" -out "$2.pem" &&
    openssl crl -in "$3" -CAfile "$2.pem" -noout 2>&1 | grep -q "verify OK"' \
    _ "$JETON_HOME/provider/tsp.sqlite" "$WORK/online-root.der" "$WORK/root.crl"

# --- ca init killed at random instants.
# absent_or_complete: after a kill, no provider folder, or a complete one.
absent_or_complete() {
    [[ ! -e $JETON_HOME/provider ]] && return
    complete
}

# kills LABEL COUNT [STORAGE-FOR-ITERATION-COMMAND]
kills() {
    local label=$1 count=$2 storage=${3:-} i start took delay storage_toml
    local absent=0 finished=0 whole=0
    export JETON_HOME="$WORK/$label-timing"
    provider_toml "$([[ -n $storage ]] && $storage)"
    start=$(date +%s%N)
    init >/dev/null 2>&1
    took=$((($(date +%s%N) - start) / 1000000))
    echo "     one ca init takes $took ms here ($label)"
    for ((i = 1; i <= count; i++)); do
        export JETON_HOME="$WORK/$label-$i"
        storage_toml=$([[ -n $storage ]] && $storage)
        provider_toml "$storage_toml"
        # Up to a third beyond a whole run: kills land before, inside and after the work.
        delay=$((RANDOM % (took * 4 / 3 + 1)))
        # jeton itself in the background (not a shell function's subshell), so that the
        # SIGKILL reaches it.
        "$J" --lang en ca init "${KEYS[@]}" >"$WORK/init.out" 2>&1 &
        local pid=$!
        PIDS+=("$pid")
        sleep "$(printf '0.%03d' "$delay")"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        check "$label kill #$i after ${delay} ms: the provider folder is absent or complete" absent_or_complete
        if [[ -e $JETON_HOME/provider ]]; then
            ((whole++))
            check "$label kill #$i: a rerun says it is set up" fails_with "already set up" init
        else
            init >"$WORK/rerun.out" 2>&1
            check "$label kill #$i: the rerun succeeds" bash -c 'cat "$1" && grep -q "Next steps" "$1"' _ "$WORK/rerun.out"
            if grep -q "interrupted after its records" "$WORK/rerun.out"; then
                ((finished++))
            else
                ((absent++))
            fi
        fi
        check "$label kill #$i: then the provider is complete" complete
        check "$label kill #$i: and issues (its keys match its records)" issue "$WORK/kill.pem"
        rm -rf "$JETON_HOME"
    done
    echo "     $label: $absent kills left nothing, $finished left a set-up the rerun finished, $whole came after it was complete"
}

kills sqlite "$SQLITE_KILLS"

if [[ -z ${JETON_TEST_POSTGRES_URL:-} ]]; then
    echo "skip the same on PostgreSQL: JETON_TEST_POSTGRES_URL is not set (.ci/run sets it)"
else
    # pg_storage: a fresh database for each provider, as [storage] TOML.
    pg_storage() {
        local url
        url=$(pg_database setup) || return 1
        printf '[storage]\nurl = "%s"\n' "$url"
    }
    kills postgres "$PG_KILLS" pg_storage
fi

finish
