//! 印刷物 over the API: the 領収証 and 明細書 of a finalised bill version and the chart print as
//! PDFs rendered by the one PDF path, made from the server's own records, kept in both file
//! stores with their SHA-256, the same source printed once and every output numbered and
//! audited (reprints marked); who may read which print; tenancy. Fictitious people only.

use karte_tests::claims::{clinic, Clinic};
use karte_tests::pdf::{pages, poppler};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::api::chart::PrintRef;

const CODE_A: &str = "1319999971";

/// `text` without white space (pdftotext sets out the layout with spaces and line breaks).
fn flat(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A PDF as the server sent it.
struct Pdf {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Pdf {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn pdf(client: &karte_tests::ApiClient, path: &str) -> Pdf {
    let (status, headers, bytes) = client.get_file(path).await;
    Pdf {
        status,
        headers,
        bytes,
    }
}

/// A pool that sees every institution's rows (a superuser: for checking what is stored).
async fn superuser(c: &Clinic) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(karte_tests::admin_options().database(&c.app.db_name))
        .await
        .unwrap()
}

async fn rows(c: &Clinic, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&superuser(c).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_receipt_and_statement_of_a_bill_version_are_kept_pdfs_and_every_output_audited() {
    let c = clinic(CODE_A, "架空印刷クリニック").await;
    let (_, visit) = c
        .patient(
            "架空 領収",
            "カクウ リョウシュウ",
            "1970-01-01",
            "01130012",
            None,
        )
        .await;
    let bill = c.bill(&visit, &["160008010", "160095710"], 0).await;
    let base = format!(
        "/receptions/{}/bill/versions/{}",
        visit.reception_id, bill.version
    );

    // Nurses do not take payments; other documents and versions are not there.
    assert_eq!(
        c.nurse.get(&format!("{base}/receipt.pdf")).await.status,
        StatusCode::FORBIDDEN
    );
    for missing in [
        format!("{base}/invoice.pdf"),
        format!(
            "/receptions/{}/bill/versions/9/receipt.pdf",
            visit.reception_id
        ),
        format!(
            "/receptions/{}/bill/versions/x/receipt.pdf",
            visit.reception_id
        ),
    ] {
        let res = c.clerk.get(&missing).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{missing}");
    }
    // A HEAD only asks about a print that exists: it makes none.
    let head = c
        .clerk
        .send(
            c.clerk
                .request(reqwest::Method::HEAD, &format!("{base}/receipt.pdf"))
                .await,
        )
        .await;
    assert_eq!(head.status, StatusCode::NOT_FOUND);
    assert_eq!(rows(&c, "select count(*) from print_record").await, 0);
    assert_eq!(rows(&c, "select count(*) from stored_file").await, 0);

    let receipt = pdf(&c.clerk, &format!("{base}/receipt.pdf")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.header("content-type"), "application/pdf");
    assert!(receipt.header("content-disposition").starts_with("inline"));
    assert_eq!(receipt.header("x-content-type-options"), "nosniff");
    let text = flat(&poppler("pdftotext", &receipt.bytes));
    let points = bill.priced.total_points.0;
    for expected in [
        "領収証".to_string(),
        "架空 領収 様".to_string(),
        "保険者番号 01130012".to_string(),
        "架空印刷クリニック".to_string(),
        format!("{}点", shared::billing::thousands(points)),
        "領収金額".to_string(),
        format!("{}円", shared::billing::thousands(bill.paid)),
        shared::print::TAX_NOTE.to_string(),
    ] {
        assert!(text.contains(&flat(&expected)), "{expected} in:\n{text}");
    }
    let fonts = poppler("pdffonts", &receipt.bytes);
    assert!(fonts.contains("IPA"), "{fonts}");

    let statement = pdf(&c.clerk, &format!("{base}/statement.pdf")).await;
    assert_eq!(statement.status, StatusCode::OK);
    let text = flat(&poppler("pdftotext", &statement.bytes));
    assert!(text.contains("診療明細書"), "{text}");
    for line in &bill.priced.lines {
        // Long names wrap inside their column.
        let head: String = flat(&line.name).chars().take(6).collect();
        assert!(text.contains(&head), "{} in:\n{text}", line.name);
    }
    assert!(text.contains(&flat(shared::print::FREE_NOTE)), "{text}");

    // Printed once: the second output is the same bytes from the stores, numbered a reprint.
    let again = pdf(&c.clerk, &format!("{base}/receipt.pdf")).await;
    assert_eq!(again.bytes, receipt.bytes);
    assert_eq!(rows(&c, "select count(*) from print_record").await, 2);
    assert_eq!(
        rows(
            &c,
            "select count(*) from print_output o join print_record r using (tenant_id, print_id) \
             where r.kind = 'receipt'"
        )
        .await,
        2
    );
    // A HEAD asks about the file; it is no output.
    let head = c
        .clerk
        .send(
            c.clerk
                .request(reqwest::Method::HEAD, &format!("{base}/receipt.pdf"))
                .await,
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(rows(&c, "select count(*) from print_output").await, 3);

    // Kept in both stores, by the SHA-256 recorded with it.
    let sum: String = shared::media::hex(&Sha256::digest(&receipt.bytes));
    let pool = superuser(&c).await;
    let (key, stored_sum, origin): (String, Vec<u8>, String) = sqlx::query_as(
        "select f.object_key, f.sha256, f.origin from print_record r \
         join stored_file f using (tenant_id, file_id) where r.kind = 'receipt'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shared::media::hex(&stored_sum), sum);
    assert_eq!(origin, "generated");
    for dir in c.app.file_stores() {
        let copy = std::fs::read(dir.join(&key)).expect("a copy in each store");
        assert_eq!(copy, receipt.bytes);
    }
    // A generated print is no attachment: not through the file routes.
    let file_id: uuid::Uuid =
        sqlx::query_scalar("select file_id from print_record where kind = 'receipt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        c.clerk.get(&format!("/files/{file_id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Audited: made once, output three times (HEAD excluded), the later ones reprints.
    let audit = c
        .admin
        .get("/logs/audit?action=print_output&limit=10")
        .await;
    let entries = audit.body["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "{}", audit.body);
    let reprints: Vec<bool> = entries
        .iter()
        .map(|e| e["details"]["reprint"].as_bool().unwrap())
        .collect();
    assert_eq!(reprints.iter().filter(|r| **r).count(), 1, "{reprints:?}");
    let made = c
        .admin
        .get("/logs/audit?action=print_create&limit=10")
        .await;
    assert_eq!(made.body["entries"].as_array().unwrap().len(), 2);
    // The access log marks the patient.
    let access = c.admin.get("/logs/access?limit=50").await;
    let marked = access.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["route"]
                .as_str()
                .is_some_and(|p| p.ends_with("/versions/{version}/{document}"))
                && e["status"] == 200
                && e["patient_id"].as_str() == Some(visit.patient_id.to_string().as_str())
        })
        .count();
    assert_eq!(marked, 4, "three GETs and a HEAD: {}", access.body);

    // By id, for the front desk; the chart's readers may not read a 領収証.
    let print: uuid::Uuid =
        sqlx::query_scalar("select print_id from print_record where kind = 'statement'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let by_id = pdf(&c.clerk, &format!("/prints/{print}/pdf")).await;
    assert_eq!(by_id.bytes, statement.bytes);
    assert_eq!(
        c.nurse.get(&format!("/prints/{print}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );

    // A corrected bill is a new version: its own 領収証, the first one kept.
    let corrected = c
        .bill(&visit, &["160008010", "160095710", "160022510"], 1)
        .await;
    let v2 = pdf(
        &c.clerk,
        &format!(
            "/receptions/{}/bill/versions/{}/receipt.pdf",
            visit.reception_id, corrected.version
        ),
    )
    .await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_ne!(v2.bytes, receipt.bytes);
    let first = pdf(&c.clerk, &format!("{base}/receipt.pdf")).await;
    assert_eq!(first.bytes, receipt.bytes);
}

#[tokio::test]
async fn the_chart_print_is_a_kept_pdf_with_the_banner_on_every_page() {
    let c = clinic(CODE_A, "架空印刷クリニック").await;
    let (pid, _) = c
        .patient("架空 印字", "カクウ インジ", "1980-02-02", "01130012", None)
        .await;
    c.diagnosis(&pid, "8833421").await;
    // Enough notes for several pages, one amended.
    let today = karte_server::clock::today_jst();
    let mut first_note = None;
    for i in 0..12 {
        let note: shared::api::chart::NoteDetail = c
            .doctor
            .post(
                &format!("/patients/{pid}/notes"),
                &json!({"visit_date": shared::domain::japanese::format_date(today)}),
            )
            .await
            .json();
        let soap = json!({"subjective": format!("架空の訴え{i}。").repeat(30),
                          "objective": "血圧 128/80", "assessment": "経過良好", "plan": "継続"});
        let res = c
            .doctor
            .put(
                &format!("/notes/{}/draft", note.note_id),
                &json!({"base_revision": 0, "base_version": 0, "soap": soap}),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        let revision = res.body["revision"].as_i64().unwrap();
        let res = c
            .doctor
            .post(
                &format!("/notes/{}/finalize", note.note_id),
                &json!({"revision": revision, "reason": ""}),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        first_note.get_or_insert(note.note_id);
    }
    let day = shared::domain::japanese::format_date(today);
    let body = json!({"from": day, "to": day});
    let path = format!("/patients/{pid}/chart/prints/pdf");
    assert_eq!(
        c.clerk.post(&path, &body).await.status,
        StatusCode::FORBIDDEN
    );
    let res = c.doctor.post(&path, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let made: PrintRef = res.json();
    let printed = pdf(&c.nurse, &format!("/prints/{}/pdf", made.print_id)).await;
    assert_eq!(printed.status, StatusCode::OK);
    let n = pages(&printed.bytes);
    assert!(n >= 2, "{n} pages");
    let text = poppler("pdftotext", &printed.bytes);
    // The banner on every page (pdftotext separates pages with form feeds).
    let page_texts: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(page_texts.len(), n);
    for page in &page_texts {
        assert!(flat(page).contains("架空印字（カクウインジ）"), "{page}");
    }
    let all = flat(&text);
    for expected in [
        "診療録",
        "傷病名",
        "経過記録",
        "第1版（最新）",
        "架空の訴え11",
    ] {
        assert!(all.contains(expected), "{expected} in:\n{text}");
    }
    // The clerk (front desk) may not read a chart print; a print of another kind by id.
    assert_eq!(
        c.clerk
            .get(&format!("/prints/{}/pdf", made.print_id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Every print is its own: the chart as it is when printed.
    let again: PrintRef = c.doctor.post(&path, &body).await.json();
    assert_ne!(again.print_id, made.print_id);
    let audit = c.admin.get("/logs/audit?action=chart_print&limit=10").await;
    assert_eq!(audit.body["entries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn prints_are_the_institutions_own() {
    let a = clinic(CODE_A, "架空印刷クリニック").await;
    let (_, visit) = a
        .patient(
            "架空 境界",
            "カクウ キョウカイ",
            "1970-01-01",
            "01130012",
            None,
        )
        .await;
    let bill = a.bill(&visit, &[], 0).await;
    let base = format!(
        "/receptions/{}/bill/versions/{}",
        visit.reception_id, bill.version
    );
    assert_eq!(
        pdf(&a.clerk, &format!("{base}/receipt.pdf")).await.status,
        StatusCode::OK
    );
    let pool = superuser(&a).await;
    let print: uuid::Uuid = sqlx::query_scalar("select print_id from print_record")
        .fetch_one(&pool)
        .await
        .unwrap();
    // A second institution on the same server.
    let (_, other_admin) = a.app.admin_session("2719999972", "架空他院").await;
    let (_, other_clerk) = a
        .app
        .staff_session(
            &other_admin,
            "2719999972",
            "clerk1",
            "clerk",
            "front-desk-pass-2026",
        )
        .await;
    for path in [
        format!("{base}/receipt.pdf"),
        format!("/prints/{print}/pdf"),
    ] {
        let res = other_clerk.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        rows(&a, "select count(*) from print_output").await,
        1,
        "the other institution's requests output nothing"
    );
}

#[tokio::test]
async fn two_first_requests_make_one_print_and_a_name_the_font_lacks_prints_as_geta() {
    let c = clinic(CODE_A, "架空印刷クリニック").await;
    // A name with a character the IPA font has no glyph for (stored as typed).
    let (_, visit) = c
        .patient(
            "架空 🩺子",
            "カクウ ミホンコ",
            "1970-01-01",
            "01130012",
            None,
        )
        .await;
    let bill = c.bill(&visit, &[], 0).await;
    let path = format!(
        "/receptions/{}/bill/versions/{}/receipt.pdf",
        visit.reception_id, bill.version
    );
    let (a, b) = tokio::join!(pdf(&c.clerk, &path), pdf(&c.clerk, &path));
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(rows(&c, "select count(*) from print_record").await, 1);
    assert_eq!(
        rows(&c, "select count(*) from stored_file").await,
        1,
        "the second request rendered and stored nothing"
    );
    assert_eq!(rows(&c, "select count(*) from print_output").await, 2);
    let text = flat(&poppler("pdftotext", &a.bytes));
    assert!(text.contains("架空〓子様"), "{text}");
    let made = c
        .admin
        .get("/logs/audit?action=print_create&limit=10")
        .await;
    let entries = made.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["details"]["substituted"], 2, "title and name");
}
