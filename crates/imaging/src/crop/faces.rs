//! Frontal faces, with the SeetaFace detector (`rustface`, pure Rust), in up to three runs:
//! [`COARSE`] over every face size on the small copy, then, only when it found no face,
//! [`FINE`] for small faces on a larger copy (still within the 0.3 MP). The first
//! copy cannot see a face under the detector's 40 px window (a face under ~17 % of a 4:3
//! photo's short side: people in a group or full-length shot), and its sparse window grid
//! misses some larger blurred or low-contrast faces that the finer grid of the second
//! copy (twice the pixels along each side) lands on. Most photos sent as avatars have a
//! clear face and stop after the first, cheap pass; BENCHMARKS.md has the figures.
//!
//! [`FINE`] is most of what a photo without a face costs, so it runs only on evidence of a
//! face: a window that passed every stage of the detector, at any score, in the coarse pass
//! or in [`PROBE`], the same search on the larger copy with a window grid twice as sparse
//! (a quarter of the windows, so fewer candidates for the costly second stage).
//! A face the dense grid finds usually leaves such windows on the sparse one too (on the
//! labelled set, every time), and a photo without a face then costs the probe instead of
//! the dense pass (on the corpus, no photo without people had such a window). The price: a
//! small face that leaves evidence in neither is no longer looked for densely. And [`FINE`]
//! searches only the parts of the copy around the evidence ([`detect_around`]), unless they
//! cover most of it: a stray window on a photo without people then costs a few small
//! searches, not a dense pass over the whole copy.
//!
//! rustface indexes its buffers with unchecked pointer arithmetic and subtracts `u32`s that
//! underflow when a pyramid level is narrower than its 40 px window, so its input is guarded
//! here rather than trusted to it:
//! * both sides of the copy at least [`MIN_SIDE`] and at most
//!   [`super::small::FINE_MAX_PIXELS`] pixels in all (bounded work: the detector has no
//!   deadline of its own, and each pass runs at most once);
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
/// SeetaFace's score threshold for a face. Its authors suggest 0.95, 2.8 or 4.5. On the
/// labelled set (BENCHMARKS.md) 2.8 finds as many faces as 2.0; 1.0 finds a few more but also
/// a false face on a corpus photo without people (dragonfly), so 2.8 stays.
pub(crate) const SCORE_THRESHOLD: f64 = 2.8;
/// Threshold of the passes whose windows are only evidence that [`FINE`] is worth running:
/// any window that passed all of the detector's stages (the detector wants it above 0).
const EVIDENCE_THRESHOLD: f64 = 0.01;
/// Scale between pyramid levels (SeetaFace's default; 0.75 lost faces on the labelled set).
const PYRAMID_STEP: f32 = 0.8;

/// One run of the detector: its sliding-window step (pixels of each pyramid level), the
/// largest face looked for (pixels of the copy; `None`: 9/10 of the short side) and the
/// lowest score kept.
#[derive(Clone, Copy)]
pub(crate) struct Pass {
    step: u32,
    max_face: Option<u32>,
    threshold: f64,
}

/// Every face size on the small copy. A step of 8 (SeetaFace's is 4) is ~4× fewer windows:
/// the faces a coarse grid misses are what [`FINE`] is for, and the photos with a clear face
/// (most avatars) then cost the least. It keeps windows of any score: those under
/// [`SCORE_THRESHOLD`] are not faces, but evidence for [`FINE`] (the threshold only filters
/// the detector's output, so the faces are the same).
pub(crate) const COARSE: Pass = Pass {
    step: 8,
    max_face: None,
    threshold: EVIDENCE_THRESHOLD,
};
/// Faces of at most 50 px on the larger copy (25 px of the small one at its scale, up to
/// 62 px with the pyramid's first step down), at step 6: only the one or two largest, most
/// costly, pyramid levels, which the small copy does not have.
pub(crate) const FINE: Pass = Pass {
    step: 6,
    max_face: Some(50),
    threshold: SCORE_THRESHOLD,
};
/// [`FINE`]'s search at step 12, keeping windows of any score: whether [`FINE`] is worth
/// running. On the labelled set it has windows on every photo whose face only [`FINE`]
/// finds, and on none of the corpus photos without people; steps 10 and 16 each missed
/// photos (the coarse pass's windows cover step 10's miss and one of step 16's two).
pub(crate) const PROBE: Pass = Pass {
    step: 12,
    max_face: Some(50),
    threshold: EVIDENCE_THRESHOLD,
};

fn model() -> Option<&'static Model> {
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .as_ref()
}

/// Windows of at least the pass's threshold in `copy`, in its pixels, surest first (at most
/// [`MAX_FACES`]).
pub(crate) fn detect(copy: &Small, pass: Pass) -> Vec<FaceBox> {
    detect_in(&copy.grey, copy.width, copy.height, pass)
}

/// [`detect`] only in the parts of `copy` within [`AROUND`] pixels of an `evidence` window
/// (in the copy's pixels), or in all of it when those parts cover most of it: [`FINE`] looks
/// for faces of at most 50 px, so a face that overlaps an evidence window lies in its part.
pub(crate) fn detect_around(copy: &Small, pass: Pass, evidence: &[FaceBox]) -> Vec<FaceBox> {
    let parts = parts_around(evidence, copy.width, copy.height);
    let area: u64 = parts
        .iter()
        .map(|r| u64::from(r.width) * u64::from(r.height))
        .sum();
    if area * 2 > u64::from(copy.width) * u64::from(copy.height) {
        return detect(copy, pass);
    }
    let mut faces = Vec::new();
    for part in parts {
        let grey: Vec<u8> = copy
            .grey
            .chunks_exact(copy.width as usize)
            .skip(part.y as usize)
            .take(part.height as usize)
            .flat_map(|row| &row[part.x as usize..(part.x + part.width) as usize])
            .copied()
            .collect();
        faces.extend(
            detect_in(&grey, part.width, part.height, pass)
                .into_iter()
                .map(|f| FaceBox {
                    x: f.x + f64::from(part.x),
                    y: f.y + f64::from(part.y),
                    ..f
                }),
        );
    }
    surest_first(&mut faces);
    faces
}

