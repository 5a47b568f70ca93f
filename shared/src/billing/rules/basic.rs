//! 初・再診料 (第1章第1部): the basic fee, its time and infant add-ons, the add-ons that need a
//! registered 施設基準, and 外来管理加算.

use super::src;
use crate::billing::catalog::{Catalog, OutpatientManagementClass};
use crate::billing::codes::*;
use crate::billing::engine::Pricing;
use crate::billing::priced::{BillingError, WarningCode};
use crate::billing::visit::{FacilityKind, FacilityStandards, TimeCategory, VisitKind};

/// 乳幼児加算 and 乳幼児時間外等加算: "6歳未満の乳幼児" (A000 注6・注7, A001 注4・注5).
pub(crate) const INFANT_AGE_LIMIT: i32 = 6;

/// 初診料 (A000) for every 初診; 再診料 (A001) at a 診療所 or a 病院 of fewer than 200 beds;
/// 外来診療料 (A002) at a 病院 of 200 beds or more.
/// オンライン診療 ([`crate::billing::Visit::telemedicine`]) bills each with its 情報通信機器 code
/// (the same 注加算 follow it).
pub(crate) fn basic_fee<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) -> Result<(), BillingError> {
    let online = p.visit.telemedicine;
    let by = |face: &'static str, remote: &'static str| if online { remote } else { face };
    let how = if online {
        "（情報通信機器）"
    } else {
        ""
    };
    match (p.visit.kind, p.visit.facility.kind) {
        (VisitKind::Initial, _) => {
            p.add_rule(
                by(INITIAL, INITIAL_TELEMEDICINE),
                1,
                format!("初診{how}"),
                src::A000,
            )?;
        }
        (VisitKind::Revisit, FacilityKind::LargeHospital) => {
            p.add_rule(
                by(OUTPATIENT_CLINIC_FEE, CLINIC_FEE_TELEMEDICINE),
                1,
                format!("一般病床200床以上の病院の再診のため外来診療料{how}"),
                src::A002,
            )?;
        }
        (VisitKind::Revisit, _) => {
            p.add_rule(
                by(REVISIT, REVISIT_TELEMEDICINE),
                1,
                format!("再診{how}"),
                src::A001,
            )?;
        }
    }
    Ok(())
}

/// The codes of one basic fee's time/infant add-ons.
struct TimeCodes {
    infant: &'static str,
    out_of_hours: &'static str,
    holiday: &'static str,
    late_night: &'static str,
    infant_out_of_hours: &'static str,
    infant_holiday: &'static str,
    infant_late_night: &'static str,
    night_early: &'static str,
    /// 時間外特例医療機関加算 and its 乳幼児 version.
    special_night: &'static str,
    /// 乳幼児夜間加算（小児科）.
    pediatric_night: &'static str,
    infant_special_night: &'static str,
    source: &'static str,
    night_source: &'static str,
}

const INITIAL_TIME: TimeCodes = TimeCodes {
    infant: INITIAL_INFANT,
    out_of_hours: INITIAL_OUT_OF_HOURS,
    holiday: INITIAL_HOLIDAY,
    late_night: INITIAL_LATE_NIGHT,
    infant_out_of_hours: INITIAL_INFANT_OUT_OF_HOURS,
    infant_holiday: INITIAL_INFANT_HOLIDAY,
    infant_late_night: INITIAL_INFANT_LATE_NIGHT,
    night_early: INITIAL_NIGHT_EARLY,
    special_night: INITIAL_SPECIAL_NIGHT,
    pediatric_night: INITIAL_PEDIATRIC_NIGHT,
    infant_special_night: INITIAL_INFANT_SPECIAL_NIGHT,
    source: src::A000_TIME,
    night_source: src::A000_NIGHT,
};

