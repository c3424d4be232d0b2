//! The bridge to the CodeMirror editor (web/editor/editor.js, bundled by scripts/build.js and
//! imported once by boot.js): the JS object's methods, and [`Editor`], the handle the views
//! use to edit, select and mark the text, whichever editor shows it (the plain one first).
//! Offsets that cross are UTF-16 code units, the unit of JavaScript strings and of
//! CodeMirror's positions.

use super::plain::{self, Handover};
use canary_core::editor::{Change, Edit};
use js_sys::{Array, Function, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

#[wasm_bindgen]
extern "C" {
    /// The object `mount` of web/editor/editor.js returns.
    pub type Cm;
    #[wasm_bindgen(method, js_name = setText)]
    fn set_text(this: &Cm, text: &str);
    #[wasm_bindgen(method)]
    fn replace(this: &Cm, from: u32, to: u32, insert: &str, a: u32, b: u32);
    #[wasm_bindgen(method)]
    fn select(this: &Cm, a: u32, b: u32);
    #[wasm_bindgen(method)]
    fn selection(this: &Cm) -> Vec<u32>;
    #[wasm_bindgen(method)]
    fn text(this: &Cm) -> String;
    #[wasm_bindgen(method, js_name = setMarks)]
    fn set_marks(this: &Cm, list: &Array);
    #[wasm_bindgen(method, js_name = setHits)]
    fn set_hits(this: &Cm, ranges: Vec<u32>, cur: u32);
    #[wasm_bindgen(method)]
    fn focus(this: &Cm);
    #[wasm_bindgen(method)]
    fn destroy(this: &Cm);
}

/// Why CodeMirror could not start (the plain editor stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// boot.js did not provide the loader (a page not built by scripts/build.js).
    NoLoader,
    /// The editor's code did not arrive or did not run (offline, a deploy replaced the build).
    Import(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NoLoader => write!(
                f,
                "the page has no loader for the code editor (was it built with scripts/build.js?)"
            ),
            LoadError::Import(e) => write!(
                f,
                "the code editor could not be loaded ({e}); reload the page for line numbers, colours and marks"
            ),
        }
    }
}

fn js_err(e: JsValue) -> LoadError {
    LoadError::Import(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "unknown error".into()),
    )
}

/// The callbacks the editor calls; kept alive as long as the editor.
pub struct Callbacks {
    /// Every change of the text: the list [`changes`] reads.
    pub on_change: Closure<dyn FnMut(Array)>,
    /// Tab or Enter (key, shift, selection from, to): true when it applied its own edit.
    pub on_key: Closure<dyn FnMut(String, bool, u32, u32) -> bool>,
}

/// The changes editor.js reports, a flat list of (offset, removed, inserted) triples; an entry
/// of another type reads as 0 or "" (editor.js writes only these).
pub fn changes(list: &Array) -> Vec<Change> {
    let n = |v: JsValue| v.as_f64().unwrap_or(0.0) as u32;
    (0..list.length() / 3)
        .map(|i| Change {
            at: n(list.get(3 * i)),
            removed: n(list.get(3 * i + 1)),
            insert: list.get(3 * i + 2).as_string().unwrap_or_default(),
        })
        .collect()
}

/// Starts the import of the editor's module through boot.js's loader (`__fleetEditor`, one
/// import per page, shared by every caller).
fn import() -> Result<Promise, LoadError> {
    let loader = Reflect::get(&js_sys::global(), &"__fleetEditor".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(LoadError::NoLoader)?;
    loader
        .call0(&JsValue::NULL)
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| LoadError::NoLoader)
}

/// Starts fetching the editor's code (the page prefetches it with the views' chunks, so the
/// Fleet view opens at once); a failure shows when the view mounts the editor.
pub fn prefetch() {
    if let Ok(p) = import() {
        // Handled, so a failed prefetch is no "uncaught" error; once per page, so forgotten.
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        let _ = p.catch(&ignore);
        ignore.forget();
    }
}

/// A mounted editor and the callbacks it calls (dropped with it).
pub struct Mounted {
    cm: Cm,
    _callbacks: Callbacks,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.cm.destroy();
    }
}

/// The editor's `mount` function: imports its module (once per page) and waits for it.
pub async fn load() -> Result<Function, LoadError> {
    let module = wasm_bindgen_futures::JsFuture::from(import()?)
        .await
        .map_err(js_err)?;
    Reflect::get(&module, &"mount".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| LoadError::Import("editor.js has no mount()".into()))
}

