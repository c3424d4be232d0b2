//! The page's validation, kept with the text and files it was made of.
//!
//! The editor validates on every pause in typing; the Plan view needs the validated fleet of
//! the text as it is at the click. A parse + validate of 2,000 agents costs 150–250 ms in wasm,
//! so the Plan view reuses the editor's report when it is of the same text and files, and
//! validates again only when they changed since (a click within the editor's debounce).

use super::AppState;
use canary_core::fleet::{load_fleet, FileSet};
use leptos::prelude::*;

/// The text and files the page's report was made of.
pub struct Source {
    yaml: String,
    files: FileSet,
}

impl Source {
    /// The source of a report of `yaml` and `files`.
    pub fn of(yaml: &str, files: &FileSet) -> Source {
        Source {
            yaml: yaml.to_owned(),
            files: files.clone(),
        }
    }
}

impl AppState {
    /// Validates this text and these files and makes the result the page's report.
    pub fn validate(&self, yaml: &str, files: &FileSet) {
        let report = load_fleet(yaml, files);
        self.validated.set_value(Some(Source::of(yaml, files)));
        self.report.set(report);
    }

    /// Validates the page's text and files as they are now.
    pub fn validate_now(&self) {
        self.yaml
            .with_untracked(|y| self.files.with_untracked(|f| self.validate(y, f)));
    }

    /// Makes the page's report that of its text and files as they are now, validating only
    /// when the last validation was of something else.
    pub fn ensure_validated(&self) {
        let current = self.yaml.with_untracked(|y| {
            self.files.with_untracked(|f| {
                self.validated
                    .with_value(|v| v.as_ref().is_some_and(|s| s.yaml == *y && s.files == *f))
            })
        });
        if !current {
            self.validate_now();
        }
    }
}
