//! The page at `/`: its headers over plain HTTP, and everything else in real headless
//! Chromium (skipped where there is none, unless `PORTRAIT_REQUIRE_BROWSER=1`).

mod browser;
mod decoding;
mod headers;
mod layout;
mod people;
mod reset;
mod sign_in;
mod ssim;
mod upload;
