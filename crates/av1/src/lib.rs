//! Decodes one AV1 still picture to planar YUV samples.
//!
//! The input is the coded data of an AVIF image item: a sequence of AV1 OBUs in the "low
//! overhead bitstream format" (a sequence header OBU, then a frame). [`decode_still`] hands it to
//! [rav1d] (the Rust port of dav1d) on the calling thread and copies the first picture out into
//! owned `u16` planes, with the colour description of the sequence header.
//!
//! [rav1d]: https://github.com/memorysafety/rav1d

// The workspace denies `unsafe_code`. This crate is its one exception: rav1d's only public API is
// dav1d's C ABI (`unsafe extern "C" fn dav1d_*` over raw pointers), so every call into it needs
// `unsafe`. Each block below is one call or one pointer read, with a `// SAFETY:` comment; the
// rest of the crate (geometry checks, copies, error mapping) is safe Rust.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::fmt;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dLogger, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_unref, dav1d_data_wrap, dav1d_default_settings, dav1d_get_picture,
    dav1d_open, dav1d_picture_unref, dav1d_send_data,
};
use rav1d::src::send_sync_non_null::SendSyncNonNull;
use rav1d::Dav1dResult;

/// Chroma layout of a decoded picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Luma only (4:0:0); `u` and `v` are empty.
    Monochrome,
    /// Chroma halved both ways.
    Yuv420,
    /// Chroma halved horizontally.
    Yuv422,
    /// Full-resolution chroma.
    Yuv444,
}

impl Layout {
    /// Horizontal and vertical chroma subsampling shifts (0 or 1).
    pub fn subsampling(self) -> (u32, u32) {
        match self {
            Layout::Monochrome | Layout::Yuv444 => (0, 0),
            Layout::Yuv420 => (1, 1),
            Layout::Yuv422 => (1, 0),
        }
    }

    /// Size of a chroma plane for a `width` × `height` picture; (0, 0) for monochrome.
    pub fn chroma_size(self, width: u32, height: u32) -> (u32, u32) {
        if self == Layout::Monochrome {
            return (0, 0);
        }
        let (sx, sy) = self.subsampling();
        // Rounds up: a 5-wide 4:2:0 picture has 3 chroma columns.
        ((width >> sx) + (width & sx), (height >> sy) + (height & sy))
    }
}

/// One decoded picture. Samples are widened to `u16` whatever the depth.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width in luma samples.
    pub width: u32,
    /// Height in luma samples.
    pub height: u32,
    /// 8, 10 or 12.
    pub bit_depth: u8,
    /// Chroma layout.
    pub layout: Layout,
    /// Luma, `y_stride` samples a row, `height` rows.
    pub y: Vec<u16>,
    /// Cb, `c_stride` samples a row; empty for [`Layout::Monochrome`].
    pub u: Vec<u16>,
    /// Cr, `c_stride` samples a row; empty for [`Layout::Monochrome`].
    pub v: Vec<u16>,
    /// Samples a row in `y` (equal to `width`).
    pub y_stride: usize,
    /// Samples a row in `u` and `v` (the chroma width; 0 for monochrome).
    pub c_stride: usize,
    /// Colour primaries (H.273 code point; 2 = unspecified) from the sequence header.
    pub primaries: u8,
    /// Transfer characteristics (H.273; 2 = unspecified).
    pub transfer: u8,
    /// Matrix coefficients (H.273; 2 = unspecified).
    pub matrix: u8,
    /// Full-range samples (`color_range` = 1) rather than limited ("studio") range.
    pub full_range: bool,
}

impl Picture {
    /// Chroma plane size in samples; (0, 0) for monochrome.
    pub fn chroma_size(&self) -> (u32, u32) {
        self.layout.chroma_size(self.width, self.height)
    }
}

impl fmt::Debug for Picture {
    // The planes are megabytes of numbers: show their lengths only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bit_depth", &self.bit_depth)
            .field("layout", &self.layout)
            .field("y.len()", &self.y.len())
            .field("u.len()", &self.u.len())
            .field("v.len()", &self.v.len())
            .field("y_stride", &self.y_stride)
            .field("c_stride", &self.c_stride)
            .field("primaries", &self.primaries)
            .field("transfer", &self.transfer)
            .field("matrix", &self.matrix)
            .field("full_range", &self.full_range)
            .finish()
    }
}

