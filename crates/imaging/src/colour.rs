//! Colour management: the stage between decode and resize that turns whatever colour space the
//! file describes into sRGB, the only space renditions are written in.
//!
//! Untagged files and files whose description amounts to sRGB take the fast path: no
//! conversion, no pixel buffer allocated. A description that cannot be used (malformed,
//! larger than [`defaults::MAX_PROFILE_BYTES`], a colour space that does not match the pixels,
//! or one that makes building the transform fail) is ignored: the pixels are taken as sRGB,
//! as they were before colour management, and the upload goes on.

use std::cell::Cell;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageBuffer};
use moxcms::{
    CicpColorPrimaries, CicpProfile, ColorProfile, DataColorSpace, Layout, MatrixCoefficients,
    ParsingOptions, RenderingIntent, TransferCharacteristics, TransformExecutor, TransformOptions,
};

use crate::byte_order::{be32, le32};
use crate::defaults;
use crate::detect::Format;

/// The standard CMYK characterisation a CMYK JPEG without a profile is read with: FOGRA39
/// (ISO 12647-2:2004, coated paper), the condition most European print files target. Made
/// with ArgyllCMS `colprof` from the zlib-licensed `FOGRA39L.ti3` of Debian's
/// icc-profiles-free; see `profiles/README.md`.
const DEFAULT_CMYK: &[u8] = include_bytes!("../profiles/FOGRA39L.icc");

thread_local! {
    static SPENT: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

/// Runs `convert`, adding its time to this thread's colour total. The conversions happen deep
/// inside each decoder's own path; a per-thread total (decoding runs on one thread) reports
/// them without threading a timer through every one of those paths.
pub(crate) fn timed<T>(convert: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = convert();
    SPENT.with(|spent| spent.set(spent.get() + started.elapsed()));
    result
}

/// The colour time [`timed`] added up on this thread since the last call.
pub(crate) fn take_time() -> Duration {
    SPENT.with(|spent| spent.replace(Duration::ZERO))
}

/// A colour description found in the file's container, before it is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Embedded {
    /// An ICC profile, at most [`defaults::MAX_PROFILE_BYTES`] long.
    Icc(Vec<u8>),
    /// PNG `cICP`: colour primaries, transfer characteristics, matrix, full range (H.273).
    Cicp([u8; 4]),
    /// PNG `gAMA` and `cHRM`, as stored (× 100,000): the file gamma, and the white point and
    /// red, green and blue chromaticities (x, y each). The last resort of PNG's colour chunks.
    PngGamma {
        gamma: Option<u32>,
        chromaticities: Option<[u32; 8]>,
    },
}

/// What [`find`] learnt from the container.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub embedded: Option<Embedded>,
    /// PNG chunks (whole, with length and CRC, in file order) the decoder must not see: an
    /// `iCCP` holding a profile over the cap (it would inflate it in full) and a `cICP` it
    /// would refuse the whole file for (found by the `colour` fuzz target).
    pub drop_png_chunks: Vec<Range<usize>>,
}

/// Reads the colour description out of the container without decoding anything. Profiles over
/// the cap are not assembled or inflated beyond it.
pub(crate) fn find(bytes: &[u8], format: Format) -> Found {
    match format {
        Format::Jpeg => Found {
            embedded: jpeg_icc(bytes).map(Embedded::Icc),
            drop_png_chunks: Vec::new(),
        },
        Format::Png => png_colour(bytes),
        Format::WebP => Found {
            embedded: webp_icc(bytes).map(Embedded::Icc),
            drop_png_chunks: Vec::new(),
        },
        // JPEG XL describes its colour in the codestream (jxl.rs reads it from jxl-rs), HEIC
        // and AVIF in their item properties and bitstreams (heif/pixels.rs).
        Format::Gif | Format::Bmp | Format::Jxl | Format::Heic | Format::Avif => Found::default(),
    }
}

