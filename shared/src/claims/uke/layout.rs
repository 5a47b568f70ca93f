//! The field layouts of the records Karte types, as the 記録条件仕様（医科）令和4年4月版
//! (支払基金 別添1-1, 令和5年3月13日更新) 第1章 3(4) gives them: for each 項目, in order, its name,
//! モード, 最大バイト and 項目形式 (固定/可変). Item numbers in this module count the レコード識別情報
//! as 項目1, so `RE 項目12` is the 12th comma-separated field (レセプト特記事項). The reader, the
//! writer and [`super::UkeFile::check`] all use these tables.

/// モード: which characters a field holds (第1章 3(3)ウ(ウ)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// 英数: half-width (one byte) characters.
    Alnum,
    /// 数字: half-width digits.
    Digits,
    /// 数字 with a decimal point: 使用量 (IY, TO) and 単価 (TO).
    Decimal,
    /// 漢字: full-width (two byte) characters.
    Kanji,
    /// 英数又は漢字: one or the other, not both in one field.
    Either,
}

/// One 項目 of a record layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldSpec {
    /// The spec's name for it (Japanese), used in errors and problems.
    pub name: &'static str,
    pub mode: Mode,
    /// 最大バイト (in Shift_JIS).
    pub max: usize,
    /// 固定: written with exactly `max` bytes.
    pub fixed: bool,
}

const fn fixed(name: &'static str, mode: Mode, max: usize) -> FieldSpec {
    FieldSpec {
        name,
        mode,
        max,
        fixed: true,
    }
}

const fn var(name: &'static str, mode: Mode, max: usize) -> FieldSpec {
    FieldSpec {
        name,
        mode,
        max,
        fixed: false,
    }
}

use Mode::{Alnum, Decimal, Digits, Either, Kanji};

const KIND: FieldSpec = fixed("レコード識別情報", Alnum, 2);

/// The names of the 31 day columns (算定日情報 / 受診日等).
const DAYS: [&str; 31] = [
    "1日の情報",
    "2日の情報",
    "3日の情報",
    "4日の情報",
    "5日の情報",
    "6日の情報",
    "7日の情報",
    "8日の情報",
    "9日の情報",
    "10日の情報",
    "11日の情報",
    "12日の情報",
    "13日の情報",
    "14日の情報",
    "15日の情報",
    "16日の情報",
    "17日の情報",
    "18日の情報",
    "19日の情報",
    "20日の情報",
    "21日の情報",
    "22日の情報",
    "23日の情報",
    "24日の情報",
    "25日の情報",
    "26日の情報",
    "27日の情報",
    "28日の情報",
    "29日の情報",
    "30日の情報",
    "31日の情報",
];

/// `head` followed by 31 fields built by `day` from the day names.
const fn with_days<const N: usize, const H: usize>(
    head: [FieldSpec; H],
    mode: Mode,
    max: usize,
    reserved: bool,
) -> [FieldSpec; N] {
    let mut out = [KIND; N];
    let mut i = 0;
    while i < H {
        out[i] = head[i];
        i += 1;
    }
    let mut d = 0;
    while d < 31 && H + d < N {
        out[H + d] = var(if reserved { "予備" } else { DAYS[d] }, mode, max);
        d += 1;
    }
    out
}

/// IR 医療機関情報レコード (第1章 3(4)ア(ア)).
pub(crate) const IR: [FieldSpec; 10] = [
    KIND,
    fixed("審査支払機関", Digits, 1),
    fixed("都道府県", Digits, 2),
    fixed("点数表", Digits, 1),
    fixed("医療機関コード", Digits, 7),
    var("予備", Digits, 2),
    var("医療機関名称", Kanji, 40),
    fixed("請求年月", Digits, 6),
    fixed("マルチボリューム識別情報", Digits, 2),
    var("電話番号", Alnum, 15),
];

