//! 月次請求 in headless Chromium, end to end: a month with several patients (医保単独, 国保 +
//! 公費, a child, a 75-year-old), the checks list shows a planted 病名漏れ and blocks filing,
//! the doctor adds the 病名, the clerk rebuilds, reads a レセプト in the paper layout
//! (screenshot), files the month, downloads the UKE files and reads one back on the same
//! screen. Fictitious people only; the demo masters.

use fantoccini::Locator;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::claims::{clinic, this_month, CLERK_PASSWORD};
use serde_json::json;
use shared::claims::uke::read_uke;
use std::time::Duration;

const CODE: &str = "1319999981";

/// This year in JST (the test's patients are aged from it).
fn this_year() -> i32 {
    karte_server::clock::today_jst().year()
}

#[tokio::test]
async fn the_clerk_checks_fixes_files_and_reads_back_a_month() {
    require_built_app();
    let c = clinic(CODE, "架空月次医院").await;
    let (a, visit_a) = c
        .patient(
            "架空 月次一",
            "カクウ ゲツジイチ",
            "1968-04-04",
            "01130012",
            None,
        )
        .await;
    let (b, visit_b) = c
        .patient(
            "架空 月次二",
            "カクウ ゲツジニ",
            "1985-05-05",
            "138057",
            Some(
                json!({"payer_number": "54136015", "recipient_number": "1234566",
                        "valid_from": "2020-01-01", "patient_tenths": "0"}),
            ),
        )
        .await;
    let (child, visit_child) = c
        .patient(
            "架空 月次子",
            "カクウ ゲツジコ",
            "2022-06-06",
            "06139992",
            None,
        )
        .await;
    let (old, visit_old) = c
        .patient(
            "架空 月次老",
            "カクウ ゲツジロウ",
            "1945-07-07",
            "39131032",
            None,
        )
        .await;
    // 70–74: 高齢受給者 (2割) on 協会けんぽ.
    let (senior, visit_senior) = c
        .patient(
            "架空 月次高",
            "カクウ ゲツジコウ",
            &format!("{}-03-03", this_year() - 72),
            "01130012",
            None,
        )
        .await;
    for (patient, code) in [
        (&a, "8833421"),
        (&b, "2500015"),
        (&child, "4609008"),
        (&senior, "4779004"),
    ] {
        c.diagnosis(patient, code).await;
    }
    c.bill(&visit_a, &["160008010", "160095710"], 0).await;
    c.bill(&visit_b, &[], 0).await;
    c.bill(&visit_child, &[], 0).await;
    c.bill(&visit_old, &[], 0).await;
    c.bill(&visit_senior, &[], 0).await;
    let month = this_month();

    let downloads =
        std::env::temp_dir().join(format!("karte-uke-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&downloads).unwrap();
    let browser = Browser::start_with_downloads(1280, 1000, Some(&downloads))
        .await
        .expect("browser");
    let result = async {
        let cl = &browser.client;
        browser
            .sign_in(&c.app.base_url, &c.code, "clerk1", CLERK_PASSWORD)
            .await?;
        cl.goto(&format!("{}/claims", c.app.base_url)).await?;
        let input = browser.by_testid("claims-month").await?;
        // The month input takes the value the way a user's picker sets it.
        cl.execute(
            "const i = arguments[0]; i.value = arguments[1]; i.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![serde_json::to_value(&input)?, json!(month)],
        )
        .await?;
        browser.wait_for_text("claims-total-count", "5").await?;
        // The planted 病名漏れ is listed, links to the chart, and filing is blocked.
        browser
            .wait_for_text("claims-problems", "この月に有効な傷病名がありません")
            .await?;
        let problem = browser.wait_for_text("claims-problems", "架空 月次老").await?;
        anyhow::ensure!(problem.contains("カルテを開く"), "{problem}");
        let file = browser.by_testid("claims-file").await?;
        anyhow::ensure!(
            file.attr("disabled").await?.is_some(),
            "filing is blocked while a claim has errors"
        );
        let summary = browser.by_testid("claims-summary").await?.text().await?;
        for kind in [
            "医保単独・本人・入院外",
            "医保と1種の公費併用・本人・入院外",
            "医保単独・未就学者・入院外",
            "後期高齢者単独・一般・低所得者・入院外",
            "医保単独・高齢受給者一般・低所得者・入院外",
        ] {
            anyhow::ensure!(summary.contains(kind), "{kind} in {summary}");
        }

        // The doctor records the 病名; the clerk rebuilds and the month is clean.
        c.diagnosis(&old, "8833421").await;
        browser.click("claims-reload").await?;
        browser.by_testid("claims-no-problems").await?;

        // A レセプト in the paper layout.
        let rows = cl
            .find_all(Locator::Css("[data-testid='claim-row']"))
            .await?;
        anyhow::ensure!(rows.len() == 5, "five claims");
        let open = cl
            .find_all(Locator::Css("[data-testid='claim-open']"))
            .await?;
        open[0].click().await?;
        browser.wait_for_text("receipt-diagnoses", "高血圧症").await?;
        browser.wait_for_text("receipt-lines", "初診").await?;
        browser.wait_for_text("receipt-lines", "末梢血液一般検査").await?;
        // A 症状詳記 written under the claim goes into it.
        browser.by_testid("claim-note-form").await?;
        browser
            .by_testid("claim-note-text")
            .await?
            .send_keys("発熱が続くため血液検査を実施")
            .await?;
        browser.click("claim-note-save").await?;
        browser
            .wait_for_text("claim-notes", "発熱が続くため血液検査を実施")
            .await?;
        browser
            .wait_for_text("receipt-symptoms", "発熱が続くため血液検査を実施")
            .await?;
        browser.screenshot("80-claims-receipt").await?;

        // File the month; the files are offered for download.
        browser.click("claims-file").await?;
        browser.wait_for_text("claims-message", "請求しました").await?;
        browser.wait_for_text("claims-filings", "国保").await?;
        let links = cl
            .find_all(Locator::Css("[data-testid='claims-download']"))
            .await?;
        anyhow::ensure!(links.len() == 2, "社保 and 国保 files");
        links[1].click().await?;
        let mut path = None;
        for _ in 0..100 {
            path = std::fs::read_dir(&downloads)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "UKE"));
            if path.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let path = path.ok_or_else(|| anyhow::anyhow!("the UKE file was not downloaded"))?;
        let bytes = std::fs::read(&path)?;
        let read = read_uke(&bytes).map_err(|e| anyhow::anyhow!("{}", e.message_ja()))?;
        anyhow::ensure!(read.institution.payer == "2", "the 国保連合会 file");
        anyhow::ensure!(read.claims.len() == 2, "国保 + 公費 and 後期高齢者");

        // The reader on the same screen shows the downloaded file back.
        let upload = browser.by_testid("uke-file").await?;
        upload.send_keys(&path.display().to_string()).await?;
        browser.wait_for_text("uke-summary", "9999981").await?;
        let claims = cl
            .find_all(Locator::Css("[data-testid='uke-claim'] button"))
            .await?;
        anyhow::ensure!(claims.len() == 2, "two claims read back");
        claims[0].click().await?;
        browser.by_testid("receipt").await?;
        browser.screenshot("81-claims-read-back").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if result.is_err() {
        browser.screenshot("claims-failure").await.ok();
    }
    browser.close().await;
    std::fs::remove_dir_all(&downloads).ok();
    result.expect("the month is checked, filed and read back");
}
