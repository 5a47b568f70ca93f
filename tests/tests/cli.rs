//! The operator's commands, run in-process against a test database.

use karte_server::cli::{provision_institution, seed_demo, ProvisionArgs, DEMO_CODE};
use karte_tests::TestApp;
use reqwest::StatusCode;

fn args(code: &str) -> ProvisionArgs {
    ProvisionArgs {
        database_url: String::new(),
        code: code.into(),
        name: "架空整形外科医院".into(),
        admin_login: "director".into(),
        admin_name: "架空 院長".into(),
    }
}

#[tokio::test]
async fn provision_creates_an_administrator_who_must_change_the_one_time_password() {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    let done = provision_institution(&db, &args("0119999905"))
        .await
        .expect("provision");
    assert_eq!(done.code.as_str(), "0119999905");

    let client = app.client();
    let res = client
        .login("0119999905", "director", &done.one_time_password)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body["must_change_password"], true);
    assert_eq!(res.body["user"]["role"], "admin");
    assert_eq!(res.body["institution"]["name"], "架空整形外科医院");
    assert_eq!(
        client.get("/users").await.code(),
        "password_change_required"
    );

    let again = provision_institution(&db, &args("0119999905"))
        .await
        .err()
        .expect("a code is registered once");
    assert!(again.to_string().contains("already registered"), "{again}");
    for (bad, flag) in [("12345", "--code"), ("9919999999", "--code")] {
        let err = provision_institution(&db, &args(bad))
            .await
            .err()
            .expect("invalid code refused");
        assert!(err.to_string().starts_with(flag), "{err}");
    }
    let mut no_name = args("0119999906");
    no_name.name = " ".into();
    assert!(provision_institution(&db, &no_name)
        .await
        .err()
        .expect("empty name")
        .to_string()
        .starts_with("--name"));
}

#[tokio::test]
async fn the_demo_is_seeded_once_with_a_working_login_per_role() {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    let dir = std::env::temp_dir().join(format!("karte-demo-{}", uuid::Uuid::new_v4().simple()));
    let file = dir.join("demo-logins.txt");
    let text = seed_demo(&db, &file).await.expect("seed");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    for login in ["admin", "doctor", "nurse", "clerk"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(login))
            .expect(login);
        let password = line.rsplit(' ').next().unwrap();
        let client = app.client();
        let res = client.login(DEMO_CODE, login, password).await;
        assert_eq!(res.status, StatusCode::OK, "{login}");
        assert_eq!(
            res.body["must_change_password"], false,
            "{login}: demo users can look around at once"
        );
    }
    // A second seed with the file gone refuses rather than creating a second demo.
    std::fs::remove_file(&file).unwrap();
    let err = seed_demo(&db, &file).await.expect_err("second seed");
    assert!(err.to_string().contains("already exists"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
