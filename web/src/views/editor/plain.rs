//! The plain editor: the `<textarea>` the Fleet view shows until CodeMirror has mounted, and
//! keeps when CodeMirror's code cannot load. It makes the text editable in the page's first
//! frame (CodeMirror's first mount costs ~100 ms of main thread on a 2-core machine,
//! BENCHMARKS.md "12-06"), then hands its text, selection, focus and scroll over.
//! Offsets are UTF-16 code units, like a textarea's selection and CodeMirror's positions.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

/// What the plain editor held when CodeMirror took over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handover {
    /// The text as typed.
    pub text: String,
    /// The selection's anchor and head.
    pub selection: (u32, u32),
    /// Whether it had the keyboard focus.
    pub focus: bool,
    /// How far it was scrolled, in CSS pixels (both editors draw 20 px lines).
    pub scroll_top: i32,
}

/// Reads what CodeMirror must carry on.
pub fn handover(ta: &HtmlTextAreaElement) -> Handover {
    let (a, b) = selection(ta);
    let backward = ta.selection_direction().ok().flatten().as_deref() == Some("backward");
    let focus = has_focus(ta);
    Handover {
        text: ta.value(),
        selection: if backward { (b, a) } else { (a, b) },
        focus,
        scroll_top: ta.scroll_top(),
    }
}

/// Whether the textarea has the keyboard focus.
fn has_focus(ta: &HtmlTextAreaElement) -> bool {
    let el: &web_sys::Element = ta.as_ref();
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|e| e == *el)
}

/// The selection, start to end.
pub fn selection(ta: &HtmlTextAreaElement) -> (u32, u32) {
    let a = ta.selection_start().ok().flatten().unwrap_or(0);
    let b = ta.selection_end().ok().flatten().unwrap_or(a);
    (a, b)
}

/// Selects `a..b` (a textarea scrolls to its selection when it has the focus).
pub fn select(ta: &HtmlTextAreaElement, a: u32, b: u32) {
    let (start, end, dir) = if a <= b {
        (a, b, "forward")
    } else {
        (b, a, "backward")
    };
    let _ = ta.set_selection_range_with_direction(start, end, dir);
}

/// Replaces `from..to` with `insert` and selects `a..b`, as typing does: through the
/// browser's `insertText` command, so Undo takes it back, and with the `input` event the
/// app's text follows by (the one path every edit takes). Where the command is refused, the
/// text is replaced directly and the event sent by hand (Undo then does not see the edit).
pub fn replace(ta: &HtmlTextAreaElement, from: u32, to: u32, insert: &str, a: u32, b: u32) {
    select(ta, from, to);
    // The command types into whatever has the focus: only when that is this textarea.
    let typed = web_sys::window()
        .and_then(|w| w.document())
        .filter(|_| has_focus(ta))
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| {
            d.exec_command_with_show_ui_and_value("insertText", false, insert)
                .ok()
        })
        .unwrap_or(false);
    if !typed {
        let _ = ta.set_range_text_with_start_and_end(insert, from, to);
        if let Ok(ev) = web_sys::Event::new("input") {
            let _ = ta.dispatch_event(&ev);
        }
    }
    select(ta, a, b);
}
