//! The profile-photo image pipeline: uploaded bytes and [`Options`] in, JPEG renditions (with
//! WebP siblings of the squares, and a ThumbHash) out. Pure: no files, no network, no async;
//! the only threads are a scoped helper that encodes the Full rendition beside the squares.
//!
//! Stages, one module each: [`detect`](detect()) (magic bytes) → [`probe`]
//! (header-only dimensions, frame count and [`Limits`]) → decode (JPEG
//! shrink-on-load; first frame only for GIF/WebP) → colour (embedded ICC profile or
//! PNG cICP to sRGB, on the decoded samples) → orient (EXIF orientation
//! applied to the pixels) → crop (the requested box; else, on the upright image, the square
//! framed on the faces found, else the most salient square, else Kantata's rule: the top of a
//! tall photo, the centre of a wide one) → resize (Lanczos3) → encode (JPEG and WebP, no
//! metadata).
//!
//! Output rules worth knowing:
//! * Every rendition is a JPEG, which has no alpha channel: **transparent pixels
//!   are composited onto white**.
//! * Output is 8-bit sRGB RGB. Embedded colour descriptions are honoured (converted
//!   to sRGB, 16-bit inputs before they are reduced to 8 bits); CMYK without a
//!   profile is read as FOGRA39. Palettes and greyscale are expanded.
//! * No metadata survives: no EXIF (so no GPS), XMP, IPTC, ICC profile or comment.
//! * Deterministic: the same bytes and options give byte-identical renditions.

mod byte_order;
mod colour;
mod crop;
mod decode;
pub mod defaults;
mod detect;
mod encode;
mod error;
mod heif;
mod jxl;
mod orient;
mod placeholder;
mod probe;
mod resize;
pub mod siblings;
#[cfg(feature = "testing")]
pub mod testing;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

pub use crop::{default_square, CropReason, DefaultSquare, FaceBox};
pub use decode::{decode_scale_for, Decoder};
pub use detect::{detect, Accepted, Format};
pub use error::ImageError;
pub use probe::{check_size, probe};

/// Input limits, checked from the header before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most pixels (width × height) accepted.
    pub max_pixels: u64,
    /// Longest side accepted.
    pub max_side: u32,
    /// Most frames accepted (animated GIF/PNG/WebP/JPEG XL); counting stops at max + 1.
    pub max_frames: u32,
    /// Largest long side / short side ratio accepted.
    pub max_aspect_ratio: u32,
    /// Smallest side accepted (values below 1 act as 1).
    pub min_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: defaults::MAX_PIXELS,
            max_side: defaults::MAX_SIDE,
            max_frames: defaults::MAX_FRAMES,
            max_aspect_ratio: defaults::MAX_ASPECT_RATIO,
            min_side: defaults::MIN_SIDE,
        }
    }
}

/// A square crop, in pixels of the *displayed* source (after EXIF orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropBox {
    pub x: u32,
    pub y: u32,
    pub size: u32,
}

/// What to produce.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    pub limits: Limits,
    /// Sides of the square renditions, in output order. Each is clamped to
    /// 1..=65535 (the JPEG maximum).
    pub square_sizes: Vec<u32>,
    /// Longest side of the uncropped Full rendition (clamped to 1..=65535).
    pub full_max_side: u32,
    /// JPEG quality, 1–100 (clamped).
    pub jpeg_quality: u8,
    /// Also make a WebP of every square, at a quality that follows `jpeg_quality` so that both
    /// score alike on SSIMULACRA (Full's is made later: [`siblings::webp`]).
    pub webp: bool,
    /// Also make an AVIF of every rendition. Never here: AVIF is far too slow for an upload's
    /// critical path, so the photo service makes them later with [`siblings::avif`].
    pub avif: bool,
    /// Formats accepted (`jpeg`, `png`, `gif`, `bmp`, `webp`, `jxl`); a file in another is
    /// refused with a message listing these.
    pub formats: Vec<Format>,
    /// Region for the squares; `None` lets [`default_square`] choose (faces, saliency,
    /// Kantata's rule). Per upload, never configured.
    #[serde(skip)]
    pub crop: Option<CropBox>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            square_sizes: defaults::SQUARE_SIZES.to_vec(),
            full_max_side: defaults::FULL_MAX_SIDE,
            jpeg_quality: defaults::JPEG_QUALITY,
            webp: true,
            avif: true,
            formats: Format::ALL.to_vec(),
            crop: None,
        }
    }
}

