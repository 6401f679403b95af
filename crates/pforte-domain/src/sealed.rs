//! End-to-end encrypted content as the server sees it: shapes it checks and cannot read.
//!
//! The asker's tab and each counselor device seal messages themselves (`ui/src/crypto/e2e.ts`:
//! ECDH P-256, HKDF-SHA-256, AES-256-GCM). The server only checks that what it stores has the
//! format's shape — so a client cannot store plain text by mistake, and lengths stay in the
//! padding buckets — and keeps it as one line of text ([`SealedBody::to_stored`]).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

/// Padded plaintext sizes in bytes: a text of 4 000 characters of 4 bytes fits the largest.
pub const BUCKETS: [usize; 4] = [256, 1024, 4096, 16384];
/// AES-GCM's tag after the ciphertext.
pub const TAG_BYTES: usize = 16;
pub const IV_BYTES: usize = 12;
/// An uncompressed P-256 point: `0x04`, x, y.
pub const PUBLIC_KEY_BYTES: usize = 65;
/// A wrapped content key: a one-time public key, an iv, the 32-byte key and its tag.
pub const WRAPPED_KEY_BYTES: usize = PUBLIC_KEY_BYTES + IV_BYTES + 32 + TAG_BYTES;

/// What is wrong with a sealed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealedError {
    /// Larger than the largest bucket.
    #[error("a sealed message may have at most {max} bytes of ciphertext")]
    TooLong { max: usize },
    #[error("{0}")]
    Invalid(&'static str),
}

/// What is wrong with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub &'static str);

fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A device's or an asker's public key: a P-256 point in base64url, as the clients export it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey(String);

