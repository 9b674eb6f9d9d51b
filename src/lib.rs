//! ficbind turns raw story text into polished, valid EPUB books.
//!
//! Data flows one way through the stages:
//!
//! ```text
//! bytes ──decode──▶ text ──parse──▶ Story ──normalize──▶ Book ──export──▶ EPUB bytes
//! ```
//!
//! [`convert`] runs the first stages for one file and [`batch`] runs whole folders in
//! parallel and writes the books.

pub mod batch;
pub mod book;
pub mod check;
pub mod convert;
pub mod cover;
pub mod decode;
pub mod error;
pub mod export;
pub mod files;
pub mod incremental;
pub mod inline;
pub mod normalize;
pub mod outdir;
pub(crate) mod protected;
pub mod read;
pub mod sidecar;
pub mod story;
pub mod unzip;
pub mod words;

pub use error::Error;
