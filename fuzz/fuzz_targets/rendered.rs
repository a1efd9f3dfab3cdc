//! Shared by the format targets (`jxl`, `heic`, `avif`): the file through `process` with small
//! limits and renditions, and what an accepted file must be.

use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

/// `process` with small limits (4 MP, 4096 px, 8 frames), a 16 and a 48 px square and a Full of
/// at most 96 px. An accepted file must be one of `formats`, agree with `probe`, stay within the
/// limits and come out as three whole JPEGs, the squares' WebPs beside them; a refused one gives
/// its error back.
pub fn check(bytes: &[u8], formats: &[Format]) -> Result<(), ImageError> {
    let options = Options {
        limits: Limits {
            max_pixels: 4_000_000,
            max_side: 4096,
            max_frames: 8,
            ..Limits::default()
        },
        square_sizes: vec![16, 48],
        full_max_side: 96,
        ..Options::default()
    };
    let probed = probe(bytes, &options.limits);
    let p = process(bytes, &options)?;
    assert!(formats.contains(&p.source.format), "{:?}", p.source);
    assert_eq!(probed.as_ref().ok(), Some(&p.source), "probe disagrees with process");
    assert!(u64::from(p.source.width) * u64::from(p.source.height) <= 4_000_000);
    assert!(p.source.frames <= 8);
    assert_eq!(p.renditions.len(), 3);
    for r in &p.renditions {
        assert!(r.jpeg.starts_with(&[0xFF, 0xD8]) && r.jpeg.ends_with(&[0xFF, 0xD9]));
        // Squares come with their WebP; Full's is made on demand.
        if r.kind != portrait_imaging::RenditionKind::Full {
            let webp = r.webp.as_deref().unwrap_or_default();
            assert!(webp.starts_with(b"RIFF") && webp.get(8..12) == Some(b"WEBP"));
        }
    }
    let full = &p.renditions[2];
    assert!(full.width.max(full.height) <= 96);
    Ok(())
}

/// A HEIF target's input: as it is when it starts with an `ftyp` box, else behind `ftyp`, so that
/// every input reaches the format's path; refused only for a reason other than being empty or
/// outside a crop box (there is none), which would mean routing went wrong.
#[allow(dead_code)] // `jxl` wraps its inputs its own way.
pub fn check_heif(data: &[u8], ftyp: &[u8], formats: &[Format]) {
    let bytes = if data.get(4..8) == Some(b"ftyp") {
        data.to_vec()
    } else {
        [ftyp, data].concat()
    };
    if let Err(ImageError::Empty | ImageError::CropOutside { .. }) = check(&bytes, formats) {
        panic!("impossible error");
    }
}