/// JPEG APP2 `ICC_PROFILE` segments before the first scan, joined in sequence order. Any
/// inconsistency (a missing, repeated or out-of-range chunk, differing counts) drops the profile.
fn jpeg_icc(b: &[u8]) -> Option<Vec<u8>> {
    const TAG: &[u8] = b"ICC_PROFILE\0";
    let mut chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut declared = None;
    let mut total = 0usize;
    let mut pos = 2usize;
    loop {
        while *b.get(pos)? != 0xFF {
            pos += 1;
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *b.get(pos)?;
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 | 0xDA => break,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(pos)?, *b.get(pos + 1)?]));
        let seg = b.get(pos + 2..pos.checked_add(len)?)?;
        if marker == 0xE2 {
            if let Some(rest) = seg.strip_prefix(TAG) {
                let (&seq, rest) = rest.split_first()?;
                let (&count, data) = rest.split_first()?;
                if *declared.get_or_insert(count) != count || seq == 0 || seq > count {
                    return None;
                }
                total = total.saturating_add(data.len());
                if total > defaults::MAX_PROFILE_BYTES {
                    return None;
                }
                chunks.push((seq, data));
            }
        }
        pos += len.max(2);
    }
    let count = declared?;
    if chunks.len() != usize::from(count) {
        return None;
    }
    chunks.sort_unstable_by_key(|c| c.0);
    if chunks.iter().zip(1..=count).any(|(c, seq)| c.0 != seq) {
        return None;
    }
    let mut profile = Vec::with_capacity(total);
    for (_, data) in chunks {
        profile.extend_from_slice(data);
    }
    Some(profile)
}

/// PNG chunks before the image data: `cICP` wins over `iCCP`, which wins over `sRGB`, which wins
/// over `gAMA`/`cHRM` (PNG third edition). `sRGB` means what the fast path does anyway.
fn png_colour(b: &[u8]) -> Found {
    let mut found = Found::default();
    let mut cicp = None;
    let (mut srgb, mut gamma, mut chromaticities) = (false, None, None);
    let mut pos = 8usize;
    while let (Some(len), Some(kind)) = (be32(b, pos), b.get(pos + 4..pos + 8)) {
        let Some(end) = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len as usize))
        else {
            break;
        };
        let data = b.get(pos + 8..end - 4);
        match (kind, data) {
            (b"IDAT" | b"IEND", _) => break,
            // What the png crate accepts: matrix 0 (RGB) and a 0/1 range flag, once.
            (b"cICP", Some(&[p, t, 0, f @ (0 | 1)])) if cicp.is_none() => cicp = Some([p, t, 0, f]),
            (b"cICP", _) => found.drop_png_chunks.push(pos..end),
            (b"sRGB", _) => srgb = true,
            (b"gAMA", Some(data)) => gamma = be32(data, 0).filter(|_| data.len() == 4),
            (b"cHRM", Some(data)) if data.len() == 32 => {
                let mut c = [0u32; 8];
                for (i, v) in c.iter_mut().enumerate() {
                    *v = be32(data, i * 4).unwrap_or(0);
                }
                chromaticities = Some(c);
            }
            (b"iCCP", Some(data)) if found.embedded.is_none() => match inflate_iccp(data) {
                Inflated::Profile(p) => found.embedded = Some(Embedded::Icc(p)),
                Inflated::TooLarge => found.drop_png_chunks.push(pos..end),
                Inflated::Malformed => {}
            },
            _ => {}
        }
        pos = end;
    }
    if let Some(c) = cicp {
        found.embedded = Some(Embedded::Cicp(c));
    }
    if found.embedded.is_none() && !srgb && (gamma.is_some() || chromaticities.is_some()) {
        found.embedded = Some(Embedded::PngGamma {
            gamma,
            chromaticities,
        });
    }
    found
}

enum Inflated {
    Profile(Vec<u8>),
    TooLarge,
    Malformed,
}

