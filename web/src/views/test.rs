//! The Test view: write and run a suite against the canaries, replay production traffic, and
//! read the verdict the promote gate will use. All of it is the core's (`canary_core::verdict`):
//! this view only edits the test file, starts runs and draws their data.
//!
//! Runs follow "latest wins": each start takes a sequence number, and a result (or progress)
//! from an older run is dropped, so a slow run can never overwrite a newer one.

mod gate;
mod replay;
mod results;

pub use gate::{after_promote, gate_allows, GateNote, PromoteGate};

use crate::api;
use crate::state::{AppState, HistoryEntry};
use crate::views::file_picker::FilePicker;
use canary_core::canary::Prefix;
use canary_core::verdict::{
    fleet_hash, is_suite_path, parse_suite, plan_suite, read_verdict, run_plan, store_verdict,
    RunOptions, RunProgress, RunReport, SuiteReport, Verdict, DEFAULT_SUITE_PATH,
};
use leptos::prelude::*;

/// Text of a file of the fleet's file set (held as text or bytes, depending on its version).
pub(crate) fn file_text(state: AppState, path: &str) -> Option<String> {
    state.files.with(|f| {
        f.get(path)
            .map(|b| String::from_utf8_lossy(AsRef::<[u8]>::as_ref(b)).into_owned())
    })
}

/// A starting suite for the fleet's agents.
fn example_suite(agents: &[String]) -> String {
    let first = agents.first().cloned().unwrap_or_else(|| "my-agent".into());
    format!(
        "# Runs against every canary of the prefix; each case in fresh test conversations.\nname: smoke\ncases:\n  - name: answers\n    input: Hello\n    checks:\n      - contains: Hello\n      - max_latency_ms: 30000\n  - name: same as production\n    agents: [{first}]\n    input: What can you do?\n    checks:\n      - same_as_production: true\n"
    )
}

/// Points a suite at a dataset: replaces its `dataset:` line, or adds one.
fn with_dataset(suite: &str, dataset: &str) -> String {
    if suite.trim().is_empty() {
        return format!("name: imported\ndataset: {dataset}\n");
    }
    let mut found = false;
    let mut lines: Vec<String> = suite
        .lines()
        .map(|l| {
            if l.starts_with("dataset:") {
                found = true;
                format!("dataset: {dataset}")
            } else {
                l.to_string()
            }
        })
        .collect();
    if !found {
        lines.push(format!("dataset: {dataset}"));
    }
    lines.join("\n") + "\n"
}

/// Adds a letta-evals dataset (JSONL) to the fleet's files under `tests/` and points the suite
/// at it; the suite's parse then reports each bad line of it.
fn import_dataset(state: AppState, path: RwSignal<String>, ev: leptos::ev::Event) {
    let Some((input, list)) = api::picked_files(&ev) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let picked = api::read_files(list).await;
        // Cleared once read (the list is live): importing the same file again is a change.
        input.set_value("");
        let Some((name, bytes)) = picked.into_iter().next() else {
            return;
        };
        let file = name.rsplit('/').next().unwrap_or(&name).to_string();
        let dataset = format!("tests/{file}");
        // The view may have been left while the file was read.
        let Some(suite_path) = path.try_get_untracked() else {
            return;
        };
        let suite = file_text(state, &suite_path).unwrap_or_default();
        let updated = with_dataset(&suite, &dataset);
        state.files.update(|f| {
            f.insert(dataset, bytes);
            f.insert(suite_path, updated);
        });
    });
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
enum RunView {
    Idle,
    Running { done: usize, total: usize },
    Blocked(Vec<String>),
    Failed(String),
    Done(Box<RunReport>, Vec<String>),
}

