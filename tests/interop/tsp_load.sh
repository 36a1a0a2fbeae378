#!/usr/bin/env bash
# `jeton server` under load, at the usual limit of 1,024 file descriptors (soft and hard):
# a client with its own higher limit opens 2,000 idle connections and 2,000 half-sent
# requests ("GET / HTTP/1.1\r\nHost:" without the end) and holds them, while /healthz and a
# pre-signed OCSP GET must each answer within 100 ms (curl's time_total, several times); the
# half-sent ones must be closed by the server within ~6 s (header-read timeout 5 s), the
# server must still be alive, and SIGTERM must end it within a second while a request body
# is still arriving. Prints the figures it measured.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" load
command -v python3 >/dev/null || { echo "python3 is needed"; exit 1; }

IDLE=2000
HALF=2000
LIMIT_MS=100

provider_keys "$WORK" "load-test passphrase"
export JETON_HOME="$WORK/home"
provider_toml '[server]' 'listen = "127.0.0.1:0"'
check "jeton ca init" provider_init
check "jeton ca issue" bash -c '
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1/good.key" 2>/dev/null &&
    openssl pkey -in "$1/good.key" -pubout -out "$1/good.pub" &&
    "$2" ca issue --profile qualified-signing --public-key "$1/good.pub" \
        --subject "C=FR,GN=Jeanne,SN=Load,serialNumber=PNOFR-185077512345,CN=Jeanne Load" \
        --out "$1/good.pem" "${@:3}"' _ "$WORK" "$J" "${KEYS[@]}"

# The server under `ulimit -n 1024`, soft and hard, set in the subshell that becomes it.
server_start --nofile 1024 server || { echo "FAIL the server did not start"; exit 1; }
echo "     server on $URL, pid $PID, descriptors: $(awk '/Max open files/ {print $4 " soft, " $5 " hard"}' "/proc/$PID/limits")"

# A pre-signed OCSP GET, built as tsp_server.sh does.
curl -sf -o "$WORK/issuing.der" "$URL/ca/issuing.crt" &&
    openssl x509 -inform DER -in "$WORK/issuing.der" -out "$WORK/issuing.pem"
openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/good.pem" -no_nonce -reqout "$WORK/req.der" >/dev/null 2>&1
OCSP_GET="$URL/ocsp/$(base64 -w0 "$WORK/req.der" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')"
presigned() { curl -sf -D - -o /dev/null "$OCSP_GET" | grep -qi "^cache-control: max-age="; }
check "the OCSP GET is answered from a pre-signed response" wait_for 10 presigned

# The client: its own limit raised, the connections opened and held; "ready" once they are
# all open, then the time each half-sent one took to be closed by the server.
cat >"$WORK/load.py" <<'EOF'
import os, resource, select, socket, sys, time
port, idle_n, half_n, release = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = idle_n + half_n + 200
if soft < need:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
    print(f"client: cannot open {need} descriptors (hard limit {hard})", flush=True)
    sys.exit(2)

# A server that no longer accepts leaves connects unanswered once its backlog is full: after
# a few in a row the client stops opening and holds what it has.
failed_in_a_row = 0
def connect():
    global failed_in_a_row
    if failed_in_a_row >= 3:
        return None
    s = socket.socket()
    s.settimeout(3.5)  # beyond the SYN retransmissions at 1 s and 3 s
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        failed_in_a_row += 1
        return None
    failed_in_a_row = 0
    s.setblocking(False)
    return s

t0 = time.monotonic()
idle = [s for s in (connect() for _ in range(idle_n)) if s]
half, sent = [], {}
for _ in range(half_n):
    s = connect()
    if not s:
        continue
    try:
        s.send(b"GET / HTTP/1.1\r\nHost:")
    except OSError:
        pass  # closed already to make room
    half.append(s)
    sent[s.fileno()] = time.monotonic()
print(f"ready: opened={len(idle)}+{len(half)} in {time.monotonic() - t0:.2f} s", flush=True)

# Until every half-sent connection is closed by the server (EOF or reset), or 10 s.
poller = select.poll()
for s in half:
    poller.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
by_fd = {s.fileno(): s for s in half}
closed = {}
deadline = time.monotonic() + 10
while len(closed) < len(half) and time.monotonic() < deadline:
    for fd, _ in poller.poll(100):
        try:
            data = by_fd[fd].recv(4096)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        if not data:
            closed[fd] = time.monotonic() - sent[fd]
            poller.unregister(fd)
idle_closed = 0
for s in idle:
    try:
        idle_closed += s.recv(1) == b""
    except BlockingIOError:
        pass
    except OSError:
        idle_closed += 1
