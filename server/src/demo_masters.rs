//! The demo subset of the billing masters: the rows of a few hundred common codes, cut from the
//! official 基本マスター files by Karte's own parser and written back in the published layout
//! (CP932 CSV), so `scripts/run` works on a machine without the official files. The subset is
//! kept in `server/masters-demo/`; `karte-server masters demo-subset` makes it again from the
//! official files, byte for byte (a test checks this).
//!
//! Which codes: every code the engine itself adds (`shared::billing::engine_codes`), the codes
//! of the README's example visit, and the lists below — everyday tests, injections, treatments,
//! drugs, materials, diagnoses and modifiers of an internal-medicine clinic.

use anyhow::{bail, Context};
use shared::masters::{MasterFile, MasterKind};
use std::collections::BTreeSet;
use std::path::Path;

/// 医科診療行為: everyday tests, injections, treatments and imaging.
const PROCEDURES: &[&str] = &[
    "160008010", // 末梢血液一般検査
    "160010010", // ＨｂＡ１ｃ
    "160054610", // ＣＲＰ定性
    "160022510", // ＡＳＴ
    "160022610", // ＡＬＴ
    "160020410", // γ－ＧＴ
    "160019010", // ＢＵＮ
    "160019210", // クレアチニン
    "160023410", // ＨＤＬ－コレステロール
    "160167250", // ＬＤＬ－コレステロール
    "160000310", // 尿一般
    "160068410", // ＥＣＧ１２
    "160169450", // インフルエンザウイルス抗原定性
    "160229850", // ＳＡＲＳ－ＣｏＶ－２抗原定性
    "140000610", // 創傷処置（１００ｃｍ２未満）
    "140002210", // 消炎鎮痛等処置（湿布処置）
    "130000510", // 皮内、皮下及び筋肉内注射
    "130003510", // 静脈内注射
    "130009310", // 点滴注射（その他）（入院外）
    "170000410", // 単純撮影（イ）の写真診断
    "170000210", // 電子画像管理加算（単純撮影）
];

/// 医薬品: common oral, topical and infusion drugs.
const DRUGS: &[&str] = &[
    "620098902", // ロキソプロフェンＮａ錠６０ｍｇ
    "620002023", // カロナール錠２００
    "620007853", // アムロジピン錠５ｍｇ
    "610407447", // ムコダイン錠５００ｍｇ
    "620009460", // レバミピド錠１００ｍｇ
    "621676001", // メトホルミン塩酸塩錠２５０ｍｇ
    "622098501", // アトルバスタチン錠１０ｍｇ
    "610463167", // ファモチジン錠２０
    "622484401", // モンテルカスト錠１０ｍｇ
    "622184401", // フェキソフェナジン塩酸塩錠６０ｍｇ
    "621752101", // カルボシステイン錠５００ｍｇ
    "620003928", // クラリスロマイシン錠２００ｍｇ
    "620008584", // アモキシシリンカプセル２５０ｍｇ
    "615101406", // ツムラ葛根湯エキス顆粒
    "612370052", // ビオフェルミンＲ錠
    "620374001", // デキストロメトルファン臭化水素酸塩錠１５ｍｇ
    "620005047", // トラネキサム酸錠２５０ｍｇ
    "620007804", // モーラステープＬ４０ｍｇ
    "620007812", // ロキソニンテープ５０ｍｇ
    "620009046", // ヒルドイドクリーム０．３％
    "620007341", // ソルデム３ＡＧ輸液２００ｍＬ
    "620007245", // 大塚生食注２ポート１００ｍＬ
];

/// 特定器材.
const MATERIALS: &[&str] = &[
    "710010158", // 膀胱留置用ディスポーザブルカテーテル（２管一般（１））
    "710010141", // 非固着性シリコンガーゼ（平坦部位用）
];

/// 傷病名: everyday diagnoses of a clinic, and the code for free text (未コード化傷病名).
const DISEASES: &[&str] = &[
    "0000999", // 未コード化傷病名
    "8833421", // 高血圧症
    "2500015", // ２型糖尿病
    "8844446", // 脂質異常症
    "4659007", // 急性上気道炎
    "4609008", // 感冒
    "4660009", // 急性気管支炎
    "4939008", // 気管支喘息
    "4779004", // アレルギー性鼻炎
    "4770002", // 花粉症
    "8830417", // 胃炎
    "5301002", // 逆流性食道炎
    "8840042", // 便秘症
    "8839792", // 不眠症
    "8840829", // 腰痛症
    "7153018", // 変形性膝関節症
    "7330006", // 骨粗鬆症
    "4871001", // インフルエンザ
    "8850104", // ＣＯＶＩＤ－１９
    "7840024", // 頭痛
    "8840549", // めまい症
    "6923002", // 湿疹
    "6918002", // アトピー性皮膚炎
    "0091009", // 急性胃腸炎
    "5959015", // 膀胱炎
    "7906015", // 高尿酸血症
    "4139007", // 狭心症
    "4273006", // 心房細動
    "4289018", // 慢性心不全
    "4860030", // 肺炎
    "2859011", // 貧血
    "8833504", // 甲状腺機能低下症
];

