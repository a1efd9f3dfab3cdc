//! Decoding to 8-bit sRGB RGB. JPEGs go through `zune-jpeg`, shrunk in the DCT domain while
//! decoding where the output allows (much faster and smaller than decoding at full size and
//! resizing), and the frames it does not take (grey, CMYK, rare sampling factors) through
//! `jpeg-decoder`, which shrinks the same way; everything else through the `image` crate.
//! Colour conversion ([`colour`]) happens here, on the decoded samples: at the reduced
//! size, and before 16-bit samples are reduced to 8 bits.

use std::borrow::Cow;
use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::colour::{self, Embedded, Space};
use crate::detect::Format;
use crate::probe::{Header, JpegFrame};
use crate::{heif, jxl, orient};
use crate::{ImageError, Limits, Options};

/// Pixels ready for orientation, plus what the decoder learnt on the way.
pub(crate) struct Decoded {
    pub image: RgbImage,
    pub orientation: Orientation,
    /// The decoder has already applied `orientation` (JPEG XL): it must not be applied again.
    pub oriented: bool,
    pub decoder: Decoder,
}

/// Which decoder gave an image its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    ZuneJpeg,
    JpegDecoder,
    /// The other formats' decoders.
    Other,
}

impl Decoder {
    pub fn name(self) -> &'static str {
        match self {
            Decoder::ZuneJpeg => "zune-jpeg",
            Decoder::JpegDecoder => "jpeg-decoder",
            Decoder::Other => "other",
        }
    }
}

/// The JPEG shrink-on-load factor for an image displayed at `width` × `height`
/// (after EXIF orientation): 1, 2, 4 or 8.
///
/// Picks the largest reduction after which both the whole image is still at least
/// as large as the Full rendition and the crop region is still at least as large
/// as the largest square, so shrinking never costs output resolution.
pub fn decode_scale_for(width: u32, height: u32, options: &Options) -> u32 {
    let long = width.max(height);
    let need_full = options.full_max_side.min(long);
    let crop_side = options.crop.map_or(width.min(height), |c| c.size);
    let largest_square = options.square_sizes.iter().copied().max().unwrap_or(0);
    let need_square = largest_square.min(crop_side);
    [8, 4, 2]
        .into_iter()
        .find(|&d| long.div_ceil(d) >= need_full && crop_side / d >= need_square)
        .unwrap_or(1)
}

/// Decodes the first frame of `bytes` (already probed as `header`). JPEGs are
/// shrunk by `jpeg_scale` (1, 2, 4 or 8) while decoding; other formats ignore it.
pub(crate) fn decode(
    bytes: &[u8],
    header: &Header,
    jpeg_scale: u32,
    limits: &Limits,
) -> Result<Decoded, ImageError> {
    let probe = &header.probe;
    let found = colour::find(bytes, probe.format);
    let embedded = found.embedded.as_ref();
    if probe.format == Format::Jpeg {
        let (image, decoder) = decode_jpeg_any(bytes, header, jpeg_scale, limits, embedded)?;
        return Ok(Decoded {
            image,
            orientation: header.orientation.unwrap_or(Orientation::NoTransforms),
            oriented: false,
            decoder,
        });
    }
    if matches!(probe.format, Format::Jxl | Format::Heic | Format::Avif) {
        let orientation = header.orientation.unwrap_or(Orientation::NoTransforms);
        let (image, cropped) = match probe.format {
            Format::Jxl => (flatten(jxl::decode(bytes, limits)?), false),
            // A HEIF clean aperture (`clap`) may crop what `ispe` declares.
            _ => (flatten(heif::decode(bytes, limits)?), true),
        };
        let displayed = orient::displayed_size(probe.width, probe.height, orientation);
        let (w, h) = image.dimensions();
        let fits = if cropped {
            w <= displayed.0 && h <= displayed.1
        } else {
            (w, h) == displayed
        };
        if !fits {
            return Err(ImageError::corrupt("decoded size differs from the header"));
        }
        return Ok(Decoded {
            image,
            orientation,
            oriented: true,
            decoder: Decoder::Other,
        });
    }
    let bytes = if found.drop_png_chunks.is_empty() {
        Cow::Borrowed(bytes)
    } else {
        Cow::Owned(without(bytes, &found.drop_png_chunks))
    };
    let decoded = decode_other(&bytes, probe.format, limits, embedded)?;
    if decoded.image.dimensions() != (probe.width, probe.height) {
        // The header we checked against the limits must describe what was decoded.
        return Err(ImageError::corrupt("decoded size differs from the header"));
    }
    Ok(decoded)
}

