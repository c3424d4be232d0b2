//! One module per view.

pub mod canaries;
pub mod chat;
pub mod connect;
pub mod diff;
pub mod editor;
pub mod file_picker;
pub mod fleet;
pub mod history;
pub mod next_step;
pub mod plan;
pub mod plan_file;
pub mod run;
pub mod test;
