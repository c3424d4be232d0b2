//! The fleet view: the YAML editor (`editor`) with live validation, undoable loads, the
//! restored-draft notice, and the fleet's files.

use super::editor::draft::{self, Undo};
use super::editor::{diagnostics::Diagnostics, CodeEditor};
use super::file_picker::FilePicker;
use crate::api;
use crate::state::{AppState, Route};
use canary_core::fleet::FileSet;
use leptos::prelude::*;

thread_local! {
    /// Edits of the fleet so far: only the latest one's validation runs.
    static EDITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// What the last pick or drop of files did, said under the file list.
#[derive(Clone)]
enum Notice {
    /// Files were added or a folder loaded.
    Done(String),
    /// Nothing was loaded, and why (the fleet and its files are as they were).
    Problem(String),
}

/// Takes the files of an opened folder: finds `fleet.yaml`, makes paths relative to its folder.
fn adopt_folder(list: Vec<(String, Vec<u8>)>) -> Result<(String, FileSet), String> {
    let yaml_path = list
        .iter()
        .map(|(p, _)| p.clone())
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name == "fleet.yaml" || name == "fleet.yml"
        })
        .min_by_key(|p| p.matches('/').count())
        .or_else(|| {
            list.iter()
                .map(|(p, _)| p.clone())
                .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
                .min_by_key(|p| p.matches('/').count())
        })
        .ok_or("no fleet.yaml (or other .yaml file) in what you opened")?;
    let root = yaml_path
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    let mut yaml = String::new();
    let mut files = FileSet::new();
    for (p, bytes) in list {
        if p == yaml_path {
            yaml = String::from_utf8(bytes)
                .map_err(|_| format!("{yaml_path} is not UTF-8 text; save it as UTF-8"))?;
        } else if let Some(rel) = p.strip_prefix(&root) {
            files.insert(rel.to_string(), bytes);
        }
    }
    Ok((yaml, files))
}