/// Mounts an editor in `parent` with what the plain editor held (`load` gave `mount`).
pub fn mount(
    mount: &Function,
    parent: &web_sys::HtmlElement,
    from: &Handover,
    cb: Callbacks,
    attrs: &[(&str, &str)],
) -> Result<Mounted, LoadError> {
    let object = |pairs: &[(&str, JsValue)]| {
        let o = js_sys::Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&o, &(*k).into(), v);
        }
        o
    };
    let attrs = object(
        &attrs
            .iter()
            .map(|(k, v)| (*k, (*v).into()))
            .collect::<Vec<_>>(),
    );
    let at = object(&[
        ("anchor", from.selection.0.into()),
        ("head", from.selection.1.into()),
        ("focus", from.focus.into()),
        ("scrollTop", from.scroll_top.into()),
    ]);
    let args = Array::of5(
        parent,
        &from.text.as_str().into(),
        cb.on_change.as_ref(),
        cb.on_key.as_ref(),
        &attrs,
    );
    args.push(&at);
    let cm = mount
        .apply(&JsValue::NULL, &args)
        .map_err(js_err)?
        .unchecked_into();
    Ok(Mounted { cm, _callbacks: cb })
}

/// What the handle edits: the plain editor until CodeMirror has mounted, then CodeMirror.
pub enum Backend {
    /// The `<textarea>` of the first frame (or of a page where CodeMirror could not load).
    Plain(HtmlTextAreaElement),
    /// CodeMirror.
    Code(Mounted),
}

/// A handle on the editor on the page (none before the view mounted): what the find bar, the
/// diagnostics and the view use, whichever editor is showing. Copy, like a signal.
#[derive(Clone, Copy)]
pub struct Editor(StoredValue<Option<Backend>, LocalStorage>);

impl Editor {
    /// A handle with no editor yet.
    pub fn new() -> Editor {
        Editor(StoredValue::new_local(None))
    }

    /// Puts an editor in the handle (or none), destroying the one it held. When the handle is
    /// gone (the view left while the code was on its way), `b` is dropped here.
    pub(super) fn set(self, b: Option<Backend>) {
        // The editor replaced (or `b` itself, when the handle is gone) drops here.
        let _ = self.0.try_update_value(|c| std::mem::replace(c, b));
    }

    /// Runs `code` on CodeMirror or `plain` on the textarea, whichever is showing.
    fn with<R>(
        self,
        code: impl FnOnce(&Cm) -> R,
        plain: impl FnOnce(&HtmlTextAreaElement) -> R,
    ) -> Option<R> {
        self.0
            .try_with_value(|c| match c {
                Some(Backend::Code(m)) => Some(code(&m.cm)),
                Some(Backend::Plain(t)) => Some(plain(t)),
                None => None,
            })
            .flatten()
    }

    /// Runs `f` on CodeMirror only (marks and matches: the plain editor draws none).
    fn with_code(self, f: impl FnOnce(&Cm)) {
        self.with(f, |_| {});
    }

    /// Shows `text` (changed elsewhere: a load, an undo of a load); starts a new undo history.
    pub fn set_text(self, text: &str) {
        self.with(|c| c.set_text(text), |t| t.set_value(text));
    }

    /// Applies an edit as one undoable step, with its selection after it.
    pub fn apply(self, e: &Edit) {
        self.with(
            |c| c.replace(e.from, e.to, &e.insert, e.sel.0, e.sel.1),
            |t| plain::replace(t, e.from, e.to, &e.insert, e.sel.0, e.sel.1),
        );
    }

    /// Selects UTF-16 offsets `a..b` and scrolls them into view.
    pub fn select(self, a: u32, b: u32) {
        self.with(|c| c.select(a, b), |t| plain::select(t, a, b));
    }

    /// The main selection, UTF-16 offsets.
    pub fn selection(self) -> (u32, u32) {
        self.with(
            |c| {
                let v = c.selection();
                (
                    v.first().copied().unwrap_or(0),
                    v.get(1).copied().unwrap_or(0),
                )
            },
            plain::selection,
        )
        .unwrap_or((0, 0))
    }

    /// The editor's whole text (none before the view mounted).
    pub fn text(self) -> Option<String> {
        self.with(|c| c.text(), |t| t.value())
    }

    /// Underlines the diagnostics' spans: (from, to, error, message), UTF-16 offsets.
    pub fn set_marks(self, marks: &[(u32, u32, bool, &str)]) {
        self.with_code(|c| {
            let list = Array::new();
            for (a, b, err, msg) in marks {
                list.push(&(*a).into());
                list.push(&(*b).into());
                list.push(&u32::from(*err).into());
                list.push(&(*msg).into());
            }
            c.set_marks(&list);
        });
    }

    /// Highlights the find matches (UTF-16 ranges), `cur` the current one.
    pub fn set_hits(self, ranges: Vec<u32>, cur: usize) {
        self.with_code(|c| c.set_hits(ranges, cur as u32));
    }

    /// Focuses the editor.
    pub fn focus(self) {
        self.with(
            |c| c.focus(),
            |t| {
                let _ = t.focus();
            },
        );
    }
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new()
    }
}