/// Why a picture could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The OBUs are not valid AV1, or are cut short.
    #[error("malformed AV1 data: {0}")]
    Malformed(String),
    /// The picture has more samples than the caller allows.
    #[error("the AV1 picture is larger than {max_pixels} pixels")]
    TooLarge {
        /// The caller's limit.
        max_pixels: u64,
    },
    /// The data decoded without error but held no picture to show.
    #[error("the AV1 data holds no picture")]
    NoPicture,
    /// Valid AV1 this build cannot return (a bit depth or geometry it does not handle).
    #[error("unsupported AV1 picture: {0}")]
    Unsupported(String),
    /// The decoder or the output planes could not get memory.
    #[error("out of memory decoding AV1")]
    OutOfMemory,
}

const OK: Dav1dResult = Dav1dResult(0);
const EAGAIN: Dav1dResult = Dav1dResult(-libc::EAGAIN);

/// Maps a rav1d error code (a negated errno) to an [`Error`].
fn rav1d_error(r: Dav1dResult, max_pixels: u64) -> Error {
    match -r.0 {
        // Only the frame-size limit (`frame_size_limit`) returns ERANGE.
        libc::ERANGE => Error::TooLarge { max_pixels },
        libc::ENOMEM => Error::OutOfMemory,
        // A bit depth this build of rav1d was compiled without.
        libc::ENOPROTOOPT => Error::Unsupported("bit depth not compiled into rav1d".into()),
        libc::EINVAL => Error::Malformed("invalid bitstream".into()),
        libc::ENOENT => Error::Malformed("missing sequence header".into()),
        code => Error::Malformed(format!("decode failed (rav1d error {code})")),
    }
}

/// Owns a rav1d decoder context; closes it on drop.
struct Context(Option<Dav1dContext>);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: `self.0` is `None` or a context from `dav1d_open` not yet closed; `dav1d_close`
        // takes it out (leaving `None`), so it cannot be closed twice.
        unsafe { dav1d_close(Some(NonNull::from(&mut self.0))) };
    }
}

/// Owns a rav1d data reference; unrefs it on drop (a no-op once rav1d has consumed it).
struct Data(Dav1dData);

