//! The fleet YAML editor: CodeMirror 6 (web/editor/editor.js) draws the text and keeps only the
//! visible lines in the DOM, so a keystroke costs the same in a 20-agent fleet and a 2,000-agent
//! one (a `<textarea>` lays out its whole text on every edit). This module owns what is fleet
//! specific: the text in the app state, the YAML-aware Tab and Enter edits, the diagnostics'
//! marks and the find bar, all computed in `canary_core::editor`.

pub mod cm;
pub mod diagnostics;
pub mod draft;
mod find;

use crate::state::AppState;
use canary_core::editor::{self as ed, LineIndex};
use cm::{Callbacks, Editor};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// Puts the caret at 1-based `line` and character `column` and focuses the editor.
pub fn jump(editor: Editor, text: &str, line: usize, column: usize) {
    let ix = LineIndex::new(text);
    let n = line.saturating_sub(1).min(ix.len() - 1);
    let l = ix.line(text, n);
    let col = l
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(l.len(), |(i, _)| i);
    let at = ed::utf16_of_byte(text, ix.start(n) + col);
    editor.focus();
    editor.select(at, at);
}

/// The editor. `on_edit` runs after every change typed into it.
#[component]
pub fn CodeEditor(editor: Editor, on_edit: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let host = NodeRef::<leptos::html::Div>::new();
    let failed = RwSignal::new(None::<String>);
    // Set once the editor is on the page: the marks and matches are drawn from then on.
    let ready = RwSignal::new(false);
    let finder = find::Finder::new(state);
    // The text the editor shows, kept in step with it change by change: what the app's text
    // is set to after each edit, and how a change made elsewhere is told from an echo.
    let shown = StoredValue::new(String::new());

    // Mounted once, when the host is on the page and the editor's code has arrived.
    Effect::new(move |_| {
        let Some(el) = host.get() else { return };
        let cb = Callbacks {
            on_change: Closure::new(move |list: js_sys::Array| {
                let changes = cm::changes(&list);
                let applied = shown.try_update_value(|s| ed::apply_changes(s, &changes));
                if let Some(Err(e)) = applied {
                    // Out of step (a bug): take the editor's whole text, and say so for the
                    // bug report.
                    web_sys::console::error_1(&format!("fleet editor: {e}; resynchronised").into());
                    if let Some(t) = editor.text() {
                        shown.set_value(t);
                    }
                }
                if let Some(t) = shown.try_get_value() {
                    state.yaml.set(t);
                }
                on_edit.run(());
            }),
            on_key: Closure::new(move |key: String, shift: bool, a: u32, b: u32| {
                let edit = match key.as_str() {
                    "Tab" => state.yaml.with_untracked(|y| ed::indent(y, a, b, shift)),
                    "Enter" => Some(state.yaml.with_untracked(|y| ed::newline(y, a, b))),
                    _ => None,
                };
                if let Some(e) = &edit {
                    editor.apply(e);
                }
                // Tab with nothing to indent stays in the editor (Escape, then Tab, leaves).
                key == "Tab" || edit.is_some()
            }),
        };
        leptos::task::spawn_local(async move {
            let text = state.yaml.get_untracked();
            let attrs = [
                ("id", "yaml"),
                ("aria-label", "fleet.yaml"),
                ("aria-describedby", "editor-keys"),
            ];
            match cm::mount(&el, &text, cb, &attrs).await {
                Ok(m) => {
                    shown.try_set_value(text);
                    editor.set(Some(m));
                    write_back(editor, state, shown);
                    ready.try_set(true);
                }
                Err(e) => {
                    failed.try_set(Some(e.to_string()));
                }
            }
        });
    });
    on_cleanup(move || editor.set(None));
    // Changes from elsewhere (a load, an undo, a roll back) are written to the editor.
    Effect::new(move |_| {
        state.yaml.track();
        write_back(editor, state, shown);
    });
    // Marks follow the report (validation is debounced), placed in the text it was made for.
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        state.report.with(|r| {
            state.yaml.with_untracked(|y| {
                let ix = LineIndex::new(y);
                let mut m = ed::marks(y, &ix, r.errors.iter().chain(r.warnings.iter()));
                m.sort_by_key(|m| (m.line, m.range.start));
                let at = |m: &ed::Mark, b: usize| ix.start(m.line) + b;
                let u = ed::utf16_of_bytes(
                    y,
                    m.iter()
                        .flat_map(|k| [at(k, k.range.start), at(k, k.range.end)]),
                );
                let list: Vec<(u32, u32, bool, &str)> = m
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (u[2 * i], u[2 * i + 1], k.error, k.message.as_str()))
                    .collect();
                editor.set_marks(&list);
            })
        });
    });
    // The find matches, the current one stronger.
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let cur = finder.cur.get();
        finder.hits.with(|h| {
            let u = state
                .yaml
                .with_untracked(|y| ed::utf16_of_bytes(y, h.iter().flat_map(|r| [r.start, r.end])));
            editor.set_hits(u, cur);
        });
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let cmd = ev.ctrl_key() || ev.meta_key();
        if cmd && !ev.alt_key() && ev.key().eq_ignore_ascii_case("f") {
            ev.prevent_default();
            finder.open(editor);
        } else if ev.key() == "Escape" && finder.is_open.get_untracked() {
            finder.is_open.set(false);
        }
    };

    view! {
        {move || finder.is_open.get().then(|| view! { <find::FindBar finder=finder editor=editor /> })}
        <div class="editor" on:keydown=on_key>
            <div class="cm-host" node_ref=host></div>
            {move || failed.get().map(|e| view! { <p class="bad editor-failed" role="alert">{format!("The editor could not start: {e}")}</p> })}
        </div>
        <p class="hint editor-keys" id="editor-keys">"Tab / Shift+Tab: indent lines · Ctrl+F: find · Esc, then Tab: leave the editor · Ctrl+Enter: review the plan"</p>
    }
}

/// Writes the app's text into the editor when it differs from what the editor shows (its line
/// breaks are already the editor's: [`AppState::load_yaml`] normalises what is loaded). Before
/// the editor is mounted this only records the text (`set_text` has no editor to write to);
/// the mount then records what it mounted with and writes back once more.
fn write_back(editor: Editor, state: AppState, shown: StoredValue<String>) {
    state.yaml.with_untracked(|y| {
        if shown.try_with_value(|s| s != y).unwrap_or(false) {
            editor.set_text(y);
            shown.set_value(y.clone());
        }
    });
}