/// What the header says about an accepted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// Width as stored, before EXIF orientation.
    pub width: u32,
    /// Height as stored, before EXIF orientation.
    pub height: u32,
    /// Frame count (1 for still images; capped at `max_frames + 1`).
    pub frames: u32,
}

/// Which rendition a [`Rendition`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenditionKind {
    /// A side × side square cut from the crop region.
    Square(u32),
    /// The whole displayed image, long side at most `full_max_side`.
    Full,
}

/// One encoded output image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub kind: RenditionKind,
    pub width: u32,
    pub height: u32,
    /// A baseline JFIF JPEG without any metadata.
    pub jpeg: Vec<u8>,
    /// The same pixels as a lossy WebP without metadata, for squares when `Options::webp` asks
    /// for it (Full's is made later: [`siblings::webp`]).
    pub webp: Option<Vec<u8>>,
}

/// The result of [`process`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub source: Probe,
    /// Squares in the order of `Options::square_sizes`, then Full last.
    pub renditions: Vec<Rendition>,
    /// The ThumbHash of the squares, for a placeholder painted before they load (`None`
    /// when no square was asked for).
    pub thumbhash: Option<Vec<u8>>,
}

/// How [`process`] went about it, for tests, logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// JPEG shrink-on-load denominator: 1 (full size), 2, 4 or 8. Always 1 for
    /// other formats.
    pub scale_denominator: u32,
    /// Size of the decoded pixels, as stored (before orientation).
    pub decoded_width: u32,
    pub decoded_height: u32,
    /// EXIF orientation value applied (1 = none).
    pub exif_orientation: u8,
    /// Displayed size of the source at full resolution (after orientation).
    pub displayed_width: u32,
    pub displayed_height: u32,
    /// Wall time spent probing and decoding (including colour conversion).
    pub decode_time: Duration,
    /// The part of `decode_time` spent converting colours to sRGB (zero on the fast path).
    pub colour_time: Duration,
    /// Wall time spent orienting, resizing and encoding all renditions.
    pub render_time: Duration,
    /// Time spent resizing and encoding, summed over the two threads that render (so the
    /// two may add up to more than `render_time`).
    pub resize_time: Duration,
    pub encode_time: Duration,
    /// How the squares' region was chosen.
    pub crop_reason: CropReason,
    /// The squares' region in the displayed full-resolution image (the request's box, or
    /// the default square scaled up from the decoded image).
    pub crop: CropBox,
    /// Wall time spent choosing the default square (zero for a requested box), part of
    /// `render_time`; it runs beside the Full rendition's encoding.
    pub crop_time: Duration,
    /// Which decoder gave the pixels.
    pub decoder: Decoder,
}

/// A generous estimate of the memory [`process`] needs at its peak for `bytes` with
/// `options`, from the header alone, so that callers can keep several runs within a memory
/// budget. 0 when the header does not pass [`probe`]: `process` then fails before it
/// allocates anything.
pub fn working_set_bytes(bytes: &[u8], options: &Options) -> u64 {
    let accepted = Accepted::of(&options.formats);
    let Ok(header) = probe::read_header(bytes, &options.limits, accepted) else {
        return 0;
    };
    let source = header.probe;
    let pixels = u64::from(source.width) * u64::from(source.height);
    let decoded = match header.jpeg {
        Some(frame) => {
            let orientation = header
                .orientation
                .unwrap_or(image::metadata::Orientation::NoTransforms);
            let (w, h) = orient::displayed_size(source.width, source.height, orientation);
            let scale = u64::from(decode_scale_for(w, h, options));
            let scaled = pixels / (scale * scale);
            let samples_milli = frame.samples_per_pixel_milli();
            // Progressive frames hold every 2-byte coefficient at full size until the end.
            let coefficients = if frame.progressive() {
                pixels * samples_milli * 2 / 1000
            } else {
                0
            };
            // Component planes at the decoded size, the RGB image and its upright copy.
            coefficients + scaled * samples_milli / 1000 + scaled * 3 * 2
        }
        None if source.format == Format::Jxl => {
            pixels.saturating_mul(defaults::JXL_BYTES_PER_PIXEL)
        }
        None if matches!(source.format, Format::Heic | Format::Avif) => {
            let per_pixel = match header.heif_wide {
                Some(true) => defaults::HEIF_WIDE_BYTES_PER_PIXEL,
                _ => defaults::HEIF_BYTES_PER_PIXEL,
            };
            pixels.saturating_mul(per_pixel)
        }
        None => pixels.saturating_mul(defaults::OTHER_BYTES_PER_PIXEL),
    };
    decoded.saturating_add(defaults::RENDITION_BYTES)
}

