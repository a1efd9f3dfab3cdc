//! The `portrait` binary itself.
//!
//! * `serve --demo` prints curl commands that work when pasted.
//! * Killed with SIGKILL in the middle of concurrent uploads and restarted on the same data,
//!   every user's photo_path still serves a whole image (the new one or the previous one),
//!   `portrait gc` leaves no unreferenced blob, tokens never reach the log, and SIGTERM
//!   exits 0.
//! * `config`: every setting from a file, from the environment and from flags (`config.rs`).

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod logs;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portrait_imaging::defaults::SQUARE_SIZES;

const BIN: &str = env!("CARGO_BIN_EXE_portrait");
const USERS: [i64; 4] = [10, 11, 12, 14];

fn token(user: i64) -> String {
    format!("crash-test-token-{user}-6f1d")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The blob files an upload of photo `id` writes under the default ladder: every rendition as
/// JPEG, the squares as WebP too (Full's WebP is made on its first request).
fn rendition_files(id: &str) -> Vec<String> {
    let squares: Vec<String> = SQUARE_SIZES.iter().map(u32::to_string).collect();
    let variants = squares.iter().map(String::as_str).chain(["full"]);
    let jpegs = variants.map(|v| format!("photos/{id}/{v}.jpg"));
    let webps = squares.iter().map(|s| format!("photos/{id}/{s}.webp"));
    jpegs.chain(webps).collect()
}

fn portrait(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "debug")
        // No background AVIFs racing the blob sets these tests expect; `backfill` makes them.
        .env("PORTRAIT_PHOTOS__BACKGROUND_WORKERS", "0")
        .env_remove("PORTRAIT_DATABASE_URL")
        .env_remove("PORTRAIT_BLOB_STORE");
    command
}

/// A data dir holding the demo fixture, imported with `portrait import`, plus Ada's token.
fn demo_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("data dir");
    let mut fixture_json: serde_json::Value =
        serde_json::from_str(portrait_store::fixture::DEMO).expect("demo fixture");
    fixture_json["tokens"] = serde_json::json!([{"user_id": 10, "token": token(10)}]);
    let fixture_file = dir.path().join("fixture.json");
    std::fs::write(&fixture_file, fixture_json.to_string()).expect("write fixture");
    let import = portrait(
        dir.path(),
        &["import", fixture_file.to_str().expect("utf-8 path")],
    )
    .output()
    .expect("import");
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    dir
}

/// Asks the server to stop, as an operator or a process manager would.
fn sigterm(child: &Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
}

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

/// A test that fails half-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, log_name: &str) -> Server {
    serve_with(data, log_name, &[])
}

/// `portrait serve` on a free port with the rate limit off and `extra` flags, its standard
/// error in `log_name` under `data`.
fn serve_with(data: &Path, log_name: &str, extra: &[&str]) -> Server {
    let log = data.join(log_name);
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--rate-limit-per-second",
        "0",
    ];
    args.extend_from_slice(extra);
    let mut child = portrait(data, &args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start portrait serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read listening line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Server { child, base, log }
}

