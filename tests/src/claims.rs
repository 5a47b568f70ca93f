//! A clinic set up for month-end claims, shared by the API and browser tests: the demo masters
//! (`server/masters-demo`, so nothing needs `../shared`), billing settings, a doctor, a clerk
//! and a nurse, and helpers that register, check in, diagnose and bill fictitious patients the
//! way the screens do (the bill priced by the shared engine, then finalised).

use crate::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::billing::{BillContext, BillVersion};
use shared::api::reception::ReceptionEntry;
use shared::billing::{price_visit, Visit};
use std::path::PathBuf;

pub const DOCTOR_PASSWORD: &str = "doctor-secret-2026-a";
pub const CLERK_PASSWORD: &str = "front-desk-pass-2026";
pub const NURSE_PASSWORD: &str = "ward-secret-words-26";

pub fn demo_master(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/masters-demo"
    ))
    .join(name)
}

pub fn this_month() -> String {
    let today = karte_server::clock::today_jst();
    format!("{:04}-{:02}", today.year(), u8::from(today.month()))
}

pub struct Clinic {
    pub app: TestApp,
    pub code: String,
    pub tenant: shared::ids::TenantId,
    pub admin: ApiClient,
    pub doctor: ApiClient,
    pub clerk: ApiClient,
    pub nurse: ApiClient,
}

/// A clinic with 医療機関コード `code`.
pub async fn clinic(code: &str, name: &str) -> Clinic {
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    karte_server::cli::import_master_files(
        &owner,
        &[
            demo_master("s_ALL20240531.csv"),
            demo_master("y_ALL20240531.csv"),
            demo_master("b_20240601.csv"),
            demo_master("z_20240601.csv"),
            demo_master("c_ALL20240531.csv"),
        ],
    )
    .await
    .expect("the demo masters");
    let (provisioned, admin) = app.admin_session(code, name).await;
    let res = admin
        .post(
            "/billing/settings",
            &json!({"base_version": 0, "valid_from": "2024-06-01", "institution_type": "clinic",
                    "general_beds": 0, "in_house_dispensing": true,
                    "standards": {"pharmacist_full_time": true}, "reason": "開設時の届出"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let (_, doctor) = app
        .staff_session(&admin, code, "doctor1", "doctor", DOCTOR_PASSWORD)
        .await;
    let (_, clerk) = app
        .staff_session(&admin, code, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let (_, nurse) = app
        .staff_session(&admin, code, "nurse1", "nurse", NURSE_PASSWORD)
        .await;
    Clinic {
        app,
        code: code.to_string(),
        tenant: provisioned.tenant_id,
        admin,
        doctor,
        clerk,
        nurse,
    }
}

impl Clinic {
    /// Registers a patient with an insurance (none when `insurer` is empty: 公費単独) and a 公費
    /// when given, and checks them in today with both as the visit's 保険組合せ.
    pub async fn patient(
        &self,
        name: &str,
        kana: &str,
        birth: &str,
        insurer: &str,
        public: Option<Value>,
    ) -> (String, ReceptionEntry) {
        let p: shared::api::patients::PatientDetail = self
            .clerk
            .post(
                "/patients",
                &json!({"name": name, "kana": kana, "sex": "female", "birth_date": birth,
                        "confirm_duplicate": true}),
            )
            .await
            .json();
        let mut coverage = json!({"insurance_id": null, "public_payment_ids": []});
        if !insurer.is_empty() {
            let res = self
                .clerk
                .post(
                    &format!("/patients/{}/insurances", p.patient_id),
                    &json!({"insurer_number": insurer, "symbol": "架空", "number": "1",
                            "branch": "01", "relationship": "insured",
                            "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            coverage["insurance_id"] = res.body["insurance_id"].clone();
        }
        if let Some(public) = public {
            let res = self
                .clerk
                .post(
                    &format!("/patients/{}/public-payments", p.patient_id),
                    &public,
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            coverage["public_payment_ids"] = json!([res.body["public_payment_id"]]);
        }
        let reception: ReceptionEntry = self
            .clerk
            .post(
                "/receptions",
                &json!({"patient_id": p.patient_id, "department": "内科", "coverage": coverage}),
            )
            .await
            .json();
        (p.patient_id.to_string(), reception)
    }

    pub async fn diagnosis(&self, patient: &str, code: &str) {
        let res = self
            .doctor
            .post(
                &format!("/patients/{patient}/diagnoses"),
                &json!({"disease_code": code, "is_main": true, "start_date": "2024-06-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }

    /// 会計 of a 初診 with `items`, priced as the browser prices it, then finalised (or, with
    /// `base_version` 1, corrected with a reason).
    pub async fn bill(
        &self,
        reception: &ReceptionEntry,
        items: &[&str],
        base_version: i32,
    ) -> BillVersion {
        let path = format!("/receptions/{}/bill", reception.reception_id);
        let context: BillContext = self.clerk.get(&path).await.json();
        let visit: Visit = serde_json::from_value(json!({
            "service_date": context.service_date, "birth_date": context.birth_date,
            "burden": match context.burden_tenths {
                Some(tenths) => json!({"kind": "tenths", "tenths": tenths}),
                None => json!({"kind": "public_only"}),
            },
            "kind": "initial", "facility": {"kind": "clinic"},
            "items": items.iter().map(|c| json!({"code": c})).collect::<Vec<_>>(),
            "public_expense": context.public_expense,
        }))
        .unwrap();
        let settings = context.settings.as_ref().expect("billing settings");
        let visit = Visit {
            facility: shared::billing::Facility {
                kind: shared::billing::FacilityKind::Clinic,
                standards: settings.standards,
            },
            month_history: context.month_history.clone(),
            ..visit
        };
        let catalog = crate::browser_catalog(&self.clerk, &context.service_date, &visit).await;
        let priced = price_visit(&visit, &catalog).unwrap();
        let res = self
            .clerk
            .post(
                &path,
                &json!({"base_version": base_version, "visit": visit, "orders": [],
                        "reason": if base_version > 0 { "検査の追加" } else { "" },
                        "expected_total_points": priced.total_points.0,
                        "expected_patient_share": priced.share.patient.0,
                        "paid": priced.share.patient.0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()
    }
}

/// The ids of the clinic's doctor and clerk (the demo seeder writes as them).
pub async fn staff_ids(
    tx: &mut karte_server::db::TenantTx,
) -> (shared::ids::UserId, shared::ids::UserId) {
    let doctor = karte_server::db::users::find_by_login(
        tx,
        &shared::domain::LoginId::parse("doctor1").unwrap(),
    )
    .await
    .unwrap()
    .expect("doctor1");
    let clerk = karte_server::db::users::find_by_login(
        tx,
        &shared::domain::LoginId::parse("clerk1").unwrap(),
    )
    .await
    .unwrap()
    .expect("clerk1");
    (
        shared::ids::UserId(doctor.user_id),
        shared::ids::UserId(clerk.user_id),
    )
}
