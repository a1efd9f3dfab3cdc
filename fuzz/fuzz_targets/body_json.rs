//! application/json upload bodies (base64 or a data: URL), decoded by the server's own `portrait_api::upload`.
//!
//! The input is either raw JSON bytes or a file plus an encoding style serialised here; for the
//! styles that are valid by construction the decoded file must be exactly the original bytes.
#![no_main]

mod upload_oracle;
mod common;

use arbitrary::Arbitrary;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    Raw {
        charset: bool,
        body: Vec<u8>,
        max_upload: u16,
    },
    Built {
        file: Vec<u8>,
        style: Style,
        /// Media type written into a data: URL.
        media_type: String,
        /// Whitespace inserted into the base64 every `wrap` characters (0 = none).
        wrap: u8,
        /// Other keys beside the file, as JSON string values.
        extra: Vec<(String, String)>,
        max_upload: u16,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Style {
    Base64,
    DataUrl,
    /// No padding: the server's decoder requires canonical padding, so this must be a 400.
    Unpadded,
    UrlSafe,
    NotAString,
    WrongKey,
    TopLevelFile,
}

fn encode_with(style: Style, file: &[u8], media_type: &str, wrap: u8) -> serde_json::Value {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
    let mut b64 = match style {
        Style::Unpadded => STANDARD_NO_PAD.encode(file),
        Style::UrlSafe => URL_SAFE.encode(file),
        _ => STANDARD.encode(file),
    };
    if wrap > 0 {
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(usize::from(wrap))
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        b64 = wrapped.join("\r\n ");
    }
    match style {
        Style::DataUrl => serde_json::Value::String(format!("data:{media_type};base64,{b64}")),
        Style::NotAString => serde_json::json!([b64]),
        _ => serde_json::Value::String(b64),
    }
}

fuzz_target!(init: common::install_panic_policy(), |input: Input| {
    match input {
        Input::Raw {
            charset,
            body,
            max_upload,
        } => {
            let ct = if charset {
                "application/json; charset=utf-8"
            } else {
                "Application/JSON"
            };
            let _ = upload_oracle::decode(ct, body, u64::from(max_upload), None);
        }
        Input::Built {
            file,
            style,
            media_type,
            wrap,
            extra,
            max_upload,
        } => {
            let value = encode_with(style, &file, &media_type, wrap);
            let mut user = serde_json::Map::new();
            for (k, v) in extra {
                user.insert(k, serde_json::Value::String(v));
            }
            let key = match style {
                Style::WrongKey => "profile_photo",
                _ => "profile_photo_attachment_file",
            };
            user.insert(key.to_owned(), value.clone());
            let doc = match style {
                Style::TopLevelFile => serde_json::json!({ "profile_photo_attachment_file": value }),
                _ => serde_json::json!({ "user": user }),
            };
            let body = serde_json::to_vec(&doc).expect("serialisable");
            let max = u64::from(max_upload).max(1) * 16;
            let limit = max / 3 * 4 + 4096;
            let result = upload_oracle::decode("application/json", body.clone(), max, None);
            let valid = match style {
                Style::Base64 => true,
                // `data:<media type>;base64,<data>`: the media type ends at the first comma.
                Style::DataUrl => !media_type.contains(','),
                // URL-safe base64 is only accepted when it happens to use no `-` or `_`.
                Style::UrlSafe => {
                    let std = base64::engine::general_purpose::STANDARD.encode(&file);
                    !std.contains('+') && !std.contains('/')
                }
                _ => false,
            };
            let fits = file.len() as u64 <= max && body.len() as u64 <= limit;
            static VALID: common::Tally = common::Tally::new();
            VALID.record("valid JSON upload", valid && fits && !file.is_empty());
            match (&result, valid && fits && !file.is_empty()) {
                (Ok(upload), true) => assert_eq!(&upload.file[..], &file[..], "file bytes changed"),
                (Err(e), true) => panic!("valid JSON upload refused: {e:?}"),
                (Ok(_), false) => assert!(
                    matches!(style, Style::UrlSafe | Style::DataUrl | Style::Unpadded),
                    "accepted an upload it should refuse ({style:?})"
                ),
                (Err(_), false) => {}
            }
        }
    }
});