const REVISIT_TIME: TimeCodes = TimeCodes {
    infant: REVISIT_INFANT,
    out_of_hours: REVISIT_OUT_OF_HOURS,
    holiday: REVISIT_HOLIDAY,
    late_night: REVISIT_LATE_NIGHT,
    infant_out_of_hours: REVISIT_INFANT_OUT_OF_HOURS,
    infant_holiday: REVISIT_INFANT_HOLIDAY,
    infant_late_night: REVISIT_INFANT_LATE_NIGHT,
    night_early: REVISIT_NIGHT_EARLY,
    special_night: REVISIT_SPECIAL_NIGHT,
    pediatric_night: REVISIT_PEDIATRIC_NIGHT,
    infant_special_night: REVISIT_INFANT_SPECIAL_NIGHT,
    source: src::A001_TIME,
    night_source: src::A001_NIGHT,
};

/// 外来診療料 (A002 注7・注8) has the same 乳幼児・時間外等 add-ons as 再診料, with codes of its own
/// (注加算コード 1202). It has no 夜間・早朝等加算 (a 診療所 add-on): the 再診 code is named only in
/// the warning.
const CLINIC_FEE_TIME: TimeCodes = TimeCodes {
    infant: CLINIC_FEE_INFANT,
    out_of_hours: CLINIC_FEE_OUT_OF_HOURS,
    holiday: CLINIC_FEE_HOLIDAY,
    late_night: CLINIC_FEE_LATE_NIGHT,
    infant_out_of_hours: CLINIC_FEE_INFANT_OUT_OF_HOURS,
    infant_holiday: CLINIC_FEE_INFANT_HOLIDAY,
    infant_late_night: CLINIC_FEE_INFANT_LATE_NIGHT,
    night_early: REVISIT_NIGHT_EARLY,
    special_night: CLINIC_FEE_SPECIAL_NIGHT,
    pediatric_night: CLINIC_FEE_PEDIATRIC_NIGHT,
    infant_special_night: CLINIC_FEE_INFANT_SPECIAL_NIGHT,
    source: src::A002_TIME,
    night_source: src::A001_NIGHT,
};

