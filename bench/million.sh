#!/usr/bin/env bash
# The provider at a million certificates (issue 9): `jeton server` (release) answering for
# JETON_BENCH_CERTS (1,000,000) certificates of one issuing CA, all revoked but one, so that
# its CRL has as many entries. Not a test: run it on a quiet machine (`uptime`), from anywhere:
#
#     bash bench/million.sh            # JETON_BENCH_CERTS (1000000), JETON_BENCH_VALIDITY
#                                      # (ocsp_validity_secs, 600), JETON_BENCH_SLICE (10 s)
#     bash bench/million.sh --smoke    # 2,000 certificates, debug build, 60 s validity: CI
#     bash bench/million.sh --keep DIR [--fill-only]
#                                      # fill the provider in DIR/filled-N and keep it, or
#                                      # resume its fill, or reuse it once filled (1M
#                                      # certificates take about an hour of P-384 signatures
#                                      # on 2 cores)
#
# It sets up a provider in a temporary JETON_HOME with `jeton ca init` (a passphrase per key
# role, tests/interop/provider_keys.bash), fills it through the library
# (crates/tsp/benches/million.rs: certificates signed by the issuing CA, with their signed
# audit entries, as `jeton ca issue` and `jeton ca revoke` write them, committed 10,000 a
# transaction), then prints beside each target:
#   - start-up until every response is pre-signed (the server's own log line);
#   - resident memory per certificate: VmRSS once ready and the CRL published, less VmRSS of
#     the same server over the empty provider, over the certificate count (≤ 1.5 KB);
#   - OCSP GET throughput (wrk -t2 -c32, a random one of 100,000 certificates per request)
#     in consecutive slices from start-up through the re-signing window (a quarter to a half
#     of the validity): no slice below 80 % of the median;
#   - a revocation made by another process (`jeton ca revoke`) on a published CRL, whose
#     GET ETag changes, within 5 s;
#   - CRL GET rate (wrk, 10 s) beside nginx serving the same file statically (when nginx is
#     installed), and OCSP p99 while CRLs download.
# Needs: wrk curl openssl sqlite3; nginx for the comparison. Everything it starts listens on
# 127.0.0.1 only and is stopped by PID.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

SMOKE= KEEP= FILL_ONLY=
while (($#)); do
    case $1 in
    --smoke) SMOKE=1 ;;
    --keep) KEEP=${2:?--keep DIR} && shift ;;
    --fill-only) FILL_ONLY=1 ;;
    *) echo "usage: bash bench/million.sh [--smoke] [--keep DIR [--fill-only]]" >&2 && exit 2 ;;
    esac
    shift
done
[[ -n $FILL_ONLY && -z $KEEP ]] && { echo "--fill-only needs --keep DIR" >&2; exit 2; }
if [[ -n $SMOKE ]]; then
    CERTS=${JETON_BENCH_CERTS:-2000}
    VALIDITY=${JETON_BENCH_VALIDITY:-60}
    SLICE=${JETON_BENCH_SLICE:-5}
    PROFILE=dev
    J=$ROOT/target/debug/jeton
else
    CERTS=${JETON_BENCH_CERTS:-1000000}
    VALIDITY=${JETON_BENCH_VALIDITY:-600}
    SLICE=${JETON_BENCH_SLICE:-10}
    PROFILE=release
    J=$ROOT/target/release/jeton
fi
CONNECTIONS=32
THREADS=2

for tool in wrk curl openssl sqlite3 timeout; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: install wrk curl openssl sqlite3" >&2
        exit 1
    }
done

if [[ -n $SMOKE ]]; then
    cargo build --quiet -p jeton --all-features || exit 1
else
    cargo build --quiet --release -p jeton || exit 1
fi
cargo bench --quiet --profile "$PROFILE" -p jeton-tsp --all-features --bench million --no-run || exit 1

source "$ROOT/tests/interop/tsp_common.bash" million-bench
export JETON_HOME=$WORK/home
export LANG=C.UTF-8 LC_ALL=C.UTF-8
trap 'exit 130' INT TERM

fail() { # fail MESSAGE [LOG]
    echo "FAIL $1" >&2
    [[ -n ${2:-} ]] && tail -20 "$2" >&2
    exit 1
}
stop() { # stop PID
    kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
    local i
    for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$1" ]] && unset 'PIDS[i]'; done
    PIDS=("${PIDS[@]}")
}
now_ms() { date +%s%3N; }

