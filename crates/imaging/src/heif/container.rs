//! HEIF and AVIF (ISO/IEC 23008-12 on ISO BMFF): what the container says about the primary
//! image, read from the boxes alone: brand, coding, size (`ispe`, or a `grid`'s output size
//! and tile count), `irot`/`imir`, `colr` (nclx or ICC), bit depth, an alpha auxiliary
//! image, and the frame count of an image sequence. Nothing is decoded.
//!
//! The parser is written for hostile files: every size is checked against what is there, it
//! allocates in proportion to the boxes actually present (never to a count a box declares),
//! boxes nest only where the format puts them (no generic recursion), and item references
//! must point at items that exist, one level deep (a tile that is itself derived is refused).

use std::ops::Range;

use crate::byte_order::{be16, be32, be64};
use crate::defaults::MAX_GRID_TILES;
use crate::ImageError;

/// Most items (`infe`) and property associations read: real files have a few hundred at most
/// (a 48 MP grid with thumbnails, EXIF, XMP, depth and gain maps).
const MAX_ITEMS: usize = 4096;

/// What the `ftyp` box says the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    /// `avif`: AV1 still image.
    Avif,
    /// `avis`: AV1 image sequence.
    AvifSequence,
    /// `heic`, `heix`, `heim`, `heis`, `hevc`, `hevx`: HEVC.
    Heic,
    /// `mif1`/`msf1` only: HEIF of a coding not named by the brands.
    Heif,
}

/// How the primary image's pixels are coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Av1,
    Hevc,
    /// Something else (JPEG in HEIF, uncompressed, VVC, …), named by its item type.
    Other([u8; 4]),
}

/// The colour description of the primary image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Colr {
    /// H.273 colour primaries, transfer, matrix, full range.
    Nclx([u8; 4]),
    /// An ICC profile (`prof` or `rICC`), as a range of the file's bytes.
    Icc(Range<usize>),
}

/// The primary image as the container describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeifHeader {
    pub brand: Brand,
    pub coding: Coding,
    /// Size of the image as coded (before `irot`/`imir`).
    pub width: u32,
    pub height: u32,
    /// 1 for a single coded image; rows × columns for a grid.
    pub tiles: u32,
    /// Size of each tile (the image's own size when not a grid).
    pub tile_size: (u32, u32),
    /// Anticlockwise quarter turns (`irot`), applied before the mirror.
    pub rotation: u8,
    /// `imir` axis: 0 vertical (left and right swap), 1 horizontal (top and bottom swap).
    pub mirror: Option<u8>,
    pub colour: Option<Colr>,
    /// Bits per channel (`pixi`), when given.
    pub bit_depth: Option<u8>,
    /// An auxiliary alpha image belongs to the primary image.
    pub alpha: bool,
    /// Frames of an image sequence (`moov`), else 1; at most `frame_cap`.
    pub frames: u32,
}

/// True when `bytes` start with an `ftyp` box naming a HEIF or AVIF brand.
pub(crate) fn brand(bytes: &[u8]) -> Option<Brand> {
    let first = boxes(bytes).next()?.ok()?;
    if &first.kind != b"ftyp" {
        return None;
    }
    let p = first.payload;
    // Major brand, minor version, then compatible brands.
    let brands = p
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, b)| b);
    let (mut avif, mut avis, mut heic, mut heif) = (false, false, false, false);
    for b in brands {
        match b {
            b"avif" => avif = true,
            b"avis" => avis = true,
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => heic = true,
            b"mif1" | b"msf1" => heif = true,
            _ => {}
        }
    }
    // The major brand decides between still and sequence when both are listed.
    let major = p.get(0..4)?;
    Some(if avis && (major == b"avis" || !avif) {
        Brand::AvifSequence
    } else if avif {
        Brand::Avif
    } else if heic {
        Brand::Heic
    } else if heif {
        Brand::Heif
    } else {
        return None;
    })
}

