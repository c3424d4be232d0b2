//! The plain editor: the `<textarea>` the Fleet view shows until CodeMirror has mounted, and
//! keeps when CodeMirror's code cannot load. It makes the text editable in the page's first
//! frame (CodeMirror's first mount costs ~100 ms of main thread on a 2-core machine,
//! BENCHMARKS.md "12-06"), then hands its text, selection, focus and scroll over.
//! Offsets are UTF-16 code units, like a textarea's selection and CodeMirror's positions.

use web_sys::HtmlTextAreaElement;

/// What the plain editor held when CodeMirror took over.
#[derive(Debug, Clone, PartialEq)]
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
    let focus = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|e| {
            let el: &web_sys::Element = ta.as_ref();
            e == *el
        });
    Handover {
        text: ta.value(),
        selection: if backward { (b, a) } else { (a, b) },
        focus,
        scroll_top: ta.scroll_top(),
    }
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

/// Replaces `from..to` with `insert`, selects `a..b`, and reports it as typing does (an
/// `input` event), so the app's text follows by the one path every edit takes.
pub fn replace(ta: &HtmlTextAreaElement, from: u32, to: u32, insert: &str, a: u32, b: u32) {
    let _ = ta.set_range_text_with_start_and_end(insert, from, to);
    select(ta, a, b);
    if let Ok(ev) = web_sys::Event::new("input") {
        let _ = ta.dispatch_event(&ev);
    }
}
