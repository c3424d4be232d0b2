//! Autosaved drafts: the fleet being edited is kept in localStorage (half a second after the
//! last change) and restored on reload, with a notice and a way to discard it. A fleet equal to
//! the built-in example is no draft. Files go with the YAML while they fit in the storage.

use crate::state::AppState;
use canary_core::fleet::FileSet;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

const KEY: &str = "fleet-canary.draft";

#[derive(Serialize, Deserialize)]
struct Draft {
    yaml: String,
    #[serde(default)]
    files: Option<FileSet>,
    /// Milliseconds since the epoch.
    saved: f64,
}

/// What a load replaced, for its Undo.
#[derive(Clone)]
pub struct Undo {
    /// What the load did, for the toast.
    pub what: String,
    /// The text before it.
    pub yaml: String,
    /// The files before it.
    pub files: FileSet,
}

/// The fleet view's state that outlives the view (a view may be rebuilt at any time): the
/// restore notice, shown until dismissed or discarded, and the last load's Undo.
#[derive(Clone, Copy)]
pub struct EditorMemory {
    /// The restored-draft notice.
    pub notice: RwSignal<Option<String>>,
    /// The last load's Undo, until the next edit.
    pub undo: RwSignal<Option<Undo>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Restores a saved draft into the state, keeps saving every change and provides
/// [`EditorMemory`]. Call once, at start.
pub fn install(state: AppState) {
    let notice = RwSignal::new(None);
    let draft: Option<Draft> = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|s| serde_json::from_str(&s).ok());
    if let Some(d) = draft {
        let when = js_sys::Date::new(&d.saved.into())
            .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default();
        let kept_files = d.files.is_some();
        state.load_yaml(d.yaml);
        if let Some(f) = d.files {
            state.files.set(f);
        }
        state.validate_now();
        notice.set(Some(format!(
            "Restored your unsaved draft of fleet.yaml from {when}{}.",
            if kept_files {
                ""
            } else {
                " (its files were too large to keep: the example's files are loaded)"
            }
        )));
    }
    provide_context(EditorMemory {
        notice,
        undo: RwSignal::new(None),
    });
    let seq = StoredValue::new(0u64);
    Effect::new(move |prev: Option<()>| {
        state.yaml.track();
        state.files.track();
        if prev.is_some() {
            let n = seq.get_value() + 1;
            seq.set_value(n);
            gloo_timers::callback::Timeout::new(500, move || {
                if seq.try_get_value() == Some(n) {
                    save(state);
                }
            })
            .forget();
        }
    });
}

fn save(state: AppState) {
    let Some(s) = storage() else { return };
    let (ex_yaml, ex_files) = crate::example::example();
    let (yaml, files) = (state.yaml.get_untracked(), state.files.get_untracked());
    if yaml == ex_yaml && files == ex_files {
        let _ = s.remove_item(KEY);
        return;
    }
    let saved = js_sys::Date::now();
    let with_files = Draft {
        yaml,
        files: Some(files),
        saved,
    };
    let ok = serde_json::to_string(&with_files).is_ok_and(|j| s.set_item(KEY, &j).is_ok());
    if !ok {
        let bare = Draft {
            yaml: with_files.yaml,
            files: None,
            saved,
        };
        if let Ok(j) = serde_json::to_string(&bare) {
            let _ = s.set_item(KEY, &j);
        }
    }
}

/// Forgets the saved draft (the caller loads what replaces it).
pub fn discard() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
