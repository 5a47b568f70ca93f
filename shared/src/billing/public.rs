//! Which of a patient's 公費 apply to a visit, and in what order: one rule for 会計 and for the
//! month's claims (レセプト), so both list 第一〜第四公費 identically. Pure: the caller brings the
//! 公費 recorded for the patient on the date.

use super::rules::share::MAX_PUBLIC;

/// 生活保護 (法別番号 12): it pays only what the other 公費 leave (他法優先, 生活保護法第4条第2項), so
/// it comes after them.
pub fn is_welfare(payer_number: &str) -> bool {
    payer_number.starts_with("12")
}

/// The 公費 that apply, in order (the first is the 第一公費), and those that do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSelection<T> {
    pub applied: Vec<T>,
    pub not_applied: Vec<T>,
}

/// From the 公費 recorded for the patient on the date (newest first): those with a recorded
/// patient share apply, in recorded order but 生活保護 last; at most [`MAX_PUBLIC`] (the
/// レセプト's 第一〜第四公費), keeping 生活保護 in the last place when there are more. The others
/// (no share recorded, or beyond four) are not applied: those without a share first, in
/// recorded order, then those dropped.
pub fn select_public<T>(
    recorded: Vec<T>,
    payer_number: impl Fn(&T) -> &str,
    has_share: impl Fn(&T) -> bool,
) -> PublicSelection<T> {
    let (mut applied, mut not_applied): (Vec<T>, Vec<T>) =
        recorded.into_iter().partition(|p| has_share(p));
    // A stable sort: 生活保護 after the others, which keep their order.
    applied.sort_by_key(|p| is_welfare(payer_number(p)));
    if applied.len() > MAX_PUBLIC {
        let welfare = applied
            .last()
            .is_some_and(|p| is_welfare(payer_number(p)))
            .then(|| applied.pop())
            .flatten();
        let keep = MAX_PUBLIC - usize::from(welfare.is_some());
        not_applied.extend(applied.split_off(keep));
        applied.extend(welfare);
    }
    PublicSelection {
        applied,
        not_applied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (payer number, share recorded).
    fn select(recorded: &[(&'static str, bool)]) -> (Vec<&'static str>, Vec<&'static str>) {
        let s = select_public(recorded.to_vec(), |p| p.0, |p| p.1);
        (
            s.applied.iter().map(|p| p.0).collect(),
            s.not_applied.iter().map(|p| p.0).collect(),
        )
    }

    #[test]
    fn welfare_goes_last_and_the_others_keep_their_order() {
        assert_eq!(
            select(&[("12131010", true), ("54016027", true), ("21136010", true)]),
            (vec!["54016027", "21136010", "12131010"], vec![])
        );
    }

    #[test]
    fn a_public_expense_without_a_recorded_share_is_not_applied() {
        assert_eq!(
            select(&[("54016027", false), ("21136010", true)]),
            (vec!["21136010"], vec!["54016027"])
        );
    }

    #[test]
    fn at_most_four_apply_and_welfare_keeps_the_last_place() {
        let recorded = [
            ("12131010", true),
            ("54016027", true),
            ("21136010", true),
            ("51136018", true),
            ("52136017", true),
            ("80136014", false),
        ];
        assert_eq!(
            select(&recorded),
            (
                vec!["54016027", "21136010", "51136018", "12131010"],
                vec!["80136014", "52136017"]
            )
        );
        let no_welfare = [
            ("54016027", true),
            ("21136010", true),
            ("51136018", true),
            ("52136017", true),
            ("53136016", true),
        ];
        assert_eq!(
            select(&no_welfare),
            (
                vec!["54016027", "21136010", "51136018", "52136017"],
                vec!["53136016"]
            )
        );
    }
}
