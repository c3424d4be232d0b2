//! The fleet YAML editor: CodeMirror 6 (web/editor/editor.js) draws the text and keeps only the
//! visible lines in the DOM, so a keystroke costs the same in a 20-agent fleet and a 2,000-agent
//! one (a `<textarea>` lays out its whole text on every edit). This module owns what is fleet
//! specific: the text in the app state, the YAML-aware Tab and Enter edits, the diagnostics'
//! marks and the find bar, all computed in `canary_core::editor`.

pub mod cm;
pub mod diagnostics;
pub mod draft;
mod find;
pub mod plain;

use crate::state::AppState;
use canary_core::editor::{self as ed, LineIndex};
use cm::{Backend, Callbacks, Editor};
use leptos::prelude::*;
use plain::Handover;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

/// The longest text the plain editor shows before CodeMirror (~1,000 lines); a longer one
/// waits for CodeMirror (a textarea lays out all of it: ~75 ms a keystroke at 2,000 agents
/// on the CI machine).
const PLAIN_FIRST_MAX: usize = 64 * 1024;

/// The YAML-aware edit for Tab / Shift+Tab and Enter over the selection `a..b`, if any.
fn key_edit(state: AppState, key: &str, shift: bool, a: u32, b: u32) -> Option<ed::Edit> {
    match key {
        "Tab" => state.yaml.with_untracked(|y| ed::indent(y, a, b, shift)),
        "Enter" => Some(state.yaml.with_untracked(|y| ed::newline(y, a, b))),
        _ => None,
    }
}

/// Resolves once the page's first paint is on the screen, so that CodeMirror's mount does not
/// compete with drawing the frame that first shows the text: boot.js's `__firstPaint` (at most
/// 500 ms after the page started), at once when that is past (`__painted`: an editor opened
/// later is never seen plain), or after the next animation frame on a page without boot.js.
async fn first_paint() {
    let global = js_sys::global();
    let get = |k: &str| js_sys::Reflect::get(&global, &k.into()).ok();
    if get("__painted").is_some_and(|p| p.is_truthy()) {
        return;
    }
    let painted = get("__firstPaint").and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let painted = painted.unwrap_or_else(|| {
        js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.request_animation_frame(&resolve);
            }
        })
    });
    let _ = wasm_bindgen_futures::JsFuture::from(painted).await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// The editor. `on_edit` runs after every change typed into it. The first frame shows the
