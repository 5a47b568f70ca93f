//! What kind of file an upload is, read from its bytes (the client's `Content-Type` and file
//! name are never trusted). Only the kinds the chart's viewers show are accepted: JPEG, PNG and
//! WebP images, PDF and DICOM; everything else (HTML, SVG, scripts, executables, archives, office
//! files) is refused with a reason the user can act on. No IO.
//!
//! Signatures: JPEG (ISO/IEC 10918-1, SOI `FF D8` then a marker), PNG (ISO/IEC 15948, the
//! eight-byte signature then `IHDR`), WebP (RIFF container, RFC 9649 §2), PDF (ISO 32000-1
//! §7.5.2, the `%PDF-` header), DICOM Part 10 (PS3.10 §7.1: a 128-byte preamble then `DICM`).

use serde::{Deserialize, Serialize};

/// The kinds of file Karte stores and shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "application/dicom")]
    Dicom,
}

impl MediaType {
    pub const ALL: [MediaType; 5] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Webp,
        MediaType::Pdf,
        MediaType::Dicom,
    ];

    /// The MIME type (as stored and as served).
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
            Self::Dicom => "application/dicom",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.mime() == mime)
    }

    /// The file name extension a download is given.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
            Self::Dicom => "dcm",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Jpeg | Self::Png | Self::Webp => "画像",
            Self::Pdf => "PDF",
            Self::Dicom => "DICOM",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Webp)
    }
}

/// Why an upload is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// Web pages, SVG and other markup: could run script.
    Markup,
    /// Programs and scripts.
    Executable,
    /// ZIP and the office formats built on it, other archives.
    Archive,
    /// Starts like one of the accepted kinds but is cut short or malformed.
    Malformed(MediaType),
    /// Anything else.
    Unknown,
}

impl Refusal {
    /// The message the user sees.
    pub fn message_ja(self) -> String {
        const ACCEPTED: &str = "添付できるのは JPEG・PNG・WebP の画像、PDF、DICOM です";
        match self {
            Self::Empty => "ファイルが空です".into(),
            Self::Markup => format!("Webページ・SVGなどは添付できません。{ACCEPTED}"),
            Self::Executable => format!("プログラム・スクリプトは添付できません。{ACCEPTED}"),
            Self::Archive => format!("圧縮ファイル・Office文書は添付できません。{ACCEPTED}"),
            Self::Malformed(kind) => format!(
                "{}ファイルとして読めません（壊れているか途中で切れています）",
                kind.label_ja()
            ),
            Self::Unknown => format!("ファイルの形式が分かりません。{ACCEPTED}"),
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The kind of `bytes` (the whole file, or at least its first 132 bytes for everything but the
/// RIFF length check of WebP), or why it is refused.
pub fn sniff(bytes: &[u8]) -> Result<MediaType, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        // The 128-byte preamble is free-form (PS3.10 §7.1), so a web page could hide there:
        // one that reads as markup, a program or an archive is refused all the same.
        return match refusal_of_other(&bytes[..128]) {
            Refusal::Unknown => Ok(MediaType::Dicom),
            refused => Err(refused),
        };
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // SOI must be followed by another marker (APPn, DQT, SOF …).
        return match bytes.get(2) {
            Some(0xFF) if bytes.len() >= 4 => Ok(MediaType::Jpeg),
            _ => Err(Refusal::Malformed(MediaType::Jpeg)),
        };
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        // The first chunk is IHDR, 13 bytes long.
        return if bytes.len() >= 33 && &bytes[8..16] == b"\0\0\0\x0dIHDR" {
            Ok(MediaType::Png)
        } else {
            Err(Refusal::Malformed(MediaType::Png))
        };
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let chunk = bytes.get(12..16);
        let known_chunk = matches!(chunk, Some(b"VP8 " | b"VP8L" | b"VP8X"));
        return if known_chunk && declared.checked_add(8).is_some_and(|n| n <= bytes.len()) {
            Ok(MediaType::Webp)
        } else {
            Err(Refusal::Malformed(MediaType::Webp))
        };
    }
    if bytes.starts_with(b"%PDF-") {
        return if bytes.len() >= 8 && bytes[5].is_ascii_digit() {
            Ok(MediaType::Pdf)
        } else {
            Err(Refusal::Malformed(MediaType::Pdf))
        };
    }
    Err(refusal_of_other(bytes))
}

/// Names what a refused file looks like, so the message says why.
fn refusal_of_other(bytes: &[u8]) -> Refusal {
    let executable: &[&[u8]] = &[
        b"MZ",               // Windows PE / DOS
        b"\x7fELF",          // ELF
        b"#!",               // script
        b"\xfe\xed\xfa",     // Mach-O
        b"\xcf\xfa\xed\xfe", // Mach-O 64
        b"\xca\xfe\xba\xbe", // Mach-O universal / Java class
        b"\0asm",            // WebAssembly
    ];
    if executable.iter().any(|sig| bytes.starts_with(sig)) {
        return Refusal::Executable;
    }
    let archive: &[&[u8]] = &[
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"Rar!",
        b"7z\xbc\xaf\x27\x1c",
        b"\x1f\x8b",
        b"\xd0\xcf\x11\xe0", // OLE2 (old Office)
    ];
    if archive.iter().any(|sig| bytes.starts_with(sig)) {
        return Refusal::Archive;
    }
    // Markup after an optional byte-order mark and white space: HTML, XML, SVG.
    let text = bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .or_else(|| bytes.strip_prefix(b"\xff\xfe"))
        .or_else(|| bytes.strip_prefix(b"\xfe\xff"))
        .unwrap_or(bytes);
    let first = text
        .iter()
        .take(1024)
        .find(|b| !b.is_ascii_whitespace() && **b != 0);
    if first == Some(&b'<') {
        return Refusal::Markup;
    }
    Refusal::Unknown
}

/// Lower-case hex of a digest (SHA-256 as shown and exported).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn png() -> Vec<u8> {
        let mut b = PNG_SIGNATURE.to_vec();
        b.extend_from_slice(b"\0\0\0\x0dIHDR");
        b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        b.extend_from_slice(&[0x90, 0x77, 0x53, 0xde]);
        b
    }

