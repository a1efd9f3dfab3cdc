//! The process allocator: glibc's, tuned for photo-sized buffers.
//!
//! Image work runs on blocking-pool threads; glibc gives each thread its own malloc arena
//! and keeps freed photo buffers in it, so under steady uploads RSS settled near 400 MiB
//! (scripts/soak.py, 2 cores). Two arenas keep it near 150 MiB at the same throughput;
//! mimalloc, tried too, stayed near 280 MiB. glibc's mmap threshold also grows after the
//! first large free (up to 32 MiB), after which photo buffers stay in the arenas: 16
//! concurrent uploads of a 13 MP photo peaked at 270-325 MB. A fixed 4 MiB threshold keeps
//! that at 180-187 MB, but then every decoded image and resize buffer is a fresh mapping
//! that the kernel faults in 4 KiB at a time: 19,500 faults and a quarter of the server's
//! CPU for a 10 MP upload. Those mappings are therefore asked for as transparent huge pages,
//! one fault per 2 MiB. Figures and commands in BENCHMARKS.md.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations from this size up get their own mapping, returned to the kernel when freed.
const MMAP_THRESHOLD_BYTES: usize = 4 * 1024 * 1024;
const HUGE_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// glibc's allocator, with photo-sized allocations on transparent huge pages.
pub struct PhotoAllocator;

#[allow(unsafe_code)] // an allocator is unsafe by definition; it only forwards to System
                      // SAFETY: every call is forwarded to `System` with the caller's own arguments; `advise` only
                      // adds a paging hint to memory the call has just handed out.
unsafe impl GlobalAlloc for PhotoAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        advise(System.alloc(layout), layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        advise(System.alloc_zeroed(layout), layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        advise(System.realloc(ptr, layout, new_size), new_size)
    }
}

/// Asks for huge pages on the whole 2 MiB pages inside a large allocation. A hint: the
/// kernel may ignore it, and the memory is the same either way.
#[allow(unsafe_code)]
fn advise(ptr: *mut u8, size: usize) -> *mut u8 {
    #[cfg(target_os = "linux")]
    if size >= MMAP_THRESHOLD_BYTES && !ptr.is_null() {
        let start = (ptr as usize).next_multiple_of(HUGE_PAGE_BYTES);
        let end = (ptr as usize + size) / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES;
        if end > start {
            // SAFETY: [start, end) lies inside the allocation just returned to us; MADV_HUGEPAGE
            // changes how it is paged in, never its contents.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    ptr
}

/// Two arenas and the fixed mmap threshold (above); called before any other thread exists.
#[allow(unsafe_code)] // mallopt is a C function; there is no safe binding
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES as i32);
    }
}