/// An `iCCP` payload: name (1–79 bytes), NUL, method 0, zlib stream.
fn inflate_iccp(data: &[u8]) -> Inflated {
    let Some(nul) = data.iter().take(80).position(|&c| c == 0) else {
        return Inflated::Malformed;
    };
    let (Some(0), Some(stream)) = (data.get(nul + 1), data.get(nul + 2..)) else {
        return Inflated::Malformed;
    };
    match fdeflate::decompress_to_vec_bounded(stream, defaults::MAX_PROFILE_BYTES) {
        Ok(p) => Inflated::Profile(p),
        Err(fdeflate::BoundedDecompressionError::OutputTooLarge { .. }) => Inflated::TooLarge,
        Err(_) => Inflated::Malformed,
    }
}

/// The WebP `ICCP` chunk of an extended (VP8X) file.
fn webp_icc(b: &[u8]) -> Option<Vec<u8>> {
    if b.get(12..16)? != b"VP8X" || b.get(20)? & 0x20 == 0 {
        return None;
    }
    let mut pos = 12usize;
    while let (Some(tag), Some(len)) = (b.get(pos..pos + 4), le32(b, pos + 4)) {
        let len = len as usize;
        if tag == b"ICCP" {
            return (len <= defaults::MAX_PROFILE_BYTES)
                .then(|| b.get(pos + 8..pos + 8 + len).map(<[u8]>::to_vec))
                .flatten();
        }
        if matches!(tag, b"VP8 " | b"VP8L" | b"ANIM" | b"ANMF") {
            return None; // ICCP must come before the image data
        }
        pos = pos.checked_add(len.checked_add(8 + (len & 1))?)?;
    }
    None
}

/// What the decoded pixels are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    Rgb,
    Gray,
    Cmyk,
}

/// A usable, non-trivial conversion of pixels in `space` to sRGB.
pub(crate) struct Conversion {
    profile: ColorProfile,
    options: TransformOptions,
}

/// The conversion `embedded` asks for, or `None` when the pixels are to be used as they are:
/// nothing embedded, sRGB or equivalent, or a description that cannot be used. CMYK always
/// converts: without a profile, through [`DEFAULT_CMYK`].
pub(crate) fn conversion(embedded: Option<&Embedded>, space: Space) -> Option<Conversion> {
    let profile = match embedded {
        None if space == Space::Cmyk => default_cmyk()?.clone(),
        None => return None,
        Some(Embedded::Icc(icc)) => parse(icc)?,
        Some(Embedded::Cicp(c)) => cicp_profile(*c)?,
        Some(Embedded::PngGamma {
            gamma,
            chromaticities,
        }) => gamma_profile(*gamma, *chromaticities)?,
    };
    let wanted = match space {
        Space::Rgb => DataColorSpace::Rgb,
        Space::Gray => DataColorSpace::Gray,
        Space::Cmyk => DataColorSpace::Cmyk,
    };
    if profile.color_space != wanted {
        // A profile for other pixels (an RGB profile on a CMYK JPEG, say) describes nothing here.
        return if space == Space::Cmyk {
            conversion(None, space)
        } else {
            None
        };
    }
    let conversion = Conversion {
        options: options_for(&profile),
        profile,
    };
    // Building the transform is what fails on unusable profiles; the probe also tells sRGB
    // equivalents apart.
    let probe = conversion.probe(space)?;
    (!probe).then_some(conversion)
}

fn parse(icc: &[u8]) -> Option<ColorProfile> {
    // The header's own size must fit what is there: a profile that claims more is cut short.
    let declared = be32(icc, 0)? as usize;
    if icc.len() > defaults::MAX_PROFILE_BYTES || declared < 128 || declared > icc.len() {
        return None;
    }
    let options = ParsingOptions {
        max_profile_size: defaults::MAX_PROFILE_BYTES + 1,
        ..ParsingOptions::default()
    };
    ColorProfile::new_from_slice_with_options(icc, options).ok()
}

