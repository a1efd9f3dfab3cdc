//! zencodec trait implementations for mozjpeg-rs.
//!
//! Provides [`MozjpegEncoderConfig`] implementing the encode trait hierarchy
//! from zencodec, wrapping the native mozjpeg-rs [`Encoder`](crate::Encoder) API.
//!
//! This is a thin adapter layer — the native API remains untouched.
//!
//! # Trait mapping
//!
//! | zencodec | mozjpeg-rs adapter |
//! |----------------|-----------------|
//! | `EncoderConfig` | [`MozjpegEncoderConfig`] |
//! | `EncodeJob` | [`MozjpegEncodeJob`] |
//! | `Encoder` | [`MozjpegEncoder`] |
//! | `AnimationFrameEncoder` | `()` (JPEG has no animation) |

use zencodec::encode::{EncodeCapabilities, EncodeOutput, EncodePolicy};
use zencodec::{ImageFormat, Metadata, ResourceLimits, StopToken, UnsupportedOperation};
use zenpixels::{PixelDescriptor, PixelSlice};

use crate::error::Error;
use crate::types::{Preset, Subsampling};

// ============================================================================
// Capabilities
// ============================================================================

/// JPEG encode capabilities.
static MOZJPEG_ENCODE_CAPS: EncodeCapabilities = EncodeCapabilities::new()
    .with_icc(true)
    .with_exif(true)
    .with_xmp(true)
    .with_stop(true)
    .with_lossy(true)
    .with_push_rows(true)
    .with_native_gray(true)
    .with_enforces_max_pixels(true)
    .with_enforces_max_memory(true)
    .with_quality_range(1.0, 100.0)
    .with_effort_range(0, 3);

/// Supported encode pixel formats.
///
/// RGBA8 is supported — alpha is ignored during encoding. RGBX8 has the same
/// 4-byte layout with undefined padding in byte 3; it routes through the same
/// 4-byte-per-pixel path (mozjpeg discards byte 3 for JCS_EXT_RGBA / RGBX).
/// For BGRA8 input, callers should swizzle to RGBA with
/// `garb::bytes::bgra_to_rgba_inplace` (or the buffered variant) first.
static ENCODE_DESCRIPTORS: &[PixelDescriptor] = &[
    PixelDescriptor::RGB8_SRGB,
    PixelDescriptor::RGBA8_SRGB,
    PixelDescriptor::RGBX8_SRGB,
    PixelDescriptor::GRAY8_SRGB,
];

// ============================================================================
// EncoderConfig
// ============================================================================

/// mozjpeg-rs encoder configuration implementing [`zencodec::encode::EncoderConfig`].
///
/// Wraps [`crate::Encoder`] with the zencodec trait interface.
/// Defaults to `Preset::ProgressiveBalanced` at quality 85.
///
/// # Effort mapping
///
/// | Effort | Preset |
/// |--------|--------|
/// | 0 | `BaselineFastest` |
/// | 1 | `BaselineBalanced` |
/// | 2 | `ProgressiveBalanced` (default) |
/// | 3 | `ProgressiveSmallest` |
#[derive(Clone, Debug)]
pub struct MozjpegEncoderConfig {
    quality: u8,
    effort: i32,
    subsampling: Subsampling,
    /// Original generic quality value passed to `with_generic_quality()`.
    generic_quality_input: Option<f32>,
}

impl MozjpegEncoderConfig {
    /// Create a default config at quality 85, effort 2 (progressive balanced).
    #[must_use]
    pub fn new() -> Self {
        Self {
            quality: 85,
            effort: 2,
            subsampling: Subsampling::S420,
            generic_quality_input: None,
        }
    }

    /// Set chroma subsampling mode.
    #[must_use]
    pub fn with_subsampling(mut self, subsampling: Subsampling) -> Self {
        self.subsampling = subsampling;
        self
    }

    /// Build the native [`crate::Encoder`] from current settings.
    fn to_encoder(&self) -> crate::Encoder {
        let preset = match self.effort {
            0 => Preset::BaselineFastest,
            1 => Preset::BaselineBalanced,
            3 => Preset::ProgressiveSmallest,
            _ => Preset::ProgressiveBalanced,
        };
        crate::Encoder::new(preset)
            .quality(self.quality)
            .subsampling(self.subsampling)
    }
}

