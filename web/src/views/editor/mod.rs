//! The fleet YAML editor: a transparent `<textarea>` (typing, selection, native undo) over a
//! highlighted layer and a gutter that render only the visible lines plus a margin, so a
//! keystroke in a 300-agent fleet touches ~100 lines of DOM, not thousands. The tokenizer,
//! indentation edits, find and error spans are in `canary_core::editor`.

pub mod diagnostics;
pub mod draft;
mod find;

use crate::state::AppState;
use canary_core::editor::{self as ed, Edit, LineIndex, Mark, Overlay};
use leptos::prelude::*;
use std::fmt::Write;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

/// Line height and padding in px (`/* editor */` in style.css uses the same).
const LH: i32 = 20;
const PAD: i32 = 8;
/// Lines rendered above and below the visible ones, so fast scrolling shows no blank rows.
const MARGIN: usize = 40;

/// Replaces `from..to` of the textarea with the edit's text through `insertText`, which keeps
/// the textarea's undo history (setting `value` would clear it) and fires `input`.
pub fn apply(t: &HtmlTextAreaElement, e: &Edit) {
    let _ = t.set_selection_range(e.from, e.to);
    let doc = t
        .owner_document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok());
    let (cmd, arg) = if e.insert.is_empty() {
        ("delete", "")
    } else {
        ("insertText", e.insert.as_str())
    };
    let done = doc.is_some_and(|d| {
        d.exec_command_with_show_ui_and_value(cmd, false, arg)
            .unwrap_or(false)
    });
    if !done {
        let _ = t.set_range_text_with_start_and_end(&e.insert, e.from, e.to);
        if let Ok(ev) = web_sys::Event::new_with_event_init_dict("input", &{
            let i = web_sys::EventInit::new();
            i.set_bubbles(true);
            i
        }) {
            let _ = t.dispatch_event(&ev);
        }
    }
    let _ = t.set_selection_range(e.sel.0, e.sel.1);
}

/// Selects bytes `from..to` of `text` in the textarea and scrolls their line into view.
pub fn select(t: &HtmlTextAreaElement, text: &str, from: usize, to: usize) {
    let (a, b) = (ed::utf16_of_byte(text, from), ed::utf16_of_byte(text, to));
    let _ = t.set_selection_range(a, b);
    let line = text[..from.min(text.len())].matches('\n').count() as i32;
    let h = t.client_height();
    let y = line * LH;
    if y < t.scroll_top() || y + LH + 2 * PAD > t.scroll_top() + h {
        t.set_scroll_top((y - h / 2).max(0));
    }
}

/// Puts the caret at 1-based `line` and character `column` and focuses the editor.
pub fn jump(t: &HtmlTextAreaElement, text: &str, line: usize, column: usize) {
    let ix = LineIndex::new(text);
    let n = line.saturating_sub(1).min(ix.len() - 1);
    let l = ix.line(text, n);
    let col = l
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(l.len(), |(i, _)| i);
    let at = ix.start(n) + col;
    let _ = t.focus();
    select(t, text, at, at);
}

/// The marks of one line (`marks` is sorted by line).
fn line_marks(marks: &[Mark], n: usize) -> &[Mark] {
    let a = marks.partition_point(|m| m.line < n);
    let b = marks.partition_point(|m| m.line <= n);
    &marks[a..b]
}