/// Decodes `bytes` and produces the renditions that `options` asks for.
///
/// Panics inside decoders are caught and reported as [`ImageError::Corrupt`].
pub fn process(bytes: &[u8], options: &Options) -> Result<Processed, ImageError> {
    process_with_stats(bytes, options).map(|(processed, _)| processed)
}

/// [`process`], also reporting how the work was done.
pub fn process_with_stats(
    bytes: &[u8],
    options: &Options,
) -> Result<(Processed, Stats), ImageError> {
    guarded(|| run(bytes, options, false)).map(|(processed, stats, _)| (processed, stats))
}

/// [`process_with_stats`], also handing back the pixels each rendition was encoded from
/// (in the order of `Processed::renditions`), so that benchmarks can score the encoder
/// against its own input rather than against a differently resized copy.
pub fn process_keeping_pixels(
    bytes: &[u8],
    options: &Options,
) -> Result<(Processed, Stats, Vec<image::RgbImage>), ImageError> {
    guarded(|| run(bytes, options, true))
}

/// A `side` × `side` square made from a larger stored square rendition, for photos stored
/// before `side` joined the ladder: the same decode (shrunk on load), resize and encode as
/// [`process`], over the whole of `square`, within `options`' limits and formats.
pub fn smaller_square(
    square: &[u8],
    side: u32,
    options: &Options,
) -> Result<Rendition, ImageError> {
    let options = Options {
        square_sizes: vec![side],
        // The Full rendition `process` always makes: one pixel, so it costs nothing.
        full_max_side: 1,
        crop: None,
        ..options.clone()
    };
    process(square, &options)?
        .renditions
        .into_iter()
        .find(|r| r.kind == RenditionKind::Square(side.clamp(1, defaults::MAX_OUTPUT_SIDE)))
        .ok_or_else(|| ImageError::corrupt("no square rendition was made"))
}

/// A WebP of a stored JPEG rendition (for photos stored before WebP siblings existed, and a
/// Full WebP asked for before the background made it), encoded as a new rendition of that
/// size would be.
pub fn webp_of_rendition(jpeg: &[u8], options: &Options) -> Result<Vec<u8>, ImageError> {
    siblings::webp(&rendition_pixels(jpeg, options)?, options)
}

/// The pixels of a stored rendition, decoded at its own size as [`process`] decodes, within
/// `options`' limits and formats: what a sibling encoding of a photo whose upload pixels are
/// gone is made from.
pub fn rendition_pixels(jpeg: &[u8], options: &Options) -> Result<image::RgbImage, ImageError> {
    let options = Options {
        // No shrink on load: the sibling keeps the rendition's size.
        full_max_side: defaults::MAX_OUTPUT_SIDE,
        crop: None,
        ..options.clone()
    };
    guarded(|| decode_upright(jpeg, &options)).map(|upright| upright.image)
}

/// The ThumbHash of a stored square rendition (for photos stored before placeholders
/// existed), decoded as [`process`] decodes, within `options`' limits and formats.
pub fn thumbhash_of_square(square: &[u8], options: &Options) -> Result<Vec<u8>, ImageError> {
    let options = Options {
        // Lets a JPEG shrink on load to the size the placeholder reads.
        square_sizes: vec![placeholder::SIDE],
        full_max_side: placeholder::SIDE,
        crop: None,
        ..options.clone()
    };
    guarded(|| decode_upright(square, &options)).map(|u| placeholder::thumbhash(&u.image))
}

/// Runs `work`, turning a panic inside a decoder into [`ImageError::Corrupt`].
fn guarded<T>(work: impl FnOnce() -> Result<T, ImageError>) -> Result<T, ImageError> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(ImageError::corrupt("decoder panicked")))
}

/// The decoded, colour-converted and oriented pixels of an upload, as the squares are cut
/// from them (shrunk on load like in [`process`]), for benchmarks and tools that want to run
/// [`default_square`] on exactly what the pipeline sees. Width, height and RGB bytes.
pub fn upright(bytes: &[u8], options: &Options) -> Result<(u32, u32, Vec<u8>), ImageError> {
    guarded(|| decode_upright(bytes, options)).map(|u| {
        let (w, h) = u.image.dimensions();
        (w, h, u.image.into_raw())
    })
}

