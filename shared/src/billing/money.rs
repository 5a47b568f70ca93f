//! Units (点, 円, 1/100円, quantities) and every rounding rule of the engine, each in one named
//! function. Integer arithmetic only: no `f64` touches money here.

use crate::masters::Hundredths;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::Add;

/// 点 (points). 1点 = 10円 (診療報酬の算定方法 第1号・第2号; billing.md §2 rule 1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    /// 医療費 in yen: 1点 = 10円.
    pub fn to_yen(self) -> Yen {
        Yen(self.0 * YEN_PER_POINT)
    }

    pub fn checked_add(self, other: Points) -> Option<Points> {
        self.0.checked_add(other.0).map(Points)
    }

    pub fn checked_mul(self, times: u32) -> Option<Points> {
        self.0.checked_mul(i64::from(times)).map(Points)
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}点", self.0)
    }
}

/// 1点 = 10円.
pub const YEN_PER_POINT: i64 = 10;

/// 円 (whole yen).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}円", self.0)
    }
}

/// Hundredths of a yen (銭), exact: 薬価 and 材料価格 are published with two decimals
/// ("10.10" → `Sen(1010)`). The masters read every decimal column as [`Hundredths`] (点 or 円
/// ×100); a 円 amount converts with `Sen::from`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Sen(pub i64);

impl Sen {
    /// Whole yen.
    pub const fn yen(yen: i64) -> Sen {
        Sen(yen * 100)
    }

    /// Parses the master's decimal text ("10.10", "291", "0.5"); at most two decimals, as
    /// [`Hundredths::parse`] (the masters' parser) reads it.
    pub fn parse(text: &str) -> Option<Sen> {
        Hundredths::parse(text).map(Sen::from)
    }
}

/// A 円 amount of the masters (薬価 項番12, 材料価格 項番12) in 銭.
impl From<Hundredths> for Sen {
    fn from(h: Hundredths) -> Sen {
        Sen(h.get())
    }
}

impl fmt::Display for Sen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}円", a / 100, a % 100)
    }
}

