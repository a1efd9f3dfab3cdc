//! `portrait-bench renditions --out DIR FILE...`: every rendition of each file as portrait
//! encodes it (`DIR/<stem>-<side|full>.jpg`, `.webp` and `.avif`) beside the pixels it was encoded from (`.ppm`),
//! so that bench/jpeg_bytes.py can score the encoder against its own input. One JSON line
//! per rendition.

use std::path::Path;

use portrait_imaging::{process_keeping_pixels, siblings, Options, RenditionKind};

use crate::{json_str, Args};

pub fn run(args: &Args) -> Result<(), String> {
    let out = args.out.as_deref().ok_or("renditions needs --out DIR")?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let options = Options::default();
    for path in &args.files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: no file name", path.display()))?;
        let (processed, _, pixels) =
            process_keeping_pixels(&bytes, &options).map_err(|e| format!("{stem}: {e}"))?;
        for (rendition, pixels) in processed.renditions.iter().zip(&pixels) {
            let label = match rendition.kind {
                RenditionKind::Square(side) => side.to_string(),
                RenditionKind::Full => "full".to_owned(),
            };
            let base = out.join(format!("{stem}-{label}"));
            let jpeg = base.with_extension("jpg");
            let ppm = base.with_extension("ppm");
            let webp = base.with_extension("webp");
            let avif = base.with_extension("avif");
            write(&jpeg, &rendition.jpeg)?;
            // Full's WebP and every AVIF are made from the upload's pixels, as the server's
            // background threads make them while it holds those.
            let webp_bytes = match &rendition.webp {
                Some(made) => made.clone(),
                None => siblings::webp(pixels, &options).map_err(|e| format!("{stem}: {e}"))?,
            };
            write(&webp, &webp_bytes)?;
            let avif_bytes =
                siblings::avif(pixels, &options).map_err(|e| format!("{stem}: {e}"))?;
            write(&avif, &avif_bytes)?;
            let mut netpbm =
                format!("P6\n{} {}\n255\n", pixels.width(), pixels.height()).into_bytes();
            netpbm.extend_from_slice(pixels.as_raw());
            write(&ppm, &netpbm)?;
            println!(
                "{{\"file\":{},\"rendition\":{},\"width\":{},\"height\":{},\"bytes\":{},\"jpeg\":{},\"pixels\":{},\"webp\":{},\"webp_bytes\":{},\"avif\":{},\"avif_bytes\":{}}}",
                json_str(&path.display().to_string()),
                json_str(&label),
                rendition.width,
                rendition.height,
                rendition.jpeg.len(),
                json_str(&jpeg.display().to_string()),
                json_str(&ppm.display().to_string()),
                json_str(&webp.display().to_string()),
                webp_bytes.len(),
                json_str(&avif.display().to_string()),
                avif_bytes.len(),
            );
        }
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
