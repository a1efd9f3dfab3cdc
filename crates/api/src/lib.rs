//! portrait's HTTP application: the Kantata OX Users API around Update Profile Photo.
//!
//! Handlers (`routes`) only translate between HTTP and the domain: the store
//! (`portrait_store`) and the photo service (`portrait_photos`). Errors are rendered in one
//! place (`error`), JSON bodies are typed in another (`views`, filled by `presenter`).

mod app;
mod auth;
pub mod config;
pub mod error;
mod middleware;
pub mod openapi;
mod page;
pub mod params;
pub mod photo_urls;
pub mod presenter;
mod routes;
mod serving;
pub mod state;
mod telemetry;
pub mod upload;
pub mod user_update;
pub mod views;

pub use app::Application;
pub use config::Config;
