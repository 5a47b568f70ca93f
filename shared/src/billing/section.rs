//! 部: the groups the 領収証 and 明細書 total by (receipts.md §1.2, §3.3).

use serde::{Deserialize, Serialize};

/// One 部 of the 点数表 as printed on the 領収証 (保険 columns), in the order of 別紙様式1.
/// A 診療行為 belongs to the 部 of its コード表用番号 (master 項番90 章 / 91 部); a drug or a
/// material belongs to the 部 of the 行為 or 剤 it is used with (receipts.md §3.3, §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 初・再診料 (第1章第1部)
    InitialRevisit,
    /// 入院料等 (第1章第2部)
    Inpatient,
    /// 医学管理等 (第2章第1部)
    Management,
    /// 在宅医療 (第2部)
    HomeCare,
    /// 検査 (第3部)
    Tests,
    /// 画像診断 (第4部)
    Imaging,
    /// 投薬 (第5部; 処方箋料 included — receipts.md §1.3)
    Medication,
    /// 注射 (第6部)
    Injection,
    /// リハビリテーション (第7部)
    Rehabilitation,
    /// 精神科専門療法 (第8部)
    Psychiatry,
    /// 処置 (第9部)
    Treatment,
    /// 手術 (第10部)
    Surgery,
    /// 麻酔 (第11部)
    Anesthesia,
    /// 放射線治療 (第12部)
    Radiotherapy,
    /// 病理診断 (第13部)
    Pathology,
    /// その他 (第14部 and anything else). Which 領収証 row receives 第14部 is UNVERIFIED
    /// (receipts.md §1.3).
    Other,
}

impl Section {
    /// From the master's コード表用番号 章 (項番90) and 部 (項番91).
    pub fn from_chapter_part(chapter: u8, part: u8) -> Section {
        match (chapter, part) {
            (1, 1) => Self::InitialRevisit,
            (1, 2) => Self::Inpatient,
            (2, 1) => Self::Management,
            (2, 2) => Self::HomeCare,
            (2, 3) => Self::Tests,
            (2, 4) => Self::Imaging,
            (2, 5) => Self::Medication,
            (2, 6) => Self::Injection,
            (2, 7) => Self::Rehabilitation,
            (2, 8) => Self::Psychiatry,
            (2, 9) => Self::Treatment,
            (2, 10) => Self::Surgery,
            (2, 11) => Self::Anesthesia,
            (2, 12) => Self::Radiotherapy,
            (2, 13) => Self::Pathology,
            _ => Self::Other,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::InitialRevisit => "初・再診料",
            Self::Inpatient => "入院料等",
            Self::Management => "医学管理等",
            Self::HomeCare => "在宅医療",
            Self::Tests => "検査",
            Self::Imaging => "画像診断",
            Self::Medication => "投薬",
            Self::Injection => "注射",
            Self::Rehabilitation => "リハビリテーション",
            Self::Psychiatry => "精神科専門療法",
            Self::Treatment => "処置",
            Self::Surgery => "手術",
            Self::Anesthesia => "麻酔",
            Self::Radiotherapy => "放射線治療",
            Self::Pathology => "病理診断",
            Self::Other => "その他",
        }
    }
}
