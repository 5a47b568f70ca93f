//! The レセプト電算処理 claim file (`RECEIPTC.UKE`, 医科): typed records, a writer
//! ([`UkeFile::to_bytes`]), a reader ([`read_uke`]) and the invariants a writer must keep
//! ([`UkeFile::check`]). Pure: no IO, no clock, no randomness.
//!
//! Source: 「オンライン又は光ディスク等による請求に係る記録条件仕様（医科用） 令和４年４月版」
//! (社会保険診療報酬支払基金 別添1-1, 令和5年3月13日更新), summarised with line references in
//! `../shared/reference/uke/UKE_LAYOUT.md`. Item numbers (`RE 項目12`) count the レコード識別情報
//! as 項目1, as the `layout` tables do.
//!
//! The file (第1章 3(3)): Shift_JIS, one record a line, CR LF after each, one EOF byte (0x1A)
//! after the last; comma-separated, never quoted; IR first, then each レセプト (RE, HO, KO…, SN,
//! JD, MF, GR, SY…, SI/IY/TO/CO…, SJ…, 臓器提供者レセプト情報), then GO.
//!
//! Choices where the format leaves room or Karte does not go:
//! - Dates are written in 西暦 (令和4年4月版 3(3)ウ(エ)); 和暦 `GYYMMDD`/`GYYMM` files are read too.
//! - Records Karte does not model are kept as [`RawRecord`]s at their place, and written back
//!   unchanged: among RE…MF (e.g. GR 包括評価対象外理由) in [`ClaimRecords::other_header`],
//!   among the SI/IY/TO/CO lines as [`ClaimLine::Other`], after the lines and SJ in
//!   [`ClaimRecords::other`]. From a TI, TR or TS record (臓器提供者レセプト情報, 第1章 3(3)ア(キ))
//!   to the next RE, every record, SY and SI included, is the donor's and stays raw in `other`.
//! - 予備 fields are neither kept nor written: the spec says 記録を省略する. Anything an older file
//!   has in one (the 記録条件仕様年月 of RE 項目20, say) is read past.
//! - Text the format cannot carry is never written as is: a comma becomes `，`, a line break or
//!   other control character a space, a character outside JIS X 0201/0208 `■`; `check` reports
//!   each such field (see `write.rs`).
//! - GO 総件数 counts one per HO and one per KO, as 第1章 3(4)ク 注 says (医保+公費 is 2 件), and
//!   総合計点数 adds each claim's 主保険 合計点数 ([`ClaimRecords::count`], [`ClaimRecords::main_points`]).
//! - MF is a list: the spec allows several (複数 可※3), though only one 区分 is recorded for now.
//! - Only 医科 files are typed. A file whose IR says another 点数表 (別表3: 3 歯科, 4 調剤 …) has
//!   different RE, HO and line layouts; [`read_uke`] names it ([`UkeErrorKind::NotMedical`])
//!   rather than misread it, and [`read_records`] reads any of them as raw records.

mod check;
mod error;
pub(crate) mod layout;
mod read;
mod values;
mod write;

pub use check::{UkeProblem, UkeProblemKind};
pub use error::{UkeError, UkeErrorKind, UkeFieldRef};
pub use read::{
    read_records, read_uke, UkeLine, MAX_FIELDS, MAX_FIELDS_ANY, MAX_FILE_BYTES, MAX_LINE_BYTES,
    MAX_RECORDS,
};
pub use values::{
    day_total, DayCounts, DeviceAmount, DevicePrice, DrugAmount, UkeDate, UkeDecimal, UkeMonth,
};

use serde::{Deserialize, Serialize};

/// A whole UKE file: one volume of one institution's claims for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UkeFile {
    /// IR 医療機関情報レコード (the first record).
    pub institution: IrRecord,
    /// The レセプト, in the file's order (RE レセプト番号 1, 2, …).
    pub claims: Vec<ClaimRecords>,
    /// GO 診療報酬請求書レコード (the last record).
    pub totals: GoRecord,
}

