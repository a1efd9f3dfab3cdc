//! portrait's patched copies of jpeg-decoder, zune-jpeg and mozjpeg-rs against crates.io's
//! releases of the same versions, on the same input. The patches are meant to change speed
//! only, so any difference is a finding:
//! - even first byte: the rest is a JPEG (an SOI is put in front when missing), decoded by both
//!   jpeg-decoders at the scale the first byte picks (1, 1/2, 1/4, 1/8) and by both zune-jpegs
//!   with portrait's options (strict) or lenient ones: the same pixels and image info, or the
//!   same error, or both panic;
//! - odd first byte: the rest gives a small RGB image (up to 64 × 64, the fuzz bytes tiled over
//!   it), encoded by both mozjpeg-rs with portrait's settings at a fuzzed quality, quantisation
//!   tables and trellis switch: the same bytes.
#![no_main]

use std::panic::{catch_unwind, AssertUnwindSafe};

use libfuzzer_sys::fuzz_target;

/// Decoded memory each decoder may use: enough for every interesting structure, small enough
/// for a fast fuzzer.
const MAX_BYTES: usize = 16 << 20;
const MAX_SIDE: usize = 2048;
/// jpeg-decoder decodes every block a frame declares before it allocates its output (a
/// 65,000 × 65,000 frame in 18 KB takes minutes); portrait's header checks keep such frames from
/// it, and so does this.
const MAX_PIXELS: u64 = 4_000_000;

/// The frame's pixels as its header declares them; 0 when it cannot be read (the decoders then
/// compare their errors or panics on it).
fn declared_pixels(jpeg: &[u8]) -> u64 {
    let declared = catch_unwind(|| {
        let mut decoder = published_jpeg_decoder::Decoder::new(jpeg);
        match (decoder.read_info(), decoder.info()) {
            (Ok(()), Some(info)) => u64::from(info.width) * u64::from(info.height),
            _ => 0,
        }
    });
    declared.unwrap_or(0)
}

fuzz_target!(init: quiet_panics(), |data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        let jpeg = if rest.starts_with(&[0xFF, 0xD8]) {
            rest.to_vec()
        } else {
            [&[0xFF, 0xD8][..], rest].concat()
        };
        if declared_pixels(&jpeg) <= MAX_PIXELS {
            let scale = 1u16 << ((selector >> 1) & 3);
            same("jpeg-decoder", jpeg_decoder_published(&jpeg, scale), jpeg_decoder_patched(&jpeg, scale));
        }
        let strict = selector & 8 == 0;
        same("zune-jpeg", zune_published(&jpeg, strict), zune_patched(&jpeg, strict));
    } else {
        let Some(image) = Image::from_fuzz(rest) else {
            return;
        };
        let settings = Settings::from_fuzz(selector);
        same("mozjpeg-rs", encode_published(&image, settings), encode_patched(&image, settings));
    }
});

/// What a call gave: its output and what else it reported, its error as printed, or a panic.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(Vec<u8>, String),
    Err(String),
    Panicked,
}

fn same(what: &str, published: Outcome, patched: Outcome) {
    if published != patched {
        let short = |o: &Outcome| match o {
            Outcome::Ok(bytes, info) => format!("Ok({} bytes, {info})", bytes.len()),
            other => format!("{other:?}"),
        };
        eprintln!(
            "{what}: crates.io gave {}, the patched copy {}",
            short(&published),
            short(&patched)
        );
        std::process::abort();
    }
}

/// Panics are compared, not reported: the hook stays silent, `run` catches them.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

fn run(f: impl FnOnce() -> Outcome) -> Outcome {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Outcome::Panicked)
}

