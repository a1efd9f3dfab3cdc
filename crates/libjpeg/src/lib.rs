//! libjpeg-turbo's JPEG decoder (mozjpeg's build of it), run where it cannot hurt the server.
//!
//! The pure-Rust decoders take 2–4× libjpeg-turbo's time on the photos people upload
//! (progressive ones above all), and decoding is most of an upload's CPU. libjpeg-turbo is C,
//! so it never runs in the server: every JPEG goes to a fresh child process
//! (`portrait __libjpeg-decode`, the server's own executable) that shuts itself in before it
//! reads a byte: a seccomp filter that allows reading its input, writing its output, memory
//! calls and exiting (anything else kills it), and limits on CPU seconds and address space.
//! One process per upload, so a compromised decoder sees no other upload's pixels. Whenever
//! the child declines, fails, crashes or is killed, the caller decodes the file with the Rust
//! decoders instead, which also name what is wrong with a broken file.

mod child;
mod parent;
mod protocol;

pub use child::{child_main, decode_in_process, shut_in};
pub use parent::Sandboxed;
pub use protocol::SUBCOMMAND;