/// What decoding found, and the upright pixels.
struct Upright {
    source: Probe,
    scale: u32,
    decoded_width: u32,
    decoded_height: u32,
    orientation: image::metadata::Orientation,
    displayed: (u32, u32),
    image: image::RgbImage,
    /// Probing and decoding, not orienting.
    decode_time: Duration,
    /// The colour conversion within `decode_time`.
    colour_time: Duration,
    decoder: Decoder,
}

/// Options with the output sizes clamped to what JPEG can hold.
fn clamped(options: &Options) -> Options {
    Options {
        square_sizes: options
            .square_sizes
            .iter()
            .map(|&s| s.clamp(1, defaults::MAX_OUTPUT_SIDE))
            .collect(),
        full_max_side: options.full_max_side.clamp(1, defaults::MAX_OUTPUT_SIDE),
        ..options.clone()
    }
}

fn decode_upright(bytes: &[u8], options: &Options) -> Result<Upright, ImageError> {
    let started = Instant::now();
    colour::take_time();
    let header = probe::read_header(bytes, &options.limits, Accepted::of(&options.formats))?;
    let source = header.probe;

    // JPEG knows its orientation from the header, so the shrink factor and the
    // crop check can happen before decoding; other formats learn it while decoding.
    let mut scale = 1;
    if source.format == Format::Jpeg {
        let o = header
            .orientation
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let (w, h) = orient::displayed_size(source.width, source.height, o);
        if let Some(c) = &options.crop {
            crop::validate(c, w, h)?;
        }
        scale = decode_scale_for(w, h, &clamped(options));
    }

    let decoded = decode::decode(bytes, &header, scale, &options.limits)?;
    let (decoded_width, decoded_height) = decoded.image.dimensions();
    let decode_time = started.elapsed();
    let orientation = decoded.orientation;
    // Decoders that orient their own pixels may also crop them (HEIF `clap`).
    let displayed = if decoded.oriented {
        (decoded_width, decoded_height)
    } else {
        orient::displayed_size(source.width, source.height, orientation)
    };
    if let Some(c) = &options.crop {
        crop::validate(c, displayed.0, displayed.1)?;
    }
    Ok(Upright {
        source,
        scale,
        decoded_width,
        decoded_height,
        orientation,
        displayed,
        // JPEG XL's decoder has already turned its pixels upright.
        image: if decoded.oriented {
            decoded.image
        } else {
            orient::apply(decoded.image, orientation)
        },
        decode_time,
        colour_time: colour::take_time(),
        decoder: decoded.decoder,
    })
}

/// Time spent in the two kinds of rendering work.
#[derive(Debug, Default, Clone, Copy)]
struct Spent {
    resize: Duration,
    encode: Duration,
}

impl Spent {
    fn add(self, other: Self) -> Self {
        Self {
            resize: self.resize + other.resize,
            encode: self.encode + other.encode,
        }
    }
}

fn timed<T>(slot: &mut Duration, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = work();
    *slot += started.elapsed();
    result
}

/// The renditions, and with `keep_pixels` the pixels each was encoded from.
type Rendered = (Processed, Stats, Vec<image::RgbImage>);

