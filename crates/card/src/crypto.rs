//! The card's crypto primitives, behind one small module so the backend could change.
//! Backend: OpenSSL 3 (constant-time RSA with blinding, ECDSA on a given digest, ECDH,
//! 3DES/AES, AES-GCM, scrypt, HMAC and HKDF over SHA-256, X25519).

use openssl::bn::{BigNum, BigNumContext};
use openssl::derive::Deriver;
use openssl::ec::{EcGroup, EcKey, EcPoint, PointConversionForm};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::symm::{Cipher, Crypter, Mode};
use zeroize::Zeroizing;

use jeton_wire::tlv;
use jeton_wire::KeyAlgorithm;

/// A primitive failed; the card answers it as bad input, never with a panic.
#[derive(Debug, thiserror::Error)]
#[error("cryptographic operation failed")]
pub struct CryptoError;

impl From<openssl::error::ErrorStack> for CryptoError {
    fn from(_: openssl::error::ErrorStack) -> Self {
        CryptoError
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    openssl::rand::rand_bytes(&mut out)?;
    Ok(out)
}

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = openssl::sha::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finish()
}

/// A private key held by a slot, decrypted in memory. The RSA and EC handles are kept
/// as such (not as `PKey`) so that each signature goes straight to the primitive.
pub struct SlotPrivateKey {
    pub algorithm: KeyAlgorithm,
    key: KeyMaterial,
}

enum KeyMaterial {
    Rsa(Rsa<Private>),
    Ec(EcKey<Private>),
}

impl SlotPrivateKey {
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, CryptoError> {
        let key = match curve(algorithm) {
            Some(nid) => KeyMaterial::Ec(EcKey::generate(&*EcGroup::from_curve_name(nid)?)?),
            None => KeyMaterial::Rsa(Rsa::generate(algorithm.bits())?),
        };
        Ok(SlotPrivateKey { algorithm, key })
    }

    pub fn from_pkcs8(algorithm: KeyAlgorithm, der: &[u8]) -> Result<Self, CryptoError> {
        let pkey = PKey::private_key_from_pkcs8(der)?;
        let key = match curve(algorithm) {
            Some(nid) => {
                let ec = pkey.ec_key()?;
                if ec.group().curve_name() != Some(nid) {
                    return Err(CryptoError);
                }
                KeyMaterial::Ec(ec)
            }
            None => {
                let rsa = pkey.rsa()?;
                if rsa.size() * 8 != algorithm.bits() {
                    return Err(CryptoError);
                }
                KeyMaterial::Rsa(rsa)
            }
        };
        Ok(SlotPrivateKey { algorithm, key })
    }

    /// An RSA key from its CRT primes (YubiKey IMPORT KEY sends p, q, dp, dq, qinv and
    /// assumes e = 65537).
    pub fn from_rsa_primes(
        algorithm: KeyAlgorithm,
        p: &[u8],
        q: &[u8],
    ) -> Result<Self, CryptoError> {
        let mut ctx = BigNumContext::new()?;
        let p = BigNum::from_slice(p)?;
        let q = BigNum::from_slice(q)?;
        let e = BigNum::from_u32(65537)?;
        let one = BigNum::from_u32(1)?;
        let mut n = BigNum::new()?;
        n.checked_mul(&p, &q, &mut ctx)?;
        if n.num_bits() as u32 != algorithm.bits() || curve(algorithm).is_some() {
            return Err(CryptoError);
        }
        let (mut p1, mut q1, mut phi, mut d) = (
            BigNum::new()?,
            BigNum::new()?,
            BigNum::new()?,
            BigNum::new()?,
        );
        p1.checked_sub(&p, &one)?;
        q1.checked_sub(&q, &one)?;
        phi.checked_mul(&p1, &q1, &mut ctx)?;
        d.mod_inverse(&e, &phi, &mut ctx)?;
        let (mut dp, mut dq, mut qinv) = (BigNum::new()?, BigNum::new()?, BigNum::new()?);
        dp.nnmod(&d, &p1, &mut ctx)?;
        dq.nnmod(&d, &q1, &mut ctx)?;
        qinv.mod_inverse(&q, &p, &mut ctx)?;
        let rsa = Rsa::from_private_components(n, e, d, p, q, dp, dq, qinv)?;
        if !rsa.check_key()? {
            return Err(CryptoError);
        }
        Ok(SlotPrivateKey {
            algorithm,
            key: KeyMaterial::Rsa(rsa),
        })
    }

    /// An EC key from its private scalar.
    pub fn from_ec_scalar(algorithm: KeyAlgorithm, scalar: &[u8]) -> Result<Self, CryptoError> {
        let group = EcGroup::from_curve_name(curve(algorithm).ok_or(CryptoError)?)?;
        if scalar.len() != algorithm.input_len() {
            return Err(CryptoError);
        }
        let mut ctx = BigNumContext::new()?;
        let private = BigNum::from_slice(scalar)?;
        let mut public = EcPoint::new(&group)?;
        public.mul_generator2(&group, &private, &mut ctx)?;
        let ec = EcKey::from_private_components(&group, &private, &public)?;
        ec.check_key()?;
        Ok(SlotPrivateKey {
            algorithm,
            key: KeyMaterial::Ec(ec),
        })
    }

