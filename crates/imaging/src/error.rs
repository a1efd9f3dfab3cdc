//! The one error type of the crate. Its `Display` is written for end users of the
//! upload API: precise, and never quoting bytes of the uploaded file.

use std::fmt;

use crate::detect::Accepted;

/// Why an upload could not be turned into renditions.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// The file has zero bytes.
    #[error("file is empty")]
    Empty,
    /// The bytes are not one of the accepted formats; `found` names what they look like.
    #[error("file is {}; accepted formats are {accepted}", WithArticle(found))]
    Unsupported {
        found: &'static str,
        accepted: Accepted,
    },
    /// width × height exceeds `Limits::max_pixels`.
    #[error(
        "image is {width}×{height} pixels ({}); the limit is {}",
        megapixels(u64::from(*width) * u64::from(*height)),
        megapixels(*max_pixels)
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// One side exceeds `Limits::max_side`.
    #[error("image is {width}×{height} pixels; no side may be longer than {max_side} pixels")]
    SideTooLong {
        width: u32,
        height: u32,
        max_side: u32,
    },
    /// One side is below `Limits::min_side` (including zero).
    #[error("image is {width}×{height} pixels, which is too small to use")]
    TooSmall { width: u32, height: u32 },
    /// long side / short side exceeds `Limits::max_aspect_ratio`.
    #[error(
        "image is {width}×{height} pixels; its long side may be at most {max_ratio} times its short side"
    )]
    AspectRatio {
        width: u32,
        height: u32,
        max_ratio: u32,
    },
    /// The file declares far more pixels than its size can plausibly hold
    /// ([`crate::defaults::MAX_PIXELS_PER_BYTE`]): a decompression bomb.
    #[error(
        "image declares {width}×{height} pixels ({}) in only {bytes} bytes, which is not a photo",
        megapixels(u64::from(*width) * u64::from(*height))
    )]
    TooCompressed { width: u32, height: u32, bytes: u64 },
    /// More frames than `Limits::max_frames`; counting stops at `max_frames + 1`.
    #[error("image has more than {max_frames} frames; the limit is {max_frames}")]
    TooManyFrames { frames_seen: u32, max_frames: u32 },
    /// A HEIF/AVIF grid made of more tiles than [`crate::defaults::MAX_GRID_TILES`].
    #[error("image is made of {tiles} tiles; the limit is {max_tiles}")]
    TooManyTiles { tiles: u32, max_tiles: u32 },
    /// A file of an accepted format that uses a coding tool its decoder does not implement
    /// (a few camera HEIF files); `detail` is for logs.
    #[error(
        "file is {} that uses a coding feature portrait cannot decode",
        WithArticle(format)
    )]
    UnsupportedFeature {
        format: &'static str,
        detail: String,
    },
    /// Truncated or malformed data, or a decoder failure. `detail` is for logs and
    /// is written by this crate (it never contains file bytes); it is not shown.
    #[error("image is truncated or corrupt")]
    Corrupt { detail: String },
    /// The requested crop box (x, y, size) does not fit in the displayed image.
    #[error(
        "crop box {},{} size {} lies outside the {width}×{height} image",
        crop.0,
        crop.1,
        crop.2
    )]
    CropOutside {
        crop: (u32, u32, u32),
        width: u32,
        height: u32,
    },
}

impl ImageError {
    pub(crate) fn corrupt(detail: impl Into<String>) -> Self {
        ImageError::Corrupt {
            detail: detail.into(),
        }
    }
}

/// "50 megapixels", "0.3 megapixels", "12.5 megapixels".
fn megapixels(pixels: u64) -> String {
    let tenths = (pixels + 50_000) / 100_000;
    let (whole, frac) = (tenths / 10, tenths % 10);
    if pixels > 0 && tenths == 0 {
        return "less than 0.1 megapixels".to_owned();
    }
    if frac == 0 {
        format!("{whole} megapixels")
    } else {
        format!("{whole}.{frac} megapixels")
    }
}

/// Prefixes a format description with "a" or "an" as it is spoken:
/// "an SVG image", "a PDF document", "plain text" (mass nouns get none).
struct WithArticle<'a>(&'a str);

impl fmt::Display for WithArticle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s.ends_with(" data") || s.ends_with(" text") || s == "plain text" {
            return f.write_str(s);
        }
        let first_word = s.split([' ', '/']).next().unwrap_or("");
        // Said as words, not letter by letter: "a HEIC image".
        let spoken = matches!(first_word, "HEIC" | "HEIF");
        let is_acronym = first_word.len() > 1
            && !spoken
            && first_word
                .chars()
                .take(2)
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let first = first_word.chars().next().unwrap_or('x');
        let an = if is_acronym {
            // Letter names that start with a vowel sound: "an SVG", "an HTML", "an MP4".
            "AEFHILMNORSX".contains(first)
        } else {
            "aeiouAEIOU".contains(first)
        };
        write!(f, "{} {s}", if an { "an" } else { "a" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    #[test]
    fn messages_read_well() {
        let e = ImageError::Unsupported {
            found: "SVG image",
            accepted: Accepted::ALL,
        };
        assert_eq!(
            e.to_string(),
            "file is an SVG image; accepted formats are JPEG, PNG, GIF, BMP, WebP, JPEG XL, HEIC and AVIF"
        );
        let e = ImageError::Unsupported {
            found: "PDF document",
            accepted: Accepted::ALL,
        };
        assert!(e.to_string().starts_with("file is a PDF document;"));
        let e = ImageError::UnsupportedFeature {
            format: Format::Heic.description(),
            detail: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "file is a HEIC image that uses a coding feature portrait cannot decode"
        );
        let e = ImageError::Unsupported {
            found: "plain text",
            accepted: Accepted::ALL,
        };
        assert!(e.to_string().starts_with("file is plain text;"));
        let e = ImageError::Unsupported {
            found: "unknown binary data",
            accepted: Accepted::ALL,
        };
        assert!(e.to_string().starts_with("file is unknown binary data;"));
        let e = ImageError::Unsupported {
            found: Format::Jxl.description(),
            accepted: Accepted::of(&[Format::Jpeg, Format::Png]),
        };
        assert_eq!(
            e.to_string(),
            "file is a JPEG XL image; accepted formats are JPEG and PNG"
        );
        let e = ImageError::TooManyPixels {
            width: 30000,
            height: 30000,
            max_pixels: 50_000_000,
        };
        assert_eq!(
            e.to_string(),
            "image is 30000×30000 pixels (900 megapixels); the limit is 50 megapixels"
        );
        let e = ImageError::CropOutside {
            crop: (10, 10, 5000),
            width: 1600,
            height: 900,
        };
        assert_eq!(
            e.to_string(),
            "crop box 10,10 size 5000 lies outside the 1600×900 image"
        );
        let e = ImageError::corrupt("JPEG ends early");
        assert_eq!(e.to_string(), "image is truncated or corrupt");
        assert_eq!(megapixels(12_500_000), "12.5 megapixels");
        assert_eq!(megapixels(1), "less than 0.1 megapixels");
    }
}
