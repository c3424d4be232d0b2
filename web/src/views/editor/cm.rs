//! The bridge to the CodeMirror editor (web/editor/editor.js, bundled by scripts/build.js and
//! imported once by boot.js): the JS object's methods, and [`Editor`], the handle the views
//! use to edit, select and mark the text. Offsets that cross are UTF-16 code units, the unit of
//! JavaScript strings and of CodeMirror's positions.

use canary_core::editor::{Change, Edit};
use js_sys::{Array, Function, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

/// Why the editor could not start.
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
                "the page has no editor loader (was it built with scripts/build.js?)"
            ),
            LoadError::Import(e) => write!(
                f,
                "the editor's code could not be loaded ({e}); reload the page"
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

/// Imports the editor's module (once per page) and mounts an editor showing `text` in `parent`.
pub async fn mount(
    parent: &web_sys::HtmlElement,
    text: &str,
    cb: Callbacks,
    attrs: &[(&str, &str)],
) -> Result<Mounted, LoadError> {
    let module = wasm_bindgen_futures::JsFuture::from(import()?)
        .await
        .map_err(js_err)?;
    let mount: Function = Reflect::get(&module, &"mount".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| LoadError::Import("editor.js has no mount()".into()))?;
    let a = js_sys::Object::new();
    for (k, v) in attrs {
        let _ = Reflect::set(&a, &(*k).into(), &(*v).into());
    }
    let args = Array::of5(
        parent,
        &text.into(),
        cb.on_change.as_ref(),
        cb.on_key.as_ref(),
        &a,
    );
    let cm = mount
        .apply(&JsValue::NULL, &args)
        .map_err(js_err)?
        .unchecked_into();
    Ok(Mounted { cm, _callbacks: cb })
}

/// A handle on the mounted editor (none until its code has arrived): what the find bar, the
/// diagnostics and the view use. Copy, like a signal.
#[derive(Clone, Copy)]
pub struct Editor(StoredValue<Option<Mounted>, LocalStorage>);

impl Editor {
    /// A handle with no editor yet.
    pub fn new() -> Editor {
        Editor(StoredValue::new_local(None))
    }

    /// Puts a mounted editor in the handle (or none), destroying the one it held. When the
    /// handle is gone (the view left while the code was on its way), `m` is dropped here.
    pub(super) fn set(self, m: Option<Mounted>) {
        // The editor replaced (or `m` itself, when the handle is gone) drops here.
        let _ = self.0.try_update_value(|c| std::mem::replace(c, m));
    }

    fn with(self, f: impl FnOnce(&Cm)) {
        self.0.try_with_value(|c| c.as_ref().map(|m| f(&m.cm)));
    }

    /// Shows `text` (changed elsewhere: a load, an undo of a load); starts a new undo history.
    pub fn set_text(self, text: &str) {
        self.with(|c| c.set_text(text));
    }

    /// Applies an edit as one undoable step, with its selection after it.
    pub fn apply(self, e: &Edit) {
        self.with(|c| c.replace(e.from, e.to, &e.insert, e.sel.0, e.sel.1));
    }

    /// Selects UTF-16 offsets `a..b` and scrolls them into view.
    pub fn select(self, a: u32, b: u32) {
        self.with(|c| c.select(a, b));
    }

    /// The main selection, UTF-16 offsets.
    pub fn selection(self) -> (u32, u32) {
        let mut s = (0, 0);
        self.with(|c| {
            let v = c.selection();
            s = (
                v.first().copied().unwrap_or(0),
                v.get(1).copied().unwrap_or(0),
            );
        });
        s
    }

    /// The editor's whole text (none before the mount).
    pub fn text(self) -> Option<String> {
        let mut t = None;
        self.with(|c| t = Some(c.text()));
        t
    }

    /// Underlines the diagnostics' spans: (from, to, error, message), UTF-16 offsets.
    pub fn set_marks(self, marks: &[(u32, u32, bool, &str)]) {
        self.with(|c| {
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
        self.with(|c| c.set_hits(ranges, cur as u32));
    }

    /// Focuses the editor.
    pub fn focus(self) {
        self.with(|c| c.focus());
    }
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new()
    }
}