    pub fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let pkey = match &self.key {
            KeyMaterial::Rsa(rsa) => PKey::from_rsa(rsa.clone())?,
            KeyMaterial::Ec(ec) => PKey::from_ec_key(ec.clone())?,
        };
        Ok(Zeroizing::new(pkey.private_key_to_pkcs8()?))
    }

    /// The public key as PIV encodes it inside `7F49` (SP 800-73-4 Part 2 §3.3.2):
    /// RSA `81 n 82 e`, EC `86 point`.
    pub fn public_key_template(&self) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        match &self.key {
            KeyMaterial::Ec(ec) => {
                let mut ctx = BigNumContext::new()?;
                let point = ec.public_key().to_bytes(
                    ec.group(),
                    PointConversionForm::UNCOMPRESSED,
                    &mut ctx,
                )?;
                tlv::write(&mut out, 0x86, &point);
            }
            KeyMaterial::Rsa(rsa) => {
                tlv::write(&mut out, 0x81, &rsa.n().to_vec());
                tlv::write(&mut out, 0x82, &rsa.e().to_vec());
            }
        }
        Ok(out)
    }

    /// The RSA private-key operation on a block the host has already padded (signing with
    /// PKCS#1 v1.5 or PSS, and decryption, look the same to the card).
    pub fn rsa_raw(&self, block: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let KeyMaterial::Rsa(rsa) = &self.key else {
            return Err(CryptoError);
        };
        let size = rsa.size() as usize;
        if block.len() != size {
            return Err(CryptoError);
        }
        let mut out = Zeroizing::new(vec![0u8; size]);
        let written = rsa.private_decrypt(block, &mut out, Padding::NONE)?;
        out.truncate(written);
        Ok(out)
    }

    /// ECDSA over the digest the host sends; DER `ECDSA-Sig-Value` out.
    pub fn ecdsa_sign(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let KeyMaterial::Ec(ec) = &self.key else {
            return Err(CryptoError);
        };
        Ok(EcdsaSig::sign(digest, ec)?.to_der()?)
    }

    /// ECDH with the peer's uncompressed point: the shared secret's x coordinate.
    pub fn ecdh(&self, peer_point: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let KeyMaterial::Ec(ec) = &self.key else {
            return Err(CryptoError);
        };
        let group = ec.group();
        let mut ctx = BigNumContext::new()?;
        let point = EcPoint::from_bytes(group, peer_point, &mut ctx)?;
        let peer: PKey<Public> = PKey::from_ec_key(EcKey::from_public_key(group, &point)?)?;
        let own = PKey::from_ec_key(ec.clone())?;
        let mut deriver = Deriver::new(&own)?;
        deriver.set_peer(&peer)?;
        Ok(Zeroizing::new(deriver.derive_to_vec()?))
    }

    /// The curve's field size in bytes, for ECDH input checks.
    pub fn ec_field_bytes(&self) -> Option<usize> {
        curve(self.algorithm).map(|_| self.algorithm.input_len())
    }
}

/// Block cipher of the management key, one block in ECB (SP 800-73-4 Part 2 §3.2.4 and
/// SP 800-78-4: witness and challenge are one block long).
pub fn management_cipher(algorithm_id: u8) -> Option<Cipher> {
    match algorithm_id {
        0x03 => Some(Cipher::des_ede3()),
        0x08 => Some(Cipher::aes_128_ecb()),
        0x0A => Some(Cipher::aes_192_ecb()),
        0x0C => Some(Cipher::aes_256_ecb()),
        _ => None,
    }
}

pub fn block_encrypt(
    algorithm_id: u8,
    key: &[u8],
    block: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    block_operation(algorithm_id, key, block, Mode::Encrypt)
}

fn block_operation(
    algorithm_id: u8,
    key: &[u8],
    block: &[u8],
    mode: Mode,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let cipher = management_cipher(algorithm_id).ok_or(CryptoError)?;
    if key.len() != cipher.key_len() || block.len() != cipher.block_size() {
        return Err(CryptoError);
    }
    let mut crypter = Crypter::new(cipher, mode, key, None)?;
    crypter.pad(false);
    let mut out = Zeroizing::new(vec![0u8; block.len() + cipher.block_size()]);
    let mut written = crypter.update(block, &mut out)?;
    written += crypter.finalize(&mut out[written..])?;
    out.truncate(written);
    Ok(out)
}

