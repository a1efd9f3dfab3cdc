//! `--log-format json`: every line on standard error is one JSON object, from start-up to
//! shutdown, with one line per request (request id, method, route template, status, latency,
//! user id) and never a token or a query string. `--metrics-listen` moves `/metrics` to a
//! listener of its own.

use std::time::Duration;

use serde_json::Value;

use super::{demo_data_dir, fixture, photo_path, serve_with, sigterm, token, upload};

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(value.is_object(), "{line}");
            assert!(value["timestamp"].is_string(), "{line}");
            assert!(value["level"].is_string(), "{line}");
            value
        })
        .collect()
}

/// The address a `serving /metrics` line names, once the server has written it.
async fn metrics_address(log: &std::path::Path) -> String {
    for _ in 0..200 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines() {
            if let Ok(value) = serde_json::from_str::<Value>(line) {
                if value["message"] == "serving /metrics" {
                    return value["address"].as_str().expect("address").to_owned();
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no `serving /metrics` line in {}", log.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_have_a_line_per_request_and_metrics_a_listener_of_their_own() {
    let dir = demo_data_dir();
    let data = dir.path();
    let mut server = serve_with(
        data,
        "serve.json.log",
        &["--log-format", "json", "--metrics-listen", "127.0.0.1:0"],
    );
    let (base, log) = (server.base.clone(), server.log.clone());
    let metrics = metrics_address(&log).await;
    let client = reqwest::Client::new();

    // Six requests on the main listener; the second upload removes the first photo.
    for _ in 0..2 {
        let status = upload(&client, &base, 10, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, Some(200));
    }
    let photo = photo_path(&client, &base, 10).await;
    for _ in 0..2 {
        let response = client
            .get(format!("{photo}?size=96"))
            .send()
            .await
            .expect("photo");
        assert_eq!(response.status(), 200);
    }
    let main_metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("main /metrics");
    assert_eq!(
        main_metrics.status(),
        404,
        "metrics moved off the main listener"
    );

    let scraped = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.expect("text");
    assert!(
        text.contains("portrait_http_requests_total{method=\"POST\",route=\"/api/v1/users/{id}/profile_photo\",status=\"200\"} 2"),
        "{text}"
    );
    // Both JPEGs, decoded at full size, went to zune-jpeg.
    assert!(
        text.contains("portrait_decodes_total{decoder=\"zune-jpeg\"} 2"),
        "{text}"
    );

    sigterm(&server.child);
    assert!(server.child.wait().expect("wait").success());

    let text = std::fs::read_to_string(&log).expect("log");
    assert!(!text.contains(&token(10)), "a token in the log");
    assert!(!text.contains("size=96"), "a query string in the log");
    let lines = json_lines(&text);
    let said = |message: &str| lines.iter().any(|l| l["message"] == message);
    assert!(said("listening"), "no start-up line: {text}");
    assert!(said("stopped"), "no shutdown line: {text}");

    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "portrait::access")
        .collect();
    assert_eq!(requests.len(), 6, "one line per request: {requests:#?}");
    for request in &requests {
        assert!(
            request["request_id"]
                .as_str()
                .is_some_and(|id| id.len() > 8),
            "{request}"
        );
        assert!(
            request["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{request}"
        );
        assert!(request["status"].is_u64(), "{request}");
    }
    let find = |method: &str, route: &str| {
        requests
            .iter()
            .filter(|l| l["method"] == method && l["route"] == route)
            .collect::<Vec<_>>()
    };
    let uploads = find("POST", "/api/v1/users/{id}/profile_photo");
    assert_eq!(uploads.len(), 2, "{requests:#?}");
    assert!(uploads
        .iter()
        .all(|l| l["status"] == 200 && l["user_id"] == 10));
    // The replaced photo is named, for a CDN purge to follow; it is not the current one.
    let removed: Vec<&str> = lines
        .iter()
        .filter(|l| l["message"] == "photo removed")
        .filter_map(|l| l["photo"].as_str())
        .collect();
    assert_eq!(removed.len(), 1, "{text}");
    assert_eq!(removed[0].len(), 64, "{removed:?}");
    assert!(!photo.contains(removed[0]), "{photo} was removed");
    let shows = find("GET", "/api/v1/users/{id}");
    assert_eq!(shows.len(), 1, "{requests:#?}");
    assert_eq!(shows[0]["user_id"], 10);
    let photos = find("GET", "/photos/{file}");
    assert_eq!(photos.len(), 2, "{requests:#?}");
    assert!(photos
        .iter()
        .all(|l| l["user_id"].is_null() && l["status"] == 200));
    let unmatched = find("GET", "unmatched");
    assert_eq!(unmatched.len(), 1, "{requests:#?}");
    assert_eq!(unmatched[0]["status"], 404);
}