impl UkeFile {
    /// A single-volume file (IR マルチボリューム識別情報 as given, GO "99") with GO's 総件数 and
    /// 総合計点数 computed from `claims` ([`GoRecord::single_volume`]).
    pub fn new(institution: IrRecord, claims: Vec<ClaimRecords>) -> Self {
        let totals = GoRecord::single_volume(&claims);
        Self {
            institution,
            claims,
            totals,
        }
    }

    /// Recomputes GO 総件数 and 総合計点数 from the claims (after claims were added or changed).
    pub fn fill_totals(&mut self) {
        let computed = GoRecord::single_volume(&self.claims);
        self.totals.claim_count = computed.claim_count;
        self.totals.total_points = computed.total_points;
    }
}

/// One レセプト: its RE record and everything up to the next RE (or GO), by section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecords {
    /// RE レセプト共通レコード.
    pub re: ReRecord,
    /// HO 保険者レコード: for 医療保険 (医保/国保/後期高齢者) claims; none for 公費単独.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ho: Option<HoRecord>,
    /// KO 公費レコード: 第一公費 first (法別番号 順位), at most four.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ko: Vec<KoRecord>,
    /// SN 資格確認レコード (one per HO when a 医療機関 claims, 令和3年9月診療分から).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sn: Vec<SnRecord>,
    /// JD 受診日等レコード, one per 負担者.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jd: Vec<JdRecord>,
    /// MF 窓口負担額レコード. The spec allows several (記録 任意, 複数 可※3), though for now only
    /// the 一部負担金 区分 is recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mf: Vec<MfRecord>,
    /// Records Karte does not model found among RE…MF (GR 包括評価対象外理由, say); written after
    /// MF and before SY, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_header: Vec<RawRecord>,
    /// SY 傷病名レコード, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sy: Vec<SyRecord>,
    /// 摘要: SI, IY, TO and CO records in file order (a 点数・回数算定単位 is several records in a
    /// row; a CO belongs to the line before it), with any record Karte does not model among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ClaimLine>,
    /// SJ 症状詳記レコード, one per paragraph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sj: Vec<SjRecord>,
    /// Records after the lines and SJ: 臓器提供者レセプト情報 (TI, TR, TS and the SY…SJ records of
    /// the donor) and any record Karte does not model; written last, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<RawRecord>,
}

impl ClaimRecords {
    /// A claim with only its RE record.
    pub fn new(re: ReRecord) -> Self {
        Self {
            re,
            ho: None,
            ko: Vec::new(),
            sn: Vec::new(),
            jd: Vec::new(),
            mf: Vec::new(),
            other_header: Vec::new(),
            sy: Vec::new(),
            lines: Vec::new(),
            sj: Vec::new(),
            other: Vec::new(),
        }
    }

    /// 合計点数 of the 主保険: HO's, or the first KO's for a 公費 claim without HO (第1章 3(4)ク
    /// 診療報酬請求書レコード 注3). An empty 合計点数 counts as 0.
    pub fn main_points(&self) -> u64 {
        let points = match (&self.ho, self.ko.first()) {
            (Some(ho), _) => ho.points,
            (None, Some(ko)) => ko.points,
            (None, None) => None,
        };
        u64::from(points.unwrap_or(0))
    }

    /// How many レセプト件数 this claim is for GO 総件数 (第1章 3(4)ク 注 table): one for the
    /// 医療保険 and one for each 公費 (医保単独 1, 医保+公費 2–5, 公費単独 1, 公費併用 2–4).
    pub fn count(&self) -> u64 {
        u64::from(self.ho.is_some()) + self.ko.len() as u64
    }
}

/// IR 医療機関情報レコード (第1章 3(4)ア(ア)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IrRecord {
    /// 審査支払機関 (項目2, 別表1: "1" 支払基金, "2" 国保連合会).
    pub payer: String,
    /// 都道府県 (項目3, 別表2: "13" 東京).
    pub prefecture: String,
    /// 点数表 (項目4, 別表3: "1" 医科).
    pub score_table: String,
    /// 医療機関コード (項目5, 7 digits).
    pub institution_code: String,
    /// 医療機関名称 (項目7, 漢字 40 bytes).
    pub name: String,
    /// 請求年月 (項目8).
    pub billing_month: UkeMonth,
    /// マルチボリューム識別情報 (項目9: "00" for the first or only volume).
    pub volume: String,
    /// 電話番号 (項目10, 任意).
    #[serde(default)]
    pub phone: String,
}

