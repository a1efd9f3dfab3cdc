//! The child: shut in first, then read the request, decode, write the pixels, exit.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use mozjpeg::{ColorSpace, Decompress};
use mozjpeg_sys::jpeg_common_struct;
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

use crate::protocol::{exit, Request};

/// CPU seconds the child may use: a 100 MP progressive photo takes about one.
const CPU_SECONDS: u64 = 10;
/// Address space: the executable, the input, libjpeg's coefficient buffers for the largest
/// accepted progressive frame and the output.
const ADDRESS_SPACE_BYTES: u64 = 2 << 30;

/// Runs the child's side of the protocol; its exit code says how it went.
pub fn child_main() -> ExitCode {
    if let Err(error) = shut_in() {
        eprintln!("portrait-libjpeg: cannot set up the sandbox: {error}");
        return ExitCode::from(exit::NO_SANDBOX);
    }
    let mut input = Vec::new();
    if std::io::stdin().lock().read_to_end(&mut input).is_err() {
        return ExitCode::from(exit::BAD_REQUEST);
    }
    let Some((request, jpeg)) = Request::parse(&input) else {
        return ExitCode::from(exit::BAD_REQUEST);
    };
    // libjpeg's errors unwind out of it as panics (mozjpeg-sys is built for that).
    let decoded = std::panic::catch_unwind(|| decode(jpeg, request)).unwrap_or(Err(exit::CORRUPT));
    match decoded {
        Ok(pixels) => match std::io::stdout().lock().write_all(&pixels) {
            Ok(()) => ExitCode::from(exit::DECODED),
            Err(_) => ExitCode::from(exit::BAD_REQUEST),
        },
        Err(code) => ExitCode::from(code),
    }
}

/// The child's decoding without the child, for the `jpeg` fuzz target: libjpeg-turbo on
/// `jpeg` in this process. Never for uploads.
#[doc(hidden)]
pub fn decode_in_process(jpeg: &[u8], scale: u32, width: u32, height: u32) -> Option<Vec<u8>> {
    let request = Request {
        scale,
        width,
        height,
    };
    WARNED.store(false, Ordering::Relaxed);
    std::panic::catch_unwind(|| decode(jpeg, request))
        .ok()?
        .ok()
}

fn decode(jpeg: &[u8], request: Request) -> Result<Vec<u8>, u8> {
    let decompress = Decompress::with_err(error_manager())
        .from_mem(jpeg)
        .map_err(|_| exit::CORRUPT)?;
    let ycbcr = decompress.color_space() == ColorSpace::JCS_YCbCr;
    if !ycbcr || decompress.components().len() != 3 {
        return Err(exit::DECLINED);
    }
    if decompress.size() != (request.width as usize, request.height as usize) {
        return Err(exit::CORRUPT);
    }
    let mut decompress = decompress;
    decompress.scale(u8::try_from(8 / request.scale).map_err(|_| exit::BAD_REQUEST)?);
    let mut started = decompress.rgb().map_err(|_| exit::CORRUPT)?;
    let (w, h) = request.output_size();
    if (started.width(), started.height()) != (w as usize, h as usize) {
        return Err(exit::CORRUPT);
    }
    let pixels = started.read_scanlines::<u8>().map_err(|_| exit::CORRUPT)?;
    started.finish().map_err(|_| exit::CORRUPT)?;
    if WARNED.load(Ordering::Relaxed) || pixels.len() != request.output_bytes() {
        return Err(exit::CORRUPT);
    }
    Ok(pixels)
}

/// Set by libjpeg's warnings (corrupt entropy data, a premature end), which it otherwise
/// papers over with grey: the Rust decoders refuse those files, and so must this one.
static WARNED: AtomicBool = AtomicBool::new(false);

#[allow(unsafe_code)] // libjpeg's error manager is a C struct of callbacks
fn error_manager() -> mozjpeg_sys::jpeg_error_mgr {
    // SAFETY: jpeg_error_mgr is plain data (integers, pointers, optional function pointers),
    // for which all-zero is valid, and jpeg_std_error fills in every field it needs.
    let mut manager: mozjpeg_sys::jpeg_error_mgr = unsafe { std::mem::zeroed() };
    // SAFETY: `manager` is a valid, exclusively borrowed jpeg_error_mgr.
    unsafe { mozjpeg_sys::jpeg_std_error(&mut manager) };
    manager.error_exit = Some(fail);
    manager.emit_message = Some(note_warning);
    manager
}

extern "C-unwind" fn fail(_: &mut jpeg_common_struct) {
    std::panic::resume_unwind(Box::new("libjpeg error"));
}

extern "C-unwind" fn note_warning(_: &mut jpeg_common_struct, level: std::ffi::c_int) {
    if level < 0 {
        WARNED.store(true, Ordering::Relaxed);
    }
}

/// Limits first (they also bound a decoder that the filter would let loop), then a seccomp
/// filter that kills the process on any system call outside what decoding from stdin to
/// stdout needs. Nothing allowed can wait for long (no futex, no sleep): once the parent has
/// closed stdin and stops reading stdout, a child either works, bounded by its CPU limit, or
/// ends.
pub fn shut_in() -> Result<(), Box<dyn std::error::Error>> {
    use rustix::process::{setrlimit, Resource, Rlimit};
    let limit = |bound: u64, slack: u64| Rlimit {
        current: Some(bound),
        maximum: Some(bound + slack),
    };
    setrlimit(Resource::Cpu, limit(CPU_SECONDS, 1))?;
    setrlimit(Resource::As, limit(ADDRESS_SPACE_BYTES, 0))?;
    setrlimit(Resource::Fsize, limit(0, 0))?;
    setrlimit(Resource::Nofile, limit(3, 0))?;
    let allowed = [
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_brk,
        libc::SYS_madvise,
        libc::SYS_sigaltstack,
        libc::SYS_rt_sigreturn,
        libc::SYS_rt_sigprocmask,
        libc::SYS_close,
        libc::SYS_exit,
        libc::SYS_exit_group,
    ];
    let rules = allowed
        .into_iter()
        .map(|call| (call, Vec::new()))
        .collect::<BTreeMap<_, _>>();
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        arch,
    )?;
    let program: BpfProgram = filter.try_into()?;
    seccompiler::apply_filter(&program)?;
    Ok(())
}
