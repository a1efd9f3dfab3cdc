//! The patched functions of the vendored encoder (vendor/mozjpeg-rs/PATCHES.md) against the
//! code they replaced: the output bytes must stay exactly mozjpeg's.

use mozjpeg_rs::consts::JPEG_NATURAL_ORDER;
use mozjpeg_rs::entropy::{jpeg_nbits, SymbolCounter};
use mozjpeg_rs::huffman::FrequencyCounter;
use mozjpeg_rs::quant::quantize_block_raw;
use mozjpeg_rs::sample::downsample_h2v2_rows;
use mozjpeg_rs::DCTSIZE2;

use crate::common::XorShift;

/// mozjpeg-rs 0.9.2's `quantize_block_raw`, with its integer division.
fn quantize_with_division(coeffs: &[i32; DCTSIZE2], table: &[u16; DCTSIZE2]) -> [i16; DCTSIZE2] {
    std::array::from_fn(|i| {
        let q = 8 * i32::from(table[i]);
        let qval = ((coeffs[i].abs() + q / 2) / q).min(1023) as i16;
        if coeffs[i] < 0 {
            -qval
        } else {
            qval
        }
    })
}

/// mozjpeg-rs 0.9.2's `SymbolCounter::count_block`, one branch per coefficient.
fn count_with_branches(
    block: &[i16; DCTSIZE2],
    last_dc: &mut i16,
    dc: &mut FrequencyCounter,
    ac: &mut FrequencyCounter,
) {
    let diff = block[0].wrapping_sub(*last_dc);
    *last_dc = block[0];
    dc.count(jpeg_nbits(diff));
    let mut run = 0u8;
    for &index in &JPEG_NATURAL_ORDER[1..] {
        let coef = block[index];
        if coef == 0 {
            run += 1;
        } else {
            while run >= 16 {
                ac.count(0xF0);
                run -= 16;
            }
            ac.count((run << 4) | jpeg_nbits(coef));
            run = 0;
        }
    }
    if run > 0 {
        ac.count(0x00);
    }
}

/// mozjpeg-rs 0.9.2's `downsample_h2v2_rows`: one output at a time, with the edge test.
fn downsample_one_by_one(row0: &[u8], row1: &[u8], output: &mut [u8]) {
    let mut bias = 1u16;
    for (i, out) in output.iter_mut().enumerate().take(row0.len().div_ceil(2)) {
        let idx = i * 2;
        let (p00, p10) = (u16::from(row0[idx]), u16::from(row1[idx]));
        let (p01, p11) = if idx + 1 < row0.len() {
            (u16::from(row0[idx + 1]), u16::from(row1[idx + 1]))
        } else {
            (p00, p10)
        };
        *out = ((p00 + p01 + p10 + p11 + bias) >> 2) as u8;
        bias ^= 3;
    }
}

#[test]
fn quantisation_matches_the_integer_division_for_every_coefficient_and_quantiser() {
    // Every forward-DCT output (an i16) against every baseline quantiser (1-255).
    for quantiser in 1..=255u16 {
        let table = [quantiser; DCTSIZE2];
        for start in (i32::from(i16::MIN)..=i32::from(i16::MAX)).step_by(DCTSIZE2) {
            let coeffs: [i32; DCTSIZE2] =
                std::array::from_fn(|i| (start + i as i32).min(i32::from(i16::MAX)));
            let mut quantised = [0i16; DCTSIZE2];
            quantize_block_raw(&coeffs, &table, &mut quantised);
            assert_eq!(
                quantised,
                quantize_with_division(&coeffs, &table),
                "quantiser {quantiser}, coefficients from {start}"
            );
        }
    }
}

#[test]
fn huffman_statistics_match_the_coefficient_by_coefficient_count() {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut counter = SymbolCounter::new();
    let (mut dc, mut ac) = (FrequencyCounter::new(), FrequencyCounter::new());
    let (mut expected_dc, mut expected_ac) = (FrequencyCounter::new(), FrequencyCounter::new());
    let mut last_dc = 0i16;
    for n in 0..20_000u32 {
        // From all zeros to dense blocks, with long zero runs (ZRL) and a last coefficient
        // set or not (EOB).
        let density = u64::from(n % 66);
        let block: [i16; DCTSIZE2] = std::array::from_fn(|_| {
            let r = random.next();
            if r % 65 < density {
                ((r >> 8) % 2047) as i16 - 1023
            } else {
                0
            }
        });
        counter.count_block(&block, 0, &mut dc, &mut ac);
        count_with_branches(&block, &mut last_dc, &mut expected_dc, &mut expected_ac);
    }
    assert_eq!(dc.counts, expected_dc.counts);
    assert_eq!(ac.counts, expected_ac.counts);
    assert!(ac.counts[0xF0] > 0 && ac.counts[0x00] > 0);
}

#[test]
fn chroma_downsampling_matches_the_one_by_one_loop() {
    let mut random = XorShift(0x2545_F491_4F6C_DD1D);
    // Every row length up to a few chunks of 32 samples (odd ones end on the edge test), with
    // random samples and with the extremes (sums of 0 and 1020 with either bias).
    for len in 0..200usize {
        for fill in [None, Some(0u8), Some(255u8)] {
            let mut sample = || fill.unwrap_or_else(|| random.next() as u8);
            let row0: Vec<u8> = (0..len).map(|_| sample()).collect();
            let row1: Vec<u8> = (0..len).map(|_| sample()).collect();
            let mut output = vec![7u8; len.div_ceil(2) + 2];
            let mut expected = output.clone();
            downsample_h2v2_rows(&row0, &row1, &mut output);
            downsample_one_by_one(&row0, &row1, &mut expected);
            assert_eq!(output, expected, "{len} samples, fill {fill:?}");
        }
    }
}
