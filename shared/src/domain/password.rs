//! Password rules of the 医療情報システムの安全管理に関するガイドライン 第6.0版
//! (システム運用編 14章, Q&A シQ-54): 英数字・記号を混在させた13文字以上, or 8文字以上 when a
//! second factor is used; avoid what is easily guessed (names, login ids).
//! The app checks as the user types; the server enforces the same function.

use serde::{Deserialize, Deserializer, Serialize};

/// A password as typed to prove who one is (sign-in, confirming an action): no valid password
/// is longer than [`PasswordPolicy::MAX_LENGTH`] or holds a control character, so such a one is
/// refused when the request is read, before any hashing (`#[serde(deserialize_with = …)]`).
pub fn entered_password<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    if text.chars().count() > PasswordPolicy::MAX_LENGTH
        || text
            .chars()
            .any(|c| super::text::is_forbidden(c, super::text::Lines::Single))
    {
        return Err(serde::de::Error::custom("not a password"));
    }
    Ok(text)
}

/// What a new password must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length in characters.
    pub min_length: usize,
    /// How many of the classes (英字, 数字, 記号) must appear.
    pub min_classes: usize,
}

impl PasswordPolicy {
    /// The guideline's rule for password-only sign-in: 13+ characters, mixed classes.
    pub const GUIDELINE_SINGLE_FACTOR: Self = Self {
        min_length: 13,
        min_classes: 2,
    };
    /// Upper bound, so hashing cost stays bounded (argon2 hashes any length, but a 1 MB
    /// "password" is an attack, not a password).
    pub const MAX_LENGTH: usize = 128;

    /// Every problem with `candidate`, in a stable order; empty means acceptable.
    /// `login_id` and `display_name` are the user's own, which a password must not contain.
    pub fn check(
        &self,
        candidate: &str,
        login_id: &str,
        display_name: &str,
    ) -> Vec<PasswordProblem> {
        let mut problems = Vec::new();
        let length = candidate.chars().count();
        if length < self.min_length {
            problems.push(PasswordProblem::TooShort {
                min: self.min_length,
            });
        }
        if length > Self::MAX_LENGTH {
            problems.push(PasswordProblem::TooLong {
                max: Self::MAX_LENGTH,
            });
        }
        let letters = candidate.chars().any(|c| c.is_alphabetic());
        let digits = candidate.chars().any(|c| c.is_numeric());
        let symbols = candidate
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace());
        let classes = [letters, digits, symbols]
            .into_iter()
            .filter(|b| *b)
            .count();
        if classes < self.min_classes {
            problems.push(PasswordProblem::TooFewClasses {
                min: self.min_classes,
            });
        }
        if candidate
            .chars()
            .any(|c| super::text::is_forbidden(c, super::text::Lines::Single))
        {
            problems.push(PasswordProblem::ControlCharacter);
        }
        let lower = candidate.to_lowercase();
        let contains = |part: &str| {
            let part = part.trim().to_lowercase();
            part.chars().count() >= 3 && lower.contains(&part)
        };
        if contains(login_id) {
            problems.push(PasswordProblem::ContainsLoginId);
        }
        if display_name
            .split_whitespace()
            .chain([display_name])
            .any(contains)
        {
            problems.push(PasswordProblem::ContainsName);
        }
        if is_single_repeated(candidate) {
            problems.push(PasswordProblem::Repetitive);
        }
        if looks_like_a_date(candidate) {
            problems.push(PasswordProblem::DateLike);
        }
        if is_common(candidate) {
            problems.push(PasswordProblem::Common);
        }
        problems
    }
}