fn start_run(
    state: AppState,
    path: String,
    report: SuiteReport,
    run: RwSignal<RunView>,
    seq: StoredValue<u64>,
    verdict: RwSignal<Option<Verdict>>,
) {
    let Some(suite) = report.suite else { return };
    let Some(fleet) = state.report.with_untracked(|r| r.fleet.clone()) else {
        run.set(RunView::Failed(
            "The fleet has errors: fix it in the Fleet view first.".into(),
        ));
        return;
    };
    let prefix = match Prefix::new(&state.options.with_untracked(|o| o.prefix.clone())) {
        Ok(p) => p,
        Err(e) => {
            run.set(RunView::Failed(e.to_string()));
            return;
        }
    };
    seq.update_value(|s| *s += 1);
    let mine = seq.get_value();
    let current = move || seq.try_get_value() == Some(mine);
    let conn = state.conn.get_untracked();
    run.set(RunView::Running { done: 0, total: 0 });
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        // The prefix's agents and the fleet's production agents, not the whole server.
        let live = match client.read_suite_agents(&fleet, &prefix).await {
            Ok(l) => l,
            Err(e) => {
                if current() {
                    run.try_set(RunView::Failed(e.to_string()));
                }
                return;
            }
        };
        let plan = plan_suite(&suite, &fleet, &live, &prefix);
        if !plan.blockers.is_empty() {
            if current() {
                run.try_set(RunView::Blocked(plan.blockers));
            }
            return;
        }
        let total = plan.cases.len();
        run.try_set(RunView::Running { done: 0, total });
        let on_progress = move |p: RunProgress| {
            if current() && matches!(p, RunProgress::CaseDone { .. }) {
                run.try_update(|r| {
                    if let RunView::Running { done, .. } = r {
                        *done += 1;
                    }
                });
            }
        };
        let clock = || js_sys::Date::now();
        let opts = RunOptions {
            now: api::now_iso(),
            clock: &clock,
            keep_canary_conversations: false,
        };
        let report = run_plan(&client, &plan, &opts, &on_progress).await;
        let canaries: Vec<String> = plan
            .cases
            .iter()
            .map(|c| c.target.canary_id.clone())
            .collect();
        state.verdict_saving.update(|n| *n += 1);
        let warnings = store_verdict(&client, &report.verdict, &canaries).await;
        state.verdict_saving.update(|n| *n = n.saturating_sub(1));
        // The run happened whether or not its view is still open: History says so.
        let (yaml, files) = (state.yaml.get_untracked(), state.files.get_untracked());
        state.record(HistoryEntry {
            time: api::now_iso(),
            mode: "test".into(),
            server: conn.base_url.clone(),
            prefix: Some(plan.prefix.clone()),
            summary: format!("{} ({path})", report.verdict.summary()),
            ok: report.verdict.ok,
            phase_one_ok: None,
            yaml,
            files,
        });
        if !current() {
            return;
        }
        verdict.try_set(Some(report.verdict.clone()));
        run.try_set(RunView::Done(Box::new(report), warnings));
    });
}

/// Reads the latest stored verdict for this fleet version and prefix.
pub(crate) fn load_verdict(
    state: AppState,
    verdict: RwSignal<Option<Verdict>>,
    error: RwSignal<Option<String>>,
    seq: StoredValue<u64>,
) {
    let Some(fleet) = state.report.with_untracked(|r| r.fleet.clone()) else {
        return;
    };
    let hash = fleet_hash(&fleet);
    let prefix = state.options.with_untracked(|o| o.prefix.clone());
    seq.update_value(|s| *s += 1);
    let mine = seq.get_value();
    let conn = state.conn.get_untracked();
    leptos::task::spawn_local(async move {
        // Only the prefix's agents carry its verdicts: the read grows with them, not the server.
        let result = read_verdict(&api::client(&conn), &prefix, &hash).await;
        if seq.try_get_value() != Some(mine) {
            return;
        }
        match result {
            Ok(v) => {
                verdict.try_set(v);
                error.try_set(None);
            }
            Err(e) => {
                error.try_set(Some(e.to_string()));
            }
        }
    });
}

/// The verdict as a callout.
pub(crate) fn verdict_view(v: Option<Verdict>, hash: &str) -> AnyView {
    match v {
        None => view! { <p class="muted" id="verdict">"No verdict yet for this prefix: run a suite."</p> }.into_any(),
        Some(v) => {
            let current = v.fleet_hash == hash;
            // Failed is red, as the results below; a pass for another version of the fleet, amber.
            let class = match (v.ok, current) {
                (true, true) => "callout ok",
                (true, false) => "callout warn",
                (false, _) => "callout bad",
            };
            view! {
                <div class=class id="verdict" data-ok=v.ok.to_string() data-current=current.to_string()>
                    <strong>{v.outcome()}</strong>" "{v.detail()}
                    {(!current).then(|| view! { <p>"This verdict is for another version of the fleet (this one is "<code>{hash.to_string()}</code>"): run the suite again."</p> })}
                    {(!v.failed_cases.is_empty()).then(|| view! { <p class="muted">{format!("Failed: {}", v.failed_cases.join(", "))}</p> })}
                </div>
            }.into_any()
        }
    }
}

