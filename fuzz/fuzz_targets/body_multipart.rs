//! multipart/form-data upload bodies, decoded by the server's own `portrait_api::upload`.
//!
//! The input is either a raw Content-Type and body, or a structured request (boundary, parts with
//! names, filenames, content types and extra headers, preamble/epilogue, truncation, junk) that
//! is serialised here. For structured requests that are well-formed by construction, the decoded
//! file must be exactly the bytes of the one file part (an oracle, not only "does not panic").
#![no_main]

mod upload_oracle;
mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

const FILE_PART: &str = "user[profile_photo_attachment_file]";

#[derive(Arbitrary, Debug)]
enum Input {
    Raw {
        content_type: String,
        body: Vec<u8>,
        max_upload: u16,
    },
    Built(Request),
}

#[derive(Arbitrary, Debug)]
struct Request {
    boundary: String,
    /// How the Content-Type header is written.
    header_style: u8,
    preamble: Vec<u8>,
    parts: Vec<Part>,
    epilogue: Vec<u8>,
    /// Cut the serialised body to this length.
    truncate: Option<u16>,
    /// Bytes spliced into the body at a position.
    junk: Option<(u16, Vec<u8>)>,
    /// Crop values given in the query string instead.
    query: Option<(String, String, String)>,
    max_upload: u16,
}

#[derive(Arbitrary, Debug)]
struct Part {
    name: Name,
    filename: Option<String>,
    content_type: Option<String>,
    extra_headers: Vec<(String, String)>,
    /// LF instead of CRLF line ends in this part's headers.
    bare_lf: bool,
    data: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum Name {
    File,
    CropX,
    CropY,
    CropW,
    Other(String),
    Missing,
}

impl Name {
    fn as_str(&self) -> Option<&str> {
        match self {
            Name::File => Some(FILE_PART),
            Name::CropX => Some("crop_x"),
            Name::CropY => Some("crop_y"),
            Name::CropW => Some("crop_w"),
            Name::Other(s) => Some(s),
            Name::Missing => None,
        }
    }
}

fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.[] ".contains(&b))
}

/// A boundary that RFC 2046 allows and that needs no quoting in the header when `quoted` is false.
fn boundary_ok(b: &str, quoted: bool) -> bool {
    let specials: &[u8] = if quoted { b"'()+_,-./:=?" } else { b"'+_-." };
    (1..=70).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || specials.contains(&c))
}

fn content_type(r: &Request) -> String {
    let b = &r.boundary;
    match r.header_style % 6 {
        0 => format!("multipart/form-data; boundary={b}"),
        1 => format!("multipart/form-data; boundary=\"{b}\""),
        2 => format!("Multipart/Form-Data; charset=utf-8; boundary={b}"),
        3 => format!("multipart/form-data;boundary={b};x=y"),
        4 => "multipart/form-data".to_owned(),
        _ => format!("multipart/mixed; boundary={b}"),
    }
}

fn serialise(r: &Request) -> Vec<u8> {
    let mut body = r.preamble.clone();
    if !body.is_empty() {
        body.extend_from_slice(b"\r\n");
    }
    for part in &r.parts {
        let eol: &[u8] = if part.bare_lf { b"\n" } else { b"\r\n" };
        body.extend_from_slice(format!("--{}", r.boundary).as_bytes());
        body.extend_from_slice(b"\r\n");
        let mut disposition = "Content-Disposition: form-data".to_owned();
        if let Some(name) = part.name.as_str() {
            disposition.push_str(&format!("; name=\"{name}\""));
        }
        if let Some(f) = &part.filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(eol);
        if let Some(ct) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}").as_bytes());
            body.extend_from_slice(eol);
        }
        for (k, v) in &part.extra_headers {
            body.extend_from_slice(format!("{k}: {v}").as_bytes());
            body.extend_from_slice(eol);
        }
        body.extend_from_slice(eol);
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{}--\r\n", r.boundary).as_bytes());
    body.extend_from_slice(&r.epilogue);
    if let Some((at, junk)) = &r.junk {
        let at = usize::from(*at).min(body.len());
        body.splice(at..at, junk.iter().copied());
    }
    if let Some(len) = r.truncate {
        body.truncate(usize::from(len));
    }
    body
}

/// True when `r` is a valid request by construction, so the server must accept exactly the bytes
/// of its single file part (or say it is empty).
fn well_formed(r: &Request) -> bool {
    let delimiter = format!("\r\n--{}", r.boundary);
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let files = r
        .parts
        .iter()
        .filter(|p| matches!(p.name, Name::File))
        .count();
    boundary_ok(&r.boundary, r.header_style % 6 == 1)
        && r.header_style % 6 < 4
        && r.truncate.is_none()
        && r.junk.is_none()
        && r.query.is_none()
        && files == 1
        // Only the file part: crop fields have their own rules (and must parse as numbers).
        && r.parts.len() == 1
        && r.preamble.is_empty()
        && !contains(&r.epilogue, format!("--{}", r.boundary).as_bytes())
        && r.parts.iter().all(|p| {
            let data_ok = !contains(&p.data, delimiter.as_bytes())
                && !contains(&[b"\r\n".as_slice(), &p.data].concat(), delimiter.as_bytes());
            data_ok
                && !p.bare_lf
                && p.filename.as_deref().is_none_or(plain)
                && p.content_type.as_deref().is_none_or(|c| plain(c) || c.contains('/') && c.bytes().all(|b| b.is_ascii_graphic()))
                // multer (httparse) reads at most 32 headers a part and refuses more with 400.
                && p.extra_headers.len() + 2 <= 32
                && p.extra_headers.iter().all(|(k, v)| {
                    !k.is_empty()
                        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !k.eq_ignore_ascii_case("content-disposition")
                        && !k.eq_ignore_ascii_case("content-type")
                        && v.bytes().all(|b| b.is_ascii_graphic())
                })
        })
}

fuzz_target!(init: common::install_panic_policy(), |input: Input| {
    match input {
        Input::Raw {
            content_type,
            body,
            max_upload,
        } => {
            let _ = upload_oracle::decode(&content_type, body, u64::from(max_upload), None);
        }
        Input::Built(r) => {
            let body = serialise(&r);
            let query = r.query.as_ref().map(|(x, y, w)| format!("crop_x={x}&crop_y={y}&crop_w={w}"));
            let max = u64::from(r.max_upload).max(1) * 16;
            let result = upload_oracle::decode(&content_type(&r), body.clone(), max, query.as_deref());
            static WELL_FORMED: common::Tally = common::Tally::new();
            WELL_FORMED.record("well-formed multipart", well_formed(&r));
            if well_formed(&r) {
                let data = &r.parts[0].data;
                // The whole stream may be 64 KiB over the file limit; the body itself not.
                let fits = data.len() as u64 <= max && body.len() as u64 <= max;
                match result {
                    Ok(upload) => {
                        assert_eq!(&upload.file[..], &data[..], "file bytes changed");
                        assert!(upload.crop.is_none());
                    }
                    Err(e) => assert!(
                        data.is_empty() || !fits,
                        "well-formed upload of {} bytes (body {}, limit {max}) refused: {e:?}",
                        data.len(),
                        body.len()
                    ),
                }
            }
        }
    }
});
