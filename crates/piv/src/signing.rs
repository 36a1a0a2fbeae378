//! Host-side preparation of what the card signs: hashing, RSA padding, ECDSA truncation.
//!
//! A PIV card does a raw RSA private-key operation on the block the host sends and an ECDSA
//! signature on the digest the host sends (SP 800-73-4 Part 2 §3.2.4, Appendix A.3), so the
//! host hashes and pads here, as OpenSC does.

use openssl::hash::{Hasher, MessageDigest};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::types::KeyAlgorithm;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub fn message_digest(self) -> MessageDigest {
        match self {
            HashAlgorithm::Sha1 => MessageDigest::sha1(),
            HashAlgorithm::Sha224 => MessageDigest::sha224(),
            HashAlgorithm::Sha256 => MessageDigest::sha256(),
            HashAlgorithm::Sha384 => MessageDigest::sha384(),
            HashAlgorithm::Sha512 => MessageDigest::sha512(),
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// The DER DigestInfo header before the digest (RFC 8017 §9.2, note 1).
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlgorithm::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04,
                0x14,
            ],
            HashAlgorithm::Sha224 => &[
                0x30, 0x2D, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x04, 0x05, 0x00, 0x04, 0x1C,
            ],
            HashAlgorithm::Sha256 => &[
                0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlgorithm::Sha384 => &[
                0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlgorithm::Sha512 => &[
                0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    pub fn digest(self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(openssl::hash::hash(self.message_digest(), message)?.to_vec())
    }
}

/// How an RSA signature block is padded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaPadding {
    /// EMSA-PKCS1-v1_5 (RFC 8017 §9.2).
    Pkcs1v15,
    /// EMSA-PSS with MGF1 of the same hash and a salt as long as the hash (RFC 8017 §9.1).
    Pss,
}

fn check_digest(hash: HashAlgorithm, digest: &[u8]) -> Result<(), Error> {
    if digest.len() != hash.output_len() {
        return Err(Error::InvalidInputLength {
            expected: hash.output_len(),
            got: digest.len(),
        });
    }
    Ok(())
}

/// The GENERAL AUTHENTICATE input that signs `digest` with a key of `algorithm`.
pub fn signature_input(
    algorithm: KeyAlgorithm,
    hash: HashAlgorithm,
    digest: &[u8],
    padding: RsaPadding,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_digest(hash, digest)?;
    let len = algorithm.input_len();
    if !algorithm.is_rsa() {
        return Ok(ecdsa_input(len, digest));
    }
    match padding {
        RsaPadding::Pkcs1v15 => Ok(pkcs1v15_block(len, hash, digest)),
        RsaPadding::Pss => pss_block(algorithm.bits() as usize, hash, digest),
    }
}

/// FIPS 186-4 §6.4: the leftmost field-size bits of the digest; a shorter digest is the
/// same integer once left-padded with zeros, which is the input size the card expects.
pub(crate) fn ecdsa_input(field_len: usize, digest: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; field_len]);
    if digest.len() >= field_len {
        out.copy_from_slice(&digest[..field_len]);
    } else {
        out[field_len - digest.len()..].copy_from_slice(digest);
    }
    out
}

/// EM = 00 01 FF…FF 00 ‖ DigestInfo (RFC 8017 §9.2). Every supported modulus leaves far
/// more than the 8 bytes of FF the standard requires.
fn pkcs1v15_block(len: usize, hash: HashAlgorithm, digest: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut t = hash.digest_info_prefix().to_vec();
    t.extend_from_slice(digest);
    // Cannot fail: every supported modulus holds a DigestInfo with room to spare.
    pkcs1v15_type1_block(len, &t).unwrap_or_default()
}

/// EM = 00 01 FF…FF 00 ‖ T for a T the caller made (PKCS#11 `CKM_RSA_PKCS` signs a
/// DigestInfo it is given). `None` when T leaves fewer than 8 bytes of FF.
pub fn pkcs1v15_type1_block(len: usize, t: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if t.len() + 11 > len {
        return None;
    }
    let mut em = Zeroizing::new(Vec::with_capacity(len));
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(len - t.len() - 1, 0xFF);
    em.push(0x00);
    em.extend_from_slice(t);
    Some(em)
}