fn run(bytes: &[u8], options: &Options, keep_pixels: bool) -> Result<Rendered, ImageError> {
    let started = Instant::now();
    let sizes = clamped(options);
    let (full_max_side, square_sizes) = (sizes.full_max_side, sizes.square_sizes);
    let Upright {
        source,
        scale,
        decoded_width,
        decoded_height,
        orientation,
        displayed,
        image,
        decode_time,
        colour_time,
        decoder,
    } = decode_upright(bytes, options)?;
    let (full_w, full_h) = resize::full_size(displayed.0, displayed.1, full_max_side);
    let rendition = |kind, pixels: &image::RgbImage, spent: &mut Spent| {
        timed(&mut spent.encode, || {
            encode::rendition(kind, pixels, options)
        })
    };

    let make_full = || -> Result<(Rendition, Option<image::RgbImage>, Spent), ImageError> {
        let mut spent = Spent::default();
        let (full, pixels) = if image.dimensions() == (full_w, full_h) {
            let full = rendition(RenditionKind::Full, &image, &mut spent)?;
            (full, keep_pixels.then(|| image.clone()))
        } else {
            let mut resizer = fast_image_resize::Resizer::new();
            let scaled = timed(&mut spent.resize, || {
                resize::resize(&mut resizer, &image, None, full_w, full_h)
            })?;
            let full = rendition(RenditionKind::Full, &scaled, &mut spent)?;
            (full, keep_pixels.then_some(scaled))
        };
        Ok((full, pixels, spent))
    };
    type Squares = (
        Vec<Rendition>,
        Option<Vec<u8>>,
        Vec<image::RgbImage>,
        Chosen,
        Spent,
    );
    let make_squares = || -> Result<Squares, ImageError> {
        let mut spent = Spent::default();
        let chosen = choose_region(options.crop.as_ref(), displayed, &image);
        let mut resizer = fast_image_resize::Resizer::new();
        let resized = timed(&mut spent.resize, || {
            resize::squares(&mut resizer, &image, chosen.region, &square_sizes)
        })?;
        let smallest = resized.iter().min_by_key(|(size, _)| *size);
        let thumbhash = smallest.map(|(_, img)| placeholder::thumbhash(img));
        let mut squares = Vec::with_capacity(resized.len());
        let mut pixels = Vec::new();
        for (size, img) in resized {
            squares.push(rendition(RenditionKind::Square(size), &img, &mut spent)?);
            pixels.extend(keep_pixels.then_some(img));
        }
        Ok((squares, thumbhash, pixels, chosen, spent))
    };
    // The Full rendition is the largest single job: do it on a second thread
    // beside the crop choice and the squares, or inline if no thread can be had.
    let (full, squares) = std::thread::scope(|scope| {
        match std::thread::Builder::new().spawn_scoped(scope, make_full) {
            Ok(handle) => {
                let squares = make_squares();
                let full = handle
                    .join()
                    .unwrap_or_else(|_| Err(ImageError::corrupt("encoder panicked")));
                (full, squares)
            }
            Err(_) => (make_full(), make_squares()),
        }
    });
    let (mut renditions, thumbhash, mut pixels, chosen, squares_spent) = squares?;
    let (full, full_pixels, full_spent) = full?;
    renditions.push(full);
    pixels.extend(full_pixels);
    let spent = squares_spent.add(full_spent);

    let stats = Stats {
        scale_denominator: scale,
        decoded_width,
        decoded_height,
        exif_orientation: orientation.to_exif(),
        displayed_width: displayed.0,
        displayed_height: displayed.1,
        decode_time,
        colour_time,
        render_time: started.elapsed().saturating_sub(decode_time),
        resize_time: spent.resize,
        encode_time: spent.encode,
        crop_reason: chosen.reason,
        crop: chosen.displayed,
        crop_time: chosen.time,
        decoder,
    };
    let processed = Processed {
        source,
        renditions,
        thumbhash,
    };
    Ok((processed, stats, pixels))
}

/// The squares' region and how it was found.
struct Chosen {
    region: crop::Region,
    reason: CropReason,
    displayed: CropBox,
    time: Duration,
}

/// The region for the squares in the upright decoded `image`, whose full-resolution
/// displayed size is `displayed`: the requested box, else [`default_square`].
fn choose_region(
    requested: Option<&CropBox>,
    displayed: (u32, u32),
    image: &image::RgbImage,
) -> Chosen {
    if let Some(c) = requested {
        return Chosen {
            region: crop::requested(c, displayed, image.dimensions()),
            reason: CropReason::Requested,
            displayed: *c,
            time: Duration::ZERO,
        };
    }
    let started = Instant::now();
    let (w, h) = image.dimensions();
    let square = default_square(image.as_raw(), w, h);
    // Back to full-resolution displayed pixels: the square is the short side, and its
    // offset along the long side scales with it.
    let side = displayed.0.min(displayed.1);
    let scale_along = |offset: u32, long_decoded: u32, long_displayed: u32| {
        let v = u64::from(offset) * u64::from(long_displayed) / u64::from(long_decoded.max(1));
        u32::try_from(v)
            .unwrap_or(u32::MAX)
            .min(long_displayed - side)
    };
    let displayed_box = CropBox {
        x: scale_along(square.x, w, displayed.0),
        y: scale_along(square.y, h, displayed.1),
        size: side,
    };
    Chosen {
        region: square.region(),
        reason: square.reason,
        displayed: displayed_box,
        time: started.elapsed(),
    }
}