fn default_cmyk() -> Option<&'static ColorProfile> {
    static PROFILE: OnceLock<Option<ColorProfile>> = OnceLock::new();
    PROFILE.get_or_init(|| parse(DEFAULT_CMYK)).as_ref()
}

/// H.273 code points as PNG `cICP` carries them. Only full-range RGB with an SDR transfer is
/// taken: PQ and HLG would need tone mapping, which a profile photo does not deserve.
fn cicp_profile([primaries, transfer, matrix, full_range]: [u8; 4]) -> Option<ColorProfile> {
    if matrix != 0 || full_range != 1 || matches!(transfer, 16 | 18) {
        return None;
    }
    let cicp = CicpProfile {
        color_primaries: CicpColorPrimaries::try_from(primaries).ok()?,
        transfer_characteristics: TransferCharacteristics::try_from(transfer).ok()?,
        matrix_coefficients: MatrixCoefficients::try_from(matrix).ok()?,
        full_range: true,
    };
    let profile = ColorProfile::new_from_cicp(cicp);
    profile.is_matrix_shaper().then_some(profile)
}

/// sRGB's chromaticities as `cHRM` stores them: white, red, green, blue (x, y) × 100,000.
const SRGB_CHRM: [u32; 8] = [31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000];

/// A matrix/curve profile from PNG's `gAMA` (a pure power curve) and `cHRM` (sRGB's where
/// absent). A gamma of 1/2.2 within 2 % with sRGB's chromaticities (within 0.002) is what nearly
/// every PNG writer means by sRGB, and is taken as sRGB (the fast path) rather than as the
/// slightly different pure 2.2 curve. Absurd values are ignored.
fn gamma_profile(gamma: Option<u32>, chromaticities: Option<[u32; 8]>) -> Option<ColorProfile> {
    let chrm = chromaticities.unwrap_or(SRGB_CHRM);
    let srgb_primaries = chrm
        .iter()
        .zip(SRGB_CHRM)
        .all(|(&a, b)| a.abs_diff(b) <= 200);
    let srgb_gamma = gamma.is_none_or(|g| (44_545..=46_364).contains(&g));
    if srgb_primaries && srgb_gamma {
        return None;
    }
    let xy = |i: usize| {
        let (x, y) = (chrm[i] as f32 / 100_000.0, chrm[i + 1] as f32 / 100_000.0);
        ((0.0..1.0).contains(&x) && y > 0.0 && y < 1.0).then(|| moxcms::Chromaticity::new(x, y))
    };
    let mut profile = ColorProfile::new_srgb();
    // Otherwise moxcms would go by sRGB's code points and ignore the curves set below.
    profile.cicp = None;
    if chromaticities.is_some() {
        let white = xy(0)?;
        let primaries = moxcms::ColorPrimaries {
            red: xy(2)?,
            green: xy(4)?,
            blue: xy(6)?,
        };
        profile.update_rgb_colorimetry(white.to_xyyb(), primaries);
    }
    if let Some(g) = gamma {
        // gAMA stores the encoding exponent; the curve decodes.
        let decoding = 100_000.0 / g as f32;
        if !(0.2..=5.0).contains(&decoding) {
            return None;
        }
        let curve = moxcms::curve_from_gamma(decoding);
        profile.red_trc = Some(curve.clone());
        profile.green_trc = Some(curve.clone());
        profile.blue_trc = Some(curve);
    }
    Some(profile)
}