/// `bytes` without the byte ranges `cuts` (in order, not overlapping).
fn without(bytes: &[u8], cuts: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut from = 0;
    for cut in cuts {
        out.extend_from_slice(bytes.get(from..cut.start).unwrap_or_default());
        from = from.max(cut.end);
    }
    out.extend_from_slice(bytes.get(from..).unwrap_or_default());
    out
}

/// A JPEG by the fastest decoder that takes it: zune-jpeg for the frames it decodes right,
/// jpeg-decoder for the rest (it takes every frame and names what is wrong with a broken file).
fn decode_jpeg_any(
    bytes: &[u8],
    header: &Header,
    scale: u32,
    limits: &Limits,
    embedded: Option<&Embedded>,
) -> Result<(RgbImage, Decoder), ImageError> {
    let (width, height) = (header.probe.width, header.probe.height);
    if zune_takes(bytes, header) {
        if let Some(image) = decode_jpeg_zune(bytes, width, height, scale, limits, embedded)? {
            return Ok((image, Decoder::ZuneJpeg));
        }
    }
    let image = decode_jpeg(bytes, width, height, scale, limits, embedded)?;
    Ok((image, Decoder::JpegDecoder))
}

/// Whether zune-jpeg may decode `bytes`: a frame it decodes right, with its end marker.
fn zune_takes(bytes: &[u8], header: &Header) -> bool {
    header
        .jpeg
        .is_some_and(|frame| frame.zune_decodes() && complete(bytes, &frame))
}

/// Whether an end-of-image marker follows the first scan. zune-jpeg pads a scan that ends
/// early with zeros where `jpeg-decoder` stops at the missing marker, so files without one
/// go to `jpeg-decoder`, which names them truncated. Entropy-coded data cannot hold the
/// marker (0xFF bytes in it are stuffed), and trailing junk after it is allowed.
fn complete(bytes: &[u8], frame: &JpegFrame) -> bool {
    let data = frame
        .first_scan
        .and_then(|scan| bytes.get(scan.data_at..))
        .unwrap_or_default();
    data.windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

/// Decodes a JPEG with `zune-jpeg` (in 0.5–0.9× `jpeg-decoder`'s time on the corpus at full
/// size), shrunk by `scale` in the DCT domain (our patch, `vendor/zune-jpeg/src/scaled.rs`), or
/// says `None` when its frame is not YCbCr or cannot shrink that way, for `jpeg-decoder` to take.
fn decode_jpeg_zune(
    bytes: &[u8],
    width: u32,
    height: u32,
    scale: u32,
    limits: &Limits,
    embedded: Option<&Embedded>,
) -> Result<Option<RgbImage>, ImageError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    let side = usize::try_from(limits.max_side).unwrap_or(usize::MAX);
    let options = zune_jpeg::zune_core::options::DecoderOptions::default()
        // Strict: a truncated or corrupt scan is an error, never grey padding.
        .set_strict_mode(true)
        .set_max_width(side)
        .set_max_height(side)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let cursor = zune_jpeg::zune_core::bytestream::ZCursor::new(bytes);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(cursor, options);
    if decoder.decode_headers().is_err()
        || decoder.input_colorspace() != Some(ColorSpace::YCbCr)
        || !decoder.set_dct_scale(scale as usize)
    {
        return Ok(None);
    }
    let size = decoder
        .info()
        .map(|i| (u32::from(i.width), u32::from(i.height)));
    if size != Some((width, height)) {
        return Err(ImageError::corrupt("decoded size differs from the header"));
    }
    let (width, height) = (width.div_ceil(scale), height.div_ceil(scale));
    let mut data = decoder.decode().map_err(zune_error)?;
    if data.len() != width as usize * height as usize * 3 {
        return Err(ImageError::corrupt("JPEG decoder returned a short buffer"));
    }
    colour::timed(|| {
        if let Some(c) = colour::conversion(embedded, Space::Rgb) {
            c.rgb8_in_place(&mut data, false);
        }
    });
    RgbImage::from_raw(width, height, data)
        .map(Some)
        .ok_or_else(|| ImageError::corrupt("JPEG buffer size mismatch"))
}

/// What [`jpeg_each_way`] found.
#[cfg(feature = "testing")]
pub struct JpegEachWay {
    pub zune: Option<Result<RgbImage, ImageError>>,
    pub jpeg_decoder: Result<RgbImage, ImageError>,
}

