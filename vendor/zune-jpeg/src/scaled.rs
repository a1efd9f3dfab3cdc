//! Decoding shrunk by 2, 4 or 8 in the DCT domain (a portrait patch, see PATCHES.md).
//!
//! Each block is inverse-transformed straight to its share of the smaller image: a luma block
//! of a 4:2:0 frame decoded at 1/2 becomes 4×4 samples, and its chroma blocks, which already
//! cover twice the area, 8×8. Every component then lands at the output size, so there is no
//! upsampling: rows go from the transform to the colour converter. Only frames whose
//! components all fit that way are taken (see [`JpegDecoder::set_dct_scale`]).

use alloc::vec;
use alloc::vec::Vec;
use core::num::Wrapping;

use zune_core::bytestream::ZByteReaderTrait;
use zune_core::colorspace::ColorSpace;

use crate::decoder::{IDCTPtr, JpegDecoder, MAX_COMPONENTS};
use crate::errors::DecodeErrors;
use crate::worker::color_convert;

impl<T: ZByteReaderTrait> JpegDecoder<T> {
    /// Asks for the image shrunk by `denominator` (2, 4 or 8; 1 restores full size) while
    /// decoding, as libjpeg's `scale_denom` does: the output is `ceil(width / denominator)` ×
    /// `ceil(height / denominator)`. Call it after [`decode_headers`](Self::decode_headers).
    ///
    /// Returns whether the frame can be decoded that way: three-component YCbCr to an RGB-family
    /// output, progressive or with every component in its first scan, and sampling factors under
    /// which each component's blocks shrink to a power of two no larger than 8. Otherwise the
    /// decoder stays at full size.
    pub fn set_dct_scale(&mut self, denominator: usize) -> bool {
        self.dct_scale = 1;
        if denominator == 1 {
            return true;
        }
        if !matches!(denominator, 2 | 4 | 8) || !self.headers_decoded {
            return false;
        }
        let out = self.options.jpeg_get_out_colorspace();
        let single_scan = self.is_progressive || usize::from(self.num_scans) == self.components.len();
        if self.input_colorspace != ColorSpace::YCbCr
            || self.components.len() != 3
            || !matches!(out, ColorSpace::RGB | ColorSpace::RGBA | ColorSpace::BGR | ColorSpace::BGRA)
            || !single_scan
        {
            return false;
        }
        let h_max = self.components.iter().map(|c| c.horizontal_sample).max().unwrap_or(1);
        let v_max = self.components.iter().map(|c| c.vertical_sample).max().unwrap_or(1);
        let fits = self.components.iter().all(|c| {
            scaled_side(h_max, c.horizontal_sample, denominator).is_some()
                && scaled_side(v_max, c.vertical_sample, denominator).is_some()
        });
        if fits {
            self.dct_scale = denominator;
        }
        fits
    }

    /// The width and height of the decoded image, after [`set_dct_scale`](Self::set_dct_scale).
    #[must_use]
    pub fn output_dimensions(&self) -> (usize, usize) {
        let shrink = |side: u16| usize::from(side).div_ceil(self.dct_scale);
        (shrink(self.info.width), shrink(self.info.height))
    }

    /// Whether this decode shrinks in the DCT domain.
    pub(crate) fn is_scaled(&self) -> bool {
        self.dct_scale > 1
    }

    /// Samples per output row of a component's MCU-row buffer, the same for every component.
    pub(crate) fn scaled_stride(&self) -> usize {
        self.mcu_x * self.h_max * 8 / self.dct_scale
    }

    /// Output rows an MCU row makes.
    fn scaled_rows(&self) -> usize {
        self.v_max * 8 / self.dct_scale
    }

    /// After `setup_component_params`: each component's block size at the output scale, and
    /// one MCU row of output samples per component.
    pub(crate) fn setup_scaled(&mut self) -> Result<(), DecodeErrors> {
        let (h_max, v_max, scale) = (self.h_max, self.v_max, self.dct_scale);
        let len = self.scaled_stride() * self.scaled_rows();
        for c in &mut self.components {
            let (Some(w), Some(h)) = (
                scaled_side(h_max, c.horizontal_sample, scale),
                scaled_side(v_max, c.vertical_sample, scale)
            ) else {
                return Err(DecodeErrors::FormatStatic("Sampling factors changed after the header"));
            };
            c.scaled_block = (w, h);
            c.needed = true;
            c.raw_coeff = vec![0; len];
        }
        Ok(())
    }

