//! Headless Chromium (the OS package) driven over WebDriver by chromedriver, for end-to-end
//! tests. Each [`Browser`] has its own chromedriver process group and a fresh profile, and
//! ends both when dropped, even after a failed assertion.

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Fails the test when the app has not been built (the browser tests need `dist/`).
pub fn require_built_app() {
    let index = crate::dist_dir().join("index.html");
    assert!(
        index.is_file(),
        "the app is not built ({} missing): run `trunk build --release` (scripts/test does)",
        index.display()
    );
}

pub struct Browser {
    pub client: Client,
    /// `None` once ended, so it is never signalled twice (its pid could be reused).
    driver: Option<Child>,
    _profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a `width`×`height` window.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        Self::start_with_downloads(width, height, None).await
    }

    /// Like [`Browser::start`], saving downloads into `downloads` without asking.
    pub async fn start_with_downloads(
        width: u32,
        height: u32,
        downloads: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let port = free_port();
        let mut command =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()));
        command
            .arg(format!("--port={port}"))
            // Never the test's stdin: Chromium would read (and swallow) whatever feeds it.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let driver = command
            .spawn()
            .context("starting chromedriver (apt install chromium-driver)")?;
        let profile = TempDir(
            std::env::temp_dir().join(format!("karte-chrome-{}", uuid::Uuid::new_v4().simple())),
        );
        std::fs::create_dir_all(&profile.0)?;
        let mut browser_guard = DriverGuard(Some(driver));

        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let caps = serde_json::json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            // The console, for tests that check a page logs no error.
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--ignore-certificate-errors", "--lang=ja-JP",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.0.display()),
                ]
            }
        });
        let mut caps = caps;
        if let Some(dir) = downloads {
            caps["goog:chromeOptions"]["prefs"] = serde_json::json!({
                "download.default_directory": dir.display().to_string(),
                "download.prompt_for_download": false,
            });
        }
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // chromedriver needs a moment to listen.
        for _ in 0..100 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let driver = browser_guard.0.take().expect("driver");
                    let browser = Self {
                        client,
                        driver: Some(driver),
                        _profile: profile,
                    };
                    browser.client.set_window_size(width, height).await.ok();
                    return Ok(browser);
                }
                Err(e) => {
                    last = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        bail!(
            "could not start a WebDriver session: {}",
            last.unwrap_or_default()
        )
    }

    /// Waits up to 10 s for an element with `data-testid`.
    pub async fn by_testid(&self, id: &str) -> anyhow::Result<Element> {
        let selector = format!("[data-testid='{id}']");
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&selector))
            .await
            .with_context(|| format!("waiting for [data-testid={id}]"))
    }

    /// Waits until the element with `data-testid` contains `text`.
    pub async fn wait_for_text(&self, id: &str, text: &str) -> anyhow::Result<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(el) = self
                .client
                .find(Locator::Css(&format!("[data-testid='{id}']")))
                .await
            {
                if let Ok(t) = el.text().await {
                    if t.contains(text) {
                        return Ok(t);
                    }
                }
            }
            if std::time::Instant::now() > deadline {
                bail!("[data-testid={id}] never contained {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.client.current_url().await?;
            if url.path() == path {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                bail!("expected path {path}, still at {}", url.path());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Adds a WebDriver virtual authenticator (W3C WebAuthn §11.3) to the browser: a security
    /// key that is present and verifies its user without a touch. Returns its id.
    pub async fn add_virtual_authenticator(&self) -> anyhow::Result<String> {
        let value = self
            .client
            .issue_cmd(SessionPost {
                path: "webauthn/authenticator",
                body: serde_json::json!({
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": false,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                }),
            })
            .await
            .context("adding a virtual authenticator")?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// The console's errors since the last call (each `source: message`).
    pub async fn console_errors(&self) -> anyhow::Result<Vec<String>> {
        let entries = self
            .client
            .issue_cmd(SessionPost {
                path: "se/log",
                body: serde_json::json!({"type": "browser"}),
            })
            .await
            .context("reading the console")?;
        Ok(entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| {
                format!(
                    "{}: {}",
                    e["source"].as_str().unwrap_or_default(),
                    e["message"].as_str().unwrap_or_default()
                )
            })
            .collect())
    }

    /// Clicks the element with `data-testid`.
    pub async fn click(&self, id: &str) -> anyhow::Result<()> {
        self.by_testid(id).await?.click().await?;
        Ok(())
    }

    /// Signs in on the login page of `base_url` and waits for the home screen.
    pub async fn sign_in(
        &self,
        base_url: &str,
        code: &str,
        login_id: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.client.goto(&format!("{base_url}/login")).await?;
        self.fill("institution_code", code).await?;
        self.fill("login_id", login_id).await?;
        self.fill("password", password).await?;
        self.click("login-submit").await?;
        self.wait_for_signed_in().await
    }

    /// Waits until the sign-in page has let the user in: the app shows who is signed in, on
    /// the screen the role starts on (受付一覧 for the front desk, 診察待ち for doctors and
    /// nurses, ホーム for administrators).
    pub async fn wait_for_signed_in(&self) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let path = self.client.current_url().await?.path().to_string();
            let shown = self
                .client
                .find(Locator::Css("[data-testid='current-user']"))
                .await
                .is_ok();
            if path != "/login" && shown {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                bail!("not signed in, still at {path}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One key pressed and released on whatever has the cursor, as a user would (a function
    /// key, Enter, Tab …), then a moment for the app to answer.
    pub async fn press(&self, key: impl Into<char>) -> anyhow::Result<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let key: char = key.into();
        self.client
            .perform_actions(
                KeyActions::new("keyboard".into())
                    .then(KeyAction::Down { value: key })
                    .then(KeyAction::Up { value: key }),
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        Ok(())
    }

    /// The `data-testid` (else the `id`) of the element that has the cursor.
    pub async fn focused(&self) -> anyhow::Result<String> {
        let v = self
            .client
            .execute(
                "const e = document.activeElement; \
                 return e ? (e.dataset.testid || e.id || e.tagName) : '';",
                vec![],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The controls on screen lower than a finger (44 px), as `testid-or-id height` (checkboxes
    /// and radio buttons by their label); the key bar, the footer and what is off screen are
    /// left out.
    pub async fn small_controls(&self) -> anyhow::Result<Vec<String>> {
        let found = self.client.execute(SMALL_CONTROLS, vec![]).await?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect())
    }

    /// Waits until the element with this `data-testid` (else `id`) has the cursor.
    pub async fn wait_for_focus(&self, id: &str) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let at = self.focused().await?;
            if at == id {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                bail!("the cursor is on {at:?}, not on {id}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the input with `data-testid` (clearing it first).
    pub async fn fill(&self, id: &str, text: &str) -> anyhow::Result<()> {
        let el = self.by_testid(id).await?;
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    /// Saves a PNG screenshot under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = crate::target_dir().join("screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Ends the WebDriver session (closing Chromium) and chromedriver.
    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        if let Some(mut driver) = self.driver.take() {
            kill_group(&mut driver);
        }
    }
}

struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            kill_group(&mut driver);
        }
    }
}

/// Ends chromedriver and everything it started (Chromium) — its own process group.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // Never 0 or 1: kill(0) and kill(-1) would reach far more than chromedriver's group.
        if pid > 1 {
            // SAFETY: kill(2) with a negative pid signals exactly that process group.
            unsafe {
                libc::kill(-pid, libc::SIGTERM);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A `POST /session/{id}/<path>` with a JSON body, for the WebDriver commands fantoccini has
/// no method for (the browser's console log, a virtual authenticator).
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(self.body.to_string()))
    }
}

/// See [`Browser::small_controls`].
const SMALL_CONTROLS: &str = r#"
const bad = [];
const name = e => e.dataset.testid || e.id || (e.textContent || '').trim().slice(0, 12) || e.tagName;
const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !e.closest('.key-bar, .version, .skip-link'); };
for (const e of document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button, a.button, summary')) {
  if (shown(e) && e.getBoundingClientRect().height < 44) bad.push(name(e) + ' ' + Math.round(e.getBoundingClientRect().height));
}
for (const e of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
  if (!shown(e)) continue;
  const box = (e.closest('label') || e).getBoundingClientRect();
  if (box.height < 44) bad.push('check ' + name(e) + ' ' + Math.round(box.height));
}
return bad;
"#;