/// RE レセプト共通レコード (第1章 3(4)イ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReRecord {
    /// レセプト番号 (項目2): 1, 2, … in file order.
    pub claim_number: u32,
    /// レセプト種別 (項目3, 別表5: "1112" 医科・医保単独・本人・入院外).
    pub claim_kind: String,
    /// 診療年月 (項目4).
    pub service_month: UkeMonth,
    /// 氏名 (項目5: 姓 and 名 with one space; 英数 40 or 漢字 20 characters).
    pub name: String,
    /// 男女区分 (項目6, 別表6: "1" 男, "2" 女).
    pub sex: String,
    /// 生年月日 (項目7).
    pub birth_date: UkeDate,
    /// 給付割合 (項目8, %): 国保・退職者医療 only.
    #[serde(default)]
    pub benefit_percent: Option<u16>,
    /// 入院年月日 (項目9): 入院 only.
    #[serde(default)]
    pub admission_date: Option<UkeDate>,
    /// 病棟区分 (項目10, 別表7): two-character codes in the order moved, at most four.
    #[serde(default)]
    pub wards: Vec<String>,
    /// 一部負担金・食事療養費・生活療養費標準負担額区分 (項目11, 別表8).
    #[serde(default)]
    pub burden_class: String,
    /// レセプト特記事項 (項目12, 別表9): two-character codes, at most five.
    #[serde(default)]
    pub special_notes: Vec<String>,
    /// 病床数 (項目13).
    #[serde(default)]
    pub beds: Option<u16>,
    /// カルテ番号等 (項目14, 英数 20, 任意).
    #[serde(default)]
    pub chart_number: String,
    /// 割引点数単価 (項目15).
    #[serde(default)]
    pub discount_unit_price: Option<u16>,
    /// 検索番号 (項目19, 17–30 digits): 返戻 and 再請求 only.
    #[serde(default)]
    pub search_number: String,
    /// 請求情報 (項目21, 任意).
    #[serde(default)]
    pub claim_info: String,
    /// 診療科1–3 (項目22–36).
    #[serde(default)]
    pub departments: [Department; 3],
    /// カタカナ（氏名） (項目37, 全角カタカナ, no space between 姓 and 名).
    #[serde(default)]
    pub kana: String,
    /// 患者の状態 (項目38, 別表27): three-digit codes, at most twenty.
    #[serde(default)]
    pub patient_states: Vec<String>,
}

/// 診療科 (RE 項目22–26, 27–31, 32–36): codes of 別表10–14, all 任意.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Department {
    /// 診療科名 (別表10, 2 digits).
    #[serde(default)]
    pub name: String,
    /// 人体の部位等 (別表11).
    #[serde(default)]
    pub body_part: String,
    /// 性別等 (別表12).
    #[serde(default)]
    pub sex: String,
    /// 医学的処置 (別表13).
    #[serde(default)]
    pub treatment: String,
    /// 特定疾病 (別表14).
    #[serde(default)]
    pub disease: String,
}

/// HO 保険者レコード (第1章 3(4)ウ(ア)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoRecord {
    /// 保険者番号 (項目2), without padding: the writer puts the leading spaces that make a shorter
    /// number (国保's six digits) eight characters, and the reader takes them off.
    pub insurer_number: String,
    /// 被保険者証（手帳）等の記号 (項目3).
    #[serde(default)]
    pub card_symbol: String,
    /// 被保険者証（手帳）等の番号 (項目4).
    #[serde(default)]
    pub card_number: String,
    /// 診療実日数 (項目5).
    #[serde(default)]
    pub days: Option<u16>,
    /// 合計点数 (項目6, 点).
    #[serde(default)]
    pub points: Option<u32>,
    /// 食事療養・生活療養 回数 (項目8): 入院 only.
    #[serde(default)]
    pub meal_count: Option<u16>,
    /// 食事療養・生活療養 合計金額 (項目9, 円): 入院 only.
    #[serde(default)]
    pub meal_yen: Option<u32>,
    /// 職務上の事由 (項目10, 別表15).
    #[serde(default)]
    pub occupational: String,
    /// 証明書番号 (項目11): 国保の一部負担金減額・免除・徴収猶予証明書.
    #[serde(default)]
    pub certificate_number: Option<u16>,
    /// 負担金額 医療保険 (項目12, 円).
    #[serde(default)]
    pub patient_share_yen: Option<u32>,
    /// 減免区分 (項目13, 別表16).
    #[serde(default)]
    pub reduction_class: String,
    /// 減額割合 (項目14, %).
    #[serde(default)]
    pub reduction_percent: Option<u16>,
    /// 減額金額 (項目15, 円).
    #[serde(default)]
    pub reduction_yen: Option<u32>,
}

