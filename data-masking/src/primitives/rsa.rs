//! RSA encryption of data keys: RSAES-OAEP (SHA-1, SHA-256, SHA-384 or SHA-512, the same hash
//! for MGF1, empty label) and RSAES-PKCS1-v1_5, with keys read from PEM (PKCS #8 or PKCS #1
//! private keys, SubjectPublicKeyInfo or PKCS #1 public keys) and written as PEM (PKCS #8 and
//! SubjectPublicKeyInfo).
//!
//! aws-lc-rs (`aws_lc_rs::rsa`) backs it by default, the RustCrypto `rsa` crate with the
//! `rustcrypto` feature. Private keys, their DER and the decrypted bytes are zeroized when
//! dropped.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::Unspecified;

/// An RSA encryption padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Padding {
    /// RSAES-PKCS1-v1_5.
    Pkcs1,
    /// RSAES-OAEP with SHA-1 and MGF1 with SHA-1.
    OaepSha1,
    /// RSAES-OAEP with SHA-256 and MGF1 with SHA-256.
    OaepSha256,
    /// RSAES-OAEP with SHA-384 and MGF1 with SHA-384.
    OaepSha384,
    /// RSAES-OAEP with SHA-512 and MGF1 with SHA-512.
    OaepSha512,
}

/// Why a PEM key was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// Not PEM, or not the kind of key asked for: the reason.
    Pem(String),
    /// The PEM held a key the backend refused (not RSA, malformed, or of an unsupported size).
    Rejected,
}

/// An RSA public key: encrypts.
pub(crate) struct PublicKey(backend::Public);

/// An RSA private key: decrypts; its public half encrypts.
pub(crate) struct PrivateKey(backend::Private);

impl PublicKey {
    /// The key of a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS #1).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_decode(pem)?;
        let spki = match label.as_str() {
            "PUBLIC KEY" => der.to_vec(),
            "RSA PUBLIC KEY" => spki_of_pkcs1(&der),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Pem(format!(
                    "a public key was expected, found a PEM {label}"
                )));
            }
            other => return Err(KeyError::Pem(format!("not an RSA public key: PEM {other}"))),
        };
        backend::Public::from_spki(&spki)
            .map(Self)
            .map_err(|_| KeyError::Rejected)
    }

    /// The key as PEM SubjectPublicKeyInfo.
    pub(crate) fn to_pem(&self) -> Result<String, Unspecified> {
        Ok(pem_encode("PUBLIC KEY", &self.0.to_spki()?).to_string())
    }

    /// The key's SubjectPublicKeyInfo DER.
    pub(crate) fn to_spki(&self) -> Result<Vec<u8>, Unspecified> {
        self.0.to_spki()
    }

    /// `plaintext` encrypted with `padding` (random padding: never the same twice).
    pub(crate) fn encrypt(
        &self,
        padding: Padding,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Unspecified> {
        self.0.encrypt(padding, plaintext)
    }
}

impl PrivateKey {
    /// The key of a PEM `PRIVATE KEY` (PKCS #8) or `RSA PRIVATE KEY` (PKCS #1). An encrypted
    /// PEM is refused.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_decode(pem)?;
        let pkcs8 = match label.as_str() {
            "PRIVATE KEY" => der,
            "RSA PRIVATE KEY" => pkcs8_of_pkcs1(&der),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Pem(
                    "an encrypted private key is not supported: decrypt it first".into(),
                ));
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(KeyError::Pem(format!(
                    "a private key was expected, found a PEM {label}"
                )));
            }
            other => {
                return Err(KeyError::Pem(format!(
                    "not an RSA private key: PEM {other}"
                )));
            }
        };
        backend::Private::from_pkcs8(&pkcs8)
            .map(Self)
            .map_err(|_| KeyError::Rejected)
    }

    /// A new random key of `bits` (2048, 3072 or 4096), public exponent 65537.
    pub(crate) fn generate(bits: usize) -> Result<Self, Unspecified> {
        if !matches!(bits, 2048 | 3072 | 4096) {
            return Err(Unspecified);
        }
        backend::Private::generate(bits).map(Self)
    }

    /// The key as PEM PKCS #8, in a buffer zeroized when dropped.
    pub(crate) fn to_pem(&self) -> Result<Zeroizing<String>, Unspecified> {
        Ok(pem_encode("PRIVATE KEY", &self.0.to_pkcs8()?))
    }

    /// The public half.
    pub(crate) fn public_key(&self) -> PublicKey {
        PublicKey(self.0.public())
    }

    /// `ciphertext` decrypted with `padding`, in a buffer zeroized when dropped. With PKCS #1
    /// v1.5 a wrong key or padding may give random bytes instead of an error (implicit
    /// rejection): the caller authenticates what it gets.
    pub(crate) fn decrypt(
        &self,
        padding: Padding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
        self.0.decrypt(padding, ciphertext)
    }
}

