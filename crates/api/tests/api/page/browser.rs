//! One headless Chromium per test, driven over WebDriver: chromedriver on a free port of
//! 127.0.0.1, in its own process group so that nothing outlives the test.
//!
//! Without Chromium and chromedriver the tests say "skipped" and pass, unless
//! `PORTRAIT_REQUIRE_BROWSER=1` (CI), which makes a missing browser a failure.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::helpers::{token, TestApp};

/// Two cores: more browsers at once only make each slower.
static SLOTS: Semaphore = Semaphore::const_new(2);
const PATIENCE: Duration = Duration::from_secs(20);

pub enum Screen {
    Desktop,
    /// A 360 CSS-pixel-wide phone (Chromium's mobile emulation: viewport, touch, DPR 2).
    Phone,
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    test: String,
    shots: usize,
    _profile: tempfile::TempDir,
    _slot: SemaphorePermit<'static>,
}

/// A browser for `test`, or `None` (after saying why) when this machine has none.
pub async fn open(test: &str, screen: Screen) -> Option<Browser> {
    let found = (
        program(&["chromium", "chromium-browser", "google-chrome"]),
        program(&["chromedriver"]),
    );
    let (Some(chromium), Some(chromedriver)) = found else {
        assert!(
            std::env::var("PORTRAIT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "PORTRAIT_REQUIRE_BROWSER=1 but chromium or chromedriver is not on PATH \
             (scripts/chromium-install.sh installs them)"
        );
        eprintln!("skipped {test}: chromium or chromedriver is not installed");
        return None;
    };
    let slot = SLOTS.acquire().await.expect("browser slots");
    let port = free_port();
    let driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile directory");
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--no-first-run".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut options = json!({ "binary": chromium, "args": [] });
    match screen {
        Screen::Desktop => args.push("--window-size=1100,1000".to_owned()),
        Screen::Phone => {
            args.push("--window-size=360,800".to_owned());
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 2.0, "touch": true }
            });
        }
    }
    options["args"] = json!(args);
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        // Every console message, read back by `console_errors`.
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    let mut driver = driver;
    let client = match ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
    {
        Ok(client) => client,
        Err(error) => {
            kill_group(&mut driver);
            panic!("no WebDriver session: {error}");
        }
    };
    Some(Browser {
        client,
        driver,
        test: test.to_owned(),
        shots: 0,
        _profile: profile,
        _slot: slot,
    })
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    /// Opens the page with `user`'s sign-in link and waits until it shows them signed in.
    pub async fn sign_in(&self, app: &TestApp, path_and_query: &str, user: i64) {
        self.goto(&app.url(&format!("{path_and_query}#token={}", token(user))))
            .await;
        self.wait_until(
            "!document.getElementById('editor').hidden && \
             document.getElementById('subject-name').textContent !== ''",
            "the signed-in page",
        )
        .await;
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    pub async fn text(&self, id: &str) -> String {
        let value = self
            .js(&format!(
                "return document.getElementById('{id}').textContent"
            ))
            .await;
        value.as_str().unwrap_or_default().trim().to_owned()
    }

    /// Polls `condition` (a JavaScript expression) until it is true.
    pub async fn wait_until(&self, condition: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("return Boolean({condition})");
        loop {
            if self.js(&script).await == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let error = self.text("error").await;
                panic!(
                    "{}: waited in vain for {what} (error shown: {error:?})",
                    self.test
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    pub async fn by_test_id(&self, id: &str) -> Element {
        self.client
            .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .unwrap_or_else(|e| panic!("[data-testid={id}]: {e}"))
    }

    pub async fn click(&self, id: &str) {
        self.by_test_id(id).await.click().await.expect("clicks");
    }

    /// Types `keys` (characters, or `Key`s as chars) wherever the focus is, as a person would;
    /// with `shift`, Shift is held down throughout.
    pub async fn press(&self, keys: &str, shift: bool) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        if shift {
            actions = actions.then(KeyAction::Down {
                value: char::from(Key::Shift),
            });
        }
        for value in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        if shift {
            actions = actions.then(KeyAction::Up {
                value: char::from(Key::Shift),
            });
        }
        self.client.perform_actions(actions).await.expect("keys");
    }

    /// Presses Tab until the element with `test_id` has the focus (at most `tabs` times).
    pub async fn tab_to(&self, test_id: &str, tabs: usize) {
        let focused = format!("return document.activeElement.dataset.testid === '{test_id}'");
        for _ in 0..tabs {
            self.press(&Key::Tab.to_string(), false).await;
            if self.js(&focused).await == Value::Bool(true) {
                return;
            }
        }
        panic!("{}: Tab never reached [data-testid={test_id}]", self.test);
    }

    /// Picks `file` in the page's file input, as the file chooser would.
    pub async fn choose_file(&self, file: &Path) {
        let input = self.by_test_id("file").await;
        input
            .send_keys(&file.display().to_string())
            .await
            .expect("file chosen");
    }

    /// Waits for the preview of a chosen photo with its crop box.
    /// Opens the page without a token and waits for the form that asks for one.
    pub async fn open_signed_out(&self, app: &TestApp) {
        self.goto(&app.url("/")).await;
        self.wait_until(
            "!document.getElementById('sign-in').hidden",
            "the sign-in form",
        )
        .await;
    }

    pub async fn wait_for_preview(&self) {
        self.wait_until(
            "!document.getElementById('stage').hidden && \
             document.getElementById('preview').naturalWidth > 0 && \
             document.querySelector('[data-testid=crop]').offsetWidth > 0",
            "the preview and its crop box",
        )
        .await;
    }

    /// Saves a screenshot under `$CARGO_TARGET_DIR/page-screenshots/` (the test artifacts);
    /// with `PORTRAIT_DOCS_SCREENSHOTS=1` the main states named `docs` also go to
    /// `docs/screenshots/` for the README.
    pub async fn screenshot(&mut self, state: &str, docs: Option<&str>) {
        let png = self.client.screenshot().await.expect("screenshot");
        self.shots += 1;
        let dir = target_dir().join("page-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let name = format!("{}-{:02}-{state}.png", self.test, self.shots);
        std::fs::write(dir.join(name), &png).expect("screenshot written");
        if let (Some(docs), Ok("1")) = (docs, std::env::var("PORTRAIT_DOCS_SCREENSHOTS").as_deref())
        {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
            std::fs::create_dir_all(&dir).expect("docs/screenshots");
            std::fs::write(dir.join(format!("{docs}.png")), &png).expect("docs screenshot");
        }
    }

    /// The console's errors since the page was opened, except those containing one of
    /// `expected` (a refused upload is logged by Chromium as a failed resource load).
    pub async fn console_errors(&self, expected: &[&str]) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("browser log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| !expected.iter().any(|e| message.contains(e)))
            .map(str::to_owned)
            .collect()
    }

    /// Asserts a clean console (but for `expected`), then ends the session and chromedriver.
    pub async fn finish(mut self, expected: &[&str]) {
        let errors = self.console_errors(expected).await;
        let client = self.client.clone();
        let _ = client.close().await;
        kill_group(&mut self.driver);
        assert!(
            errors.is_empty(),
            "{}: console errors: {errors:#?}",
            self.test
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// chromedriver and the Chromium it started, by the process group this test created.
fn kill_group(driver: &mut Child) {
    if let Ok(None) = driver.try_wait() {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", driver.id())])
            .status();
        let _ = driver.wait();
    }
}

/// chromedriver's (non-W3C but long-standing) endpoint for the browser's console log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The target directory this test binary was built into (`target/debug/deps/api-…`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        })
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// A committed fixture's path (the file chooser wants a path, not bytes).
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name)
        .canonicalize()
        .expect("fixture exists")
}