/// text in a plain `<textarea>` ([`plain`]), editable at once; CodeMirror takes it over (text,
/// selection, focus, scroll) right after, or never, when its code cannot load.
#[component]
pub fn CodeEditor(editor: Editor, on_edit: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let host = NodeRef::<leptos::html::Div>::new();
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let plain_shown = RwSignal::new(true);
    let failed = RwSignal::new(None::<String>);
    // Set once CodeMirror is on the page: the marks and matches are drawn from then on.
    let ready = RwSignal::new(false);
    let started = StoredValue::new(false);
    let finder = find::Finder::new(state);
    // The text the editor shows, kept in step with it change by change: what the app's text
    // is set to after each edit, and how a change made elsewhere is told from an echo.
    let shown = StoredValue::new(state.yaml.get_untracked());

    // The plain editor reports its whole text (it is short-lived, or a fallback); once it has
    // handed over (hidden, on its way out), nothing it still receives counts.
    let on_plain_input = move |_| {
        let Some(t) = textarea
            .get_untracked()
            .filter(|ta| !ta.hidden())
            .map(|ta| ta.value())
        else {
            return;
        };
        shown.set_value(t.clone());
        state.yaml.set(t);
        on_edit.run(());
    };
    // Tab and Enter make CodeMirror's YAML-aware edits; Escape, then Tab, leaves the editor (as
    // in CodeMirror); a key that is part of an IME composition is the composition's.
    let tab_leaves = StoredValue::new(false);
    let on_plain_key = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        let leave = tab_leaves.get_value();
        tab_leaves.set_value(key == "Escape");
        if ev.is_composing()
            || ev.key_code() == 229
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.alt_key()
            || (key == "Tab" && leave)
        {
            return;
        }
        let (a, b) = editor.selection();
        if let Some(e) = key_edit(state, &key, ev.shift_key() && key == "Tab", a, b) {
            ev.prevent_default();
            editor.apply(&e);
        }
    };

    // The plain editor is the handle's at once; CodeMirror replaces it when its code is here.
    Effect::new(move |_| {
        let (Some(el), Some(ta)) = (host.get(), textarea.get()) else {
            return;
        };
        if started.get_value() {
            return;
        }
        started.set_value(true);
        // A long text waits for CodeMirror in an empty, read-only box: a textarea lays all of
        // its text out (and again on every edit), CodeMirror only the lines on screen. It is
        // filled only if CodeMirror cannot load.
        let long = shown.with_value(String::len) > PLAIN_FIRST_MAX;
        let fill = move |ta: &web_sys::HtmlTextAreaElement| {
            // The caret at the top, as CodeMirror's (a value set as a property would leave it
            // at the end, and Leptos sets properties after this effect has run).
            ta.set_value(&shown.get_value());
            plain::select(ta, 0, 0);
            ta.set_read_only(false);
            ta.set_placeholder("");
            editor.set(Some(Backend::Plain(ta.clone())));
        };
        if long {
            ta.set_read_only(true);
            ta.set_placeholder("Opening the editor…");
        } else {
            fill(&ta);
        }
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
                let edit = key_edit(state, &key, shift, a, b);
                if let Some(e) = &edit {
                    editor.apply(e);
                }
                // Tab with nothing to indent stays in the editor (Escape, then Tab, leaves).
                key == "Tab" || edit.is_some()
            }),
        };
        leptos::task::spawn_local(async move {
            // A long text goes to CodeMirror as soon as its code is here (the frames before
            // show no text to read).
            if !long {
                first_paint().await;
            }
            let mount = match cm::load().await {
                Ok(m) => m,
                Err(e) => {
                    if long && ta.is_connected() {
                        fill(&ta);
                    }
                    failed.try_set(Some(e.to_string()));
                    return;
                }
            };
            // The view may have left while the code was on its way.
            if !ta.is_connected() {
                return;
            }
            let from = if long {
                Handover {
                    text: shown.get_value(),
                    ..Handover::default()
                }
            } else {
                plain::handover(&ta)
            };
            let attrs = [
                ("id", "yaml"),
                ("aria-label", "fleet.yaml"),
                ("aria-describedby", "editor-keys"),
            ];
            // The textarea steps aside (its id is CodeMirror's now) and leaves with the signal.
            let _ = ta.remove_attribute("id");
            ta.set_hidden(true);
            match cm::mount(&mount, &el, &from, cb, &attrs) {
                Ok(m) => {
                    shown.try_set_value(from.text);
                    editor.set(Some(Backend::Code(m)));
                    plain_shown.try_set(false);
                    write_back(editor, state, shown);
                    ready.try_set(true);
                }
                Err(e) => {
                    let _ = ta.set_attribute("id", "yaml");
                    ta.set_hidden(false);
                    if long {
                        fill(&ta);
                    }
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
            <div class="cm-host" node_ref=host>
                {move || plain_shown.get().then(|| view! {
                    <textarea class="plain-editor" class:alone=move || failed.get().is_some() node_ref=textarea id="yaml" aria-label="fleet.yaml"
                        aria-describedby="editor-keys" spellcheck="false" wrap="off" autocapitalize="off"
                        on:input=on_plain_input on:keydown=on_plain_key></textarea>
                })}
            </div>
        </div>
        {move || failed.get().map(|e| view! { <p class="hint editor-plain-note" role="status">{format!("Plain text editor: {e}. Editing, Tab indenting and validation work as usual.")}</p> })}
        <p class="hint editor-keys" id="editor-keys">"Tab / Shift+Tab: indent lines · Ctrl+F: find · Esc, then Tab: leave the editor · Ctrl+Enter: review the plan"</p>
    }
}

/// Writes the app's text into the editor showing (the plain one or CodeMirror) when it differs
/// from what that editor shows (its line breaks are already the editor's:
/// [`AppState::load_yaml`] normalises what is loaded). CodeMirror's mount records what it
/// mounted with and writes back once more, for a text changed while its code was on its way.
fn write_back(editor: Editor, state: AppState, shown: StoredValue<String>) {
    state.yaml.with_untracked(|y| {
        if shown.try_with_value(|s| s != y).unwrap_or(false) {
            editor.set_text(y);
            shown.set_value(y.clone());
        }
    });
}
