//! The claim's code tables (`shared::claims::codes`) against the code tables in
//! `../shared/reference/uke/uke-parser_code_tables/`: every code with the same name.

mod common;

use shared::claims::codes::{DEPARTMENTS, SPECIAL_NOTES};

/// `name` with combining (han)dakuten (U+3099/U+309A, as some of the yml files spell カナ)
/// joined to the kana before them: in the kana blocks the voiced form is the next code point
/// and the semi-voiced the one after.
fn composed(name: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in name.chars() {
        let add = match c {
            '\u{3099}' => 1,
            '\u{309A}' => 2,
            _ => 0,
        };
        match (add, out.last_mut()) {
            (0, _) | (_, None) => out.push(c),
            (n, Some(base)) => *base = char::from_u32(*base as u32 + n).unwrap_or(*base),
        }
    }
    out.into_iter().collect()
}

/// `'NN': name` lines of a code table, name without spaces and without the bracketed 内容 the
/// table adds to some names (23 産婦人科(産科又は婦人科)).
fn listed(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let (code, name) = l.split_once(':')?;
            let code = code.trim().trim_matches('\'');
            let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
            let name = composed(name.split('(').next().unwrap_or_default());
            (code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (code.to_string(), name))
        })
        .collect();
    out.sort();
    out
}

/// Where the yml and 記録条件仕様 令和４年４月版 別表9 differ: the spec adds 41〜44 (区カ〜多キ,
/// 令和4年10月〜) and has no 40, which the yml lists.
const SPEC_ONLY: &[&str] = &["41", "42", "43", "44"];
const YML_ONLY: &[&str] = &["40"];

#[test]
fn special_notes_and_departments_match_the_reference() {
    let Some(dir) = common::reference::reference("uke/uke-parser_code_tables") else {
        return;
    };
    for (file, table) in [
        ("common/tokki.yml", SPECIAL_NOTES),
        ("ika/shinryoka.yml", DEPARTMENTS),
    ] {
        let text =
            std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let ours: Vec<(String, String)> = table
            .iter()
            .filter(|(c, _)| !SPEC_ONLY.contains(c))
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect();
        let theirs: Vec<(String, String)> = listed(&text)
            .into_iter()
            .filter(|(c, _)| !YML_ONLY.contains(&c.as_str()))
            .collect();
        assert_eq!(ours, theirs, "{file}");
    }
}