async fn upload(client: &reqwest::Client, base: &str, user: i64, photo: Vec<u8>) -> Option<u16> {
    let part = reqwest::multipart::Part::bytes(photo).file_name("p.jpg");
    let form = reqwest::multipart::Form::new().part("user[profile_photo_attachment_file]", part);
    client
        .post(format!("{base}/api/v1/users/{user}/profile_photo"))
        .bearer_auth(token(10))
        .multipart(form)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

async fn photo_path(client: &reqwest::Client, base: &str, user: i64) -> String {
    let body: serde_json::Value = client
        .get(format!("{base}/api/v1/users/{user}"))
        .bearer_auth(token(10))
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("json");
    body["users"][user.to_string()]["photo_path"]
        .as_str()
        .expect("photo_path")
        .to_owned()
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                out.push(relative.display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_uploads_loses_nothing() {
    let dir = demo_data_dir();
    let data = dir.path();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let photos = [
        "photo-320x180.jpg",
        "quadrants-400x300.png",
        "cmyk-240x150.jpg",
        "lossy-320x180.webp",
    ];

    // Round 1: everyone gets a photo; round 2 is cut short by SIGKILL.
    let mut server = serve(data, "serve-1.log");
    for (i, user) in USERS.iter().enumerate() {
        let status = upload(
            &client,
            &server.base,
            *user,
            fixture(photos[i % photos.len()]),
        )
        .await;
        assert_eq!(status, Some(200), "user {user}");
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let uploads: Vec<_> = (0..48)
        .map(|i| {
            let (client, base) = (client.clone(), server.base.clone());
            let photo = fixture(photos[(i + 1) % photos.len()]);
            let done = std::sync::Arc::clone(&done);
            tokio::spawn(async move {
                let status = upload(&client, &base, USERS[i % USERS.len()], photo).await;
                if status == Some(200) {
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                status
            })
        })
        .collect();
    // Kill once some uploads have finished, so that others are mid-way: receiving, being
    // processed, writing blobs or swapping the pointer.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while done.load(std::sync::atomic::Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reap");
    let finished = futures::future::join_all(uploads).await;
    let completed = finished
        .iter()
        .filter(|r| matches!(r, Ok(Some(200))))
        .count();
    eprintln!("{completed} of 48 uploads completed before the kill");
    assert!(
        (1..48).contains(&completed),
        "the kill must land mid-way: {completed} of 48"
    );

    // Restart on the same data: every photo_path serves a whole image.
    let mut server = serve(data, "serve-2.log");
    let mut referenced = Vec::new();
    for user in USERS {
        let path = photo_path(&client, &server.base, user).await;
        assert!(
            path.contains("/photos/"),
            "user {user} lost their photo: {path}"
        );
        let sizes = SQUARE_SIZES.iter().map(|side| format!("?size={side}"));
        for size in std::iter::once(String::new()).chain(sizes) {
            let response = client
                .get(format!("{path}{size}"))
                .send()
                .await
                .expect("photo");
            assert_eq!(response.status(), 200, "{path}{size}");
            let bytes = response.bytes().await.expect("bytes");
            assert!(
                bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]),
                "{path}{size} is not a whole JPEG"
            );
        }
        let id = path
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".jpg"))
            .expect("id")
            .to_owned();
        referenced.push(id);
    }

    // SIGTERM: a clean exit.
    sigterm(&server.child);
    let exit = server.child.wait().expect("wait");
    assert!(exit.success(), "SIGTERM exit: {exit:?}");

    // gc with no grace: exactly the referenced photos' renditions remain.
    let gc = portrait(data, &["gc", "--grace-seconds", "0"])
        .output()
        .expect("gc");
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    let blobs: Vec<String> = files(&data.join("blobs"))
        .into_iter()
        .filter(|f| !f.starts_with(".tmp"))
        .collect();
    let mut expected: Vec<String> = referenced
        .iter()
        .flat_map(|id| rendition_files(id))
        .collect();
    expected.sort();
    expected.dedup();
    assert_eq!(blobs, expected);

    // The tokens never reach the log, even at debug level.
    for log in [&data.join("serve-1.log"), &server.log] {
        let text = std::fs::read_to_string(log).expect("log");
        assert!(
            !text.is_empty(),
            "{} is empty: logging is not on",
            log.display()
        );
        assert!(
            !text.contains(&token(10)),
            "{} contains a token",
            log.display()
        );
    }
}

#[test]
fn the_demo_prints_curl_commands_that_work_verbatim() {
    let data = tempfile::tempdir().expect("data dir");
    // Configured through the environment only, as operations.md allows for every flag.
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("PORTRAIT_DEMO", "true")
        .env("PORTRAIT_LISTEN", "127.0.0.1:0")
        .env("PORTRAIT_DATA_DIR", data.path())
        .env_remove("PORTRAIT_DATABASE_URL")
        .env_remove("PORTRAIT_BLOB_STORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start portrait serve --demo");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut commands = Vec::new();
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(command) = line.trim_start().strip_prefix("curl ") {
            commands.push(format!("curl {command}"));
        }
        if line.starts_with("listening on ") {
            break;
        }
    }
    assert!(commands.len() >= 3, "{printed}");
    assert!(printed.contains("user 10"), "{printed}");
    for command in &commands {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("{command} -f"))
            .output()
            .expect("run curl");
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let body: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{command}: {e}"));
        assert!(body["results"].is_array(), "{command}: {body}");
    }
    // The upload command really changed Ada's photo.
    let upload = commands
        .iter()
        .find(|c| c.contains("profile_photo"))
        .expect("upload command");
    assert!(
        upload.contains("-F 'user[profile_photo_attachment_file]=@"),
        "{upload}"
    );
    let show = commands
        .iter()
        .find(|c| c.contains("/users/10?"))
        .expect("show command");
    let output = Command::new("bash")
        .arg("-c")
        .arg(show)
        .output()
        .expect("curl");
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let path = body["users"]["10"]["photo_path"]
        .as_str()
        .expect("photo_path");
    assert!(path.contains("/photos/"), "{path}");
    sigterm(&child);
    assert!(child.wait().expect("wait").success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_upload_in_flight_finish() {
    let dir = demo_data_dir();
    let data = dir.path();
    let mut server = serve(data, "serve.log");

    // An upload whose body takes about 1.5 s to arrive; SIGTERM lands in the middle.
    let head = b"--B\r\nContent-Disposition: form-data; name=\"user[profile_photo_attachment_file]\"; filename=\"a.jpg\"\r\n\r\n".to_vec();
    let mut chunks = vec![head];
    chunks.extend(
        fixture("photo-320x180.jpg")
            .chunks(2048)
            .map(<[u8]>::to_vec),
    );
    chunks.push(b"\r\n--B--\r\n".to_vec());
    let pause = Duration::from_millis(1500 / chunks.len() as u64);
    let stream = futures::stream::unfold(chunks.into_iter(), move |mut chunks| async move {
        let next = chunks.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<_, std::io::Error>(next), chunks))
    });
    let client = reqwest::Client::new();
    let request = client
        .post(format!("{}/api/v1/users/10/profile_photo", server.base))
        .bearer_auth(token(10))
        .header("content-type", "multipart/form-data; boundary=B")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let upload = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigterm(&server.child);
    let response = upload.await.expect("task").expect("the upload is answered");
    assert_eq!(response.status(), 200, "the in-flight upload completes");
    let exit = server.child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn backfill_makes_the_squares_photos_stored_before_them_lack() {
    let dir = demo_data_dir();
    let data = dir.path();
    let old_ladder: Vec<u32> = SQUARE_SIZES.iter().copied().filter(|&s| s != 144).collect();
    let old_flag = old_ladder
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut server = serve_with(data, "serve-old.log", &["--square-sizes", &old_flag]);
    let client = reqwest::Client::new();
    let status = upload(&client, &server.base, 10, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, Some(200));
    let path = photo_path(&client, &server.base, 10).await;
    sigterm(&server.child);
    assert!(server.child.wait().expect("wait").success());
    let id = path
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".jpg"))
        .expect("photo id");
    let missing = format!("photos/{id}/144.jpg");
    assert!(!files(&data.join("blobs")).contains(&missing));

    let backfill = |expected: &str| {
        let out = portrait(data, &["backfill"]).output().expect("backfill");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(expected), "{stdout}");
    };
    // The 144 square as JPEG and WebP, Full's WebP and an AVIF of each of the 7 renditions.
    backfill("examined 1 photos: made 10 renditions, 0 could not be made");
    let made = std::fs::read(data.join("blobs").join(&missing)).expect("144 square stored");
    let probe =
        portrait_imaging::probe(&made, &portrait_imaging::Limits::default()).expect("a JPEG");
    assert_eq!(
        (probe.format, probe.width, probe.height),
        (portrait_imaging::Format::Jpeg, 144, 144)
    );
    let mut expected = rendition_files(id);
    expected.push(format!("photos/{id}/full.webp"));
    let variants = SQUARE_SIZES
        .iter()
        .map(u32::to_string)
        .chain(["full".to_owned()]);
    expected.extend(variants.map(|v| format!("photos/{id}/{v}.avif")));
    expected.sort();
    let blobs: Vec<String> = files(&data.join("blobs"))
        .into_iter()
        .filter(|f| !f.starts_with(".tmp"))
        .collect();
    assert_eq!(blobs, expected);
    // Nothing left to make.
    backfill("examined 1 photos: made 0 renditions, 0 could not be made");
}
