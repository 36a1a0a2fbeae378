#!/usr/bin/env bash
# Bad input, beyond the single cases of tsp_server.sh and tsp_ca.sh:
#  - a barrage (bounded: a few hundred requests, loopback) on `jeton server`: random bytes,
#    every truncation of a real request, single-byte corruptions of it, and oversized bodies
#    into POST /ocsp and POST /tsa, and garbage in GET /ocsp/{request}. Every answer is the
#    protocol's error (OCSP malformedRequest, a TimeStampResp with status rejection) in an
#    HTTP 400 or 413; afterwards the same process answers /healthz, openssl ocsp and
#    openssl ts as before;
#  - malformed CSRs to `jeton ca issue`: refused with a message, no panic, nothing issued;
#  - one byte changed in one column of one audit entry (sqlite3): `jeton audit verify`
#    fails and names that entry.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/tsp_common.bash" badinput

provider_keys "$WORK" "bad-input passphrase"
export JETON_HOME="$WORK/home"
DB="$JETON_HOME/provider/tsp.sqlite"
provider_toml '[server]' 'listen = "127.0.0.1:0"' 'max_body_bytes = 65536'
SUBJECT='C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont'

check "jeton ca init" provider_init
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/holder.key" \
    -subj "/CN=ignored" -out "$WORK/holder.csr" 2>/dev/null
check "jeton ca issue (a good CSR)" "$J" ca issue --profile qualified-signing \
    --csr "$WORK/holder.csr" --subject "$SUBJECT" --out "$WORK/holder.pem" "${KEYS[@]}"

# --- Malformed CSRs -------------------------------------------------------------------------
openssl req -in "$WORK/holder.csr" -outform DER -out "$WORK/holder.csr.der"
CSR_LEN=$(stat -c %s "$WORK/holder.csr.der")
: >"$WORK/empty.csr"
head -c 600 /dev/urandom >"$WORK/random.csr"
head -c $((CSR_LEN / 2)) "$WORK/holder.csr.der" >"$WORK/truncated.csr"
head -c $((CSR_LEN - 1)) "$WORK/holder.csr.der" >"$WORK/short-by-one.csr"
cp "$WORK/holder.csr.der" "$WORK/trailing.csr" && printf '\0' >>"$WORK/trailing.csr"
{ echo "-----BEGIN CERTIFICATE REQUEST-----"; echo 'not*base64!'; echo "-----END CERTIFICATE REQUEST-----"; } >"$WORK/badpem.csr"
# The last byte of the signature flipped: parses, but proves no possession of the key.
cp "$WORK/holder.csr.der" "$WORK/badsig.csr"
last=$(od -An -tu1 -j $((CSR_LEN - 1)) -N1 "$WORK/holder.csr.der" | tr -d ' ')
printf "\\x$(printf %02x $((last ^ 1)))" | dd of="$WORK/badsig.csr" bs=1 seek=$((CSR_LEN - 1)) conv=notrunc 2>/dev/null
# A byte of the subject's public key changed: the signature no longer matches it either.
cp "$WORK/holder.csr.der" "$WORK/badkey.csr"
printf '\x00' | dd of="$WORK/badkey.csr" bs=1 seek=60 conv=notrunc 2>/dev/null
openssl req -new -newkey rsa:1024 -nodes -keyout "$WORK/weak.key" -subj "/CN=weak" \
    -out "$WORK/weak.csr" 2>/dev/null
openssl req -new -newkey ed25519 -nodes -keyout "$WORK/ed.key" -subj "/CN=ed" \
    -out "$WORK/ed.csr" 2>/dev/null

