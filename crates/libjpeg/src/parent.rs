//! The parent: one child per JPEG, its pixels or nothing.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use image::RgbImage;
use portrait_imaging::ForeignJpegDecoder;

use crate::protocol::{exit, Request, SUBCOMMAND};

/// libjpeg-turbo in a sandboxed child process (see the crate's documentation).
#[derive(Debug, Clone)]
pub struct Sandboxed {
    program: PathBuf,
    args: Vec<OsString>,
}

impl Sandboxed {
    /// Children are this executable run as `<it> __libjpeg-decode`: the server's own binary.
    pub fn this_executable() -> std::io::Result<Self> {
        Ok(Sandboxed {
            program: std::env::current_exe()?,
            args: vec![SUBCOMMAND.into()],
        })
    }

    /// Children are `program` run without arguments (this crate's `portrait-libjpeg`, or
    /// anything else speaking the protocol, for tests).
    pub fn program(program: impl Into<PathBuf>, args: &[&str]) -> Self {
        Sandboxed {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
        }
    }

    fn run(&self, jpeg: &[u8], request: Request) -> Result<Vec<u8>, String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        // The child reads all of its input before it writes, so writing first cannot deadlock;
        // a child that dies early makes the write fail, and `wait` says why.
        let fed = child.stdin.take().map(|mut stdin| {
            stdin
                .write_all(&request.header())
                .and_then(|()| stdin.write_all(jpeg))
        });
        let mut pixels = Vec::with_capacity(request.output_bytes());
        let read = child.stdout.take().map(|stdout| {
            stdout
                .take(request.output_bytes() as u64 + 1)
                .read_to_end(&mut pixels)
        });
        let status = child
            .wait()
            .map_err(|e| format!("cannot wait for the decoder: {e}"))?;
        match status.code() {
            Some(code) if code == i32::from(exit::DECODED) => {}
            Some(code) if code == i32::from(exit::DECLINED) => return Err(String::new()),
            Some(code) if code == i32::from(exit::CORRUPT) => return Err(String::new()),
            _ => return Err(format!("the decoder ended with {status}")),
        }
        if !matches!(fed, Some(Ok(()))) || !matches!(read, Some(Ok(_))) {
            return Err("the decoder's pipes failed".into());
        }
        if pixels.len() != request.output_bytes() {
            return Err(format!(
                "the decoder wrote {} bytes where {} were due",
                pixels.len(),
                request.output_bytes()
            ));
        }
        Ok(pixels)
    }
}

impl ForeignJpegDecoder for Sandboxed {
    fn decode(&self, jpeg: &[u8], scale: u32, width: u32, height: u32) -> Option<RgbImage> {
        let request = Request {
            scale,
            width,
            height,
        };
        match self.run(jpeg, request) {
            Ok(pixels) => {
                let (w, h) = request.output_size();
                RgbImage::from_raw(w, h, pixels)
            }
            Err(why) => {
                // Declined and corrupt files are routine (the Rust decoders take them); a
                // crash or a kill is worth a line, without anything of the file in it.
                if !why.is_empty() {
                    tracing::warn!(why, "sandboxed JPEG decoder failed; decoding in Rust");
                }
                None
            }
        }
    }
}
