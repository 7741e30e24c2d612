//! Bearer secrets: session cookies, API tokens, CSRF tokens, calendar-feed keys. Each is 256 random
//! bits; only its SHA-256 digest is stored, so a copy of the database does not let anyone sign in.
//! A digest (not a password hash) is right here: the secret is random, not guessable, and it is
//! checked on every request, which must be one indexed read.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh secret, `prefix` + 43 URL-safe characters.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!("{prefix}{}", BASE64URL_NOPAD.encode(&bytes))
}

/// Every API token starts with this, so secret scanners and people can recognise one.
pub const API_TOKEN_PREFIX: &str = "anwei_";

/// A new API token and what is stored of it: (token, digest, display prefix).
pub fn new_api_token() -> (String, String, String) {
    let token = random_token(API_TOKEN_PREFIX);
    let digest = digest(&token);
    let prefix: String = token.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
    (token, digest, prefix)
}

/// Fills `buf` from the operating system's generator. Failure of the OS generator leaves the
/// process unable to issue secrets safely, so it stops rather than continue with weak ones.
pub fn fill_random(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("the operating system's random generator failed");
}

/// Lower-case hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in constant time.
pub fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_digests_stable() {
        let a = random_token("anwei_");
        let b = random_token("anwei_");
        assert_ne!(a, b);
        assert!(a.starts_with("anwei_"));
        assert_eq!(a.len(), 6 + 43);
        assert_eq!(digest("abc").len(), 64);
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(equal(&a, &a.clone()));
        assert!(!equal(&a, &b));
        assert!(!equal("a", "ab"));
    }
}
