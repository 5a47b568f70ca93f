//! Helpers for the benchmarks in `tests/benches/` (harness = false).

use std::future::Future;
use std::time::Duration;

/// Runs a benchmark's async body on a multi-threaded runtime, as the server runs.
pub fn run<F: Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body);
}

/// The `p` quantile (0.0–1.0) of `samples`, nearest rank.
pub fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// A variable of the environment as a number, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const FAMILY: [(&str, &str); 10] = [
    ("架空", "カクウ"),
    ("試験", "シケン"),
    ("見本", "ミホン"),
    ("仮名", "カメイ"),
    ("模擬", "モギ"),
    ("例示", "レイジ"),
    ("空想", "クウソウ"),
    ("虚構", "キョコウ"),
    ("想像", "ソウゾウ"),
    ("創作", "ソウサク"),
];
const GIVEN: [(&str, &str); 10] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("次郎", "ジロウ"),
    ("良子", "ヨシコ"),
    ("三郎", "サブロウ"),
    ("幸子", "サチコ"),
    ("健", "ケン"),
    ("恵", "メグミ"),
    ("翔", "ショウ"),
    ("愛", "アイ"),
];

/// Inserts `n` fictitious patients for `tenant` with set-based SQL (as the owner, under the
/// tenant's RLS setting), numbered from 1.
pub async fn seed_patients(pool: &sqlx::PgPool, tenant: uuid::Uuid, n: u64) {
    let mut tx = crate::tenant_tx(pool, tenant).await;
    let family: Vec<String> = FAMILY.iter().map(|f| f.0.to_string()).collect();
    let family_kana: Vec<String> = FAMILY.iter().map(|f| f.1.to_string()).collect();
    let given: Vec<String> = GIVEN.iter().map(|g| g.0.to_string()).collect();
    let given_kana: Vec<String> = GIVEN.iter().map(|g| g.1.to_string()).collect();
    sqlx::query(
        "with s as (select g, gen_random_uuid() as id from generate_series(1, $2::bigint) g) \
         insert into patient (tenant_id, patient_id, patient_number, version, name, kana, kana_normalized, sex, birth_date, phone_digits) \
         select $1, id, g::text, 1, \
            ($3::text[])[1 + g % 10] || ' ' || ($5::text[])[1 + (g / 10) % 10], \
            ($4::text[])[1 + g % 10] || ' ' || ($6::text[])[1 + (g / 10) % 10], \
            replace(replace(($4::text[])[1 + g % 10] || ($6::text[])[1 + (g / 10) % 10], 'ョ', 'ヨ'), 'ャ', 'ヤ'), \
            case when g % 2 = 0 then 'male' else 'female' end, \
            date '1930-01-01' + (g % 33000)::int, \
            '0' || lpad((g * 7919 % 1000000000)::text, 9, '0') \
         from s",
    )
    .bind(tenant)
    .bind(n as i64)
    .bind(&family)
    .bind(&family_kana)
    .bind(&given)
    .bind(&given_kana)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into patient_version (tenant_id, patient_id, version, name, kana, sex, birth_date) \
         select tenant_id, patient_id, 1, name, kana, sex, birth_date from patient",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("analyze patient").execute(pool).await.unwrap();
}

/// Seeds `visits` visits, `every_days` apart back from 2026-11-20, for each of `patients` (as the owner, under the tenant's RLS setting):
/// a finalised note of about 1,200 characters, that day's vitals and eight lab results. One
/// transaction: the notes it makes are those created at its `now()`.
pub async fn seed_visits(
    pool: &sqlx::PgPool,
    tenant: uuid::Uuid,
    author: uuid::Uuid,
    patients: &[uuid::Uuid],
    visits: i64,
    every_days: i64,
) {
    let mut tx = crate::tenant_tx(pool, tenant).await;
    let filler =
        "咳嗽と咽頭痛の訴えあり。発熱なし。食欲良好、睡眠良好。服薬遵守良好で副作用の訴えなし。"
            .repeat(6);
    sqlx::query(
        "insert into clinical_note (tenant_id, note_id, patient_id, visit_date, created_by) \
         select $1, gen_random_uuid(), p, date '2026-11-20' - (g * $5::int), $3 \
         from unnest($2::uuid[]) p, generate_series(0, $4::int - 1) g",
    )
    .bind(tenant)
    .bind(patients)
    .bind(author)
    .bind(visits)
    .bind(every_days)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into note_version (tenant_id, note_id, version, subjective, objective, assessment, plan, \
           author_user_id, reason, hash, created_at) \
         select tenant_id, note_id, 1, $2, '血圧 128/76 脈拍 72 整。' || $2, \
           '高血圧症 コントロール良好（' || visit_date || '）', '処方継続。次回4週後。' || $2, \
           $3, '', sha256(note_id::text::bytea), visit_date::timestamptz + interval '10 hours' \
         from clinical_note where tenant_id = $1 and patient_id = any($4) and created_at = now()",
    )
    .bind(tenant)
    .bind(&filler)
    .bind(author)
    .bind(patients)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into vital_sign (tenant_id, vital_id, patient_id, measured_at, temperature_x10, pulse, \
           systolic, diastolic, spo2, author_user_id) \
         select tenant_id, gen_random_uuid(), patient_id, (visit_date::timestamp + interval '9 hours') at time zone 'Asia/Tokyo', \
           360 + (extract(day from visit_date)::int % 10), 60 + (extract(day from visit_date)::int % 30), 120, 76, 97, $2 \
         from clinical_note where tenant_id = $1 and patient_id = any($3) and created_at = now()",
    )
    .bind(tenant)
    .bind(author)
    .bind(patients)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into lab_result (tenant_id, lab_id, patient_id, collected_on, item_name, value, numeric_value, \
           unit, reference_low, reference_high, flag, author_user_id) \
         select n.tenant_id, gen_random_uuid(), n.patient_id, n.visit_date, i.name, \
           (i.base + (extract(day from n.visit_date)::int % 5))::text, i.base + (extract(day from n.visit_date)::int % 5), \
           i.unit, i.low, i.high, case when i.base + (extract(day from n.visit_date)::int % 5) > i.high then 'H' end, $2 \
         from clinical_note n, (values ('AST', 20, 'U/L', 13, 30), ('ALT', 18, 'U/L', 10, 42), \
           ('LDL-C', 120, 'mg/dL', 65, 139), ('HDL-C', 55, 'mg/dL', 40, 90), ('TG', 130, 'mg/dL', 30, 149), \
           ('HbA1c', 6, '%', 4.6, 6.2), ('Cre', 1, 'mg/dL', 0.6, 1.1), ('UA', 6, 'mg/dL', 3.7, 7.8)) \
           as i(name, base, unit, low, high) \
         where n.tenant_id = $1 and n.patient_id = any($3) and n.created_at = now()",
    )
    .bind(tenant)
    .bind(author)
    .bind(patients)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for table in ["clinical_note", "note_version", "vital_sign", "lab_result"] {
        sqlx::query(&format!("analyze {table}"))
            .execute(pool)
            .await
            .unwrap();
    }
}