#[cfg(feature = "testing")]
pub(crate) fn jpeg_each_way(bytes: &[u8], limits: &Limits, scale: u32) -> JpegEachWay {
    let header = match crate::probe::read_header(bytes, limits, crate::Accepted::ALL) {
        Ok(header) if header.probe.format == Format::Jpeg => header,
        Ok(_) => {
            return JpegEachWay {
                zune: None,
                jpeg_decoder: Err(ImageError::corrupt("not a JPEG")),
            }
        }
        Err(e) => {
            return JpegEachWay {
                zune: None,
                jpeg_decoder: Err(e),
            }
        }
    };
    let (width, height) = (header.probe.width, header.probe.height);
    let zune = zune_takes(bytes, &header)
        .then(|| decode_jpeg_zune(bytes, width, height, scale, limits, None).transpose())
        .flatten();
    JpegEachWay {
        zune,
        jpeg_decoder: decode_jpeg(bytes, width, height, scale, limits, None),
    }
}

fn zune_error(e: zune_jpeg::errors::DecodeErrors) -> ImageError {
    use zune_jpeg::errors::DecodeErrors as E;
    let detail = match e {
        E::ExhaustedData | E::FormatStatic("Premature end of buffer") => {
            "JPEG data ends early (truncated)"
        }
        E::Unsupported(_) => "JPEG uses a feature the decoder does not support",
        _ => "JPEG data is malformed",
    };
    ImageError::corrupt(detail)
}

fn decode_jpeg(
    bytes: &[u8],
    width: u32,
    height: u32,
    scale: u32,
    limits: &Limits,
    embedded: Option<&Embedded>,
) -> Result<RgbImage, ImageError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    // Second line of defence behind the header check: CMYK is 4 bytes a pixel.
    let max_buffer = limits.max_pixels.saturating_mul(4);
    decoder.set_max_decoding_buffer_size(usize::try_from(max_buffer).unwrap_or(usize::MAX));
    if scale > 1 {
        let want = |side: u32| u16::try_from(side.div_ceil(scale)).unwrap_or(u16::MAX);
        decoder
            .scale(want(width), want(height))
            .map_err(jpeg_error)?;
    }
    // `decode` only returns Ok after reading the EOI marker, so truncated files
    // fail here instead of being padded with grey.
    let mut data = decoder.decode().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::corrupt("JPEG decoder returned no frame"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if (w, h) != (width.div_ceil(scale), height.div_ceil(scale)) {
        // The header we checked against the limits must describe what was decoded.
        return Err(ImageError::corrupt("decoded size differs from the header"));
    }
    let pixels = w as usize * h as usize;
    use jpeg_decoder::PixelFormat as P;
    if data.len() != pixels * info.pixel_format.pixel_bytes() {
        return Err(ImageError::corrupt("JPEG decoder returned a short buffer"));
    }
    let rgb = colour::timed(|| match info.pixel_format {
        P::RGB24 => {
            if let Some(c) = colour::conversion(embedded, Space::Rgb) {
                c.rgb8_in_place(&mut data, false);
            }
            data
        }
        P::L8 => colour::conversion(embedded, Space::Gray)
            .and_then(|c| c.gray8_to_rgb8(&data, false))
            .unwrap_or_else(|| data.iter().flat_map(|&l| [l, l, l]).collect()),
        P::L16 => data
            .chunks_exact(2)
            .flat_map(|c| {
                let l = (u16::from_ne_bytes([c[0], c[1]]) >> 8) as u8;
                [l, l, l]
            })
            .collect(),
        P::CMYK32 => colour::conversion(embedded, Space::Cmyk)
            .and_then(|c| c.cmyk8_to_rgb8(&data))
            .unwrap_or_else(|| cmyk_to_rgb(&data)),
    });
    RgbImage::from_raw(w, h, rgb).ok_or_else(|| ImageError::corrupt("JPEG buffer size mismatch"))
}

/// `jpeg-decoder` undoes Adobe's inverted storage (and the YCCK transform), so
/// each pixel arrives as ink amounts: 0 = no ink, as ICC CMYK profiles read them.
/// The naive model R = (1 − C)(1 − K) is only the last resort, for when even the
/// built-in CMYK profile cannot be used.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mul = |a: u8, b: u8| ((u32::from(255 - a) * u32::from(255 - b) + 127) / 255) as u8;
    cmyk.chunks_exact(4)
        .flat_map(|p| [mul(p[0], p[3]), mul(p[1], p[3]), mul(p[2], p[3])])
        .collect()
}