impl Default for MozjpegEncoderConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl zencodec::encode::EncoderConfig for MozjpegEncoderConfig {
    type Error = Error;
    type Job = MozjpegEncodeJob;

    fn format() -> ImageFormat {
        ImageFormat::Jpeg
    }

    fn supported_descriptors() -> &'static [PixelDescriptor] {
        ENCODE_DESCRIPTORS
    }

    fn capabilities() -> &'static EncodeCapabilities {
        &MOZJPEG_ENCODE_CAPS
    }

    fn with_generic_quality(mut self, quality: f32) -> Self {
        let clamped = quality.clamp(1.0, 100.0);
        self.generic_quality_input = Some(clamped);
        self.quality = clamped.round() as u8;
        self
    }

    fn generic_quality(&self) -> Option<f32> {
        Some(self.generic_quality_input.unwrap_or(self.quality as f32))
    }

    fn with_generic_effort(mut self, effort: i32) -> Self {
        self.effort = effort.clamp(0, 3);
        self
    }

    fn generic_effort(&self) -> Option<i32> {
        Some(self.effort)
    }

    fn is_lossless(&self) -> Option<bool> {
        Some(false)
    }

    fn job(self) -> Self::Job {
        MozjpegEncodeJob {
            config: self,
            stop: None,
            metadata: None,
            limits: ResourceLimits::none(),
            policy: None,
            image_size: None,
        }
    }
}

// ============================================================================
// EncodeJob
// ============================================================================

/// Per-operation mozjpeg encode job.
///
/// Created by [`MozjpegEncoderConfig::job()`]. Consumed by creating a
/// [`MozjpegEncoder`].
pub struct MozjpegEncodeJob {
    config: MozjpegEncoderConfig,
    stop: Option<StopToken>,
    metadata: Option<Metadata>,
    limits: ResourceLimits,
    policy: Option<EncodePolicy>,
    image_size: Option<(u32, u32)>,
}

impl zencodec::encode::EncodeJob for MozjpegEncodeJob {
    type Error = Error;
    type Enc = MozjpegEncoder;
    type AnimationFrameEnc = ();

    fn with_stop(mut self, stop: StopToken) -> Self {
        self.stop = Some(stop);
        self
    }

    fn with_metadata(mut self, meta: Metadata) -> Self {
        self.metadata = Some(meta);
        self
    }

    fn with_limits(mut self, limits: ResourceLimits) -> Self {
        self.limits = limits;
        self
    }

    fn with_policy(mut self, policy: EncodePolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    fn with_canvas_size(mut self, width: u32, height: u32) -> Self {
        self.image_size = Some((width, height));
        self
    }

    fn encoder(self) -> Result<MozjpegEncoder, Self::Error> {
        Ok(MozjpegEncoder {
            inner: self.config.to_encoder(),
            stop: self.stop,
            metadata: self.metadata,
            limits: self.limits,
            policy: self.policy,
            _image_size: self.image_size,
            accumulator: None,
        })
    }

    fn animation_frame_encoder(self) -> Result<Self::AnimationFrameEnc, Self::Error> {
        Err(Error::UnsupportedFeature("JPEG does not support animation"))
    }
}

// ============================================================================
// Encoder
// ============================================================================

/// Single-image mozjpeg encoder implementing [`zencodec::encode::Encoder`].
///
/// Supports one-shot `encode()` and row-accumulation `push_rows()` + `finish()`.
pub struct MozjpegEncoder {
    inner: crate::Encoder,
    stop: Option<StopToken>,
    metadata: Option<Metadata>,
    limits: ResourceLimits,
    policy: Option<EncodePolicy>,
    _image_size: Option<(u32, u32)>,
    accumulator: Option<RowAccumulator>,
}

/// Internal buffer for accumulating pushed rows.
struct RowAccumulator {
    data: Vec<u8>,
    width: u32,
    total_rows: u32,
    descriptor: PixelDescriptor,
}

impl MozjpegEncoder {
    /// Apply metadata, limits, and policy to the inner encoder.
    fn prepare_encoder(&self) -> crate::Encoder {
        let mut enc = self.inner.clone();

        // Apply resource limits
        let mut native_limits = crate::Limits::none();
        if let Some(max_px) = self.limits.max_pixels {
            native_limits = native_limits.max_pixel_count(max_px);
        }
        if let Some(max_mem) = self.limits.max_memory_bytes {
            native_limits = native_limits.max_alloc_bytes(max_mem as usize);
        }
        if let Some(max_w) = self.limits.max_width {
            native_limits = native_limits.max_width(max_w);
        }
        if let Some(max_h) = self.limits.max_height {
            native_limits = native_limits.max_height(max_h);
        }
        if native_limits.has_limits() {
            enc = enc.limits(native_limits);
        }

        // Apply metadata per policy
        if let Some(ref meta) = self.metadata {
            let policy = self.policy.unwrap_or(EncodePolicy::none());
            if policy.resolve_icc(true)
                && let Some(ref icc) = meta.icc_profile
            {
                enc = enc.icc_profile(icc.to_vec());
            }
            if policy.resolve_exif(true)
                && let Some(ref exif) = meta.exif
            {
                enc = enc.exif_data(exif.to_vec());
            }
            if policy.resolve_xmp(true)
                && let Some(ref xmp) = meta.xmp
            {
                // XMP is stored in APP1 with "http://ns.adobe.com/xap/1.0/\0" prefix
                let namespace = b"http://ns.adobe.com/xap/1.0/\0";
                let mut marker_data = Vec::with_capacity(namespace.len() + xmp.len());
                marker_data.extend_from_slice(namespace);
                marker_data.extend_from_slice(xmp);
                enc = enc.add_marker(1, marker_data);
            }
        }

        enc
    }

