//! A smartcrop-like saliency crop for photos without a face: each pixel of the small copy
//! scores for detail (edges), skin tones and saturation, and the square that gathers the most
//! of it, weighted towards its own centre so a subject is not cut at the square's edge, wins —
//! but only when it stands out clearly from the square Kantata's rule would take; a flat or
//! evenly busy picture keeps the rule.

use super::small::Small;

/// Weights of the three cues, as smartcrop's (detail 0.2, skin 1.8, saturation 0.3).
const DETAIL_WEIGHT: f32 = 0.2;
const SKIN_WEIGHT: f32 = 1.8;
const SATURATION_WEIGHT: f32 = 0.3;
/// Skin: cosine-distance from this normalised colour (smartcrop's skin colour).
const SKIN_COLOUR: [f32; 3] = [0.78, 0.57, 0.44];
const SKIN_THRESHOLD: f32 = 0.8;
const SATURATION_THRESHOLD: f32 = 0.4;
/// How much better than the rule's square the best one must be to be taken.
const MUST_BEAT_RULE: f64 = 1.15;
/// Below this mean score a pixel (0–2.3), the picture has no salient region at all.
const MIN_MEAN: f64 = 0.002;

/// Score of one pixel `p` whose luma's Laplacian magnitude is `edge` (0–1).
fn pixel_score(p: &[u8], edge: f32) -> f32 {
    let [r, g, b] = [p[0], p[1], p[2]].map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let lightness = (max + min) / 2.0;
    let norm = (r * r + g * g + b * b).sqrt();
    let skin = if norm > 0.0 {
        let d = [
            r / norm - SKIN_COLOUR[0],
            g / norm - SKIN_COLOUR[1],
            b / norm - SKIN_COLOUR[2],
        ];
        1.0 - (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
    } else {
        0.0
    };
    let skin = if skin > SKIN_THRESHOLD && (0.2..=1.0).contains(&lightness) {
        (skin - SKIN_THRESHOLD) / (1.0 - SKIN_THRESHOLD)
    } else {
        0.0
    };
    let saturation = if max == min {
        0.0
    } else if lightness > 0.5 {
        (max - min) / (2.0 - max - min)
    } else {
        (max - min) / (max + min)
    };
    let saturation = if saturation > SATURATION_THRESHOLD && (0.05..=0.9).contains(&lightness) {
        (saturation - SATURATION_THRESHOLD) / (1.0 - SATURATION_THRESHOLD)
    } else {
        0.0
    };
    DETAIL_WEIGHT * edge + SKIN_WEIGHT * skin + SATURATION_WEIGHT * saturation
}

/// Saliency summed across the short side: one value per position along the long side.
fn profile(copy: &Small, wide: bool) -> Vec<f64> {
    let (w, h) = (copy.width as usize, copy.height as usize);
    let mut out = vec![0.0f64; if wide { w } else { h }];
    let grey = |x: usize, y: usize| f32::from(copy.grey[y * w + x]);
    for y in 0..h {
        for x in 0..w {
            let centre = grey(x, y);
            let n = |dx: isize, dy: isize| {
                let xx = x.saturating_add_signed(dx).min(w - 1);
                let yy = y.saturating_add_signed(dy).min(h - 1);
                grey(xx, yy)
            };
            let laplacian = 4.0 * centre - n(-1, 0) - n(1, 0) - n(0, -1) - n(0, 1);
            let edge = (laplacian.abs() / 255.0).min(1.0);
            let i = (y * w + x) * 3;
            let s = pixel_score(&copy.rgb[i..i + 3], edge);
            out[if wide { x } else { y }] += f64::from(s);
        }
    }
    out
}

/// Score of the window `profile[start..start + side]`: centre weighted 1, edges 0.5.
fn window_score(profile: &[f64], start: usize, side: usize) -> f64 {
    let half = side as f64 / 2.0;
    profile[start..start + side]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = ((i as f64 + 0.5) - half).abs() / half;
            v * (1.0 - 0.5 * t * t)
        })
        .sum()
}

/// The offset, in the copy's pixels along its long side, of its most salient square; `None`
/// when nothing stands out (then Kantata's rule applies).
pub(crate) fn offset(copy: &Small) -> Option<u32> {
    let (w, h) = (copy.width, copy.height);
    if w == h || w == 0 || h == 0 {
        return None;
    }
    let wide = w > h;
    let side = w.min(h) as usize;
    let long = w.max(h) as usize;
    let profile = profile(copy, wide);
    let total: f64 = profile.iter().sum();
    if total / (w as f64 * h as f64) < MIN_MEAN {
        return None;
    }
    let rule = if wide { (long - side) / 2 } else { 0 };
    let rule_score = window_score(&profile, rule, side);
    // Scanning every offset costs long × side additions on a copy of at most 0.08 MP.
    let (best, best_score) = (0..=long - side)
        .map(|o| (o, window_score(&profile, o, side)))
        .fold(
            (rule, rule_score),
            |(bo, bs), (o, s)| {
                if s > bs {
                    (o, s)
                } else {
                    (bo, bs)
                }
            },
        );
    (best_score > rule_score * MUST_BEAT_RULE).then(|| u32::try_from(best).unwrap_or(0))
}