provider_keys "$WORK" "million bench"
provider_toml '[server]' 'listen = "127.0.0.1:0"' "ocsp_validity_secs = $VALIDITY" 'poll_interval_ms = 100'
provider_init --operator bench >"$WORK/init.log" 2>&1 || fail "jeton ca init" "$WORK/init.log"
DB=$JETON_HOME/provider/tsp.sqlite

SERVER_PID=
start_server() { # start_server NAME: until every response is pre-signed; sets SERVER_PID, URL, READY_MS
    local start
    start=$(now_ms)
    server_start --wait 900 --ready "every OCSP response pre-signed" "$1" >&2 ||
        fail "jeton server did not get ready"
    SERVER_PID=$PID
    READY_MS=$(($(now_ms) - start))
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
wait_log() { # wait_log LOG PATTERN COUNT SECONDS
    local deadline=$((SECONDS + $4))
    until (($(grep -c "$2" "$1" 2>/dev/null) >= $3)); do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# The empty provider's server: the memory baseline.
start_server empty
wait_log "$WORK/empty.log" "CRL published" 1 60 || fail "no CRL from the empty provider" "$WORK/empty.log"
sleep 2
BASE_KB=$(rss_kb "$SERVER_PID")
stop "$SERVER_PID"

echo "load: $(uptime | sed 's/.*load average/load average/') ($(nproc) cores)"
# The provider is filled in place: in DIR/filled-N with --keep (resumed where a stopped fill
# left off, reused once done), else in this run's home.
KEPT=${KEEP:+$KEEP/filled-$CERTS}
FILL_HOME=$JETON_HOME FILL_KEYS=$WORK/passphrases
if [[ -n $KEPT ]]; then
    if [[ ! -d $KEPT ]]; then
        mkdir -p "$KEPT.part" && cp -a "$JETON_HOME/provider" "$JETON_HOME/provider.toml" \
            "$WORK/passphrases" "$KEPT.part/" && mv "$KEPT.part" "$KEPT" ||
            fail "making $KEPT"
    fi
    FILL_HOME=$KEPT FILL_KEYS=$KEPT/passphrases
fi
qualified() { # qualified SQL_CONDITION: count of the holders' certificates matching it
    sqlite3 "$FILL_HOME/provider/tsp.sqlite" "SELECT count(*) FROM certificates c LEFT JOIN revocations r
        ON r.ca = c.ca AND r.serial = c.serial WHERE c.profile = 'qualified-signing' AND $1"
}
if [[ ! -f $KEPT/done ]]; then
    start=$(now_ms)
    fill() { # fill FROM [REVOKE_FILE]
        env JETON_BENCH_PROVIDER="$FILL_HOME" JETON_BENCH_PASSPHRASES="$FILL_KEYS" \
            JETON_BENCH_CERTS="$CERTS" JETON_BENCH_FROM="$1" ${2:+JETON_BENCH_REVOKE="$2"} \
            cargo bench --quiet --profile "$PROFILE" -p jeton-tsp --all-features --bench million ||
            fail "filling the provider"
    }
    FROM=$(qualified 1)
    ((FROM > 0)) && echo "resuming the fill of $KEPT at $FROM certificates"
    fill "$FROM"
    # Every holder's certificate revoked but the newest one.
    sqlite3 "$FILL_HOME/provider/tsp.sqlite" "SELECT c.serial FROM certificates c LEFT JOIN revocations r
        ON r.ca = c.ca AND r.serial = c.serial WHERE c.profile = 'qualified-signing' AND r.serial IS NULL
        AND c.seq < (SELECT max(seq) FROM certificates WHERE profile = 'qualified-signing')" >"$WORK/revoke"
    fill "$CERTS" "$WORK/revoke"
    FILL_S=$(awk -v ms=$(($(now_ms) - start)) 'BEGIN { printf "%.0f", ms / 1000 }')
    if [[ -n $KEPT ]]; then
        ((FROM > 0)) && FILL_S="$FILL_S (resumed at $FROM)"
        echo "$FILL_S" >"$KEPT/fill-seconds" && touch "$KEPT/done"
        echo "filled provider kept in $KEPT"
    fi
fi
if [[ -n $KEPT ]]; then
    rm -rf "$JETON_HOME/provider"
    cp -a "$KEPT/provider" "$JETON_HOME/provider" || fail "copying $KEPT"
    cp -a "$KEPT/passphrases/." "$WORK/passphrases/" || fail "copying $KEPT's passphrases"
    FILL_S="$(cat "$KEPT/fill-seconds") s, kept in $KEPT"
else
    FILL_S="$FILL_S s"
fi
[[ -n $FILL_ONLY ]] && exit 0
[[ $(sqlite3 "$DB" "SELECT count(*) FROM certificates WHERE profile = 'qualified-signing'") -eq $CERTS ]] ||
    fail "not $CERTS certificates in the database"

sqlite3 "$DB" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in issuing ocsp; do
    openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem" || fail "no $n certificate"
done
GOOD=$(sqlite3 "$DB" "SELECT c.serial FROM certificates c LEFT JOIN revocations r ON r.serial = c.serial
    WHERE c.profile = 'qualified-signing' AND r.serial IS NULL LIMIT 1")
sqlite3 "$DB" "SELECT serial FROM certificates WHERE profile = 'qualified-signing'
    ORDER BY random() LIMIT 100000" >"$WORK/serials"
openssl ocsp -issuer "$WORK/issuing.pem" -serial "0x$GOOD" -no_nonce -reqout "$WORK/get.der" \
    >/dev/null 2>&1 || fail "openssl ocsp -reqout"

cat >"$WORK/get.lua" <<'EOF'
-- wrk -s get.lua URL -- TEMPLATE SERIALS: GET /ocsp/base64(request), a random serial each.
local paths, threads = {}, 0
local function unhex(s) return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)) end
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
function setup(thread) threads = threads + 1; thread:set("seed", threads) end
function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
  local f = assert(io.open(args[1], "rb"))
  local template = f:read("*a")
  f:close()
  local first
  local escape = { ["+"] = "%2B", ["/"] = "%2F", ["="] = "%3D" }
  for line in io.lines(args[2]) do
    local serial = unhex(#line % 2 == 1 and "0" .. line or line)
    if serial:byte(1) >= 128 then serial = "\0" .. serial end
    paths[#paths + 1] = serial
  end
  -- The template's serial (GOOD, the first line of the file) is swapped for each.
  local good = paths[1]
  local s, e = template:find(good, 1, true)
  assert(s, "the serial is not in the request template")
  local head, tail = template:sub(1, s - 1), template:sub(e + 1)
  -- OCSPRequest, TBSRequest, requestList, Request, CertID: five SEQUENCEs nested from the
  -- first octet, short lengths (openssl -no_nonce: no version, no extensions); then the
  -- INTEGER's tag and length just before the serial. A serial of another length moves them.
  local h0 = { head:byte(1, -1) }
  for _, i in ipairs({ 1, 3, 5, 7, 9 }) do assert(h0[i] == 0x30 and h0[i + 1] < 128, "template") end
  assert(h0[#h0 - 1] == 0x02, "template")
  local pack = table.unpack or unpack
  for i, serial in ipairs(paths) do
    local h, d = { pack(h0) }, #serial - #good
    for _, k in ipairs({ 2, 4, 6, 8, 10 }) do h[k] = h[k] + d end
    h[#h] = #serial
    paths[i] = "/ocsp/" .. base64(string.char(pack(h)) .. serial .. tail):gsub("[+/=]", escape)
  end
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function done(summary, latency)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
end
EOF
cat >"$WORK/done.lua" <<'EOF'
function done(summary, latency)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
end
EOF
# The template's own serial first.
{ echo "$GOOD"; cat "$WORK/serials"; } >"$WORK/serials.wrk"

wrk_run() { # wrk_run SECONDS ARGS...: prints "rate p50_us p99_us errors"
    local seconds=$1 out
    shift
    out=$(timeout $((seconds + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" "$@" 2>&1)
    local line
    line=$(grep '^RESULT ' <<<"$out") || { echo "0 0 0 -1"; return; }
    read -r _ requests duration p50 p99 errors <<<"$line"
    echo "$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }') $p50 $p99 $errors"
}

# The server over the full provider: start-up, then memory once the CRL is out.
start_server full
STARTUP_S=$(awk -v ms="$READY_MS" 'BEGIN { printf "%.1f", ms / 1000 }')
echo "start-up until every response is pre-signed: $STARTUP_S s (fill $FILL_S)"
READY_AT=$SECONDS
# The first response, as signed at start.
GET_PATH=$(base64 -w0 "$WORK/get.der" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
curl -sf -o "$WORK/first.der" "$URL/ocsp/$GET_PATH" || fail "no OCSP answer" "$WORK/full.log"
openssl ocsp -respin "$WORK/first.der" -VAfile "$WORK/ocsp.pem" -resp_text >"$WORK/first.txt" 2>&1 &&
    grep -q "Response verify OK" "$WORK/first.txt" && grep -q "Cert Status: good" "$WORK/first.txt" ||
    fail "the first answer is not a verified good response" "$WORK/first.txt"

# Throughput from start-up through the re-signing window (responses signed at start fall due
# between a quarter and a half of the validity).
SLICES=()
until ((SECONDS - READY_AT > VALIDITY / 2 + SLICE)); do
    at=$((SECONDS - READY_AT))
    SLICES+=("$at $(wrk_run "$SLICE" -s "$WORK/get.lua" "$URL" -- "$WORK/get.der" "$WORK/serials.wrk")")
    echo "OCSP slice: ${SLICES[-1]} (s, /s, p50 us, p99 us, errors)"
done
curl -sf -o "$WORK/later.der" "$URL/ocsp/$GET_PATH" || fail "no OCSP answer after the window"
openssl ocsp -respin "$WORK/later.der" -VAfile "$WORK/ocsp.pem" -resp_text >"$WORK/later.txt" 2>&1 &&
    grep -q "Response verify OK" "$WORK/later.txt" || fail "the re-signed answer does not verify" "$WORK/later.txt"
produced() { sed -n 's/.*Produced At: //p' "$1"; }
RESIGNED=no
[[ $(produced "$WORK/first.txt") != "$(produced "$WORK/later.txt")" ]] && RESIGNED=yes

wait_log "$WORK/full.log" "CRL published" 1 120 || fail "no CRL published" "$WORK/full.log"
sleep 2
FULL_KB=$(rss_kb "$SERVER_PID")
PER_CERT=$(awk -v f="$FULL_KB" -v b="$BASE_KB" -v n="$CERTS" 'BEGIN { printf "%.0f", (f - b) * 1024 / n }')
echo "VmRSS $FULL_KB kB, empty server $BASE_KB kB: $PER_CERT B per certificate"

# A revocation by another process, until the CRL's ETag changes.
etag() { curl -sfI "$URL/crl/issuing.crl" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p'; }
BEFORE=$(etag)
"$J" --lang en ca --operator bench revoke "$GOOD" --reason key-compromise "${KEYS[@]}" \
    >"$WORK/revoke.log" 2>&1 || fail "jeton ca revoke" "$WORK/revoke.log"
start=$(now_ms)
until [[ $(etag) != "$BEFORE" ]]; do
    (($(now_ms) - start < 60000)) || fail "no new CRL within 60 s of the revocation" "$WORK/full.log"
    sleep 0.05
done
CRL_S=$(awk -v ms=$(($(now_ms) - start)) 'BEGIN { printf "%.2f", ms / 1000 }')
echo "a revocation on the CRL's GET within $CRL_S s"
curl -sf -o "$WORK/crl.der" "$URL/crl/issuing.crl" || fail "no CRL"
ENTRIES=$(openssl crl -inform DER -in "$WORK/crl.der" -noout -text | grep -c "Serial Number:")
CRL_MB=$(awk -v b="$(stat -c %s "$WORK/crl.der")" 'BEGIN { printf "%.1f", b / 1e6 }')

# CRL downloads, with OCSP beside them.
read -r CRL_RATE _ CRL_P99 _ <<<"$(wrk_run 10 -s "$WORK/done.lua" "$URL/crl/issuing.crl")"
wrk_run 10 -s "$WORK/get.lua" "$URL" -- "$WORK/get.der" "$WORK/serials.wrk" >"$WORK/ocsp-beside" &
BESIDE=$!
timeout 40 wrk -t1 -c4 -d10s "$URL/crl/issuing.crl" >/dev/null 2>&1
wait "$BESIDE"
read -r BESIDE_RATE _ BESIDE_P99 _ <"$WORK/ocsp-beside"

NGINX_RATE=
if command -v nginx >/dev/null; then
    mkdir -p "$WORK/www/crl" "$WORK/nginx"
    # nginx workers run as another user: the CRL and the folders to it readable by them.
    chmod o+x "$WORK"
    chmod -R o+rX "$WORK/www"
    cp "$WORK/crl.der" "$WORK/www/crl/issuing.crl"
    chmod o+r "$WORK/www/crl/issuing.crl"
    cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    types { application/pkix-crl crl; }
    server {
        listen 127.0.0.1:18889;
        root $WORK/www;
    }
}
EOF
    nginx -c "$WORK/nginx/nginx.conf" -g "daemon off;" >"$WORK/nginx/out" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    deadline=$((SECONDS + 10))
    until curl -sf -o /dev/null "http://127.0.0.1:18889/crl/issuing.crl"; do
        ((SECONDS < deadline)) || fail "nginx did not start" "$WORK/nginx/error.log"
        sleep 0.1
    done
    read -r NGINX_RATE _ _ _ <<<"$(wrk_run 10 -s "$WORK/done.lua" "http://127.0.0.1:18889/crl/issuing.crl")"
    stop "$NGINX_PID"
fi
stop "$SERVER_PID"

rates=()
for s in "${SLICES[@]}"; do rates+=("$(cut -d' ' -f2 <<<"$s")"); done
MEDIAN=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
MIN=$(printf '%s\n' "${rates[@]}" | sort -n | head -1)
verdict() { if eval "$1"; then echo met; else echo MISSED; fi; }

echo
echo "jeton server at $CERTS certificates ($((CERTS - 1)) revoked, then all), ocsp_validity_secs $VALIDITY, $(nproc) cores"
echo "  filling the provider through the library: $FILL_S"
printf '  %-58s %-22s %s\n' "measure" "value" "target"
printf '  %-58s %-22s %s\n' "start-up until every response is pre-signed" "$STARTUP_S s" "(reported)"
printf '  %-58s %-22s %s\n' "resident memory per certificate (VmRSS less empty server)" \
    "$PER_CERT B ($(((FULL_KB - BASE_KB) / 1024)) MiB)" "≤ 1536 B: $(verdict "((PER_CERT <= 1536))")"
printf '  %-58s %-22s %s\n' "OCSP GET through the half-life: min / median slice" "$MIN / $MEDIAN /s" \
    "min ≥ 80 % of median: $(verdict "((MIN * 10 >= MEDIAN * 8))")"
printf '  %-58s %-22s %s\n' "  responses re-signed during the run" "$RESIGNED" ""
printf '  %-58s %-22s %s\n' "CRL of $ENTRIES entries ($CRL_MB MB) on GET after a revocation" "$CRL_S s" \
    "≤ 5 s: $(verdict "(($(awk -v s="$CRL_S" 'BEGIN { print (s <= 5) }')))")"
if [[ -n $NGINX_RATE ]]; then
    printf '  %-58s %-22s %s\n' "CRL GET rate (wrk -t2 -c32), nginx on the same file" "$CRL_RATE /s, nginx $NGINX_RATE /s" \
        "≥ nginx: $(verdict "((CRL_RATE >= NGINX_RATE))")"
else
    printf '  %-58s %-22s %s\n' "CRL GET rate (wrk -t2 -c32)" "$CRL_RATE /s" "nginx not installed: not compared"
fi
printf '  %-58s %-22s %s\n' "OCSP GET while 4 clients download CRLs: rate, p99" \
    "$BESIDE_RATE /s, $(awk -v u="$BESIDE_P99" 'BEGIN { printf "%.1f", u / 1000 }') ms" "(reported)"
echo "  OCSP slices (s after start-up: responses/s, p99 ms, errors):"
for s in "${SLICES[@]}"; do
    read -r at rate p50 p99 errors <<<"$s"
    printf '    %5s s: %8s /s  p99 %6.1f ms  errors %s\n' "$at" "$rate" "$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "$errors"
done
# The smoke run fails on a broken pipeline, not on figures (CI's machine is not quiet).
[[ $ENTRIES -eq $CERTS ]] || fail "the CRL lists $ENTRIES entries, not $CERTS"
for s in "${SLICES[@]}"; do
    read -r _ rate _ _ errors <<<"$s"
    ((rate > 0 && errors == 0)) || fail "an OCSP slice had errors or no answers: $s"
done
echo "million bench: done"
