//! The server's secret key, for what must be stored recoverably but not readably: TOTP keys
//! (unlike passwords, a TOTP key cannot be hashed — the server must compute codes from it).
//! A database dump without the key file reveals no second factor.
//!
//! Sealed form: `0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(ciphertext ‖ tag)`, with associated
//! data naming the row it belongs to, so a sealed value copied to another row does not open.

use anyhow::{bail, Context};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::path::Path;

const FORMAT: u8 = 1;
const NONCE: usize = 24;

/// 32 random bytes. Every server of a deployment needs the same key file.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    /// 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("the secret key must be 64 hexadecimal digits");
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)?;
        }
        Ok(Self(key))
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads an existing key file (an operator's command must not make a new key).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the secret key {}", path.display()))?;
        Self::from_hex(&text).with_context(|| format!("the secret key file {}", path.display()))
    }

    /// Reads the key file, or creates it (readable by its owner only) on first start.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            return Self::load(path);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let key = Self::generate();
        // Linked into place, never renamed over it: of two servers starting at once on a new
        // deployment, one key is kept and both use it.
        let tmp = path.with_extension(format!("new-{}", rand::random::<u64>()));
        write_private(&tmp, format!("{}\n", key.to_hex()).as_bytes())?;
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                tracing::info!(path = %path.display(), "generated the server's secret key");
                Ok(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
        }
    }

    /// Seals `plain` for the row named by `row`.
    pub fn seal(&self, row: &[u8], plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: row,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a value sealed for `row`; `None` when it was sealed with another key, for another
    /// row, or has been altered.
    pub fn open(&self, row: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let (&format, rest) = sealed.split_first()?;
        if format != FORMAT || rest.len() < NONCE {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: row,
                },
            )
            .ok()
    }
}

impl SecretKey {
    fn hmac(&self, purpose: &str) -> hmac::Hmac<sha2::Sha256> {
        use hmac::Mac;
        // A key of its own per purpose: HMAC(secret, purpose).
        let mut derive = keyed(&self.0);
        derive.update(purpose.as_bytes());
        keyed(&derive.finalize().into_bytes().into())
    }

    /// HMAC-SHA256 of `bytes` under a key derived from this one for `purpose`: records kept
    /// outside the database (backup runs, log anchors) show they were written by a holder of
    /// the key and not changed since.
    pub fn mac(&self, purpose: &str, bytes: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = self.hmac(purpose);
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }

    /// Whether `mac` is [`Self::mac`] of `bytes` (compared in constant time).
    pub fn mac_matches(&self, purpose: &str, bytes: &[u8], mac: &[u8]) -> bool {
        use hmac::Mac;
        let mut check = self.hmac(purpose);
        check.update(bytes);
        check.verify_slice(mac).is_ok()
    }
}

/// Whether a record kept outside the database is as it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seal {
    /// The HMAC under the server's key matches.
    Intact,
    /// The HMAC does not match: changed, sealed with another key, or written unsealed.
    Broken,
    /// Read without a key.
    Unchecked,
}

/// A record for outside the database (backup runs, log anchors): its JSON on one line, then
/// its HMAC for `purpose` in hex, or `-` when written without a key.
pub fn seal_line(key: Option<&SecretKey>, purpose: &str, json: &str) -> Vec<u8> {
    let mac = key
        .map(|k| {
            k.mac(purpose, json.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        })
        .unwrap_or_else(|| "-".into());
    format!("{json}\n{mac}\n").into_bytes()
}

/// The JSON of a [`seal_line`] record and whether its seal holds under `key`.
pub fn open_line<'a>(
    key: Option<&SecretKey>,
    purpose: &str,
    bytes: &'a [u8],
) -> anyhow::Result<(&'a str, Seal)> {
    let text = std::str::from_utf8(bytes).context("a sealed record is not UTF-8")?;
    let mut lines = text.lines();
    let json = lines
        .next()
        .filter(|l| !l.is_empty())
        .context("an empty sealed record")?;
    let mac = lines.next().unwrap_or("-").trim();
    let seal = match key {
        None => Seal::Unchecked,
        Some(k) => match data_encoding::HEXLOWER_PERMISSIVE.decode(mac.as_bytes()) {
            Ok(mac) if k.mac_matches(purpose, json.as_bytes(), &mac) => Seal::Intact,
            _ => Seal::Broken,
        },
    };
    Ok((json, seal))
}

/// HMAC-SHA256 keyed with 32 bytes (zero-padded to the block, as HMAC pads any shorter key).
fn keyed(key: &[u8; 32]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::digest::KeyInit;
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <hmac::Hmac<sha2::Sha256> as KeyInit>::new(&block.into())
}

/// Writes a file readable by its owner only (keys, demo logins, pgBackRest's configuration):
/// to a new file beside it (mode 0600 from the start, never following a link), synced, then
/// renamed over `path` — a reader sees the old file or the new one, a link planted at `path` is
/// replaced rather than written through, and an old file's wider mode does not survive.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?
        .to_string_lossy()
        .into_owned();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| -> anyhow::Result<()> {
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_created_twice_at_once_is_one_key() {
        let dir = std::env::temp_dir().join(format!("karte-key-{}", rand::random::<u64>()));
        let path = dir.join("secret.key");
        let keys: Vec<SecretKey> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| SecretKey::load_or_create(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let on_disk = SecretKey::load(&path).unwrap();
        assert!(keys.iter().all(|k| k.0 == on_disk.0));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no file left beside it"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn macs_are_hmac_sha256_under_a_key_per_purpose() {
        use hmac::Mac;
        let key = SecretKey::from_hex(&"ab".repeat(32)).unwrap();
        // The same as HMAC computed the plain way with the 32-byte keys.
        let mut derive = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&[0xab; 32]).unwrap();
        derive.update(b"karte/test");
        let derived = derive.finalize().into_bytes();
        let mut plain = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&derived).unwrap();
        plain.update(b"record");
        let expected: [u8; 32] = plain.finalize().into_bytes().into();
        assert_eq!(key.mac("karte/test", b"record"), expected);
        assert!(key.mac_matches("karte/test", b"record", &expected));
        assert!(!key.mac_matches("karte/test", b"record!", &expected));
        assert!(!key.mac_matches("karte/other", b"record", &expected));
        assert_ne!(key.mac("karte/other", b"record"), expected);
    }

    #[test]
    fn sealed_values_open_only_with_the_key_for_their_row() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"row-1", b"12345678901234567890").unwrap();
        assert_eq!(sealed.len(), 1 + 24 + 20 + 16);
        assert!(!sealed.windows(20).any(|w| w == b"12345678901234567890"));
        assert_eq!(
            key.open(b"row-1", &sealed).unwrap(),
            b"12345678901234567890"
        );
        assert_eq!(key.open(b"row-2", &sealed), None, "another row");
        assert_eq!(
            SecretKey::generate().open(b"row-1", &sealed),
            None,
            "another key"
        );
        let mut altered = sealed.clone();
        altered[30] ^= 1;
        assert_eq!(key.open(b"row-1", &altered), None);
        assert_eq!(key.open(b"row-1", &[]), None);
        assert_eq!(key.open(b"row-1", &[1, 2, 3]), None);
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
        let again = SecretKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(
            again.open(b"row-1", &sealed).unwrap(),
            b"12345678901234567890"
        );
        assert!(SecretKey::from_hex("xyz").is_err());
    }
}