/// Relative colorimetric, as browsers do; perceptual where the profile asks for it and has
/// the tables for it, or has no others (ICC: A2B0 stands in for the missing intents).
fn options_for(profile: &ColorProfile) -> TransformOptions {
    let perceptual = profile.lut_a_to_b_perceptual.is_some()
        && (profile.rendering_intent == RenderingIntent::Perceptual
            || profile.lut_a_to_b_colorimetric.is_none());
    TransformOptions {
        rendering_intent: if perceptual {
            RenderingIntent::Perceptual
        } else {
            RenderingIntent::RelativeColorimetric
        },
        // Fixed point for matrix/curve profiles: float made a P3 photo's conversion 6× slower
        // (+33 % of the upload's CPU) for 0.01 ΔE00. Through CMYK tables fixed point costs
        // 0.25 ΔE00 (0.92 → 0.67 against lcms2 on the CMYK fixture), so those stay in float.
        prefer_fixed_point: profile.is_matrix_shaper(),
        ..TransformOptions::default()
    }
}

type Executor<T> = Arc<dyn TransformExecutor<T> + Send + Sync>;

/// Pixels converted per call when converting in place: the scratch copy stays small.
const CHUNK_PIXELS: usize = 4096;

impl Conversion {
    fn eight(&self, src: Layout, dst: Layout) -> Option<Executor<u8>> {
        let srgb = ColorProfile::new_srgb();
        let t = self
            .profile
            .create_transform_8bit(src, &srgb, dst, self.options)
            .ok()?;
        Some(t)
    }

    fn sixteen(&self, src: Layout, dst: Layout) -> Option<Executor<u16>> {
        let srgb = ColorProfile::new_srgb();
        let t = self
            .profile
            .create_transform_16bit(src, &srgb, dst, self.options)
            .ok()?;
        Some(t)
    }

    /// Builds the 8-bit transform and runs a grid of colours through it: `None` if it cannot
    /// be built or run, `Some(true)` if it changes no sample by more than 1 (sRGB or as good as).
    fn probe(&self, space: Space) -> Option<bool> {
        const STEPS: [u8; 6] = [0, 51, 102, 153, 204, 255];
        let (layout, src): (Layout, Vec<u8>) = match space {
            Space::Rgb => (
                Layout::Rgb,
                STEPS
                    .iter()
                    .flat_map(|&r| STEPS.iter().flat_map(move |&g| STEPS.map(|b| [r, g, b])))
                    .flatten()
                    .collect(),
            ),
            Space::Gray => (Layout::Gray, (0..=255).step_by(15).collect()),
            // CMYK always converts; still check that the transform works.
            Space::Cmyk => (Layout::Rgba, vec![0, 0, 0, 0, 255, 128, 0, 64]),
        };
        let t = self.eight(layout, Layout::Rgb)?;
        let pixels = src.len() / layout.channels();
        let mut dst = vec![0u8; pixels * 3];
        t.transform(&src, &mut dst).ok()?;
        let same = match space {
            Space::Rgb => src.iter().zip(&dst).all(|(a, b)| a.abs_diff(*b) <= 1),
            Space::Gray => src
                .iter()
                .zip(dst.chunks_exact(3))
                .all(|(v, rgb)| rgb.iter().all(|c| c.abs_diff(*v) <= 1)),
            Space::Cmyk => false,
        };
        Some(same)
    }

    /// Converts interleaved RGB or RGBA samples (alpha untouched) in place. `false` if the
    /// transform failed; the samples are then unchanged or partly converted, never invalid.
    pub fn rgb8_in_place(&self, samples: &mut [u8], alpha: bool) -> bool {
        let layout = if alpha { Layout::Rgba } else { Layout::Rgb };
        // Matrix/curve profiles (nearly every camera and phone profile) convert truly in place;
        // through a copy the stage cost +8.7 % of process() on a P3 photo, in place +4.5 %.
        let srgb = ColorProfile::new_srgb();
        if let Ok(t) = self
            .profile
            .create_in_place_transform_8bit(layout, &srgb, self.options)
        {
            return t.transform(samples).is_ok();
        }
        self.eight(layout, layout)
            .is_some_and(|t| in_place(&*t, samples, layout.channels()))
    }