/// RE レセプト共通レコード (第1章 3(4)イ).
pub(crate) const RE: [FieldSpec; 38] = [
    KIND,
    var("レセプト番号", Digits, 6),
    fixed("レセプト種別", Digits, 4),
    fixed("診療年月", Digits, 6),
    var("氏名", Either, 40),
    fixed("男女区分", Digits, 1),
    fixed("生年月日", Digits, 8),
    var("給付割合", Digits, 3),
    var("入院年月日", Digits, 8),
    var("病棟区分", Alnum, 8),
    var(
        "一部負担金・食事療養費・生活療養費標準負担額区分",
        Digits,
        1,
    ),
    var("レセプト特記事項", Alnum, 10),
    var("病床数", Digits, 4),
    var("カルテ番号等", Alnum, 20),
    var("割引点数単価", Digits, 2),
    var("予備", Digits, 1),
    var("予備", Digits, 1),
    var("予備", Digits, 2),
    var("検索番号", Digits, 30),
    var("予備", Digits, 5),
    var("請求情報", Either, 40),
    var("診療科1 診療科名", Digits, 2),
    var("診療科1 人体の部位等", Digits, 3),
    var("診療科1 性別等", Digits, 3),
    var("診療科1 医学的処置", Digits, 3),
    var("診療科1 特定疾病", Digits, 3),
    var("診療科2 診療科名", Digits, 2),
    var("診療科2 人体の部位等", Digits, 3),
    var("診療科2 性別等", Digits, 3),
    var("診療科2 医学的処置", Digits, 3),
    var("診療科2 特定疾病", Digits, 3),
    var("診療科3 診療科名", Digits, 2),
    var("診療科3 人体の部位等", Digits, 3),
    var("診療科3 性別等", Digits, 3),
    var("診療科3 医学的処置", Digits, 3),
    var("診療科3 特定疾病", Digits, 3),
    var("カタカナ（氏名）", Kanji, 80),
    var("患者の状態", Digits, 60),
];

/// HO 保険者レコード (第1章 3(4)ウ(ア)).
pub(crate) const HO: [FieldSpec; 15] = [
    KIND,
    fixed("保険者番号", Alnum, 8),
    var("被保険者証（手帳）等の記号", Either, 38),
    var("被保険者証（手帳）等の番号", Either, 38),
    var("診療実日数", Digits, 2),
    var("合計点数", Digits, 8),
    var("予備", Digits, 5),
    var("食事療養・生活療養 回数", Digits, 2),
    var("食事療養・生活療養 合計金額", Digits, 8),
    var("職務上の事由", Digits, 1),
    var("証明書番号", Digits, 3),
    var("負担金額 医療保険", Digits, 9),
    var("減免区分", Digits, 1),
    var("減額割合", Digits, 3),
    var("減額金額", Digits, 6),
];

/// KO 公費レコード (第1章 3(4)ウ(イ)).
pub(crate) const KO: [FieldSpec; 12] = [
    KIND,
    fixed("公費負担者番号", Alnum, 8),
    var("公費受給者番号", Digits, 7),
    var("任意給付区分", Digits, 1),
    var("診療実日数", Digits, 2),
    var("合計点数", Digits, 8),
    var("負担金額 公費", Digits, 8),
    var("公費給付対象外来一部負担金", Digits, 6),
    var("公費給付対象入院一部負担金", Digits, 6),
    var("予備", Digits, 5),
    var("食事療養・生活療養 回数", Digits, 2),
    var("食事療養・生活療養 合計金額", Digits, 8),
];

/// SN 資格確認レコード (第1章 3(4)ウ(ウ)).
pub(crate) const SN: [FieldSpec; 9] = [
    KIND,
    fixed("負担者種別", Digits, 1),
    fixed("確認区分", Digits, 2),
    var("保険者番号等（資格確認）", Alnum, 8),
    var("被保険者証（手帳）等の記号（資格確認）", Either, 38),
    var("被保険者証（手帳）等の番号（資格確認）", Either, 38),
    var("枝番", Alnum, 2),
    var("受給者番号", Digits, 7),
    var("予備", Digits, 1),
];

/// JD 受診日等レコード (第1章 3(4)ウ(エ)): 負担者種別, then 1日–31日 (別表30 受診等区分).
pub(crate) const JD: [FieldSpec; 33] =
    with_days([KIND, fixed("負担者種別", Digits, 1)], Digits, 1, false);

/// MF 窓口負担額レコード (第1章 3(4)ウ(オ)): 窓口負担額区分, then 予備1–31 (数字 9, 省略).
pub(crate) const MF: [FieldSpec; 33] =
    with_days([KIND, fixed("窓口負担額区分", Digits, 2)], Digits, 9, true);

/// SY 傷病名レコード (第1章 3(4)エ).
pub(crate) const SY: [FieldSpec; 8] = [
    KIND,
    fixed("傷病名コード", Digits, 7),
    fixed("診療開始日", Digits, 8),
    fixed("転帰区分", Digits, 1),
    var("修飾語コード", Alnum, 80),
    var("傷病名称", Kanji, 40),
    var("主傷病", Digits, 2),
    var("補足コメント", Kanji, 40),
];

