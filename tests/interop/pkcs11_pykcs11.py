"""The Jeton PKCS#11 module driven by PyKCS11, as a Python application (pyHanko, scripts)
would drive it: every signature mechanism of the issue checked by the module's C_Verify and
by the `openssl` command with the public keys `jeton key generate` exported, decryption and
ECDH in the key-management slots, digests, and the PIN story with the token flags at each
step. Run by pkcs11_pykcs11.sh, which makes the cards and the keys.

Card 100 holds the keys (9A RSA-2048, 9C P-256, 9D RSA-2048, 9E P-384, 82 P-256), card 200
is a factory card for the PIN story. Exits non-zero if any check fails.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

import PyKCS11
from PyKCS11 import LowLevel

PIN = "123456"
PUK = "12345678"
MESSAGE = b"I, the holder, sign this contract on the 3rd of March."

# CKA_ID of each PIV slot, as OpenSC numbers them.
IDS = {"9a": 1, "9c": 2, "9d": 3, "9e": 4, "82": 5}

HASHES = {
    "sha1": (PyKCS11.CKM_SHA_1, PyKCS11.CKG_MGF1_SHA1, 20),
    "sha224": (PyKCS11.CKM_SHA224, PyKCS11.CKG_MGF1_SHA224, 28),
    "sha256": (PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, 32),
    "sha384": (PyKCS11.CKM_SHA384, PyKCS11.CKG_MGF1_SHA384, 48),
    "sha512": (PyKCS11.CKM_SHA512, PyKCS11.CKG_MGF1_SHA512, 64),
}
RSA_PKCS = {
    "sha1": PyKCS11.CKM_SHA1_RSA_PKCS,
    "sha224": PyKCS11.CKM_SHA224_RSA_PKCS,
    "sha256": PyKCS11.CKM_SHA256_RSA_PKCS,
    "sha384": PyKCS11.CKM_SHA384_RSA_PKCS,
    "sha512": PyKCS11.CKM_SHA512_RSA_PKCS,
}
RSA_PSS = {
    "sha1": PyKCS11.CKM_SHA1_RSA_PKCS_PSS,
    "sha224": PyKCS11.CKM_SHA224_RSA_PKCS_PSS,
    "sha256": PyKCS11.CKM_SHA256_RSA_PKCS_PSS,
    "sha384": PyKCS11.CKM_SHA384_RSA_PKCS_PSS,
    "sha512": PyKCS11.CKM_SHA512_RSA_PKCS_PSS,
}
ECDSA = {
    "sha1": PyKCS11.CKM_ECDSA_SHA1,
    "sha224": PyKCS11.CKM_ECDSA_SHA224,
    "sha256": PyKCS11.CKM_ECDSA_SHA256,
    "sha384": PyKCS11.CKM_ECDSA_SHA384,
    "sha512": PyKCS11.CKM_ECDSA_SHA512,
}
PIN_FLAGS = [
    ("USER_PIN_COUNT_LOW", PyKCS11.CKF_USER_PIN_COUNT_LOW),
    ("USER_PIN_FINAL_TRY", PyKCS11.CKF_USER_PIN_FINAL_TRY),
    ("USER_PIN_LOCKED", PyKCS11.CKF_USER_PIN_LOCKED),
    ("USER_PIN_TO_BE_CHANGED", PyKCS11.CKF_USER_PIN_TO_BE_CHANGED),
    ("SO_PIN_COUNT_LOW", PyKCS11.CKF_SO_PIN_COUNT_LOW),
    ("SO_PIN_FINAL_TRY", PyKCS11.CKF_SO_PIN_FINAL_TRY),
    ("SO_PIN_LOCKED", PyKCS11.CKF_SO_PIN_LOCKED),
]


class Checks:
    """Counts the checks; a failing one is reported and the run goes on."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, what, step):
        try:
            step()
        except Exception as error:  # a failed check, whatever raised it
            self.failed += 1
            print(f"FAIL {what}: {type(error).__name__}: {error}")
        else:
            self.passed += 1
            print(f"ok   {what}")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def rv_of(call):
    """The CK_RV name a call fails with, or CKR_OK."""
    try:
        call()
    except PyKCS11.PyKCS11Error as error:
        return PyKCS11.CKR[error.value]
    return "CKR_OK"