/// Whether the password contains a date of birth or anniversary in a form people type:
/// 8 digits YYYYMMDD (1900–2099), 6 digits YYMMDD, or year, month, day with separators
/// (`1985-04-01`, `1985/4/1`, `1985.04.01`, `S60.4.1`, `60年4月1日`). Dates are the first thing an
/// attacker tries (ガイドライン Q&A: 推測されやすいもの).
pub fn looks_like_a_date(candidate: &str) -> bool {
    let chars: Vec<char> = candidate.chars().collect();
    // Runs of ASCII digits, with where they start and end.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let number = |(s, e): (usize, usize)| -> u32 {
        chars[s..e].iter().fold(0u32, |n, c| {
            n.saturating_mul(10)
                .saturating_add(c.to_digit(10).unwrap_or(0))
        })
    };
    let valid_md = |m: u32, d: u32| (1..=12).contains(&m) && (1..=31).contains(&d);
    for &(s, e) in &runs {
        let digits: String = chars[s..e].iter().collect();
        // Any 8- or 6-digit window inside a longer run counts too ("x19850401y").
        for w in s..e {
            if w + 8 <= e {
                let y: u32 = digits[w - s..w - s + 4].parse().unwrap_or(0);
                let m: u32 = digits[w - s + 4..w - s + 6].parse().unwrap_or(0);
                let d: u32 = digits[w - s + 6..w - s + 8].parse().unwrap_or(0);
                if (1900..=2099).contains(&y) && valid_md(m, d) {
                    return true;
                }
            }
            if e - s == 6 && w == s {
                let m: u32 = digits[2..4].parse().unwrap_or(0);
                let d: u32 = digits[4..6].parse().unwrap_or(0);
                if valid_md(m, d) {
                    return true;
                }
            }
        }
    }
    // year SEP month SEP day (`-`, `/`, `.`, `_`, space, 年, 月).
    for k in 0..runs.len().saturating_sub(2) {
        let (a, b, c) = (runs[k], runs[k + 1], runs[k + 2]);
        // Exactly one separator between the parts, and one people use in dates.
        let close = |x: (usize, usize), y: (usize, usize)| {
            y.0 == x.1 + 1 && matches!(chars[x.1], '-' | '/' | '.' | '_' | ' ' | '年' | '月')
        };
        if close(a, b)
            && close(b, c)
            && (1..=4).contains(&(a.1 - a.0))
            && (1..=2).contains(&(b.1 - b.0))
            && (1..=2).contains(&(c.1 - c.0))
            && valid_md(number(b), number(c))
        {
            return true;
        }
    }
    false
}

/// Passwords and words that lead every breached-password list, and Japanese favourites.
/// Compared case-insensitively after dropping digits and symbols, so `Password2024!` and
/// `qwerty-12345` are caught.
const COMMON: &[&str] = &[
    "password",
    "passw",
    "passwd",
    "pass",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbn",
    "zxcvbnm",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "administrator",
    "root",
    "login",
    "abc",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "monkey",
    "dragon",
    "master",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "soccer",
    "superman",
    "batman",
    "trustno",
    "shadow",
    "michael",
    "jennifer",
    "hello",
    "freedom",
    "whatever",
    "secret",
    "changeme",
    "default",
    "guest",
    "test",
    "user",
    "karte",
    "kartepassword",
    "hospital",
    "clinic",
    "medical",
    "doctor",
    "nurse",
    "byouin",
    "iryou",
    "sakura",
    "tokyo",
    "osaka",
    "nippon",
    "japan",
    "pokemon",
    "doraemon",
    "naruto",
    "pikachu",
    "arigatou",
    "konnichiwa",
    "daisuki",
    "aishiteru",
    "qazwsx",
    "qweasd",
    "zaq",
    "asdf",
    "qwer",
    "aaa",
    "xyz",
    "starwars",
    "computer",
];

/// Whether `candidate` is a well-known password once digits and symbols are dropped, or is
/// only digits (a PIN or a phone number is not a password).
pub fn is_common(candidate: &str) -> bool {
    let letters: String = candidate
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    if letters.is_empty() {
        return true;
    }
    // "p@ssw0rd" and friends: undo the usual substitutions before comparing.
    let unleet: String = candidate
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            '@' | '4' => Some('a'),
            '0' => Some('o'),
            '1' | '!' => Some('i'),
            '3' => Some('e'),
            '$' | '5' => Some('s'),
            '7' => Some('t'),
            c if c.is_alphabetic() => Some(c),
            _ => None,
        })
        .collect();
    COMMON.iter().any(|w| {
        letters == *w
            || unleet == *w
            || (w.len() >= 8 && (letters.contains(w) || unleet.contains(w)))
    })
}

fn is_single_repeated(candidate: &str) -> bool {
    let mut chars = candidate.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}

/// One reason a password is refused. `message_ja` is what the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PasswordProblem {
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    TooFewClasses {
        min: usize,
    },
    ControlCharacter,
    ContainsLoginId,
    ContainsName,
    Repetitive,
    /// Contains a date (birth dates are guessed first).
    DateLike,
    /// A well-known password, or digits only.
    Common,
    /// The new password equals the current one (checked by the server, which knows it).
    SameAsCurrent,
}