issued() { sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM certificates"; }
BEFORE=$(issued)
# refused FILE PATTERN: jeton ca issue fails with a message matching PATTERN, without a panic.
refused() {
    local output
    if output=$("$J" --lang en ca issue --profile qualified-signing --csr "$1" --subject "$SUBJECT" \
        "${KEYS[@]}" 2>&1); then
        echo "$output"; echo "(issued a certificate)"; return 1
    fi
    echo "$output"
    ! grep -qiE "panicked|RUST_BACKTRACE" <<<"$output" && grep -qiE -- "$2" <<<"$output"
}
check "an empty CSR file is refused" refused "$WORK/empty.csr" "CSR|request"
check "random bytes as a CSR are refused" refused "$WORK/random.csr" "CSR|request|DER"
check "a CSR cut in half is refused" refused "$WORK/truncated.csr" "CSR|request|DER"
check "a CSR one byte short is refused" refused "$WORK/short-by-one.csr" "CSR|request|DER"
check "a CSR with a trailing byte is refused" refused "$WORK/trailing.csr" "CSR|request|DER|trailing"
check "a PEM CSR with broken base64 is refused" refused "$WORK/badpem.csr" "CSR|request|PEM|base64"
check "a CSR whose signature is broken is refused (proof of possession)" refused "$WORK/badsig.csr" \
    "signature|possession"
check "a CSR whose public key was altered is refused" refused "$WORK/badkey.csr" \
    "signature|possession|key|CSR"
check "an RSA-1024 CSR is refused with the key policy" refused "$WORK/weak.csr" "2048|RSA|weak|TS 119 312"
check "an Ed25519 CSR is refused with the key policy" refused "$WORK/ed.csr" "key|algorithm|P-256|Ed25519"
check "nothing was issued from them" test "$(issued)" = "$BEFORE"

# --- The server under a barrage --------------------------------------------------------------
check "jeton server starts" server_start server
for ca in root issuing ocsp tsa; do
    curl -sf -o "$WORK/$ca.der" "$URL/ca/$ca.crt" && openssl x509 -inform DER -in "$WORK/$ca.der" -out "$WORK/$ca.pem"
done
cat "$WORK/issuing.pem" "$WORK/tsa.pem" >"$WORK/untrusted.pem"

openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/holder.pem" -reqout "$WORK/req.der" >/dev/null 2>&1
head -c 3000 /dev/urandom >"$WORK/document"
openssl ts -query -data "$WORK/document" -sha256 -cert -out "$WORK/q.tsq" 2>/dev/null
REQ_LEN=$(stat -c %s "$WORK/req.der")
TSQ_LEN=$(stat -c %s "$WORK/q.tsq")
echo "     a real OCSP request is $REQ_LEN bytes, a real time-stamp query $TSQ_LEN"

# Bodies for the barrage, in $WORK/bodies/<route>.<n>: 60 random, every truncation (capped
# at 80), 40 one-byte corruptions of the real request that no longer parse as one.
mkdir -p "$WORK/bodies"
make_bodies() { # make_bodies ROUTE REAL-FILE LENGTH
    # (No $((n++)) in a redirection: bash expands it in the child of an external command.)
    local route=$1 real=$2 len=$3 n=0 i cut
    for ((i = 0; i < 60; i++, n++)); do
        head -c $((1 + RANDOM % 1500)) /dev/urandom >"$WORK/bodies/$route.$n"
    done
    for ((cut = 0; cut < len && cut < 80; cut++, n++)); do
        head -c "$cut" "$real" >"$WORK/bodies/$route.$n"
    done
    for ((i = 0; i < 40; i++, n++)); do
        # The outer tag or a length byte: corruptions a parser must notice.
        cp "$real" "$WORK/bodies/$route.$n"
        printf "\\x$(printf %02x $((RANDOM % 256)))" |
            dd of="$WORK/bodies/$route.$n" bs=1 seek=$((RANDOM % 4)) conv=notrunc 2>/dev/null
    done
}
make_bodies ocsp "$WORK/req.der" "$REQ_LEN"
make_bodies tsa "$WORK/q.tsq" "$TSQ_LEN"

# post ROUTE CONTENT-TYPE FILE...: one curl per body; "code sha256" per line in $WORK/answers.
post() {
    local route=$1 type=$2 f
    shift 2
    : >"$WORK/answers"
    for f in "$@"; do
        code=$(curl -s -m 10 -o "$WORK/answer" -w "%{http_code}" --data-binary @"$f" \
            -H "Content-Type: $type" "$URL/$route")
        # A corrupted body may still be a valid request (a byte changed to itself, say).
        if [[ $code == 200 ]] && { cmp -s "$f" "$WORK/req.der" || cmp -s "$f" "$WORK/q.tsq"; }; then
            continue
        fi
        echo "$code $(sha256sum <"$WORK/answer" | cut -c1-16)" >>"$WORK/answers"
        cp "$WORK/answer" "$WORK/answer.$(sha256sum <"$WORK/answer" | cut -c1-16)"
    done
}
# codes_in ALLOWED: every answer's HTTP status is one of ALLOWED (a regex).
codes_in() {
    local bad
    bad=$(cut -d' ' -f1 "$WORK/answers" | grep -vE "^($1)$" | sort | uniq -c)
    [[ -z $bad ]] || { echo "unexpected HTTP statuses:"; echo "$bad"; return 1; }
    echo "     $(wc -l <"$WORK/answers") answers, by HTTP status:$(cut -d' ' -f1 "$WORK/answers" | sort | uniq -c | tr -s ' \n' ' ')"
}
# Every distinct OCSP answer is the 5-byte OCSPResponse malformedRequest (RFC 6960 §4.2.1).
all_malformed() {
    local h
    for h in $(cut -d' ' -f2 "$WORK/answers" | sort -u); do
        [[ $(od -An -tx1 "$WORK/answer.$h" | tr -d ' \n') == 30030a0101 ]] ||
            { echo "answer $h is not malformedRequest:"; od -An -tx1 "$WORK/answer.$h" | head -3; return 1; }
    done
}
# Every distinct TSA answer is a TimeStampResp that openssl reads as Rejected (RFC 3161 §2.4.2).
all_rejected() {
    local h
    for h in $(cut -d' ' -f2 "$WORK/answers" | sort -u); do
        openssl ts -reply -in "$WORK/answer.$h" -text 2>&1 | grep -q "Status: Rejected" ||
            { echo "answer $h is not a rejection:"; openssl ts -reply -in "$WORK/answer.$h" -text 2>&1 | head; return 1; }
    done
}

mapfile -t OCSP_BODIES < <(ls "$WORK"/bodies/ocsp.*)
mapfile -t TSA_BODIES < <(ls "$WORK"/bodies/tsa.*)
post ocsp application/ocsp-request "${OCSP_BODIES[@]}"
check "POST /ocsp: ${#OCSP_BODIES[@]} random, truncated and corrupted bodies answered 400" codes_in 400
grep -h "answers, by" "$WORK/out"
check "  ... each with malformedRequest" all_malformed
post tsa application/timestamp-query "${TSA_BODIES[@]}"
check "POST /tsa: ${#TSA_BODIES[@]} random, truncated and corrupted bodies answered 400" codes_in 400
grep -h "answers, by" "$WORK/out"
check "  ... each with a TimeStampResp rejection" all_rejected

# Oversized bodies: just over the limit, and far over it (curl keeps sending; the answer
# must still come back, not a reset).
head -c 65537 /dev/urandom >"$WORK/over"
head -c $((8 * 1024 * 1024)) /dev/zero >"$WORK/huge"
post ocsp application/ocsp-request "$WORK/over" "$WORK/huge"
check "POST /ocsp: 64 KiB + 1 and 8 MiB bodies answered 413" codes_in 413
check "  ... with malformedRequest" all_malformed
post tsa application/timestamp-query "$WORK/over" "$WORK/huge"
check "POST /tsa: 64 KiB + 1 and 8 MiB bodies answered 413" codes_in 413
check "  ... with a TimeStampResp rejection" all_rejected

# GET /ocsp/{garbage}: not base64, base64 of random bytes, of a truncated request, bad
# percent-escapes, a long path.
: >"$WORK/answers"
get_garbage() {
    local path code
    for path in "$@"; do
        code=$(curl -s -m 10 -o "$WORK/answer" -w "%{http_code}" --path-as-is "$URL/ocsp/$path")
        echo "$code $(sha256sum <"$WORK/answer" | cut -c1-16)" >>"$WORK/answers"
        cp "$WORK/answer" "$WORK/answer.$(sha256sum <"$WORK/answer" | cut -c1-16)"
    done
}
GARBAGE=('!!!' 'not-base64%' '%zz%zz' '%00%01' '====' 'AAAA' '..%2F..%2Fetc%2Fpasswd' "$(printf 'x%.0s' $(seq 3000))")
for ((i = 0; i < 30; i++)); do
    GARBAGE+=("$(head -c $((1 + RANDOM % 200)) /dev/urandom | base64 -w0 | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')")
done
for ((cut = 1; cut < REQ_LEN; cut += 7)); do
    GARBAGE+=("$(head -c "$cut" "$WORK/req.der" | base64 -w0 | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')")
done
get_garbage "${GARBAGE[@]}"
check "GET /ocsp/{garbage}: ${#GARBAGE[@]} paths answered 400" codes_in 400
grep -h "answers, by" "$WORK/out"
check "  ... each with malformedRequest" all_malformed

# After all that, the same process serves as before.
check "the server is still running" kill -0 "$PID"
check "GET /healthz" contains "^ok" curl -sf "$URL/healthz"
check "openssl ocsp: good" contains "holder.pem: good" openssl ocsp -issuer "$WORK/issuing.pem" \
    -cert "$WORK/holder.pem" -url "$URL/ocsp" -VAfile "$WORK/ocsp.pem"
check "openssl ts: a time-stamp verifies" bash -c '
    curl -sf --data-binary @"$2/q.tsq" -H "Content-Type: application/timestamp-query" "$1/tsa" >"$2/r.tsr" &&
    openssl ts -verify -in "$2/r.tsr" -queryfile "$2/q.tsq" -CAfile "$2/root.pem" -untrusted "$2/untrusted.pem"' \
    _ "$URL" "$WORK"
check "the server logged no panic" lacks "panicked" cat "$WORK/server.log"
server_stop server
check "SIGTERM after the barrage: exit status 0" test $? -eq 0

# --- One byte changed in the audit log -------------------------------------------------------
check "audit verify passes before" contains "Audit log intact" "$J" --lang en audit verify
cp "$DB" "$WORK/pristine.sqlite"
ENTRIES=$(sqlite3 "$DB" "SELECT count(*) FROM audit_log")
# flip_byte COLUMN SEQ: one byte of that column of that entry changed (XOR 1), as an
# administrator with sqlite3 could.
flip_byte() {
    local column=$1 seq=$2
    cp "$WORK/pristine.sqlite" "$DB"
    python3 - "$DB" "$column" "$seq" <<'EOF'
import sqlite3, sys
db, column, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(db)
(value,) = con.execute(f"SELECT {column} FROM audit_log WHERE seq = ?", (seq,)).fetchone()
if isinstance(value, int):
    value += 1
elif isinstance(value, bytes):
    b = bytearray(value)
    b[len(b) // 2] ^= 1
    value = bytes(b)
else:
    s = bytearray(value.encode())
    s[len(s) // 2] ^= 1
    value = s.decode()
con.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (value, seq))
con.commit()
EOF
}
for column in details kind actor at prev_hash hash; do
    seq=$((2 + RANDOM % (ENTRIES - 2)))
    flip_byte "$column" "$seq"
    check "one byte of $column in entry $seq: audit verify names the entry" \
        fails_with "entry $seq" "$J" --lang en audit verify
done
SIGNED=$(sqlite3 "$WORK/pristine.sqlite" "SELECT seq FROM audit_log WHERE head_signature IS NOT NULL ORDER BY seq DESC LIMIT 1")
if [[ -n $SIGNED ]]; then
    flip_byte head_signature "$SIGNED"
    check "one byte of the head signature of entry $SIGNED: audit verify fails" \
        fails_with "$SIGNED" "$J" --lang en audit verify
fi
cp "$WORK/pristine.sqlite" "$DB"
check "audit verify passes again on the untouched copy" contains "Audit log intact" "$J" --lang en audit verify

finish
