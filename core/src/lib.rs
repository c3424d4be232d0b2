//! `canary-core`: the engine of fleet canary deployments for Letta.
//!
//! Pure functions parse and validate a fleet ([`fleet`]), turn it into a plan against a
//! snapshot of the server ([`plan`], [`live`]), and render that plan ([`render`]). Side effects
//! live only in the executor ([`execute`]), which talks to the server through the [`client`]
//! module's transport trait, so the same engine runs in the browser and natively in tests.

#![warn(missing_docs)]

pub mod canary;
pub mod chat;
pub mod client;
pub mod editor;
pub mod execute;
pub mod fleet;
pub mod history;
pub mod inspect;
#[cfg(feature = "js")]
pub mod js;
pub mod live;
pub mod plan;
pub mod planfile;
pub mod render;
pub mod verdict;
pub mod wording;
