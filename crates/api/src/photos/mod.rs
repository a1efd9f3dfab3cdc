//! Profile photos as a domain: where their blobs live, how uploads are processed, stored and
//! swapped in, and how unreferenced blobs are swept.

pub mod cache;
pub mod gc;
pub mod keys;
pub mod queue;
pub mod update;
