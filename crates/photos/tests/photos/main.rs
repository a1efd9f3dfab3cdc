//! The photo service on its own, without HTTP: a real SQLite store (PostgreSQL too when
//! PORTRAIT_TEST_DATABASE_URL is set) and an in-memory blob store.

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use portrait_blobs::{BlobStore, MemoryBlobStore};
use portrait_imaging::Options;
use portrait_photos::{Encoding, PhotoError, PhotoLimits, Photos, Variant};
use portrait_store::testing::scratch_databases;
use portrait_store::{fixture, ConnectOptions, Fixture, MetadataStore, UserId};

const ADA: UserId = UserId(10);

/// Width and height of a JPEG rendition, from its header.
fn jpeg_size(jpeg: &[u8]) -> (u32, u32) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    decoder.read_info().unwrap();
    let info = decoder.info().unwrap();
    (u32::from(info.width), u32::from(info.height))
}

fn webp_size(webp: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory_with_format(webp, image::ImageFormat::WebP).unwrap();
    (image.width(), image.height())
}

fn png(width: u32, height: u32) -> Bytes {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([30, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    Bytes::from(out.into_inner())
}

/// The defaults without background threads, whose blobs would appear while a test counts them
/// (the background tests turn them on).
fn limits() -> PhotoLimits {
    PhotoLimits {
        background_workers: 0,
        ..PhotoLimits::default()
    }
}

/// A gradient, so that encoders have something to lose.
fn gradient_png(width: u32, height: u32) -> Bytes {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    Bytes::from(out.into_inner())
}

/// Mean absolute difference per sample between two renditions of the same pixels.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    let options = Options::default();
    let a = portrait_imaging::rendition_pixels(a, &options).unwrap();
    let b = portrait_imaging::rendition_pixels(b, &options).unwrap();
    assert_eq!(a.dimensions(), b.dimensions());
    let total: f64 = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum();
    total / a.as_raw().len() as f64
}

/// Waits until the background threads have nothing left to make.
async fn background_done(photos: &Photos) {
    let started = std::time::Instant::now();
    while photos.background_waiting() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "background stuck"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A service per backend over the demo fixture; the guards keep the scratch databases alive.
async fn services(limits: PhotoLimits) -> Vec<(Photos, Arc<dyn MetadataStore>, impl Sized)> {
    let mut all = Vec::new();
    for database in scratch_databases().await {
        let store = portrait_store::open(&database.url, &ConnectOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
            .import(&Fixture::from_json(fixture::DEMO).unwrap())
            .await
            .unwrap();
        let blobs: Arc<dyn BlobStore> = Arc::new(MemoryBlobStore::new());
        let photos = Photos::new(
            Arc::clone(&store),
            blobs,
            limits.clone(),
            Options::default(),
        );
        all.push((photos, store, database));
    }
    all
}

async fn current_photo(store: &dyn MetadataStore) -> Option<portrait_store::PhotoId> {
    let referenced = store.referenced_photos().await.unwrap();
    assert!(referenced.len() <= 1, "only Ada has a photo in these tests");
    referenced.into_iter().next()
}

#[tokio::test]
async fn an_upload_becomes_the_users_photo_with_every_rendition() {
    for (photos, store, _guard) in services(limits()).await {
        let admission = photos.admit(1024).unwrap();
        let photo = photos
            .upload(admission, ADA, png(300, 200), None)
            .await
            .unwrap();
        assert_eq!(current_photo(store.as_ref()).await, Some(photo.clone()));
        let variants = photos
            .square_sizes()
            .iter()
            .map(|&s| (Variant::Square(s), (s, s)));
        for (variant, size) in variants.chain([(Variant::Full, (300, 200))]) {
            let jpeg = photos.rendition(&photo, variant, Encoding::Jpeg).await;
            assert_eq!(jpeg_size(&jpeg.unwrap().unwrap()), size);
            let webp = photos.rendition(&photo, variant, Encoding::Webp).await;
            assert_eq!(webp_size(&webp.unwrap().unwrap()), size);
        }
    }
}

#[tokio::test]
async fn a_rejected_upload_keeps_the_previous_photo_and_its_blobs() {
    for (photos, store, _guard) in services(limits()).await {
        let first = photos
            .upload(photos.admit(1024).unwrap(), ADA, png(64, 64), None)
            .await
            .unwrap();
        let refused = photos
            .upload(
                photos.admit(1024).unwrap(),
                ADA,
                Bytes::from_static(b"%PDF-1.7"),
                None,
            )
            .await;
        assert!(
            matches!(refused, Err(PhotoError::Rejected(_))),
            "{refused:?}"
        );
        assert_eq!(current_photo(store.as_ref()).await, Some(first.clone()));
        assert!(photos
            .rendition(&first, Variant::Full, Encoding::Jpeg)
            .await
            .unwrap()
            .is_some());
    }
}

#[tokio::test]
async fn a_replaced_or_reset_photo_is_gone_and_the_sweep_finds_nothing_left() {
    for (photos, store, _guard) in services(limits()).await {
        let first = photos
            .upload(photos.admit(1024).unwrap(), ADA, png(64, 64), None)
            .await
            .unwrap();
        let second = photos
            .upload(photos.admit(1024).unwrap(), ADA, png(80, 60), None)
            .await
            .unwrap();
        assert_ne!(first, second);
        assert_eq!(
            photos
                .rendition(&first, Variant::Full, Encoding::Jpeg)
                .await
                .unwrap(),
            None
        );
        photos.reset(ADA).await.unwrap();
        assert_eq!(current_photo(store.as_ref()).await, None);
        assert_eq!(
            photos
                .rendition(&second, Variant::Full, Encoding::Jpeg)
                .await
                .unwrap(),
            None
        );
        let report = photos.sweep().await.unwrap();
        assert_eq!((report.blobs_seen, report.deleted), (0, 0));
    }
}

#[tokio::test]
async fn admission_refuses_as_busy_once_every_place_is_taken() {
    let limits = PhotoLimits {
        workers: 1,
        queue: 0,
        ..limits()
    };
    for (photos, _store, _guard) in services(limits.clone()).await {
        let held = photos.admit(1024).unwrap();
        assert!(matches!(photos.admit(1024), Err(PhotoError::Busy)));
        drop(held);
        assert!(photos.admit(1024).is_ok());
    }
}

#[tokio::test]
async fn an_upload_over_its_time_budget_times_out() {
    let limits = PhotoLimits {
        processing_timeout: Duration::from_nanos(1),
        ..limits()
    };
    for (photos, store, _guard) in services(limits.clone()).await {
        let result = photos
            .upload(photos.admit(1024).unwrap(), ADA, png(2000, 1500), None)
            .await;
        assert!(matches!(result, Err(PhotoError::TimedOut(_))), "{result:?}");
        assert_eq!(current_photo(store.as_ref()).await, None);
    }
}

#[tokio::test]
async fn a_photo_gets_its_thumbhash_on_upload_and_older_ones_from_the_backfill() {
    for (photos, store, _guard) in services(limits()).await {
        let photo = photos
            .upload(photos.admit(1024).unwrap(), ADA, png(300, 200), None)
            .await
            .unwrap();
        assert!(store.photos_without_thumbhash().await.unwrap().is_empty());

        // As a photo stored before placeholders existed.
        store.replace_photo(ADA, Some(&photo), None).await.unwrap();
        let missing = store.photos_without_thumbhash().await.unwrap();
        assert_eq!(missing.into_iter().collect::<Vec<_>>(), vec![photo.clone()]);
        let report = photos.backfill().await.unwrap();
        // Without background threads it lacks Full's WebP and every AVIF (6 squares and Full).
        assert_eq!((report.photos, report.made, report.thumbhashes), (1, 8, 1));
        assert!(store.photos_without_thumbhash().await.unwrap().is_empty());
        assert_eq!(photos.backfill().await.unwrap().thumbhashes, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avifs_and_the_full_webp_are_made_in_the_background_after_the_upload() {
    let limits = PhotoLimits {
        background_workers: 1,
        ..limits()
    };
    for (photos, _store, _guard) in services(limits).await {
        let photo = photos
            .upload(
                photos.admit(1 << 20).unwrap(),
                ADA,
                gradient_png(300, 200),
                None,
            )
            .await
            .unwrap();
        // Full's AVIF is made last, after seconds of squares: not there yet.
        let early = photos
            .rendition(&photo, Variant::Full, Encoding::Avif)
            .await;
        assert!(matches!(early, Err(PhotoError::NotYet)), "{early:?}");
        background_done(&photos).await;
        let variants = photos.square_sizes().iter().map(|&s| Variant::Square(s));
        for variant in variants.chain([Variant::Full]) {
            let jpeg = photos.rendition(&photo, variant, Encoding::Jpeg).await;
            let jpeg = jpeg.unwrap().unwrap();
            let avif = photos.rendition(&photo, variant, Encoding::Avif).await;
            let avif = avif.unwrap().expect("made in the background");
            let probe = portrait_imaging::probe(&avif, &Default::default()).unwrap();
            assert_eq!(probe.format, portrait_imaging::Format::Avif);
            assert_eq!((probe.width, probe.height), jpeg_size(&jpeg), "{variant:?}");
            let difference = mean_difference(&avif, &jpeg);
            assert!(difference < 6.0, "{variant:?}: {difference}");
        }
        let webp = photos
            .rendition(&photo, Variant::Full, Encoding::Webp)
            .await;
        assert_eq!(webp_size(&webp.unwrap().unwrap()), (300, 200));
        // Nothing left for the backfill but what it always rechecks.
        assert_eq!(photos.backfill().await.unwrap().made, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_removed_before_its_background_renditions_gets_none_back() {
    let limits = PhotoLimits {
        background_workers: 1,
        ..limits()
    };
    for (photos, _store, _guard) in services(limits).await {
        let photo = photos
            .upload(
                photos.admit(1 << 20).unwrap(),
                ADA,
                gradient_png(300, 200),
                None,
            )
            .await
            .unwrap();
        photos.reset(ADA).await.unwrap();
        background_done(&photos).await;
        let left = photos
            .blobs()
            .list(&format!("photos/{photo}/"))
            .await
            .unwrap();
        assert!(left.is_empty(), "{left:?}");
    }
}