fn jpeg_error(e: jpeg_decoder::Error) -> ImageError {
    use jpeg_decoder::Error as E;
    let detail = match e {
        E::Io(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "JPEG data ends early (truncated)"
        }
        E::Io(_) => "JPEG data could not be read",
        E::Format(_) => "JPEG data is malformed",
        E::Unsupported(_) => "JPEG uses a feature the decoder does not support",
        E::Internal(_) => "JPEG decoder failed internally",
    };
    ImageError::corrupt(detail)
}

fn decode_other(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    embedded: Option<&Embedded>,
) -> Result<Decoded, ImageError> {
    let image_format = match format {
        Format::Png => ImageFormat::Png,
        Format::Gif => ImageFormat::Gif,
        Format::Bmp => ImageFormat::Bmp,
        Format::WebP => ImageFormat::WebP,
        Format::Jpeg | Format::Jxl | Format::Heic | Format::Avif => {
            return Err(ImageError::corrupt("format routed to the wrong decoder"))
        }
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    // Worst case is RGBA with 16-bit channels, plus room for decoder scratch space.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 24));
    reader.limits(decoder_limits);
    let name = format.name();
    let mut decoder = reader.into_decoder().map_err(|e| image_error(name, e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    // GIF and animated WebP: `from_decoder` reads the first frame only.
    let mut dynamic = DynamicImage::from_decoder(decoder).map_err(|e| image_error(name, e))?;
    if let Some(c) = colour::timed(|| colour::conversion(embedded, colour::space_of(&dynamic))) {
        dynamic = colour::timed(|| c.apply(dynamic));
    }
    Ok(Decoded {
        image: flatten(dynamic),
        orientation,
        oriented: false,
        decoder: Decoder::Other,
    })
}

/// Converts any decoded image to 8-bit RGB. The output is always JPEG, which has
/// no alpha channel, so transparency is composited onto white.
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let over_white =
        |c: u8, a: u8| ((u32::from(c) * u32::from(a) + 255 * u32::from(255 - a) + 127) / 255) as u8;
    let rgb: Vec<u8> = rgba
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| {
            [
                over_white(p[0], p[3]),
                over_white(p[1], p[3]),
                over_white(p[2], p[3]),
            ]
        })
        .collect();
    // Same dimensions, three bytes a pixel: `from_raw` cannot fail here, but stay total.
    RgbImage::from_raw(w, h, rgb).unwrap_or_else(|| RgbImage::new(w, h))
}

fn image_error(format: &'static str, e: image::ImageError) -> ImageError {
    use image::ImageError as E;
    let detail = match e {
        E::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("{format} data ends early (truncated)")
        }
        E::IoError(_) => format!("{format} data could not be read"),
        E::Decoding(_) => format!("{format} data is malformed"),
        E::Limits(_) => format!("{format} decoder exceeded its memory limits"),
        E::Unsupported(_) => format!("{format} uses a feature the decoder does not support"),
        E::Parameter(_) | E::Encoding(_) => format!("{format} decoder failed"),
    };
    ImageError::corrupt(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_enough_resolution() {
        let o = Options::default();
        // 4224×3168: Full needs 2048 on the long side, so only 1/2 is possible.
        assert_eq!(decode_scale_for(4224, 3168, &o), 2);
        // 16384×12288: 1/8 still leaves 2048 and 1536 ≥ 648.
        assert_eq!(decode_scale_for(16384, 12288, &o), 8);
        // Small images are never shrunk.
        assert_eq!(decode_scale_for(1600, 900, &o), 1);
        // A small crop forces full resolution even on a big image.
        let cropped = Options {
            crop: Some(crate::CropBox {
                x: 0,
                y: 0,
                size: 700,
            }),
            ..Options::default()
        };
        assert_eq!(decode_scale_for(16384, 12288, &cropped), 1);
        let squares_only = Options {
            full_max_side: 512,
            ..Options::default()
        };
        assert_eq!(decode_scale_for(5312, 2988, &squares_only), 4);
    }

    #[test]
    fn alpha_becomes_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let rgb = flatten(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.as_raw(), &vec![255, 255, 255, 10, 20, 30]);
    }

    #[test]
    fn cmyk_ink_maps_to_rgb() {
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0]), vec![255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 255]), vec![0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 0]), vec![0, 255, 255]);
    }
}
