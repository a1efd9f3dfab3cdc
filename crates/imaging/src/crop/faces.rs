//! Frontal faces, with the SeetaFace detector (`rustface`, pure Rust) on the small copy.
//!
//! rustface indexes its buffers with unchecked pointer arithmetic and subtracts `u32`s that
//! underflow when a pyramid level is narrower than its 40 px window, so its input is guarded
//! here rather than trusted to it:
//! * both sides of the copy at least [`MIN_SIDE`] and at most [`super::small::MAX_PIXELS`]
//!   pixels in all (bounded work: the detector has no deadline of its own);
//! * the largest face looked for is 9/10 of the short side, which keeps the smallest pyramid
//!   level at ≥ 44 px on both sides, clear of the window even after truncation;
//! * a panic is caught and means "no face" (the crop falls back to saliency);
//! * boxes are clipped to the image, and at most [`MAX_FACES`] are kept, so that a pattern
//!   of thousands of tiny faces costs no more than a handful.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use rustface::{ImageData, Model};

use super::small::Small;
use super::FaceBox;

/// The SeetaFace frontal model (BSD-2-Clause, see `models/README.md`), read once.
static MODEL_BYTES: &[u8] = include_bytes!("../../models/seeta_fd_frontal_v1.0.bin");
static MODEL: OnceLock<Option<Model>> = OnceLock::new();

/// Smallest side of the copy the detector is run on (its window is 40 px).
pub(crate) const MIN_SIDE: u32 = 48;
/// Most faces considered, surest first.
pub(crate) const MAX_FACES: usize = 16;
/// SeetaFace's score threshold. Its authors suggest 0.95, 2.8 or 4.5. On the labelled set
/// (BENCHMARKS.md) 2.8 finds more faces than 4.0 and as many as 2.0, and it finds none on
/// the corpus photos without people.
const SCORE_THRESHOLD: f64 = 2.8;
/// Sliding-window step in pixels of each pyramid level: 6 rather than SeetaFace's 4 costs
/// ~2× fewer windows, and found as many faces on the labelled set.
const STEP: u32 = 6;
/// Scale between pyramid levels (SeetaFace's default).
const PYRAMID_STEP: f32 = 0.8;

fn model() -> Option<&'static Model> {
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .as_ref()
}

/// Faces in `copy`, in its pixels, surest first (at most [`MAX_FACES`]).
pub(crate) fn detect(copy: &Small) -> Vec<FaceBox> {
    let (w, h) = (copy.width, copy.height);
    if w.min(h) < MIN_SIDE
        || u64::from(w) * u64::from(h) > super::small::MAX_PIXELS
        || copy.grey.len() as u64 != u64::from(w) * u64::from(h)
    {
        return Vec::new();
    }
    let Some(model) = model() else {
        return Vec::new();
    };
    let found = catch_unwind(AssertUnwindSafe(|| {
        let mut detector = rustface::create_detector_with_model(model.clone());
        detector.set_min_face_size(20);
        detector.set_max_face_size(w.min(h) * 9 / 10);
        detector.set_score_thresh(SCORE_THRESHOLD);
        detector.set_pyramid_scale_factor(PYRAMID_STEP);
        detector.set_slide_window_step(STEP, STEP);
        detector.detect(&ImageData::new(&copy.grey, w, h))
    }));
    let Ok(found) = found else {
        return Vec::new();
    };
    let (wf, hf) = (f64::from(w), f64::from(h));
    let mut faces: Vec<FaceBox> = found
        .iter()
        .filter_map(|f| {
            let b = f.bbox();
            // Clip to the image: the detector's regression may push a box past an edge.
            let x0 = f64::from(b.x()).clamp(0.0, wf);
            let y0 = f64::from(b.y()).clamp(0.0, hf);
            let x1 = (f64::from(b.x()) + f64::from(b.width())).clamp(0.0, wf);
            let y1 = (f64::from(b.y()) + f64::from(b.height())).clamp(0.0, hf);
            let size = (x1 - x0).min(y1 - y0);
            (size >= 8.0 && f.score().is_finite()).then_some(FaceBox {
                x: x0,
                y: y0,
                size,
                score: f.score(),
            })
        })
        .collect();
    // Surest first; ties by position so the order never depends on the detector's.
    faces.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.y.total_cmp(&b.y))
            .then(a.x.total_cmp(&b.x))
    });
    faces.truncate(MAX_FACES);
    faces
}
