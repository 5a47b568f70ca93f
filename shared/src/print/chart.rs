//! カルテの印刷 (見読性): the chart of a period — 傷病名, every version of every note and order
//! marked as superseded or newest, vital signs and lab results as tables — with the patient
//! banner at the top of every page. The app shows the same [`ChartPrint`] on screen with the
//! same version lines ([`note_version_line`], [`order_version_line`]).

use super::{Block, Column, PrintDoc, Table};
use crate::api::chart::{ChartPrint, NoteVersion};
use crate::api::orders::OrderVersion;
use crate::domain::chart::format_tenths;
use crate::domain::japanese::{jst_or_raw, jst_timestamp};

fn superseded(version: i32, current: i32) -> &'static str {
    if version < current {
        "（修正前）"
    } else {
        "（最新）"
    }
}

/// The line above a note version: its number, whether it is the newest, when and by whom,
/// 代行入力 and its approval, the reason for the change.
pub fn note_version_line(v: &NoteVersion, current: i32) -> String {
    format!(
        "第{}版{} {} {}{}{}{}",
        v.version,
        superseded(v.version, current),
        jst_or_raw(&v.created_at),
        v.author,
        v.on_behalf_of
            .as_ref()
            .map(|d| format!(" 代行入力：{d}医師"))
            .unwrap_or_default(),
        if v.is_pending() {
            " 承認待ち".to_string()
        } else {
            v.approved_by
                .as_ref()
                .map(|a| format!(" 承認：{a}"))
                .unwrap_or_default()
        },
        if v.reason.is_empty() {
            String::new()
        } else {
            format!(" 修正理由：{}", v.reason)
        }
    )
}

/// The line above an order version (as [`note_version_line`], with 取消).
pub fn order_version_line(v: &OrderVersion, current: i32) -> String {
    format!(
        "第{}版{} {} {}{}{}{}",
        v.version,
        superseded(v.version, current),
        jst_or_raw(&v.created_at),
        v.author,
        v.on_behalf_of
            .as_ref()
            .map(|d| format!(" 代行入力：{d}医師"))
            .unwrap_or_default(),
        if v.cancelled { " 取消" } else { "" },
        if v.reason.is_empty() {
            String::new()
        } else {
            format!(" 理由：{}", v.reason)
        }
    )
}

/// The banner on every page: name, kana, number, birth date, sex.
pub fn chart_banner(doc: &ChartPrint) -> String {
    format!(
        "{}（{}） 患者番号 {} 生年月日 {} 性別 {}",
        doc.patient_name,
        doc.patient_kana,
        doc.patient_number,
        doc.birth_date,
        match doc.sex.as_str() {
            "male" => "男",
            "female" => "女",
            _ => "その他",
        }
    )
}

/// The period, when and by whom it was printed.
pub fn chart_printed_line(doc: &ChartPrint) -> String {
    format!(
        "期間 {} 〜 {} ／ 印刷 {} {}",
        doc.from,
        doc.to,
        jst_or_raw(&doc.printed_at),
        doc.printed_by
    )
}

/// The reference range as printed: `low〜high`, one side empty when open.
pub fn reference_range(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (None, None) => String::new(),
        (l, h) => format!(
            "{}〜{}",
            l.map(|v| v.to_string()).unwrap_or_default(),
            h.map(|v| v.to_string()).unwrap_or_default()
        ),
    }
}

/// A part of the chart with nothing in the period.
fn empty(heading: &str, says: &str) -> Block {
    Block::Section {
        heading: heading.to_string(),
        body: says.to_string(),
    }
}

const NO_DRAFT: &str = "（未確定の下書きあり：印刷に含みません）";

