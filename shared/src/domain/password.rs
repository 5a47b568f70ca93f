//! Password rules of the 医療情報システムの安全管理に関するガイドライン 第6.0版
//! (システム運用編 14章, Q&A シQ-54): 英数字・記号を混在させた13文字以上, or 8文字以上 when a
//! second factor is used; avoid what is easily guessed (names, login ids).
//! The app checks as the user types; the server enforces the same function.

use serde::{Deserialize, Serialize};

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
        if candidate.chars().any(char::is_control) {
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
        problems
    }
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
            ("abcdefghijklmn", vec![TooFewClasses { min: 2 }]),
            ("kasou-secret-1", vec![ContainsLoginId, ContainsName]),
            ("taro-2026-secret", vec![ContainsName]),
            (
                "aaaaaaaaaaaaaaa",
                vec![TooFewClasses { min: 2 }, Repetitive],
            ),
            ("tab\there-password-1", vec![ControlCharacter]),
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
    fn every_problem_has_a_message_and_code() {
        for p in [
            TooShort { min: 13 },
            TooLong { max: 1 },
            TooFewClasses { min: 2 },
            ControlCharacter,
            ContainsLoginId,
            ContainsName,
            Repetitive,
            SameAsCurrent,
        ] {
            assert!(!p.message_ja().is_empty());
            assert!(!p.code().is_empty());
        }
    }
}
