//! The primary image of a HEIF or AVIF file as pixels. heic-rs (pure Rust, no `unsafe`) walks
//! the items and decodes HEVC pictures; AV1 pictures go to rav1d through `portrait-av1`; a
//! grid's tiles are decoded one by one and composed; YCbCr becomes RGB with the file's matrix
//! and range; the alpha image is attached; `clap`/`irot`/`imir` are applied (and EXIF
//! orientation is not: HEIF makes these properties authoritative); then the colour description
//! (ICC or nclx) goes to sRGB like every other format's. Only called after [`super::header`]
//! has checked the declared sizes and tile counts against the limits.

use heic_rs::context::Context;
use heic_rs::ftyp::FileType;
use heic_rs::hevc::{ChromaFormat, Frame};
use heic_rs::{color, grid, transform, Brand, MatrixCoefficients, Nclx, PixelLayout, Range};
use image::{DynamicImage, ImageBuffer};

use crate::colour::{self, Embedded};
use crate::{defaults, ImageError, Limits};

/// How an HEVC picture without an `nclx` property is read: BT.601 full range, what iPhones
/// write and libheif assumes. heic-rs's own fallback (BT.709 limited range) turns iPhone
/// photos visibly brighter and harsher (a mean error of 10 levels in 255 against libheif).
const HEVC_UNLABELLED: Nclx = Nclx {
    primaries: 1,
    transfer: 13,
    matrix: MatrixCoefficients::Bt601,
    matrix_code: 6,
    range: Range::Full,
};

/// Decodes the primary image, oriented, colour-converted, at 8 or 16 bits a channel.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImageError> {
    let ctx = context(bytes)?;
    let primary = ctx.meta.primary;
    let props = ctx.props(primary).map_err(heic_error)?;
    let (picture, coded_nclx) = item(&ctx, primary, limits)?;
    // An alpha image of another size (a broken file) is dropped rather than stretched.
    let alpha = match ctx.alpha_item(primary).map_err(heic_error)? {
        Some(id) => Some(item(&ctx, id, limits)?.0)
            .filter(|a| (a.width, a.height) == (picture.width, picture.height)),
        None => None,
    };
    let wide = picture.bit_depth > 8;
    let layout = match (alpha.is_some(), wide) {
        (false, false) => PixelLayout::Rgb8,
        (true, false) => PixelLayout::Rgba8,
        (false, true) => PixelLayout::Rgb16,
        (true, true) => PixelLayout::Rgba16,
    };
    // The item's `nclx` wins over what the bitstream says (AV1's sequence header; portrait
    // does not read HEVC's VUI, whence the iPhone default).
    let described = props.nclx.or(coded_nclx);
    let nclx = described.unwrap_or(HEVC_UNLABELLED);
    let rgb = color::convert(
        &picture,
        alpha.as_ref(),
        nclx,
        layout,
        limits.max_pixels,
        Some(1),
    )
    .map_err(heic_error)?;
    drop((picture, alpha));
    let upright = transform::apply_all(rgb, &props.transforms).map_err(heic_error)?;
    let (width, height) = (upright.width, upright.height);
    let samples = upright.data;
    let dynamic = match layout {
        PixelLayout::Rgb8 => {
            ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgb8)
        }
        PixelLayout::Rgba8 => {
            ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgba8)
        }
        PixelLayout::Rgb16 => {
            ImageBuffer::from_raw(width, height, sixteen(&samples)).map(DynamicImage::ImageRgb16)
        }
        _ => ImageBuffer::from_raw(width, height, sixteen(&samples)).map(DynamicImage::ImageRgba16),
    }
    .ok_or_else(|| ImageError::corrupt("HEIF decoder returned an unexpected layout"))?;

    let embedded = match ctx.icc(&props) {
        Some(icc) if icc.len() <= defaults::MAX_PROFILE_BYTES => Some(Embedded::Icc(icc.to_vec())),
        Some(_) => None,
        // The matrix and range were used above; what remains describes RGB.
        None => described.and_then(|n| {
            Some(Embedded::Cicp([
                u8::try_from(n.primaries).ok()?,
                u8::try_from(n.transfer).ok()?,
                0,
                1,
            ]))
        }),
    };
    Ok(colour::timed(|| {
        match colour::conversion(embedded.as_ref(), colour::space_of(&dynamic)) {
            Some(c) => c.apply(dynamic),
            None => dynamic,
        }
    }))
}

/// heic-rs writes 16-bit samples in native byte order.
fn sixteen(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|b| u16::from_ne_bytes([b[0], b[1]]))
        .collect()
}

/// heic-rs's view of the file. Its own `Context::open` refuses AVIF brands (it decodes HEVC
/// only); portrait has read the `ftyp` box already, and heic-rs needs nothing else from it.
fn context(bytes: &[u8]) -> Result<Context<'_>, ImageError> {
    Ok(Context {
        file: bytes,
        ftyp: FileType {
            major: Brand::Mif1,
            effective: Brand::Mif1,
            minor_version: 0,
            compatible_count: 0,
        },
        meta: heic_rs::meta::parse(bytes).map_err(heic_error)?,
    })
}