    fn rgb16_in_place(&self, samples: &mut [u16], alpha: bool) -> bool {
        let layout = if alpha { Layout::Rgba } else { Layout::Rgb };
        self.sixteen(layout, layout)
            .is_some_and(|t| in_place(&*t, samples, layout.channels()))
    }

    /// Grey (or grey + alpha) samples to RGB (or RGBA).
    pub fn gray8_to_rgb8(&self, samples: &[u8], alpha: bool) -> Option<Vec<u8>> {
        let (src, dst) = gray_layouts(alpha);
        let t = self.eight(src, dst)?;
        widen(&*t, samples, src.channels(), dst.channels())
    }

    /// 16-bit grey (or grey + alpha) to 8-bit RGB (or RGBA), converted at 16 bits a chunk at
    /// a time: a whole 16-bit RGB copy would take the peak past the 8 bytes a pixel that
    /// `working_set_bytes` allows non-JPEG images.
    fn gray16_to_rgb8(&self, samples: &[u16], alpha: bool) -> Option<Vec<u8>> {
        let (src, dst) = gray_layouts(alpha);
        let t = self.sixteen(src, dst)?;
        let (from, to) = (src.channels(), dst.channels());
        let mut out = Vec::with_capacity(samples.len() / from * to);
        let mut scratch = vec![0u16; CHUNK_PIXELS * to];
        for chunk in samples.chunks(CHUNK_PIXELS * from) {
            let wide = &mut scratch[..chunk.len() / from * to];
            t.transform(chunk, wide).ok()?;
            out.extend(wide.iter().map(|&v| ((u32::from(v) + 128) / 257) as u8));
        }
        Some(out)
    }

    /// CMYK ink amounts (0 = no ink) to RGB.
    pub fn cmyk8_to_rgb8(&self, samples: &[u8]) -> Option<Vec<u8>> {
        let t = self.eight(Layout::Rgba, Layout::Rgb)?;
        let mut out = vec![0u8; samples.len() / 4 * 3];
        t.transform(samples, &mut out).ok()?;
        Some(out)
    }

    /// Converts a decoded image: 16-bit images are converted before they are reduced to 8 bits
    /// (RGB keeps its depth, converted in place; grey comes out as 8-bit RGB). Images of other kinds (none of the decoders in use make
    /// them) and failed transforms come back as they were.
    pub fn apply(&self, image: DynamicImage) -> DynamicImage {
        use DynamicImage as D;
        match image {
            D::ImageRgb8(mut i) => {
                self.rgb8_in_place(&mut i, false);
                D::ImageRgb8(i)
            }
            D::ImageRgba8(mut i) => {
                self.rgb8_in_place(&mut i, true);
                D::ImageRgba8(i)
            }
            D::ImageRgb16(mut i) => {
                self.rgb16_in_place(&mut i, false);
                D::ImageRgb16(i)
            }
            D::ImageRgba16(mut i) => {
                self.rgb16_in_place(&mut i, true);
                D::ImageRgba16(i)
            }
            D::ImageLuma8(i) => match self.gray8_to_rgb8(&i, false) {
                Some(v) => rebuild(i.width(), i.height(), v).map_or(D::ImageLuma8(i), D::ImageRgb8),
                None => D::ImageLuma8(i),
            },
            D::ImageLumaA8(i) => match self.gray8_to_rgb8(&i, true) {
                Some(v) => {
                    rebuild(i.width(), i.height(), v).map_or(D::ImageLumaA8(i), D::ImageRgba8)
                }
                None => D::ImageLumaA8(i),
            },
            D::ImageLuma16(i) => match self.gray16_to_rgb8(&i, false) {
                Some(v) => {
                    rebuild(i.width(), i.height(), v).map_or(D::ImageLuma16(i), D::ImageRgb8)
                }
                None => D::ImageLuma16(i),
            },
            D::ImageLumaA16(i) => match self.gray16_to_rgb8(&i, true) {
                Some(v) => {
                    rebuild(i.width(), i.height(), v).map_or(D::ImageLumaA16(i), D::ImageRgba8)
                }
                None => D::ImageLumaA16(i),
            },
            other => other,
        }
    }
}