const COMMENTS: [FieldSpec; 6] = [
    var("コメントコード①", Digits, 9),
    var("文字データ①", Kanji, 100),
    var("コメントコード②", Digits, 9),
    var("文字データ②", Kanji, 100),
    var("コメントコード③", Digits, 9),
    var("文字データ③", Kanji, 100),
];

/// SI 診療行為レコード (第1章 3(4)オ(ア)).
pub(crate) const SI: [FieldSpec; 44] = with_days(
    [
        KIND,
        var("診療識別", Digits, 2),
        fixed("負担区分", Alnum, 1),
        fixed("診療行為コード", Digits, 9),
        var("数量データ", Digits, 8),
        var("点数", Digits, 7),
        var("回数", Digits, 3),
        COMMENTS[0],
        COMMENTS[1],
        COMMENTS[2],
        COMMENTS[3],
        COMMENTS[4],
        COMMENTS[5],
    ],
    Digits,
    3,
    false,
);

/// IY 医薬品レコード (第1章 3(4)オ(イ)).
pub(crate) const IY: [FieldSpec; 44] = with_days(
    [
        KIND,
        var("診療識別", Digits, 2),
        fixed("負担区分", Alnum, 1),
        fixed("医薬品コード", Digits, 9),
        var("使用量", Decimal, 11),
        var("点数", Digits, 7),
        var("回数", Digits, 3),
        COMMENTS[0],
        COMMENTS[1],
        COMMENTS[2],
        COMMENTS[3],
        COMMENTS[4],
        COMMENTS[5],
    ],
    Digits,
    3,
    false,
);

/// TO 特定器材レコード (第1章 3(4)オ(ウ)).
pub(crate) const TO: [FieldSpec; 48] = with_days(
    [
        KIND,
        var("診療識別", Digits, 2),
        fixed("負担区分", Alnum, 1),
        fixed("特定器材コード", Digits, 9),
        var("使用量", Decimal, 9),
        var("点数", Digits, 7),
        var("回数", Digits, 3),
        var("単位コード", Digits, 3),
        var("単価", Decimal, 11),
        var("予備", Kanji, 40),
        var("商品名及び規格又はサイズ", Kanji, 300),
        COMMENTS[0],
        COMMENTS[1],
        COMMENTS[2],
        COMMENTS[3],
        COMMENTS[4],
        COMMENTS[5],
    ],
    Digits,
    3,
    false,
);

/// CO コメントレコード (第1章 3(4)オ(エ)).
pub(crate) const CO: [FieldSpec; 5] = [
    KIND,
    var("診療識別", Digits, 2),
    fixed("負担区分", Alnum, 1),
    fixed("コメントコード", Digits, 9),
    var("文字データ", Kanji, 76),
];

/// SJ 症状詳記レコード (第1章 3(4)カ).
pub(crate) const SJ: [FieldSpec; 3] = [
    KIND,
    var("症状詳記区分", Digits, 2),
    var("症状詳記データ", Kanji, 2400),
];

/// GO 診療報酬請求書レコード (第1章 3(4)ク).
pub(crate) const GO: [FieldSpec; 4] = [
    KIND,
    var("総件数", Digits, 6),
    var("総合計点数", Digits, 10),
    fixed("マルチボリューム識別情報", Digits, 2),
];

/// The layout of a record kind Karte types; `None` for the others (kept as raw records).
pub(crate) fn layout(kind: &str) -> Option<&'static [FieldSpec]> {
    Some(match kind {
        "IR" => &IR,
        "RE" => &RE,
        "HO" => &HO,
        "KO" => &KO,
        "SN" => &SN,
        "JD" => &JD,
        "MF" => &MF,
        "SY" => &SY,
        "SI" => &SI,
        "IY" => &IY,
        "TO" => &TO,
        "CO" => &CO,
        "SJ" => &SJ,
        "GO" => &GO,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layouts_have_the_spec_field_counts_and_day_names() {
        assert_eq!(SI[13].name, "1日の情報");
        assert_eq!(SI[43].name, "31日の情報");
        assert_eq!(TO[17].name, "1日の情報");
        assert_eq!(TO[47].name, "31日の情報");
        assert_eq!(JD[2].name, "1日の情報");
        assert_eq!(MF[32].name, "予備");
        assert_eq!(MF[32].max, 9);
        assert_eq!(RE[11].name, "レセプト特記事項");
        assert!(layout("GR").is_none());
    }
}
