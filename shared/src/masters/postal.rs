//! 郵便番号 → 住所: 日本郵便's 郵便番号データ (KEN_ALL.CSV, 読み仮名データの促音・拗音を小書きで表記
//! しないもの, CP932; or the UTF-8 `utf_ken_all.csv`), read into one address per 郵便番号 and
//! 町域 for filling in a patient's address. No IO.
//!
//! The file's layout (日本郵便「郵便番号データの説明」): 15 columns, 1 全国地方公共団体コード,
//! 2 旧郵便番号, 3 郵便番号 (7 digits), 4–6 都道府県・市区町村・町域 (カナ), 7–9 the same in
//! 漢字, 10–15 flags. Its known quirks are read as the post office means them:
//! - 町域 「以下に掲載がない場合」 and 「○○の次に番地がくる場合」: the code covers the whole city
//!   (or village); the 町域 is empty.
//! - A 町域 too long for one row continues on the next rows of the same code (its opening
//!   「（」 closes on a later row): the rows are one 町域.
//! - Parenthesised notes (「（次のビルを除く）」, 「（１〜１９丁目）」, floors of a building) say
//!   which 番地 the code covers; the address keeps the 町域 without them.

use super::csv::{decode_cp932, read_records};
use super::error::{ImportError, ImportErrorCode};
use crate::domain::japanese::halfwidth_digit;
use serde::{Deserialize, Serialize};

/// One address a 郵便番号 stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Seven digits.
    pub code: String,
    pub prefecture: String,
    pub city: String,
    /// 町域; empty when the code covers the whole city.
    pub town: String,
}

impl PostalAddress {
    /// The address as written on a form: 〒 code, then 都道府県 市区町村 町域.
    pub fn address_ja(&self) -> String {
        let (head, tail) = match (self.code.get(..3), self.code.get(3..)) {
            (Some(head), Some(tail)) => (head, tail),
            _ => (self.code.as_str(), ""),
        };
        format!(
            "〒{head}-{tail} {}{}{}",
            self.prefecture, self.city, self.town
        )
    }
}

/// A 郵便番号 as typed (`100-0001`, `〒１００－０００１`, `1000001`): seven digits, or `None`.
pub fn normalize_code(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .map(halfwidth_digit)
        .filter(|c| !matches!(c, '〒' | '-' | '－' | 'ー' | '‐' | '−' | ' ' | '　'))
        .collect();
    (digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The most rows a file may have (the published file has about 124,000).
pub const MAX_ROWS: usize = 500_000;

/// A KEN_ALL file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalFile {
    /// The rows of the file.
    pub rows: usize,
    /// Each (code, 市区町村, 町域) once, in file order.
    pub addresses: Vec<PostalAddress>,
}

/// Reads a KEN_ALL file (CP932 as published, or UTF-8) into its addresses, in file order, each
/// (code, 市区町村, 町域) once. An error names the line and column.
pub fn parse_ken_all(file: &str, bytes: &[u8]) -> Result<PostalFile, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_string(),
        Err(_) => decode_cp932(file, bytes)?,
    };
    let records = read_records(file, &text)?;
    if records.is_empty() {
        return Err(ImportError::file(
            file,
            ImportErrorCode::EmptyFile,
            "郵便番号データに行がありません",
        ));
    }
    if records.len() > MAX_ROWS {
        return Err(ImportError::file(
            file,
            ImportErrorCode::TooLarge,
            format!("行が多すぎます（上限{MAX_ROWS}行）"),
        ));
    }
    let mut out: Vec<PostalAddress> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // A 町域 whose 「（」 has not closed yet, continued by the next rows of its code.
    let mut open: Option<(PostalAddress, usize)> = None;
    for record in &records {
        let at = |column: usize, code: ImportErrorCode, message: &str| {
            ImportError::new(file, Some(record.line), Some(column), code, message)
        };
        if record.fields.len() < 9 || record.fields.len() > 15 {
            return Err(at(
                record.fields.len().min(15),
                ImportErrorCode::ColumnCount,
                "郵便番号データの列数が違います（15列）",
            ));
        }
        let code = record.fields[2].trim();
        if code.len() != 7 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(at(3, ImportErrorCode::BadCode, "郵便番号は7桁の数字です"));
        }
        let (prefecture, city, town) = (
            record.fields[6].trim(),
            record.fields[7].trim(),
            record.fields[8].trim(),
        );
        if prefecture.is_empty() || city.is_empty() {
            return Err(at(
                7,
                ImportErrorCode::MissingValue,
                "都道府県名・市区町村名がありません",
            ));
        }
        let row = PostalAddress {
            code: code.to_string(),
            prefecture: prefecture.to_string(),
            city: city.to_string(),
            town: town.to_string(),
        };
        let row = match open.take() {
            Some((mut first, line)) if first.code == row.code && first.city == row.city => {
                first.town.push_str(&row.town);
                if unclosed(&first.town) {
                    open = Some((first, line));
                    continue;
                }
                first
            }
            // The continuation never came: keep what was read.
            Some((first, _)) => {
                push(&mut out, &mut seen, first);
                row
            }
            None => row,
        };
        if unclosed(&row.town) {
            open = Some((row, record.line));
            continue;
        }
        push(&mut out, &mut seen, row);
    }
    if let Some((row, _)) = open {
        push(&mut out, &mut seen, row);
    }
    Ok(PostalFile {
        rows: records.len(),
        addresses: out,
    })
}

