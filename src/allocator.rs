//! The process allocator: glibc's, with photo-sized buffers recycled.
//!
//! Image work runs on blocking-pool threads; glibc gives each thread its own malloc arena
//! and keeps freed photo buffers in it, so under steady uploads RSS settled near 400 MiB
//! (scripts/soak.py, 2 cores). Two arenas keep it near 150 MiB at the same throughput;
//! mimalloc, tried too, stayed near 280 MiB. glibc's mmap threshold also grows after the
//! first large free (up to 32 MiB), after which photo buffers stay in the arenas: 16
//! concurrent uploads of a 13 MP photo peaked at 270-325 MB. Hence two arenas, and buffers
//! of [`LARGE_BYTES`] and more (decoded images, coefficient planes, resize and encoder
//! buffers) in mappings of their own.
//!
//! A fresh mapping is faulted in by the kernel 4 KiB at a time: 8,000-23,000 faults and a
//! tenth to a fifth of the server's CPU per upload. So freed mappings are kept in a small
//! bin and handed to the next request they fit, already faulted in, as long as all
//! photo-sized memory (in use and binned) stays within [`RECYCLE_LIMIT_BYTES`]; a fresh
//! mapping that would go past it first unmaps binned ones. The bin holds memory only while
//! uploads leave room for it, so under load the peak is what it would be without it. (Huge
//! pages were tried instead, and raised that peak.) Figures in BENCHMARKS.md.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations from this size up get mappings of their own.
pub const LARGE_BYTES: usize = 1024 * 1024;
/// Photo-sized memory (in use and binned) up to which freed mappings are kept for reuse.
pub const RECYCLE_LIMIT_BYTES: usize = 96 * 1024 * 1024;

/// Two arenas and the mmap threshold (above); called before any other thread exists.
#[allow(unsafe_code)] // mallopt is a C function; there is no safe binding
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BYTES as i32);
    }
}

/// glibc's allocator for everything below [`LARGE_BYTES`]; recycled mappings above it.
pub struct PhotoAllocator;

// SAFETY: small allocations are forwarded to `System` with the caller's own arguments; large
// ones are whole mappings that `linux` hands out and takes back whole (see there).
#[allow(unsafe_code)] // an allocator is unsafe by definition
unsafe impl GlobalAlloc for PhotoAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if linux::is_large(layout) {
            return linux::alloc(layout.size(), false);
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if linux::is_large(layout) {
            return linux::alloc(layout.size(), true);
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(target_os = "linux")]
        if linux::is_large(layout) {
            return linux::dealloc(ptr);
        }
        System.dealloc(ptr, layout);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        #[cfg(target_os = "linux")]
        {
            let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                return std::ptr::null_mut();
            };
            match (linux::is_large(layout), linux::is_large(new_layout)) {
                (false, false) => {}
                (true, true) => return linux::reallocate(ptr, new_size),
                _ => {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    return moved;
                }
            }
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    use std::alloc::Layout;
    use std::sync::{Mutex, MutexGuard};

    use super::{LARGE_BYTES, RECYCLE_LIMIT_BYTES};

    /// Each mapping starts with a page that records its length; the caller's bytes follow it,
    /// page-aligned.
    const PAGE: usize = 4096;
    /// A binned mapping serves a request of at least half its length, so a small buffer does
    /// not pin a large one.
    const MAX_SLACK_FACTOR: usize = 2;

    pub fn is_large(layout: Layout) -> bool {
        layout.size() >= LARGE_BYTES && layout.align() <= PAGE
    }