    /// Colour-converts the output rows of MCU row `i` into `pixels`, and sets `pixels_written`
    /// past them (a lenient decode that stops early fills the rest with grey from there).
    pub(crate) fn post_process_scaled(
        &mut self, pixels: &mut [u8], i: usize, pixels_written: &mut usize
    ) -> Result<(), DecodeErrors> {
        let (width, height) = self.output_dimensions();
        let channels = self.options.jpeg_get_out_colorspace().num_components();
        let rows_per_mcu = self.scaled_rows();
        let first = i * rows_per_mcu;
        let rows = rows_per_mcu.min(height.saturating_sub(first));
        if rows == 0 {
            return Ok(());
        }
        let row_bytes = width * channels;
        let Some(out) = pixels.get_mut(first * row_bytes..(first + rows) * row_bytes) else {
            return Err(DecodeErrors::FormatStatic("Output buffer too small"));
        };
        *pixels_written = (first + rows) * row_bytes;
        let mut samples: [&[i16]; MAX_COMPONENTS] = [&[]; MAX_COMPONENTS];
        for (sample, component) in samples.iter_mut().zip(&self.components) {
            *sample = &component.raw_coeff;
        }
        color_convert(
            &samples,
            self.color_convert_16,
            self.input_colorspace,
            self.options.jpeg_get_out_colorspace(),
            out,
            width,
            self.scaled_stride()
        )
    }

    /// The end of a scaled progressive decode: every block of `coefficients` (per component,
    /// quantized, natural order, one MCU row after another) transformed and converted.
    pub(crate) fn finish_progressive_scaled(
        &mut self, coefficients: &[Vec<i16>; MAX_COMPONENTS], pixels: &mut [u8]
    ) -> Result<(), DecodeErrors> {
        self.setup_scaled()?;
        let mcu_rows = self.mcu_y;
        let mut block = [0_i32; 64];
        let mut pixels_written = 0;
        for i in 0..mcu_rows {
            for k in 0..self.components.len() {
                let blocks_across = self.components[k].width_stride / 8;
                let step = coefficients[k].len() / mcu_rows;
                for y in 0..self.components[k].vertical_sample {
                    for x in 0..blocks_across {
                        let start = i * step + (y * blocks_across + x) * 64;
                        let Some(quantized) = coefficients[k].get(start..start + 64) else {
                            return Err(DecodeErrors::FormatStatic("Invalid slice , would panic, invalid image"));
                        };
                        let component = &self.components[k];
                        let (w, h) = component.scaled_block;
                        dequantize(quantized, &component.quantization_table, w.max(h), &mut block);
                        let stride = self.scaled_stride();
                        let component = &mut self.components[k];
                        let at = block_position(component.scaled_block, stride, x, y);
                        let Some(out) = component.raw_coeff.get_mut(at..) else {
                            return Err(DecodeErrors::FormatStatic("Invalid slice , would panic, invalid image"));
                        };
                        idct_block(self.idct_func, &mut block, out, stride, component.scaled_block);
                    }
                }
            }
            self.post_process_scaled(pixels, i, &mut pixels_written)?;
        }
        Ok(())
    }
}

/// Samples along one side of a component's block at 1/`scale`: the `8 × max / own` pixels the
/// block covers, shrunk; `None` unless that is 1, 2, 4 or 8.
fn scaled_side(max: usize, own: usize, scale: usize) -> Option<usize> {
    let covered = max * 8;
    let divisor = own * scale;
    (divisor != 0 && covered % divisor == 0)
        .then(|| covered / divisor)
        .filter(|side| matches!(side, 1 | 2 | 4 | 8))
}

/// The top-left `n`×`n` coefficients of a block, which are all a transform to `n`×`n` reads.
fn dequantize(quantized: &[i16], table: &[i32; 64], n: usize, out: &mut [i32; 64]) {
    match n {
        8 => dequantize_rows::<8>(quantized, table, out),
        4 => dequantize_rows::<4>(quantized, table, out),
        2 => dequantize_rows::<2>(quantized, table, out),
        _ => dequantize_rows::<1>(quantized, table, out)
    }
}

fn dequantize_rows<const N: usize>(quantized: &[i16], table: &[i32; 64], out: &mut [i32; 64]) {
    for ((o, q), t) in out.chunks_exact_mut(8).zip(quantized.chunks_exact(8)).zip(table.chunks_exact(8)).take(N) {
        for ((o, &q), &t) in o[..N].iter_mut().zip(&q[..N]).zip(&t[..N]) {
            *o = i32::from(q).wrapping_mul(t);
        }
    }
}

/// Where block `(x, y)` (in blocks from the start of an MCU row) starts in a component's
/// MCU-row buffer, for blocks of `(w, h)` output samples.
pub(crate) fn block_position((w, h): (usize, usize), stride: usize, x: usize, y: usize) -> usize {
    y * h * stride + x * w
}

