#!/usr/bin/env bash
# The provider's CA through `jeton ca` and `jeton audit`, judged by OpenSSL and GnuTLS: set
# up in a fresh home, a qualified certificate for an `openssl req` CSR and one for a key
# generated on a Jeton virtual card (slot 9C), revocation, CRL, and an audit log that names
# the entry an administrator edited in the SQLite database. The provider's keys (issue 9):
# one passphrase per key role, never the same, each command given only the ones it needs;
# key files in PKCS#8 PBES2 with scrypt, older PBKDF2 ones still read; the database and
# key files 0600 and checked at start.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/interop/tsp_common.bash tsp

export JETON_HOME="$WORK/home"
PASS='correct horse battery staple'
provider_keys "$WORK" "$PASS"
P="$WORK/passphrases"
provider_toml

ca() { "$J" --lang en ca --operator interop "$@" "${KEYS[@]}" </dev/null; }
SUBJECT='C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont'
# Each role's passphrase (root, issuing, ocsp, tsa, audit), each twice, as ca init reads stdin.
for r in root issuing ocsp tsa audit; do cat "$P/$r" "$P/$r"; done >"$WORK/init-stdin"

check "ca init refuses one passphrase for two keys, and makes nothing" bash -c '
    for i in 1 2 3 4 5 6 7 8 9 10; do printf "%s\n" "$1"; done |
        "$2" --lang en ca init 2>&1 | grep "same passphrase" && [ ! -e "$3/provider" ]' \
    _ "$PASS" "$J" "$JETON_HOME"
check "... even the last two alike (tsa and audit, from files)" fails_with \
    "time-stamping unit key and the audit log key were given the same passphrase" \
    "$J" --lang en ca init "${KEYS[@]}" --passphrase-file "audit=$P/tsa"
check "... and a short passphrase for any of them" fails_with "the passphrase of the OCSP responder key has only 5 characters" \
    bash -c 'printf "short\n" >"$1/short" && "$2" --lang en ca init "${@:3}" --passphrase-file "ocsp=$1/short"' \
    _ "$WORK" "$J" "${KEYS[@]}"
check "ca init (software keys, five passphrases and their confirmations on stdin)" bash -c \
    '"$1" --lang en ca --operator interop init <"$2"' _ "$J" "$WORK/init-stdin"
check "ca init twice is refused" fails_with "already set up" ca init
check "ca init wrote encrypted keys only" bash -c \
    '! grep -L "BEGIN ENCRYPTED PRIVATE KEY" "$1"/provider/keys/*.pem "$1"/provider/audit/*.pem | grep .' _ "$JETON_HOME"