/// MGF1 (RFC 8017 §B.2.1).
pub fn mgf1(hash: HashAlgorithm, seed: &[u8], len: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Hasher::new(hash.message_digest())?;
        h.update(seed)?;
        h.update(&counter.to_be_bytes())?;
        out.extend_from_slice(&h.finish()?);
        counter += 1;
    }
    out.truncate(len);
    Ok(out)
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with sLen = hLen, for a modulus of `mod_bits` bits.
fn pss_block(
    mod_bits: usize,
    hash: HashAlgorithm,
    digest: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    pss_encode(mod_bits, hash, hash, hash.output_len(), digest)
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with any salt length and MGF1 hash, padded to a full
/// modulus-size block for the card.
pub fn pss_encode(
    mod_bits: usize,
    hash: HashAlgorithm,
    mgf_hash: HashAlgorithm,
    s_len: usize,
    digest: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let h_len = hash.output_len();
    if digest.len() != h_len || em_len < h_len + s_len + 2 {
        return Err(Error::InvalidInputLength {
            expected: h_len,
            got: digest.len(),
        });
    }
    let mut salt = vec![0u8; s_len];
    openssl::rand::rand_bytes(&mut salt)?;
    let mut h = Hasher::new(hash.message_digest())?;
    h.update(&[0u8; 8])?;
    h.update(digest)?;
    h.update(&salt)?;
    let m_hash = h.finish()?;
    let db_len = em_len - h_len - 1;
    let mut db = Zeroizing::new(vec![0u8; db_len]);
    db[db_len - s_len - 1] = 0x01;
    db[db_len - s_len..].copy_from_slice(&salt);
    let mask = mgf1(mgf_hash, &m_hash, db_len)?;
    for (d, m) in db.iter_mut().zip(mask) {
        *d ^= m;
    }
    db[0] &= 0xFF >> (8 * em_len - em_bits);
    let mut em = Zeroizing::new(Vec::with_capacity(mod_bits / 8));
    // The card takes a full modulus-size block; with whole-byte moduli em_len == k.
    em.resize(mod_bits / 8 - em_len, 0);
    em.extend_from_slice(&db);
    em.extend_from_slice(&m_hash);
    em.push(0xBC);
    Ok(em)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use openssl::rsa::{Padding, Rsa};
    use openssl::sign::{RsaPssSaltlen, Verifier};

    fn rsa_sign_raw(rsa: &Rsa<openssl::pkey::Private>, block: &[u8]) -> Vec<u8> {
        let mut out = vec![0; rsa.size() as usize];
        let n = rsa.private_encrypt(block, &mut out, Padding::NONE).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn pkcs1v15_and_pss_blocks_verify_with_openssl() {
        let rsa = Rsa::generate(2048).unwrap();
        let pkey = PKey::from_rsa(rsa.clone()).unwrap();
        for hash in [
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ] {
            let digest = hash.digest(b"a document").unwrap();
            for padding in [RsaPadding::Pkcs1v15, RsaPadding::Pss] {
                let block = signature_input(KeyAlgorithm::Rsa2048, hash, &digest, padding).unwrap();
                assert_eq!(block.len(), 256);
                let signature = rsa_sign_raw(&rsa, &block);
                let mut verifier = Verifier::new(hash.message_digest(), &pkey).unwrap();
                if padding == RsaPadding::Pss {
                    verifier.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
                    verifier
                        .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                        .unwrap();
                }
                verifier.update(b"a document").unwrap();
                assert!(verifier.verify(&signature).unwrap(), "{hash:?} {padding:?}");
            }
        }
    }

    #[test]
    fn ecdsa_input_is_the_digest_at_field_size() {
        let d256 = HashAlgorithm::Sha256.digest(b"x").unwrap();
        let d512 = HashAlgorithm::Sha512.digest(b"x").unwrap();
        let same = signature_input(
            KeyAlgorithm::EccP256,
            HashAlgorithm::Sha256,
            &d256,
            RsaPadding::Pkcs1v15,
        )
        .unwrap();
        assert_eq!(&same[..], &d256[..]);
        let cut = signature_input(
            KeyAlgorithm::EccP384,
            HashAlgorithm::Sha512,
            &d512,
            RsaPadding::Pkcs1v15,
        )
        .unwrap();
        assert_eq!(&cut[..], &d512[..48]);
        let padded = signature_input(
            KeyAlgorithm::EccP384,
            HashAlgorithm::Sha256,
            &d256,
            RsaPadding::Pkcs1v15,
        )
        .unwrap();
        assert_eq!(&padded[..16], &[0; 16]);
        assert_eq!(&padded[16..], &d256[..]);
    }

    #[test]
    fn a_digest_of_the_wrong_length_is_refused() {
        let result = signature_input(
            KeyAlgorithm::EccP256,
            HashAlgorithm::Sha384,
            &[0; 32],
            RsaPadding::Pss,
        );
        assert!(matches!(
            result,
            Err(Error::InvalidInputLength {
                expected: 48,
                got: 32
            })
        ));
    }
}