/// KO 公費レコード (第1章 3(4)ウ(イ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KoRecord {
    /// 公費負担者番号 (項目2, 8 characters).
    pub payer_number: String,
    /// 公費受給者番号 (項目3): seven digits, zero-padded by the writer and the reader (empty for
    /// 法別30 医療観察法).
    #[serde(default)]
    pub recipient_number: String,
    /// 任意給付区分 (項目4: "1" when a 国保 公費負担者 has 任意給付).
    #[serde(default)]
    pub optional_benefit: String,
    /// 診療実日数 (項目5).
    #[serde(default)]
    pub days: Option<u16>,
    /// 合計点数 (項目6, 点).
    #[serde(default)]
    pub points: Option<u32>,
    /// 負担金額 公費 (項目7, 円): the patient's share the 医療券 states.
    #[serde(default)]
    pub patient_share_yen: Option<u32>,
    /// 公費給付対象外来一部負担金 (項目8, 円).
    #[serde(default)]
    pub outpatient_covered_yen: Option<u32>,
    /// 公費給付対象入院一部負担金 (項目9, 円).
    #[serde(default)]
    pub inpatient_covered_yen: Option<u32>,
    /// 食事療養・生活療養 回数 (項目11).
    #[serde(default)]
    pub meal_count: Option<u16>,
    /// 食事療養・生活療養 合計金額 (項目12, 円).
    #[serde(default)]
    pub meal_yen: Option<u32>,
}

/// SN 資格確認レコード (第1章 3(4)ウ(ウ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnRecord {
    /// 負担者種別 (項目2, 別表28: "1" 医療保険, "2"–"5" 第一–第四公費).
    pub payer_kind: String,
    /// 確認区分 (項目3, 別表29: "01" 保険医療機関・薬局窓口等).
    pub confirmation: String,
    /// 保険者番号等（資格確認） (項目4): 審査支払機関 only (記録を省略する).
    #[serde(default)]
    pub checked_insurer_number: String,
    /// 被保険者証（手帳）等の記号（資格確認） (項目5): 審査支払機関 only.
    #[serde(default)]
    pub checked_card_symbol: String,
    /// 被保険者証（手帳）等の番号（資格確認） (項目6): 審査支払機関 only.
    #[serde(default)]
    pub checked_card_number: String,
    /// 枝番 (項目7): two characters, zero-padded by the writer and the reader.
    #[serde(default)]
    pub branch: String,
    /// 受給者番号 (項目8): 審査支払機関 only.
    #[serde(default)]
    pub checked_recipient_number: String,
}

/// JD 受診日等レコード (第1章 3(4)ウ(エ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JdRecord {
    /// 負担者種別 (項目2, 別表28).
    pub payer_kind: String,
    /// 1日–31日の情報 (項目3–33, 別表30 受診等区分: 1 実日数に計上, 2 計上しない, 9 不一致).
    pub days: [Option<u8>; 31],
}

/// MF 窓口負担額レコード (第1章 3(4)ウ(オ)); its 予備1–31 are not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfRecord {
    /// 窓口負担額区分 (項目2, 別表31: "00"–"04").
    pub window_class: String,
}

