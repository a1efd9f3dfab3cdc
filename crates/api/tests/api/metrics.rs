//! `GET /metrics`: Prometheus' text format, labelled by route templates, counting what the
//! server did (including photo GETs answered from memory and refusals), with no token.
//!
//! The recorder is one per process and the tests run side by side, so each check compares the
//! figures before and after its own requests and asks for at least what they added.

use std::collections::BTreeMap;

use portrait_api::config::RateLimit;

use crate::helpers::{backends, fixture, token, TestApp, ADA, GRACE};

type Labels = BTreeMap<String, String>;

/// Every sample of the exposition text: name, labels, value.
fn samples(text: &str) -> Vec<(String, Labels, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), Labels::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("closing brace");
                    let labels = body
                        .split("\",")
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (key, value) = pair.split_once("=\"").expect("key=\"value\"");
                            (key.to_owned(), value.trim_end_matches('"').to_owned())
                        })
                        .collect();
                    (name.to_owned(), labels)
                }
            };
            (name, labels, value)
        })
        .collect()
}

/// The sum of the samples named `name` whose labels include every pair of `with`.
fn total(samples: &[(String, Labels, f64)], name: &str, with: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|(n, labels, _)| {
            n == name
                && with
                    .iter()
                    .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, value)| value)
        .sum()
}

async fn scrape(app: &TestApp) -> (String, Vec<(String, Labels, f64)>) {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.expect("text");
    let parsed = samples(&text);
    (text, parsed)
}

#[tokio::test]
async fn requests_stages_stores_and_the_cache_are_counted_by_template() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (_, before) = scrape(&app).await;

        let (status, body) = app.upload(GRACE, GRACE, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let photo = app.photo_path(GRACE).await;
        // From memory (the fast path), then from the full stack with a validator.
        for _ in 0..2 {
            let response = app.client.get(&photo).send().await.expect("photo");
            assert_eq!(response.status(), 200);
        }
        let revalidated = app
            .client
            .get(&photo)
            .header("if-none-match", "\"no-match\"")
            .send()
            .await
            .expect("photo");
        assert_eq!(revalidated.status(), 200);
        assert_eq!(app.get("/no/such/thing/12345", None).await.0, 404);

        let (text, after) = scrape(&app).await;
        let grew = |name: &str, with: &[(&str, &str)]| {
            total(&after, name, with) - total(&before, name, with)
        };
        let requests = "portrait_http_requests_total";
        let photo_gets = [
            ("method", "GET"),
            ("route", "/photos/{file}"),
            ("status", "200"),
        ];
        assert!(
            grew(requests, &photo_gets) >= 3.0,
            "{}: {text}",
            app.backend
        );
        let upload = [
            ("method", "POST"),
            ("route", "/api/v1/users/{id}/profile_photo"),
            ("status", "200"),
        ];
        assert!(grew(requests, &upload) >= 1.0, "{text}");
        let unmatched = [("route", "unmatched"), ("status", "404")];
        assert!(grew(requests, &unmatched) >= 1.0, "{text}");
        let latency = "portrait_http_request_duration_seconds_count";
        assert!(
            grew(latency, &[("route", "/photos/{file}")]) >= 3.0,
            "{text}"
        );

        for stage in [
            "admission_wait",
            "body_read",
            "decode",
            "colour",
            "crop",
            "resize",
            "encode",
            "blob_writes",
            "swap",
        ] {
            let count = "portrait_upload_stage_duration_seconds_count";
            assert!(grew(count, &[("stage", stage)]) >= 1.0, "{stage}: {text}");
        }
        let uploads = "portrait_upload_duration_seconds_count";
        assert!(grew(uploads, &[("outcome", "ok")]) >= 1.0, "{text}");
        let store = "portrait_store_call_duration_seconds_count";
        assert!(grew(store, &[("call", "replace_photo")]) >= 1.0, "{text}");
        assert!(grew(store, &[("call", "authenticate")]) >= 1.0, "{text}");
        let blobs = "portrait_blob_call_duration_seconds_count";
        assert!(grew(blobs, &[("operation", "put")]) >= 6.0, "{text}");
        assert!(
            grew("portrait_rendition_cache_hits_total", &[]) >= 2.0,
            "{text}"
        );
        for gauge in [
            "portrait_uploads_admitted",
            "portrait_upload_places",
            "portrait_uploads_processing",
            "portrait_decode_memory_reserved_bytes",
            "portrait_decode_memory_budget_bytes",
            "portrait_rendition_cache_bytes",
            "portrait_background_photos_waiting",
        ] {
            assert!(after.iter().any(|(n, _, _)| n == gauge), "{gauge}: {text}");
        }
        assert!(
            total(&after, "portrait_upload_places", &[]) >= 1.0,
            "{text}"
        );

        // Labels are templates: no id, photo name or raw path is ever one.
        let file = photo.rsplit('/').next().expect("file");
        let id = file.trim_end_matches(".jpg");
        assert!(!text.contains(id), "a photo id is a label: {text}");
        assert!(!text.contains("12345"), "a raw path is a label: {text}");
        assert!(!text.contains(&token(GRACE)), "{text}");
        app.stop().await;
    }
}

#[tokio::test]
async fn refusals_are_counted_by_status() {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, |config| {
        config.http.rate_limit = RateLimit {
            per_second: 1,
            burst: 1,
        };
    })
    .await;
    let (_, before) = scrape(&app).await;
    let mut refused = 0;
    for _ in 0..3 {
        if app.get("/api/v1/users/me", Some(ADA)).await.0 == 429 {
            refused += 1;
        }
    }
    assert!(refused >= 1);
    let (text, after) = scrape(&app).await;
    let limited = [("route", "/api/v1/users/me"), ("status", "429")];
    let grew = total(&after, "portrait_http_requests_total", &limited)
        - total(&before, "portrait_http_requests_total", &limited);
    assert!(grew >= f64::from(refused), "{text}");
    app.stop().await;
}
