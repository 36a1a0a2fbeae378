#!/usr/bin/env bash
# The provider benchmark of issue 5. Over HTTP: `jeton server` (release) beside OpenSSL's own
# responder (`openssl ocsp -index … -multi 2`), both answering for the same 10,000
# certificates with the same P-256 responder key and certificate, under the same wrk load
# from this machine. Not a test (CI does not run it): run it on a quiet machine, from anywhere:
#
#     bash bench/ocsp.sh      # JETON_BENCH_SECONDS (10), JETON_BENCH_CONNECTIONS (32),
#                             # JETON_BENCH_THREADS (2), JETON_BENCH_CERTS (10000) to change
#
# Cases: pre-signed (GET, keep-alive, a random one of the certificates per request) and
# live-signed (POST with a fresh 16-octet nonce per request); OpenSSL signs both live. Also
# POST /tsa (a P-256 TSA key). Targets: pre-signed ≥ 20,000 responses/s with p99 < 10 ms;
# live-signed ≥ 2× OpenSSL's responder on the same requests. Then jeton-pki's own figures
# (crates/pki/benches/pki.rs): a 1,000,000-entry CRL, issuance, time-stamps.
#
# It builds what it needs, then runs in a network namespace of its own (only its loopback:
# `openssl ocsp -port` listens on every address), sets up a provider in a temporary
# JETON_HOME with `jeton ca init`, fills it through the library (crates/tsp/benches/issuance.rs;
# `jeton ca issue` is timed too, for comparison), and stops everything it started by PID.
# Needs: wrk openssl sqlite3 curl iproute2 (unshare: util-linux).

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=$(realpath "$0")
cd "$ROOT" || exit 1

SECONDS_PER_RUN=${JETON_BENCH_SECONDS:-10}
CONNECTIONS=${JETON_BENCH_CONNECTIONS:-32}
THREADS=${JETON_BENCH_THREADS:-2}
CERTS=${JETON_BENCH_CERTS:-10000}

for tool in wrk openssl sqlite3 curl ip unshare timeout; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: install wrk openssl sqlite3 curl iproute2 util-linux" >&2
        exit 1
    }
done

# Built before the namespace (cargo may need the network).
if [[ -z ${JETON_BENCH_BUILT:-} ]]; then
    cargo build --quiet --release -p jeton || exit 1
    cargo bench --quiet -p jeton-tsp --bench issuance --no-run || exit 1
    cargo bench --quiet -p jeton-pki --features pkcs11 --bench pki --no-run || exit 1
    export JETON_BENCH_BUILT=1
fi

if [[ -z ${JETON_BENCH_NAMESPACE:-} ]]; then
    unshare -n true 2>/dev/null || {
        echo "no private network namespace allowed here (unshare -n): run as root" >&2
        exit 1
    }
    export JETON_BENCH_NAMESPACE=1
    exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$SCRIPT" "$@"
fi

J=$ROOT/target/release/jeton
source "$ROOT/tests/interop/tsp_common.bash" ocsp-bench
export JETON_HOME=$WORK/home
export LANG=C.UTF-8 LC_ALL=C.UTF-8
trap 'exit 130' INT TERM

fail() { # fail MESSAGE [LOG]: says what went wrong, with the log's tail
    echo "$1" >&2
    [[ -n ${2:-} ]] && tail -20 "$2" >&2
    exit 1
}

stop() { # stop PID: TERM, then wait for it
    kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
    local i
    for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$1" ]] && unset 'PIDS[i]'; done
    PIDS=("${PIDS[@]}")
}

# One passphrase per key role, "ROLE ocsp bench passphrase": the form the issuance bench
# derives from the one line it reads on stdin.
PASS="ocsp bench passphrase"
printf '%s\n' "$PASS" >"$WORK/pass"
provider_keys "$WORK" "$PASS" --role-first
provider_toml '[server]' 'listen = "127.0.0.1:0"'
provider_init --operator bench >"$WORK/init.log" 2>&1 || fail "jeton ca init failed" "$WORK/init.log"

# `jeton ca issue` in a loop for 5 s: one process, one key decryption per certificate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=any" \
    -keyout "$WORK/holder.key" -out "$WORK/holder.csr" 2>/dev/null || fail "openssl req failed"