macro_rules! jpeg_decoder_with {
    ($name:ident, $krate:ident) => {
        fn $name(jpeg: &[u8], scale: u16) -> Outcome {
            run(|| {
                let mut decoder = $krate::Decoder::new(jpeg);
                decoder.set_max_decoding_buffer_size(MAX_BYTES);
                if scale > 1 {
                    let info = match decoder.read_info() {
                        Ok(()) => decoder.info(),
                        Err(e) => return Outcome::Err(format!("{e:?}")),
                    };
                    let Some(info) = info else {
                        return Outcome::Err("no frame".into());
                    };
                    let want = |side: u16| side.div_ceil(scale);
                    if let Err(e) = decoder.scale(want(info.width), want(info.height)) {
                        return Outcome::Err(format!("{e:?}"));
                    }
                }
                match decoder.decode() {
                    Ok(pixels) => Outcome::Ok(pixels, format!("{:?}", decoder.info())),
                    Err(e) => Outcome::Err(format!("{e:?}")),
                }
            })
        }
    };
}
jpeg_decoder_with!(jpeg_decoder_published, published_jpeg_decoder);
jpeg_decoder_with!(jpeg_decoder_patched, patched_jpeg_decoder);

macro_rules! zune_with {
    ($name:ident, $krate:ident) => {
        fn $name(jpeg: &[u8], strict: bool) -> Outcome {
            use $krate::zune_core::{
                bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions,
            };
            run(|| {
                let options = DecoderOptions::default()
                    .set_strict_mode(strict)
                    .set_max_width(MAX_SIDE)
                    .set_max_height(MAX_SIDE)
                    .jpeg_set_out_colorspace(ColorSpace::RGB);
                let mut decoder =
                    $krate::JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
                match decoder.decode() {
                    Ok(pixels) => {
                        let info = decoder.info().map(|i| (i.width, i.height, i.components));
                        Outcome::Ok(
                            pixels,
                            format!("{info:?} {:?}", decoder.output_colorspace()),
                        )
                    }
                    Err(e) => Outcome::Err(format!("{e:?}")),
                }
            })
        }
    };
}
zune_with!(zune_published, published_zune_jpeg);
zune_with!(zune_patched, patched_zune_jpeg);

struct Image {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
}

impl Image {
    fn from_fuzz(bytes: &[u8]) -> Option<Image> {
        let (&[w, h], pixels) = bytes.split_first_chunk::<2>()?;
        if pixels.is_empty() {
            return None;
        }
        let (width, height) = (u32::from(w % 64) + 1, u32::from(h % 64) + 1);
        let rgb = pixels
            .iter()
            .copied()
            .cycle()
            .take((width * height * 3) as usize)
            .collect();
        Some(Image { rgb, width, height })
    }
}

#[derive(Clone, Copy)]
struct Settings {
    quality: u8,
    peterson_tables: bool,
    trellis: bool,
}

impl Settings {
    fn from_fuzz(selector: u8) -> Settings {
        Settings {
            quality: (40 + (selector >> 3) * 2).min(100),
            peterson_tables: selector & 2 != 0,
            trellis: selector & 4 != 0,
        }
    }
}

/// As `crates/imaging/src/encode.rs` calls it.
macro_rules! encode_with {
    ($name:ident, $krate:ident) => {
        fn $name(image: &Image, settings: Settings) -> Outcome {
            use $krate::{Encoder, QuantTableIdx, Subsampling, TrellisConfig};
            run(|| {
                let tables = if settings.peterson_tables {
                    QuantTableIdx::Peterson
                } else {
                    QuantTableIdx::Flat
                };
                let trellis = if settings.trellis {
                    TrellisConfig::default()
                } else {
                    TrellisConfig::disabled()
                };
                match Encoder::baseline_optimized()
                    .quality(settings.quality)
                    .quant_tables(tables)
                    .force_baseline(true)
                    .subsampling(Subsampling::S420)
                    .trellis(trellis)
                    .encode_rgb(&image.rgb, image.width, image.height)
                {
                    Ok(bytes) => Outcome::Ok(bytes, String::new()),
                    Err(e) => Outcome::Err(format!("{e:?}")),
                }
            })
        }
    };
}
encode_with!(encode_published, published_mozjpeg_rs);
encode_with!(encode_patched, patched_mozjpeg_rs);