/// The fleet editor view.
#[component]
pub fn FleetEditor() -> impl IntoView {
    let state = expect_context::<AppState>();
    let memory = use_context::<draft::EditorMemory>();
    let undo = memory.map_or_else(|| RwSignal::new(None), |m| m.undo);
    let check_ms = RwSignal::new(None::<f64>);
    let draft_notice = memory.map(|m| m.notice);
    let selected = RwSignal::new(None::<String>);
    let new_path = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<Notice>);
    let editor = super::editor::cm::Editor::new();

    // Live validation, debounced: validate 250 ms after the last keystroke. The count is the
    // page's, not this view's: a view rebuilt (or left) in between still gets the report of
    // the text as it is, which lives in the app state.
    let revalidate = move || {
        let seq = EDITS.with(|e| e.get() + 1);
        EDITS.with(|e| e.set(seq));
        gloo_timers::callback::Timeout::new(250, move || {
            if EDITS.with(|e| e.get()) == seq {
                let t0 = now();
                state.validate_now();
                check_ms.try_set(Some(now() - t0));
            }
        })
        .forget();
    };

    // A load replaces the text (and files): the previous ones stay one Undo away.
    let replace = move |what: String, yaml: Option<String>, files: FileSet| {
        undo.set(Some(Undo {
            what,
            yaml: state.yaml.get_untracked(),
            files: state.files.get_untracked(),
        }));
        if let Some(y) = yaml {
            state.load_yaml(y);
        }
        state.files.set(files);
        revalidate();
    };
    let load_list = move |list: Vec<(String, Vec<u8>)>, folder: bool| {
        if folder {
            match adopt_folder(list) {
                Ok((yaml, files)) => {
                    let n = files.len();
                    notice.set(Some(Notice::Done(format!(
                        "Loaded the fleet and {}.",
                        canary_core::wording::count(n, "file")
                    ))));
                    replace(
                        format!(
                            "Loaded the fleet and {}.",
                            canary_core::wording::count(n, "file")
                        ),
                        Some(yaml),
                        files,
                    );
                }
                Err(e) => notice.set(Some(Notice::Problem(e))),
            }
        } else {
            let n = list.len();
            let mut f = state.files.get_untracked();
            for (p, t) in list {
                let rel = p.rsplit('/').next().unwrap_or(&p).to_string();
                let key = if p.contains('/') { p.clone() } else { rel };
                f.insert(key, t);
            }
            notice.set(Some(Notice::Done(format!(
                "Added {}.",
                canary_core::wording::count(n, "file")
            ))));
            replace(
                format!("Added {}.", canary_core::wording::count(n, "file")),
                None,
                f,
            );
        }
    };
    let on_pick = move |ev: leptos::ev::Event, folder: bool| {
        let Some((input, list)) = api::picked_files(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let files = api::read_files(list).await;
            // Cleared once read (the list is live): picking the same file again is a change.
            input.set_value("");
            if !files.is_empty() {
                load_list(files, folder);
            }
        });
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(list) = ev.data_transfer().and_then(|d| d.files()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let files = api::read_files(list).await;
            let has_fleet = files
                .iter()
                .any(|(p, _)| p.ends_with("fleet.yaml") || p.ends_with("fleet.yml"));
            load_list(files, has_fleet);
        });
    };

    let ok = move || state.report.with(|r| r.ok);
    let file_rows = move || {
        state
            .files
            .get()
            .into_iter()
            .map(|(path, text)| {
                let p = path.clone();
                let p2 = path.clone();
                let p3 = path.clone();
                let p4 = path.clone();
                // Nothing in the fleet reads it: a leftover, or a path the YAML spells otherwise
                // (test suites and datasets are the Test view's).
                let test_file = canary_core::verdict::is_test_file(&path);
                let unused = move || !test_file && state.report.with(|r| r.uses_file(&p4)) == Some(false);
                view! {
                    <li class:sel=move || selected.get().as_deref() == Some(p.as_str())>
                        <button class="link" on:click=move |_| selected.set(Some(p2.clone()))>{path.clone()}</button>
                        {move || unused().then(|| view! {
                            <span class="badge unused" title="No part of the fleet reads this file: a leftover, or a path the YAML spells differently">"unused"</span>
                        })}
                        <span class="muted">{format!("{} B", text.len())}</span>
                        <button class="ghost small" aria-label=format!("Remove {path}") on:click=move |_| {
                            state.files.update(|f| { f.remove(&p3); });
                            revalidate();
                        }>"✕"</button>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="fleet-layout">
            <div class="panel editor-panel">
                <div class="panel-head">
                    <h1>"Fleet"</h1>
                    <div class="actions">
                        <button id="load-example" on:click=move |_| {
                            let (y, f) = crate::example::example();
                            replace("Loaded the example fleet.".into(), Some(y), f);
                        }>"Load example"</button>
                        <button on:click=move |_| api::download("fleet.yaml", &state.yaml.get_untracked(), "text/yaml")>"Download fleet.yaml"</button>
                        <button class="primary" id="to-plan" disabled=move || !ok() on:click=move |_| state.go(Route::Plan)
                            title="Review the plan (Ctrl+Enter)">"Review plan →"</button>
                    </div>
                </div>
                {move || draft_notice.and_then(|n| n.get()).map(|msg| view! {
                    <div class="callout draft-notice" id="draft-notice" role="status">
                        <span>{msg}</span>
                        <button class="small" id="discard-draft" on:click=move |_| {
                            draft::discard();
                            if let Some(n) = draft_notice { n.set(None); }
                            let (y, f) = crate::example::example();
                            replace("Discarded the draft: the example fleet is loaded.".into(), Some(y), f);
                        }>"Discard draft"</button>
                        <button class="ghost small" aria-label="Keep the draft and hide this notice"
                            on:click=move |_| if let Some(n) = draft_notice { n.set(None); }>"✕"</button>
                    </div>
                })}
                {move || undo.get().map(|u| view! {
                    <div class="toast" id="undo-toast" role="status">
                        <span>{u.what.clone()}</span>
                        <button class="small" id="undo-load" on:click=move |_| {
                            if let Some(u) = undo.get_untracked() {
                                undo.set(None);
                                state.load_yaml(u.yaml);
                                state.files.set(u.files);
                                revalidate();
                            }
                        }>"Undo"</button>
                        <button class="ghost small" aria-label="Dismiss" on:click=move |_| undo.set(None)>"✕"</button>
                    </div>
                })}
                <div class="editor-wrap" on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) && ok() {
                        ev.prevent_default();
                        state.go(Route::Plan);
                    }
                }>
                    <CodeEditor editor=editor on_edit=Callback::new(move |_| { undo.set(None); revalidate(); }) />
                </div>
                <Diagnostics editor=editor check_ms=check_ms />
            </div>
            <aside class="panel files-panel" aria-labelledby="files-title"
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
                <h2 id="files-title">"Files"</h2>
                <p class="hint">"Prompts, blocks, tool sources and documents the fleet references, relative to its folder. Drop files here."</p>
                <div class="actions wrap">
                    <FilePicker label="Open folder…" multiple=true folder=true on_pick=Callback::new(move |ev| on_pick(ev, true)) />
                    <FilePicker label="Add files…" multiple=true on_pick=Callback::new(move |ev| on_pick(ev, false)) />
                </div>
                {move || notice.get().map(|n| match n {
                    Notice::Done(m) => view! { <p class="notice" id="files-notice" role="status">{m}</p> }.into_any(),
                    Notice::Problem(m) => view! { <p class="notice bad" id="files-notice" role="alert">{m}</p> }.into_any(),
                })}
                {move || state.files.with(|f| f.is_empty()).then(|| view! {
                    <p class="muted small" id="files-empty">"No files yet. A fleet that uses "<code>"from_file"</code>", "<code>"tools/NAME.py"</code>" or folder documents needs them here: open the fleet's folder, drop them here, or add one by path below."</p>
                })}
                <ul class="file-list">{file_rows}</ul>
                <form class="inline" on:submit=move |ev| {
                    ev.prevent_default();
                    let raw = new_path.get_untracked();
                    if raw.trim().is_empty() {
                        return;
                    }
                    // The path as the fleet will look it up (`./a.md` is `a.md`; `..` cannot leave
                    // the fleet's folder), so the list never holds two spellings of one file.
                    match canary_core::fleet::files::normalize_path(raw.trim()) {
                        Err(e) => notice.set(Some(Notice::Problem(format!("Not added: {e}.")))),
                        Ok(p) => {
                            if state.files.with_untracked(|f| f.contains_key(&p)) {
                                notice.set(Some(Notice::Done(format!("{p} is already in the list: it is open below."))));
                            } else {
                                state.files.update(|f| { f.insert(p.clone(), Vec::new()); });
                                notice.set(None);
                                revalidate();
                            }
                            selected.set(Some(p));
                            new_path.set(String::new());
                        }
                    }
                }>
                    <input type="text" placeholder="new file path, e.g. prompts/a.md" aria-label="New file path"
                        prop:value=move || new_path.get() on:input=move |ev| new_path.set(event_target_value(&ev)) />
                    <button type="submit">"Add"</button>
                </form>
                {move || selected.get().map(|path| {
                    let p = path.clone();
                    let p_bin = path.clone();
                    view! {
                        <div class="file-edit">
                            <label for="file-text">{format!("Editing {path}")}</label>
                            <textarea id="file-text" spellcheck="false"
                                prop:readonly=move || state.files.with(|f| f.get(&p_bin).is_some() && f.text(&p_bin).is_none())
                                prop:value=move || state.files.with(|f| f.text(&p).unwrap_or("(binary file: not shown)").to_string())
                                on:input=move |ev| { let v = event_target_value(&ev); state.files.update(|f| { f.insert(path.clone(), v); }); revalidate(); }></textarea>
                        </div>
                    }
                })}
            </aside>
        </section>
    }
}