/// AES-256-GCM with a fresh random nonce: `nonce(12) ‖ ciphertext ‖ tag(16)`.
pub fn aead_seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes::<12>()?;
    let mut tag = [0u8; 16];
    let ciphertext = openssl::symm::encrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(&nonce),
        aad,
        plaintext,
        &mut tag,
    )?;
    let mut out = Vec::with_capacity(12 + ciphertext.len() + 16);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens what `aead_seal` made; fails on a wrong key or any altered byte.
pub fn aead_open(
    key: &[u8; 32],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < 28 {
        return Err(CryptoError);
    }
    let (nonce, rest) = sealed.split_at(12);
    let (ciphertext, tag) = rest.split_at(rest.len() - 16);
    Ok(Zeroizing::new(openssl::symm::decrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(nonce),
        aad,
        ciphertext,
        tag,
    )?))
}

/// scrypt (RFC 7914) parameters, stored with each wrap so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub log_n: u8,
    pub r: u32,
    pub p: u32,
}

impl KdfParams {
    /// N = 2^17, r = 8, p = 1: 128 MiB and about half a second to a second per derivation
    /// on a 2026 laptop, paid once per VERIFY in a new process (see `vault` for the cache).
    pub const DEFAULT: KdfParams = KdfParams {
        log_n: 17,
        r: 8,
        p: 1,
    };

    /// What cards were made with before format 3 (16 MiB): their wraps are re-made under
    /// `DEFAULT` at the next right PIN or PUK.
    pub const FORMAT_2: KdfParams = KdfParams {
        log_n: 14,
        r: 8,
        p: 1,
    };

    /// The lowest the card accepts (1 MiB): for test suites that make hundreds of cards,
    /// never for a holder's card.
    pub const TESTING: KdfParams = KdfParams {
        log_n: 10,
        r: 8,
        p: 1,
    };

    pub fn is_sane(&self) -> bool {
        (10..=20).contains(&self.log_n) && (1..=16).contains(&self.r) && (1..=4).contains(&self.p)
    }
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let key = PKey::hmac(key)?;
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key)?;
    for part in parts {
        signer.update(part)?;
    }
    let mut out = Zeroizing::new([0u8; 32]);
    let written = signer.sign(&mut out[..])?;
    if written != 32 {
        return Err(CryptoError);
    }
    Ok(out)
}

/// HKDF-SHA256 (RFC 5869) with one block of output: extract `ikm` under `salt`, then
/// expand with `info`.
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[&[u8]],
    info: &[&[u8]],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let prk = hmac_sha256(salt, ikm)?;
    let mut expand: Vec<&[u8]> = info.to_vec();
    expand.push(&[0x01]);
    hmac_sha256(&prk[..], &expand)
}

pub fn derive_key(
    secret: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    if !params.is_sane() {
        return Err(CryptoError);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    let n = 1u64 << params.log_n;
    let max_mem = 128 * n * u64::from(params.r) * u64::from(params.p) + (1 << 20);
    openssl::pkcs5::scrypt(
        secret,
        salt,
        n,
        u64::from(params.r),
        u64::from(params.p),
        max_mem,
        &mut out[..],
    )?;
    Ok(out)
}

/// An X25519 key pair: the card's vault key (see `vault`).
pub fn x25519_generate() -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), CryptoError> {
    let key = PKey::generate_x25519()?;
    Ok((
        Zeroizing::new(key.raw_private_key()?),
        key.raw_public_key()?,
    ))
}

pub fn x25519_public_of(private: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Ok(PKey::private_key_from_raw_bytes(private, Id::X25519)?.raw_public_key()?)
}

pub fn x25519_agree(private: &[u8], peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let own = PKey::private_key_from_raw_bytes(private, Id::X25519)?;
    let peer = PKey::public_key_from_raw_bytes(peer_public, Id::X25519)?;
    let mut deriver = Deriver::new(&own)?;
    deriver.set_peer(&peer)?;
    Ok(Zeroizing::new(deriver.derive_to_vec()?))
}

pub fn nid_p256() -> Nid {
    Nid::X9_62_PRIME256V1
}

/// The curve of an EC algorithm; `None` for RSA.
pub fn curve(algorithm: KeyAlgorithm) -> Option<Nid> {
    match algorithm {
        KeyAlgorithm::EccP256 => Some(nid_p256()),
        KeyAlgorithm::EccP384 => Some(Nid::SECP384R1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hkdf_is_rfc_5869() {
        // RFC 5869 A.1, first 32 bytes of OKM.
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let okm = hkdf_sha256(&salt, &[&ikm], &[&info]).unwrap();
        assert_eq!(
            okm[..],
            unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")[..]
        );
    }

    #[test]
    fn the_default_scrypt_cost_is_the_raised_one() {
        let d = KdfParams::DEFAULT;
        assert!(d.log_n >= 17 && d.r >= 8, "{d:?}");
        assert!(d.is_sane() && KdfParams::TESTING.is_sane() && KdfParams::FORMAT_2.is_sane());
    }
}
