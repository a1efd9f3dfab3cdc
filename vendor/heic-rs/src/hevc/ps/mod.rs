//! Parameter sets: VPS, SPS and PPS.

pub mod pps;
pub mod ptl;
pub mod rps;
pub mod scaling;
pub mod sps;
mod sps_parse;
pub mod vps;
pub mod vui;

pub use pps::Pps;
pub use sps::Sps;
pub use sps_parse::parse as parse_sps;
pub use vps::Vps;