/// 修飾語.
const MODIFIERS: &[&str] = &[
    "4012", // 急性
    "4043", // 慢性
    "2056", // 右
    "2049", // 左
    "2058", // 両側
    "4025", // 再発性
    "7008", // 軽症
    "7017", // 重症
    "8002", // の疑い
    "3088", // 術後
    "5124", // 陳旧性
];

/// コメント: free text, and everyday fixed and fill-in comments.
const COMMENTS: &[&str] = &[
    "810000001", // （フリーコメント）
    "820000001", // 別途コメントあり
    "820000021", // 第三者行為
    "820000022", // 交通事故
    "820000023", // 月遅れ請求分
    "830000052", // ６３枚を超えて…貼付剤を投与した理由；
    "840000028", // 時間外　月　日　時　分
    "840000097", // 初回算定　月　日
];

/// The README's example visit (billing.md case C3).
const EXAMPLE_VISIT: &str = include_str!("../../tests/fixtures/visit-c3.json");

/// The codes of the demo subset for one master.
pub fn codes(kind: MasterKind) -> BTreeSet<String> {
    let listed: &[&str] = match kind {
        MasterKind::Procedure => PROCEDURES,
        MasterKind::Drug => DRUGS,
        MasterKind::Material => MATERIALS,
        MasterKind::Disease => DISEASES,
        MasterKind::Modifier => MODIFIERS,
        MasterKind::Comment => COMMENTS,
    };
    let mut set: BTreeSet<String> = listed.iter().map(|c| c.to_string()).collect();
    if let Ok(visit) = serde_json::from_str::<shared::billing::Visit>(EXAMPLE_VISIT) {
        let example: Vec<String> = match kind {
            MasterKind::Procedure => visit.procedure_codes(),
            MasterKind::Drug => visit.drug_codes(),
            MasterKind::Material => visit.material_codes(),
            _ => Vec::new(),
        };
        set.extend(example);
    }
    if kind == MasterKind::Procedure {
        set.extend(
            shared::billing::codes::engine_codes()
                .iter()
                .map(|c| c.to_string()),
        );
    }
    set
}

/// A CSV field as the published files write it: always quoted, quotes doubled.
fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// The rows of `file` whose code is in the demo subset, as a published-layout CSV in CP932
/// with CRLF line ends.
pub fn subset_bytes(file: &MasterFile) -> anyhow::Result<(Vec<u8>, usize)> {
    let mut wanted = codes(file.kind);
    if file.kind == MasterKind::Procedure {
        // With the 年齢加算 rows the chosen procedures name (乳幼児加算 of 注射, 採血 …), which
        // the engine adds for children.
        let chosen: Vec<Vec<String>> = file
            .rows
            .iter()
            .filter(|r| wanted.contains(r.code(file.kind)))
            .map(|r| r.fields.clone())
            .collect();
        wanted.extend(shared::billing::age_addition_codes(&chosen));
    }
    let mut text = String::new();
    let mut rows = 0;
    for row in &file.rows {
        if !wanted.contains(row.code(file.kind)) {
            continue;
        }
        let line: Vec<String> = row.fields.iter().map(|f| quoted(f)).collect();
        text.push_str(&line.join(","));
        text.push_str("\r\n");
        rows += 1;
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    if unmappable {
        bail!("{}: a row cannot be written in CP932", file.name);
    }
    Ok((bytes.into_owned(), rows))
}

/// Writes the demo subset of each master file into `out` (same file names, `.csv`); returns
/// (file name, rows) per file.
pub fn write_subset(
    inputs: Vec<(String, MasterKind, Vec<u8>)>,
    out: &Path,
) -> anyhow::Result<Vec<(String, usize)>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    for (name, kind, bytes) in inputs {
        let file =
            shared::masters::parse_file(kind, &name, &bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (subset, rows) = subset_bytes(&file)?;
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
        let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
        let target = out.join(format!("{stem}.csv"));
        std::fs::write(&target, subset).with_context(|| format!("writing {}", target.display()))?;
        written.push((target.display().to_string(), rows));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_holds_the_engines_codes_and_the_example() {
        let procedures = codes(MasterKind::Procedure);
        assert!(procedures.contains("111000110"), "初診料");
        assert!(procedures.contains("112007410"), "再診料");
        assert!(procedures.len() > 60, "{}", procedures.len());
        assert!(
            codes(MasterKind::Drug).contains("620007870"),
            "the example's drug"
        );
        assert!(
            codes(MasterKind::Comment).contains("810000001"),
            "free text"
        );
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
