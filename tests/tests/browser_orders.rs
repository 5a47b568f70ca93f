//! オーダ in headless Chromium, end to end: the doctor orders an Rp (Do処方 of an earlier
//! prescription plus a new drug picked from the master), a 検査 set and an 注射; the clerk opens
//! 会計 and finds them priced without typing any item, adds one 算定 item and finalises; the
//! doctor prints the 院外処方箋, and its 2次元シンボル, read back from a screenshot with a QR
//! decoder, holds the ordered drugs as JAHIS records. Fictitious people only.

use fantoccini::Locator;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::orders::OrderDetail;
use shared::api::patients::PatientDetail;
use shared::api::reception::ReceptionEntry;

const CODE: &str = "1319999931";
const DOCTOR_PASSWORD: &str = "kasou-doctor-pass-2026";
const CLERK_PASSWORD: &str = "front-desk-pass-2026";
/// ノルバスク錠５ｍｇ and ロキソニン錠６０ｍｇ; 末梢血液一般検査 and Ｂ－Ｖ; 皮内、皮下及び筋肉内注射.
const NORVASC: &str = "612170710";
const LOXONIN: &str = "620098801";
const CBC: &str = "160008010";
const BLOOD_DRAW: &str = "160095710";
const INJECTION_IM: &str = "130000510";
/// 特定疾患療養管理料（診療所）, the clerk's 算定-only item.
const MANAGEMENT: &str = "113001810";
/// 尿中一般物質定性半定量検査, added by the doctor's amendment.
const URINE: &str = "160000310";

/// The doctor amends today's 検査 order to `codes`, with `reason` (over the API, as a second
/// doctor's screen would).
async fn amend_lab(
    doctor: &karte_tests::ApiClient,
    patient: shared::ids::PatientId,
    codes: &[&str],
    reason: &str,
) -> anyhow::Result<()> {
    let today = shared::domain::japanese::format_date(karte_server::clock::today_jst());
    let day: shared::api::orders::DayOrders = doctor
        .get(&format!("/patients/{patient}/orders?date={today}"))
        .await
        .json();
    let lab = day
        .orders
        .iter()
        .find(|o| o.kind == shared::api::orders::OrderKind::Lab)
        .ok_or_else(|| anyhow::anyhow!("no 検査 order today"))?;
    let version = lab.current().map(|v| v.version).unwrap_or(0);
    let items: Vec<serde_json::Value> = codes.iter().map(|c| json!({"code": c})).collect();
    let res = doctor
        .put(
            &format!("/orders/{}/draft", lab.order_id),
            &json!({"base_version": version, "base_revision": 0,
                    "contents": {"kind": "lab", "items": items}}),
        )
        .await;
    anyhow::ensure!(res.status == StatusCode::OK, "draft: {}", res.body);
    let draft: shared::api::orders::OrderDraft = res.json();
    let res = doctor
        .post(
            &format!("/orders/{}/finalize", lab.order_id),
            &json!({"revision": draft.revision, "reason": reason}),
        )
        .await;
    anyhow::ensure!(res.status == StatusCode::OK, "finalize: {}", res.body);
    Ok(())
}

