// `include!`d at the root of each body target: the `crate::config`, `crate::error` and
// `crate::params` paths that crates/api/src/routes/profile_photo/body.rs uses.
mod config {
    pub use portrait_api::config::Limits;
}
mod error {
    pub use portrait_api::error::ApiError;
}
mod params {
    pub use portrait_api::params::QueryPairs;
}