/// One item's picture: a coded picture, or a grid of them composed; with the colour the
/// bitstream describes, if it does.
fn item(ctx: &Context<'_>, id: u32, limits: &Limits) -> Result<(Frame, Option<Nclx>), ImageError> {
    match ctx.grid(id).map_err(heic_error)? {
        // The container check has bounded the tile count and each tile's size.
        Some((layout, tiles)) => {
            let mut nclx = None;
            let mut frames = Vec::with_capacity(tiles.len());
            for &tile in &tiles {
                let (frame, described) = coded(ctx, tile, limits)?;
                nclx = nclx.or(described);
                frames.push(frame);
            }
            let frame = grid::compose(&layout, &frames, limits.max_pixels).map_err(heic_error)?;
            Ok((frame, nclx))
        }
        None => coded(ctx, id, limits),
    }
}

fn coded(ctx: &Context<'_>, id: u32, limits: &Limits) -> Result<(Frame, Option<Nclx>), ImageError> {
    match ctx.meta.item(id).map(|i| i.item_type) {
        Some(ref kind) if kind == b"hvc1" || kind == b"hev1" => Ok((hevc(ctx, id)?, None)),
        Some(ref kind) if kind == b"av01" => av1(ctx, id, limits),
        _ => Err(ImageError::corrupt(
            "HEIF picture is neither HEVC nor AV1 (unsupported)",
        )),
    }
}

fn hevc(ctx: &Context<'_>, id: u32) -> Result<Frame, ImageError> {
    let props = ctx.props(id).map_err(heic_error)?;
    let config = props
        .hvcc
        .as_ref()
        .ok_or_else(|| ImageError::corrupt("HEIC picture has no decoder configuration"))?;
    let data = ctx.item_data(id).map_err(heic_error)?;
    let units = config.split_nals(&data).map_err(heic_error)?;
    let frame =
        heic_rs::hevc::decode_still(&config.parameter_sets(), &units).map_err(heic_error)?;
    frame.validate().map_err(heic_error)?;
    Ok(frame)
}

/// An AV1 picture (the item's data is its OBUs, sequence header included) as heic-rs's frame,
/// so that grids, colour conversion and transforms are shared with HEIC.
fn av1(ctx: &Context<'_>, id: u32, limits: &Limits) -> Result<(Frame, Option<Nclx>), ImageError> {
    let data = ctx.item_data(id).map_err(heic_error)?;
    let p = portrait_av1::decode_still(&data, limits.max_pixels).map_err(av1_error)?;
    let chroma = match p.layout {
        portrait_av1::Layout::Monochrome => ChromaFormat::Monochrome,
        portrait_av1::Layout::Yuv420 => ChromaFormat::Yuv420,
        portrait_av1::Layout::Yuv422 => ChromaFormat::Yuv422,
        portrait_av1::Layout::Yuv444 => ChromaFormat::Yuv444,
    };
    let nclx = Nclx {
        primaries: u16::from(p.primaries),
        transfer: u16::from(p.transfer),
        // An unspecified matrix means BT.601 in AVIF (libavif reads it so), not heic-rs's BT.709.
        matrix: match p.matrix {
            2 => MatrixCoefficients::Bt601,
            code => MatrixCoefficients::from_code(u16::from(code)),
        },
        matrix_code: u16::from(p.matrix),
        range: if p.full_range {
            Range::Full
        } else {
            Range::Limited
        },
    };
    let to_u32 = |n: usize| u32::try_from(n).map_err(|_| ImageError::corrupt("AV1 stride"));
    let frame = Frame {
        width: p.width,
        height: p.height,
        bit_depth: p.bit_depth,
        chroma,
        y_stride: to_u32(p.y_stride)?,
        c_stride: to_u32(p.c_stride)?,
        y: p.y,
        cb: p.u,
        cr: p.v,
    };
    frame.validate().map_err(heic_error)?;
    Ok((frame, Some(nclx)))
}

fn av1_error(e: portrait_av1::Error) -> ImageError {
    use portrait_av1::Error as E;
    match e {
        E::Unsupported(tool) => ImageError::UnsupportedFeature {
            format: "AVIF image",
            detail: tool,
        },
        E::TooLarge { .. } => ImageError::corrupt("AVIF picture is larger than its header says"),
        other => ImageError::corrupt(format!("AVIF data is malformed: {other}")),
    }
}

fn heic_error(e: heic_rs::Error) -> ImageError {
    use heic_rs::Error as E;
    match e {
        E::Unsupported(tool) => ImageError::UnsupportedFeature {
            format: "HEIC image",
            detail: tool.to_owned(),
        },
        E::Truncated(_) => ImageError::corrupt("HEIC data ends early (truncated)"),
        E::PixelLimit { .. } => ImageError::corrupt("HEIC picture is larger than its header says"),
        other => ImageError::corrupt(format!("HEIC data is malformed: {other}")),
    }
}