/// SY 傷病名レコード (第1章 3(4)エ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyRecord {
    /// 傷病名コード (項目2, 7 digits; "0000999" 未コード化傷病名).
    pub disease_code: String,
    /// 診療開始日 (項目3).
    pub start_date: UkeDate,
    /// 転帰区分 (項目4, 別表18: "1" 継続, "2" 治ゆ, "3" 死亡, "4" 中止).
    pub outcome: String,
    /// 修飾語コード (項目5): four-character codes in order, at most twenty.
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// 傷病名称 (項目6): 未コード化傷病名 only.
    #[serde(default)]
    pub disease_name: String,
    /// 主傷病 (項目7, 別表19: "01").
    #[serde(default)]
    pub main: String,
    /// 補足コメント (項目8).
    #[serde(default)]
    pub note: String,
}

/// One of the three コメント pairs of SI, IY and TO: コメントコード (9 digits) and its 文字データ
/// (漢字 100 bytes). Both empty when unused.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineComment {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub text: String,
}

impl LineComment {
    pub fn is_empty(&self) -> bool {
        self.code.is_empty() && self.text.is_empty()
    }
}

/// SI 診療行為レコード (第1章 3(4)オ(ア)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiRecord {
    /// 診療識別 (項目2, 別表20: "11" 初診 …); empty on the records that continue a group.
    #[serde(default)]
    pub treatment_class: String,
    /// 負担区分 (項目3, 別表21: "1" 医保のみ …).
    pub burden: String,
    /// 診療行為コード (項目4, 9 digits).
    pub code: String,
    /// 数量データ (項目5): in the code's unit.
    #[serde(default)]
    pub quantity: Option<u32>,
    /// 点数 (項目6): on the last record of a 点数・回数算定単位 only.
    #[serde(default)]
    pub points: Option<u32>,
    /// 回数 (項目7): the sum of `days`.
    #[serde(default)]
    pub times: Option<u16>,
    /// コメント①–③ (項目8–13).
    #[serde(default)]
    pub comments: [LineComment; 3],
    /// 算定日情報 1日–31日 (項目14–44).
    pub days: DayCounts,
}

/// IY 医薬品レコード (第1章 3(4)オ(イ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IyRecord {
    /// 診療識別 (項目2, 別表20).
    #[serde(default)]
    pub treatment_class: String,
    /// 負担区分 (項目3, 別表21).
    pub burden: String,
    /// 医薬品コード (項目4, 9 digits).
    pub code: String,
    /// 使用量 (項目5): 整数部5桁・小数部5桁.
    #[serde(default)]
    pub amount: Option<DrugAmount>,
    /// 点数 (項目6): on the last record of the 剤 only.
    #[serde(default)]
    pub points: Option<u32>,
    /// 回数 (項目7): the sum of `days`.
    #[serde(default)]
    pub times: Option<u16>,
    /// コメント①–③ (項目8–13).
    #[serde(default)]
    pub comments: [LineComment; 3],
    /// 算定日情報 1日–31日 (項目14–44).
    pub days: DayCounts,
}

/// TO 特定器材レコード (第1章 3(4)オ(ウ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToRecord {
    /// 診療識別 (項目2, 別表20).
    #[serde(default)]
    pub treatment_class: String,
    /// 負担区分 (項目3, 別表21).
    pub burden: String,
    /// 特定器材コード (項目4, 9 digits).
    pub code: String,
    /// 使用量 (項目5): 整数部5桁・小数部3桁.
    #[serde(default)]
    pub amount: Option<DeviceAmount>,
    /// 点数 (項目6).
    #[serde(default)]
    pub points: Option<u32>,
    /// 回数 (項目7): the sum of `days`.
    #[serde(default)]
    pub times: Option<u16>,
    /// 単位コード (項目8, 別表22).
    #[serde(default)]
    pub unit_code: String,
    /// 単価 (項目9, 円: 整数部8桁・小数部2桁): 購入価格により算定する特定器材 only.
    #[serde(default)]
    pub unit_price: Option<DevicePrice>,
    /// 商品名及び規格又はサイズ (項目11, 漢字 300 bytes).
    #[serde(default)]
    pub product_name: String,
    /// コメント①–③ (項目12–17).
    #[serde(default)]
    pub comments: [LineComment; 3],
    /// 算定日情報 1日–31日 (項目18–48).
    pub days: DayCounts,
}

