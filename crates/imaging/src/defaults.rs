//! Every default limit and output setting in one place, so the API layer and
//! the documentation can quote them without digging through the pipeline.

/// Largest accepted image, in pixels (width × height, as stored). 50 MP covers
/// every current phone and most DSLRs while capping the decoded RGB buffer at
/// about 150 MB.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Most pixels a file may declare per byte of its size, once it declares more than
/// [`DENSITY_CHECK_ABOVE_PIXELS`]. Deflate (PNG, WebP lossless) and LZW (GIF) can describe a
/// flat 49-megapixel image in 6 KB, which then takes seconds and hundreds of megabytes to decode
/// and resize: a decompression bomb that stays under every size limit. Real photos need well
/// over a byte for every 10 pixels, and JPEG cannot go beyond about 512 pixels a byte (one bit
/// per 8×8 block), so this only refuses files that are almost entirely one flat colour.
pub const MAX_PIXELS_PER_BYTE: u64 = 1024;

/// Images up to this many pixels are never refused for being too compressed: decoding them is
/// cheap whatever their size on disk (tiny flat icons and placeholders stay accepted).
pub const DENSITY_CHECK_ABOVE_PIXELS: u64 = 4_000_000;

/// Longest accepted side, in pixels. Stops thin-strip bombs that stay under
/// [`MAX_PIXELS`] but still make row buffers huge.
pub const MAX_SIDE: u32 = 20_000;

/// Most frames accepted in an animated GIF or WebP. Only the first frame is
/// used, but a file with thousands of frames is a cheap denial-of-service.
pub const MAX_FRAMES: u32 = 100;

/// Largest accepted long-side / short-side ratio. A 20:1 strip would already
/// make a useless avatar once cropped to a square.
pub const MAX_ASPECT_RATIO: u32 = 20;

/// Smallest accepted side, in pixels. 1 accepts anything that has pixels at all:
/// tiny images are upscaled to the square sizes.
pub const MIN_SIDE: u32 = 1;

/// Square rendition sides, in pixels. 288 is the size Kantata suggests; the
/// others cover 1×/2×/3× avatar displays in lists and profiles (144: a 48 px avatar on a 3×
/// screen). Photos stored before a size joined the ladder get it made from a larger square.
pub const SQUARE_SIZES: [u32; 6] = [48, 96, 144, 192, 288, 648];

/// Longest side of the uncropped "full" rendition, in pixels (never upscaled).
pub const FULL_MAX_SIDE: u32 = 2048;

/// JPEG quality of every rendition (1–100). 85 is visually lossless for photos
/// at about a third of the size of quality 95.
pub const JPEG_QUALITY: u8 = 85;

/// Largest output side we will ever produce: the JPEG format stores sides as u16.
pub const MAX_OUTPUT_SIDE: u32 = 65_535;

/// Bytes per source pixel [`crate::working_set_bytes`] assumes for formats other than JPEG
/// (whose estimate follows its frame header): RGBA at up to 16 bits per channel before
/// conversion.
pub const OTHER_BYTES_PER_PIXEL: u64 = 8;

/// What every run holds besides the decoded source: the Full rendition (2048 × 1536 RGB is
/// 9 MiB), resize scratch and encoder buffers. mozjpeg-rs holds a whole rendition at once (its
/// colour planes, and every DCT coefficient for the Huffman pass: ~28 MB for a 2048 × 1536
/// one). Small inputs peak near 8 MB in all (tests/working_set.rs).
pub const RENDITION_BYTES: u64 = 32 * 1024 * 1024;

/// Largest embedded colour profile (ICC) that is read, in bytes. Real ones are 0.5–60 KB
/// (matrix/curve profiles under 4 KB, CMYK tables tens of KB; a few camera and printer
/// profiles reach a few hundred KB). A larger one is ignored, unread and uninflated, and the
/// image is taken as sRGB.
pub const MAX_PROFILE_BYTES: usize = 1 << 20;

/// Bytes per source pixel [`crate::working_set_bytes`] assumes for JPEG XL: the interleaved
/// pixels jxl-rs writes (RGBA at 16 bits is 8 bytes a pixel), their converted copy when the
/// colour is not sRGB, and jxl-rs' own buffers (it renders group by group: measured 0.8 bytes a
/// pixel for a 16 MP lossy file, 2.5 for a 4 MP lossless one).
pub const JXL_BYTES_PER_PIXEL: u64 = 20;

/// Samples (pixels × channels, extra channels included) a JPEG XL image or any of its frames
/// may have, per pixel of [`crate::Limits::max_pixels`]; beyond it jxl-rs refuses the file
/// before allocating. Room for RGB, alpha and four more extra channels.
pub const JXL_MAX_SAMPLES_PER_PIXEL: u64 = 8;

/// Most tiles a HEIF/AVIF grid may have. iPhones write 512×512 tiles: 48 for 12 MP, 192 for
/// 48 MP; 50 MP in 256×256 tiles is 763. Each tile is a separate decode, so a grid of thousands
/// of tiny tiles is a cheap denial of service.
pub const MAX_GRID_TILES: u32 = 1024;

/// Bytes per source pixel [`crate::working_set_bytes`] assumes for 8-bit HEIC and AVIF without
/// alpha: the decoded pictures (16-bit Y, Cb and Cr planes: 3 bytes a pixel at 4:2:0, 6 at 4:4:4,
/// plus rav1d's own picture for AV1) and the grid they are composed into, then the RGB image and
/// its rotated copy. Measured peaks (tests/working_set.rs): 6.2 bytes a pixel for a 12 MP iPhone
/// grid, 6.0 for a 16 MP 4:2:0 AVIF.
pub const HEIF_BYTES_PER_PIXEL: u64 = 12;

/// [`HEIF_BYTES_PER_PIXEL`] for pictures of more than 8 bits or with alpha: 16-bit planes and
/// 16-bit RGB(A) with its rotated copy. Measured: 12.9 bytes a pixel for a 16 MP 10-bit 4:4:4 AVIF.
pub const HEIF_WIDE_BYTES_PER_PIXEL: u64 = 20;

/// rav1e's working set per pixel of an AVIF encode, with the copy of the pixels it is given:
/// measured peaks of ~50 B/px for a 10-bit 648 square and ~24 B/px for an 8-bit 2048 × 1536
/// Full rendition (`crate::encode::AVIF_FINE_MAX_PIXELS` picks the depth).
pub const AVIF_FINE_BYTES_PER_PIXEL: u64 = 56;
pub const AVIF_BYTES_PER_PIXEL: u64 = 32;
