#!/usr/bin/env bash
# pyHanko signs a PDF through Jeton's PKCS#11 module, as the README tells holders to, with
# the authentication key (9A), and pyHanko's own validator (and Poppler's pdfsig when
# installed) accepts the result against the provider's CA. pyHanko never logs in again
# before a signature (CKU_CONTEXT_SPECIFIC), so the 9C key, whose PIN is due before every
# signature, refuses it: sole control is not given up for a client that skips the step.
source "$(dirname "$0")/pkcs11_common.bash"
require pyhanko-cli pyhanko

new_card 3001
keypair 01 EC:prime256v1
keypair 02 EC:prime256v1
certify 02 "Alice Holder Signature"
# pyHanko's default policy wants nonRepudiation on a document signer's certificate.
make_ca
printf 'keyUsage=critical,digitalSignature,nonRepudiation\n' >"$WORK/signer.ext"
openssl x509 -req -in "$WORK/any.csr" -force_pubkey "$WORK/pub01.pem" -subj "/CN=Alice Holder" \
    -days 30 -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -extfile "$WORK/signer.ext" \
    -outform DER -out "$WORK/cert01.der" 2>/dev/null
write_certificate 01 >/dev/null
write_certificate 02 >/dev/null
openssl x509 -inform DER -in "$WORK/cert01.der" -out "$WORK/cert01.pem"

# A one-page PDF, written by hand (pyHanko adds the signature as an incremental update).
python3 - "$WORK/contract.pdf" <<'PY'
import sys
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]
out = bytearray(b"%PDF-1.7\n")
offsets = []
for number, body in enumerate(objects, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for offset in offsets:
    out += b"%010d 00000 n \n" % offset
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open(sys.argv[1], "wb").write(out)
PY

sign() { # sign SLOT-PURPOSE FIELD IN OUT
    printf '%s\n' "$PIN" | pyhanko sign addsig --field "$2" pkcs11 --lib "$MODULE" \
        --token-label "Alice Holder" --cert-label "Certificate for $1" \
        --key-label "Private key for $1" "$3" "$4"
}
check "pyHanko signs the PDF with the authentication key (9A)" \
    sign "PIV Authentication" Authentication "$WORK/contract.pdf" "$WORK/signed-9a.pdf"
expect_fail "the 9C key refuses pyHanko, which does not give the PIN again for the signature" \
    sign "Digital Signature" Signature "$WORK/signed-9a.pdf" "$WORK/signed-9c.pdf"
check "pyHanko's validator finds the signature intact and trusted" \
    contains "INTACT:TRUSTED" pyhanko sign validate --trust-replace --trust "$WORK/ca.pem" "$WORK/signed-9a.pdf"
if command -v pdfsig >/dev/null; then
    check "Poppler pdfsig finds the signature valid" contains "Signature is Valid" pdfsig "$WORK/signed-9a.pdf"
fi
cp "$WORK/signed-9a.pdf" "$WORK/tampered.pdf"
printf 'tampered' | dd of="$WORK/tampered.pdf" bs=1 seek=120 conv=notrunc 2>/dev/null
check "a tampered PDF is no longer intact" \
    fails_with ":INVALID" pyhanko sign validate --trust-replace --trust "$WORK/ca.pem" "$WORK/tampered.pdf"

finish
