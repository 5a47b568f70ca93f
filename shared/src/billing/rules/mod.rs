//! The rules, one small function each, applied by `engine::price_visit` in a fixed order.
//! Every rule names its source: 診療報酬の算定方法 (平成20年厚生労働省告示第59号) 別表第一
//! 医科診療報酬点数表 and its 留意事項通知, as revised by 令和6年度改定 (effective 2024-06-01);
//! facts and worked cases in `reference/billing.md`.

pub(crate) mod basic;
pub(crate) mod items;
pub(crate) mod lab;
pub(crate) mod lifestyle;
pub(crate) mod limits;
pub(crate) mod medication;
pub(crate) mod procedures;
pub(crate) mod share;

/// Source citations carried on each line (short; the full references are in billing.md).
pub(crate) mod src {
    pub const A000: &str = "A000 初診料（令和6年度改定 2024-06-01）; billing.md §1";
    pub const A000_TIME: &str =
        "A000 注7・注6（時間外・休日・深夜、乳幼児時間外等）令和6年度; billing.md §2-7";
    pub const A000_NIGHT: &str = "A000 注9 夜間・早朝等加算（診療所）令和6年度; billing.md §1";
    pub const A001: &str = "A001 再診料（令和6年度改定 2024-06-01）; billing.md §1";
    pub const A001_TIME: &str =
        "A001 注5・注4（時間外・休日・深夜、乳幼児時間外等）令和6年度; billing.md §2-7";
    pub const A001_NIGHT: &str = "A001 注6 夜間・早朝等加算（診療所）令和6年度; billing.md §1";
    pub const A001_MANAGEMENT: &str =
        "A001 注8 外来管理加算・留意事項 A001(6); 告示 厚労大臣が定める検査; billing.md §2-6";
    pub const A001_STATEMENT: &str = "A001 注 明細書発行体制等加算（診療所）; receipts.md §2.3";
    pub const A002: &str = "A002 外来診療料（一般病床200床以上の病院）令和6年度; billing.md §1";
    pub const ADDITION_STANDARD: &str =
        "A000/A001 注（施設基準の届出による加算）令和6年度; billing.md §1";
    pub const A002_TIME: &str =
        "A002 注8・注7（時間外・休日・深夜、乳幼児時間外等、外来診療料の注加算コード）\
        令和6年度 2024-06-01（告示 別表第一 A002、s_ALL20240531 注加算1202）";
    pub const SPECIAL_NIGHT: &str = "A000 注7・A001 注5・A002 注8 ただし書 時間外特例医療機関加算\
        （専ら夜間の救急医療を確保する保険医療機関）令和6年度 2024-06-01";
    pub const PEDIATRIC_NIGHT: &str = "A000 注8・A001 注6・A002 注9 小児科を標榜する保険医療機関の\
        乳幼児の夜間（標榜時間内）の特例 200点/135点（留意事項 A000(22)）令和6年度 2024-06-01";
    pub const MEDICAL_DX: &str =
        "A000 注16 医療DX推進体制整備加算（月1回）令和6年度 2024-06-01 8点; \
        2024-10-01 加算1〜3（s_20240906）; 2025-04-01 加算1〜6（s_20250307）";
    pub const MEDICAL_INFO: &str = "A000 注15・A001 注19・A002 注10 医療情報取得加算（初診 月1回、\
        再診 3月に1回; 留意事項 A000(30)・A001(15)）令和6年度 2024-06-01; 2024-12-01 1点に一本化（s_20241108）";
    pub const B001_3_INCLUDED: &str =
        "B001-3 注2 生活習慣病管理料（Ⅰ）に含まれる医学管理等・検査・注射・\
        病理診断（令和6年度 告示 別表第一 2024-06-01）";
    pub const B001_3_3_INCLUDED: &str = "B001-3-3 注2 生活習慣病管理料（Ⅱ）に含まれる医学管理等\
        （令和6年度 告示 別表第一 2024-06-01）";
    pub const O100: &str = "O100 外来・在宅ベースアップ評価料(Ⅰ)（届出）令和6年度; billing.md §1";
    pub const F000: &str = "F000 調剤料（入院外、1処方につき）; billing.md §1";
    pub const F100: &str = "F100 処方料（7種類以上内服薬 29点）令和6年度; billing.md §1";
    pub const F100_SPECIFIC: &str =
        "F100 注 / F400 注 特定疾患処方管理加算（令和6年度: 28日以上処方、月1回）; billing.md §1";
    pub const F200: &str = "F200 薬剤料（15円以下1点、以後10円毎に1点）; billing.md §2-4";
    pub const F200_SEVEN: &str = "F200 注3 7種類以上の内服薬（臨時2週間以内除く）は所定点数の100分の90、\
        所定点数＝1処方のうちの全ての内服薬の薬剤料（留意事項 F200(6)イ、保医発0305第4号）令和6年度 2024-06-01";
    pub const F400: &str = "F400 処方箋料（令和6年度 60点／7種類以上 32点）; billing.md §1";
    pub const F400_GENERIC: &str =
        "F400 注6 一般名処方加算1・2（令和6年度 10点/8点、留意事項 F400(12) 保医発0305第4号：\
        品目は一般的名称で計算）; 医薬品マスター 一般名処方加算対象区分 1=加算1のみ 2=加算1・2";
    pub const NARCOTIC: &str = "F000 注・F100 注2 麻薬等加算（麻薬、向精神薬、覚醒剤原料又は毒薬、\
        1処方につき各1点）令和6年度 2024-06-01; 医薬品マスター 項番14";
    pub const F500: &str = "F500 調剤技術基本料（薬剤師常勤・院内、月1回）; billing.md §1";
    pub const G100: &str =
        "G100 薬剤（1回分15円以下1点、超える場合は10円毎に1点）令和6年 早見表; billing.md §2-4";
    pub const G200_J400: &str = "G200/J400 特定保険医療材料（材料価格÷10円、四捨五入）";
    pub const J300: &str = "J300 薬剤（15円以下は算定しない）; https://mfeesw.com/?page_id=60280";
    pub const D007: &str =
        "D007 注 生化学的検査(Ⅰ)の包括（5〜7項目93点・8〜9項目99点・10項目以上103点）\
        令和6年度改定 診療報酬点数表（告示 別表第一、厚生労働省 001218731.pdf p.169）2024-06-01〜（令和4年度は10項目以上106点）";
    pub const A002_INCLUDED: &str = "A002 注6 外来診療料に包括される検査・処置 \
        令和6年度改定 診療報酬点数表（告示 別表第一、厚生労働省 001218731.pdf p.7-8）2024-06-01〜";
    pub const AGE_ADDITION: &str =
        "注加算 年齢加算（乳幼児加算等）: 医科診療行為マスター 項番100-111 \
        （年齢加算の下限・上限年齢と注加算コード）令和6年6月版";
    pub const D026: &str =
        "D026 検体検査判断料（月1回、初回実施日に算定）令和6年 留意事項; billing.md §2-5";
    pub const D026_LAB: &str = "D026 注 検体検査管理加算(Ⅰ)（届出、月1回）; billing.md §1";
    pub const ORDERED: &str = "オーダー（医科診療行為マスター 令和6年6月版）";
}
