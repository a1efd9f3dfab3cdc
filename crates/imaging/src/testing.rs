//! Helpers for the tests and fuzz targets of this crate and of the crates above it (feature
//! `testing`); not part of the pipeline. They panic on what they check, as assertions do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{probe, CropBox, Limits, Options};

/// Every marker in a JPEG, in order (entropy-coded data skipped). Panics if the
/// structure is broken.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    let mut out = vec![(0xD8, Vec::new())];
    let mut pos = 2;
    while pos < jpeg.len() {
        assert_eq!(jpeg[pos], 0xFF, "marker expected at {pos}");
        let marker = jpeg[pos + 1];
        pos += 2;
        if marker == 0xD9 {
            out.push((marker, Vec::new()));
            assert_eq!(pos, jpeg.len(), "nothing after EOI");
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[pos], jpeg[pos + 1]]));
        out.push((marker, jpeg[pos + 2..pos + len].to_vec()));
        pos += len;
        if marker == 0xDA {
            // Skip entropy-coded data: stop at a marker that is not stuffing or RSTn.
            while !(jpeg[pos] == 0xFF
                && jpeg[pos + 1] != 0
                && !(0xD0..=0xD7).contains(&jpeg[pos + 1]))
            {
                pos += 1;
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The output carries nothing but image data and a JFIF header.
pub fn assert_no_metadata(jpeg: &[u8]) {
    for (marker, payload) in jpeg_markers(jpeg) {
        match marker {
            0xD8 | 0xD9 | 0xDB | 0xC4 | 0xDA | 0xDD | 0xC0..=0xC2 => {}
            0xE0 => assert!(payload.starts_with(b"JFIF\0"), "APP0 must be JFIF"),
            other => panic!("unexpected marker FF{other:02X} in a rendition"),
        }
    }
    for needle in [
        &b"Exif"[..],
        b"GPS",
        b"http://ns.adobe.com/xap",
        b"Photoshop 3.0",
        b"ICC_PROFILE",
        b"TESTSERIAL",
        b"private comment",
        b"Jane Private",
    ] {
        assert!(
            !contains(jpeg, needle),
            "output contains {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// FNV-1a: a stable hash of the input, for options derived from it.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Small limits, sizes and a crop box derived from the input: the second set of options the
/// `pipeline` fuzz target runs every input with, and its regression test after it.
pub fn small_options(data: &[u8]) -> Options {
    let h = fnv1a(data);
    let bits = |shift: u32, modulo: u64| ((h >> shift) % modulo) as u32;
    let limits = Limits {
        max_pixels: 1 << 20,
        max_side: 4096,
        max_frames: 3,
        max_aspect_ratio: 8,
        min_side: bits(0, 3),
    };
    let probe_limits = Limits {
        max_pixels: u64::MAX,
        max_side: u32::MAX,
        max_frames: u32::MAX,
        max_aspect_ratio: u32::MAX,
        min_side: 0,
    };
    let crop = match (bits(2, 4), probe(data, &probe_limits)) {
        (0, _) | (_, Err(_)) => None,
        (_, Ok(p)) => {
            let long = p.width.max(p.height).max(1);
            let short = p.width.min(p.height).max(1);
            let size = 1 + bits(4, u64::from(short) + 1);
            let x = bits(24, u64::from(long) + 1);
            let y = bits(44, u64::from(short) + 1);
            Some(CropBox {
                x: x.saturating_sub(size / 2),
                y: y.saturating_sub(size / 2),
                size,
            })
        }
    };
    Options {
        limits,
        square_sizes: vec![1 + bits(8, 40), 1 + bits(16, 130), 17],
        full_max_side: 1 + bits(32, 200),
        jpeg_quality: bits(40, 110) as u8,
        webp: bits(48, 2) == 1,
        // The pipeline never makes AVIFs; the photo service does, later.
        avif: false,
        formats: crate::Format::ALL.to_vec(),
        crop,
    }
}

/// CIELAB (D65 white) of an 8-bit sRGB colour.
pub fn srgb_to_lab(rgb: [u8; 3]) -> [f64; 3] {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(rgb[0]), lin(rgb[1]), lin(rgb[2]));
    let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 colour difference (Sharma, Wu and Dalal 2005; kL = kC = kH = 1).
pub fn delta_e00(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    use std::f64::consts::PI;
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    let c_bar = ((a1.hypot(b1)) + (a2.hypot(b2))) / 2.0;
    let g = 0.5 * (1.0 - (c_bar.powi(7) / (c_bar.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = (a1 * (1.0 + g), a2 * (1.0 + g));
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            let h = b.atan2(a).to_degrees();
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
    let l_bar = (l1 + l2) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let hp_bar = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (hp_bar - 30.0).to_radians().cos()
        + 0.24 * (2.0 * hp_bar).to_radians().cos()
        + 0.32 * (3.0 * hp_bar + 6.0).to_radians().cos()
        - 0.20 * (4.0 * hp_bar - 63.0).to_radians().cos();
    let d_theta = 30.0 * (-((hp_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (cp_bar.powi(7) / (cp_bar.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cp_bar;
    let sh = 1.0 + 0.015 * cp_bar * t;
    let rt = -(2.0 * d_theta * PI / 180.0).sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh))
        .sqrt()
}

/// Mean CIEDE2000 difference between two same-sized interleaved 8-bit sRGB images.
pub fn mean_delta_e00(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "images of the same size");
    let n = a.len() / 3;
    let sum: f64 = a
        .chunks_exact(3)
        .zip(b.chunks_exact(3))
        .map(|(p, q)| {
            delta_e00(
                srgb_to_lab([p[0], p[1], p[2]]),
                srgb_to_lab([q[0], q[1], q[2]]),
            )
        })
        .sum();
    sum / n as f64
}

/// Mean CIELAB chroma (√(a² + b²)) of an interleaved 8-bit sRGB image.
pub fn mean_chroma(rgb: &[u8]) -> f64 {
    let n = rgb.len() / 3;
    let sum: f64 = rgb
        .chunks_exact(3)
        .map(|p| {
            let [_, a, b] = srgb_to_lab([p[0], p[1], p[2]]);
            a.hypot(b)
        })
        .sum();
    sum / n as f64
}

/// `jpeg` with `icc` in APP2 chunks right after SOI (any APP2 ICC it had is kept after them, so
/// pass an untagged file).
pub fn jpeg_with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = icc.chunks(65_519).collect();
    let mut out = jpeg[..2].to_vec();
    for (i, chunk) in chunks.iter().enumerate() {
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&((chunk.len() + 16) as u16).to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.extend_from_slice(&[(i + 1) as u8, chunks.len() as u8]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `png` with a chunk of the given kind and data right after IHDR.
pub fn png_with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
    let ihdr_end = 8 + 8 + 13 + 4;
    [&png[..ihdr_end], &chunk[..], &png[ihdr_end..]].concat()
}

/// PNG's CRC-32 (ISO 3309), bit by bit: test files are small.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_e00_matches_sharmas_test_data() {
        // Pairs 1, 7 and 17 of Sharma, Wu and Dalal's published CIEDE2000 test data.
        let cases = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        ];
        for (a, b, want) in cases {
            let got = delta_e00(a, b);
            assert!((got - want).abs() < 1e-4, "{a:?} {b:?}: {got} vs {want}");
        }
        assert!(srgb_to_lab([255, 255, 255])[0] > 99.99);
    }
}

/// `bytes` decoded shrunk by `scale` (1, 2, 4 or 8) both ways: by zune-jpeg (`None` when the pipeline would not
/// give it this file) and by jpeg-decoder, for the tests and the `jpeg` fuzz target.
pub fn jpeg_each_way(bytes: &[u8], limits: &Limits, scale: u32) -> JpegEachWay {
    crate::decode::jpeg_each_way(bytes, limits, scale)
}

pub use crate::decode::JpegEachWay;

/// The HEIF/AVIF container parser, for tests and the `heif` fuzz target.
pub use crate::heif::{header as heif_header, Brand, Coding, Colr, HeifHeader};

/// An ISO BMFF box.
pub fn iso_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(payload);
    b
}

/// An ISO BMFF full box (version and flags first).
pub fn iso_full_box(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = (u32::from(version) << 24 | flags & 0xFF_FFFF)
        .to_be_bytes()
        .to_vec();
    p.extend_from_slice(payload);
    iso_box(kind, &p)
}

/// A hand-built HEIF file: what the boxes say, nothing decodable.
#[derive(Debug, Clone)]
pub struct HeifSpec {
    /// `ftyp` major brand, then compatible brands.
    pub brands: Vec<[u8; 4]>,
    /// `None`: a single `av01` primary item of `size`; `Some((rows, columns))`: a `grid`
    /// primary (item 1) whose tiles (items 2…) each have `tile`.
    pub grid: Option<(u32, u32)>,
    pub size: (u32, u32),
    pub tile: (u32, u32),
    /// Extra (from, to) `dimg` references, e.g. to make a grid refer to itself.
    pub extra_dimg: Vec<(u16, u16)>,
    /// Primary item ID written in `pitm`.
    pub primary: u16,
    /// `irot` angle of the primary (quarter turns), if any.
    pub irot: Option<u8>,
}

impl Default for HeifSpec {
    fn default() -> Self {
        HeifSpec {
            brands: vec![*b"avif", *b"mif1", *b"miaf"],
            grid: None,
            size: (640, 480),
            tile: (640, 480),
            extra_dimg: Vec::new(),
            primary: 1,
            irot: None,
        }
    }
}

impl HeifSpec {
    pub fn build(&self) -> Vec<u8> {
        let mut ftyp = self.brands[0].to_vec();
        ftyp.extend_from_slice(&[0, 0, 0, 0]);
        for b in &self.brands {
            ftyp.extend_from_slice(b);
        }
        let infe = |id: u16, kind: &[u8; 4]| {
            let mut p = id.to_be_bytes().to_vec();
            p.extend_from_slice(&[0, 0]);
            p.extend_from_slice(kind);
            p.push(0);
            iso_full_box(b"infe", 2, 0, &p)
        };
        let ispe = |(w, h): (u32, u32)| {
            let mut p = w.to_be_bytes().to_vec();
            p.extend_from_slice(&h.to_be_bytes());
            iso_full_box(b"ispe", 0, 0, &p)
        };
        let tiles = self.grid.map_or(0, |(r, c)| r * c) as u16;
        let mut items = vec![infe(
            1,
            if self.grid.is_some() {
                b"grid"
            } else {
                b"av01"
            },
        )];
        for t in 0..tiles {
            items.push(infe(2 + t, b"av01"));
        }
        let mut iinf = (items.len() as u16).to_be_bytes().to_vec();
        iinf.extend(items.concat());
        // Properties: 1 = primary's ispe, 2 = tile ispe, 3 = irot.
        let mut ipco = ispe(self.size);
        ipco.extend(ispe(self.tile));
        ipco.extend(iso_box(b"irot", &[self.irot.unwrap_or(0)]));
        let mut entries: Vec<(u16, Vec<u8>)> = vec![(1, vec![0x81])];
        if self.irot.is_some() {
            entries[0].1.push(3);
        }
        for t in 0..tiles {
            entries.push((2 + t, vec![0x82]));
        }
        let mut ipma = (entries.len() as u32).to_be_bytes().to_vec();
        for (id, props) in &entries {
            ipma.extend_from_slice(&id.to_be_bytes());
            ipma.push(props.len() as u8);
            ipma.extend_from_slice(props);
        }
        let iprp = iso_box(
            b"iprp",
            &[iso_box(b"ipco", &ipco), iso_full_box(b"ipma", 0, 0, &ipma)].concat(),
        );
        let mut meta = iso_full_box(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
        meta.extend(iso_full_box(b"pitm", 0, 0, &self.primary.to_be_bytes()));
        meta.extend(iso_full_box(b"iinf", 0, 0, &iinf));
        let mut refs = Vec::new();
        if let Some((rows, cols)) = self.grid {
            let mut dimg = 1u16.to_be_bytes().to_vec();
            dimg.extend_from_slice(&tiles.to_be_bytes());
            for t in 0..tiles {
                dimg.extend_from_slice(&(2 + t).to_be_bytes());
            }
            refs.extend(iso_box(b"dimg", &dimg));
            // The grid description lives in idat: version, flags (32-bit sizes), rows − 1,
            // columns − 1, output width and height.
            let mut grid = vec![0, 1, (rows - 1) as u8, (cols - 1) as u8];
            grid.extend_from_slice(&self.size.0.to_be_bytes());
            grid.extend_from_slice(&self.size.1.to_be_bytes());
            // iloc v1: offset 4 bytes, length 4 bytes, no base offset, no index.
            let mut iloc = vec![0x44, 0x00];
            iloc.extend_from_slice(&1u16.to_be_bytes());
            iloc.extend_from_slice(&1u16.to_be_bytes()); // item 1
            iloc.extend_from_slice(&1u16.to_be_bytes()); // construction method 1: idat
            iloc.extend_from_slice(&0u16.to_be_bytes()); // data reference
            iloc.extend_from_slice(&1u16.to_be_bytes()); // one extent
            iloc.extend_from_slice(&0u32.to_be_bytes());
            iloc.extend_from_slice(&(grid.len() as u32).to_be_bytes());
            meta.extend(iso_full_box(b"iloc", 1, 0, &iloc));
            meta.extend(iso_box(b"idat", &grid));
        }
        for (from, to) in &self.extra_dimg {
            let mut dimg = from.to_be_bytes().to_vec();
            dimg.extend_from_slice(&1u16.to_be_bytes());
            dimg.extend_from_slice(&to.to_be_bytes());
            refs.extend(iso_box(b"dimg", &dimg));
        }
        if !refs.is_empty() {
            meta.extend(iso_full_box(b"iref", 0, 0, &refs));
        }
        meta.extend(iprp);
        let mut file = iso_box(b"ftyp", &ftyp);
        file.extend(iso_full_box(b"meta", 0, 0, &meta));
        // Some coded bytes, so the density check sees a plausible file.
        file.extend(iso_box(b"mdat", &vec![0x5A; 4096]));
        file
    }
}