class OpenSSL:
    """The `openssl` command on files in a scratch folder."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def file(self, data):
        self.count += 1
        path = os.path.join(self.folder, f"f{self.count}")
        with open(path, "wb") as out:
            out.write(data)
        return path

    def run(self, *args, data=None):
        result = subprocess.run(["openssl", *args], input=data, capture_output=True)
        return result.returncode == 0, result.stdout

    def verifies(self, *args):
        ok, _ = self.run(*args)
        return ok


def der_length(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n])


def der_integer(magnitude):
    value = magnitude.lstrip(b"\0") or b"\0"
    if value[0] & 0x80:
        value = b"\0" + value
    return b"\x02" + der_length(len(value)) + value


def ecdsa_der(signature):
    """PKCS#11's r || s as the DER ECDSA-Sig-Value OpenSSL reads."""
    half = len(signature) // 2
    body = der_integer(signature[:half]) + der_integer(signature[half:])
    return b"\x30" + der_length(len(body)) + body


def digest_info_sha256(message):
    prefix = bytes.fromhex("3031300d060960864801650304020105000420")
    return prefix + hashlib.sha256(message).digest()


def mechanism(kind):
    return PyKCS11.Mechanism(kind, None)


def pss(kind, hash_name):
    hash_mechanism, mgf, salt = HASHES[hash_name]
    return PyKCS11.RSA_PSS_Mechanism(kind, hash_mechanism, mgf, salt)


def check_rv(rv):
    if rv != PyKCS11.CKR_OK:
        raise PyKCS11.PyKCS11Error(rv)


def sign_in_parts(session, key, data, mech, context_pin=None, chunk=17):
    """C_SignInit, [C_Login(CKU_CONTEXT_SPECIFIC)], C_SignUpdate…, C_SignFinal (two calls)."""
    lib, handle = session.lib, session.session
    check_rv(lib.C_SignInit(handle, mech.to_native(), key))
    if context_pin is not None:
        session.login(context_pin, PyKCS11.CKU_CONTEXT_SPECIFIC)
    for start in range(0, len(data), chunk):
        check_rv(lib.C_SignUpdate(handle, PyKCS11.ckbytelist(data[start : start + chunk])))
    signature = PyKCS11.ckbytelist()
    check_rv(lib.C_SignFinal(handle, signature))
    check_rv(lib.C_SignFinal(handle, signature))
    return bytes(signature)


def sign_with_context_login(session, key, data, mech, pin):
    """The 9C key: C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC), C_Sign (two calls)."""
    lib, handle = session.lib, session.session
    check_rv(lib.C_SignInit(handle, mech.to_native(), key))
    session.login(pin, PyKCS11.CKU_CONTEXT_SPECIFIC)
    data = PyKCS11.ckbytelist(data)
    signature = PyKCS11.ckbytelist()
    check_rv(lib.C_Sign(handle, data, signature))
    check_rv(lib.C_Sign(handle, data, signature))
    return bytes(signature)


def token_slot(lib, serial):
    for slot in lib.getSlotList(tokenPresent=True):
        if lib.getTokenInfo(slot).serialNumber.strip() == serial:
            return slot
    raise AssertionError(f"no token with serial {serial}")


def pin_flags(lib, slot):
    flags = lib.getTokenInfo(slot).flags
    return [name for name, bit in PIN_FLAGS if flags & bit]


def key(session, kind, slot_name):
    found = session.findObjects([(PyKCS11.CKA_CLASS, kind), (PyKCS11.CKA_ID, (IDS[slot_name],))])
    expect(len(found) == 1, f"one object of class {kind} with the id of {slot_name}")
    return found[0]