/// 乳幼児加算 (under 6) and 時間外・休日・深夜加算. Under 6 at 時間外/休日/深夜 the combined
/// 乳幼児時間外等加算 is billed *instead of* 乳幼児加算 + 時間外加算 (billing.md §2 rule 7).
/// 夜間・早朝等加算 is for 診療所 only and combines with 乳幼児加算.
pub(crate) fn time_addition<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    let t = match (p.visit.kind, p.visit.facility.kind) {
        (VisitKind::Initial, _) => &INITIAL_TIME,
        (VisitKind::Revisit, FacilityKind::LargeHospital) => &CLINIC_FEE_TIME,
        (VisitKind::Revisit, _) => &REVISIT_TIME,
    };
    let infant = p.age < INFANT_AGE_LIMIT;
    let age = p.age;
    let infant_reason = || format!("6歳未満（{age}歳）のため乳幼児加算");
    match p.visit.time {
        TimeCategory::Regular => {
            if infant {
                p.add_rule(t.infant, 1, infant_reason(), t.source)?;
            }
        }
        // 注7 ただし書 (A001 注5, A002 注8 likewise): at a 保険医療機関 kept open for the night's
        // emergencies, a visit in the night (not 深夜, not 休日) takes 時間外特例医療機関加算
        // instead of 時間外加算 (230/180点, 乳幼児 345/250点).
        // Its hours are the region's night (おおむね18時〜8時, not 深夜・休日), not the posted hours,
        // and it replaces 夜間・早朝等加算 too (A000 注9 ただし書; 留意事項 A000(21)イ・ウ).
        TimeCategory::OutOfHours | TimeCategory::NightEarlyMorning
            if p.visit.facility.standards.night_emergency =>
        {
            let (code, name) = if infant {
                (t.infant_special_night, "乳幼児時間外特例医療機関加算")
            } else {
                (t.special_night, "時間外特例医療機関加算")
            };
            let reason = if infant {
                format!("夜間救急を担う医療機関での6歳未満（{age}歳）の夜間の受診のため{name}")
            } else {
                format!("夜間救急を担う医療機関での夜間の受診のため{name}")
            };
            p.add_rule(code, 1, reason, src::SPECIAL_NIGHT)?;
        }
        TimeCategory::OutOfHours | TimeCategory::Holiday | TimeCategory::LateNight => {
            let time = p.visit.time;
            let (code, reason) = match (time, infant) {
                (TimeCategory::OutOfHours, true) => (t.infant_out_of_hours, "乳幼児時間外加算"),
                (TimeCategory::Holiday, true) => (t.infant_holiday, "乳幼児休日加算"),
                (TimeCategory::LateNight, true) => (t.infant_late_night, "乳幼児深夜加算"),
                (TimeCategory::OutOfHours, false) => (t.out_of_hours, "時間外加算"),
                (TimeCategory::Holiday, false) => (t.holiday, "休日加算"),
                _ => (t.late_night, "深夜加算"),
            };
            let reason = if infant {
                format!(
                    "6歳未満（{age}歳）の{}の受診のため{reason}（乳幼児加算に代えて算定）",
                    time.label_ja()
                )
            } else {
                format!("{}の受診のため{reason}", time.label_ja())
            };
            p.add_rule(code, 1, reason, t.source)?;
        }
        // A000 注8 (A001 注6, A002 注9): at a 保険医療機関 that posts 小児科, a child under 6 seen
        // in the night within the posted hours takes 乳幼児夜間加算（小児科） (200/135点) "注７の
        // 規定にかかわらず", instead of 乳幼児加算 (注6 ただし書) and 夜間・早朝等加算 (注9 ただし書).
        // 夜間・早朝等 is read as that night (留意事項 A000(22)イ: before 8:00 and after 18:00, Saturday
        // after 12:00, not 深夜・休日); a 休日 or 深夜 within the posted hours is entered as 休日 or 深夜,
        // whose 乳幼児 points are the same.
        TimeCategory::NightEarlyMorning if infant && p.visit.facility.standards.pediatrics => {
            p.add_rule(
                t.pediatric_night,
                1,
                format!(
                    "小児科を標榜する医療機関で6歳未満（{age}歳）を標榜時間内の夜間に診療したため乳幼児夜間加算（小児科）"
                ),
                src::PEDIATRIC_NIGHT,
            )?;
        }
        TimeCategory::NightEarlyMorning => {
            if infant {
                p.add_rule(t.infant, 1, infant_reason(), t.source)?;
            }
            if p.is_clinic() {
                p.add_rule(
                    t.night_early,
                    1,
                    "診療所の標榜時間内の夜間・早朝等の受診のため夜間・早朝等加算".into(),
                    t.night_source,
                )?;
            } else {
                p.warn(
                    WarningCode::FacilityMismatch,
                    Some(t.night_early),
                    "夜間・早朝等加算は診療所のみ算定できます（病院のため算定しません）".into(),
                    true,
                );
            }
        }
    }
    Ok(())
}