/// How far around an evidence window [`detect_around`] looks: [`FINE`]'s largest face.
const AROUND: u32 = 50;

/// A rectangle of a copy, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Part {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

impl Part {
    fn right(&self) -> u32 {
        self.x + self.width
    }
    fn bottom(&self) -> u32 {
        self.y + self.height
    }
    fn overlaps(&self, other: &Part) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
    fn union(&self, other: &Part) -> Part {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        Part {
            x,
            y,
            width: self.right().max(other.right()) - x,
            height: self.bottom().max(other.bottom()) - y,
        }
    }
}

/// Each window grown by [`AROUND`] on every side and to at least [`MIN_SIDE`], kept inside
/// the `width` × `height` copy, and overlapping ones merged, so no pixel is searched twice.
fn parts_around(windows: &[FaceBox], width: u32, height: u32) -> Vec<Part> {
    // One side of a part: from `start` for `length` pixels, grown by AROUND, inside 0..limit,
    // and at least MIN_SIDE long where the copy allows (grown forwards, then backwards).
    let span = |start: f64, length: f64, limit: u32| -> (u32, u32) {
        let grow = f64::from(AROUND);
        let from = (start - grow).clamp(0.0, f64::from(limit)) as u32;
        let to = ((start + length + grow).clamp(0.0, f64::from(limit)) as u32).max(from);
        let to = to.max(from + MIN_SIDE).min(limit);
        let from = from.min(to.saturating_sub(MIN_SIDE));
        (from, to - from)
    };
    let mut parts: Vec<Part> = windows
        .iter()
        .map(|w| {
            let (x, width) = span(w.x, w.size, width);
            let (y, height) = span(w.y, w.size, height);
            Part {
                x,
                y,
                width,
                height,
            }
        })
        .collect();
    // Merge until no two overlap (a merge can make a part overlap one it did not before).
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..parts.len() {
            for j in i + 1..parts.len() {
                if parts[i].overlaps(&parts[j]) {
                    parts[i] = parts[i].union(&parts[j]);
                    parts.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    parts
}

fn detect_in(grey: &[u8], w: u32, h: u32, pass: Pass) -> Vec<FaceBox> {
    if w.min(h) < MIN_SIDE
        || u64::from(w) * u64::from(h) > super::small::FINE_MAX_PIXELS
        || grey.len() as u64 != u64::from(w) * u64::from(h)
    {
        return Vec::new();
    }
    let Some(model) = model() else {
        return Vec::new();
    };
    let found = catch_unwind(AssertUnwindSafe(|| {
        let mut detector = rustface::create_detector_with_model(model.clone());
        detector.set_min_face_size(20);
        let largest = w.min(h) * 9 / 10;
        detector.set_max_face_size(pass.max_face.map_or(largest, |m| m.min(largest)));
        detector.set_score_thresh(pass.threshold);
        detector.set_pyramid_scale_factor(PYRAMID_STEP);
        detector.set_slide_window_step(pass.step, pass.step);
        detector.detect(&ImageData::new(grey, w, h))
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
    surest_first(&mut faces);
    faces
}

/// Surest first, ties by position so the order never depends on the detector's; at most
/// [`MAX_FACES`].
fn surest_first(faces: &mut Vec<FaceBox>) {
    faces.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.y.total_cmp(&b.y))
            .then(a.x.total_cmp(&b.x))
    });
    faces.truncate(MAX_FACES);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(x: f64, y: f64, size: f64) -> FaceBox {
        FaceBox {
            x,
            y,
            size,
            score: 1.0,
        }
    }

    #[test]
    fn parts_grow_around_windows_and_stay_inside() {
        let parts = parts_around(&[window(100.0, 100.0, 40.0)], 640, 480);
        let grown = Part {
            x: 50,
            y: 50,
            width: 140,
            height: 140,
        };
        assert_eq!(parts, vec![grown]);
        // At a corner: clipped, then grown back to the smallest searchable side inside.
        let parts = parts_around(&[window(0.0, 470.0, 4.0)], 640, 480);
        assert_eq!(
            parts,
            vec![Part {
                x: 0,
                y: 420,
                width: 54,
                height: 60,
            }]
        );
        let tiny = parts_around(&[window(0.0, 0.0, 1.0)], 30, 30);
        assert!(tiny.iter().all(|p| p.right() <= 30 && p.bottom() <= 30));
    }

    #[test]
    fn overlapping_parts_merge_until_none_overlap() {
        // a overlaps b, and the union of a and b overlaps c, which a alone does not.
        let windows = [
            window(100.0, 100.0, 40.0),
            window(200.0, 100.0, 40.0),
            window(330.0, 150.0, 40.0),
            window(500.0, 400.0, 20.0),
        ];
        let parts = parts_around(&windows, 640, 480);
        assert_eq!(parts.len(), 2, "{parts:?}");
        for (i, a) in parts.iter().enumerate() {
            for b in &parts[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
        }
        let covering = parts
            .iter()
            .find(|p| p.x == 50)
            .expect("first three merged");
        assert_eq!((covering.right(), covering.bottom()), (420, 240));
    }
}
