'use strict';
// The Node + sharp side of bench/sharp_compare.py (see its docstring): one long-lived process
// that reads one JSON request a line on stdin and answers one JSON line on stdout.
//
//   node bench/sharp_job.js SHARP_DIR      (SHARP_DIR holds node_modules/sharp)
//   request: {"file": PATH, "runs": N, "full": 2048, "squares": [48, ...], "quality": 85,
//             "jpeg": "mozjpeg" | "portrait" | "plain", "webp": true}
//   answer:  {"file": PATH, "ok": true, "min_cpu_ms": ..., "mean_cpu_ms": ...,
//             "output_bytes": JPEG bytes, "outputs": [[width, height, bytes, format], ...]}
//
// Start it with UV_THREADPOOL_SIZE=1: sharp runs its work on libuv's thread pool.

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { createRequire } = require('module');

const sharp = createRequire(path.join(process.argv[2], 'package.json'))('sharp');
sharp.concurrency(1); // one libvips thread
sharp.cache(false); // no operation cache: every run does all the work

// The same set portrait makes: the upright Full image (at most `full` px, never enlarged, sRGB,
// transparency on white), decoded once and held in memory; the largest square cut from it with
// libvips' attention crop; the smaller squares from that square; JPEG, no metadata; with
// "webp", a WebP of every square too, as portrait makes them at upload.
// JPEG settings of an output of `pixels` pixels: `mozjpeg: true` (trellis, deringing,
// progressive with optimised scans, table 3), portrait's own (baseline, optimised Huffman tables,
// mozjpeg's table and quality by size, trellis and deringing up to TRELLIS_MAX_PIXELS, as in
// crates/imaging/src/encode.rs) or sharp's plain defaults.
const TRELLIS_MAX_PIXELS = 300 * 300;
// TABLES_BY_SIZE of encode.rs: [largest pixels, mozjpeg table, factor on libjpeg's scaling].
const TABLES_BY_SIZE = [
  [150 * 150, 1, 8 / 3],
  [TRELLIS_MAX_PIXELS, 1, 7 / 3],
  [Infinity, 8, 5 / 3],
];
// encode.rs's scaled_quality: the quality whose libjpeg scaling is `quality`'s times `factor`.
function scaledQuality(quality, factor) {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  const scaled = Math.round(scale * factor);
  const q = scaled <= 100 ? Math.ceil((200 - scaled) / 2) : Math.round(5000 / scaled);
  return Math.min(100, Math.max(1, q));
}
function jpegOptions(req, pixels) {
  switch (req.jpeg) {
    case 'mozjpeg':
      return { quality: req.quality, mozjpeg: true };
    case 'portrait': {
      const trellis = pixels <= TRELLIS_MAX_PIXELS;
      const [, table, factor] = TABLES_BY_SIZE.find(([most]) => pixels <= most);
      return {
        quality: scaledQuality(req.quality, factor),
        optimiseCoding: true,
        quantisationTable: table,
        trellisQuantisation: trellis,
        overshootDeringing: trellis,
      };
    }
    default:
      return { quality: req.quality };
  }
}

// WebP settings of a square of `pixels` pixels, as crates/imaging/src/encode.rs has them: the
// quality offset from the JPEG's by size, libwebp method (sharp's effort) 4 up to
// TRELLIS_MAX_PIXELS and 2 above, no sharp RGB→YUV.
function webpOptions(req, pixels) {
  let offset = 5;
  if (pixels <= 200 * 200) offset = -3;
  else if (pixels <= TRELLIS_MAX_PIXELS) offset = 0;
  else if (pixels <= 700 * 700) offset = 3;
  return {
    quality: Math.min(100, Math.max(1, req.quality + offset)),
    effort: pixels <= TRELLIS_MAX_PIXELS ? 4 : 2,
    smartSubsample: false,
  };
}

async function job(input, req) {
  const jpeg = (side, other = side) => jpegOptions(req, side * other);
  // Embedded ICC profiles are converted to sRGB by sharp itself (and not kept: no
  // keepIccProfile/withMetadata); toColourspace also turns CMYK and grey into sRGB.
  const full = await sharp(input)
    .rotate() // EXIF orientation
    .resize({ width: req.full, height: req.full, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const fullRaw = { raw: full.info };
  const fullJpeg = jpeg(full.info.width, full.info.height);
  const out = [await sharp(full.data, fullRaw).jpeg(fullJpeg).toBuffer({ resolveWithObject: true })];
  const sizes = [...req.squares].sort((a, b) => b - a);
  const largest = await sharp(full.data, fullRaw)
    .resize(sizes[0], sizes[0], { fit: 'cover', position: 'attention' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const squareRaw = { raw: largest.info };
  // A square's JPEG and, with req.webp, its WebP, from its raw pixels.
  const encode = async (pixels) => {
    const side = pixels.info.width;
    const raw = { raw: pixels.info };
    out.push(await sharp(pixels.data, raw).jpeg(jpeg(side)).toBuffer({ resolveWithObject: true }));
    if (req.webp) {
      out.push(await sharp(pixels.data, raw)
        .webp(webpOptions(req, side * side))
        .toBuffer({ resolveWithObject: true }));
    }
  };
  await encode(largest);
  for (const size of sizes.slice(1)) {
    await encode(await sharp(largest.data, squareRaw)
      .resize(size, size)
      .raw()
      .toBuffer({ resolveWithObject: true }));
  }
  return out.map((o) => [o.info.width, o.info.height, o.data.length, o.info.format]);
}

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function measure(req) {
  const input = fs.readFileSync(req.file); // read once, outside the measured runs
  let outputs = await job(input, req); // warm-up
  let min = Infinity;
  let total = 0;
  for (let i = 0; i < req.runs; i++) {
    const before = cpuMs();
    outputs = await job(input, req);
    const spent = cpuMs() - before;
    min = Math.min(min, spent);
    total += spent;
  }
  return {
    file: req.file,
    ok: true,
    runs: req.runs,
    min_cpu_ms: min,
    mean_cpu_ms: total / req.runs,
    output_bytes: outputs.filter((o) => o[3] === 'jpeg').reduce((sum, o) => sum + o[2], 0),
    outputs,
  };
}

async function main() {
  const hello = {
    hello: true,
    versions: sharp.versions,
    node: process.version,
    uv_threadpool_size: process.env.UV_THREADPOOL_SIZE || null,
    concurrency: sharp.concurrency(),
    simd: sharp.simd(),
  };
  process.stdout.write(JSON.stringify(hello) + '\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let req;
    let answer;
    try {
      req = JSON.parse(line);
      answer = await measure(req);
    } catch (e) {
      answer = { file: req && req.file, ok: false, error: String(e && e.message ? e.message : e) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
}

main();