/// Add-ons that need a 施設基準 registered with the 地方厚生局: added automatically when it is.
pub(crate) fn registered_additions<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    let s = p.visit.facility.standards;
    let initial = p.visit.kind == VisitKind::Initial;
    let kind = p.visit.facility.kind;

    // 機能強化加算 (A000 注10): 初診, 診療所 or 病院 of fewer than 200 beds.
    if initial && s.function_enhancement {
        if kind == FacilityKind::LargeHospital {
            p.warn(
                WarningCode::FacilityMismatch,
                Some(FUNCTION_ENHANCEMENT),
                "機能強化加算は診療所又は200床未満の病院のみ算定できます".into(),
                true,
            );
        } else {
            p.add_rule(
                FUNCTION_ENHANCEMENT,
                1,
                "機能強化加算の届出あり（初診）".into(),
                src::ADDITION_STANDARD,
            )?;
        }
    }

    // 外来感染対策向上加算 (A000/A001 注): 診療所, 患者1人につき月1回.
    if s.infection_control {
        let code = if initial {
            INITIAL_INFECTION_CONTROL
        } else {
            REVISIT_INFECTION_CONTROL
        };
        if kind != FacilityKind::Clinic {
            p.warn(
                WarningCode::FacilityMismatch,
                Some(code),
                "外来感染対策向上加算は診療所のみ算定できます".into(),
                true,
            );
        } else if p.billed_this_month(&[INITIAL_INFECTION_CONTROL, REVISIT_INFECTION_CONTROL]) {
            p.note(
                "infection_control_already_billed",
                Some(code),
                "外来感染対策向上加算は今月算定済みのため算定しません（月1回）".into(),
            );
        } else {
            p.add_rule(
                code,
                1,
                "外来感染対策向上加算の届出あり（月1回）".into(),
                src::ADDITION_STANDARD,
            )?;
        }
    }

    // 医療DX推進体制整備加算 (A000 注16, 令和6年6月新設): 初診, 月1回, by the 区分 registered and
    // the codes of the date's period (`MEDICAL_DX_TIERS`).
    if initial && s.medical_dx > 0 {
        medical_dx(p, s.medical_dx)?;
    }
    if s.online_qualification {
        medical_info(p)?;
    }

    // 明細書発行体制等加算 (A001 注): 診療所の再診.
    if !initial && s.detailed_statement {
        if kind == FacilityKind::Clinic {
            p.add_rule(
                DETAILED_STATEMENT,
                1,
                "明細書発行体制等加算の届出あり（診療所の再診）".into(),
                src::A001_STATEMENT,
            )?;
        } else {
            p.warn(
                WarningCode::FacilityMismatch,
                Some(DETAILED_STATEMENT),
                "明細書発行体制等加算は診療所のみ算定できます".into(),
                true,
            );
        }
    }

    // 外来・在宅ベースアップ評価料(Ⅰ) (O100): 1日につき, 初診時 / 再診時等.
    if s.base_up {
        let code = if initial {
            BASE_UP_INITIAL
        } else {
            BASE_UP_REVISIT
        };
        p.add_rule(
            code,
            1,
            "外来・在宅ベースアップ評価料(Ⅰ)の届出あり".into(),
            src::O100,
        )?;
    }
    Ok(())
}

fn medical_dx<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>, tier: u8) -> Result<(), BillingError> {
    let date = p.visit.service_date;
    let Some(code) = medical_dx_code(date, tier) else {
        p.note(
            "medical_dx_not_yet",
            None,
            "医療DX推進体制整備加算は2024年6月1日からのため算定しません".into(),
        );
        return Ok(());
    };
    if p.billed_this_month(MEDICAL_DX_ALL) {
        p.note(
            "medical_dx_already_billed",
            Some(code),
            "医療DX推進体制整備加算は今月算定済みのため算定しません（月1回）".into(),
        );
        return Ok(());
    }
    let reason = format!("医療DX推進体制整備加算{tier}の届出あり（初診、月1回）");
    p.add_rule_if_present(code, 1, reason, src::MEDICAL_DX)?;
    Ok(())
}

/// 医療情報取得加算 (令和6年度改定) from 2024-06-01.
const MEDICAL_INFO_FROM: time::Date = time::macros::date!(2024 - 06 - 01);

/// The day 医療情報取得加算 became one 1点 加算 (初診 月1回, 再診 3月に1回) and 加算１/３ ended
/// (s_20241108.csv: 111703170, 112708870, 112709170 廃止 2024-11-30).
const MEDICAL_INFO_UNIFIED: time::Date = time::macros::date!(2024 - 12 - 01);