n=0
start=$(date +%s%N)
deadline=$((SECONDS + 5))
while ((SECONDS < deadline)); do
    "$J" --lang en ca --operator bench issue --profile qualified-signing --csr "$WORK/holder.csr" \
        --subject "C=FR,GN=Jeanne,SN=Loop$n,serialNumber=PNOFR-19$(printf %011d $n),CN=Jeanne Loop$n" \
        --out "$WORK/loop.pem" "${KEYS[@]}" </dev/null >/dev/null 2>"$WORK/issue.log" ||
        fail "jeton ca issue failed" "$WORK/issue.log"
    n=$((n + 1))
done
end=$(date +%s%N)
CLI_RATE=$(awk -v n=$n -v ns=$((end - start)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
echo "jeton ca issue in a loop: $n certificates in 5 s: $CLI_RATE/s"

# The 10,000 through the library (its rate printed by the bench).
JETON_BENCH_PROVIDER=$JETON_HOME JETON_BENCH_CERTS=$CERTS \
    cargo bench --quiet --offline -p jeton-tsp --bench issuance <"$WORK/pass" ||
    fail "filling the provider failed"

DB=$JETON_HOME/provider/tsp.sqlite
sqlite3 "$DB" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in issuing ocsp; do
    openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem" || fail "no $n certificate"
done
sqlite3 "$DB" "SELECT serial FROM certificates WHERE ca = 'issuing' AND profile = 'qualified-signing'
    AND subject LIKE '%Bench%'" >"$WORK/serials"
[[ $(wc -l <"$WORK/serials") -eq $CERTS ]] || fail "not $CERTS certificates in the database"
# OpenSSL's CA database: status, expiry (YYMMDDHHMMSSZ), no revocation date, serial, file, DN.
sqlite3 -separator $'\t' "$DB" "SELECT 'V', substr(strftime('%Y%m%d%H%M%S', not_after, 'unixepoch'), 3) || 'Z',
    '', serial, 'unknown', '/CN=' || serial FROM certificates WHERE ca = 'issuing'" >"$WORK/index.txt"
FIRST=$(head -1 "$WORK/serials")
# Request templates: SHA-1 CertIDs as openssl sends them; wrk's script swaps serial and nonce.
openssl ocsp -issuer "$WORK/issuing.pem" -serial "0x$FIRST" -no_nonce -reqout "$WORK/get.der" \
    >/dev/null 2>&1 || fail "openssl ocsp -reqout failed"
openssl ocsp -issuer "$WORK/issuing.pem" -serial "0x$FIRST" -reqout "$WORK/post.der" \
    >/dev/null 2>&1 || fail "openssl ocsp -reqout failed"
head -c 1000 /dev/urandom >"$WORK/document"
openssl ts -query -data "$WORK/document" -sha256 -cert -out "$WORK/tsa.der" 2>/dev/null ||
    fail "openssl ts -query failed"

cat >"$WORK/load.lua" <<'EOF'
-- wrk -s load.lua URL -- MODE TEMPLATE SERIALS PATH
-- get: GET PATH..base64(request), a random serial each; post: POST PATH with a random serial
-- and a fresh nonce each; tsa: POST PATH with the template as is.
local mode, route, paths, serials, body
local head, tail, after_nonce
local threads = 0

local function unhex(s)
  return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    for k = 1, 4 do
      local d = math.floor(n / 64 ^ (4 - k)) % 64
      out[#out + 1] = alphabet:sub(d + 1, d + 1)
    end
    if not b then out[#out - 1], out[#out] = "=", "="
    elseif not c then out[#out] = "=" end
  end
  return table.concat(out)
end

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
  mode, route = args[1], args[4]
  local f = assert(io.open(args[2], "rb"))
  local template = f:read("*a")
  f:close()
  if mode == "tsa" then
    body = template
    return
  end
  serials = {}
  for line in io.lines(args[3]) do serials[#serials + 1] = unhex(line) end
  local s, e = template:find(serials[1], 1, true)
  assert(s, "the first serial is not in the request template")
  head, tail = template:sub(1, s - 1), template:sub(e + 1)
  if mode == "get" then
    paths = {}
    local escape = { ["+"] = "%2B", ["/"] = "%2F", ["="] = "%3D" }
    for i, serial in ipairs(serials) do
      paths[i] = route .. base64(head .. serial .. tail):gsub("[+/=]", escape)
    end
  else
    -- id-pkix-ocsp-nonce, then extnValue OCTET STRING { OCTET STRING (16) }.
    local oid = template:find("\6\9\43\6\1\5\5\7\48\1\2", 1, true)
    local n = assert(tail:find("\4\18\4\16", oid - e, true), "no 16-octet nonce in the template")
    tail, after_nonce = tail:sub(1, n + 3), tail:sub(n + 20)
  end
end

function request()
  if mode == "get" then
    return wrk.format("GET", paths[math.random(#paths)])
  elseif mode == "tsa" then
    return wrk.format("POST", route, { ["Content-Type"] = "application/timestamp-query" }, body)
  end
  local nonce = {}
  for i = 1, 16 do nonce[i] = string.char(math.random(0, 255)) end
  local request = head .. serials[math.random(#serials)] .. tail .. table.concat(nonce) .. after_nonce
  return wrk.format("POST", route, { ["Content-Type"] = "application/ocsp-request" }, request)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
EOF

RESULTS=()
# load NAME URL MODE TEMPLATE PATH [RESTART]: 2 s of warm-up, then the measured run; a table
# row. RESTART, a command, runs between the two (see start_openssl).
load() {
    local name=$1 url=$2 mode=$3 template=$4 path=$5 restart=${6:-} out="$WORK/wrk.out"
    local args=(-t"$THREADS" -c"$CONNECTIONS" -s "$WORK/load.lua" "$url" -- "$mode" "$template" "$WORK/serials" "$path")
    timeout 30 wrk -d2s "${args[@]}" >/dev/null 2>&1
    [[ -n $restart ]] && $restart
    timeout $((SECONDS_PER_RUN + 30)) wrk -d"${SECONDS_PER_RUN}s" "${args[@]}" >"$out" 2>&1 ||
        fail "wrk failed ($name)" "$out"
    local line
    line=$(grep '^RESULT ' "$out") || fail "no result from wrk ($name)" "$out"
    read -r _ requests duration p50 p99 bad_status bad_socket <<<"$line"
    ((requests > 0)) || fail "no response at all ($name)" "$out"
    RESULTS+=("$name|$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }')|$p50|$p99|$((bad_status + bad_socket))")
}

# check_ocsp NAME RESPONSE [REQUEST]: the response verifies and says good (and echoes the
# REQUEST's nonce).
check_ocsp() {
    openssl ocsp -respin "$2" -VAfile "$WORK/ocsp.pem" -resp_text >"$WORK/check.out" 2>&1 &&
        grep -q "Response verify OK" "$WORK/check.out" &&
        grep -q "Cert Status: good" "$WORK/check.out" || fail "$1: not a verified good response" "$WORK/check.out"
    [[ -z ${3:-} ]] && return
    local nonce
    nonce=$(openssl ocsp -reqin "$3" -req_text 2>/dev/null | grep -A1 "OCSP Nonce" | tail -1 | tr -d ' ')
    [[ -n $nonce ]] && grep -A1 "OCSP Nonce" "$WORK/check.out" | tail -1 | tr -d ' ' | grep -qx "$nonce" ||
        fail "$1: the nonce is not echoed" "$WORK/check.out"
}

GET_PATH=$(base64 -w0 "$WORK/get.der" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')

# jeton server: every response pre-signed at start (SHA-1 and SHA-256 CertIDs).
server_start --wait 60 server >&2 || fail "jeton server did not start"
curl -sf -o "$WORK/r.der" "$URL/ocsp/$GET_PATH" && check_ocsp "jeton GET" "$WORK/r.der"
curl -sf -H "Content-Type: application/ocsp-request" --data-binary @"$WORK/post.der" \
    -o "$WORK/r.der" "$URL/ocsp" && check_ocsp "jeton POST" "$WORK/r.der" "$WORK/post.der"
curl -sf -H "Content-Type: application/timestamp-query" --data-binary @"$WORK/tsa.der" \
    -o "$WORK/r.tsr" "$URL/tsa" && openssl ts -reply -in "$WORK/r.tsr" -text 2>/dev/null |
    grep -q "Status: Granted" || fail "jeton POST /tsa: no time-stamp"

load "jeton server: pre-signed (GET)" "$URL" get "$WORK/get.der" /ocsp/
load "jeton server: live-signed (POST, nonce)" "$URL" post "$WORK/post.der" /ocsp
load "jeton server: time-stamps (POST /tsa)" "$URL" tsa "$WORK/tsa.der" /tsa
server_stop server

# OpenSSL's responder, its key decrypted with the same passphrase. Started afresh for each
# wrk run: once wrk stops with connections open, its processes no longer accept any.
PORT=18888
OURL=http://127.0.0.1:$PORT
OPENSSL_PID=
stop_openssl() {
    [[ -n $OPENSSL_PID ]] || return 0
    # The parent notes SIGTERM when a child ends, then stops the others and itself.
    local children
    children=$(ps -o pid= --ppid "$OPENSSL_PID")
    kill "$OPENSSL_PID" 2>/dev/null
    # shellcheck disable=SC2086
    kill $children 2>/dev/null
    stop "$OPENSSL_PID"
    OPENSSL_PID=
}
start_openssl() {
    stop_openssl
    openssl ocsp -index "$WORK/index.txt" -port $PORT -rsigner "$WORK/ocsp.pem" \
        -rkey "$JETON_HOME/provider/keys/ocsp.key.pem" -passin "file:$WORK/passphrases/ocsp" \
        -CA "$WORK/issuing.pem" -multi 2 >"$WORK/openssl.log" 2>&1 &
    OPENSSL_PID=$!
    PIDS+=("$OPENSSL_PID")
    local deadline=$((SECONDS + 20))
    until curl -s -o /dev/null "$OURL/$GET_PATH"; do
        ((SECONDS < deadline)) && kill -0 "$OPENSSL_PID" 2>/dev/null ||
            fail "openssl ocsp did not start" "$WORK/openssl.log"
        sleep 0.1
    done
}
start_openssl
curl -sf -o "$WORK/r.der" "$OURL/$GET_PATH" && check_ocsp "openssl GET" "$WORK/r.der"
curl -sf -H "Content-Type: application/ocsp-request" --data-binary @"$WORK/post.der" \
    -o "$WORK/r.der" "$OURL/" && check_ocsp "openssl POST" "$WORK/r.der" "$WORK/post.der"

load "openssl ocsp -multi 2: GET (signed live)" "$OURL" get "$WORK/get.der" / start_openssl
start_openssl
load "openssl ocsp -multi 2: POST, nonce" "$OURL" post "$WORK/post.der" / start_openssl
stop_openssl

rate_of() { # rate_of PREFIX: the responses/s of the row whose name starts so
    local r
    for r in "${RESULTS[@]}"; do [[ $r == "$1"* ]] && { cut -d'|' -f2 <<<"$r"; return; }; done
}
LIVE_RATE=$(rate_of "jeton server: live-signed")
OPENSSL_LIVE=$(rate_of "openssl ocsp -multi 2: POST")

echo
echo "OCSP over HTTP on $(nproc) cores: $CERTS certificates, P-256 responder key, wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s on the same machine"
printf '  %-42s %12s %9s %9s %7s  %s\n' "server and request" "responses/s" "p50 ms" "p99 ms" "errors" "target"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r name rate p50 p99 errors <<<"$r"
    target=""
    case $name in
    "jeton server: pre-signed"*)
        if ((rate >= 20000 && p99 < 10000)); then target="≥ 20000/s, p99 < 10 ms: met"; else target="≥ 20000/s, p99 < 10 ms: MISSED"; fi ;;
    "jeton server: live-signed"*)
        if ((LIVE_RATE >= 2 * OPENSSL_LIVE)); then verdict=met; else verdict=MISSED; fi
        target=$(awk -v a="$LIVE_RATE" -v b="$OPENSSL_LIVE" -v v=$verdict 'BEGIN { printf "≥ 2× openssl: %.1f×, %s", a / b, v }') ;;
    esac
    printf '  %-42s %12s %9.2f %9.2f %7s  %s\n' "$name" "$rate" \
        "$(awk -v u="$p50" 'BEGIN { print u / 1000 }')" "$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "$errors" "$target"
done
echo "  (certificates issued: jeton ca issue in a loop $CLI_RATE/s, a process and a key decryption each)"

# The library's figures, beside: CRL, issuance, live OCSP, time-stamps (3 s per rate).
echo
JETON_BENCH_SECONDS=3 cargo bench --quiet --offline -p jeton-pki --features pkcs11 --bench pki ||
    fail "the jeton-pki benchmark failed"