def signature_checks(checks, lib, slot, keys, ssl):
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(PIN)
    message = ssl.file(MESSAGE)
    private = {name: key(session, PyKCS11.CKO_PRIVATE_KEY, name) for name in IDS}
    public = {name: key(session, PyKCS11.CKO_PUBLIC_KEY, name) for name in IDS}
    pem = {name: os.path.join(keys, f"{name}.pem") for name in IDS}

    def module_verifies(name, data, signature, mech):
        expect(session.verify(public[name], data, signature, mech), "C_Verify refused it")
        changed = bytes([data[0] ^ 1]) + bytes(data[1:])
        expect(not session.verify(public[name], changed, signature, mech), "C_Verify took a changed message")

    def rsa_pkcs_digest_info():
        mech = mechanism(PyKCS11.CKM_RSA_PKCS)
        data = digest_info_sha256(MESSAGE)
        signature = bytes(session.sign(private["9a"], data, mech))
        module_verifies("9a", data, signature, mech)
        expect(ssl.verifies("dgst", "-sha256", "-verify", pem["9a"], "-signature", ssl.file(signature), message), "openssl")

    checks.run("CKM_RSA_PKCS on a SHA-256 DigestInfo (9A)", rsa_pkcs_digest_info)

    for hash_name, kind in RSA_PKCS.items():

        def rsa_pkcs(hash_name=hash_name, kind=kind):
            mech = mechanism(kind)
            signature = bytes(session.sign(private["9a"], MESSAGE, mech))
            module_verifies("9a", MESSAGE, signature, mech)
            expect(ssl.verifies("dgst", f"-{hash_name}", "-verify", pem["9a"], "-signature", ssl.file(signature), message), "openssl")

        checks.run(f"{PyKCS11.CKM[kind]} (9A)", rsa_pkcs)

    def pss_options(hash_name):
        salt = HASHES[hash_name][2]
        return ["-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{salt}", "-sigopt", f"rsa_mgf1_md:{hash_name}"]

    def raw_pss():
        mech = pss(PyKCS11.CKM_RSA_PKCS_PSS, "sha256")
        data = hashlib.sha256(MESSAGE).digest()
        signature = bytes(session.sign(private["9a"], data, mech))
        module_verifies("9a", data, signature, mech)
        expect(ssl.verifies("dgst", "-sha256", *pss_options("sha256"), "-verify", pem["9a"], "-signature", ssl.file(signature), message), "openssl")

    checks.run("CKM_RSA_PKCS_PSS on a SHA-256 digest (9A)", raw_pss)

    for hash_name, kind in RSA_PSS.items():

        def hashed_pss(hash_name=hash_name, kind=kind):
            mech = pss(kind, hash_name)
            signature = bytes(session.sign(private["9a"], MESSAGE, mech))
            module_verifies("9a", MESSAGE, signature, mech)
            expect(ssl.verifies("dgst", f"-{hash_name}", *pss_options(hash_name), "-verify", pem["9a"], "-signature", ssl.file(signature), message), "openssl")

        checks.run(f"{PyKCS11.CKM[kind]} (9A)", hashed_pss)

    def rsa_x509():
        mech = mechanism(PyKCS11.CKM_RSA_X_509)
        block = b"\0" + os.urandom(255)
        signature = bytes(session.sign(private["9a"], block, mech))
        module_verifies("9a", block, signature, mech)
        ok, recovered = ssl.run("pkeyutl", "-verifyrecover", "-pubin", "-inkey", pem["9a"], "-pkeyopt", "rsa_padding_mode:none", "-in", ssl.file(signature))
        expect(ok and recovered == block, "openssl recovers the block")

    checks.run("CKM_RSA_X_509 (9A)", rsa_x509)

    # ECDSA: P-384 in 9E with the user's login; P-256 in 9C, where every signature needs
    # C_Login(CKU_CONTEXT_SPECIFIC) first.
    for name, curve_hash in (("9e", "sha384"), ("9c", "sha256")):
        context = PIN if name == "9c" else None

        def sign(data, mech, name=name, context=context):
            if context is None:
                return bytes(session.sign(private[name], data, mech))
            return sign_with_context_login(session, private[name], data, mech, context)

        def raw_ecdsa(name=name, curve_hash=curve_hash, sign=sign):
            mech = mechanism(PyKCS11.CKM_ECDSA)
            data = hashlib.new(curve_hash, MESSAGE).digest()
            signature = sign(data, mech)
            module_verifies(name, data, signature, mech)
            expect(ssl.verifies("pkeyutl", "-verify", "-pubin", "-inkey", pem[name], "-in", ssl.file(data), "-sigfile", ssl.file(ecdsa_der(signature))), "openssl")

        checks.run(f"CKM_ECDSA ({name.upper()})", raw_ecdsa)

        for hash_name, kind in ECDSA.items():

            def hashed_ecdsa(name=name, hash_name=hash_name, kind=kind, sign=sign):
                mech = mechanism(kind)
                signature = sign(MESSAGE, mech)
                module_verifies(name, MESSAGE, signature, mech)
                expect(ssl.verifies("dgst", f"-{hash_name}", "-verify", pem[name], "-signature", ssl.file(ecdsa_der(signature)), message), "openssl")

            checks.run(f"{PyKCS11.CKM[kind]} ({name.upper()})", hashed_ecdsa)

    def nine_c_needs_the_pin_each_time():
        mech = mechanism(PyKCS11.CKM_ECDSA_SHA256)
        expect(rv_of(lambda: session.sign(private["9c"], MESSAGE, mech)) == "CKR_USER_NOT_LOGGED_IN", "signed without the context PIN")

    checks.run("9C refuses a signature without CKU_CONTEXT_SPECIFIC", nine_c_needs_the_pin_each_time)

    long_message = bytes(range(256)) * 20

    def multi_part():
        for name, kind, context in (("9a", PyKCS11.CKM_SHA256_RSA_PKCS, None), ("9e", PyKCS11.CKM_ECDSA_SHA384, None), ("9c", PyKCS11.CKM_ECDSA_SHA256, PIN)):
            mech = mechanism(kind)
            signature = sign_in_parts(session, private[name], long_message, mech, context, chunk=999)
            expect(session.verify(public[name], long_message, signature, mech), f"{name}: single-part C_Verify of a multi-part signature")
        single = bytes(session.sign(private["9a"], long_message, mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)))
        parts = sign_in_parts(session, private["9a"], long_message, mechanism(PyKCS11.CKM_SHA256_RSA_PKCS))
        expect(single == parts, "PKCS#1 v1.5 in parts equals single-part")

    checks.run("C_SignUpdate/C_SignFinal equal single-part signatures", multi_part)

    secret = b"a 32-byte AES key for the file!!"

    def decrypt_pkcs1():
        ok, encrypted = ssl.run("pkeyutl", "-encrypt", "-pubin", "-inkey", pem["9d"], "-in", ssl.file(secret))
        expect(ok, "openssl encrypts")
        plain = bytes(session.decrypt(private["9d"], encrypted, mechanism(PyKCS11.CKM_RSA_PKCS)))
        expect(plain == secret, "the plaintext")

    checks.run("CKM_RSA_PKCS decryption in 9D of openssl's ciphertext", decrypt_pkcs1)

    def decrypt_oaep():
        for hash_name in ("sha1", "sha256"):
            ok, encrypted = ssl.run("pkeyutl", "-encrypt", "-pubin", "-inkey", pem["9d"], "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{hash_name}", "-pkeyopt", f"rsa_mgf1_md:{hash_name}", "-in", ssl.file(secret))
            expect(ok, "openssl encrypts")
            hash_mechanism, mgf, _ = HASHES[hash_name]
            mech = PyKCS11.RSAOAEPMechanism(hash_mechanism, mgf)
            plain = bytes(session.decrypt(private["9d"], encrypted, mech))
            expect(plain == secret, f"the plaintext ({hash_name})")

    checks.run("CKM_RSA_PKCS_OAEP decryption in 9D (SHA-1, SHA-256)", decrypt_oaep)

    def ecdh():
        peer = os.path.join(ssl.folder, "peer.pem")
        ok, _ = ssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", peer)
        expect(ok, "openssl makes the peer key")
        ok, peer_der = ssl.run("pkey", "-in", peer, "-pubout", "-outform", "DER")
        expect(ok, "the peer's public key")
        point = peer_der[-65:]
        template = [
            (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
            (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_GENERIC_SECRET),
            (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
            (PyKCS11.CKA_SENSITIVE, PyKCS11.CK_FALSE),
            (PyKCS11.CKA_EXTRACTABLE, PyKCS11.CK_TRUE),
        ]
        derived = session.deriveKey(private["82"], template, PyKCS11.ECDH1_DERIVE_Mechanism(point))
        ours = bytes(session.getAttributeValue(derived, [PyKCS11.CKA_VALUE], allAsBinary=True)[0])
        ok, theirs = ssl.run("pkeyutl", "-derive", "-inkey", peer, "-peerkey", pem["82"])
        expect(ok and ours == theirs and len(ours) == 32, "the same shared secret")

    checks.run("CKM_ECDH1_DERIVE in retired slot 82 agrees with openssl", ecdh)

    def digests():
        data = bytes(range(200)) * 7
        for hash_name, (kind, _, _) in HASHES.items():
            ours = bytes(session.digest(data, mechanism(kind)))
            expect(ours == hashlib.new(hash_name, data).digest(), hash_name)

    checks.run("CKM_SHA* digests equal hashlib's", digests)

    def random():
        first, second = bytes(session.generateRandom(48)), bytes(session.generateRandom(48))
        expect(len(first) == 48 and first != second, "fresh random bytes")

    checks.run("C_GenerateRandom", random)

    def attributes():
        values = session.getAttributeValue(private["9c"], [PyKCS11.CKA_SENSITIVE, PyKCS11.CKA_EXTRACTABLE, PyKCS11.CKA_ALWAYS_AUTHENTICATE])
        expect(values == [True, False, True], f"9C: {values}")
        values = session.getAttributeValue(private["9a"], [PyKCS11.CKA_ALWAYS_AUTHENTICATE])
        expect(values == [False], f"9A: {values}")
        template = LowLevel.ckattrlist(1)
        template[0].SetType(PyKCS11.CKA_VALUE)
        rv = session.lib.C_GetAttributeValue(session.session, private["9a"], template)
        expect(PyKCS11.CKR[rv] == "CKR_ATTRIBUTE_SENSITIVE", f"CKA_VALUE: {PyKCS11.CKR[rv]}")

    checks.run("private key attributes", attributes)
    session.logout()
    session.closeSession()


def pin_story(checks, lib, slot):
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)

    def step(what, expected_rv, expected_flags, call):
        def run():
            rv = rv_of(call)
            expect(rv == expected_rv, f"answered {rv}")
            flags = pin_flags(lib, slot)
            expect(flags == expected_flags, f"flags {flags}")

        checks.run(f"{what}: {expected_rv}, flags {expected_flags or 'none'}", run)

    checks.run("factory card: no PIN flag", lambda: expect(pin_flags(lib, slot) == [], pin_flags(lib, slot)))
    step("wrong PIN 1", "CKR_PIN_INCORRECT", ["USER_PIN_COUNT_LOW"], lambda: session.login("000000"))
    step("wrong PIN 2", "CKR_PIN_INCORRECT", ["USER_PIN_COUNT_LOW", "USER_PIN_FINAL_TRY"], lambda: session.login("000000"))
    step("wrong PIN 3", "CKR_PIN_LOCKED", ["USER_PIN_LOCKED"], lambda: session.login("000000"))
    step("the right PIN, too late", "CKR_PIN_LOCKED", ["USER_PIN_LOCKED"], lambda: session.login(PIN))
    step("a wrong PUK as SO PIN", "CKR_PIN_INCORRECT", ["USER_PIN_LOCKED", "SO_PIN_COUNT_LOW"], lambda: session.login("87654321", PyKCS11.CKU_SO))
    step("SO login with the PUK", "CKR_OK", ["USER_PIN_LOCKED"], lambda: session.login(PUK, PyKCS11.CKU_SO))
    step("C_InitPIN in the SO session", "CKR_OK", [], lambda: session.initPin("Jeton2go"))
    step("SO logout", "CKR_OK", [], session.logout)
    step("the old PIN is gone", "CKR_PIN_INCORRECT", ["USER_PIN_COUNT_LOW"], lambda: session.login(PIN))
    step("login with the new alphanumeric PIN", "CKR_OK", [], lambda: session.login("Jeton2go"))
    step("C_SetPIN in the user session", "CKR_OK", [], lambda: session.setPin("Jeton2go", "13572468"))
    step("logout", "CKR_OK", [], session.logout)
    step("login with the changed PIN", "CKR_OK", [], lambda: session.login("13572468"))
    session.closeSession()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", required=True)
    parser.add_argument("--keys", required=True, help="folder of 9a.pem, 9c.pem, 9d.pem, 9e.pem, 82.pem")
    args = parser.parse_args()

    lib = PyKCS11.PyKCS11Lib()
    lib.load(args.module)
    checks = Checks()
    with tempfile.TemporaryDirectory() as folder:
        ssl = OpenSSL(folder)
        signature_checks(checks, lib, token_slot(lib, "100"), args.keys, ssl)
        pin_story(checks, lib, token_slot(lib, "200"))
    print(f"pykcs11: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