/// One box: its type and payload (after the size and type, and a `uuid`'s 16 bytes).
#[derive(Debug, Clone, Copy)]
struct Bx<'a> {
    kind: [u8; 4],
    payload: &'a [u8],
    /// Offset of the payload in the slice the box was read from.
    start: usize,
}

fn corrupt(what: &str) -> ImageError {
    ImageError::corrupt(format!("HEIF {what}"))
}

/// The boxes laid end to end in `b`. A box that claims more than there is ends the walk
/// with an error: a truncated file.
fn boxes(b: &[u8]) -> impl Iterator<Item = Result<Bx<'_>, ImageError>> {
    let mut pos = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || pos >= b.len() {
            return None;
        }
        let result = read_box(b, pos);
        match &result {
            Ok((_, end)) => pos = *end,
            Err(_) => failed = true,
        }
        Some(result.map(|(bx, _)| bx))
    })
}

fn read_box(b: &[u8], pos: usize) -> Result<(Bx<'_>, usize), ImageError> {
    let size = be32(b, pos).ok_or_else(|| corrupt("box header is truncated"))?;
    let kind: [u8; 4] = b
        .get(pos + 4..pos + 8)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| corrupt("box header is truncated"))?;
    let (header, end) = match size {
        0 => (8, b.len()),
        1 => {
            let large = be64(b, pos + 8).ok_or_else(|| corrupt("box header is truncated"))?;
            let end = usize::try_from(large)
                .ok()
                .filter(|&l| l >= 16)
                .and_then(|l| pos.checked_add(l))
                .ok_or_else(|| corrupt("box has an impossible size"))?;
            (16, end)
        }
        2..=7 => return Err(corrupt("box has an impossible size")),
        n => (8, pos.saturating_add(n as usize)),
    };
    if end > b.len() {
        return Err(corrupt(
            "box runs past the end of its container (truncated)",
        ));
    }
    let header = if &kind == b"uuid" {
        header + 16
    } else {
        header
    };
    let payload = b
        .get(pos + header..end)
        .ok_or_else(|| corrupt("box is shorter than its header"))?;
    Ok((
        Bx {
            kind,
            payload,
            start: pos + header,
        },
        end,
    ))
}

/// The first child box of type `kind`, if any.
fn child<'a>(b: &'a [u8], kind: &[u8; 4]) -> Result<Option<Bx<'a>>, ImageError> {
    for bx in boxes(b) {
        let bx = bx?;
        if &bx.kind == kind {
            return Ok(Some(bx));
        }
    }
    Ok(None)
}

/// Version and flags of a full box, and what follows them.
fn full(bx: &Bx<'_>) -> Result<(u8, u32, usize), ImageError> {
    let v = be32(bx.payload, 0).ok_or_else(|| corrupt("full box is truncated"))?;
    Ok(((v >> 24) as u8, v & 0x00FF_FFFF, 4))
}

#[derive(Debug, Clone, Copy)]
struct Item {
    id: u32,
    kind: [u8; 4],
}

/// A cursor over a box payload whose reads fail (rather than panic) past the end.
struct Cur<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8], at: usize) -> Self {
        Cur { b, at }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ImageError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| corrupt("field overflows"))?;
        let s = self
            .b
            .get(self.at..end)
            .ok_or_else(|| corrupt("box ends inside a field (truncated)"))?;
        self.at = end;
        Ok(s)
    }

    fn uint(&mut self, bytes: usize) -> Result<u64, ImageError> {
        Ok(self
            .take(bytes)?
            .iter()
            .fold(0u64, |v, &b| v << 8 | u64::from(b)))
    }

    fn u8(&mut self) -> Result<u8, ImageError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u32, ImageError> {
        Ok(self.uint(2)? as u32)
    }

    fn u32(&mut self) -> Result<u32, ImageError> {
        Ok(self.uint(4)? as u32)
    }

    /// An item ID: 16 bits in version 0 boxes, 32 bits otherwise.
    fn id(&mut self, wide: bool) -> Result<u32, ImageError> {
        if wide {
            self.u32()
        } else {
            self.u16()
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.b.get(self.at..).unwrap_or_default()
    }
}

