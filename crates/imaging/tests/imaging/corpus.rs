//! Runs the whole shared corpus (`<workspace root>/../shared/corpus`, or
//! `$PORTRAIT_CORPUS`) through the pipeline, checking each file against its
//! manifest entry. Skipped, with a note, when the corpus is not there.

use std::time::Instant;

use crate::common::{assert_standard_set, corpus_dir};
use portrait_imaging::{process_with_stats, Accepted, ImageError, Options};
use serde_json::Value;

#[test]
fn whole_corpus_matches_the_manifest() {
    let Some(dir) = corpus_dir() else {
        eprintln!("corpus not found next to the workspace; skipping the corpus test");
        return;
    };
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("manifest is JSON");
    let files = manifest["files"].as_array().expect("files array");
    assert!(files.len() >= 30, "manifest lists {} files", files.len());
    for entry in files {
        let path = entry["path"].as_str().expect("path");
        let bytes = std::fs::read(dir.join(path)).expect("corpus file");
        let start = Instant::now();
        let result = process_with_stats(&bytes, &Options::default());
        let elapsed = start.elapsed();
        let valid_image = entry["expect"] == "accept" || entry["valid_image"] == true;
        match (&result, valid_image) {
            (Ok((p, stats)), true) => {
                eprintln!(
                    "{path}: ok, 1/{} scale, {elapsed:?}",
                    stats.scale_denominator
                );
                if let Some(size) = entry["displayed_size"].as_array() {
                    let w = size[0].as_u64().expect("w") as u32;
                    let h = size[1].as_u64().expect("h") as u32;
                    assert_eq!(
                        (stats.displayed_width, stats.displayed_height),
                        (w, h),
                        "{path}"
                    );
                    assert_standard_set(p, (w, h));
                }
                if let Some(o) = entry["exif_orientation"].as_u64() {
                    assert_eq!(u64::from(stats.exif_orientation), o, "{path}");
                }
                if let Some(frames) = entry["frames"].as_u64() {
                    assert_eq!(u64::from(p.source.frames), frames, "{path}");
                }
            }
            (Err(e), false) => {
                eprintln!("{path}: refused: {e} ({elapsed:?})");
                let name = path.rsplit('/').next().unwrap_or(path);
                let right_kind = match name {
                    "empty.jpg" => *e == ImageError::Empty,
                    "truncated-40pct.jpg" => matches!(e, ImageError::Corrupt { .. }),
                    "bomb-30000x30000.png" | "sof-65000x65000.jpg" => matches!(
                        e,
                        ImageError::TooManyPixels { .. } | ImageError::SideTooLong { .. }
                    ),
                    "frames-2000x1x1.gif" => matches!(e, ImageError::TooManyFrames { .. }),
                    "script.svg" => {
                        *e == ImageError::Unsupported {
                            found: "SVG image",
                            accepted: Accepted::ALL,
                        }
                    }
                    "page.html" => {
                        *e == ImageError::Unsupported {
                            found: "HTML document",
                            accepted: Accepted::ALL,
                        }
                    }
                    "document.pdf" => {
                        *e == ImageError::Unsupported {
                            found: "PDF document",
                            accepted: Accepted::ALL,
                        }
                    }
                    "archive.zip" => {
                        *e == ImageError::Unsupported {
                            found: "ZIP archive",
                            accepted: Accepted::ALL,
                        }
                    }
                    "text-named.jpg" => {
                        *e == ImageError::Unsupported {
                            found: "plain text",
                            accepted: Accepted::ALL,
                        }
                    }
                    "random-64k.jpg" => {
                        *e == ImageError::Unsupported {
                            found: "unknown binary data",
                            accepted: Accepted::ALL,
                        }
                    }
                    _ => true,
                };
                assert!(right_kind, "{path}: wrong error {e:?}");
            }
            (Ok(_), false) => panic!("{path}: accepted but the manifest says reject"),
            (Err(e), true) => panic!("{path}: refused with {e:?} but it is a valid image"),
        }
    }
}
