'use strict';
// The Node + sharp side of bench/sharp_compare.py (see its docstring): one long-lived process
// that reads one JSON request a line on stdin and answers one JSON line on stdout.
//
//   node bench/sharp_job.js SHARP_DIR      (SHARP_DIR holds node_modules/sharp)
//   request: {"file": PATH, "runs": N, "full": 2048, "squares": [48, ...], "quality": 85,
//             "jpeg": "mozjpeg" | "portrait" | "plain"}
//   answer:  {"file": PATH, "ok": true, "min_cpu_ms": ..., "mean_cpu_ms": ..., "output_bytes": ...,
//             "outputs": [[width, height, bytes], ...]}
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
// libvips' attention crop; the smaller squares from that square; JPEG, no metadata.
// JPEG settings of an output of `pixels` pixels: `mozjpeg: true` (trellis, deringing,
// progressive with optimised scans, table 3), portrait's own (baseline, optimised Huffman tables,
// mozjpeg's tables, trellis and deringing up to TRELLIS_MAX_PIXELS as in
// crates/imaging/src/encode.rs) or sharp's plain defaults.
const TRELLIS_MAX_PIXELS = 300 * 300;
function jpegOptions(req, pixels) {
  switch (req.jpeg) {
    case 'mozjpeg':
      return { quality: req.quality, mozjpeg: true };
    case 'portrait': {
      const trellis = pixels <= TRELLIS_MAX_PIXELS;
      return {
        quality: req.quality,
        optimiseCoding: true,
        quantisationTable: 3,
        trellisQuantisation: trellis,
        overshootDeringing: trellis,
      };
    }
    default:
      return { quality: req.quality };
  }
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
  out.push(await sharp(largest.data, squareRaw)
    .jpeg(jpeg(sizes[0]))
    .toBuffer({ resolveWithObject: true }));
  for (const size of sizes.slice(1)) {
    out.push(await sharp(largest.data, squareRaw)
      .resize(size, size)
      .jpeg(jpeg(size))
      .toBuffer({ resolveWithObject: true }));
  }
  return out.map((o) => [o.info.width, o.info.height, o.data.length]);
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
    output_bytes: outputs.reduce((sum, o) => sum + o[2], 0),
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
