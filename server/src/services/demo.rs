//! The demo's previous month: obviously fictitious patients with finalised visits, so that a new
//! user opens 月次請求 and sees a month of claims at once — 医保単独 with 検査 and 判断料 and a
//! 院内処方 on two days, 国保 with a 難病 公費, a child with a 院外処方, a 高齢受給者 (2割), a
//! 後期高齢者, and an adult with a 院外処方. Every bill is priced by the engine with the masters
//! in the database, as 会計 prices it, and stored as a finalised bill; nothing else is faked.

use crate::db::{self, TenantTx};
use anyhow::Context;
use shared::billing::{
    price_visit, Burden, Dispensing, HistoryEntry, ItemOrder, Prescription, PublicExpense,
    Quantity, Rp, RpDrug, Visit, VisitKind, Yen,
};
use shared::domain::insurance::{
    burden_ratio, InsuranceInput, PublicPayerNumber, PublicPaymentInput, Relationship,
};
use shared::domain::patient::{PatientInput, Sex};
use shared::ids::{DiagnosisId, UserId};
use time::Date;

/// 末梢血液一般検査, Ｂ－Ｖ (採血), ＡＳＴ.
const LABS: &[&str] = &["160008010", "160095710", "160022510"];
/// アムロジピン錠５ｍｇ「サワイ」, カロナール錠２００.
const AMLODIPINE: &str = "620007870";
const CALONAL: &str = "620002023";

struct DemoVisit {
    day: u8,
    kind: VisitKind,
    items: &'static [&'static str],
    /// (院内/院外, drug, quantity a day, days).
    rx: Option<(Dispensing, &'static str, i64, u32)>,
}