    /// Get a reference to the stop token for passing to encode methods.
    fn stop_ref(&self) -> &dyn enough::Stop {
        match self.stop {
            Some(ref s) => s,
            None => &enough::Unstoppable,
        }
    }

    /// Encode data in the given pixel format using the prepared encoder.
    fn encode_for_descriptor(
        &self,
        enc: &crate::Encoder,
        data: &[u8],
        width: u32,
        height: u32,
        descriptor: PixelDescriptor,
    ) -> Result<Vec<u8>, Error> {
        let stop = self.stop_ref();
        if descriptor == PixelDescriptor::GRAY8_SRGB {
            enc.encode_gray_with_stop(data, width, height, stop)
        } else if descriptor == PixelDescriptor::RGBA8_SRGB
            || descriptor == PixelDescriptor::RGBX8_SRGB
        {
            // Both use 4-byte RGBA layout; byte 3 is ignored by the JPEG encoder.
            enc.encode_rgba_with_stop(data, width, height, stop)
        } else {
            // RGB8 or any other 3-byte format
            enc.encode_rgb_with_stop(data, width, height, stop)
        }
    }
}

impl zencodec::encode::Encoder for MozjpegEncoder {
    type Error = Error;

    fn reject(op: UnsupportedOperation) -> Self::Error {
        Error::UnsupportedFeature(match op {
            UnsupportedOperation::AnimationEncode => "JPEG does not support animation",
            UnsupportedOperation::PullEncode => "pull-based encoding not supported",
            _ => "unsupported operation",
        })
    }

    fn preferred_strip_height(&self) -> u32 {
        16 // MCU height for 4:2:0
    }

    fn encode(self, pixels: PixelSlice<'_>) -> Result<EncodeOutput, Error> {
        let enc = self.prepare_encoder();
        let width = pixels.width();
        let height = pixels.rows();
        let descriptor = pixels.descriptor();
        let data = pixels.contiguous_bytes();

        let jpeg_data = self.encode_for_descriptor(&enc, &data, width, height, descriptor)?;
        Ok(EncodeOutput::new(jpeg_data, ImageFormat::Jpeg))
    }