/// The colour space of a decoded image, for [`conversion`].
pub(crate) fn space_of(image: &DynamicImage) -> Space {
    if image.color().has_color() {
        Space::Rgb
    } else {
        Space::Gray
    }
}

fn gray_layouts(alpha: bool) -> (Layout, Layout) {
    if alpha {
        (Layout::GrayAlpha, Layout::Rgba)
    } else {
        (Layout::Gray, Layout::Rgb)
    }
}

fn in_place<T: Copy + Default>(
    t: &(dyn TransformExecutor<T> + Send + Sync),
    samples: &mut [T],
    channels: usize,
) -> bool {
    let mut scratch = vec![T::default(); CHUNK_PIXELS * channels];
    for chunk in samples.chunks_mut(CHUNK_PIXELS * channels) {
        let src = &mut scratch[..chunk.len()];
        src.copy_from_slice(chunk);
        if t.transform(src, chunk).is_err() {
            return false;
        }
    }
    true
}

fn widen<T: Copy + Default>(
    t: &(dyn TransformExecutor<T> + Send + Sync),
    samples: &[T],
    from: usize,
    to: usize,
) -> Option<Vec<T>> {
    let mut out = vec![T::default(); samples.len() / from * to];
    t.transform(samples, &mut out).ok()?;
    Some(out)
}

fn rebuild<P: image::Pixel>(
    width: u32,
    height: u32,
    samples: Vec<P::Subpixel>,
) -> Option<ImageBuffer<P, Vec<P::Subpixel>>> {
    ImageBuffer::from_raw(width, height, samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cmyk_profile_parses_and_converts() {
        let c = conversion(None, Space::Cmyk).expect("default CMYK conversion");
        let rgb = c
            .cmyk8_to_rgb8(&[0, 0, 0, 0, 0, 0, 0, 255])
            .expect("converts");
        // Paper white is near white, full black ink is dark.
        assert!(rgb[..3].iter().all(|&v| v > 230), "{rgb:?}");
        assert!(rgb[3..].iter().all(|&v| v < 80), "{rgb:?}");
    }

    #[test]
    fn srgb_descriptions_take_the_fast_path() {
        assert!(conversion(None, Space::Rgb).is_none());
        assert!(conversion(Some(&Embedded::Cicp([1, 13, 0, 1])), Space::Rgb).is_none());
        let p3 = Embedded::Cicp([12, 13, 0, 1]);
        assert!(conversion(Some(&p3), Space::Rgb).is_some());
        // PQ is refused rather than shown without tone mapping.
        assert!(conversion(Some(&Embedded::Cicp([9, 16, 0, 1])), Space::Rgb).is_none());
    }

    #[test]
    fn jpeg_chunks_are_joined_in_sequence_order() {
        let app2 = |seq: u8, count: u8, data: &[u8]| {
            let mut s = vec![0xFF, 0xE2];
            let len = (2 + 12 + 2 + data.len()) as u16;
            s.extend_from_slice(&len.to_be_bytes());
            s.extend_from_slice(b"ICC_PROFILE\0");
            s.extend_from_slice(&[seq, count]);
            s.extend_from_slice(data);
            s
        };
        let mut j = vec![0xFF, 0xD8];
        j.extend(app2(2, 2, b"world"));
        j.extend(app2(1, 2, b"hello "));
        j.extend_from_slice(&[0xFF, 0xDA]);
        assert_eq!(jpeg_icc(&j).as_deref(), Some(&b"hello world"[..]));
        let mut missing = vec![0xFF, 0xD8];
        missing.extend(app2(2, 2, b"world"));
        missing.extend_from_slice(&[0xFF, 0xDA]);
        assert_eq!(jpeg_icc(&missing), None);
    }
}