check "the key files are PKCS#8 PBES2 with scrypt (openssl asn1parse), not PBKDF2" bash -c '
    for k in "$1"/provider/keys/*.pem "$1"/provider/audit/*.pem; do
        out=$(openssl asn1parse -in "$k") && grep -q ":PBES2" <<<"$out" && grep -q ":scrypt" <<<"$out" &&
            ! grep -q PBKDF2 <<<"$out" || { echo "$k"; echo "$out"; exit 1; }
    done' _ "$JETON_HOME"
check "... and openssl reads them with their own passphrase" openssl pkey -noout \
    -in "$JETON_HOME/provider/keys/issuing.key.pem" -passin "file:$P/issuing"
check "the audit key is apart from the keys the server opens" test -s "$JETON_HOME/provider/audit/audit.key.pem"
check "the provider folder is 0700, its database and key files 0600" bash -c '
    [ "$(stat -c %a "$1/provider")" = 700 ] && [ "$(stat -c %a "$1/provider/keys")" = 700 ] &&
    [ "$(stat -c %a "$1/provider/tsp.sqlite")" = 600 ] &&
    for f in "$1"/provider/keys/* "$1"/provider/audit/*; do [ "$(stat -c %a "$f")" = 600 ] || exit 1; done' \
    _ "$JETON_HOME"

# The chain as files, from the database.
sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/' || name || '.der', certificate) FROM cas" >/dev/null
for n in root issuing ocsp tsa; do openssl x509 -inform DER -in "$WORK/$n.der" -out "$WORK/$n.pem"; done

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/holder.key" \
    -subj "/CN=ignored" -out "$WORK/holder.csr" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/other.key" \
    -subj "/CN=ignored" -out "$WORK/other.csr" 2>/dev/null
check "ca issue with the audit key's passphrase given as the issuing CA's is refused" \
    fails_with "issuing.key.pem: the key file cannot be decrypted" \
    "$J" --lang en ca issue --profile qualified-signing --csr "$WORK/holder.csr" --subject "$SUBJECT" \
    --passphrase-file "issuing=$P/audit" --passphrase-file "audit=$P/audit"
check "... and with the issuing CA's given as the audit key's" fails_with "audit.key.pem: the key file cannot be decrypted" \
    "$J" --lang en ca issue --profile qualified-signing --csr "$WORK/holder.csr" --subject "$SUBJECT" \
    --passphrase-file "issuing=$P/issuing" --passphrase-file "audit=$P/issuing"
check "ca issue reads two secrets from stdin: the issuing CA's, then the audit key's" bash -c \
    'cat "$1/issuing" "$1/audit" | "$2" --lang en ca issue --profile qualified-signing --csr "$3" \
        --subject "$4" --out "$5"' _ "$P" "$J" "$WORK/holder.csr" "$SUBJECT" "$WORK/stdin-holder.pem"
check "ca issue qualified-signing from an openssl CSR" ca issue --profile qualified-signing \
    --csr "$WORK/holder.csr" --subject "$SUBJECT" --out "$WORK/holder.pem"
check "ca issue a second holder" ca issue --profile qualified-signing --csr "$WORK/other.csr" \
    --subject 'C=FR,GN=Paul,SN=Martin,serialNumber=PNOFR-1900101999999,CN=Paul Martin,O=Exemple SA,organizationIdentifier=VATFR-12345678901' \
    --out "$WORK/other.pem"
# (jeton-pki's tests check every QCStatement with pkilint; here what the provider's settings put in.)
check "the certificate carries QCP-n-qscd, the provider's policy, its PDS and OCSP URL" bash -c '
    openssl x509 -in "$1" -noout -text >"$2" &&
    grep -q "Policy: 0.4.0.194112.1.2" "$2" && grep -q "Policy: 1.3.6.1.4.1.99999.1.1" "$2" &&
    grep -q "pki.jeton.example/pds/en.pdf" "$2" && grep -q "OCSP - URI:http://127.0.0.1:8080/ocsp" "$2"' \
    _ "$WORK/holder.pem" "$WORK/text"
check "a malformed CSR is refused" fails_with "CSR|request|DER" ca issue --profile qualified-signing \
    --csr "$WORK/root.pem" --subject "$SUBJECT"
check "a subject without serialNumber is refused" fails_with "serialNumber" ca issue \
    --profile qualified-signing --csr "$WORK/holder.csr" --subject 'C=FR,GN=A,SN=B,CN=A B'

cat "$WORK/issuing.pem" "$WORK/root.pem" >"$WORK/chain.pem"
check "openssl verify accepts the chain" openssl verify -CAfile "$WORK/root.pem" \
    -untrusted "$WORK/issuing.pem" "$WORK/holder.pem"
check "certtool --verify-chain accepts it" bash -c \
    'cat "$1" "$2" "$3" | certtool --verify-chain' _ "$WORK/holder.pem" "$WORK/issuing.pem" "$WORK/root.pem"

SERIAL=$(openssl x509 -in "$WORK/holder.pem" -noout -serial | cut -d= -f2)
# RFC 5280 §5.1.2.6: the revocation date is when the provider processes it; never backdated.
check "a revocation dated before the certificate existed is refused" fails_with "before the certificate was valid" \
    ca revoke "$SERIAL" --reason key-compromise --at 2000-01-01
check "a revocation dated in the past is refused, pointing to --invalidity-date" fails_with "in the past.*--invalidity-date" \
    ca revoke "$SERIAL" --reason key-compromise --at "@$(($(date +%s) - 20))"
check "... in French too" fails_with "dans le passé" bash -c \
    '"$2" --lang fr ca revoke "$3" --reason key-compromise --at "@$(($(date +%s) - 20))" <"$1/audit"' _ "$P" "$J" "$SERIAL"
check "... before the passphrase is asked for" fails_with "before the certificate was valid" \
    "$J" --lang en ca revoke "$SERIAL" --reason key-compromise --at 2000-01-01 </dev/null
check "an unknown serial is refused before the passphrase is asked for" fails_with "never issued" \
    "$J" --lang en ca revoke DEADBEEF --reason key-compromise </dev/null
check "an invalidity date in the future is refused" fails_with "invalidity date .* is in the future" \
    ca revoke "$SERIAL" --reason key-compromise --invalidity-date 2099-01-01
check "nothing was recorded by the refused revocations" bash -c \
    '[ "$(sqlite3 "$1" "SELECT count(*) FROM revocations")" = 0 ]' _ "$JETON_HOME/provider/tsp.sqlite"
check "ca revoke (superseded), the suspected compromise as invalidity date" contains "revoked \(superseded\)" \
    ca revoke "$SERIAL" --reason superseded --invalidity-date "@$(($(date +%s) - 7200))"
check "revoking again for another reason and date changes nothing, and says so" contains "Nothing changed.*has been revoked \(superseded\) since" \
    ca revoke "$SERIAL" --reason cessation-of-operation --at 2099-01-01
check "the reason raised to key-compromise keeps the date" contains "raised from superseded to key-compromise; it stays revoked from" \
    ca revoke "$SERIAL" --reason key-compromise
check "... and is never lowered again" contains "Nothing changed.*\(key-compromise\)" \
    ca revoke "$SERIAL" --reason superseded
check "an unknown serial cannot be revoked" fails_with "never issued" \
    ca revoke DEADBEEF --reason key-compromise
check "a bad reason is refused" fails_with "unknown revocation reason" \
    ca revoke "$SERIAL" --reason on-hold
OCSP_SERIAL=$(openssl x509 -in "$WORK/ocsp.pem" -noout -serial | cut -d= -f2)
check "a leaving date in the future is accepted" contains "will be revoked" \
    ca revoke "$OCSP_SERIAL" --reason affiliation-changed --at 2099-12-31 --ca issuing
check "a later date never postpones it, and it is not called revoked yet" contains "Nothing changed.*is already to be revoked" \
    ca revoke "$OCSP_SERIAL" --reason superseded --at 2100-06-30 --ca issuing
check "ca list --json shows the revocation" contains "\"status\": \"revoked\"" "$J" ca list --json
check "ca crl" ca crl --out "$WORK/issuing.crl"
# A next update outside 1..168 hours is a bad command line (exit 2), never silently clamped.
for hours in 0 1000; do
    check "ca crl --next-update-hours $hours is refused (exit 2) and writes nothing" bash -c '
        "$2" --lang en ca --operator interop crl --next-update-hours "$3" --out "$4" "${@:5}" </dev/null
        [ $? = 2 ] && [ ! -e "$4" ]' _ "$PASS" "$J" "$hours" "$WORK/clamped.crl" "${KEYS[@]}"
done
check "openssl crl -verify" contains "verify OK" openssl crl -in "$WORK/issuing.crl" \
    -CAfile "$WORK/chain.pem" -noout
check "the CRL lists the revoked serial with its reason and invalidity date" bash -c '
    openssl crl -in "$1" -noout -text >"$2" && grep -q "$3" "$2" && grep -q "Key Compromise" "$2" &&
    grep -q "Invalidity Date" "$2"' _ "$WORK/issuing.crl" "$WORK/text" "$SERIAL"
check "the CRL does not list the one revoked from 2099" bash -c '
    [ "$(openssl crl -in "$1" -noout -text | grep -c "Serial Number")" = 1 ]' _ "$WORK/issuing.crl"
# The root's CRL, for -crl_check_all.
check "ca crl --ca root" ca crl --ca root --out "$WORK/root.crl"
check "openssl verify -crl_check rejects the revoked certificate" fails_with "revoked" \
    openssl verify -crl_check -CAfile "$WORK/chain.pem" -CRLfile "$WORK/issuing.crl" "$WORK/holder.pem"
check "openssl verify -crl_check_all accepts the good one" openssl verify -crl_check_all \
    -CAfile "$WORK/chain.pem" -CRLfile "$WORK/issuing.crl" -CRLfile "$WORK/root.crl" "$WORK/other.pem"

# A key generated on a Jeton virtual card: the CA certifies the public key (a CSR would need
# a signature by 9C, which asks for the PIN each time).
check "card create" "$J" card create --serial 4242
check "key generate 9c p256 on the card" bash -c \
    'printf "\n" | "$1" key generate --slot 9c --alg p256 --out "$2"' _ "$J" "$WORK/9c.pub"
check "ca issue --public-key for the card's 9C key" ca issue --profile qualified-signing \
    --public-key "$WORK/9c.pub" --subject "$SUBJECT" --out "$WORK/9c.pem"
check "the certificate holds the card's key" bash -c \
    'cmp <(openssl x509 -in "$1" -noout -pubkey) "$2"' _ "$WORK/9c.pem" "$WORK/9c.pub"
check "openssl verify accepts the card's certificate" openssl verify -CAfile "$WORK/root.pem" \
    -untrusted "$WORK/issuing.pem" "$WORK/9c.pem"
check "cert import 9c onto the card" bash -c \
    'printf "\n" | "$1" cert import --slot 9c "$2"' _ "$J" "$WORK/9c.pem"

check "audit verify passes" contains "Audit log intact" "$J" --lang en audit verify

# The provider's files checked where it is opened, as ssh checks a key file (issue 9).
DB="$JETON_HOME/provider/tsp.sqlite"
KEY="$JETON_HOME/provider/keys/issuing.key.pem"
CONFIG="$JETON_HOME/provider.toml"
chmod 644 "$DB"
check "a database readable by others (0644) is refused at start, naming the chmod" \
    fails_with "tsp.sqlite has mode 0644.*run .chmod 600 $DB." ca list
check "... by jeton server too, before any secret is read" \
    fails_with "chmod 600 $DB" "$J" --lang en server --listen 127.0.0.1:0 </dev/null
check "... and by audit verify, in French" fails_with "tsp.sqlite a le mode 0644.*chmod 600" \
    "$J" --lang fr audit verify
chmod 600 "$DB"
chmod 644 "$KEY"
check "a key file readable by others (0644) is refused" fails_with "issuing.key.pem has mode 0644.*chmod 600 $KEY" ca list
chmod 600 "$KEY"
chmod 755 "$JETON_HOME/provider"
check "a provider folder open to others (0755) is refused" fails_with "chmod 700 $JETON_HOME/provider" ca list
chmod 700 "$JETON_HOME/provider"
chmod 644 "$CONFIG"
check "a provider.toml readable by others is a loud warning, not a refusal (it holds no secret)" \
    contains "WARNING: $CONFIG has mode 0644.*chmod 600 $CONFIG" ca list
chmod 666 "$CONFIG"
check "... one writable by others is refused" fails_with "$CONFIG has mode 0666.*chmod 600" ca list
chmod 600 "$CONFIG"
check "... and at 0600 nothing is said" lacks "WARNING" ca list

# A key file from before scrypt (OpenSSL's default PBKDF2, 2,048 iterations) still loads.
cp "$KEY" "$WORK/issuing.scrypt.pem"
openssl pkey -in "$WORK/issuing.scrypt.pem" -passin "file:$P/issuing" |
    openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048 -passout "file:$P/issuing" -out "$WORK/issuing.pbkdf2.pem"
cat "$WORK/issuing.pbkdf2.pem" >"$KEY"
check "an old PBKDF2-2048 key file (as ca init wrote them before)" bash -c \
    'openssl asn1parse -in "$1" | grep -q ":PBKDF2"' _ "$KEY"
check "... still signs" ca issue --profile qualified-signing --csr "$WORK/holder.csr" \
    --subject "$SUBJECT" --out "$WORK/pbkdf2-holder.pem"
cat "$WORK/issuing.scrypt.pem" >"$KEY"
check "audit verify in French" contains "Journal d'audit intact" "$J" --lang fr audit verify

# An administrator edits the revocation's reason in the database.
DB="$JETON_HOME/provider/tsp.sqlite"
cp "$DB" "$WORK/pristine.sqlite"
SEQ=$(sqlite3 "$DB" "SELECT seq FROM audit_log WHERE kind = 'revocation' ORDER BY seq LIMIT 1")
sqlite3 "$DB" "UPDATE audit_log SET details = replace(details, 'superseded', 'unspecified') WHERE seq = $SEQ"
check "audit verify names the changed entry" fails_with "entry $SEQ was changed" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "DELETE FROM audit_log WHERE seq = $SEQ"
check "audit verify names the removed entry" fails_with "entry $SEQ was removed" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "UPDATE audit_log SET seq = -1 WHERE seq = $SEQ; UPDATE audit_log SET seq = $SEQ WHERE seq = $((SEQ + 1)); UPDATE audit_log SET seq = $((SEQ + 1)) WHERE seq = -1"
check "audit verify names the moved entry" fails_with "was moved" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
# One byte of one entry's hash.
sqlite3 "$DB" "UPDATE audit_log SET hash = zeroblob(32) WHERE seq = 2"
check "audit verify names an entry whose hash was altered" fails_with "entry 2" "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
check "audit verify passes again on the untouched copy" contains "intact" "$J" --lang en audit verify

# The records against the log: a revocation deleted or edited in the database is named.
sqlite3 "$DB" "DELETE FROM revocations WHERE serial = '$SERIAL'"
check "audit verify names the revocation deleted from the database" fails_with \
    "revocation of certificate $SERIAL of issuing \(key-compromise, from .*\) was deleted" "$J" --lang en audit verify
check "... in French" fails_with "la révocation du certificat $SERIAL de issuing .* a été supprimée" \
    "$J" --lang fr audit verify
check "... and by its stable code in --json" contains '"code": "revocation-deleted"' bash -c \
    '"$1" audit verify --json; true' _ "$J"
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "UPDATE revocations SET reason = 'superseded' WHERE serial = '$SERIAL'"
check "audit verify names the revocation edited in the database, and what changed" fails_with \
    "revocation of certificate $SERIAL of issuing was edited: reason is superseded in the database, key-compromise in the log" \
    "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"
sqlite3 "$DB" "DELETE FROM certificates WHERE serial NOT IN (SELECT serial FROM revocations) AND profile = 'qualified-signing' AND subject LIKE '%Paul%'"
check "audit verify names a certificate deleted from the database" fails_with "certificate [0-9A-F]* of issuing, issued according to the log, was deleted" \
    "$J" --lang en audit verify
cp "$WORK/pristine.sqlite" "$DB"

# Every signed head is also appended to audit-heads.log, in a format openssl can check.
HEADS="$JETON_HOME/provider/audit-heads.log"
check "every signed head is in audit-heads.log, one line each" bash -c \
    '[ "$(wc -l <"$1")" = "$(sqlite3 "$2" "SELECT count(*) FROM audit_log WHERE head_signature IS NOT NULL")" ]' _ "$HEADS" "$DB"
check "the last archived head verifies with openssl and the audit public key" bash -c '
    tail -n 1 "$1" | python3 -c "import json, sys; h = json.load(sys.stdin)
open(sys.argv[1], \"wb\").write(bytes.fromhex(h[\"signed_message\"]))
open(sys.argv[2], \"wb\").write(bytes.fromhex(h[\"signature\"]))" "$2.msg" "$2.sig" &&
    openssl dgst -sha256 -verify "$3" -signature "$2.sig" "$2.msg"' \
    _ "$HEADS" "$WORK/head" "$JETON_HOME/provider/audit-key.pub.pem"

# The attack the archive is for: a revocation, then whoever holds the database deletes it,
# cuts its entry off the log's tail and rewrites the head row to match.
OTHER=$(openssl x509 -in "$WORK/other.pem" -noout -serial | cut -d= -f2)
check "ca revoke the second holder (signed at once)" contains "revoked \(key-compromise\)" \
    ca revoke "$OTHER" --reason key-compromise
LAST=$(sqlite3 "$DB" "SELECT max(seq) FROM audit_log")
check "the revocation's head is signed and archived" bash -c \
    'tail -n 1 "$1" | grep -q "\"seq\":$2,"' _ "$HEADS" "$LAST"
cp "$HEADS" "$WORK/archived-heads.log"
sqlite3 "$DB" "DELETE FROM revocations WHERE serial = '$OTHER'; DELETE FROM audit_log WHERE seq = $LAST;
    UPDATE audit_head SET seq = $((LAST - 1)), hash = (SELECT hash FROM audit_log WHERE seq = $((LAST - 1)))"
mv "$HEADS" "$WORK/moved-heads.log"
check "without the archive, the cut database looks intact (what the archive is for)" contains "No archive of signed heads" \
    "$J" --lang en audit verify
check "with the archived heads, the cut entry is named" fails_with "entries $LAST to $LAST are missing from the database, though an archived signed head covers them" \
    "$J" --lang en audit verify --heads "$WORK/archived-heads.log"
mv "$WORK/moved-heads.log" "$HEADS"
check "... and with the provider's own audit-heads.log by default" fails_with "entries $LAST to $LAST are missing" \
    "$J" --lang en audit verify
check "... in French" fails_with "les entrées $LAST à $LAST manquent dans la base" "$J" --lang fr audit verify

# The same provider with its keys generated on a PKCS#11 token (SoftHSMv2): they never
# leave it; the secret read is the token's PIN.
if command -v softhsm2-util >/dev/null && [[ -e /usr/lib/softhsm/libsofthsm2.so ]]; then
    export JETON_HOME="$WORK/hsm-home" SOFTHSM2_CONF="$WORK/softhsm2.conf"
    mkdir -p "$JETON_HOME" "$WORK/tokens"
    cp "$WORK/home/provider.toml" "$JETON_HOME/"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$WORK/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label jeton-ca --pin 1234 --so-pin 5678 >/dev/null
    # Every role's secret is the token's PIN: the token guards its keys.
    printf '1234\n' >"$WORK/token-pin"
    KEYS=()
    for r in root issuing ocsp tsa audit; do KEYS+=(--passphrase-file "$r=$WORK/token-pin"); done
    check "ca init --pkcs11 (SoftHSMv2)" ca init \
        --pkcs11 "pkcs11:token=jeton-ca?module-path=/usr/lib/softhsm/libsofthsm2.so"
    check "no key file was written" bash -c '[ -z "$(ls -A "$1/provider/keys")" ]' _ "$JETON_HOME"
    check "ca issue with the token's issuing key" ca issue --profile qualified-signing \
        --csr "$WORK/holder.csr" --subject "$SUBJECT" --out "$WORK/hsm-holder.pem"
    sqlite3 "$JETON_HOME/provider/tsp.sqlite" "SELECT writefile('$WORK/hsm-' || name || '.der', certificate) FROM cas" >/dev/null
    openssl x509 -inform DER -in "$WORK/hsm-root.der" -out "$WORK/hsm-root.pem"
    openssl x509 -inform DER -in "$WORK/hsm-issuing.der" -out "$WORK/hsm-issuing.pem"
    check "openssl verify accepts the token-signed chain" openssl verify -CAfile "$WORK/hsm-root.pem" \
        -untrusted "$WORK/hsm-issuing.pem" "$WORK/hsm-holder.pem"
    check "ca crl with the token's key" ca crl --out "$WORK/hsm.crl"
    check "audit verify (heads signed on the token)" contains "intact" "$J" --lang en audit verify
else
    echo "skip SoftHSMv2 is not installed: the PKCS#11 provider keys are not tested"
fi

finish