    fn encode_srgba8(
        self,
        data: &mut [u8],
        _make_opaque: bool,
        width: u32,
        height: u32,
        stride_pixels: u32,
    ) -> Result<EncodeOutput, Error> {
        let enc = self.prepare_encoder();
        let stop = self.stop_ref();

        // If stride matches width (contiguous), encode RGBA directly — no intermediate buffer.
        if stride_pixels == width {
            let jpeg_data = enc.encode_rgba_with_stop(data, width, height, stop)?;
            return Ok(EncodeOutput::new(jpeg_data, ImageFormat::Jpeg));
        }

        // Strided: use garb to swizzle RGBA→RGB, stripping alpha and padding in one pass.
        let w = width as usize;
        let h = height as usize;
        let rgb_len = w * h * 3;
        let mut rgb = vec![0u8; rgb_len];
        garb::bytes::rgba_to_rgb_strided(data, &mut rgb, w, h, stride_pixels as usize * 4, w * 3)
            .map_err(|_| Error::BufferSizeMismatch {
            expected: stride_pixels as usize * h * 4,
            actual: data.len(),
        })?;

        let jpeg_data = enc.encode_rgb_with_stop(&rgb, width, height, stop)?;
        Ok(EncodeOutput::new(jpeg_data, ImageFormat::Jpeg))
    }