/// 医療情報取得加算 (A000 注15, A001 注19, A002 注10), at a 保険医療機関 with オンライン資格確認:
/// 初診 月1回, 再診 3月に1回 (留意事項 A000(30), A001(15)). Until 2024-11-30 加算１/３ (3/2点),
/// or 加算２/４ (1点) when the information came by 電子資格確認 or from another 保険医療機関; from
/// 2024-12-01 one 1点 加算 (the codes of 加算２/４, renamed).
fn medical_info<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) -> Result<(), BillingError> {
    let date = p.visit.service_date;
    if date < MEDICAL_INFO_FROM {
        p.note(
            "medical_info_not_yet",
            None,
            "医療情報取得加算は2024年6月1日からのため算定しません".into(),
        );
        return Ok(());
    }
    let lower = p.visit.electronic_qualification || date >= MEDICAL_INFO_UNIFIED;
    let large = p.visit.facility.kind == FacilityKind::LargeHospital;
    let (code, family, months): (&str, &[&str], u8) = match (p.visit.kind, large) {
        (VisitKind::Initial, _) => (
            if lower {
                INITIAL_MEDICAL_INFO_2
            } else {
                INITIAL_MEDICAL_INFO_1
            },
            &[INITIAL_MEDICAL_INFO_1, INITIAL_MEDICAL_INFO_2],
            1,
        ),
        (VisitKind::Revisit, false) => (
            if lower {
                REVISIT_MEDICAL_INFO_4
            } else {
                REVISIT_MEDICAL_INFO_3
            },
            &[REVISIT_MEDICAL_INFO_3, REVISIT_MEDICAL_INFO_4],
            3,
        ),
        (VisitKind::Revisit, true) => (
            if lower {
                CLINIC_FEE_MEDICAL_INFO_4
            } else {
                CLINIC_FEE_MEDICAL_INFO_3
            },
            &[CLINIC_FEE_MEDICAL_INFO_3, CLINIC_FEE_MEDICAL_INFO_4],
            3,
        ),
    };
    if p.billed_within_months(family, months) {
        let period = if months == 1 {
            "今月"
        } else {
            "3か月以内"
        };
        let limit = if months == 1 {
            "月1回"
        } else {
            "3月に1回"
        };
        p.note(
            "medical_info_already_billed",
            Some(code),
            format!("医療情報取得加算は{period}に算定済みのため算定しません（{limit}）"),
        );
        return Ok(());
    }
    let reason = if date >= MEDICAL_INFO_UNIFIED {
        "オンライン資格確認の体制あり、診療情報を取得して診療".to_string()
    } else if p.visit.electronic_qualification {
        "電子資格確認等により診療情報を取得して診療".to_string()
    } else {
        "オンライン資格確認の体制あり、問診等で診療情報を取得して診療".to_string()
    };
    p.add_rule_if_present(code, 1, reason, src::MEDICAL_INFO)?;
    Ok(())
}

/// Reads one 施設基準 flag.
pub(crate) type StandardFlag = fn(&FacilityStandards) -> bool;

/// Add-ons that need a 施設基準, each group of codes with its name and the flag that registers
/// it (for items listing one by hand).
const STANDARD_GATED: &[(&[&str], &str, StandardFlag)] = &[
    (&[FUNCTION_ENHANCEMENT], "機能強化加算", |s| {
        s.function_enhancement
    }),
    (
        &[INITIAL_INFECTION_CONTROL, REVISIT_INFECTION_CONTROL],
        "外来感染対策向上加算",
        |s| s.infection_control,
    ),
    (MEDICAL_DX_ALL, "医療DX推進体制整備加算", |s| {
        s.medical_dx > 0
    }),
    (
        &[
            INITIAL_MEDICAL_INFO_1,
            INITIAL_MEDICAL_INFO_2,
            REVISIT_MEDICAL_INFO_3,
            REVISIT_MEDICAL_INFO_4,
            CLINIC_FEE_MEDICAL_INFO_3,
            CLINIC_FEE_MEDICAL_INFO_4,
        ],
        "医療情報取得加算",
        |s| s.online_qualification,
    ),
    (
        &[
            INITIAL_PEDIATRIC_NIGHT,
            REVISIT_PEDIATRIC_NIGHT,
            CLINIC_FEE_PEDIATRIC_NIGHT,
        ],
        "乳幼児夜間加算（小児科）",
        |s| s.pediatrics,
    ),
    (
        &[
            INITIAL_SPECIAL_NIGHT,
            INITIAL_INFANT_SPECIAL_NIGHT,
            REVISIT_SPECIAL_NIGHT,
            REVISIT_INFANT_SPECIAL_NIGHT,
            CLINIC_FEE_SPECIAL_NIGHT,
            CLINIC_FEE_INFANT_SPECIAL_NIGHT,
        ],
        "時間外特例医療機関加算",
        |s| s.night_emergency,
    ),
    (
        &[DETAILED_STATEMENT],
        "明細書発行体制等加算",
        |s| s.detailed_statement,
    ),
    (&[LAB_MANAGEMENT_1], "検体検査管理加算(Ⅰ)", |s| {
        s.lab_management_1
    }),
    (
        &[DISPENSING_BASIC],
        "調剤技術基本料（薬剤師常勤）",
        |s| s.pharmacist_full_time,
    ),
    (
        &[BASE_UP_INITIAL, BASE_UP_REVISIT],
        "外来・在宅ベースアップ評価料(Ⅰ)",
        |s| s.base_up,
    ),
];

