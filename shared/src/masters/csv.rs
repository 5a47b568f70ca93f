//! CP932 decoding and a small CSV reader for the master files.
//!
//! The files are CP932, CRLF, every field double-quoted, `""` for a quote inside a field. The
//! reader also accepts LF line ends, unquoted fields, a missing final line end and a trailing EOF
//! byte (0x1A), skips blank lines, and reports anything else with its line. It never panics and
//! always advances, so any input terminates.

use super::error::{ImportError, ImportErrorCode};
use encoding_rs::{DecoderResult, SHIFT_JIS};

/// One CSV record: the physical line (1-based) it starts on and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Decodes CP932 (encoding_rs's Shift_JIS is the WHATWG one, i.e. Windows-31J with the NEC and
/// IBM extensions). Trailing 0x1A (DOS EOF) bytes are dropped. Invalid bytes are an error that
/// names the line they are on.
pub(crate) fn decode_cp932(file: &str, bytes: &[u8]) -> Result<String, ImportError> {
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == 0x1A {
        end -= 1;
    }
    let bytes = &bytes[..end];

    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - pos + 16),
            DecoderResult::Malformed(bad, after) => {
                let bad_end = pos.saturating_sub(usize::from(after));
                let bad_start = bad_end.saturating_sub(usize::from(bad));
                // In Shift_JIS 0x0A is never a trail byte, so counting it finds the line.
                let line = bytes[..bad_start].iter().filter(|b| **b == b'\n').count() + 1;
                let shown: Vec<String> = bytes
                    [bad_start..bad_end.max(bad_start + 1).min(bytes.len())]
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect();
                return Err(ImportError::new(
                    file,
                    Some(line),
                    None,
                    ImportErrorCode::InvalidEncoding,
                    format!(
                        "文字コードが CP932（Shift_JIS）ではありません（バイト {}）",
                        shown.join(" ")
                    ),
                ));
            }
        }
    }
}

