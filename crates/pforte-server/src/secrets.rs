//! Tokens and passwords. Tokens carry 256 bits of randomness and are stored only as SHA-256
//! hashes; passwords are hashed with argon2id off the async threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token, as given to its holder.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hash a password with argon2id (blocking: call from `spawn_blocking`).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Check a password against a stored hash (blocking: call from `spawn_blocking`).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed))
        .is_ok()
}

/// A hash that no password matches, to spend the same time on unknown names.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8WqMdPMVQTq5GS0EkhDp2fkYV1yXp6f8G5NlOfSl+Yw";

const WORDS: [&str; 24] = [
    "Ahorn", "Birke", "Eiche", "Linde", "Kiesel", "Wolke", "Möwe", "Falke", "Lerche", "Meise",
    "Otter", "Biber", "Dachs", "Fuchs", "Igel", "Luchs", "Welle", "Quelle", "Stern", "Mond",
    "Fels", "Tanne", "Weide", "Feder",
];

/// A friendly pseudonym for an anonymous asker, e.g. "Wolke 37".
pub fn new_pseudonym() -> String {
    let mut rng = rand::rng();
    let word = WORDS[(rng.next_u32() as usize) % WORDS.len()];
    format!("{word} {}", 10 + rng.next_u32() % 90)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("geheim-123").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("geheim-123", &hash));
        assert!(!verify_password("geheim-124", &hash));
        assert!(!verify_password("geheim-123", DUMMY_HASH));
        assert!(!verify_password("x", "not a hash"));
    }
}
