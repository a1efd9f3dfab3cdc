//! What the photo service reports through the `metrics` facade; the server picks the exporter.
//! Names follow Prometheus' conventions: base units (`_seconds`, `_bytes`), `_total` counters.

use std::time::Duration;

use portrait_imaging::Stats;

use crate::error::PhotoError;

/// Whole uploads, from admission to swap, by outcome ([`PhotoError::kind`] or `ok`).
pub const UPLOAD_SECONDS: &str = "portrait_upload_duration_seconds";
/// Each stage of an upload, by `stage` ([`Stage::name`]).
pub const STAGE_SECONDS: &str = "portrait_upload_stage_duration_seconds";
/// Decoded uploads, by the `decoder` that gave their pixels ([`portrait_imaging::Decoder::name`]).
pub const DECODES: &str = "portrait_decodes_total";
/// Rendition reads answered from memory, and those that went to the blob store.
pub const CACHE_HITS: &str = "portrait_rendition_cache_hits_total";
pub const CACHE_MISSES: &str = "portrait_rendition_cache_misses_total";

/// The stages of an upload, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for decode memory and a worker once admitted.
    AdmissionWait,
    /// Reading the request body (recorded by the HTTP layer).
    BodyRead,
    /// Probing and decoding, without the colour conversion.
    Decode,
    Colour,
    /// Choosing the default square (faces, saliency).
    Crop,
    /// Resizing and encoding, summed over the threads that render.
    Resize,
    Encode,
    BlobWrites,
    /// The one statement that points the user at the new photo.
    Swap,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Self::AdmissionWait => "admission_wait",
            Self::BodyRead => "body_read",
            Self::Decode => "decode",
            Self::Colour => "colour",
            Self::Crop => "crop",
            Self::Resize => "resize",
            Self::Encode => "encode",
            Self::BlobWrites => "blob_writes",
            Self::Swap => "swap",
        }
    }
}

pub fn record_stage(stage: Stage, took: Duration) {
    metrics::histogram!(STAGE_SECONDS, "stage" => stage.name()).record(took.as_secs_f64());
}

pub(crate) fn record_image_stages(stats: &Stats) {
    metrics::counter!(DECODES, "decoder" => stats.decoder.name()).increment(1);
    record_stage(
        Stage::Decode,
        stats.decode_time.saturating_sub(stats.colour_time),
    );
    record_stage(Stage::Colour, stats.colour_time);
    record_stage(Stage::Crop, stats.crop_time);
    record_stage(Stage::Resize, stats.resize_time);
    record_stage(Stage::Encode, stats.encode_time);
}

pub(crate) fn record_upload<T>(took: Duration, result: &Result<T, PhotoError>) {
    let outcome = result.as_ref().err().map_or("ok", PhotoError::kind);
    metrics::histogram!(UPLOAD_SECONDS, "outcome" => outcome).record(took.as_secs_f64());
}

pub(crate) fn record_cache(hit: bool) {
    let name = if hit { CACHE_HITS } else { CACHE_MISSES };
    metrics::counter!(name).increment(1);
}