/// Reads the header of the primary image. `frame_cap` bounds the sequence frame count.
pub fn header(bytes: &[u8], frame_cap: u32) -> Result<HeifHeader, ImageError> {
    let brand = brand(bytes).ok_or_else(|| corrupt("file has no HEIF brand"))?;
    let mut meta = None;
    let mut moov = None;
    for bx in boxes(bytes) {
        let bx = bx?;
        match &bx.kind {
            b"meta" if meta.is_none() => meta = Some(bx),
            b"moov" if moov.is_none() => moov = Some(bx),
            _ => {}
        }
    }
    let meta = meta.ok_or_else(|| corrupt("file has no meta box"))?;
    let (_, _, at) = full(&meta)?;
    let m = meta.payload.get(at..).unwrap_or_default();
    let base = meta.start + at;

    let pitm = child(m, b"pitm")?.ok_or_else(|| corrupt("file names no primary item"))?;
    let (v, _, at) = full(&pitm)?;
    let primary = Cur::new(pitm.payload, at).id(v != 0)?;

    let items = item_infos(m)?;
    let item = |id: u32| items.iter().find(|i| i.id == id).copied();
    let primary_item = item(primary).ok_or_else(|| corrupt("primary item does not exist"))?;
    let refs = references(m)?;
    for r in &refs {
        let Some(from) = item(r.from) else {
            return Err(corrupt("item reference comes from no item"));
        };
        if r.to.iter().any(|&t| item(t).is_none()) {
            return Err(corrupt("item reference points at no item"));
        }
        // Only derived images are made of other images: a coded one that claims to be would
        // make the structure a graph to walk (and possibly a cycle).
        if &r.kind == b"dimg" && !matches!(&from.kind, b"grid" | b"iden" | b"iovl") {
            return Err(corrupt("coded image refers to other images"));
        }
    }
    let props = Properties::read(m, base)?;

    let (width, height, tiles, tile_size, coding) = if &primary_item.kind == b"grid" {
        let tiles: Vec<u32> = refs
            .iter()
            .filter(|r| &r.kind == b"dimg" && r.from == primary)
            .flat_map(|r| r.to.iter().copied())
            .collect();
        let grid = grid_payload(bytes, m, primary)?;
        let count = u32::from(grid.rows) * u32::from(grid.columns);
        if count > MAX_GRID_TILES {
            return Err(ImageError::TooManyTiles {
                tiles: count,
                max_tiles: MAX_GRID_TILES,
            });
        }
        if tiles.len() != count as usize {
            return Err(corrupt(
                "grid has a different number of tiles than it declares",
            ));
        }
        let first = *tiles.first().ok_or_else(|| corrupt("grid has no tile"))?;
        let first_item = item(first).ok_or_else(|| corrupt("tile does not exist"))?;
        let mut tile_size = None;
        for &t in &tiles {
            let tile = item(t).ok_or_else(|| corrupt("tile does not exist"))?;
            if tile.id == primary || matches!(&tile.kind, b"grid" | b"iden" | b"iovl") {
                // Derived tiles would make the structure recursive: no real file has them.
                return Err(corrupt("grid tile is itself a derived image"));
            }
            if tile.kind != first_item.kind {
                return Err(corrupt("grid tiles are coded differently"));
            }
            let size = props
                .ispe(t)
                .ok_or_else(|| corrupt("grid tile has no size (ispe)"))?;
            if *tile_size.get_or_insert(size) != size {
                return Err(corrupt("grid tiles differ in size"));
            }
        }
        let tile_size = tile_size.ok_or_else(|| corrupt("grid has no tile"))?;
        // The tiles must cover the output, and no tile may lie entirely outside it.
        let (cols, rows) = (u64::from(grid.columns), u64::from(grid.rows));
        let (tw, th) = (u64::from(tile_size.0), u64::from(tile_size.1));
        let (ow, oh) = (u64::from(grid.width), u64::from(grid.height));
        if tw * cols < ow || th * rows < oh || tw * (cols - 1) >= ow || th * (rows - 1) >= oh {
            return Err(corrupt("grid tiles do not match its output size"));
        }
        (
            grid.width,
            grid.height,
            count,
            tile_size,
            coding_of(first_item.kind),
        )
    } else {
        let (w, h) = props
            .ispe(primary)
            .ok_or_else(|| corrupt("primary image has no size (ispe)"))?;
        (w, h, 1, (w, h), coding_of(primary_item.kind))
    };

    let rotation = props
        .find(primary, b"irot")
        .and_then(|p| p.first())
        .map_or(0, |a| a & 3);
    let mirror = props
        .find(primary, b"imir")
        .and_then(|p| p.first())
        .map(|a| a & 1);
    let colour = props.colr(primary);
    let bit_depth = props.find(primary, b"pixi").and_then(|p| {
        // version/flags, channel count, then bits per channel.
        let channels = *p.get(4)?;
        (channels > 0).then(|| p.get(5).copied()).flatten()
    });
    let alpha = refs.iter().any(|r| {
        &r.kind == b"auxl"
            && r.to.contains(&primary)
            && props.find(r.from, b"auxC").is_some_and(|c| {
                let urn = c.get(4..).unwrap_or_default();
                urn.starts_with(b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")
                    || urn.starts_with(b"urn:mpeg:hevc:2015:auxid:1")
            })
    });
    let frames = match (brand, moov) {
        (Brand::AvifSequence, Some(moov)) => sequence_frames(moov.payload)?.clamp(1, frame_cap),
        _ => 1,
    };
    Ok(HeifHeader {
        brand,
        coding,
        width,
        height,
        tiles,
        tile_size,
        rotation,
        mirror,
        colour,
        bit_depth,
        alpha,
        frames,
    })
}

fn coding_of(kind: [u8; 4]) -> Coding {
    match &kind {
        b"av01" => Coding::Av1,
        b"hvc1" => Coding::Hevc,
        _ => Coding::Other(kind),
    }
}

/// The `infe` entries of `iinf` (version 2 and 3, the only ones HEIF allows).
fn item_infos(m: &[u8]) -> Result<Vec<Item>, ImageError> {
    let iinf = child(m, b"iinf")?.ok_or_else(|| corrupt("file has no item list (iinf)"))?;
    let (v, _, at) = full(&iinf)?;
    let mut c = Cur::new(iinf.payload, at);
    let _declared = c.id(v != 0)?;
    let mut items = Vec::new();
    for bx in boxes(c.rest()) {
        let bx = bx?;
        if &bx.kind != b"infe" {
            continue;
        }
        if items.len() >= MAX_ITEMS {
            return Err(corrupt("file has too many items"));
        }
        let (v, _, at) = full(&bx)?;
        if v < 2 {
            continue; // Not an image item (HEIF requires version 2 or 3 for those).
        }
        let mut c = Cur::new(bx.payload, at);
        let id = c.id(v == 3)?;
        let _protection = c.u16()?;
        let kind: [u8; 4] = c
            .take(4)?
            .try_into()
            .map_err(|_| corrupt("item type is truncated"))?;
        if items.iter().any(|i: &Item| i.id == id) {
            return Err(corrupt("two items have the same ID"));
        }
        items.push(Item { id, kind });
    }
    Ok(items)
}

struct Reference {
    kind: [u8; 4],
    from: u32,
    to: Vec<u32>,
}

fn references(m: &[u8]) -> Result<Vec<Reference>, ImageError> {
    let Some(iref) = child(m, b"iref")? else {
        return Ok(Vec::new());
    };
    let (v, _, at) = full(&iref)?;
    let mut refs = Vec::new();
    let mut total = 0usize;
    for bx in boxes(iref.payload.get(at..).unwrap_or_default()) {
        let bx = bx?;
        let mut c = Cur::new(bx.payload, 0);
        let from = c.id(v != 0)?;
        let count = c.u16()? as usize;
        // Each ID takes 2 or 4 bytes: a count the box cannot hold is caught before reading.
        let width = if v != 0 { 4 } else { 2 };
        if c.rest().len() < count * width {
            return Err(corrupt("item reference box is truncated"));
        }
        total += count + 1;
        if total > MAX_ITEMS * 4 {
            return Err(corrupt("file has too many item references"));
        }
        let to = (0..count)
            .map(|_| c.id(v != 0))
            .collect::<Result<Vec<_>, _>>()?;
        if to.contains(&from) {
            return Err(corrupt("item refers to itself"));
        }
        refs.push(Reference {
            kind: bx.kind,
            from,
            to,
        });
    }
    Ok(refs)
}

/// `ipco` properties and their `ipma` associations.
struct Properties<'a> {
    /// (type, payload, payload offset in the file), in `ipco` order (1-based indices).
    boxes: Vec<([u8; 4], &'a [u8], usize)>,
    /// (item, property index) pairs.
    links: Vec<(u32, u16)>,
}

impl<'a> Properties<'a> {
    fn read(m: &'a [u8], base: usize) -> Result<Self, ImageError> {
        let iprp = child(m, b"iprp")?.ok_or_else(|| corrupt("file has no properties (iprp)"))?;
        let ipco = child(iprp.payload, b"ipco")?
            .ok_or_else(|| corrupt("file has no property container (ipco)"))?;
        let mut props = Vec::new();
        for bx in boxes(ipco.payload) {
            let bx = bx?;
            if props.len() >= MAX_ITEMS {
                return Err(corrupt("file has too many properties"));
            }
            props.push((
                bx.kind,
                bx.payload,
                base + iprp.start + ipco.start + bx.start,
            ));
        }
        let mut links = Vec::new();
        for bx in boxes(iprp.payload) {
            let bx = bx?;
            if &bx.kind != b"ipma" {
                continue;
            }
            let (v, flags, at) = full(&bx)?;
            let mut c = Cur::new(bx.payload, at);
            let entries = c.u32()?;
            for _ in 0..entries {
                let item = c.id(v >= 1)?;
                let n = c.u8()?;
                for _ in 0..n {
                    let index = if flags & 1 == 1 {
                        (c.u16()? & 0x7FFF) as u16
                    } else {
                        u16::from(c.u8()? & 0x7F)
                    };
                    if links.len() >= MAX_ITEMS * 8 {
                        return Err(corrupt("file has too many property associations"));
                    }
                    if index == 0 {
                        continue; // "no property"
                    }
                    if usize::from(index) > props.len() {
                        return Err(corrupt("property association points at no property"));
                    }
                    links.push((item, index));
                }
            }
        }
        Ok(Properties {
            boxes: props,
            links,
        })
    }

    fn all(&self, item: u32, kind: &[u8; 4]) -> impl Iterator<Item = (&'a [u8], usize)> + '_ {
        let kind = *kind;
        self.links
            .iter()
            .filter(move |(i, _)| *i == item)
            .filter_map(|(_, index)| self.boxes.get(usize::from(*index) - 1))
            .filter(move |(k, _, _)| *k == kind)
            .map(|(_, p, start)| (*p, *start))
    }

    fn find(&self, item: u32, kind: &[u8; 4]) -> Option<&'a [u8]> {
        self.all(item, kind).next().map(|(p, _)| p)
    }

    fn ispe(&self, item: u32) -> Option<(u32, u32)> {
        let p = self.find(item, b"ispe")?;
        Some((be32(p, 4)?, be32(p, 8)?))
    }

    /// An ICC profile wins over nclx when both are given (as libheif does): it is the more
    /// precise description.
    fn colr(&self, item: u32) -> Option<Colr> {
        let mut nclx = None;
        for (p, start) in self.all(item, b"colr") {
            match p.get(0..4)? {
                b"prof" | b"rICC" => return Some(Colr::Icc(start + 4..start + p.len())),
                b"nclx" => {
                    let (pri, tc, mc) = (be16(p, 4)?, be16(p, 6)?, be16(p, 8)?);
                    let full = p.get(10)? >> 7;
                    let small = |v: u16| u8::try_from(v).ok();
                    nclx.get_or_insert(Colr::Nclx([small(pri)?, small(tc)?, small(mc)?, full]));
                }
                _ => {}
            }
        }
        nclx
    }
}

struct Grid {
    rows: u16,
    columns: u16,
    width: u32,
    height: u32,
}

/// The `grid` item's payload (ImageGrid), located through `iloc` in `idat` or the file.
fn grid_payload(file: &[u8], m: &[u8], id: u32) -> Result<Grid, ImageError> {
    let data = item_data(file, m, id)?;
    let mut c = Cur::new(&data, 0);
    let _version = c.u8()?;
    let flags = c.u8()?;
    let rows = c.u8()? as u16 + 1;
    let columns = c.u8()? as u16 + 1;
    let (width, height) = if flags & 1 == 1 {
        (c.u32()?, c.u32()?)
    } else {
        (c.u16()?, c.u16()?)
    };
    Ok(Grid {
        rows,
        columns,
        width,
        height,
    })
}

/// The bytes of a small item (a grid description), at most 64 bytes of it.
fn item_data(file: &[u8], m: &[u8], id: u32) -> Result<Vec<u8>, ImageError> {
    const MOST: usize = 64;
    let iloc = child(m, b"iloc")?.ok_or_else(|| corrupt("file has no item locations (iloc)"))?;
    let (v, _, at) = full(&iloc)?;
    if v > 2 {
        return Err(corrupt("item locations have an unknown version"));
    }
    let mut c = Cur::new(iloc.payload, at);
    let sizes = c.u16()?;
    let (offset_size, length_size) = ((sizes >> 12) as usize, (sizes >> 8 & 15) as usize);
    let (base_size, index_size) = ((sizes >> 4 & 15) as usize, (sizes & 15) as usize);
    let index_size = if v >= 1 { index_size } else { 0 };
    for s in [offset_size, length_size, base_size, index_size] {
        if !matches!(s, 0 | 4 | 8) {
            return Err(corrupt("item locations use an invalid field size"));
        }
    }
    let count = if v < 2 { c.u16()? } else { c.u32()? };
    for _ in 0..count {
        let item = c.id(v == 2)?;
        let method = if v >= 1 { c.u16()? & 15 } else { 0 };
        let _data_ref = c.u16()?;
        let base_offset = c.uint(base_size)?;
        let extents = c.u16()?;
        let mut out = Vec::new();
        for _ in 0..extents {
            let _index = c.uint(index_size)?;
            let offset = c.uint(offset_size)?;
            let length = c.uint(length_size)?;
            if item != id {
                continue;
            }
            let source: &[u8] = match method {
                0 => file,
                1 => child(m, b"idat")?.map(|b| b.payload).unwrap_or_default(),
                _ => return Err(corrupt("grid is stored in an unsupported way")),
            };
            let start = usize::try_from(base_offset.saturating_add(offset))
                .map_err(|_| corrupt("item lies past the end of the file"))?;
            let len = if length == 0 {
                source.len().saturating_sub(start)
            } else {
                usize::try_from(length).unwrap_or(usize::MAX)
            };
            let want = len.min(MOST - out.len().min(MOST));
            let bytes = source
                .get(start..start.saturating_add(want))
                .ok_or_else(|| corrupt("item lies past the end of the file (truncated)"))?;
            out.extend_from_slice(bytes);
        }
        if item == id {
            return Ok(out);
        }
    }
    Err(corrupt("grid has no location"))
}

/// Sample count of the first track's `stsz` (moov/trak/mdia/minf/stbl/stsz).
fn sequence_frames(moov: &[u8]) -> Result<u32, ImageError> {
    let mut level = moov;
    for kind in [b"trak", b"mdia", b"minf", b"stbl"] {
        level = match child(level, kind)? {
            Some(b) => b.payload,
            None => return Ok(1),
        };
    }
    let Some(stsz) = child(level, b"stsz")? else {
        return Ok(1);
    };
    let (_, _, at) = full(&stsz)?;
    be32(stsz.payload, at + 4).ok_or_else(|| corrupt("sample sizes are truncated"))
}