/// Waits up to 30 s for the element `id` (for what the page does on a timer).
async fn wait_long(browser: &Browser, id: &str) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if browser
            .client
            .find(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .is_ok()
        {
            return Ok(());
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "{id} did not appear");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_doctor_orders_the_clerk_bills_without_typing_and_the_prescription_reads_back() {
    require_built_app();
    let Some(masters) = karte_tests::reference::reference("masters") else {
        return;
    };
    let app = TestApp::spawn().await;
    karte_server::cli::import_master_files(
        &app.owner_pool().await,
        &[
            masters.join("s_ALL20240531.zip"),
            masters.join("y_ALL20240531.zip"),
        ],
    )
    .await
    .expect("masters");
    let (p, admin) = app.admin_session(CODE, "架空オーダ医院").await;
    let res = admin
        .post(
            "/billing/settings",
            &json!({"base_version": 0, "valid_from": "2024-06-01", "institution_type": "clinic",
                    "general_beds": 0, "in_house_dispensing": false, "standards": {},
                    "reason": "開設時の届出"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let (_, doctor) = app
        .staff_session(&admin, &p.code, "ishi", "doctor", DOCTOR_PASSWORD)
        .await;
    let (_, clerk) = app
        .staff_session(&admin, &p.code, "uketsuke", "clerk", CLERK_PASSWORD)
        .await;
    // The institution's 検査 set.
    let res = clerk
        .post(
            "/billing/sets",
            &json!({"name": "採血セット", "contents": {"items": [{"code": CBC}, {"code": BLOOD_DRAW}]}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let patient: PatientDetail = clerk
        .post(
            "/patients",
            &json!({"name": "架空 注文", "kana": "カクウ チュウモン", "sex": "female",
                                   "birth_date": "1970-07-07", "confirm_duplicate": true}),
        )
        .await
        .json();
    let pid = patient.patient_id;
    let res = clerk
        .post(
            &format!("/patients/{pid}/insurances"),
            &json!({"insurer_number": "33120015", "symbol": "架空", "number": "8", "branch": "01",
                    "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // An earlier prescription to Do: ノルバスク 1錠 28日分, a month ago (so ノルバスク is also
    // among the institution's frequent items).
    let month_ago = shared::domain::japanese::format_date(
        karte_server::clock::today_jst() - time::Duration::days(30),
    );
    let earlier: OrderDetail = doctor
        .post(
            &format!("/patients/{pid}/orders"),
            &json!({"visit_date": month_ago, "kind": "prescription"}),
        )
        .await
        .json();
    let draft: shared::api::orders::OrderDraft = doctor
        .put(
            &format!("/orders/{}/draft", earlier.order_id),
            &json!({"base_version": 0, "base_revision": 0, "contents": {
                "kind": "prescription", "dispensing": "outside",
                "rps": [{"rp": {"kind": "internal", "days": 28, "drugs": [{"code": NORVASC, "quantity": "1"}]},
                         "usage": {"code": "1011000400000000", "text": "１日１回朝食後", "times_per_day": 1}}]}}),
        )
        .await
        .json();
    let res = doctor
        .post(
            &format!("/orders/{}/finalize", earlier.order_id),
            &json!({"revision": draft.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let visit: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": pid, "department": "内科"}),
        )
        .await
        .json();

    // Another patient with a 院内 prescription of two Rp today (its 薬袋 labels).
    let other: PatientDetail = clerk
        .post(
            "/patients",
            &json!({"name": "架空 院内", "kana": "カクウ インナイ", "sex": "male",
                    "birth_date": "1975-05-05", "confirm_duplicate": true}),
        )
        .await
        .json();
    let in_house = other.patient_id;
    let res = clerk
        .post(
            &format!("/patients/{in_house}/insurances"),
            &json!({"insurer_number": "33120015", "symbol": "架空", "number": "9", "branch": "01",
                    "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let today = shared::domain::japanese::format_date(karte_server::clock::today_jst());
    let bag_order: OrderDetail = doctor
        .post(
            &format!("/patients/{in_house}/orders"),
            &json!({"visit_date": today, "kind": "prescription"}),
        )
        .await
        .json();
    let draft: shared::api::orders::OrderDraft = doctor
        .put(
            &format!("/orders/{}/draft", bag_order.order_id),
            &json!({"base_version": 0, "base_revision": 0, "contents": {
                "kind": "prescription", "dispensing": "in_house",
                "rps": [{"rp": {"kind": "internal", "days": 7, "drugs": [{"code": LOXONIN, "quantity": "3"}]},
                         "usage": {"code": "1013044400000000", "text": "１日３回朝昼夕食後", "times_per_day": 3}},
                        {"rp": {"kind": "internal", "days": 28, "drugs": [{"code": NORVASC, "quantity": "1"}]},
                         "usage": {"code": "1011000400000000", "text": "１日１回朝食後", "times_per_day": 1}}]}}),
        )
        .await
        .json();
    let res = doctor
        .post(
            &format!("/orders/{}/finalize", bag_order.order_id),
            &json!({"revision": draft.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let browser = Browser::start(1280, 1000).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "ishi", DOCTOR_PASSWORD)
            .await?;
        c.goto(&format!("{}/patients/{pid}/chart?tab=orders", app.base_url))
            .await?;
        browser.by_testid("orders-panel").await?;
        browser
            .wait_for_text("order-reception", "本日の受付")
            .await?;

        // Do処方: the earlier prescription into today's order, then a new drug in a new Rp.
        browser.click("open-do").await?;
        browser.wait_for_text("do-list", "ノルバスク").await?;
        browser.click("do-copy").await?;
        browser.wait_for_text("order-rps", "ノルバスク").await?;
        browser.click("order-add-rp").await?;
        // Before anything is typed the picker offers the institution's frequent items.
        browser
            .wait_for_text("order-frequent", "ノルバスク錠５ｍｇ")
            .await?;
        // The new drug found by its 一般名: ロキソニン among the ロキソプロフェン brands.
        browser
            .fill("order-query", "ろきそぷろふぇんＮａ錠６０")
            .await?;
        browser
            .wait_for_text("order-hits", "（【般】ロキソプロフェンＮａ錠６０ｍｇ）")
            .await?;
        c.find(Locator::XPath(
            "//ul[@data-testid='order-hits']//button[contains(., 'ロキソニン錠６０ｍｇ')]",
        ))
        .await?
        .click()
        .await?;
        browser.wait_for_text("order-rps", "ロキソニン").await?;
        c.find(Locator::Css(
            "[data-testid='order-rp2-usage'] option[value='1013044400000000']",
        ))
        .await?
        .click()
        .await?;
        let quantities = c
            .find_all(Locator::Css("[data-testid='order-drug-quantity']"))
            .await?;
        anyhow::ensure!(quantities.len() == 2, "two drug lines");
        quantities[1].clear().await?;
        quantities[1].send_keys("3\t").await?;
        browser.screenshot("70-order-do-and-new-drug").await?;
        browser.click("order-finalize").await?;
        browser
            .wait_for_text("order-message", "処方オーダを確定しました")
            .await?;

        // A 検査 set and an 注射.
        browser.click("new-order-lab").await?;
        browser.wait_for_text("order-sets", "採血セット").await?;
        browser.click("order-apply-set").await?;
        browser
            .wait_for_text("order-items", "末梢血液一般検査")
            .await?;
        browser.click("order-finalize").await?;
        browser
            .wait_for_text("order-message", "検査オーダを確定しました")
            .await?;
        browser.click("new-order-injection").await?;
        browser.fill("order-query", INJECTION_IM).await?;
        browser.wait_for_text("order-hits", "筋肉内注射").await?;
        c.find(Locator::Css("[data-testid='order-hits'] button"))
            .await?
            .click()
            .await?;
        browser
            .wait_for_text("order-procedures", INJECTION_IM)
            .await?;
        browser.click("order-finalize").await?;
        browser
            .wait_for_text("order-message", "注射オーダを確定しました")
            .await?;
        browser.wait_for_text("day-orders", "ロキソニン").await?;
        browser.screenshot("71-orders-of-the-day").await?;
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;

        // 会計 by keyboard: the doctor is done, the patient waits to pay; the clerk starts on
        // 受付一覧 with the cursor on that patient's 会計, Enter opens it with the cursor in 預り金,
        // the orders already priced; F12 finalises. The keys other than characters are counted
        // (65 Tabs for a bill before issue 21).
        let mut version = visit.version;
        for to in ["in_consultation", "waiting_payment"] {
            let list: Vec<ReceptionEntry> = clerk
                .post(
                    &format!("/receptions/{}/status", visit.reception_id),
                    &json!({"to": to, "base_version": version}),
                )
                .await
                .json();
            version = list
                .iter()
                .find(|e| e.reception_id == visit.reception_id)
                .expect("moved")
                .version;
        }
        browser
            .sign_in(&app.base_url, &p.code, "uketsuke", CLERK_PASSWORD)
            .await?;
        browser.wait_for_path("/reception").await?;
        let mut keys = 0usize;
        browser.wait_for_focus("reception-bill").await?;
        browser.press(fantoccini::key::Key::Enter).await?;
        keys += 1;
        browser.wait_for_text("bill-banner", "架空 注文").await?;
        browser.wait_for_focus("bill_paid").await?;
        browser.by_testid("bill-orders").await?;
        browser.screenshot("72-bill-opened").await?;
        browser.wait_for_text("bill-orders", "ノルバスク").await?;
        browser
            .wait_for_text("bill-orders", "末梢血液一般検査")
            .await?;
        browser.wait_for_text("bill-lines", "筋肉内注射").await?;
        browser.wait_for_text("bill-lines", "処方箋料").await?;
        browser.fill("bill_item_code", MANAGEMENT).await?;
        browser.click("bill-add-item").await?;
        browser
            .wait_for_text("bill-lines", "特定疾患療養管理料")
            .await?;
        browser.fill("bill_paid", "10000").await?;
        browser.screenshot("72-bill-from-orders").await?;

        // The doctor amends the 検査 order while 会計 is open: the page says so and re-prices
        // (it re-reads the orders every 10 s).
        amend_lab(&doctor, pid, &[CBC, BLOOD_DRAW, URINE], "尿検査の追加").await?;
        wait_long(&browser, "bill-orders-updated").await?;
        browser.wait_for_text("bill-lines", "尿中一般物質").await?;
        anyhow::ensure!(
            browser.focused().await? == "bill_paid",
            "the cursor left 預り金 while re-pricing: {}",
            browser.focused().await?
        );
        browser.press(fantoccini::key::Key::F12).await?;
        keys += 1;
        browser
            .wait_for_text("bill-final", "確定済み 第1版")
            .await?;
        // Then the 領収証: the cursor is on its print button.
        browser.wait_for_focus("bill-print").await?;
        println!(
            "keyboard: 会計 of a visit with a prescription order in {keys} keys other than \
             characters (Enter, F12), no Tab; the clerk's added item took its code and a click"
        );
        anyhow::ensure!(keys <= 3, "{keys} keys");
        // Amended after 確定: on opening 会計 again the clerk is told a 訂正 is due.
        amend_lab(&doctor, pid, &[CBC, BLOOD_DRAW], "尿検査の取りやめ").await?;
        c.goto(&format!(
            "{}/reception/{}/bill",
            app.base_url, visit.reception_id
        ))
        .await?;
        browser.wait_for_text("bill-orders-changed", "訂正").await?;
        browser
            .screenshot("72-bill-order-changed-after-final")
            .await?;
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;

        // The 処方箋: printed from the doctor's order, its symbol read back from the screen.
        browser
            .sign_in(&app.base_url, &p.code, "ishi", DOCTOR_PASSWORD)
            .await?;
        c.goto(&format!("{}/patients/{pid}/chart?tab=orders", app.base_url))
            .await?;
        browser.click("order-print").await?;
        browser
            .wait_for_text("prescription-doc", "ロキソニン錠６０ｍｇ")
            .await?;
        browser.wait_for_text("rx-patient", "架空 注文").await?;
        browser.screenshot("73-prescription").await?;
        let symbol = browser.by_testid("prescription-qr").await?;
        // The whole symbol in the viewport (an element screenshot is cut at its edge).
        c.execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&symbol)?],
        )
        .await?;
        let shot = symbol.screenshot().await?;
        std::fs::write(
            karte_tests::target_dir().join("screenshots/74-prescription-symbol.png"),
            &shot,
        )?;
        let bytes = karte_tests::pdf::decode_qr(&shot)?;
        let (version, records) = shared::domain::order::jahis::read_jahis(&bytes)?;
        anyhow::ensure!(version == "JAHIS10", "version {version}");
        let drugs: Vec<(String, String)> = records
            .iter()
            .filter(|r| r[0] == "201")
            .map(|r| (r[5].clone(), r[7].clone()))
            .collect();
        anyhow::ensure!(
            drugs
                == [
                    (NORVASC.to_string(), "1".to_string()),
                    (LOXONIN.to_string(), "3".to_string())
                ],
            "the symbol's drugs: {drugs:?}"
        );
        anyhow::ensure!(
            records.iter().any(|r| r[0] == "11" && r[2] == "架空 注文"),
            "the symbol names the patient"
        );
        // The same issue kept as a PDF, opened in the app's PDF viewer.
        browser.click("prescription-pdf").await?;
        browser.by_testid("pdf-viewer").await?;
        browser.wait_for_text("pdf-page", "1 / 1").await?;
        browser.fill("pdf-query", "ロキソニン").await?;
        browser.click("pdf-search").await?;
        browser.wait_for_text("pdf-hits", "1ページ").await?;
        browser.click("pdf-close").await?;

        // A 院内 prescription (another patient) prints a 薬袋 label per Rp, on A4 or on
        // 90×60 mm label paper.
        c.goto(&format!(
            "{}/patients/{in_house}/chart?tab=orders",
            app.base_url
        ))
        .await?;
        browser.click("order-print").await?;
        browser.wait_for_text("medicine-bags", "架空 院内").await?;
        let labels = c
            .find_all(Locator::Css("[data-testid='bag-label']"))
            .await?;
        anyhow::ensure!(labels.len() == 2, "one label per Rp");
        browser
            .wait_for_text("medicine-bags", "１日３回朝昼夕食後")
            .await?;
        browser.click("bag-size-label").await?;
        let class = browser
            .by_testid("medicine-bags")
            .await?
            .attr("class")
            .await?;
        anyhow::ensure!(
            class.as_deref().is_some_and(|c| c.contains("label-paper")),
            "{class:?}"
        );
        browser.screenshot("75-medicine-bag-labels").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("orders in the browser");

    // The bill names the order versions it was priced from and holds the clerk's one item.
    let context: shared::api::billing::BillContext = clerk
        .get(&format!("/receptions/{}/bill", visit.reception_id))
        .await
        .json();
    let bill = &context.bills[0];
    assert_eq!(bill.orders.len(), 3);
    assert_eq!(
        bill.entries
            .items
            .iter()
            .map(|i| i.code.as_str())
            .collect::<Vec<_>>(),
        [MANAGEMENT]
    );
    assert!(bill.visit.items.iter().any(|i| i.code == CBC));
}