times = sorted(closed.values())
slowest = times[-1] if times else float("nan")
median = times[len(times) // 2] if times else float("nan")
print(f"half-sent closed by the server: {len(closed)} of {len(half)}; median {median:.2f} s, slowest {slowest:.2f} s", flush=True)
print(f"idle closed by the server: {idle_closed} of {len(idle)}", flush=True)
print(f"result: closed={len(closed)} slowest={slowest:.3f}", flush=True)
# Everything still open is held until the measurements are done.
deadline = time.monotonic() + 60
while not os.path.exists(release) and time.monotonic() < deadline:
    time.sleep(0.05)
EOF
python3 "$WORK/load.py" "$PORT" "$IDLE" "$HALF" "$WORK/release" >"$WORK/load.out" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
wait_for 60 grep -q "^ready" "$WORK/load.out"
check "the client opens $IDLE idle and $HALF half-sent connections" \
    grep -q "^ready: opened=$IDLE+$HALF " "$WORK/load.out"
sed -n 's/^ready: /     client: /p' "$WORK/load.out"
# Measured once the server has taken in what the kernel queued for it (the listen queue's
# Recv-Q back to 0): the connections are then held at the server, up to its cap.
queued() { ss -Hltn "sport = :$PORT" | awk '{print $2}'; }
drained() { [[ $(queued) == 0 ]]; }
START=$(date +%s%N)
if wait_for 5 drained; then
    echo "     listen queue drained $((($(date +%s%N) - START) / 1000000)) ms after the client was ready"
else
    echo "     the listen queue still holds $(queued) connections after 5 s"
fi
echo "     server descriptors in use: $(ls "/proc/$PID/fd" | wc -l) (limit 1024)"

# gone PID: the process has exited (a zombie not yet reaped counts as gone).
gone() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [[ -z $state || $state == Z ]]
}

# time_ok URL: 200 within LIMIT_MS, five times; prints the figures.
TIMES=()
time_ok() {
    local i line code total ok=0
    for i in 1 2 3 4 5; do
        line=$(curl -s -o /dev/null --max-time 3 -w '%{http_code} %{time_total}' "$1")
        code=${line% *} total=${line#* }
        TIMES+=("$total")
        echo "$code ${total}s"
        [[ $code == 200 ]] && awk -v t="$total" -v l="$LIMIT_MS" 'BEGIN { exit !(t * 1000 < l) }' ||
            ok=1
    done
    return $ok
}
check "GET /healthz answers within $LIMIT_MS ms while the connections are held" time_ok "$URL/healthz"
echo "     /healthz: ${TIMES[*]} s"
TIMES=()
check "the pre-signed OCSP GET answers within $LIMIT_MS ms while they are held" time_ok "$OCSP_GET"
echo "     OCSP GET: ${TIMES[*]} s"

wait_for 20 grep -q "^result:" "$WORK/load.out"
touch "$WORK/release"
check "the client finishes" wait_for 5 gone "$CLIENT"
sed -n 's/^\(half-sent\|idle\) /     \1 /p' "$WORK/load.out"
check "the server closes every half-sent request within 6 s" bash -c '
    line=$(grep "^result:" "$1") || { cat "$1"; exit 1; }
    closed=$(sed "s/.*closed=\([0-9]*\).*/\1/" <<<"$line")
    slowest=$(sed "s/.*slowest=\([0-9.na]*\).*/\1/" <<<"$line")
    [[ $closed == "$2" ]] && awk -v s="$slowest" "BEGIN { exit !(s < 6.5) }"' _ "$WORK/load.out" "$HALF"
check "the server is still alive and answers" bash -c \
    'kill -0 "$1" && curl -sf --max-time 2 "$2/healthz" | grep -q "^ok"' _ "$PID" "$URL"
check "the log says once that the connection cap was reached" bash -c '
    n=$(grep -c "connection cap reached" "$1"); echo "$n line(s)"; ((n >= 1 && n <= 3))' \
    _ "$WORK/server.log"
check "the log gives the descriptor limit" grep -q "file-descriptor limit.*descriptors=1024" \
    "$WORK/server.log"
grep -E "file-descriptor limit|connection cap" "$WORK/server.log" | sed 's/^/     log: /' | head -4

# SIGTERM with a POST whose body has not all come and an idle connection open.
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 1000\r\n\r\n0123' >&7
exec 8<>"/dev/tcp/127.0.0.1/$PORT"
sleep 0.2
START=$(date +%s%N)
kill -TERM "$PID"
check "SIGTERM ends the server within a second (a request body arriving, an idle connection)" \
    wait_for 1 gone "$PID"
echo "     stopped $((($(date +%s%N) - START) / 1000000)) ms after SIGTERM"
exec 7>&- 8>&-
finish