    /// A mapping: its start and its length in bytes, header page included.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Mapping {
        pub start: usize,
        pub len: usize,
    }

    /// How many freed mappings are kept at most.
    const SLOTS: usize = 32;

    /// Freed mappings kept for reuse, and the bytes of all mappings (in use and binned).
    #[derive(Debug)]
    pub struct Bin {
        slots: [Option<Mapping>; SLOTS],
        /// Bytes of every live or binned mapping.
        mapped: usize,
        limit: usize,
    }

    impl Bin {
        pub const fn new(limit: usize) -> Self {
            Self {
                slots: [None; SLOTS],
                mapped: 0,
                limit,
            }
        }

        /// The smallest binned mapping that holds `len` bytes without too much slack.
        pub fn take(&mut self, len: usize) -> Option<Mapping> {
            let fits = |have: usize| have >= len && have <= len.saturating_mul(MAX_SLACK_FACTOR);
            let slot = self
                .slots
                .iter_mut()
                .filter(|slot| slot.is_some_and(|m| fits(m.len)))
                .min_by_key(|slot| slot.map_or(usize::MAX, |m| m.len))?;
            slot.take()
        }

        /// Counts a fresh mapping of `len` bytes, and returns the binned mappings to unmap so
        /// that the total stays within the limit (as far as binned memory allows).
        pub fn admit_fresh(&mut self, len: usize) -> [Option<Mapping>; SLOTS] {
            let mut evicted = [None; SLOTS];
            for (slot, out) in self.slots.iter_mut().zip(&mut evicted) {
                if self.mapped + len <= self.limit {
                    break;
                }
                *out = slot.take();
                self.mapped -= out.map_or(0, |m| m.len);
            }
            self.mapped += len;
            evicted
        }

        /// Takes back a freed mapping: binned when the total is within the limit and a slot
        /// is free, else handed back to be unmapped.
        pub fn release(&mut self, mapping: Mapping) -> Option<Mapping> {
            if self.mapped <= self.limit {
                if let Some(slot) = self.slots.iter_mut().find(|slot| slot.is_none()) {
                    *slot = Some(mapping);
                    return None;
                }
            }
            self.mapped -= mapping.len;
            Some(mapping)
        }

        /// Records that a live mapping changed length (moved by `mremap`, or never mapped).
        pub fn relength(&mut self, from: usize, to: usize) {
            self.mapped = self.mapped - from + to;
        }

        #[cfg(test)]
        fn binned(&self) -> usize {
            self.slots.iter().flatten().map(|m| m.len).sum()
        }
    }

    static BIN: Mutex<Bin> = Mutex::new(Bin::new(RECYCLE_LIMIT_BYTES));

    fn bin() -> MutexGuard<'static, Bin> {
        // The lock guards plain numbers, valid even if a holder panicked.
        BIN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn mapping_len(size: usize) -> Option<usize> {
        size.checked_add(2 * PAGE - 1).map(|n| n / PAGE * PAGE)
    }

    /// # Safety
    /// `size` ≥ [`LARGE_BYTES`]; the result is freed with [`dealloc`] only.
    pub unsafe fn alloc(size: usize, zeroed: bool) -> *mut u8 {
        let Some(len) = mapping_len(size) else {
            return std::ptr::null_mut();
        };
        let mut kept = bin();
        if let Some(mapping) = kept.take(len) {
            drop(kept);
            // SAFETY: taken out of the bin, so ours alone.
            let data = unsafe { hand_out(mapping) };
            if zeroed {
                // SAFETY: the mapping holds `size` bytes after its header page.
                unsafe { std::ptr::write_bytes(data, 0, size) };
            }
            return data;
        }
        let evicted = kept.admit_fresh(len);
        drop(kept);
        evicted.into_iter().flatten().for_each(unmap);
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let start = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            bin().relength(len, 0);
            return std::ptr::null_mut();
        }
        // SAFETY: just mapped.
        unsafe {
            hand_out(Mapping {
                start: start as usize,
                len,
            })
        }
    }

    /// # Safety
    /// `data` came from [`alloc`] or [`reallocate`] and is not used again.
    pub unsafe fn dealloc(data: *mut u8) {
        // SAFETY: as the caller promises, `data` follows the header page of one of our mappings.
        let mapping = unsafe { taken_back(data) };
        let refused = bin().release(mapping);
        if let Some(mapping) = refused {
            unmap(mapping);
        }
    }

    /// # Safety
    /// As [`dealloc`] for `data`; `new_size` ≥ [`LARGE_BYTES`].
    pub unsafe fn reallocate(data: *mut u8, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller promises, `data` follows the header page of one of our mappings.
        let mapping = unsafe { taken_back(data) };
        let Some(len) = mapping_len(new_size) else {
            return std::ptr::null_mut();
        };
        if len == mapping.len {
            return data;
        }
        // SAFETY: the whole mapping grows, shrinks or moves as one; its contents come along.
        let start = unsafe {
            libc::mremap(
                mapping.start as *mut libc::c_void,
                mapping.len,
                len,
                libc::MREMAP_MAYMOVE,
            )
        };
        if start == libc::MAP_FAILED {
            // The old mapping is untouched and still the caller's.
            return std::ptr::null_mut();
        }
        bin().relength(mapping.len, len);
        // SAFETY: the mapping as `mremap` left it, still the caller's alone.
        unsafe {
            hand_out(Mapping {
                start: start as usize,
                len,
            })
        }
    }

    /// Writes the mapping's length into its header page and returns the caller's bytes.
    ///
    /// # Safety
    /// `mapping` is a live mapping of ours that nobody else holds.
    unsafe fn hand_out(mapping: Mapping) -> *mut u8 {
        let header = mapping.start as *mut usize;
        // SAFETY: the header page is ours, writable and aligned for a usize.
        unsafe { header.write(mapping.len) };
        (mapping.start + PAGE) as *mut u8
    }

    /// # Safety
    /// `data` was returned by [`hand_out`].
    unsafe fn taken_back(data: *mut u8) -> Mapping {
        let start = data as usize - PAGE;
        // SAFETY: `hand_out` wrote the length there.
        let len = unsafe { (start as *const usize).read() };
        Mapping { start, len }
    }

    fn unmap(mapping: Mapping) {
        // SAFETY: the mapping is no longer handed out nor binned.
        unsafe { libc::munmap(mapping.start as *mut libc::c_void, mapping.len) };
    }

    #[cfg(test)]
    mod tests {
        use std::alloc::{GlobalAlloc, Layout};

        use super::super::PhotoAllocator;
        use super::{Bin, Mapping, SLOTS};

        const MIB: usize = 1024 * 1024;

        fn mapping(start: usize, mib: usize) -> Mapping {
            Mapping {
                start,
                len: mib * MIB,
            }
        }

        #[test]
        fn a_freed_mapping_serves_the_smallest_request_it_fits_without_much_slack() {
            let mut bin = Bin::new(100 * MIB);
            for (start, mib) in [(1, 8), (2, 12), (3, 40)] {
                assert!(bin.admit_fresh(mib * MIB).iter().all(Option::is_none));
                assert_eq!(bin.release(mapping(start, mib)), None);
            }
            assert_eq!(bin.take(10 * MIB), Some(mapping(2, 12)));
            assert_eq!(
                bin.take(10 * MIB),
                None,
                "8 is too small and 40 has too much slack"
            );
            assert_eq!(bin.take(7 * MIB), Some(mapping(1, 8)));
            assert_eq!(bin.take(20 * MIB), Some(mapping(3, 40)));
            assert_eq!(bin.binned(), 0);
        }

        #[test]
        fn fresh_mappings_past_the_limit_unmap_binned_ones_first() {
            let mut bin = Bin::new(64 * MIB);
            bin.admit_fresh(30 * MIB);
            bin.admit_fresh(30 * MIB);
            assert_eq!(bin.release(mapping(1, 30)), None);
            assert_eq!(bin.release(mapping(2, 30)), None);
            let evicted = bin.admit_fresh(20 * MIB);
            let evicted: Vec<_> = evicted.into_iter().flatten().collect();
            assert_eq!(
                evicted,
                [mapping(1, 30)],
                "one is enough to stay within 64 MiB"
            );
            assert_eq!(bin.mapped, 50 * MIB);
            assert_eq!(bin.binned(), 30 * MIB);
        }

        #[test]
        fn nothing_is_binned_while_memory_in_use_is_over_the_limit() {
            let mut bin = Bin::new(64 * MIB);
            for _ in 0..3 {
                bin.admit_fresh(30 * MIB);
            }
            assert_eq!(bin.release(mapping(1, 30)), Some(mapping(1, 30)));
            assert_eq!(bin.mapped, 60 * MIB);
            assert_eq!(bin.release(mapping(2, 30)), None, "within the limit again");
            assert_eq!(bin.binned(), 30 * MIB);
        }

        #[test]
        fn a_full_bin_hands_mappings_back() {
            let mut bin = Bin::new(usize::MAX);
            for start in 0..=SLOTS {
                bin.admit_fresh(4 * MIB);
                let refused = bin.release(mapping(start, 4));
                assert_eq!(refused.is_some(), start == SLOTS);
            }
        }

        /// Through the allocator itself: zeroed memory is zeroed even when it is a recycled
        /// mapping that held other bytes, and contents survive growth and shrinking.
        #[test]
        #[allow(unsafe_code)]
        fn large_allocations_come_zeroed_when_asked_and_keep_contents_when_resized() {
            let size = 6 * MIB;
            let layout = |size| Layout::from_size_align(size, 64).unwrap();
            // SAFETY: each allocation is checked, used within its size and freed once with
            // the layout it has at that point.
            unsafe {
                for _ in 0..3 {
                    let dirty = PhotoAllocator.alloc(layout(size));
                    assert!(!dirty.is_null());
                    std::ptr::write_bytes(dirty, 0xA5, size);
                    PhotoAllocator.dealloc(dirty, layout(size));
                    let zeroed = PhotoAllocator.alloc_zeroed(layout(size));
                    assert!(!zeroed.is_null());
                    assert!(std::slice::from_raw_parts(zeroed, size)
                        .iter()
                        .all(|&b| b == 0));
                    PhotoAllocator.dealloc(zeroed, layout(size));
                }

                let data = PhotoAllocator.alloc(layout(size));
                assert!(!data.is_null());
                std::ptr::write_bytes(data, 0xA5, size);
                let grown = PhotoAllocator.realloc(data, layout(size), 3 * size);
                assert!(!grown.is_null());
                assert!(std::slice::from_raw_parts(grown, size)
                    .iter()
                    .all(|&b| b == 0xA5));
                let smaller = PhotoAllocator.realloc(grown, layout(3 * size), 2 * size);
                assert!(!smaller.is_null());
                assert!(std::slice::from_raw_parts(smaller, size)
                    .iter()
                    .all(|&b| b == 0xA5));
                let shrunk = PhotoAllocator.realloc(smaller, layout(2 * size), 1000);
                assert!(!shrunk.is_null());
                assert!(std::slice::from_raw_parts(shrunk, 1000)
                    .iter()
                    .all(|&b| b == 0xA5));
                PhotoAllocator.dealloc(shrunk, layout(1000));
            }
        }
    }
}