    fn dicom() -> Vec<u8> {
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        b.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn accepted_kinds_are_told_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Ok(MediaType::Jpeg));
        assert_eq!(sniff(&png()), Ok(MediaType::Png));
        let mut webp = b"RIFF\x0c\0\0\0WEBPVP8 ".to_vec();
        webp.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(sniff(&webp), Ok(MediaType::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), Ok(MediaType::Pdf));
        assert_eq!(sniff(&dicom()), Ok(MediaType::Dicom));
    }

    #[test]
    fn the_name_or_type_a_client_claims_plays_no_part() {
        // An HTML page is refused whatever it was called; a PNG is a PNG.
        assert_eq!(
            sniff(b"<!doctype html><script>alert(1)</script>"),
            Err(Refusal::Markup)
        );
        assert_eq!(
            sniff(b"\xef\xbb\xbf  \n<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
            Err(Refusal::Markup)
        );
        assert_eq!(sniff(b"<?xml version='1.0'?><svg/>"), Err(Refusal::Markup));
        assert_eq!(sniff(b"MZ\x90\0\x03"), Err(Refusal::Executable));
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Err(Refusal::Executable));
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /"), Err(Refusal::Executable));
        assert_eq!(sniff(b"PK\x03\x04\x14\0"), Err(Refusal::Archive));
        assert_eq!(sniff(b"hello"), Err(Refusal::Unknown));
        assert_eq!(sniff(b""), Err(Refusal::Empty));
    }

    #[test]
    fn a_file_cut_short_is_malformed_not_accepted() {
        assert_eq!(
            sniff(&[0xFF, 0xD8]),
            Err(Refusal::Malformed(MediaType::Jpeg))
        );
        assert_eq!(sniff(&png()[..20]), Err(Refusal::Malformed(MediaType::Png)));
        // The RIFF header promises more than there is.
        assert_eq!(
            sniff(b"RIFF\xff\xff\0\0WEBPVP8 \0\0\0\0"),
            Err(Refusal::Malformed(MediaType::Webp))
        );
        assert_eq!(
            sniff(b"RIFF\xff\xff\xff\xffWEBPVP8 "),
            Err(Refusal::Malformed(MediaType::Webp))
        );
        assert_eq!(sniff(b"%PDF-"), Err(Refusal::Malformed(MediaType::Pdf)));
        // A page hidden in a DICOM preamble is still a page.
        let mut page = b"<html><script>alert(1)</script>".to_vec();
        page.resize(128, b' ');
        page.extend_from_slice(b"DICM");
        assert_eq!(sniff(&page), Err(Refusal::Markup));
        // DICM at the wrong offset is not DICOM.
        assert_eq!(sniff(b"DICM\0\0\0\0"), Err(Refusal::Unknown));
    }

    #[test]
    fn every_refusal_has_a_message() {
        for r in [
            Refusal::Empty,
            Refusal::Markup,
            Refusal::Executable,
            Refusal::Archive,
            Refusal::Malformed(MediaType::Pdf),
            Refusal::Unknown,
        ] {
            assert!(!r.message_ja().is_empty());
        }
    }

    #[test]
    fn mime_names_round_trip() {
        for m in MediaType::ALL {
            assert_eq!(MediaType::from_mime(m.mime()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.mime()));
        }
        assert_eq!(MediaType::from_mime("text/html"), None);
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }

    proptest! {
        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = sniff(&bytes);
        }

        #[test]
        fn an_accepted_file_with_any_tail_stays_accepted(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut b = png();
            b.extend_from_slice(&tail);
            prop_assert_eq!(sniff(&b), Ok(MediaType::Png));
        }
    }
}
