//! Squares made later from a stored larger square (`smaller_square`), for photos stored
//! before a size joined the ladder.

use crate::common::{decode_jpeg, fixture};
use portrait_imaging::testing::assert_no_metadata;
use portrait_imaging::{process, smaller_square, ImageError, Options, RenditionKind};

#[test]
fn a_smaller_square_from_the_stored_648_matches_the_one_made_at_upload() {
    let options = Options::default();
    let processed = process(&fixture("photo-320x180.jpg"), &options).expect("process");
    let square = |side| {
        processed
            .renditions
            .iter()
            .find(|r| r.kind == RenditionKind::Square(side))
            .expect("square")
    };
    let made = smaller_square(&square(648).jpeg, 144, &options).expect("made");
    assert_eq!(made.kind, RenditionKind::Square(144));
    assert_eq!((made.width, made.height), (144, 144));
    assert_no_metadata(&made.jpeg);
    let (later, at_upload) = (decode_jpeg(&made.jpeg), decode_jpeg(&square(144).jpeg));
    assert_eq!((later.width, later.height), (144, 144));
    let mean_difference = later
        .data
        .iter()
        .zip(&at_upload.data)
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / later.data.len() as f64;
    // One more JPEG generation: close, not identical.
    assert!(mean_difference < 3.0, "mean difference {mean_difference}");
    // Deterministic, so two instances making it at once store the same bytes.
    let again = smaller_square(&square(648).jpeg, 144, &options).expect("made again");
    assert_eq!(again.jpeg, made.jpeg);
}

#[test]
fn a_smaller_square_from_bytes_that_are_no_image_is_refused() {
    let refused = smaller_square(b"not a rendition", 144, &Options::default());
    assert!(
        matches!(refused, Err(ImageError::Unsupported { .. })),
        "{refused:?}"
    );
}
