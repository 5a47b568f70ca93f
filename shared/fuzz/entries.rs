// The entry points the fuzz targets drive, included by each target and by
// shared/tests/fuzz_regressions.rs so that a kept crash input replays exactly as it was found.
// Each must return (not panic, not hang) for any bytes.

/// A request body read as one of the API's request types (chosen by the first byte), and the
/// request's own validation where it has one.
#[allow(dead_code)]
pub fn json_body(data: &[u8]) {
    use shared::api::body::parse;
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let Some(today) = shared::domain::japanese::parse_date("2026-12-03") else {
        return;
    };
    match which % 14 {
        0 => {
            let _ = parse::<shared::api::auth::Login>(body);
        }
        1 => {
            if let Ok(p) = parse::<shared::api::patients::RegisterPatient>(body) {
                let _ = p.patient.validate(today);
            }
        }
        2 => {
            if let Ok(p) = parse::<shared::api::patients::UpdatePatient>(body) {
                let _ = p.patient.validate(today);
            }
        }
        3 => {
            if let Ok(c) = parse::<shared::api::reception::CheckIn>(body) {
                let _ = c.validate();
            }
        }
        4 => {
            let _ = parse::<shared::api::billing::FinalizeBill>(body);
        }
        5 => {
            if let Ok(s) = parse::<shared::api::billing::SaveItemSet>(body) {
                let _ = s.validate();
            }
        }
        6 => {
            if let Ok(d) = parse::<shared::api::chart::SaveDraft>(body) {
                let _ = d.soap.validate();
            }
        }
        7 => {
            let _ = parse::<shared::api::chart::DiagnosisInput>(body);
        }
        8 => {
            if let Ok(v) = parse::<shared::api::chart::RecordVitals>(body) {
                let _ = v.values.validate();
            }
        }
        9 => {
            if let Ok(l) = parse::<shared::api::chart::RecordLabs>(body) {
                for r in &l.results {
                    let _ = r.validate();
                }
            }
        }
        10 => {
            if let Ok(i) = parse::<shared::api::insurance::EditInsurance>(body) {
                let _ = i.insurance.validate();
            }
        }
        11 => {
            if let Ok(s) = parse::<shared::api::security::SaveSecurityPolicy>(body) {
                let _ = s.policy.validate();
            }
        }
        12 => {
            if let Ok(s) = parse::<shared::api::billing::BillingSettingsInput>(body) {
                let _ = s.validate();
            }
        }
        _ => {
            let _ = parse::<shared::api::billing::MasterRowsRequest>(body);
        }
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