/// The name of the add-on and its 施設基準 flag, if `code` is one of `STANDARD_GATED`.
pub(crate) fn standard_for(code: &str) -> Option<(&'static str, StandardFlag)> {
    STANDARD_GATED
        .iter()
        .find(|(codes, _, _)| codes.contains(&code))
        .map(|(_, name, f)| (*name, *f))
}

/// 外来管理加算 (A001 注8, 52点): 再診料 only (not 初診, not 外来診療料), and not on a day with a
/// 処置, 手術, リハビリ, 厚生労働大臣が定める検査 … — in the master, any 診療行為 with
/// 外来管理加算区分 = 1 (項番56). Also included in 生活習慣病管理料 (billing.md §2 rule 6).
pub(crate) fn outpatient_management<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    if !(p.visit.outpatient_management || p.management_requested_by_item) {
        return Ok(());
    }
    let code = OUTPATIENT_MANAGEMENT;
    if p.visit.kind == VisitKind::Initial {
        p.warn(
            WarningCode::OutpatientManagementBlocked,
            Some(code),
            "外来管理加算は再診料の加算のため初診では算定できません".into(),
            true,
        );
        return Ok(());
    }
    if p.visit.facility.kind == FacilityKind::LargeHospital {
        p.warn(
            WarningCode::OutpatientManagementBlocked,
            Some(code),
            "外来診療料（200床以上の病院）には外来管理加算はありません".into(),
            true,
        );
        return Ok(());
    }
    // 再診料（情報通信機器）112024210 has 外来管理加算区分 1 in the master (s_ALL20240531).
    if p.visit.telemedicine {
        p.warn(
            WarningCode::OutpatientManagementBlocked,
            Some(code),
            "情報通信機器を用いた再診では外来管理加算を算定できません".into(),
            true,
        );
        return Ok(());
    }
    let blocker = p
        .ordered
        .iter()
        .find(|f| f.outpatient_management == OutpatientManagementClass::Blocks)
        .map(|f| (f.code.clone(), f.name.clone()));
    if let Some((bcode, bname)) = blocker {
        p.warn(
            WarningCode::OutpatientManagementBlocked,
            Some(code),
            format!("{bname}（{bcode}）を行った日は外来管理加算を算定できません"),
            true,
        );
        return Ok(());
    }
    // B001-3 注2 / B001-3-3 注2: included in 生活習慣病管理料 in the month it is billed (today
    // or on an earlier visit).
    if let Some(name) = super::lifestyle::covering_management(p) {
        p.warn(
            WarningCode::OutpatientManagementBlocked,
            Some(code),
            format!("外来管理加算は{name}に含まれるため算定できません"),
            true,
        );
        return Ok(());
    }
    p.add_rule(
        code,
        1,
        "再診時に計画的な医学管理を行ったため外来管理加算".into(),
        src::A001_MANAGEMENT,
    )?;
    Ok(())
}