/// The editor. `on_edit` runs after every change typed into it.
#[component]
pub fn CodeEditor(
    textarea: NodeRef<leptos::html::Textarea>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let scroll = RwSignal::new((0i32, 0i32));
    let height = RwSignal::new(600i32);
    let index = Memo::new(move |_| state.yaml.with(|y| LineIndex::new(y)));
    // Marks follow the report (validation is debounced), placed in the text it was made for.
    let marks = Memo::new(move |_| {
        state.report.with(|r| {
            let y = state.yaml.read_untracked();
            index.with_untracked(|ix| {
                let mut m = ed::marks(&y, ix, r.errors.iter().chain(r.warnings.iter()));
                m.sort_by_key(|m| m.line);
                m
            })
        })
    });
    let finder = find::Finder::new(state);
    let window = Memo::new(move |_| {
        let first = ((scroll.get().0 - PAD).max(0) / LH) as usize;
        let n = index.with(LineIndex::len);
        let visible = (height.get() / LH) as usize + 2;
        (
            first.saturating_sub(MARGIN).min(n),
            (first + visible + MARGIN).min(n),
        )
    });
    // The visible lines' HTML, one string per row.
    let layer = move || {
        let (a, b) = window.get();
        let (hits, cur) = (finder.hits.read(), finder.cur.get());
        let marks = marks.read();
        state.yaml.with(|y| {
            index.with(|ix| {
                let mut rows = Vec::with_capacity(b - a);
                let mut hi = hits.partition_point(|h| h.end <= ix.start(a));
                let mut toks = Vec::new();
                for n in a..b {
                    let (line, ls) = (ix.line(y, n), ix.start(n));
                    toks.clear();
                    ed::scan(line, ix.state(n), &mut |s| toks.push(s));
                    let mut over: Vec<Overlay> = line_marks(&marks, n)
                        .iter()
                        .map(|m| Overlay {
                            range: m.range.clone(),
                            class: if m.error { "mark err" } else { "mark warn" },
                            title: Some(&m.message),
                        })
                        .collect();
                    while hits.get(hi).is_some_and(|h| h.end <= ls) {
                        hi += 1;
                    }
                    for (i, h) in hits.iter().enumerate().skip(hi) {
                        if h.start >= ls + line.len() {
                            break;
                        }
                        let r = h.start.saturating_sub(ls)..(h.end - ls).min(line.len());
                        over.push(Overlay {
                            range: r,
                            class: if i == cur { "hit cur" } else { "hit" },
                            title: None,
                        });
                    }
                    let mut out = format!("<div data-n=\"{}\">", n + 1);
                    ed::line_html(line, &toks, &over, &mut out);
                    out.push_str("</div>");
                    rows.push(out);
                }
                (a, rows)
            })
        })
    };
    // Only the rows that changed are written: typing in a line replaces that line's row.
    let hl = NodeRef::<leptos::html::Div>::new();
    let drawn = StoredValue::new((usize::MAX, Vec::<String>::new()));
    Effect::new(move |_| {
        let (a, rows) = layer();
        let Some(el) = hl.get() else { return };
        drawn.update_value(|(was_a, was)| {
            let kids = el.children();
            let same_shape =
                *was_a == a && was.len() == rows.len() && kids.length() as usize == rows.len();
            let changed: Vec<usize> = if same_shape {
                (0..rows.len()).filter(|&i| was[i] != rows[i]).collect()
            } else {
                Vec::new()
            };
            if same_shape && changed.len() * 2 <= rows.len() {
                for i in changed {
                    if let Some(k) = kids.item(i as u32) {
                        k.set_outer_html(&rows[i]);
                    }
                }
            } else {
                el.set_inner_html(&rows.concat());
            }
            *was_a = a;
            *was = rows;
        });
    });
    let gutter = Memo::new(move |_| {
        let (a, b) = window.get();
        let marks = marks.read();
        let mut out = String::with_capacity((b - a) * 24);
        for n in a..b {
            let here = line_marks(&marks, n);
            match here.iter().map(|m| m.error).max() {
                None => {
                    let _ = write!(out, "<div class=\"ln\">{}</div>", n + 1);
                }
                Some(err) => {
                    let _ = write!(
                        out,
                        "<div class=\"ln {}\" title=\"",
                        if err { "err" } else { "warn" }
                    );
                    let msg: Vec<&str> = here.iter().map(|m| m.message.as_str()).collect();
                    ed::escape(&msg.join("\n"), &mut out);
                    let _ = write!(out, "\">{}</div>", n + 1);
                }
            }
        }
        out
    });
    let offset = move || {
        let (top, left) = scroll.get();
        (window.get().0 as i32 * LH - top, -left)
    };

    // The textarea shows `state.yaml`; typing updates it, and only changes from elsewhere
    // (a load, an undo, a roll back) are written back, so typing keeps its native undo.
    let shown = StoredValue::new(String::new());
    Effect::new(move |_| {
        let Some(t) = textarea.get() else { return };
        state.yaml.with(|y| {
            if shown.with_value(|s| s != y) {
                t.set_value(y);
                shown.set_value(y.clone());
            }
        });
    });
    // Reading the height forces a layout: only on mount and on scroll, never per keystroke.
    Effect::new(move |_| {
        if let Some(t) = textarea.get() {
            height.set(t.client_height());
        }
    });
    // After Escape, Tab leaves the editor (the keyboard is never trapped).
    let tab_leaves = StoredValue::new(false);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(t) = textarea.get_untracked() else {
            return;
        };
        let key = ev.key();
        let cmd = ev.ctrl_key() || ev.meta_key();
        if cmd && !ev.alt_key() && key.eq_ignore_ascii_case("f") {
            ev.prevent_default();
            finder.open(&t);
            return;
        }
        if matches!(key.as_str(), "Shift" | "Control" | "Alt" | "Meta") {
            return;
        }
        let leave = tab_leaves.get_value();
        tab_leaves.set_value(key == "Escape");
        if key == "Escape" && finder.is_open.get_untracked() {
            finder.is_open.set(false);
        }
        if cmd || ev.alt_key() || ev.is_composing() {
            return;
        }
        let sel = (
            t.selection_start().ok().flatten().unwrap_or(0),
            t.selection_end().ok().flatten().unwrap_or(0),
        );
        let edit = match key.as_str() {
            "Tab" if !leave => {
                ev.prevent_default();
                state
                    .yaml
                    .with_untracked(|y| ed::indent(y, sel.0, sel.1, ev.shift_key()))
            }
            "Enter" if !ev.shift_key() => {
                ev.prevent_default();
                Some(state.yaml.with_untracked(|y| ed::newline(y, sel.0, sel.1)))
            }
            _ => None,
        };
        if let Some(e) = edit {
            apply(&t, &e);
        }
    };
    // Hovering a marked line shows its messages (the layer under the textarea cannot).
    let hover = StoredValue::new(usize::MAX);
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(t) = textarea.get_untracked() else {
            return;
        };
        let n = ((ev.offset_y() + t.scroll_top() - PAD).max(0) / LH) as usize;
        if hover.get_value() == n {
            return;
        }
        hover.set_value(n);
        let msg = marks.with_untracked(|m| {
            line_marks(m, n)
                .iter()
                .map(|m| m.message.clone())
                .collect::<Vec<_>>()
                .join("\n")
        });
        let _ = if msg.is_empty() {
            t.remove_attribute("title")
        } else {
            t.set_attribute("title", &msg)
        };
    };

    view! {
        {move || finder.is_open.get().then(|| view! { <find::FindBar finder=finder textarea=textarea /> })}
        // autocomplete="off": Chromium otherwise copies the whole text into the session
        // history on every navigation (form state restore), 40 ms per view change at 2,000
        // agents; the draft is kept by draft.rs, not by the browser.
        <div class="editor">
            <div class="gutter" aria-hidden="true">
                <div class="gutter-rows" style:transform=move || format!("translateY({}px)", offset().0) inner_html=move || gutter.get()></div>
            </div>
            <div class="code">
                <div class="hl" aria-hidden="true" node_ref=hl style:transform=move || { let (y, x) = offset(); format!("translate({x}px,{y}px)") }></div>
                <textarea id="yaml" node_ref=textarea spellcheck="false" wrap="off" autocomplete="off" aria-label="fleet.yaml"
                    aria-describedby="editor-keys"
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        shown.set_value(v.clone());
                        state.yaml.set(v);
                        on_edit.run(());
                    }
                    on:keydown=on_key
                    on:mousemove=on_move
                    on:scroll=move |ev| {
                        if let Some(t) = ev.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()) {
                            scroll.set((t.scroll_top(), t.scroll_left()));
                            height.set(t.client_height());
                        }
                    }></textarea>
            </div>
        </div>
        <p class="hint editor-keys" id="editor-keys">"Tab / Shift+Tab: indent lines · Ctrl+F: find · Esc, then Tab: leave the editor · Ctrl+Enter: review the plan"</p>
    }
}