/// The Test view.
#[component]
pub fn Test() -> impl IntoView {
    let state = expect_context::<AppState>();
    let initial = state.files.with_untracked(|f| {
        f.iter()
            .map(|(k, _)| k.clone())
            .find(|k| is_suite_path(k))
            .unwrap_or_else(|| DEFAULT_SUITE_PATH.to_string())
    });
    let path = RwSignal::new(initial);
    let text = Memo::new(move |_| file_text(state, &path.get()).unwrap_or_default());
    let suite_paths = Memo::new(move |_| {
        let mut v: Vec<String> = state.files.with(|f| {
            f.iter()
                .map(|(k, _)| k.clone())
                .filter(|k| is_suite_path(k))
                .collect()
        });
        let p = path.get();
        if !v.contains(&p) {
            v.push(p);
        }
        v
    });
    let parsed = Memo::new(move |_| {
        let fleet = state.report.with(|r| r.fleet.clone());
        let p = path.get();
        let t = text.get();
        state.files.with(|f| parse_suite(&p, &t, fleet.as_ref(), f))
    });
    let hash = Memo::new(move |_| {
        state
            .report
            .with(|r| r.fleet.as_ref().map(fleet_hash))
            .unwrap_or_default()
    });
    let run = RwSignal::new(RunView::Idle);
    let run_seq = StoredValue::new(0u64);
    let verdict = RwSignal::new(None::<Verdict>);
    let verdict_error = RwSignal::new(None::<String>);
    let verdict_seq = StoredValue::new(0u64);
    load_verdict(state, verdict, verdict_error, verdict_seq);
    let agent_names = move || {
        state
            .report
            .with(|r| {
                r.fleet
                    .as_ref()
                    .map(|f| f.agents.iter().map(|a| a.name.clone()).collect::<Vec<_>>())
            })
            .unwrap_or_default()
    };
    // Opened by "Run the suite" after a run: start it now, or say why it cannot start.
    if state.suite_requested.get_value() {
        state.suite_requested.set_value(false);
        let suite = parsed.get_untracked();
        if suite.ok {
            start_run(state, path.get_untracked(), suite, run, run_seq, verdict);
        } else {
            run.set(RunView::Failed(format!(
                "The suite could not start: {} has errors (below). Fix them, then run it.",
                path.get_untracked()
            )));
        }
    }
    let set_text = move |t: String| {
        let p = path.get_untracked();
        state.files.update(|f| {
            f.insert(p, t);
        });
    };
    view! {
        <section class="panel test-view">
            <div class="panel-head">
                <h1>"Test"</h1>
                <label>"Prefix "
                    <input id="test-prefix" type="text" size="12" prop:value=move || state.options.with(|o| o.prefix.clone())
                        on:change=move |ev| {
                            state.options.update(|o| o.prefix = event_target_value(&ev));
                            load_verdict(state, verdict, verdict_error, verdict_seq);
                        } />
                </label>
            </div>
            <p class="muted">"Every test message goes to a test conversation made for it, on the canary and on production; nothing is sent to an agent's default conversation. "
                {canary_core::verdict::isolation::summary()}</p>
            <h2>"Verdict"</h2>
            {move || verdict_view(verdict.get(), &hash.get())}
            {move || verdict_error.get().map(|e| view! { <p class="bad" role="alert">{e}</p> })}
            <h2>"Suite"</h2>
            <div class="suite-head">
                <label>"Test file "
                    <select id="suite-path" on:change=move |ev| path.set(event_target_value(&ev))>
                        {move || suite_paths.get().into_iter().map(|p| {
                            let p2 = p.clone();
                            view! { <option value=p.clone() selected=move || path.get() == p2>{p.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <FilePicker label="Import a letta-evals dataset (.jsonl)…" id="dataset-file" accept=".jsonl,.json"
                    on_pick=Callback::new(move |ev| import_dataset(state, path, ev)) />
                <button id="suite-example" on:click=move |_| set_text(example_suite(&agent_names()))
                    disabled=move || !text.get().trim().is_empty()>"Start from an example"</button>
            </div>
            <label for="suite-text" class="sr-only">"Suite YAML"</label>
            <textarea id="suite-text" class="code suite-text" rows="14" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| set_text(event_target_value(&ev))></textarea>
            <div id="suite-errors" aria-live="polite">
                {move || {
                    // A blank suite is where everyone starts: say how to begin, not what is wrong.
                    if text.with(|t| t.trim().is_empty()) {
                        return view! {
                            <p class="muted" id="suite-empty">"No test cases yet: write a suite here, start from an example, or import a letta-evals dataset."</p>
                        }.into_any();
                    }
                    let r = parsed.get();
                    if r.ok {
                        let n = r.suite.as_ref().map_or(0, |s| s.cases.len());
                        view! { <p class="ok" id="suite-ok">{format!("{}, no errors.", canary_core::wording::count(n, "case"))}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="errors">
                                {r.errors.iter().map(|e| view! {
                                    <li class="bad" data-line=e.line.map(|l| l.to_string()).unwrap_or_default()>{e.to_string()}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </div>
            <div class="actions">
                <button class="primary" id="run-suite"
                    disabled=move || !parsed.with(|r| r.ok) || matches!(run.get(), RunView::Running { .. })
                    on:click=move |_| start_run(state, path.get_untracked(), parsed.get_untracked(), run, run_seq, verdict)>
                    "Run suite against canaries and production"</button>
            </div>
            <div id="run-status" aria-live="polite">
                {move || match run.get() {
                    RunView::Idle => view! { <span></span> }.into_any(),
                    RunView::Running { done, total } => view! {
                        <p class="muted" id="suite-running">{format!("Running: {done} of {} done…", canary_core::wording::count(total, "case"))}</p>
                        <progress max=total.max(1).to_string() value=done.to_string()></progress>
                    }.into_any(),
                    RunView::Blocked(b) => view! {
                        <ul class="errors" role="alert">{b.into_iter().map(|x| view! { <li class="bad">{x}</li> }).collect_view()}</ul>
                    }.into_any(),
                    RunView::Failed(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
                    RunView::Done(report, warnings) => view! {
                        {warnings.into_iter().map(|w| view! { <p class="warn">{w}</p> }).collect_view()}
                        <results::Results report=*report />
                    }.into_any(),
                }}
            </div>
            <h2>"Replay production traffic"</h2>
            <replay::Replay path=path />
        </section>
    }
}