impl Drop for Data {
    fn drop(&mut self) {
        // SAFETY: `self.0` is default (empty) or was filled by `dav1d_data_wrap` and updated by
        // `dav1d_send_data`: a valid data reference, which this releases exactly once.
        unsafe { dav1d_data_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// Owns a rav1d picture reference; unrefs it on drop.
struct PictureRef(Dav1dPicture);

impl Drop for PictureRef {
    fn drop(&mut self) {
        // SAFETY: `self.0` is default (empty) or was written by `dav1d_get_picture`: a valid
        // picture reference, which this releases exactly once.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// The free callback for [`dav1d_data_wrap`]: the bytes are the caller's borrowed slice, which
/// rav1d must not free.
extern "C" fn borrowed_data_free(_data: *const u8, _cookie: Option<SendSyncNonNull<c_void>>) {}

/// Decodes the first picture of `obus` (an AV1 low-overhead bitstream: the coded data of one
/// AVIF image item).
///
/// Decoding runs on the calling thread (rav1d spawns no threads here). Film grain, if signalled,
/// is applied. For a layered (scalable) stream only the highest spatial layer of operating
/// point 0 is returned.
///
/// `max_pixels` bounds the frame (width × height) before anything is allocated for it; a larger
/// frame gives [`Error::TooLarge`].
///
/// # Aborts
///
/// rav1d 1.1.0 as published aborts the process (a panic inside an `extern "C"` function) when
/// decoding a frame's tile data fails with one frame context (memorysafety/rav1d#1497). The
/// workspace builds it with that fixed (`vendor/rav1d/PATCHES.md`); `tests/decode.rs` feeds it
/// thousands of corrupted pictures.
pub fn decode_still(obus: &[u8], max_pixels: u64) -> Result<Picture, Error> {
    if obus.is_empty() {
        // rav1d rejects empty data as an API misuse (and aborts in debug builds).
        return Err(Error::Malformed("empty input".into()));
    }
    if max_pixels == 0 {
        // 0 means "no limit" to rav1d; to us it means nothing fits.
        return Err(Error::TooLarge { max_pixels });
    }

    let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
    // SAFETY: `dav1d_default_settings` writes a whole `Dav1dSettings` to the pointer, which is
    // valid for writes of one (uninitialised is allowed).
    unsafe { dav1d_default_settings(NonNull::from(&mut settings).cast()) };
    // SAFETY: initialised by `dav1d_default_settings` just above.
    let mut settings = unsafe { settings.assume_init() };
    // Decode on this thread: no worker threads (and the context dies in `dav1d_close`; see the
    // SAFETY note on `dav1d_data_wrap` below). One frame context: the path whose abort on
    // corrupt data vendor/rav1d fixes.
    settings.n_threads = 1;
    settings.max_frame_delay = 1;
    settings.frame_size_limit = u32::try_from(max_pixels).unwrap_or(u32::MAX);
    settings.all_layers = 0; // only the highest spatial layer
    settings.operating_point = 0;
    settings.apply_grain = 1;
    // SAFETY: with no callback there is nothing for rav1d to call; it then skips logging
    // (its default logger writes every bitstream error to stderr).
    settings.logger = unsafe { Dav1dLogger::new(None, None) };

    // Declared before the data and the picture, so dropped (closed) after them.
    let mut ctx = Context(None);
    // SAFETY: both pointers are to live locals, valid for writes (`ctx.0`) and reads (`settings`).
    let r = unsafe {
        dav1d_open(
            Some(NonNull::from(&mut ctx.0)),
            Some(NonNull::from(&mut settings)),
        )
    };
    if r != OK {
        return Err(rav1d_error(r, max_pixels));
    }

    let mut data = Data(Dav1dData::default());
    // SAFETY: `obus` is a live, non-empty slice. rav1d only reads it, and every reference rav1d
    // takes to it lives in `data` or in the context: `data` is unreferenced and `ctx` closed
    // before this function returns, while `obus` is still borrowed. So the no-op free callback is
    // right: the bytes outlive rav1d's use. This relies on n_threads = 1: rav1d's worker threads
    // each hold the context and are not joined by `dav1d_close`, so with workers the context
    // could outlive this call; use `dav1d_data_create` (bytes owned by rav1d) in that case.
    let r = unsafe {
        dav1d_data_wrap(
            Some(NonNull::from(&mut data.0)),
            Some(NonNull::from(obus).cast::<u8>()),
            obus.len(),
            Some(borrowed_data_free),
            None,
        )
    };
    if r != OK {
        return Err(rav1d_error(r, max_pixels));
    }

    let mut picture = PictureRef(Dav1dPicture::default());
    let mut draining = false;
    // Every round either consumes data, drains, or returns; the bound only guards against a
    // decoder bug turning into an endless loop.
    for _ in 0..=obus.len().saturating_add(1) {
        if data.0.sz > 0 {
            // SAFETY: `ctx.0` is an open context; `data.0` is a valid data reference, which rav1d
            // reads and writes back (emptied once consumed).
            let r = unsafe { dav1d_send_data(ctx.0, Some(NonNull::from(&mut data.0))) };
            if r != OK && r != EAGAIN {
                return Err(rav1d_error(r, max_pixels));
            }
        }
        // SAFETY: `ctx.0` is an open context; `picture.0` holds no reference yet (each earlier
        // round got EAGAIN, which leaves it empty), so overwriting it leaks nothing.
        let r = unsafe { dav1d_get_picture(ctx.0, Some(NonNull::from(&mut picture.0))) };
        if r == OK {
            return copy_picture(&picture.0, max_pixels);
        }
        if r != EAGAIN {
            return Err(rav1d_error(r, max_pixels));
        }
        if data.0.sz == 0 {
            if draining {
                // All data consumed and the decoder drained: nothing to show.
                return Err(Error::NoPicture);
            }
            // All data consumed: one more `dav1d_get_picture` drains the decoder (with frame
            // threading the first call after the last `dav1d_send_data` never drains).
            draining = true;
        }
    }
    Err(Error::Malformed("the decoder made no progress".into()))
}

/// One plane as rav1d hands it back.
struct Plane {
    ptr: Option<NonNull<c_void>>,
    /// Bytes from one row to the next.
    stride: isize,
    width: usize,
    height: usize,
}

/// Copies a decoded picture out of rav1d's buffers, checking its geometry first.
fn copy_picture(p: &Dav1dPicture, max_pixels: u64) -> Result<Picture, Error> {
    let (Ok(width), Ok(height)) = (u32::try_from(p.p.w), u32::try_from(p.p.h)) else {
        return Err(Error::Malformed(format!(
            "picture size {}x{}",
            p.p.w, p.p.h
        )));
    };
    if width == 0 || height == 0 {
        return Err(Error::Malformed(format!("picture size {width}x{height}")));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Error::TooLarge { max_pixels });
    }
    let bit_depth = match p.p.bpc {
        8 => 8,
        10 => 10,
        12 => 12,
        bpc => return Err(Error::Unsupported(format!("{bpc}-bit samples"))),
    };
    let layout = match p.p.layout {
        DAV1D_PIXEL_LAYOUT_I400 => Layout::Monochrome,
        DAV1D_PIXEL_LAYOUT_I420 => Layout::Yuv420,
        DAV1D_PIXEL_LAYOUT_I422 => Layout::Yuv422,
        DAV1D_PIXEL_LAYOUT_I444 => Layout::Yuv444,
        other => return Err(Error::Unsupported(format!("pixel layout {other}"))),
    };
    let (cw, ch) = layout.chroma_size(width, height);
    // u32 → usize cannot fail on the 32- and 64-bit targets rav1d supports.
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (cw as usize, ch as usize);

    let y = copy_plane(
        &Plane {
            ptr: p.data[0],
            stride: p.stride[0],
            width: w,
            height: h,
        },
        bit_depth,
    )?;
    let (u, v) = if layout == Layout::Monochrome {
        (Vec::new(), Vec::new())
    } else {
        let plane = |i: usize| Plane {
            ptr: p.data[i],
            stride: p.stride[1],
            width: cw,
            height: ch,
        };
        (
            copy_plane(&plane(1), bit_depth)?,
            copy_plane(&plane(2), bit_depth)?,
        )
    };

    let Some(seq_hdr) = p.seq_hdr else {
        return Err(Error::Malformed("picture without a sequence header".into()));
    };
    // SAFETY: a picture from `dav1d_get_picture` points at its sequence header, which the
    // picture holds a reference to (`seq_hdr_ref`) and which is never written while shared.
    // `p` is borrowed for this whole function, so the header outlives this shared borrow.
    let seq_hdr = unsafe { seq_hdr.as_ref() };
    let code = |v: u32| u8::try_from(v).unwrap_or(2);

    Ok(Picture {
        width,
        height,
        bit_depth,
        layout,
        y,
        u,
        v,
        y_stride: w,
        c_stride: cw,
        primaries: code(seq_hdr.pri),
        transfer: code(seq_hdr.trc),
        matrix: code(seq_hdr.mtrx),
        full_range: seq_hdr.color_range != 0,
    })
}

/// Copies one plane row by row into a tight `u16` buffer.
fn copy_plane(plane: &Plane, bit_depth: u8) -> Result<Vec<u16>, Error> {
    let bytes_per_sample = if bit_depth > 8 { 2 } else { 1 };
    let Some(ptr) = plane.ptr else {
        return Err(Error::Malformed("picture plane without data".into()));
    };
    let Ok(stride) = usize::try_from(plane.stride) else {
        return Err(Error::Unsupported(format!(
            "negative plane stride {}",
            plane.stride
        )));
    };
    let row_bytes = plane
        .width
        .checked_mul(bytes_per_sample)
        .ok_or(Error::OutOfMemory)?;
    if stride < row_bytes {
        return Err(Error::Malformed(format!(
            "plane stride {stride} shorter than a row of {row_bytes} bytes"
        )));
    }
    // The bytes read: every row but the last at `stride`, then one row. rav1d's planes hold at
    // least `stride` × `height` bytes, so this stays inside its buffer.
    let len = plane
        .height
        .checked_sub(1)
        .and_then(|rows| rows.checked_mul(stride))
        .and_then(|n| n.checked_add(row_bytes))
        .filter(|&n| isize::try_from(n).is_ok())
        .ok_or(Error::OutOfMemory)?;
    // SAFETY: `ptr` is non-null and is a plane of a picture from `dav1d_get_picture`, which the
    // caller still holds: rav1d guarantees `stride` × `height` readable, initialised bytes there
    // (padded to 128 rows), and `len` ≤ that, and fits `isize` (checked). Nothing writes the
    // plane while this shared slice lives (the picture is ours until unref, on return).
    let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<u8>(), len) };

    let samples = plane
        .width
        .checked_mul(plane.height)
        .ok_or(Error::OutOfMemory)?;
    let mut out = Vec::new();
    out.try_reserve_exact(samples)
        .map_err(|_| Error::OutOfMemory)?;
    for row in bytes.chunks(stride).take(plane.height) {
        let row = row
            .get(..row_bytes)
            .ok_or_else(|| Error::Malformed("picture plane shorter than its height".into()))?;
        if bytes_per_sample == 1 {
            out.extend(row.iter().map(|&b| u16::from(b)));
        } else {
            out.extend(
                row.chunks_exact(2)
                    .map(|s| u16::from_ne_bytes([s[0], s[1]])),
            );
        }
    }
    if out.len() != samples {
        return Err(Error::Malformed(
            "picture plane shorter than its height".into(),
        ));
    }
    Ok(out)
}