/// The chart print as a document.
pub fn chart_print(doc: &ChartPrint) -> PrintDoc {
    let mut blocks = vec![
        Block::Heading("診療録".into()),
        Block::Right(chart_printed_line(doc)),
    ];
    if doc.diagnoses.is_empty() {
        blocks.push(empty("傷病名", "期間中の傷病名はありません"));
    } else {
        blocks.push(Block::Subheading("傷病名".into()));
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::left("主", 1),
                Column::left("傷病名", 8),
                Column::left("開始日", 3),
                Column::left("転帰", 2),
                Column::left("終了日", 3),
            ],
            rows: doc
                .diagnoses
                .iter()
                .map(|x| {
                    vec![
                        if x.is_main { "主" } else { "" }.to_string(),
                        x.display_name(),
                        x.start_date.clone(),
                        x.outcome.map(|o| o.label_ja()).unwrap_or("").to_string(),
                        x.end_date.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        }));
    }
    if doc.notes.is_empty() {
        blocks.push(empty("経過記録", "期間中の記載はありません"));
    } else {
        blocks.push(Block::Subheading("経過記録".into()));
    }
    for n in &doc.notes {
        let current = n.current_version();
        let mut body = Vec::new();
        for v in &n.versions {
            body.push(note_version_line(v, current));
            for (label, text) in [
                ("S", &v.soap.subjective),
                ("O", &v.soap.objective),
                ("A", &v.soap.assessment),
                ("P", &v.soap.plan),
            ] {
                if !text.is_empty() {
                    body.push(format!("{label}）{text}"));
                }
            }
            body.push(String::new());
        }
        if n.draft.is_some() {
            body.push(NO_DRAFT.into());
        }
        blocks.push(Block::Section {
            heading: format!("{} {}", n.visit_date, n.status.label_ja()),
            body: body.join("\n").trim_end().to_string(),
        });
    }
    if doc.orders.is_empty() {
        blocks.push(empty("オーダ", "期間中のオーダはありません"));
    } else {
        blocks.push(Block::Subheading("オーダ".into()));
    }
    let name = |code: &str| {
        doc.names
            .iter()
            .find(|(c, ..)| c == code)
            .map(|(_, n, u)| (n.clone(), u.clone()))
    };
    for o in &doc.orders {
        let current = o.current().map(|v| v.version).unwrap_or(0);
        let mut body = Vec::new();
        for v in &o.versions {
            body.push(order_version_line(v, current));
            body.extend(
                v.contents
                    .lines_ja(name)
                    .into_iter()
                    .map(|l| format!("・{l}")),
            );
            if !v.overrides.is_empty() {
                body.push(format!(
                    "警告を確認のうえ確定：{}",
                    v.overrides
                        .iter()
                        .map(|x| format!("{}（{}）", x.key, x.reason))
                        .collect::<Vec<_>>()
                        .join("、")
                ));
            }
            body.push(String::new());
        }
        if o.draft.is_some() {
            body.push(NO_DRAFT.into());
        }
        blocks.push(Block::Section {
            heading: format!(
                "{} {} {}",
                o.visit_date,
                o.kind.label_ja(),
                o.status_label_ja()
            ),
            body: body.join("\n").trim_end().to_string(),
        });
    }
    if doc.vitals.is_empty() {
        blocks.push(empty("バイタルサイン", "期間中の記録はありません"));
    } else {
        blocks.push(Block::Subheading("バイタルサイン".into()));
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::left("測定日時", 4),
                Column::right("体温", 2),
                Column::right("脈拍", 2),
                Column::right("血圧", 3),
                Column::right("呼吸", 2),
                Column::right("SpO2", 2),
                Column::right("身長", 2),
                Column::right("体重", 2),
                Column::right("BMI", 2),
            ],
            rows: doc
                .vitals
                .iter()
                .map(|v| {
                    let x = v.values;
                    let n = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
                    let t = |v: Option<i32>| v.map(format_tenths).unwrap_or_default();
                    vec![
                        v.measured_at.replace('T', " "),
                        t(x.temperature_x10),
                        n(x.pulse),
                        x.systolic
                            .zip(x.diastolic)
                            .map(|(s, d)| format!("{s}/{d}"))
                            .unwrap_or_default(),
                        n(x.respiration),
                        n(x.spo2),
                        t(x.height_x10),
                        t(x.weight_x10),
                        t(x.bmi_x10()),
                    ]
                })
                .collect(),
        }));
    }
    if doc.labs.is_empty() {
        blocks.push(empty("検査結果", "期間中の結果はありません"));
    } else {
        blocks.push(Block::Subheading("検査結果".into()));
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::left("採取日", 3),
                Column::left("項目", 5),
                Column::right("結果", 2),
                Column::left("単位", 2),
                Column::left("基準値", 3),
                Column::left("判定", 1),
            ],
            rows: doc
                .labs
                .iter()
                .map(|r| {
                    vec![
                        r.collected_on.clone(),
                        r.item_name.clone(),
                        r.value.clone(),
                        r.unit.clone(),
                        reference_range(r.reference_low, r.reference_high),
                        r.flag.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        }));
    }
    let printed = jst_timestamp(&doc.printed_at);
    PrintDoc {
        title: format!("診療録 {}様 {}〜{}", doc.patient_name, doc.from, doc.to),
        date: printed
            .as_deref()
            .and_then(|t| t.get(..10))
            .unwrap_or(&doc.to)
            .to_string(),
        blocks,
        footer: format!(
            "診療録 患者番号 {}　{}",
            doc.patient_number,
            chart_printed_line(doc)
        ),
        header: chart_banner(doc),
    }
}
