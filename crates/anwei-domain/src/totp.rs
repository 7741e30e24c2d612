//! Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits): the second
//! factor the plan's privileged accounts need (附表十 識別與鑑別 高: 多因子鑑別). These are the
//! parameters Google Authenticator and every other authenticator app use by default.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::OffsetDateTime;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// A shared secret of 160 bits (RFC 4226 §4 recommends 160).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        crate::secret::fill_random(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The base32 form people type into an authenticator app.
    pub fn to_base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .collect::<String>()
            .to_ascii_uppercase();
        BASE32_NOPAD.decode(cleaned.as_bytes()).ok().map(Self)
    }

    /// `otpauth://` URI for a QR code (Key Uri Format, as Google Authenticator reads it).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            enc(issuer),
            enc(account),
            self.to_base32(),
            enc(issuer)
        )
    }

    /// The code for a time step (RFC 4226 dynamic truncation).
    pub fn code_for_step(&self, step: i64) -> String {
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let binary = (u32::from(digest[offset]) & 0x7f) << 24
            | u32::from(digest[offset + 1]) << 16
            | u32::from(digest[offset + 2]) << 8
            | u32::from(digest[offset + 3]);
        format!(
            "{:0width$}",
            binary % 10u32.pow(DIGITS),
            width = DIGITS as usize
        )
    }

    pub fn code_at(&self, t: OffsetDateTime) -> String {
        self.code_for_step(step_of(t))
    }

    /// Accepts the code of the current step or of one step either side (clock drift), but never a
    /// step at or before `last_used_step` (replay). Returns the step the code matched.
    pub fn verify(
        &self,
        code: &str,
        now: OffsetDateTime,
        last_used_step: Option<i64>,
    ) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        (current - 1..=current + 1)
            .filter(|s| last_used_step.is_none_or(|used| *s > used))
            .find(|s| crate::secret::equal(&self.code_for_step(*s), &code))
    }
}

fn step_of(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(STEP_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 are ours).
    #[test]
    fn rfc6238_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        for (unix, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let t = OffsetDateTime::from_unix_timestamp(unix).unwrap();
            assert_eq!(secret.code_at(t), eight[2..], "t={unix}");
        }
    }

    #[test]
    fn window_and_replay() {
        let s = TotpSecret::generate();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let code = s.code_at(now);
        let step = s.verify(&code, now, None).expect("current code");
        assert_eq!(s.verify(&code, now, Some(step)), None, "replay refused");
        let earlier = s.code_at(now - time::Duration::seconds(30));
        assert!(s.verify(&earlier, now, None).is_some(), "one step of drift");
        let old = s.code_at(now - time::Duration::seconds(90));
        assert_eq!(s.verify(&old, now, None), None);
        assert_eq!(s.verify("12345", now, None), None);
        assert_eq!(s.verify("abcdef", now, None), None);
    }

    #[test]
    fn base32_round_trip_and_uri() {
        let s = TotpSecret::generate();
        let b32 = s.to_base32();
        assert_eq!(
            TotpSecret::from_base32(&b32.to_lowercase()),
            Some(s.clone())
        );
        let uri = s.otpauth_uri("Anwei 安維", "admin");
        assert!(uri.starts_with("otpauth://totp/Anwei%20%E5%AE%89%E7%B6%AD:admin?secret="));
    }
}