    fn push_rows(&mut self, rows: PixelSlice<'_>) -> Result<(), Error> {
        let width = rows.width();
        let descriptor = rows.descriptor();
        let data = rows.contiguous_bytes();

        match &mut self.accumulator {
            None => {
                let mut buf = Vec::new();
                let estimated = data.len() * 4;
                buf.try_reserve(estimated)?;
                buf.extend_from_slice(&data);
                self.accumulator = Some(RowAccumulator {
                    data: buf,
                    width,
                    total_rows: rows.rows(),
                    descriptor,
                });
            }
            Some(acc) => {
                if acc.width != width || acc.descriptor != descriptor {
                    return Err(Error::UnsupportedFeature(
                        "push_rows: width or format changed between calls",
                    ));
                }
                acc.data.extend_from_slice(&data);
                acc.total_rows += rows.rows();
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<EncodeOutput, Error> {
        let enc = self.prepare_encoder();

        let acc = self.accumulator.ok_or(Error::UnsupportedFeature(
            "finish() called without any push_rows()",
        ))?;

        let stop: &dyn enough::Stop = match &self.stop {
            Some(s) => s,
            None => &enough::Unstoppable,
        };

        let jpeg_data = if acc.descriptor == PixelDescriptor::GRAY8_SRGB {
            enc.encode_gray_with_stop(&acc.data, acc.width, acc.total_rows, stop)?
        } else if acc.descriptor == PixelDescriptor::RGBA8_SRGB
            || acc.descriptor == PixelDescriptor::RGBX8_SRGB
        {
            enc.encode_rgba_with_stop(&acc.data, acc.width, acc.total_rows, stop)?
        } else {
            enc.encode_rgb_with_stop(&acc.data, acc.width, acc.total_rows, stop)?
        };
        Ok(EncodeOutput::new(jpeg_data, ImageFormat::Jpeg))
    }
}

// ============================================================================
// Error interop
// ============================================================================

impl From<UnsupportedOperation> for Error {
    fn from(op: UnsupportedOperation) -> Self {
        Error::UnsupportedFeature(match op {
            UnsupportedOperation::AnimationEncode => "JPEG does not support animation",
            UnsupportedOperation::RowLevelEncode => "row-level encoding not supported",
            UnsupportedOperation::PullEncode => "pull-based encoding not supported",
            _ => "unsupported operation",
        })
    }
}

// ============================================================================
// Tests
// ============================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use zencodec::encode::{EncodeJob as _, Encoder as _, EncoderConfig as _};

    fn test_pixels_rgb(width: u32, height: u32) -> Vec<u8> {
        vec![128u8; (width * height * 3) as usize]
    }

    #[test]
    fn default_roundtrip() {
        let pixels = test_pixels_rgb(64, 64);
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&pixels, 64, 64, 64 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let output = config.job().encoder().unwrap().encode(slice).unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(output.format(), ImageFormat::Jpeg);
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn quality_and_effort() {
        let config = MozjpegEncoderConfig::new()
            .with_generic_quality(50.0)
            .with_generic_effort(0);

        assert_eq!(config.generic_quality(), Some(50.0));
        assert_eq!(config.generic_effort(), Some(0));
        assert_eq!(config.quality, 50);
        assert_eq!(config.effort, 0);
    }

    #[test]
    fn effort_clamping() {
        let config = MozjpegEncoderConfig::new().with_generic_effort(99);
        assert_eq!(config.effort, 3);

        let config = MozjpegEncoderConfig::new().with_generic_effort(-5);
        assert_eq!(config.effort, 0);
    }

    #[test]
    fn with_metadata() {
        let pixels = test_pixels_rgb(32, 32);
        let config = MozjpegEncoderConfig::new();
        let meta = Metadata::default().with_icc(vec![0u8; 100]);
        let slice = PixelSlice::new(&pixels, 32, 32, 32 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let output = config
            .job()
            .with_metadata(meta)
            .encoder()
            .unwrap()
            .encode(slice)
            .unwrap();
        assert!(!output.data().is_empty());
    }

    #[test]
    fn grayscale_encode() {
        let pixels = vec![128u8; 32 * 32];
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&pixels, 32, 32, 32, PixelDescriptor::GRAY8_SRGB).unwrap();

        let output = config.job().encoder().unwrap().encode(slice).unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn push_rows_encode() {
        let pixels = test_pixels_rgb(32, 32);
        let config = MozjpegEncoderConfig::new().with_generic_effort(0);

        let mut encoder = config.job().with_canvas_size(32, 32).encoder().unwrap();

        for chunk_start in (0..32u32).step_by(16) {
            let rows = 16u32.min(32 - chunk_start);
            let start = chunk_start as usize * 32 * 3;
            let end = start + rows as usize * 32 * 3;
            let slice = PixelSlice::new(
                &pixels[start..end],
                32,
                rows,
                32 * 3,
                PixelDescriptor::RGB8_SRGB,
            )
            .unwrap();
            encoder.push_rows(slice).unwrap();
        }

        let output = encoder.finish().unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn capabilities() {
        let caps = MozjpegEncoderConfig::capabilities();
        assert!(caps.icc());
        assert!(caps.exif());
        assert!(caps.lossy());
        assert!(!caps.lossless());
        assert!(!caps.animation());
        assert!(caps.native_gray());
        assert!(caps.push_rows());
    }

    #[test]
    fn animation_returns_unsupported() {
        let config = MozjpegEncoderConfig::new();
        let result = config.job().animation_frame_encoder();
        assert!(result.is_err());
    }

    #[test]
    fn max_pixels_limit_enforced() {
        // 64x64 = 4096 pixels; limit set to 100 → must reject.
        let pixels = test_pixels_rgb(64, 64);
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&pixels, 64, 64, 64 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let limits = ResourceLimits::none().with_max_pixels(100);
        let result = config
            .job()
            .with_limits(limits)
            .encoder()
            .unwrap()
            .encode(slice);

        let err = result.expect_err("encode should fail when pixel limit exceeded");
        assert!(
            matches!(err, Error::PixelCountExceeded { .. }),
            "expected PixelCountExceeded, got: {err:?}"
        );
    }

    #[test]
    fn stop_token_cancels_encode() {
        use enough::{Stop, StopReason};

        struct AlreadyCancelled;
        impl Stop for AlreadyCancelled {
            fn check(&self) -> Result<(), StopReason> {
                Err(StopReason::Cancelled)
            }
            fn may_stop(&self) -> bool {
                true
            }
        }

        let pixels = test_pixels_rgb(64, 64);
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&pixels, 64, 64, 64 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let stop = zencodec::StopToken::new(AlreadyCancelled);
        let result = config
            .job()
            .with_stop(stop)
            .encoder()
            .unwrap()
            .encode(slice);

        let err = result.expect_err("encode should fail when stop token reports cancelled");
        assert!(
            matches!(err, Error::Cancelled),
            "expected Error::Cancelled, got: {err:?}"
        );
    }

    #[test]
    fn strip_metadata_with_policy() {
        let pixels = test_pixels_rgb(32, 32);
        let config = MozjpegEncoderConfig::new();
        let meta = Metadata::default()
            .with_icc(vec![0u8; 100])
            .with_exif(vec![0u8; 50]);

        let slice = PixelSlice::new(&pixels, 32, 32, 32 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let output_stripped = config
            .clone()
            .job()
            .with_metadata(meta.clone())
            .with_policy(EncodePolicy::strip_all())
            .encoder()
            .unwrap()
            .encode(slice)
            .unwrap();

        let slice2 = PixelSlice::new(&pixels, 32, 32, 32 * 3, PixelDescriptor::RGB8_SRGB).unwrap();

        let output_with_meta = config
            .job()
            .with_metadata(meta)
            .encoder()
            .unwrap()
            .encode(slice2)
            .unwrap();

        // The version with metadata should be larger
        assert!(output_with_meta.data().len() > output_stripped.data().len());
    }

    #[test]
    fn rgba8_encode() {
        // RGBA8 pixel data: R=255, G=128, B=0, A=200
        let mut rgba = vec![0u8; 64 * 64 * 4];
        for i in 0..64 * 64 {
            rgba[i * 4] = 255; // R
            rgba[i * 4 + 1] = 128; // G
            rgba[i * 4 + 2] = 0; // B
            rgba[i * 4 + 3] = 200; // A (should be ignored)
        }
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&rgba, 64, 64, 64 * 4, PixelDescriptor::RGBA8_SRGB).unwrap();

        let output = config.job().encoder().unwrap().encode(slice).unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn rgba8_matches_rgb_encode() {
        // Encode the same pixel colors via RGBA8 and RGB8 — output should match.
        let (r, g, b) = (200u8, 100, 50);
        let w: u32 = 32;
        let h: u32 = 32;
        let n = (w * h) as usize;

        let mut rgb = vec![0u8; n * 3];
        let mut rgba = vec![0u8; n * 4];
        for i in 0..n {
            rgb[i * 3] = r;
            rgb[i * 3 + 1] = g;
            rgb[i * 3 + 2] = b;
            rgba[i * 4] = r;
            rgba[i * 4 + 1] = g;
            rgba[i * 4 + 2] = b;
            rgba[i * 4 + 3] = 128; // alpha ignored
        }

        let config = MozjpegEncoderConfig::new().with_generic_effort(0);
        let rgb_slice =
            PixelSlice::new(&rgb, w, h, w as usize * 3, PixelDescriptor::RGB8_SRGB).unwrap();
        let rgb_output = config
            .clone()
            .job()
            .encoder()
            .unwrap()
            .encode(rgb_slice)
            .unwrap();

        let rgba_slice =
            PixelSlice::new(&rgba, w, h, w as usize * 4, PixelDescriptor::RGBA8_SRGB).unwrap();
        let rgba_output = config.job().encoder().unwrap().encode(rgba_slice).unwrap();

        assert_eq!(
            rgb_output.data().len(),
            rgba_output.data().len(),
            "RGBA and RGB encodes should produce identical output for the same pixel colors"
        );
        assert_eq!(rgb_output.data(), rgba_output.data());
    }

    #[test]
    fn rgba8_push_rows() {
        let mut rgba = vec![0u8; 32 * 32 * 4];
        for i in 0..32 * 32 {
            rgba[i * 4] = 192; // R
            rgba[i * 4 + 1] = 128; // G
            rgba[i * 4 + 2] = 64; // B
            rgba[i * 4 + 3] = 255; // A
        }
        let config = MozjpegEncoderConfig::new().with_generic_effort(0);
        let mut encoder = config.job().with_canvas_size(32, 32).encoder().unwrap();

        for chunk_start in (0..32u32).step_by(16) {
            let rows = 16u32.min(32 - chunk_start);
            let start = chunk_start as usize * 32 * 4;
            let end = start + rows as usize * 32 * 4;
            let slice = PixelSlice::new(
                &rgba[start..end],
                32,
                rows,
                32 * 4,
                PixelDescriptor::RGBA8_SRGB,
            )
            .unwrap();
            encoder.push_rows(slice).unwrap();
        }

        let output = encoder.finish().unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn supported_descriptors_include_rgba() {
        let descs = MozjpegEncoderConfig::supported_descriptors();
        assert!(
            descs.contains(&PixelDescriptor::RGBA8_SRGB),
            "RGBA8_SRGB must be in supported descriptors"
        );
    }

    #[test]
    fn supported_descriptors_include_rgbx() {
        let descs = MozjpegEncoderConfig::supported_descriptors();
        assert!(
            descs.contains(&PixelDescriptor::RGBX8_SRGB),
            "RGBX8_SRGB must be in supported descriptors"
        );
    }

    #[test]
    fn rgbx8_encode() {
        // RGBX8 pixel data: R=255, G=128, B=0, X=any (padding).
        let mut rgbx = vec![0u8; 16 * 16 * 4];
        for i in 0..16 * 16 {
            rgbx[i * 4] = 255; // R
            rgbx[i * 4 + 1] = 128; // G
            rgbx[i * 4 + 2] = 0; // B
            rgbx[i * 4 + 3] = 0x13; // padding — deliberately non-opaque
        }
        let config = MozjpegEncoderConfig::new();
        let slice = PixelSlice::new(&rgbx, 16, 16, 16 * 4, PixelDescriptor::RGBX8_SRGB).unwrap();

        let output = config.job().encoder().unwrap().encode(slice).unwrap();
        assert!(!output.data().is_empty());
        // JPEG SOI marker.
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn rgbx8_matches_rgba8_and_rgb8() {
        // RGBX and RGBA should produce byte-identical output because mozjpeg
        // ignores the 4th byte for both. RGB (3-byte) should match as well
        // when the three colour bytes are identical.
        let (r, g, b) = (200u8, 100, 50);
        let w: u32 = 32;
        let h: u32 = 32;
        let n = (w * h) as usize;

        let mut rgb = vec![0u8; n * 3];
        let mut rgba = vec![0u8; n * 4];
        let mut rgbx = vec![0u8; n * 4];
        for i in 0..n {
            rgb[i * 3] = r;
            rgb[i * 3 + 1] = g;
            rgb[i * 3 + 2] = b;
            rgba[i * 4] = r;
            rgba[i * 4 + 1] = g;
            rgba[i * 4 + 2] = b;
            rgba[i * 4 + 3] = 128;
            rgbx[i * 4] = r;
            rgbx[i * 4 + 1] = g;
            rgbx[i * 4 + 2] = b;
            rgbx[i * 4 + 3] = 0x55;
        }

        let config = MozjpegEncoderConfig::new().with_generic_effort(0);
        let rgb_slice =
            PixelSlice::new(&rgb, w, h, w as usize * 3, PixelDescriptor::RGB8_SRGB).unwrap();
        let rgba_slice =
            PixelSlice::new(&rgba, w, h, w as usize * 4, PixelDescriptor::RGBA8_SRGB).unwrap();
        let rgbx_slice =
            PixelSlice::new(&rgbx, w, h, w as usize * 4, PixelDescriptor::RGBX8_SRGB).unwrap();

        let rgb_out = config
            .clone()
            .job()
            .encoder()
            .unwrap()
            .encode(rgb_slice)
            .unwrap();
        let rgba_out = config
            .clone()
            .job()
            .encoder()
            .unwrap()
            .encode(rgba_slice)
            .unwrap();
        let rgbx_out = config.job().encoder().unwrap().encode(rgbx_slice).unwrap();

        assert_eq!(
            rgbx_out.data(),
            rgba_out.data(),
            "RGBX must match RGBA (padding byte ignored)"
        );
        assert_eq!(
            rgbx_out.data(),
            rgb_out.data(),
            "RGBX must match RGB when colour bytes are identical"
        );
    }

    #[test]
    fn rgbx8_push_rows() {
        let mut rgbx = vec![0u8; 32 * 32 * 4];
        for i in 0..32 * 32 {
            rgbx[i * 4] = 192;
            rgbx[i * 4 + 1] = 128;
            rgbx[i * 4 + 2] = 64;
            rgbx[i * 4 + 3] = 0x42; // padding
        }
        let config = MozjpegEncoderConfig::new().with_generic_effort(0);
        let mut encoder = config.job().with_canvas_size(32, 32).encoder().unwrap();

        for chunk_start in (0..32u32).step_by(16) {
            let rows = 16u32.min(32 - chunk_start);
            let start = chunk_start as usize * 32 * 4;
            let end = start + rows as usize * 32 * 4;
            let slice = PixelSlice::new(
                &rgbx[start..end],
                32,
                rows,
                32 * 4,
                PixelDescriptor::RGBX8_SRGB,
            )
            .unwrap();
            encoder.push_rows(slice).unwrap();
        }

        let output = encoder.finish().unwrap();
        assert!(!output.data().is_empty());
        assert_eq!(&output.data()[..2], &[0xFF, 0xD8]);
    }
}