impl PublicKey {
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        match decode(text) {
            Some(bytes) if bytes.len() == PUBLIC_KEY_BYTES && bytes[0] == 0x04 => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(KeyError(
                "a public key is an uncompressed P-256 point (65 bytes from 0x04) in base64url",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A content key wrapped for one reader (sealed to its public key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WrappedKey(String);

impl WrappedKey {
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        match decode(text) {
            Some(bytes) if bytes.len() == WRAPPED_KEY_BYTES && bytes[0] == 0x04 => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(KeyError(
                "a wrapped key is a one-time public key, a 12-byte iv and 48 sealed bytes (125 bytes) in base64url",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sealed message of a valid shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBody {
    /// The conversation's content key it was sealed with (1, 2, …).
    pub key: u32,
    /// The counselor device that sealed it; `None`: the asker.
    pub device: Option<Uuid>,
    /// The sender's own number of the message.
    pub counter: u64,
    pub iv: String,
    pub ciphertext: String,
}

/// The prefix of the stored form; a later format changes it.
const STORED_FORMAT: &str = "e2e1";

impl SealedBody {
    pub fn parse(
        key: u32,
        device: Option<Uuid>,
        counter: u64,
        iv: &str,
        ciphertext: &str,
    ) -> Result<Self, SealedError> {
        if key == 0 {
            return Err(SealedError::Invalid("key numbers start at 1"));
        }
        if counter == 0 || counter > (1 << 53) {
            return Err(SealedError::Invalid(
                "a counter is a whole number from 1 to 2^53",
            ));
        }
        if decode(iv).map(|b| b.len()) != Some(IV_BYTES) {
            return Err(SealedError::Invalid(
                "the iv is 12 bytes in base64url without padding",
            ));
        }
        let max = BUCKETS[BUCKETS.len() - 1] + TAG_BYTES;
        // Refuse a huge body before decoding it.
        if ciphertext.len() > max.div_ceil(3) * 4 {
            return Err(SealedError::TooLong { max });
        }
        let Some(length) = decode(ciphertext).map(|b| b.len()) else {
            return Err(SealedError::Invalid(
                "the ciphertext is base64url without padding",
            ));
        };
        if length > max {
            return Err(SealedError::TooLong { max });
        }
        if !BUCKETS.iter().any(|bucket| bucket + TAG_BYTES == length) {
            return Err(SealedError::Invalid(
                "the ciphertext is a padded text of 256, 1024, 4096 or 16384 bytes and its 16-byte tag",
            ));
        }
        Ok(Self {
            key,
            device,
            counter,
            iv: iv.to_owned(),
            ciphertext: ciphertext.to_owned(),
        })
    }

    /// The ciphertext's padded size in bytes (its bucket): all that length tells.
    pub fn bucket(&self) -> usize {
        decode(&self.ciphertext).map_or(0, |b| b.len().saturating_sub(TAG_BYTES))
    }

    /// One line: `e2e1 <key> <device or -> <counter> <iv> <ciphertext>`.
    pub fn to_stored(&self) -> String {
        self.to_string()
    }

    /// The stored form back; `None` when it is not one (a row written by hand).
    pub fn from_stored(stored: &str) -> Option<Self> {
        let mut parts = stored.split(' ');
        if parts.next()? != STORED_FORMAT {
            return None;
        }
        let key = parts.next()?.parse().ok()?;
        let device = match parts.next()? {
            "-" => None,
            id => Some(Uuid::parse_str(id).ok()?),
        };
        let counter = parts.next()?.parse().ok()?;
        let iv = parts.next()?;
        let ciphertext = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        Self::parse(key, device, counter, iv, ciphertext).ok()
    }
}

impl fmt::Display for SealedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let device = self
            .device
            .map_or_else(|| "-".to_owned(), |d| d.to_string());
        write!(
            f,
            "{STORED_FORMAT} {} {device} {} {} {}",
            self.key, self.counter, self.iv, self.ciphertext
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn sealed(length: usize) -> Result<SealedBody, SealedError> {
        SealedBody::parse(1, None, 1, &b64(&[7; 12]), &b64(&vec![9; length]))
    }

    #[test]
    fn a_ciphertext_of_each_bucket_and_its_tag_is_accepted_and_nothing_in_between() {
        for bucket in BUCKETS {
            assert_eq!(sealed(bucket + TAG_BYTES).unwrap().bucket(), bucket);
            assert!(matches!(
                sealed(bucket + TAG_BYTES - 1),
                Err(SealedError::Invalid(_))
            ));
            assert!(matches!(sealed(bucket), Err(SealedError::Invalid(_))));
        }
        assert_eq!(
            sealed(65536 + TAG_BYTES),
            Err(SealedError::TooLong {
                max: 16384 + TAG_BYTES
            })
        );
    }

    #[test]
    fn plain_text_is_not_a_sealed_message() {
        for text in ["Hallo, ich brauche Hilfe", "", "a=="] {
            assert!(SealedBody::parse(1, None, 1, &b64(&[7; 12]), text).is_err());
        }
        assert!(SealedBody::parse(1, None, 1, "kurz", &b64(&[9; 272])).is_err());
        assert!(SealedBody::parse(0, None, 1, &b64(&[7; 12]), &b64(&[9; 272])).is_err());
        assert!(SealedBody::parse(1, None, 0, &b64(&[7; 12]), &b64(&[9; 272])).is_err());
        // Standard base64 with padding is not the format's.
        let padded = base64::engine::general_purpose::STANDARD.encode([9u8; 272]);
        assert!(SealedBody::parse(1, None, 1, &b64(&[7; 12]), &padded).is_err());
    }

    #[test]
    fn the_stored_form_reads_back_as_the_same_message() {
        let device = Some(Uuid::from_u128(42));
        let body = SealedBody::parse(3, device, 17, &b64(&[1; 12]), &b64(&[2; 1040])).unwrap();
        assert_eq!(SealedBody::from_stored(&body.to_stored()), Some(body));
        let asker = sealed(272).unwrap();
        assert_eq!(SealedBody::from_stored(&asker.to_stored()), Some(asker));
        assert_eq!(SealedBody::from_stored("Hallo"), None);
        assert_eq!(SealedBody::from_stored("e2e1 1 - 1 x y z"), None);
    }

    #[test]
    fn keys_are_points_of_the_right_length() {
        let mut point = vec![4u8; PUBLIC_KEY_BYTES];
        assert!(PublicKey::parse(&b64(&point)).is_ok());
        point[0] = 2;
        assert!(PublicKey::parse(&b64(&point)).is_err());
        assert!(PublicKey::parse(&b64(&[4; 64])).is_err());
        assert!(PublicKey::parse("not a key").is_err());
        let mut wrapped = vec![4u8; WRAPPED_KEY_BYTES];
        assert!(WrappedKey::parse(&b64(&wrapped)).is_ok());
        wrapped.pop();
        assert!(WrappedKey::parse(&b64(&wrapped)).is_err());
    }
}