/// One block as `w`×`h` samples (each 1, 2, 4 or 8) at `out[..]` with `stride`. A block that is
/// not square is transformed at its longer side and averaged down along the shorter, as 4:2:2
/// chroma at 1/2 is (8 wide, 4 high).
pub(crate) fn idct_block(
    idct8: IDCTPtr, coefficients: &mut [i32; 64], out: &mut [i16], stride: usize, (w, h): (usize, usize)
) {
    let n = w.max(h);
    if w == h {
        idct_square(idct8, coefficients, out, stride, n);
        return;
    }
    let mut square = [0_i16; 64];
    idct_square(idct8, coefficients, &mut square, n, n);
    if (w, h) == (8, 4) {
        // 4:2:2 chroma at 1/2, the common case: rows averaged in pairs.
        for (pair, row) in square.chunks_exact(16).zip(out.chunks_mut(stride)) {
            let (upper, lower) = pair.split_at(8);
            for ((o, &a), &b) in row[..8].iter_mut().zip(upper).zip(lower) {
                *o = (a + b + 1) >> 1;
            }
        }
        return;
    }
    let (fx, fy) = (n / w, n / h);
    let area = (fx * fy) as i32;
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0_i32;
            for dy in 0..fy {
                for dx in 0..fx {
                    sum += i32::from(square[(y * fy + dy) * n + x * fx + dx]);
                }
            }
            out[y * stride + x] = ((sum + area / 2) / area) as i16;
        }
    }
}

fn idct_square(idct8: IDCTPtr, coefficients: &mut [i32; 64], out: &mut [i16], stride: usize, n: usize) {
    match n {
        8 => idct8(coefficients, out, stride),
        4 => idct_4x4(coefficients, out, stride),
        2 => idct_2x2(coefficients, out, stride),
        _ => out[0] = clamp((Wrapping(coefficients[0]) + Wrapping(128 * 8 + 4)) >> 3)
    }
}

// The 4×4 and 2×2 transforms are jpeg-decoder 0.3's (MIT/Apache-2.0), after Rakesh Dugad and
// Narendra Ahuja, "A Fast Scheme for Image Size Change in the Compressed Domain" (2001), taking
// coefficients already dequantized.
fn idct_4x4(c: &[i32; 64], out: &mut [i16], stride: usize) {
    const CONST_BITS: usize = 12;
    const PASS1_BITS: usize = 2;
    const FINAL_BITS: usize = CONST_BITS + PASS1_BITS + 3;
    let mut temp = [Wrapping(0_i32); 16];
    for i in 0..4 {
        let [s0, s1, s2, s3] = [0, 1, 2, 3].map(|r| Wrapping(c[i + 8 * r]));
        let x0 = (s0 + s2) << PASS1_BITS;
        let x2 = (s0 - s2) << PASS1_BITS;
        let p1 = (s1 + s3) * f2f(0.541_196_1);
        let t0 = (p1 + s3 * f2f(-1.847_759_065) + Wrapping(512)) >> (CONST_BITS - PASS1_BITS);
        let t2 = (p1 + s1 * f2f(0.765_366_865) + Wrapping(512)) >> (CONST_BITS - PASS1_BITS);
        temp[i] = x0 + t2;
        temp[i + 12] = x0 - t2;
        temp[i + 4] = x2 + t0;
        temp[i + 8] = x2 - t0;
    }
    for i in 0..4 {
        let [s0, s1, s2, s3] = [0, 1, 2, 3].map(|x| temp[i * 4 + x]);
        let bias = Wrapping(1 << (FINAL_BITS - 1)) + Wrapping(128 << FINAL_BITS);
        let x0 = ((s0 + s2) << CONST_BITS) + bias;
        let x2 = ((s0 - s2) << CONST_BITS) + bias;
        let p1 = (s1 + s3) * f2f(0.541_196_1);
        let t0 = p1 + s3 * f2f(-1.847_759_065);
        let t2 = p1 + s1 * f2f(0.765_366_865);
        let row = &mut out[i * stride..][..4];
        row[0] = clamp((x0 + t2) >> FINAL_BITS);
        row[3] = clamp((x0 - t2) >> FINAL_BITS);
        row[1] = clamp((x2 + t0) >> FINAL_BITS);
        row[2] = clamp((x2 - t0) >> FINAL_BITS);
    }
}

fn idct_2x2(c: &[i32; 64], out: &mut [i16], stride: usize) {
    const SCALE_BITS: usize = 3;
    let bias = Wrapping(1 << (SCALE_BITS - 1)) + Wrapping(128 << SCALE_BITS);
    let x0 = Wrapping(c[0]) + Wrapping(c[8]) + bias;
    let x2 = Wrapping(c[0]) - Wrapping(c[8]) + bias;
    let x1 = Wrapping(c[1]) + Wrapping(c[9]);
    let x3 = Wrapping(c[1]) - Wrapping(c[9]);
    out[0] = clamp((x0 + x1) >> SCALE_BITS);
    out[1] = clamp((x0 - x1) >> SCALE_BITS);
    out[stride] = clamp((x2 + x3) >> SCALE_BITS);
    out[stride + 1] = clamp((x2 - x3) >> SCALE_BITS);
}

fn f2f(x: f32) -> Wrapping<i32> {
    Wrapping((x * 4096.0 + 0.5) as i32)
}

fn clamp(x: Wrapping<i32>) -> i16 {
    x.0.clamp(0, 255) as i16
}