/// Whether a 町域 opens a parenthesis it has not closed.
fn unclosed(town: &str) -> bool {
    town.matches('（').count() > town.matches('）').count()
}

fn push(
    out: &mut Vec<PostalAddress>,
    seen: &mut std::collections::HashSet<(String, String, String)>,
    mut row: PostalAddress,
) {
    row.town = clean_town(&row.town);
    if seen.insert((row.code.clone(), row.city.clone(), row.town.clone())) {
        out.push(row);
    }
}

/// The 町域 as an address has it: without the notes on which 番地 the code covers.
fn clean_town(town: &str) -> String {
    // The whole city or village: 「以下に掲載がない場合」, 「○○村の次に番地がくる場合」,
    // 「○○村一円」 (but 「一円」 alone is a real 町域, in 滋賀県多賀町).
    if town == "以下に掲載がない場合"
        || town.ends_with("の次に番地がくる場合")
        || (town.ends_with("一円") && town != "一円")
    {
        return String::new();
    }
    let mut out = String::with_capacity(town.len());
    let mut depth = 0usize;
    for c in town.chars() {
        match c {
            '（' => depth += 1,
            '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, city: &str, town: &str) -> String {
        format!(
            "13101,\"100  \",\"{code}\",\"ﾄｳｷｮｳﾄ\",\"ﾁﾖﾀﾞｸ\",\"ｶﾅ\",\"東京都\",\"{city}\",\"{town}\",0,0,0,0,0,0\r\n"
        )
    }

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(normalize_code("100-0001").as_deref(), Some("1000001"));
        assert_eq!(
            normalize_code("〒１００－０００１").as_deref(),
            Some("1000001")
        );
        assert_eq!(normalize_code("1000001").as_deref(), Some("1000001"));
        assert_eq!(normalize_code("100-001"), None);
        assert_eq!(normalize_code("abcdefg"), None);
        assert_eq!(normalize_code(""), None);
    }

    #[test]
    fn the_files_quirks_are_read_as_meant() {
        let text = [
            row("1000000", "千代田区", "以下に掲載がない場合"),
            row("1000001", "千代田区", "千代田"),
            row("1006090", "千代田区", "大手町ＪＡビル（地階・階層不明）"),
            row("1000005", "千代田区", "丸の内（次のビルを除く）"),
            // One 町域 over three rows.
            row("0000001", "千代田区", "架空町（１丁目、３丁目、５丁目、"),
            row("0000001", "千代田区", "７丁目、９丁目、"),
            row("0000001", "千代田区", "１１丁目）"),
            row("0000002", "架空村", "架空村の次に番地がくる場合"),
            row("1000001", "千代田区", "千代田"),
        ]
        .concat();
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!bad);
        for bytes in [text.as_bytes(), &sjis[..]] {
            let file = parse_ken_all("KEN_ALL.CSV", bytes).unwrap();
            assert_eq!(file.rows, 9);
            let rows = file.addresses;
            let towns: Vec<(&str, &str)> = rows
                .iter()
                .map(|r| (r.code.as_str(), r.town.as_str()))
                .collect();
            assert_eq!(
                towns,
                [
                    ("1000000", ""),
                    ("1000001", "千代田"),
                    ("1006090", "大手町ＪＡビル"),
                    ("1000005", "丸の内"),
                    ("0000001", "架空町"),
                    ("0000002", ""),
                ]
            );
            assert_eq!(rows[1].address_ja(), "〒100-0001 東京都千代田区千代田");
        }
    }

    #[test]
    fn bad_rows_are_named_by_line_and_column() {
        let text = [
            row("1000001", "千代田区", "千代田"),
            row("10000", "千代田区", ""),
        ]
        .concat();
        let e = parse_ken_all("KEN_ALL.CSV", text.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
        let e = parse_ken_all("KEN_ALL.CSV", b"1,2,3\r\n").unwrap_err();
        assert_eq!(e.code, ImportErrorCode::ColumnCount);
        let e = parse_ken_all("KEN_ALL.CSV", b"").unwrap_err();
        assert_eq!(e.code, ImportErrorCode::EmptyFile);
    }

    #[test]
    fn any_bytes_give_rows_or_an_error_never_a_panic() {
        let base = [
            row("1000001", "千代田区", "千代田"),
            row("0000001", "千代田区", "架空町（１丁目、"),
            row("0000001", "千代田区", "２丁目）"),
        ]
        .concat();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&base);
        let mut seed = 0x2545_f491_u32;
        for _ in 0..3000 {
            let mut bytes = sjis.to_vec();
            for _ in 0..(seed % 6 + 1) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % bytes.len();
                match seed % 3 {
                    0 => bytes[at] = (seed >> 8) as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, (seed >> 16) as u8),
                }
            }
            let _ = parse_ken_all("KEN_ALL.CSV", &bytes);
        }
    }
}