// PEM and the DER wrappers of PKCS #1 keys.

/// The label and the DER of the first PEM block of `pem`.
fn pem_decode(pem: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let bad = |why: &str| KeyError::Pem(why.to_owned());
    let start = pem
        .find("-----BEGIN ")
        .ok_or_else(|| bad("no PEM \"-----BEGIN\" line"))?;
    let rest = &pem[start + 11..];
    let end_label = rest
        .find("-----")
        .ok_or_else(|| bad("a PEM BEGIN line without its closing dashes"))?;
    let label = &rest[..end_label];
    let body = &rest[end_label + 5..];
    let end_line = format!("-----END {label}-----");
    let end = body
        .find(&end_line)
        .ok_or_else(|| bad(&format!("no PEM \"{end_line}\" line")))?;
    let body = &body[..end];
    if body.contains(':') {
        return Err(bad(
            "a PEM with headers (an encrypted legacy private key?) is not supported",
        ));
    }
    let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
    b64.extend(body.chars().filter(|c| !c.is_ascii_whitespace()));
    let der = STANDARD
        .decode(b64.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| bad("the PEM body is not base64"))?;
    Ok((label.to_owned(), der))
}

/// `der` as a PEM block of `label`, lines of 64 characters.
fn pem_encode(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = Zeroizing::new(String::with_capacity(
        b64.len() + b64.len() / 64 + 2 * label.len() + 40,
    ));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        // Base64 is ASCII.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// The AlgorithmIdentifier of rsaEncryption (OID 1.2.840.113549.1.1.1, NULL parameters).
const RSA_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// A DER length.
fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A DER tag, length and content, in a buffer of its final size.
fn der_tlv(tag: u8, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Zeroizing::new(Vec::with_capacity(len + 6));
    out.push(tag);
    der_len(&mut out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// The PKCS #8 PrivateKeyInfo of a PKCS #1 RSAPrivateKey.
fn pkcs8_of_pkcs1(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    let key = der_tlv(0x04, &[pkcs1]);
    der_tlv(0x30, &[&[0x02, 0x01, 0x00], &RSA_ALGORITHM, &key])
}

/// The SubjectPublicKeyInfo of a PKCS #1 RSAPublicKey.
fn spki_of_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let bits = der_tlv(0x03, &[&[0], pkcs1]);
    der_tlv(0x30, &[&RSA_ALGORITHM, &bits]).to_vec()
}

#[cfg(all(feature = "aws-lc", not(feature = "rustcrypto")))]
mod backend {
    //! aws-lc-rs.

    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{
        KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384,
        OAEP_SHA512_MGF1SHA512, OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
        Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey,
        PublicEncryptingKey,
    };
    use zeroize::Zeroizing;

    use super::{Padding, Unspecified};

    fn oaep(padding: Padding) -> Option<&'static OaepAlgorithm> {
        match padding {
            Padding::Pkcs1 => None,
            Padding::OaepSha1 => Some(&OAEP_SHA1_MGF1SHA1),
            Padding::OaepSha256 => Some(&OAEP_SHA256_MGF1SHA256),
            Padding::OaepSha384 => Some(&OAEP_SHA384_MGF1SHA384),
            Padding::OaepSha512 => Some(&OAEP_SHA512_MGF1SHA512),
        }
    }

    pub(super) struct Public(PublicEncryptingKey);

    pub(super) struct Private(PrivateDecryptingKey);

    impl Public {
        pub(super) fn from_spki(der: &[u8]) -> Result<Self, Unspecified> {
            PublicEncryptingKey::from_der(der)
                .map(Self)
                .map_err(|_| Unspecified)
        }

        pub(super) fn to_spki(&self) -> Result<Vec<u8>, Unspecified> {
            Ok(self.0.as_der().map_err(|_| Unspecified)?.as_ref().to_vec())
        }

        pub(super) fn encrypt(
            &self,
            padding: Padding,
            plaintext: &[u8],
        ) -> Result<Vec<u8>, Unspecified> {
            let mut out = vec![0u8; self.0.key_size_bytes()];
            let len = if let Some(alg) = oaep(padding) {
                let key = OaepPublicEncryptingKey::new(self.0.clone()).map_err(|_| Unspecified)?;
                key.encrypt(alg, plaintext, &mut out, None)
                    .map_err(|_| Unspecified)?
                    .len()
            } else {
                let key = Pkcs1PublicEncryptingKey::new(self.0.clone()).map_err(|_| Unspecified)?;
                key.encrypt(plaintext, &mut out)
                    .map_err(|_| Unspecified)?
                    .len()
            };
            out.truncate(len);
            Ok(out)
        }
    }

    impl Private {
        pub(super) fn from_pkcs8(der: &[u8]) -> Result<Self, Unspecified> {
            PrivateDecryptingKey::from_pkcs8(der)
                .map(Self)
                .map_err(|_| Unspecified)
        }

        pub(super) fn generate(bits: usize) -> Result<Self, Unspecified> {
            let size = match bits {
                2048 => KeySize::Rsa2048,
                3072 => KeySize::Rsa3072,
                4096 => KeySize::Rsa4096,
                _ => return Err(Unspecified),
            };
            PrivateDecryptingKey::generate(size)
                .map(Self)
                .map_err(|_| Unspecified)
        }

        /// The DER buffer of aws-lc-rs is zeroized when dropped, and so is this copy.
        pub(super) fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
            let der = self.0.as_der().map_err(|_| Unspecified)?;
            Ok(Zeroizing::new(der.as_ref().to_vec()))
        }

        pub(super) fn public(&self) -> Public {
            Public(self.0.public_key())
        }

        pub(super) fn decrypt(
            &self,
            padding: Padding,
            ciphertext: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
            let mut out = Zeroizing::new(vec![0u8; self.0.key_size_bytes()]);
            let len = if let Some(alg) = oaep(padding) {
                let key = OaepPrivateDecryptingKey::new(self.0.clone()).map_err(|_| Unspecified)?;
                key.decrypt(alg, ciphertext, &mut out, None)
                    .map_err(|_| Unspecified)?
                    .len()
            } else {
                let key =
                    Pkcs1PrivateDecryptingKey::new(self.0.clone()).map_err(|_| Unspecified)?;
                key.decrypt(ciphertext, &mut out)
                    .map_err(|_| Unspecified)?
                    .len()
            };
            out.truncate(len);
            Ok(out)
        }
    }
}