impl PasswordProblem {
    pub fn message_ja(&self) -> String {
        match self {
            Self::TooShort { min } => format!("{min}文字以上にしてください"),
            Self::TooLong { max } => format!("{max}文字以下にしてください"),
            Self::TooFewClasses { min } => {
                format!("英字・数字・記号のうち{min}種類以上を混ぜてください")
            }
            Self::ControlCharacter => "使用できない文字が含まれています".into(),
            Self::ContainsLoginId => "ログインIDを含めないでください".into(),
            Self::ContainsName => "氏名を含めないでください".into(),
            Self::Repetitive => "同じ文字の繰り返しは使えません".into(),
            Self::DateLike => "生年月日などの日付を含めないでください".into(),
            Self::Common => "よく使われる推測されやすいパスワードは使えません".into(),
            Self::SameAsCurrent => "現在のパスワードと異なるものにしてください".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::TooFewClasses { .. } => "too_few_classes",
            Self::ControlCharacter => "control_character",
            Self::ContainsLoginId => "contains_login_id",
            Self::ContainsName => "contains_name",
            Self::Repetitive => "repetitive",
            Self::DateLike => "date_like",
            Self::Common => "common",
            Self::SameAsCurrent => "same_as_current",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordProblem::*;

    const POLICY: PasswordPolicy = PasswordPolicy::GUIDELINE_SINGLE_FACTOR;

    #[test]
    fn accepts_long_mixed_passwords() {
        assert_eq!(
            POLICY.check("correct-horse-42", "kasou", "架空 太郎"),
            vec![]
        );
        assert_eq!(
            POLICY.check("ながいパスワード2026年", "kasou", "架空 太郎"),
            vec![]
        );
    }

    #[test]
    fn names_each_problem() {
        let cases: &[(&str, Vec<PasswordProblem>)] = &[
            ("short-1", vec![TooShort { min: 13 }]),
            ("abcdefghijklmn", vec![TooFewClasses { min: 2 }, Common]),
            ("kasou-secret-1", vec![ContainsLoginId, ContainsName]),
            ("taro-2026-secret", vec![ContainsName]),
            (
                "aaaaaaaaaaaaaaa",
                vec![TooFewClasses { min: 2 }, Repetitive],
            ),
            ("tab\there-secret-1", vec![ControlCharacter]),
        ];
        for (candidate, want) in cases {
            assert_eq!(
                &POLICY.check(candidate, "kasou", "Taro Kasou"),
                want,
                "{candidate:?}"
            );
        }
        assert_eq!(
            POLICY.check(&"a1".repeat(65), "x", "y"),
            vec![TooLong { max: 128 }]
        );
    }

    #[test]
    fn dates_are_found_in_the_forms_people_type() {
        for date in [
            "x19850401y",
            "kasou850401",
            "1985-04-01",
            "1985/4/1",
            "pw.1985.04.01!",
            "S60.4.1-kasou",
            "60年4月1日",
            "2024年12月31日",
        ] {
            assert!(looks_like_a_date(date), "{date}");
        }
        for not_date in [
            "correct-horse-42",
            "19851301",
            "123-456-789",
            "kasou-2026",
            "998877",
            "1985-13-01",
        ] {
            assert!(!looks_like_a_date(not_date), "{not_date}");
        }
        assert_eq!(
            POLICY.check("kasou-19850401-x", "ab", "架空"),
            vec![DateLike]
        );
    }

    #[test]
    fn well_known_passwords_are_refused_in_their_usual_disguises() {
        for common in [
            "Password2024!",
            "p@ssw0rd",
            "qwerty-12345",
            "1234567890123",
            "ILoveYou!!!",
            "myPasswordIsLong",
        ] {
            assert!(is_common(common), "{common}");
        }
        for fine in ["correct-horse-42", "診察室のみどり色-7", "secret-garden-42"] {
            assert!(!is_common(fine), "{fine}");
        }
    }

    #[test]
    fn every_problem_has_a_message_and_code() {
        for p in [
            TooShort { min: 13 },
            TooLong { max: 1 },
            TooFewClasses { min: 2 },
            ControlCharacter,
            ContainsLoginId,
            ContainsName,
            Repetitive,
            DateLike,
            Common,
            SameAsCurrent,
        ] {
            assert!(!p.message_ja().is_empty());
            assert!(!p.code().is_empty());
        }
    }
}