/// An amount of a drug or material in thousandths of its master unit (1.5錠 = 1500,
/// 0.125g = 125). On the wire it is a decimal string such as `"1.5"`; whole numbers and JSON
/// numbers are accepted too (a JSON number is read through its shortest decimal text, never
/// through float arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    /// Quantities are recorded to three decimals.
    pub const SCALE: i64 = 1000;

    pub const fn units(n: i64) -> Quantity {
        Quantity(n * Self::SCALE)
    }

    pub const fn from_thousandths(n: i64) -> Quantity {
        Quantity(n)
    }

    pub const fn thousandths(self) -> i64 {
        self.0
    }

    /// "1.5", "3", "0.125" (at most three decimals, no sign).
    pub fn parse(text: &str) -> Option<Quantity> {
        parse_fixed(text, 3).map(Quantity)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = a / 1000;
        let frac = a % 1000;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal quantity such as \"1.5\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::parse(v).ok_or_else(|| E::custom(format!("数量が不正です: {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|n| n.checked_mul(Quantity::SCALE))
                    .map(Quantity)
                    .ok_or_else(|| E::custom("数量が大きすぎます"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                if v < 0 {
                    return Err(E::custom("数量が負です"));
                }
                self.visit_u64(v as u64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                // The shortest text that reads back as `v` ("1.5", "0.1"), parsed exactly.
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// Fixed-point text → integer scaled by 10^`decimals`. No sign, no exponent.
fn parse_fixed(text: &str, decimals: u32) -> Option<i64> {
    let t = text.trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(frac) || frac.len() > decimals as usize {
        return None;
    }
    let scale = 10_i64.pow(decimals);
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..decimals as usize {
        f *= 10;
    }
    w.checked_mul(scale)?.checked_add(f)
}

/// Exact yen amounts as produced by price × quantity: units of 1/100,000 円
/// (`Sen` × thousandths). i128 so that no realistic product overflows.
pub(crate) const FINE_PER_YEN: i128 = 100 * Quantity::SCALE as i128;

/// Price × quantity, exact (1/100,000 円).
pub(crate) fn fine_amount(price: Sen, quantity: Quantity) -> i128 {
    i128::from(price.0) * i128::from(quantity.thousandths())
}

/// 薬剤料 of one 所定単位 (投薬: 内服 1剤1日分・屯服 1回分・外用 1調剤; 注射: 1回分), exact amount.
///
/// F200 "薬価が15円以下である場合は1点とし、15円を超える場合は10円又はその端数を増すごとに1点を
/// 加算する"; G100 (令和6年 早見表) "薬価から15円を控除した額を10円で除して得た点数につき1点未満の
/// 端数を切り上げて得た点数に1点を加算". billing.md §2 rule 4.
pub(crate) fn drug_points_fine(amount: i128) -> i128 {
    let fifteen = 15 * FINE_PER_YEN;
    if amount <= fifteen {
        1
    } else {
        let ten = 10 * FINE_PER_YEN;
        (amount - fifteen + ten - 1) / ten + 1
    }
}

/// 薬剤料 (投薬 F200 / 注射 G100): 15円以下 1点; above, 1点 + ⌈(薬価 − 15円) / 10円⌉.
/// 15.00円 → 1, 15.01円 → 2, 25.00円 → 2, 25.01円 → 3.
pub fn drug_points(price: Sen) -> Points {
    Points(drug_points_fine(i128::from(price.0) * i128::from(Quantity::SCALE)) as i64)
}

/// 処置 (J300) and 検査 (D500) drugs, exact amount: the same steps as [`drug_points`], but
/// "注1 薬価が15円以下である場合は、算定しない" (https://mfeesw.com/?page_id=60280), so 0.
pub(crate) fn treatment_drug_points_fine(amount: i128) -> i128 {
    if amount <= 15 * FINE_PER_YEN {
        0
    } else {
        drug_points_fine(amount)
    }
}

/// 処置の薬剤 (J300): 0 when 15円以下 (not billed), otherwise as [`drug_points`].
pub fn treatment_drug_points(price: Sen) -> Points {
    Points(treatment_drug_points_fine(i128::from(price.0) * i128::from(Quantity::SCALE)) as i64)
}

/// 特定保険医療材料, exact amount: "材料価格を10円で除して得た点数" (G200 / J400), 1点未満の端数は
/// 四捨五入 (the brief's reading; the general rule for fractions of a point in
/// 診療報酬の算定方法 — verify against the 2024 告示 text).
pub(crate) fn material_points_fine(amount: i128) -> i128 {
    let ten = 10 * FINE_PER_YEN;
    (amount + ten / 2) / ten
}

/// 特定保険医療材料: 材料価格 ÷ 10円, 四捨五入 (14.99円 → 1, 15.00円 → 2).
pub fn material_points(price: Sen) -> Points {
    Points(material_points_fine(i128::from(price.0) * i128::from(Quantity::SCALE)) as i64)
}

/// 所定点数の `percent`/100, 1点未満 四捨五入 (used for the 7種類以上 内服薬 reduction, 90/100).
pub fn percent_of(points: Points, percent: u8) -> Points {
    let scaled = (i128::from(points.0) * i128::from(percent) + 50).div_euclid(100);
    // |result| ≤ |points| for percent ≤ 100; saturate above that instead of panicking.
    Points(i64::try_from(scaled).unwrap_or(if scaled < 0 { i64::MIN } else { i64::MAX }))
}

/// 一部負担金 rounding at the window — 健康保険法第75条 (国民健康保険法第42条の2 同旨):
/// "五円未満の端数があるときは、これを切り捨て、五円以上十円未満の端数があるときは、これを十円に
/// 切り上げる". billing.md §2 rule 2. 1,053 → 1,050; 187 → 190; 5 → 10; 4 → 0.
pub fn round_copay(yen: i64) -> Yen {
    let rest = yen.rem_euclid(10);
    if rest < 5 {
        Yen(yen - rest)
    } else {
        Yen(yen - rest + 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copay_rounding_follows_article_75() {
        for (raw, want) in [
            (1_053, 1_050),
            (561, 560),
            (374, 370),
            (187, 190),
            (1_674, 1_670),
            (5, 10),
            (4, 0),
            (0, 0),
            (10, 10),
            (792, 790),
            (351, 350),
            (700, 700),
        ] {
            assert_eq!(round_copay(raw), Yen(want), "{raw}");
        }
    }

    #[test]
    fn drug_points_at_the_15_yen_and_10_yen_steps() {
        for (sen, want) in [
            (0, 1),
            (1, 1),
            (1_500, 1),
            (1_501, 2),
            (2_500, 2),
            (2_501, 3),
            (3_500, 3),
            (3_501, 4),
            (5_970, 6), // C3 Rp2: 29.4 + 30.3 = 59.7円 → 6点
            (1_010, 1), // C3 Rp1: 10.1円 → 1点
            (20_700, 21),
        ] {
            assert_eq!(drug_points(Sen(sen)), Points(want), "{sen} sen");
        }
    }

    #[test]
    fn treatment_drugs_of_15_yen_or_less_are_not_billed() {
        assert_eq!(treatment_drug_points(Sen(1_500)), Points(0));
        assert_eq!(treatment_drug_points(Sen(1_501)), Points(2));
        assert_eq!(treatment_drug_points(Sen(2_500)), Points(2));
    }

    #[test]
    fn material_points_round_half_up() {
        assert_eq!(material_points(Sen(1_499)), Points(1));
        assert_eq!(material_points(Sen(1_500)), Points(2));
        assert_eq!(material_points(Sen(4)), Points(0));
        assert_eq!(material_points(Sen(12_345)), Points(12));
    }

    #[test]
    fn exact_fractions_of_a_sen_are_kept() {
        // 0.125 of a 10.10円 tablet = 1.2625円; 12 × that = 15.15円 → 2点 (not 1).
        let a = fine_amount(Sen(1_010), Quantity::from_thousandths(125)) * 12;
        assert_eq!(drug_points_fine(a), 2);
    }

    #[test]
    fn quantities_parse_and_print_exactly() {
        assert_eq!(
            Quantity::parse("1.5"),
            Some(Quantity::from_thousandths(1_500))
        );
        assert_eq!(Quantity::parse("3"), Some(Quantity::units(3)));
        assert_eq!(
            Quantity::parse(".25"),
            Some(Quantity::from_thousandths(250))
        );
        assert_eq!(Quantity::parse("0.0001"), None);
        assert_eq!(Quantity::parse("-1"), None);
        assert_eq!(Quantity::parse(""), None);
        assert_eq!(Quantity::units(3).to_string(), "3");
        assert_eq!(Quantity::from_thousandths(1_250).to_string(), "1.25");
        let q: Quantity = serde_json::from_str("0.1").unwrap();
        assert_eq!(q, Quantity::from_thousandths(100));
        let q: Quantity = serde_json::from_str("\"2.5\"").unwrap();
        assert_eq!(serde_json::to_string(&q).unwrap(), "\"2.5\"");
        let q: Quantity = serde_json::from_str("2").unwrap();
        assert_eq!(q, Quantity::units(2));
        assert_eq!(Sen::parse("10.10"), Some(Sen(1_010)));
        assert_eq!(Sen::parse("291.00"), Some(Sen(29_100)));
        assert_eq!(Sen::parse("0.5"), Some(Sen(50)));
        assert_eq!(Sen::parse("1.234"), None);
        assert_eq!(Sen::from(Hundredths(980)), Sen(980));
        assert_eq!(Sen(1_010).to_string(), "10.10円");
    }

    #[test]
    fn ninety_percent_rounds_half_up() {
        assert_eq!(percent_of(Points(1), 90), Points(1));
        assert_eq!(percent_of(Points(5), 90), Points(5)); // 4.5 → 5
        assert_eq!(percent_of(Points(6), 90), Points(5)); // 5.4 → 5
        assert_eq!(percent_of(Points(15), 90), Points(14)); // 13.5 → 14
    }
}