struct DemoPatient {
    name: &'static str,
    kana: &'static str,
    sex: Sex,
    birth: &'static str,
    /// (保険者番号, 本人/家族); none for 公費単独.
    insurance: Option<(&'static str, Relationship)>,
    /// (公費負担者番号, 受給者番号, 自己負担の割合).
    public: Option<(&'static str, &'static str, u8)>,
    /// (傷病名コード, 傷病名, 主病名).
    diagnoses: &'static [(&'static str, &'static str, bool)],
    visits: &'static [DemoVisit],
}

const PATIENTS: &[DemoPatient] = &[
    DemoPatient {
        name: "見本 一郎",
        kana: "ミホン イチロウ",
        sex: Sex::Male,
        birth: "1975-04-10",
        insurance: Some(("01130012", Relationship::Insured)),
        public: None,
        diagnoses: &[("8833421", "高血圧症", true)],
        visits: &[
            DemoVisit {
                day: 5,
                kind: VisitKind::Initial,
                items: LABS,
                rx: Some((Dispensing::InHouse, AMLODIPINE, 1, 14)),
            },
            DemoVisit {
                day: 19,
                kind: VisitKind::Revisit,
                items: &[],
                rx: Some((Dispensing::InHouse, AMLODIPINE, 1, 14)),
            },
        ],
    },
    DemoPatient {
        name: "見本 花子",
        kana: "ミホン ハナコ",
        sex: Sex::Female,
        birth: "1982-09-21",
        insurance: Some(("138057", Relationship::Insured)),
        public: Some(("54136015", "1234566", 0)),
        diagnoses: &[("2500015", "２型糖尿病", true)],
        visits: &[DemoVisit {
            day: 12,
            kind: VisitKind::Revisit,
            items: LABS,
            rx: None,
        }],
    },
    DemoPatient {
        name: "見本 太郎",
        kana: "ミホン タロウ",
        sex: Sex::Male,
        birth: "2021-07-07",
        insurance: Some(("06139992", Relationship::Dependent)),
        public: None,
        diagnoses: &[("4609008", "感冒", true)],
        visits: &[DemoVisit {
            day: 8,
            kind: VisitKind::Initial,
            items: &[],
            rx: Some((Dispensing::Outside, CALONAL, 1, 3)),
        }],
    },
    DemoPatient {
        name: "見本 和子",
        kana: "ミホン カズコ",
        sex: Sex::Female,
        birth: "1953-01-15",
        insurance: Some(("01130012", Relationship::Dependent)),
        public: None,
        diagnoses: &[("7330006", "骨粗鬆症", true)],
        visits: &[DemoVisit {
            day: 14,
            kind: VisitKind::Revisit,
            items: &[],
            rx: None,
        }],
    },
    DemoPatient {
        name: "見本 茂",
        kana: "ミホン シゲル",
        sex: Sex::Male,
        birth: "1940-11-03",
        insurance: Some(("39131032", Relationship::Insured)),
        public: None,
        diagnoses: &[
            ("4289018", "慢性心不全", true),
            ("8833421", "高血圧症", false),
        ],
        visits: &[
            DemoVisit {
                day: 6,
                kind: VisitKind::Revisit,
                items: LABS,
                rx: Some((Dispensing::InHouse, AMLODIPINE, 1, 28)),
            },
            DemoVisit {
                day: 27,
                kind: VisitKind::Revisit,
                items: &[],
                rx: None,
            },
        ],
    },
    DemoPatient {
        name: "見本 次郎",
        kana: "ミホン ジロウ",
        sex: Sex::Male,
        birth: "1968-02-29",
        insurance: Some(("06139992", Relationship::Insured)),
        public: None,
        diagnoses: &[("8840829", "腰痛症", true)],
        visits: &[DemoVisit {
            day: 20,
            kind: VisitKind::Initial,
            items: &[],
            rx: Some((Dispensing::Outside, CALONAL, 3, 7)),
        }],
    },
    // 生活保護 alone (公費単独, 法別12), no health insurance.
    DemoPatient {
        name: "見本 三郎",
        kana: "ミホン サブロウ",
        sex: Sex::Male,
        birth: "1958-11-03",
        insurance: None,
        public: Some(("12131017", "1234566", 0)),
        diagnoses: &[("4659007", "急性上気道炎", true)],
        visits: &[DemoVisit {
            day: 22,
            kind: VisitKind::Revisit,
            items: &[],
            rx: Some((Dispensing::Outside, CALONAL, 3, 5)),
        }],
    },
];

/// The first day of the month before `today`'s.
pub fn previous_month(today: Date) -> Option<Date> {
    let first = today.replace_day(1).ok()?;
    let last_of_previous = first.previous_day()?;
    last_of_previous.replace_day(1).ok()
}

fn on(month: Date, day: u8) -> anyhow::Result<Date> {
    let last = month.month().length(month.year());
    Ok(month.replace_day(day.min(last))?)
}

/// Seeds the demo patients and their finalised visits of the month before `today`; returns how
/// many bills were stored. Without masters in force (none imported) nothing is seeded and 0 is
/// returned: pricing needs them.
pub async fn seed(
    tx: &mut TenantTx,
    today: Date,
    doctor: UserId,
    clerk: UserId,
) -> anyhow::Result<usize> {
    let month = previous_month(today).context("the previous month")?;
    if db::masters::revision_tx(tx).await?.is_empty() {
        return Ok(0);
    }
    let Some(settings) = db::billing::on(tx, month).await? else {
        return Ok(0);
    };
    let mut stored = 0;
    for p in PATIENTS {
        let input = PatientInput {
            name: p.name.into(),
            kana: p.kana.into(),
            sex: Some(p.sex),
            birth_date: p.birth.into(),
            ..Default::default()
        };
        let valid = input
            .validate(today)
            .map_err(|e| anyhow::anyhow!("demo patient: {e:?}"))?;
        let birth = valid.birth_date;
        let patient = db::patients::insert(tx, &valid, clerk).await?;
        let mut insurer = None;
        let mut insurance_id = None;
        if let Some((number, relationship)) = p.insurance {
            let v = InsuranceInput {
                insurer_number: number.into(),
                symbol: "見本".into(),
                number: "1".into(),
                branch: "01".into(),
                relationship: Some(relationship),
                valid_from: "2020-04-01".into(),
                ..Default::default()
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("demo insurance: {e:?}"))?;
            if let db::insurance::Written::Saved { id, .. } =
                db::insurance::write_insurance(tx, patient, None, &v, "", clerk).await?
            {
                insurance_id = Some(id);
            }
            insurer = Some(v.insurer_number);
        }
        let mut public = None;
        let mut public_ids = Vec::new();
        if let Some((number, recipient, tenths)) = p.public {
            let v = PublicPaymentInput {
                payer_number: number.into(),
                recipient_number: recipient.into(),
                valid_from: "2020-04-01".into(),
                patient_tenths: tenths.to_string(),
                ..Default::default()
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("demo 公費: {e:?}"))?;
            if let db::insurance::Written::Saved { id, .. } =
                db::insurance::write_public_payment(tx, patient, None, &v, "", clerk).await?
            {
                public_ids.push(id);
            }
            public = Some((PublicPayerNumber::parse(number)?, tenths));
        }
        for (code, name, main) in p.diagnoses {
            db::diagnoses::insert_diagnosis(
                tx,
                &db::diagnoses::NewDiagnosis {
                    diagnosis_id: DiagnosisId(uuid::Uuid::new_v4()),
                    version: 1,
                    patient,
                    disease_code: Some(code),
                    modifier_codes: &[],
                    name,
                    is_main: *main,
                    suspected: false,
                    start_date: on(month, 1)?,
                    outcome: None,
                    end_date: None,
                    reason: "",
                    author: doctor,
                },
            )
            .await?;
        }
        let mut history: Vec<HistoryEntry> = Vec::new();
        let mut paid = 0;
        for v in p.visits {
            let date = on(month, v.day)?;
            let burden = match &insurer {
                Some(n) => Burden::Tenths {
                    tenths: burden_ratio(birth, date, n, Default::default()).tenths,
                },
                None => Burden::PublicOnly,
            };
            let visit = Visit {
                service_date: date,
                birth_date: birth,
                burden,
                public_expense: public.as_ref().map(|(n, t)| PublicExpense {
                    payer_number: Some(n.clone()),
                    patient_tenths: *t,
                    monthly_cap: None,
                    paid_this_month: Yen(paid),
                    sections: Vec::new(),
                }),
                additional_public_expenses: Vec::new(),
                kind: v.kind,
                time: Default::default(),
                facility: settings.facility(),
                electronic_qualification: false,
                telemedicine: false,
                outpatient_management: false,
                items: v.items.iter().map(|c| ItemOrder::new(c)).collect(),
                prescription: v.rx.map(|(dispensing, drug, quantity, days)| Prescription {
                    dispensing,
                    rps: vec![Rp::Internal {
                        days,
                        temporary: false,
                        drugs: vec![RpDrug::new(drug, Quantity::units(quantity))],
                    }],
                    specific_disease: false,
                }),
                injections: Vec::new(),
                treatments: Vec::new(),
                month_history: history.clone(),
            };
            let (catalog, revision) = db::masters::catalog_for_tx(tx, &visit).await?;
            let priced = price_visit(&visit, &catalog).context("pricing a demo visit")?;
            // The 保険組合せ the demo visit is priced with: the insurance and its 公費.
            let coverage = shared::domain::coverage::Coverage {
                insurance_id,
                public_payment_ids: public_ids.clone(),
            };
            let (insurances, publics) = db::insurance::valid_on(tx, patient, birth, date).await?;
            let label = coverage.label(&insurances, &publics);
            let reception = db::reception::check_in(
                tx,
                &db::reception::NewReception {
                    patient,
                    day: date,
                    department: "内科",
                    purpose: "",
                    memo: "",
                    coverage: Some((&coverage, &label)),
                },
                clerk,
            )
            .await?;
            db::reception::move_to(tx, reception, 1, "done", "会計確定", clerk).await?;
            db::bills::write(
                tx,
                0,
                &db::bills::NewBill {
                    reception,
                    patient,
                    visit: &visit,
                    priced: &priced,
                    paid: i32::try_from(priced.share.patient.0).unwrap_or(0),
                    master_revision: &revision,
                    reason: "",
                    orders: &[],
                    entries: None,
                    insurance: insurance_id,
                },
                clerk,
            )
            .await?
            .context("a demo bill")?;
            paid += priced.share.patient.0;
            history.extend(priced.lines.iter().map(|l| HistoryEntry {
                code: l.code.clone(),
                date,
                count: l.count,
            }));
            stored += 1;
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::insurance::InsurerNumber;
    use time::macros::date;

    #[test]
    fn the_previous_month_starts_on_its_first() {
        assert_eq!(
            previous_month(date!(2026 - 12 - 04)),
            Some(date!(2026 - 11 - 01))
        );
        assert_eq!(
            previous_month(date!(2027 - 01 - 31)),
            Some(date!(2026 - 12 - 01))
        );
        assert_eq!(
            on(date!(2026 - 02 - 01), 30).unwrap(),
            date!(2026 - 02 - 28)
        );
    }

    #[test]
    fn the_demo_numbers_are_valid() {
        for p in PATIENTS {
            if let Some((n, _)) = p.insurance {
                assert!(InsurerNumber::parse(n).is_ok(), "{n}");
            }
            if let Some((n, r, _)) = p.public {
                assert!(PublicPayerNumber::parse(n).is_ok(), "{n}");
                assert!(
                    shared::domain::insurance::RecipientNumber::parse(r).is_ok(),
                    "{r}"
                );
            }
        }
    }
}
