// The entry points the fuzz targets drive, included by each target and by
// shared/tests/fuzz_regressions.rs so that a kept crash input replays exactly as it was found.
// Each must return (not panic, not hang) for any bytes.

/// A request body read as one of the API's request types (chosen by the first byte: every type
/// a route reads), and the request's own validation where it has one.
#[allow(dead_code)]
pub fn json_body(data: &[u8]) {
    use shared::api::body::parse;
    use shared::api::{
        auth, billing, chart, devices, insurance, patients, reception, security, users,
    };
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let Some(today) = shared::domain::japanese::parse_date("2026-12-03") else {
        return;
    };
    match which % 32 {
        0 => drop(parse::<auth::Login>(body)),
        1 => drop(parse::<auth::SecondFactor>(body)),
        2 => drop(parse::<auth::ChangePassword>(body)),
        3 => drop(parse::<auth::StartTotp>(body)),
        4 => drop(parse::<auth::ConfirmTotp>(body)),
        5 => drop(parse::<auth::ConfirmPassword>(body)),
        6 => drop(parse::<auth::WebauthnRegistration>(body)),
        7 => drop(parse::<auth::WebauthnAssertion>(body)),
        8 => drop(parse::<billing::BillingSettingsInput>(body).map(|s| s.validate())),
        9 => drop(parse::<billing::SaveItemSet>(body).map(|s| s.validate())),
        10 => drop(parse::<billing::FinalizeBill>(body).map(|b| b.visit.code_problems())),
        11 => drop(parse::<billing::MasterRowsRequest>(body)),
        12 => drop(parse::<chart::CreateNote>(body)),
        13 => drop(parse::<chart::SaveDraft>(body).map(|d| d.soap.validate())),
        14 => drop(parse::<chart::FinalizeNote>(body)),
        15 => drop(parse::<chart::DiagnosisInput>(body).map(|d| d.validate())),
        16 => drop(parse::<chart::RecordVitals>(body).map(|v| v.values.validate())),
        17 => {
            if let Ok(l) = parse::<chart::RecordLabs>(body) {
                for r in &l.results {
                    let _ = r.validate();
                }
            }
        }
        18 => drop(parse::<chart::CorrectVitals>(body).map(|c| c.vitals.values.validate())),
        19 => drop(parse::<chart::PrintChart>(body)),
        20 => drop(parse::<devices::RegisterDevice>(body)),
        21 => drop(parse::<insurance::InsuranceInput>(body).map(|i| i.validate())),
        22 => drop(parse::<insurance::EditInsurance>(body).map(|i| i.insurance.validate())),
        23 => drop(parse::<insurance::PublicPaymentInput>(body).map(|p| p.validate())),
        24 => {
            drop(parse::<insurance::EditPublicPayment>(body).map(|p| p.public_payment.validate()))
        }
        25 => drop(parse::<patients::RegisterPatient>(body).map(|p| p.patient.validate(today))),
        26 => drop(parse::<patients::PatientInput>(body).map(|p| p.validate(today))),
        27 => drop(parse::<patients::UpdatePatient>(body).map(|p| p.patient.validate(today))),
        28 => drop(parse::<reception::CheckIn>(body).map(|c| c.validate())),
        29 => drop(parse::<reception::MoveReception>(body)),
        30 => drop(parse::<security::SaveSecurityPolicy>(body).map(|s| s.policy.validate())),
        _ => drop(parse::<users::CreateUser>(body).map(|u| u.validate())),
    }
}

/// A lab-result file (CSV, UTF-8 or Shift_JIS) as the import reads it.
#[allow(dead_code)]
pub fn lab_csv(data: &[u8]) {
    let _ = shared::domain::chart::parse_lab_csv(data);
}

/// A 基本マスター file (CSV, CP932) under a name chosen by the first byte: each kind, full or
/// difference, or a name that says nothing (the kind then comes from the rows).
#[allow(dead_code)]
pub fn master_csv(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    const NAMES: [&str; 8] = [
        "s_ALL20240531.csv",
        "y_ALL20240531.csv",
        "t_ALL20240531.csv",
        "c_ALL20240531.csv",
        "b_ALL20240531.csv",
        "z_ALL20240531.csv",
        "s_20240906.csv",
        "master.csv",
    ];
    let _ = shared::masters::parse_file_detect(NAMES[usize::from(which) % NAMES.len()], body);
}
