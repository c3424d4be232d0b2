//! The find bar (Ctrl/Cmd+F in the editor): match count, next / previous, matches highlighted
//! in the editor (the current one stronger) and selected.

use super::cm::Editor;
use crate::state::AppState;
use canary_core::editor::{find_all, utf16_of_bytes, MAX_HITS};
use leptos::prelude::*;
use std::ops::Range;

/// The find state the editor's matches are drawn from.
#[derive(Clone, Copy)]
pub struct Finder {
    state: AppState,
    pub is_open: RwSignal<bool>,
    query: RwSignal<String>,
    /// Index of the current match in `hits`.
    pub cur: RwSignal<usize>,
    /// Byte ranges of every match in the text (empty while the bar is closed).
    pub hits: Memo<Vec<Range<usize>>>,
}

impl Finder {
    pub fn new(state: AppState) -> Finder {
        let is_open = RwSignal::new(false);
        let query = RwSignal::new(String::new());
        let hits = Memo::new(move |_| {
            if !is_open.get() {
                return Vec::new();
            }
            query.with(|q| state.yaml.with(|y| find_all(y, q)))
        });
        Finder {
            state,
            is_open,
            query,
            cur: RwSignal::new(0),
            hits,
        }
    }

    /// Opens the bar with the selected text (one line of it) as the query.
    pub fn open(self, editor: Editor) {
        let (a, b) = editor.selection();
        if b > a {
            let picked = self.state.yaml.with_untracked(|y| {
                let (a, b) = (
                    canary_core::editor::byte_of_utf16(y, a),
                    canary_core::editor::byte_of_utf16(y, b),
                );
                y[a..b].to_string()
            });
            if !picked.contains('\n') {
                self.query.set(picked);
            }
        }
        self.is_open.set(true);
        // The bar may already be open: focus its field again.
        if let Some(i) = leptos::prelude::document().get_element_by_id("find-input") {
            if let Ok(i) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(i) {
                let _ = i.focus();
                i.select();
            }
        }
    }

    /// Makes match `i` (wrapping) current and selects it in the editor.
    fn go(self, editor: Editor, i: isize) {
        let n = self.hits.with_untracked(Vec::len);
        if n == 0 {
            return;
        }
        let i = i.rem_euclid(n as isize) as usize;
        self.cur.set(i);
        if let Some(h) = self.hits.with_untracked(|h| h.get(i).cloned()) {
            let u = self
                .state
                .yaml
                .with_untracked(|y| utf16_of_bytes(y, [h.start, h.end]));
            editor.select(u[0], u[1]);
        }
    }
}

/// The bar itself.
#[component]
pub fn FindBar(finder: Finder, editor: Editor) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(i) = input.get() {
            let _ = i.focus();
            i.select();
        }
    });
    let step = move |d: isize| finder.go(editor, finder.cur.get_untracked() as isize + d);
    let close = move || {
        finder.is_open.set(false);
        editor.focus();
    };
    let count = move || {
        let n = finder.hits.with(Vec::len);
        match n {
            _ if finder.query.with(String::is_empty) => String::new(),
            0 => "No matches".to_string(),
            _ => format!(
                "{} of {}{}",
                finder.cur.get().min(n - 1) + 1,
                n,
                if n >= MAX_HITS { "+" } else { "" }
            ),
        }
    };
    view! {
        <div class="find-bar" role="search" aria-label="Find in fleet.yaml">
            <input id="find-input" type="search" node_ref=input placeholder="Find" aria-label="Find in fleet.yaml"
                autocomplete="off" spellcheck="false"
                prop:value=move || finder.query.get()
                on:input=move |ev| {
                    finder.query.set(event_target_value(&ev));
                    finder.go(editor, 0);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                    "Enter" => { ev.prevent_default(); step(if ev.shift_key() { -1 } else { 1 }); }
                    "Escape" => { ev.prevent_default(); close(); }
                    _ => {}
                } />
            <span id="find-count" class="muted" aria-live="polite">{count}</span>
            <button class="small" id="find-prev" aria-label="Previous match" title="Previous match (Shift+Enter)" on:click=move |_| step(-1)>"↑"</button>
            <button class="small" id="find-next" aria-label="Next match" title="Next match (Enter)" on:click=move |_| step(1)>"↓"</button>
            <button class="ghost small" aria-label="Close find" title="Close (Esc)" on:click=move |_| close()>"✕"</button>
        </div>
    }
}