/// Splits decoded text into records. See the module docs for what is accepted.
pub(crate) fn read_records(file: &str, text: &str) -> Result<Vec<Record>, ImportError> {
    let b = text.as_bytes();
    let len = b.len();
    let mut pos = 0;
    let mut line = 1;
    let mut records = Vec::new();

    while pos < len {
        // Blank lines between records (and the final line end) carry nothing.
        if b[pos] == b'\n' {
            pos += 1;
            line += 1;
            continue;
        }
        if b[pos] == b'\r' && (pos + 1 == len || b[pos + 1] == b'\n') {
            pos += 1;
            continue;
        }

        let record_line = line;
        let mut fields = Vec::new();
        loop {
            let column = fields.len() + 1;
            if pos < len && b[pos] == b'"' {
                let open_line = line;
                pos += 1;
                let mut value = String::new();
                let mut seg = pos;
                loop {
                    if pos >= len {
                        return Err(ImportError::new(
                            file,
                            Some(open_line),
                            Some(column),
                            ImportErrorCode::UnterminatedQuote,
                            "引用符（\"）が閉じられていません",
                        ));
                    }
                    match b[pos] {
                        b'"' if pos + 1 < len && b[pos + 1] == b'"' => {
                            value.push_str(&text[seg..=pos]);
                            pos += 2;
                            seg = pos;
                        }
                        b'"' => {
                            value.push_str(&text[seg..pos]);
                            pos += 1;
                            break;
                        }
                        b'\n' => {
                            line += 1;
                            pos += 1;
                        }
                        _ => pos += 1,
                    }
                }
                fields.push(value);
            } else {
                let start = pos;
                while pos < len && b[pos] != b',' && b[pos] != b'\n' {
                    if b[pos] == b'"' {
                        return Err(ImportError::new(
                            file,
                            Some(line),
                            Some(column),
                            ImportErrorCode::MalformedCsv,
                            "引用符で囲まれていない項目の中に引用符（\"）があります",
                        ));
                    }
                    pos += 1;
                }
                let mut end = pos;
                if end > start && b[end - 1] == b'\r' && (pos == len || b[pos] == b'\n') {
                    end -= 1;
                }
                fields.push(text[start..end].to_string());
            }

            // After a field: a comma, a line end, or the end of the input.
            if pos >= len {
                break;
            }
            match b[pos] {
                b',' => pos += 1,
                b'\n' => {
                    pos += 1;
                    line += 1;
                    break;
                }
                b'\r' if pos + 1 == len || b[pos + 1] == b'\n' => {
                    pos += 1;
                    if pos < len {
                        pos += 1;
                        line += 1;
                    }
                    break;
                }
                _ => {
                    return Err(ImportError::new(
                        file,
                        Some(line),
                        Some(column),
                        ImportErrorCode::MalformedCsv,
                        "閉じ引用符の後に区切り文字（,）以外の文字があります",
                    ));
                }
            }
        }
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Vec<Record>, ImportError> {
        read_records("t.csv", s)
    }

    fn fields(s: &str) -> Vec<Vec<String>> {
        read(s)
            .expect("parses")
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn quoted_crlf_records() {
        assert_eq!(
            fields("\"0\",\"S\",\"\"\r\n\"1\",\"a\"\"b\",\"x,y\"\r\n"),
            vec![vec!["0", "S", ""], vec!["1", "a\"b", "x,y"]]
        );
    }

    #[test]
    fn line_ends_and_blank_lines() {
        assert_eq!(fields(""), Vec::<Vec<String>>::new());
        assert_eq!(fields("\r\n\r\n"), Vec::<Vec<String>>::new());
        assert_eq!(fields("\"a\",\"b\""), vec![vec!["a", "b"]]);
        assert_eq!(fields("a,b\nc,\n"), vec![vec!["a", "b"], vec!["c", ""]]);
        assert_eq!(fields("a,b\r"), vec![vec!["a", "b"]]);
        let r = read("\"a\"\r\n\r\n\"b\"\r\n").expect("parses");
        assert_eq!((r[0].line, r[1].line), (1, 3));
    }

    #[test]
    fn newline_inside_quotes_counts_lines() {
        let r = read("\"a\nb\",\"c\"\r\n\"d\"\r\n").expect("parses");
        assert_eq!(r[0].fields, vec!["a\nb", "c"]);
        assert_eq!(r[1].line, 3);
    }

    #[test]
    fn unterminated_quote_names_where_it_opened() {
        let e = read("\"a\",\"b\"\r\n\"c\",\"d\r\n\"e\r\n").expect_err("unterminated");
        // Line 2, field 2 opens `"d`; the quote before `e` closes it, then `e` follows: malformed.
        assert_eq!(e.code, ImportErrorCode::MalformedCsv);
        let e = read("\"a\",\"b\"\r\n\"c\",\"d\r\n").expect_err("unterminated");
        assert_eq!(
            (e.code, e.line, e.column),
            (ImportErrorCode::UnterminatedQuote, Some(2), Some(2))
        );
    }

    #[test]
    fn stray_quote_and_text_after_quote() {
        let e = read("\"a\",b\"c\r\n").expect_err("stray");
        assert_eq!(
            (e.code, e.line, e.column),
            (ImportErrorCode::MalformedCsv, Some(1), Some(2))
        );
        let e = read("\"a\"\r\n\"b\"x,\"c\"\r\n").expect_err("after quote");
        assert_eq!(
            (e.code, e.line, e.column),
            (ImportErrorCode::MalformedCsv, Some(2), Some(1))
        );
    }

    #[test]
    fn cp932_decodes_and_eof_byte_is_dropped() {
        // "初診料" in CP932, then CRLF and a DOS EOF byte.
        let bytes = b"\"\x8f\x89\x90\x66\x97\xbf\"\r\n\x1a";
        let text = decode_cp932("t.csv", bytes).expect("decodes");
        assert_eq!(text, "\"初診料\"\r\n");
        // NEC special characters (①) and half-width kana are CP932.
        assert_eq!(
            decode_cp932("t.csv", b"\x87\x40\xb1").expect("decodes"),
            "①ｱ"
        );
    }

    #[test]
    fn invalid_cp932_names_the_line() {
        let e = decode_cp932("t.csv", b"\"a\"\r\n\"b\"\r\n\"\x81\x20\"\r\n").expect_err("invalid");
        assert_eq!(
            (e.code, e.line),
            (ImportErrorCode::InvalidEncoding, Some(3))
        );
        assert!(e.message.contains("81"), "{}", e.message);
        let e = decode_cp932("t.csv", b"\"a\"\r\n\xa0").expect_err("invalid");
        assert_eq!(e.line, Some(2));
        let e = decode_cp932("t.csv", b"\x82").expect_err("truncated lead byte");
        assert_eq!(e.line, Some(1));
    }
}
