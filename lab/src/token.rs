//! The MSP token the front accepts, and random strings for passwords.
//!
//! The token is shaped exactly like a NetBird PAT (`nbp_`, 30 base62 characters, then the
//! CRC32 of those 30 encoded in 6 base62 characters) so that a client's format checks see what
//! they would see against NetBird Cloud.

use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The prefix NetBird puts on every personal access token.
pub const PAT_PREFIX: &str = "nbp_";
const PAT_SECRET_LENGTH: usize = 30;
const PAT_CHECKSUM_LENGTH: usize = 6;

/// The one token the MSP front accepts. `Debug` and `Display` never show it; `expose` is the
/// only way to read it, so a stray `{:?}` in a test cannot leak it into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct MspToken(String);

impl MspToken {
    /// A fresh random token in NetBird's PAT format.
    pub fn generate() -> Self {
        let secret = random_base62(PAT_SECRET_LENGTH);
        let checksum = encode_base62(crc32_ieee(secret.as_bytes()));
        Self(format!(
            "{PAT_PREFIX}{secret}{checksum:0>PAT_CHECKSUM_LENGTH$}"
        ))
    }

    /// Wraps a token read back from a state file.
    pub fn from_string(token: String) -> Self {
        Self(token)
    }

    /// The token itself, for an `Authorization` header or the env file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MspToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MspToken(<redacted>)")
    }
}

/// `len` random characters from the base62 alphabet.
pub fn random_base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("invariant: the OS random source is available");
        // 248 = 4 * 62: dropping bytes at or above it keeps every character equally likely.
        let wanted = len - out.len();
        out.extend(
            buf.iter()
                .filter(|b| **b < 248)
                .map(|b| char::from(BASE62[usize::from(*b % 62)]))
                .take(wanted),
        );
    }
    out
}

/// NetBird's `base62.Encode`: most significant digit first, "0" for zero.
fn encode_base62(mut n: u32) -> String {
    if n == 0 {
        return "0".to_owned();
    }
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    digits.reverse();
    String::from_utf8(digits).expect("invariant: base62 digits are ASCII")
}

/// CRC-32/IEEE, the checksum Go's `crc32.ChecksumIEEE` computes.
fn crc32_ieee(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::{MspToken, crc32_ieee, encode_base62};

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32_ieee(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn base62_matches_netbird() {
        assert_eq!(encode_base62(0), "0");
        assert_eq!(encode_base62(61), "z");
        assert_eq!(encode_base62(62), "10");
    }

    #[test]
    fn token_has_the_pat_shape_and_a_valid_checksum() {
        let token = MspToken::generate();
        let text = token.expose();
        assert_eq!(text.len(), 40);
        assert!(text.starts_with("nbp_"));
        let (secret, checksum) = text[4..].split_at(30);
        let expected = format!("{:0>6}", encode_base62(crc32_ieee(secret.as_bytes())));
        assert_eq!(checksum, expected);
        assert_eq!(format!("{token:?}"), "MspToken(<redacted>)");
    }
}