/// CO コメントレコード (第1章 3(4)オ(エ)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoRecord {
    /// 診療識別 (項目2, 別表20).
    #[serde(default)]
    pub treatment_class: String,
    /// 負担区分 (項目3, 別表21).
    pub burden: String,
    /// コメントコード (項目4, 9 digits).
    pub code: String,
    /// 文字データ (項目5, 漢字 76 bytes).
    #[serde(default)]
    pub text: String,
}

/// SJ 症状詳記レコード (第1章 3(4)カ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SjRecord {
    /// 症状詳記区分 (項目2, 別表23: "01" …); empty on a record continuing the same 区分.
    #[serde(default)]
    pub kind: String,
    /// 症状詳記データ (項目3, 漢字 2400 bytes): one paragraph.
    pub text: String,
}

/// GO 診療報酬請求書レコード (第1章 3(4)ク).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoRecord {
    /// 総件数 (項目2): Σ [`ClaimRecords::count`]; omitted on a volume that is not the last.
    #[serde(default)]
    pub claim_count: Option<u32>,
    /// 総合計点数 (項目3): Σ [`ClaimRecords::main_points`]; omitted likewise.
    #[serde(default)]
    pub total_points: Option<u64>,
    /// マルチボリューム識別情報 (項目4): "99" for a single (or the last) volume.
    pub volume: String,
}

impl GoRecord {
    /// The GO record of a file that holds all of `claims` in one volume.
    pub fn single_volume(claims: &[ClaimRecords]) -> Self {
        let count: u64 = claims.iter().map(ClaimRecords::count).sum();
        Self {
            claim_count: Some(u32::try_from(count).unwrap_or(u32::MAX)),
            total_points: Some(claims.iter().map(ClaimRecords::main_points).sum()),
            volume: "99".into(),
        }
    }
}

/// A 摘要 record, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimLine {
    Si(SiRecord),
    Iy(IyRecord),
    To(ToRecord),
    Co(CoRecord),
    /// A record Karte does not model, found among the lines.
    Other(RawRecord),
}

impl ClaimLine {
    /// The 診療行為・医薬品・特定器材コード of an SI, IY or TO record.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Si(r) => Some(&r.code),
            Self::Iy(r) => Some(&r.code),
            Self::To(r) => Some(&r.code),
            Self::Co(_) | Self::Other(_) => None,
        }
    }

    /// 点数 of an SI, IY or TO record (set on the last record of a 算定単位).
    pub fn points(&self) -> Option<u32> {
        match self {
            Self::Si(r) => r.points,
            Self::Iy(r) => r.points,
            Self::To(r) => r.points,
            Self::Co(_) | Self::Other(_) => None,
        }
    }

    /// 診療識別 (empty on a record continuing its group, and on a raw record).
    pub fn treatment_class(&self) -> &str {
        match self {
            Self::Si(r) => &r.treatment_class,
            Self::Iy(r) => &r.treatment_class,
            Self::To(r) => &r.treatment_class,
            Self::Co(r) => &r.treatment_class,
            Self::Other(_) => "",
        }
    }

    /// 負担区分 (別表21); none on a raw record.
    pub fn burden(&self) -> Option<&str> {
        match self {
            Self::Si(r) => Some(&r.burden),
            Self::Iy(r) => Some(&r.burden),
            Self::To(r) => Some(&r.burden),
            Self::Co(r) => Some(&r.burden),
            Self::Other(_) => None,
        }
    }

    /// The record identifier ("SI", "IY", "TO", "CO", or the raw record's).
    pub fn kind(&self) -> &str {
        match self {
            Self::Si(_) => "SI",
            Self::Iy(_) => "IY",
            Self::To(_) => "TO",
            Self::Co(_) => "CO",
            Self::Other(raw) => &raw.kind,
        }
    }
}

/// A record Karte does not model (GR, TI, TR, TS, a later spec's new record …), kept as read and
/// written back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRecord {
    /// レコード識別情報 (two characters, "GR").
    pub kind: String,
    /// The fields after it (項目2 onwards), as read.
    pub fields: Vec<String>,
}

#[cfg(test)]
mod tests;