#[cfg(feature = "rustcrypto")]
mod backend {
    //! The RustCrypto `rsa` crate (constant-time big integers of `crypto-bigint`, blinded
    //! private-key operations).

    use ::rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
    use ::rsa::{Oaep, Pkcs1v15Encrypt};
    use zeroize::Zeroizing;

    use super::{Padding, Unspecified};

    pub(super) struct Public(::rsa::PublicKey);

    pub(super) struct Private(::rsa::PrivateKey);

    impl Public {
        pub(super) fn from_spki(der: &[u8]) -> Result<Self, Unspecified> {
            ::rsa::PublicKey::from_public_key_der(der)
                .map(Self)
                .map_err(|_| Unspecified)
        }

        pub(super) fn to_spki(&self) -> Result<Vec<u8>, Unspecified> {
            Ok(self
                .0
                .to_public_key_der()
                .map_err(|_| Unspecified)?
                .into_vec())
        }

        pub(super) fn encrypt(
            &self,
            padding: Padding,
            plaintext: &[u8],
        ) -> Result<Vec<u8>, Unspecified> {
            let rng = &mut getrandom::SysRng;
            match padding {
                Padding::Pkcs1 => self.0.encrypt(rng, Pkcs1v15Encrypt, plaintext),
                Padding::OaepSha1 => self.0.encrypt(rng, Oaep::<sha1::Sha1>::new(), plaintext),
                Padding::OaepSha256 => self.0.encrypt(rng, Oaep::<sha2::Sha256>::new(), plaintext),
                Padding::OaepSha384 => self.0.encrypt(rng, Oaep::<sha2::Sha384>::new(), plaintext),
                Padding::OaepSha512 => self.0.encrypt(rng, Oaep::<sha2::Sha512>::new(), plaintext),
            }
            .map_err(|_| Unspecified)
        }
    }

