//! Month-end claims (レセプト) over the API: the month's inputs, the claims the shared code
//! builds from them (the same in the test as on the server), the checks that stop a filing, the
//! filing kept with its UKE files byte for byte, re-filing as a new version, a bill corrected
//! after filing marked 要再請求, roles, tenancy and the audit. Fictitious people only; the demo
//! masters in `server/masters-demo`, so nothing here needs `../shared`.

use karte_tests::claims::{clinic, this_month, CLERK_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;
use shared::api::claims::{FilingDetail, MonthClaimsContext, MonthTotals};
use shared::api::logs::{AuditLogEntry, LogPage};
use shared::claims::month::{build_claims, ClaimOrigin, Payer, ProblemCode};
use shared::claims::uke::{read_uke, UkeMonth};

const CODE_A: &str = "1319999971";
const CODE_B: &str = "2719999972";

#[tokio::test]
async fn a_month_is_checked_filed_as_uke_and_read_back() {
    let c = clinic(CODE_A, "架空請求クリニック").await;
    let month = this_month();
    // 医保単独 (協会けんぽ 本人); 国保 + a 公費 (0割); a third with no 傷病名 (a planted 病名漏れ).
    let (a, visit_a) = c
        .patient(
            "架空 請求一",
            "カクウ セイキュウイチ",
            "1970-01-01",
            "01130012",
            None,
        )
        .await;
    let (b, visit_b) = c
        .patient(
            "架空 請求二",
            "カクウ セイキュウニ",
            "1980-02-02",
            "138057",
            Some(
                json!({"payer_number": "54136015", "recipient_number": "1234566",
                        "valid_from": "2020-01-01", "patient_tenths": "0"}),
            ),
        )
        .await;
    let (third, visit_c) = c
        .patient(
            "架空 請求三",
            "カクウ セイキュウサン",
            "1990-03-03",
            "06139992",
            None,
        )
        .await;
    c.diagnosis(&a, "8833421").await;
    c.diagnosis(&b, "2500015").await;
    let bill_a = c.bill(&visit_a, &["160008010", "160095710"], 0).await;
    c.bill(&visit_b, &[], 0).await;
    c.bill(&visit_c, &[], 0).await;

    // The month as the browser builds it.
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    assert_eq!(context.inputs.len(), 3);
    assert_eq!(context.institution.code, "9999971");
    assert_eq!(context.institution.prefecture, "13");
    assert!(context.filings.is_empty());
    let claims = build_claims(context.month, &context.inputs, &context.masters);
    assert_eq!(claims.len(), 3);
    let kinds: Vec<(&str, Payer)> = claims
        .iter()
        .map(|c| (c.records.re.claim_kind.as_str(), c.payer))
        .collect();
    assert!(kinds.contains(&("1112", Payer::Fund)), "{kinds:?}");
    assert!(kinds.contains(&("1122", Payer::Kokuho)), "{kinds:?}");
    let missing: Vec<_> = claims
        .iter()
        .filter(|c| {
            c.problems
                .iter()
                .any(|p| p.code == ProblemCode::NoDiagnosis)
        })
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].patient_id.to_string(), third);
    let lab = claims
        .iter()
        .find(|c| c.patient_id.to_string() == a)
        .unwrap();
    assert_eq!(
        lab.records.ho.as_ref().unwrap().points,
        Some(bill_a.priced.total_points.0 as u32)
    );

    // Filing refuses a month with errors, names how many.
    let file = format!("/claims/{month}/file");
    let expected = MonthTotals::of(&claims);
    let res = c.clerk.post(&file, &json!({"expected": expected})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.body["fields"][0]["code"], "errors");

    // The doctor adds the 病名; the clerk's old totals still agree (a 病名 adds no points).
    c.diagnosis(&third, "4659007").await;
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    let claims = build_claims(context.month, &context.inputs, &context.masters);
    assert!(
        claims.iter().all(|c| !c.has_errors()),
        "{:?}",
        claims.iter().map(|c| &c.problems).collect::<Vec<_>>()
    );
    let expected = MonthTotals::of(&claims);
    // A screen that showed other totals is refused.
    let stale = MonthTotals {
        points: expected.points + 1,
        ..expected
    };
    let res = c.clerk.post(&file, &json!({"expected": stale})).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["code"].as_str()),
        (StatusCode::CONFLICT, Some("changed"))
    );
    // The nurse may not file or read the month.
    let res = c.nurse.post(&file, &json!({"expected": expected})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.nurse.get(&format!("/claims/{month}")).await.status,
        StatusCode::FORBIDDEN
    );
    // A month that is not YYYY-MM is named.
    let res = c.clerk.get("/claims/2024-6").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Same totals but other claims (what the screen built is not what the server builds).
    let res = c
        .clerk
        .post(
            &file,
            &json!({"expected": expected, "digest": "0000000000000000"}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["fields"][0]["code"].as_str()),
        (StatusCode::CONFLICT, Some("changed"))
    );
    // A month not begun cannot be filed.
    let res = c
        .clerk
        .post("/claims/2199-12/file", &json!({"expected": expected}))
        .await;
    assert_eq!(res.field_names(), ["month"]);

    let digest = shared::api::claims::claims_digest(&claims);
    let res = c
        .clerk
        .post(&file, &json!({"expected": expected, "digest": digest}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let filed: FilingDetail = res.json();
    assert_eq!(filed.summary.version, 1);
    assert_eq!(filed.summary.totals, expected);
    assert_eq!(filed.claims.len(), 3);
    assert!(filed.claims.iter().all(|c| !c.needs_refiling()));
    let payers: Vec<Payer> = filed.summary.files.iter().map(|f| f.payer).collect();
    assert_eq!(payers, [Payer::Fund, Payer::Kokuho]);

    // Each file reads back as exactly the filed claims of its 審査支払機関.
    for f in &filed.summary.files {
        let res = c
            .clerk
            .get_bytes(&format!(
                "/claims/filings/{}/uke/{}",
                filed.summary.filing_id,
                f.payer.code()
            ))
            .await;
        assert_eq!(res.0, StatusCode::OK);
        let bytes = res.1;
        assert_eq!(bytes.len() as u64, f.bytes);
        assert_eq!(bytes.last(), Some(&0x1A), "EOF byte");
        let read = read_uke(&bytes).expect("the filed file reads");
        let ours: Vec<_> = filed
            .claims
            .iter()
            .filter(|c| c.claim.payer == f.payer)
            .map(|c| c.claim.records.clone())
            .collect();
        assert_eq!(read.claims, ours);
        assert_eq!(read.institution.institution_code, "9999971");
        assert!(read.check().is_empty());
    }

    // Filing again needs a reason and is a new version; the first stays as it was.
    let res = c.clerk.post(&file, &json!({"expected": expected})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = c
        .clerk
        .post(
            &file,
            &json!({"expected": expected, "reason": "提出前の再作成"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let again: FilingDetail = res.json();
    assert_eq!(again.summary.version, 2);
    assert_eq!(
        again.summary.files[0].sha256, filed.summary.files[0].sha256,
        "same month, same bytes"
    );

    // A bill corrected after filing: its claim is 要再請求 in the filing, which is unchanged.
    c.bill(&visit_a, &["160008010", "160095710", "160022510"], 1)
        .await;
    let detail: FilingDetail = c
        .clerk
        .get(&format!("/claims/filings/{}", filed.summary.filing_id))
        .await
        .json();
    let flagged: Vec<String> = detail
        .claims
        .iter()
        .filter(|c| c.needs_refiling())
        .map(|c| c.claim.patient_id.to_string())
        .collect();
    assert_eq!(flagged, std::slice::from_ref(&a));
    assert_eq!(
        detail.summary.totals, expected,
        "the filing itself never changes"
    );

    // 返戻: the 国保 claim comes back; recording it needs a 検索番号 and a reason, once.
    let kokuho = filed
        .claims
        .iter()
        .find(|c| c.claim.payer == Payer::Kokuho)
        .unwrap();
    let returns = format!("/claims/filings/{}/returns", filed.summary.filing_id);
    let body = |search: &str, reason: &str| {
        json!({"payer": "kokuho", "claim_number": kokuho.claim.records.re.claim_number,
               "search_number": search, "reason": reason})
    };
    let res = c.clerk.post(&returns, &body("123", "記号番号誤り")).await;
    assert_eq!(res.field_names(), ["search_number"]);
    let res = c
        .clerk
        .post(&returns, &body("20261201000000000123", ""))
        .await;
    assert_eq!(res.field_names(), ["reason"]);
    let res = c
        .clerk
        .post(&returns, &body("20261201000000000123", "記号番号誤り"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let after: FilingDetail = res.json();
    let returned = after
        .claims
        .iter()
        .find_map(|c| c.returned.as_ref())
        .expect("marked returned");
    assert!(!returned.refiled);
    let res = c
        .clerk
        .post(&returns, &body("20261201000000000123", "記号番号誤り"))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "only once");

    // Audited: the reads and the filings.
    let page: LogPage<AuditLogEntry> = c
        .admin
        .get("/logs/audit?action=claims_file&limit=10")
        .await
        .json();
    assert_eq!(page.entries.len(), 2);
    assert_eq!(page.entries[0].details["claims"], json!(3));
    let page: LogPage<AuditLogEntry> = c
        .admin
        .get("/logs/audit?action=claims_download&limit=10")
        .await
        .json();
    assert_eq!(page.entries.len(), 2);
    let page: LogPage<AuditLogEntry> = c
        .admin
        .get("/logs/audit?action=claims_return&limit=10")
        .await
        .json();
    assert_eq!(page.entries.len(), 1);

    // Another institution sees none of it.
    let (_, admin_b) = c.app.admin_session(CODE_B, "架空第二病院").await;
    let (_, clerk_b) = c
        .app
        .staff_session(&admin_b, CODE_B, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let theirs: MonthClaimsContext = clerk_b.get(&format!("/claims/{month}")).await.json();
    assert!(theirs.inputs.is_empty() && theirs.filings.is_empty());
    let res = clerk_b
        .get(&format!("/claims/filings/{}", filed.summary.filing_id))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = clerk_b
        .get_bytes(&format!(
            "/claims/filings/{}/uke/1",
            filed.summary.filing_id
        ))
        .await;
    assert_eq!(res.0, StatusCode::NOT_FOUND);
}

/// `YYYY-MM` of `month`.
fn text(month: UkeMonth) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

#[tokio::test]
async fn late_bills_and_returned_claims_go_with_a_later_month() {
    let c = clinic(CODE_A, "架空月遅れ医院").await;
    let db = c.app.db().await;
    let tenant = c.tenant;
    let seed = || async {
        let mut tx = karte_server::db::system::operator_tx(&db, tenant)
            .await
            .unwrap();
        let today = karte_server::clock::today_jst();
        let staff = karte_tests::claims::staff_ids(&mut tx).await;
        let n = karte_server::services::demo::seed(&mut tx, today, staff.0, staff.1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    // Last month, as the demo seeds it: seven fictitious patients, nine visits.
    assert_eq!(seed().await, 9);
    let this = shared::claims::month::parse_month(&this_month()).unwrap();
    let context: MonthClaimsContext = c.clerk.get("/claims/2000-01").await.json();
    assert!(context.inputs.is_empty());
    let last = {
        let today = karte_server::clock::today_jst();
        let first = karte_server::services::demo::previous_month(today).unwrap();
        UkeMonth::new(first.year() as u16, u8::from(first.month())).unwrap()
    };
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{}", text(last))).await.json();
    let claims = context.build();
    let mut kinds: Vec<&str> = claims
        .iter()
        .map(|c| c.records.re.claim_kind.as_str())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["1112", "1112", "1114", "1118", "1122", "1212", "1318"],
        "医保本人 ×2, 未就学者, 高齢受給者, 国保+公費, 公費単独, 後期"
    );
    assert!(
        claims.iter().all(|c| !c.has_errors()),
        "{:?}",
        claims.iter().map(|c| &c.problems).collect::<Vec<_>>()
    );
    let res = c
        .clerk
        .post(
            &format!("/claims/{}/file", text(last)),
            &json!({"expected": MonthTotals::of(&claims), "digest": shared::api::claims::claims_digest(&claims)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let filed: FilingDetail = res.json();

    // Visits of last month billed after it was filed: 月遅れ. And the 国保 claim came back.
    assert_eq!(seed().await, 9);
    let kokuho = filed
        .claims
        .iter()
        .find(|c| c.claim.payer == Payer::Kokuho && c.claim.records.ko.len() == 1)
        .unwrap();
    let res = c
        .clerk
        .post(
            &format!("/claims/filings/{}/returns", filed.summary.filing_id),
            &json!({"payer": "kokuho", "claim_number": kokuho.claim.records.re.claim_number,
                    "search_number": "20261201000000000123", "reason": "受給者番号誤り"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{}", text(this))).await.json();
    assert!(context.inputs.is_empty());
    assert_eq!(context.late.len(), 1);
    assert_eq!(context.late[0].month, last);
    assert_eq!(context.late[0].inputs.len(), 7);
    assert_eq!(context.returned.len(), 1);
    let claims = context.build();
    assert_eq!(claims.len(), 8);
    assert!(claims.iter().all(|c| c.records.re.service_month == last));
    let refiled = claims
        .iter()
        .find(|c| matches!(c.origin, ClaimOrigin::Refiling { .. }))
        .unwrap();
    assert_eq!(refiled.records.re.search_number, "20261201000000000123");
    let res = c
        .clerk
        .post(
            &format!("/claims/{}/file", text(this)),
            &json!({"expected": MonthTotals::of(&claims), "digest": shared::api::claims::claims_digest(&claims)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let next: FilingDetail = res.json();
    let file = next
        .summary
        .files
        .iter()
        .find(|f| f.payer == Payer::Kokuho)
        .unwrap();
    let (_, bytes) = c
        .clerk
        .get_bytes(&format!("/claims/filings/{}/uke/2", next.summary.filing_id))
        .await;
    assert_eq!(bytes.len() as u64, file.bytes);
    let read = read_uke(&bytes).unwrap();
    let searched: Vec<&str> = read
        .claims
        .iter()
        .map(|c| c.re.search_number.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(searched, ["20261201000000000123"]);
    assert!(read.claims.iter().all(|c| c.re.service_month == last));

    // The return is 再請求済み; last month filed again carries neither the late bills nor the
    // returned claim (this month's filing did), and
    // the month after has nothing left over.
    let first: FilingDetail = c
        .clerk
        .get(&format!("/claims/filings/{}", filed.summary.filing_id))
        .await
        .json();
    assert!(first
        .claims
        .iter()
        .any(|c| c.returned.as_ref().is_some_and(|r| r.refiled)));
    let again: MonthClaimsContext = c.clerk.get(&format!("/claims/{}", text(last))).await.json();
    assert_eq!(
        again.inputs.len(),
        6,
        "the first seven but the returned one, filed again with this month; none of the late ones"
    );
    let after = shared::claims::month::billing_month_of(this).unwrap();
    let context: MonthClaimsContext = c
        .clerk
        .get(&format!("/claims/{}", text(after)))
        .await
        .json();
    assert!(context.late.is_empty() && context.returned.is_empty());
}

#[tokio::test]
async fn an_item_that_needs_a_specific_main_disease_is_checked_against_the_masters() {
    let c = clinic(CODE_A, "架空点検医院").await;
    let month = this_month();
    let (p, visit) = c
        .patient(
            "架空 点検一",
            "カクウ テンケンイチ",
            "1965-05-05",
            "01130012",
            None,
        )
        .await;
    // 高血圧症 is no 特定疾患 since 2024-06 (傷病名マスター 特定疾患等対象区分 00).
    c.diagnosis(&p, "8833421").await;
    c.bill(&visit, &["113001810"], 0).await;
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    assert_eq!(
        context.masters.limits.get("113001810"),
        Some(&2),
        "上限回数 from the master"
    );
    assert!(!context.masters.disease_classes.contains_key("8833421"));
    let claims = context.build();
    let found: Vec<_> = claims[0]
        .problems
        .iter()
        .filter(|p| p.code == ProblemCode::DiagnosisRequired)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", claims[0].problems);
    assert_eq!(
        found[0].reception_id.map(|r| r.to_string()),
        Some(visit.reception_id.to_string())
    );
    assert!(
        !claims[0].has_errors(),
        "a warning: the month can still be filed"
    );

    // The doctor adds 狭心症 (特定疾患, 05) as 主病: the warning goes.
    c.diagnosis(&p, "4139007").await;
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    assert_eq!(context.masters.disease_classes.get("4139007"), Some(&5));
    assert!(context.build()[0]
        .problems
        .iter()
        .all(|p| p.code != ProblemCode::DiagnosisRequired));
}

#[tokio::test]
async fn symptom_details_and_comments_are_versioned_and_go_into_the_claim() {
    use shared::api::claims::ClaimNote;
    use shared::claims::uke::ClaimLine;
    let c = clinic(CODE_A, "架空詳記医院").await;
    let month = this_month();
    let (p, visit) = c
        .patient(
            "架空 詳記一",
            "カクウ ショウキイチ",
            "1975-07-07",
            "01130012",
            None,
        )
        .await;
    c.diagnosis(&p, "4659007").await;
    c.bill(&visit, &["160008010"], 0).await;
    let notes = format!("/patients/{p}/claim-notes/{month}");

    // The doctor writes a 症状詳記; the clerk a comment on the blood count.
    let res = c
        .doctor
        .post(
            &notes,
            &json!({"body": {"kind": "symptom_detail", "class": "01",
                             "text": "発熱が3日続く\n咽頭発赤あり"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let detail: ClaimNote = res.json();
    assert_eq!(detail.version, 1);
    let comment = |code: &str, text: &str| json!({"body": {"kind": "comment", "line_code": "160008010", "code": code, "text": text}});
    // A code the コメントマスター does not have, and a bad body, are named.
    let res = c.clerk.post(&notes, &comment("899999999", "")).await;
    assert_eq!(res.field_names(), ["body.code"]);
    let res = c.clerk.post(&notes, &comment("810000001", "")).await;
    assert_eq!(res.field_names(), ["body.text"]);
    let res = c
        .clerk
        .post(&notes, &comment("810000001", "再検査のため"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let free: ClaimNote = res.json();
    // The nurse may not.
    let res = c
        .nurse
        .post(&notes, &comment("810000001", "看護師から"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    assert_eq!(context.inputs[0].notes.len(), 2);
    let claims = context.build();
    let sj: Vec<(&str, &str)> = claims[0]
        .records
        .sj
        .iter()
        .map(|s| (s.kind.as_str(), s.text.as_str()))
        .collect();
    assert_eq!(sj, [("01", "発熱が３日続く"), ("", "咽頭発赤あり")]);
    let lines = &claims[0].records.lines;
    let blood = lines
        .iter()
        .position(|l| matches!(l, ClaimLine::Si(s) if s.code == "160008010"))
        .unwrap();
    assert!(
        matches!(&lines[blood + 1], ClaimLine::Co(co) if co.code == "810000001" && co.text == "再検査のため"),
        "{lines:?}"
    );

    // Amending needs the current version and a reason; a stale base is a conflict.
    let amend = |base: i32, reason: &str| {
        json!({"note_id": detail.note_id, "base_version": base, "reason": reason,
               "body": {"kind": "symptom_detail", "class": "02", "text": "発熱が3日続く"}})
    };
    let res = c.doctor.post(&notes, &amend(1, "")).await;
    assert_eq!(res.field_names(), ["reason"]);
    let res = c.doctor.post(&notes, &amend(1, "区分の訂正")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = c.doctor.post(&notes, &amend(1, "区分の訂正")).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // The clerk retracts the comment: it leaves the claim, stays in the record.
    let res = c
        .clerk
        .post(
            &notes,
            &json!({"note_id": free.note_id, "base_version": 1, "retracted": true,
                    "reason": "不要", "body": free.body}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    let claims = context.build();
    assert_eq!(claims[0].records.sj[0].kind, "02");
    assert!(!claims[0]
        .records
        .lines
        .iter()
        .any(|l| matches!(l, ClaimLine::Co(_))));
    let all: Vec<ClaimNote> = c.clerk.get(&notes).await.json();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|n| n.retracted && n.version == 2));
    // A note of another month is not reachable through this one.
    let res = c
        .clerk
        .post(
            &format!("/patients/{p}/claim-notes/2024-01"),
            &json!({"note_id": free.note_id, "base_version": 2, "reason": "x", "body": free.body}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_visit_with_a_public_expense_alone_is_billed_and_claimed_from_it() {
    let c = clinic(CODE_A, "架空公費単独医院").await;
    let month = this_month();
    // 生活保護 (法別12) and no health insurance.
    let (p, visit) = c
        .patient(
            "架空 公費一",
            "カクウ コウヒイチ",
            "1960-06-06",
            "",
            Some(
                json!({"payer_number": "12131017", "recipient_number": "1234566",
                        "valid_from": "2020-01-01", "patient_tenths": "0"}),
            ),
        )
        .await;
    c.diagnosis(&p, "4659007").await;
    let bill = c.bill(&visit, &[], 0).await;
    assert_eq!(bill.visit.burden, shared::billing::Burden::PublicOnly);
    assert_eq!(
        (bill.priced.share.insurer.0, bill.priced.share.patient.0),
        (0, 0),
        "the 公費 pays all"
    );
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    let claims = context.build();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].records.re.claim_kind, "1212", "公費単独・入院外");
    assert!(claims[0].records.ho.is_none());
    assert!(claims[0].problems.is_empty(), "{:?}", claims[0].problems);

    // Its 院外処方箋 prints with the 公費 alone, the insurance fields blank.
    let order: shared::api::orders::OrderDetail = c
        .doctor
        .post(
            &format!("/patients/{p}/orders"),
            &json!({"visit_date": bill.visit.service_date.to_string(),
                    "reception_id": visit.reception_id, "kind": "prescription"}),
        )
        .await
        .json();
    let res = c
        .doctor
        .put(
            &format!("/orders/{}/draft", order.order_id),
            &json!({"base_version": 0, "base_revision": 0, "contents": {
                "kind": "prescription", "dispensing": "outside", "rps": [{
                    "rp": {"kind": "internal", "days": 5,
                           "drugs": [{"code": "620002023", "quantity": "3"}]},
                    "usage": {"code": "1013044400000000", "text": "１日３回朝昼夕食後",
                              "times_per_day": 3}}]}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let revision = res.body["revision"].as_i64().unwrap();
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/finalize", order.order_id),
            &json!({"revision": revision, "reason": "", "overrides": []}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/prescription", order.order_id),
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let issue: shared::api::orders::PrescriptionIssue = res.json();
    assert_eq!(issue.sheet.insurer_number, "");
    assert_eq!(issue.sheet.public[0].payer_number, "12131017");

    // Without a 公費 either, 会計 is refused with the reason.
    let (_, bare) = c
        .patient("架空 無保険", "カクウ ムホケン", "1961-01-01", "", None)
        .await;
    let res = c
        .clerk
        .post(
            &format!("/receptions/{}/bill", bare.reception_id),
            &json!({"base_version": 0, "visit": bill.visit, "orders": [], "reason": "",
                    "expected_total_points": 0, "expected_patient_share": 0, "paid": 0}),
        )
        .await;
    assert_eq!(res.field_names(), ["insurance"]);
}

#[tokio::test]
async fn a_bill_that_cannot_be_read_stops_the_filing_but_not_the_month() {
    let c = clinic(CODE_A, "架空破損医院").await;
    let month = this_month();
    let (one, visit_one) = c
        .patient(
            "架空 破損一",
            "カクウ ハソンイチ",
            "1960-06-06",
            "01130012",
            None,
        )
        .await;
    let (two, visit_two) = c
        .patient(
            "架空 破損二",
            "カクウ ハソンニ",
            "1961-06-06",
            "01130012",
            None,
        )
        .await;
    c.diagnosis(&one, "4659007").await;
    c.diagnosis(&two, "4659007").await;
    c.bill(&visit_one, &[], 0).await;
    let damaged = c.bill(&visit_two, &[], 0).await;

    // A later version of the second bill is stored in a form no reader knows (as a damaged
    // row or a format from the future would be).
    let pool = c.app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&pool, c.tenant).await;
    sqlx::query(
        "insert into bill_version (tenant_id, bill_id, version, reception_id, patient_id, \
           service_date, visit, priced, total_points, patient_share, paid, master_revision, \
           format, reason) \
         select tenant_id, bill_id, 2, reception_id, patient_id, service_date, \
           '{\"damaged\": true}'::jsonb, priced, total_points, patient_share, paid, \
           master_revision, format, '破損の試験' \
         from bill_version where bill_id = $1 and version = 1",
    )
    .bind(damaged.bill_id.as_uuid())
    .execute(&mut *tx)
    .await
    .expect("a damaged version");
    tx.commit().await.expect("commit");

    // The month still opens: the other patient's claim is there, the damaged bill is named.
    let res = c.clerk.get(&format!("/claims/{month}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let context: MonthClaimsContext = res.json();
    let claims = context.build();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].patient_id.to_string(), one);
    let unreadable: Vec<_> = context.unreadable().collect();
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].0.patient_id.to_string(), two);
    assert_eq!(unreadable[0].1.bill_id, damaged.bill_id);
    assert_eq!(unreadable[0].1.version, 2);
    let problem = unreadable[0].1.problem();
    assert_eq!(problem.code, ProblemCode::UnreadableBill);
    assert_eq!(
        problem.reception_id.map(|r| r.to_string()),
        Some(visit_two.reception_id.to_string())
    );

    // Filing is refused until the bill is finalised again, and says why.
    let expected = MonthTotals::of(&claims);
    let res = c
        .clerk
        .post(
            &format!("/claims/{month}/file"),
            &json!({"expected": expected}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.body["fields"][0]["code"], "unreadable");
    // No stored text or internal detail in the answer.
    assert!(!res.body.to_string().contains("damaged"), "{}", res.body);

    // Its 会計 still opens, says which version it cannot read, and builds on it.
    let res = c
        .clerk
        .get(&format!("/receptions/{}/bill", visit_two.reception_id))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let bill: shared::api::billing::BillContext = res.json();
    assert_eq!(bill.unreadable_versions, [2]);
    assert_eq!(bill.bills.len(), 1);
    assert_eq!(bill.latest_version(), 2);
    // Finalising it again (version 3) brings the patient back.
    c.bill(&visit_two, &[], 2).await;
    let context: MonthClaimsContext = c.clerk.get(&format!("/claims/{month}")).await.json();
    assert_eq!(context.unreadable().count(), 0);
    assert_eq!(context.build().len(), 2);
}
