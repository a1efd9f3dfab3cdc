//! Placing the square on the faces found: the largest face is the subject, centred across a
//! wide photo, and in a tall one set with head-room above it (its centre at 40 % of the
//! square's height, so the eyes, a little above the box's centre, are in the upper half).
//! The square then moves as little as it must to hold every face that matters, when they fit
//! together, and always stays inside the image.

use super::FaceBox;

/// Faces smaller than this share of the largest one are background, not subjects.
const SUBJECT_SHARE: f64 = 0.4;
/// Room kept around a face box (of its size): hair above, chin and ears around.
const MARGIN: f64 = 0.25;
/// Where the subject's centre sits in a tall photo's square, from its top.
const HEAD_ROOM: f64 = 0.4;

/// The offset along the long side of a `width` × `height` image (not square) of the square
/// as large as its short side. `faces` is not empty.
pub(crate) fn offset(faces: &[FaceBox], width: u32, height: u32) -> u32 {
    let wide = width > height;
    let side = f64::from(width.min(height));
    let room = f64::from(width.max(height)) - side;
    // The subject: the largest face, the surest of equals (faces come surest first).
    let Some(subject) = faces.iter().fold(None::<&FaceBox>, |best, f| match best {
        Some(b) if b.size >= f.size => Some(b),
        _ => Some(f),
    }) else {
        return 0;
    };
    // Start and size of a face along the long side.
    let along = |f: &FaceBox| if wide { (f.x, f.size) } else { (f.y, f.size) };
    let extent = |f: &FaceBox| {
        let (start, size) = along(f);
        (start - MARGIN * size, start + size + MARGIN * size)
    };
    let (start, size) = along(subject);
    let centre = start + size / 2.0;
    let wanted = if wide {
        centre - side / 2.0
    } else {
        centre - HEAD_ROOM * side
    };

    // Hold every subject-sized face when they fit together; else the subject alone.
    let (mut lo, mut hi) = extent(subject);
    for f in faces
        .iter()
        .filter(|f| f.size >= SUBJECT_SHARE * subject.size)
    {
        let (a, b) = extent(f);
        if b.max(hi) - a.min(lo) <= side {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    let placed = if hi - lo <= side {
        // Any offset in [hi - side, lo] holds them; take the nearest to the wanted one.
        wanted.clamp(hi - side, lo)
    } else {
        // The subject with its margins is larger than the square: centre on it.
        centre - side / 2.0
    };
    let placed = placed.clamp(0.0, room).round();
    if placed.is_finite() && placed > 0.0 {
        placed as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f64, y: f64, size: f64) -> FaceBox {
        FaceBox {
            x,
            y,
            size,
            score: 10.0,
        }
    }

    #[test]
    fn a_wide_photo_centres_the_face() {
        // 1600×900, face 100 px at x 1300: centre 1350, square 900 → 900 (clamped to 700).
        assert_eq!(offset(&[face(1300.0, 100.0, 100.0)], 1600, 900), 700);
        assert_eq!(offset(&[face(500.0, 100.0, 100.0)], 1600, 900), 100);
        assert_eq!(offset(&[face(10.0, 100.0, 100.0)], 1600, 900), 0);
    }

    #[test]
    fn a_tall_photo_keeps_head_room() {
        // 900×1600, face 100 px at y 800: centre 850; 40 % of 900 above it → 490.
        assert_eq!(offset(&[face(400.0, 800.0, 100.0)], 900, 1600), 490);
        let top = 490.0;
        let eyes = 800.0 + 0.4 * 100.0;
        assert!(eyes - top < 450.0, "eyes in the upper half");
        assert!(800.0 - 25.0 >= top, "hair inside");
    }

    #[test]
    fn every_face_is_held_when_they_fit() {
        // Subject at x 200 (size 120), a second face at x 900 (size 100): together
        // 170..1025 = 855 ≤ 900, so both must be inside the 900 px square.
        let faces = [face(200.0, 300.0, 120.0), face(900.0, 300.0, 100.0)];
        let o = f64::from(offset(&faces, 1600, 900));
        assert!(o <= 200.0 - 30.0 && o + 900.0 >= 1000.0 + 25.0, "{o}");
        // Too far apart: the subject wins, centred.
        let faces = [face(100.0, 300.0, 120.0), face(1450.0, 300.0, 100.0)];
        assert_eq!(offset(&faces, 1600, 900), 0);
        // A tiny face (background) does not pull the square.
        let faces = [face(1000.0, 300.0, 120.0), face(100.0, 300.0, 30.0)];
        assert_eq!(offset(&faces, 1600, 900), 610);
    }
}