    impl Private {
        pub(super) fn from_pkcs8(der: &[u8]) -> Result<Self, Unspecified> {
            let key = ::rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| Unspecified)?;
            key.validate().map_err(|_| Unspecified)?;
            Ok(Self(key))
        }

        pub(super) fn generate(bits: usize) -> Result<Self, Unspecified> {
            ::rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
                .map(Self)
                .map_err(|_| Unspecified)
        }

        /// `SecretDocument` is zeroized when dropped, and so is this copy.
        pub(super) fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
            let der = self.0.to_pkcs8_der().map_err(|_| Unspecified)?;
            Ok(Zeroizing::new(der.as_bytes().to_vec()))
        }

        pub(super) fn public(&self) -> Public {
            Public(self.0.to_public_key())
        }

        pub(super) fn decrypt(
            &self,
            padding: Padding,
            ciphertext: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
            match padding {
                Padding::Pkcs1 => self.0.decrypt(Pkcs1v15Encrypt, ciphertext),
                Padding::OaepSha1 => self.0.decrypt(Oaep::<sha1::Sha1>::new(), ciphertext),
                Padding::OaepSha256 => self.0.decrypt(Oaep::<sha2::Sha256>::new(), ciphertext),
                Padding::OaepSha384 => self.0.decrypt(Oaep::<sha2::Sha384>::new(), ciphertext),
                Padding::OaepSha512 => self.0.decrypt(Oaep::<sha2::Sha512>::new(), ciphertext),
            }
            .map(Zeroizing::new)
            .map_err(|_| Unspecified)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_keys_are_wrapped_into_their_pkcs8_and_spki_forms() {
        let key = PrivateKey::generate(2048).expect("a key");
        let pem = key.to_pem().expect("pem");
        let (_, pkcs8) = pem_decode(&pem).expect("decodes");
        // PKCS #8 v1 of RSA: the PKCS #1 key is the OCTET STRING after the algorithm.
        let at = pkcs8
            .windows(RSA_ALGORITHM.len())
            .position(|w| w == RSA_ALGORITHM)
            .expect("algorithm")
            + RSA_ALGORITHM.len();
        let inner = &pkcs8[at..];
        let (hdr, len) = match inner[1] {
            0x82 => (4, usize::from(inner[2]) << 8 | usize::from(inner[3])),
            0x81 => (3, usize::from(inner[2])),
            n => (2, usize::from(n)),
        };
        let pkcs1 = &inner[hdr..hdr + len];
        assert_eq!(&*pkcs8_of_pkcs1(pkcs1), &*pkcs8);
        let again = pem_encode("RSA PRIVATE KEY", pkcs1);
        let back = PrivateKey::from_pem(&again).expect("a PKCS #1 private key");
        let ct = key
            .public_key()
            .encrypt(Padding::OaepSha256, b"k")
            .expect("encrypts");
        assert_eq!(
            &*back.decrypt(Padding::OaepSha256, &ct).expect("decrypts"),
            b"k"
        );
    }

    #[test]
    fn pem_errors_say_what_was_found() {
        assert!(matches!(
            PublicKey::from_pem("nothing"),
            Err(KeyError::Pem(_))
        ));
        let e =
            PrivateKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assert!(matches!(e, Err(KeyError::Pem(m)) if m.contains("found a PEM PUBLIC KEY")));
        let e = PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assert!(matches!(e, Err(KeyError::Rejected)));
    }
}
