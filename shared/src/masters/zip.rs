//! Reading the published `.zip` masters (feature `import`, server only). Entries are read into
//! memory with caps on their uncompressed size, so a zip bomb fails instead of exhausting memory;
//! the caps are enforced on the bytes actually inflated, not on the sizes the archive declares.

use super::error::{ImportError, ImportErrorCode};
use std::io::{Cursor, Read};

/// Limits on what one archive may inflate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Largest single entry, uncompressed (bytes).
    pub max_entry: u64,
    /// All entries together, uncompressed (bytes).
    pub max_total: u64,
    /// Most entries.
    pub max_entries: usize,
}

impl Default for ZipLimits {
    /// 200 MB per entry (the largest 2024 master, `b_`, is 8 MB), 1 GB in total, 1,000 entries.
    fn default() -> Self {
        Self {
            max_entry: 200 * 1024 * 1024,
            max_total: 1024 * 1024 * 1024,
            max_entries: 1000,
        }
    }
}

/// The files in a zip archive as `(name, bytes)`, directories skipped, with [`ZipLimits::default`].
pub fn read_zip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    read_zip_with_limits(bytes, ZipLimits::default())
}

/// [`read_zip`] with explicit limits. Refuses entry names with `..`, a leading `/` or `\`, or a
/// drive letter, and encrypted entries.
pub fn read_zip_with_limits(
    bytes: &[u8],
    limits: ZipLimits,
) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    const ARCHIVE: &str = "(zip)";
    let bad_zip = |e: &dyn std::fmt::Display| {
        ImportError::file(
            ARCHIVE,
            ImportErrorCode::BadZip,
            format!("ZIP ファイルを読めません（{e}）"),
        )
    };
    let mut archive = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad_zip(&e))?;
    if archive.len() > limits.max_entries {
        return Err(ImportError::file(
            ARCHIVE,
            ImportErrorCode::TooLarge,
            format!(
                "ZIP のファイル数が多すぎます（{}件、上限{}件）",
                archive.len(),
                limits.max_entries
            ),
        ));
    }
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| bad_zip(&e))?;
        let name = entry.name().map_err(|e| bad_zip(&e))?.into_owned();
        if entry.is_dir() {
            continue;
        }
        if !is_safe_name(&name) {
            return Err(ImportError::file(
                &name,
                ImportErrorCode::UnsafePath,
                "ZIP 内のファイル名に使えない経路（..、絶対パス、ドライブ名）があります",
            ));
        }
        if entry.encrypted() {
            return Err(ImportError::file(
                &name,
                ImportErrorCode::BadZip,
                "暗号化された ZIP は読めません",
            ));
        }
        let too_large = |name: &str| {
            ImportError::file(
                name,
                ImportErrorCode::TooLarge,
                format!(
                    "展開後のサイズが上限（1ファイル{}バイト、合計{}バイト）を超えます",
                    limits.max_entry, limits.max_total
                ),
            )
        };
        let remaining = limits.max_total.saturating_sub(total);
        let cap = limits.max_entry.min(remaining);
        if entry.size() > cap {
            return Err(too_large(&name));
        }
        let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        // Read one byte past the cap: the declared size may lie.
        (&mut entry)
            .take(cap.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| {
                ImportError::file(
                    &name,
                    ImportErrorCode::BadZip,
                    format!("ZIP の展開に失敗しました（{e}）"),
                )
            })?;
        let len = data.len() as u64;
        if len > cap {
            return Err(too_large(&name));
        }
        total += len;
        out.push((name, data));
    }
    Ok(out)
}

fn is_safe_name(name: &str) -> bool {
    let drive_letter = name.as_bytes().get(1) == Some(&b':');
    let unsafe_name = name.is_empty()
        || name.starts_with(['/', '\\'])
        || drive_letter
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..");
    !unsafe_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::zip::write::SimpleFileOptions;
    use ::zip::{CompressionMethod, ZipWriter};
    use std::io::Write;

    fn make_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, options).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn reads_entries() {
        let z = make_zip(&[("s_20240621.csv", b"\"5\",\"S\"\r\n"), ("README", b"x")]);
        let files = read_zip(&z).expect("reads");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, "s_20240621.csv");
        assert_eq!(files[0].1, b"\"5\",\"S\"\r\n");
    }

    #[test]
    fn refuses_bombs_by_inflated_size() {
        let big = vec![b'0'; 100_000];
        let z = make_zip(&[("a.csv", &big)]);
        let limits = ZipLimits {
            max_entry: 10_000,
            ..ZipLimits::default()
        };
        let e = read_zip_with_limits(&z, limits).expect_err("too large");
        assert_eq!(e.code, ImportErrorCode::TooLarge);

        let z = make_zip(&[("a.csv", &big[..6_000]), ("b.csv", &big[..6_000])]);
        let limits = ZipLimits {
            max_entry: 10_000,
            max_total: 10_000,
            max_entries: 10,
        };
        let e = read_zip_with_limits(&z, limits).expect_err("total too large");
        assert_eq!(
            (e.code, e.file.as_str()),
            (ImportErrorCode::TooLarge, "b.csv")
        );
    }

    #[test]
    fn refuses_unsafe_names() {
        for name in [
            "../s_ALL.csv",
            "a/../../b.csv",
            "/etc/passwd",
            "C:evil.csv",
            "..\\x.csv",
        ] {
            assert!(!is_safe_name(name), "{name}");
        }
        assert!(is_safe_name("DATA/s_ALL20240531.csv"));
        let z = make_zip(&[("../s_ALL20240531.csv", b"x")]);
        let e = read_zip(&z).expect_err("unsafe");
        assert_eq!(e.code, ImportErrorCode::UnsafePath);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&b""[..], b"PK\x03\x04garbage", b"not a zip at all"] {
            let e = read_zip(bytes).expect_err("bad zip");
            assert_eq!(e.code, ImportErrorCode::BadZip);
        }
    }
}
