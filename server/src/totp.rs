//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps,
//! 6 digits — what every authenticator app (Google Authenticator, Microsoft Authenticator,
//! IIJ SmartKey …) reads from a `otpauth://` QR code. A code is accepted for its own step and
//! one step either side (clock skew), and each step at most once (no replay).

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds per time step (RFC 6238 default, and the only one common apps support).
pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the server's (±30 s).
pub const SKEW_STEPS: i64 = 1;
/// Key length in bytes: 160 bits, RFC 4226's recommendation for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The HOTP value for `counter` (RFC 4226 §5.3: dynamic truncation, mod 10^digits).
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm is unreachable.
        Err(_) => return u32::MAX,
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(DIGITS)
}

/// The time step of `unix_seconds`.
pub fn step_at(unix_seconds: u64) -> i64 {
    i64::try_from(unix_seconds / STEP_SECONDS).unwrap_or(i64::MAX)
}

/// The current time step by the server clock.
pub fn current_step() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    step_at(now)
}

/// The 6-digit code for `step`, zero-padded.
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, u64::try_from(step).unwrap_or(0)),
        width = DIGITS as usize
    )
}

/// The step `code` belongs to, if it is valid within ±[`SKEW_STEPS`] of `now_step` and later
/// than `last_used_step`. Spaces and hyphens people type are ignored.
pub fn verify(
    secret: &[u8],
    code: &str,
    now_step: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let digits: String = code.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    // Check every candidate step (constant work), and take the one that matches.
    for step in now_step - SKEW_STEPS..=now_step + SKEW_STEPS {
        let expected = code_for_step(secret, step);
        let same: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), digits.as_bytes()).into();
        if same && last_used_step.is_none_or(|last| step > last) {
            found = Some(step);
        }
    }
    found
}

/// Base32 for the manual-entry key, in groups of four (`ABCD EFGH …`).
pub fn secret_for_display(secret: &[u8]) -> String {
    BASE32_NOPAD
        .encode(secret)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
/// (Key Uri Format). Label parts are percent-encoded.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account),
        BASE32_NOPAD.encode(secret),
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The URI as a QR code in SVG (error correction M), for the enrolment screen.
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| anyhow::anyhow!("QR code: {e}"))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 digits are ours, since
    /// truncation is modulo 10^digits).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_for_step(secret, step_at(time)), eight[2..], "t={time}");
        }
    }

    #[test]
    fn one_step_of_skew_either_side_and_no_replay() {
        let secret = b"12345678901234567890";
        let now = step_at(1_234_567_890);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_for_step(secret, now + offset);
            assert_eq!(
                verify(secret, &code, now, None).is_some(),
                accepted,
                "offset {offset}"
            );
        }
        let code = code_for_step(secret, now);
        assert_eq!(verify(secret, &code, now, None), Some(now));
        assert_eq!(verify(secret, &code, now, Some(now)), None, "replay");
        assert_eq!(
            verify(secret, &code_for_step(secret, now + 1), now, Some(now)),
            Some(now + 1)
        );
        assert_eq!(verify(secret, "12 34 5", now, None), None);
        assert_eq!(verify(secret, "abcdef", now, None), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(secret, &spaced, now, None), Some(now));
    }

    #[test]
    fn uri_and_display_key() {
        let secret = b"12345678901234567890";
        assert_eq!(
            secret_for_display(secret),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let uri = otpauth_uri("Karte 架空クリニック", "yamada@1310000001", secret);
        assert!(uri.starts_with("otpauth://totp/Karte%20%E6%9E%B6"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
