//! The app's state: one context value of signals, shared by every view.

use crate::api;
use canary_core::client::diagnose::ConnectionProblem;
use canary_core::client::Connection;
use canary_core::execute::{ExecReport, Progress};
use canary_core::fleet::{load_fleet, FileSet, Fleet, FleetReport};
use canary_core::plan::{Mode, Plan, PlanOptions};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub mod chat;
mod inputs;
mod validation;
pub use inputs::{mode_label, Inputs};

/// The views, addressed by `#/name` deep links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Server connection.
    Connect,
    /// Fleet editor.
    Fleet,
    /// Plan review.
    Plan,
    /// Execution.
    Run,
    /// Canaries list and describe.
    Canaries,
    /// Side-by-side chat.
    Chat,
    /// Test suites, replay and the verdict.
    Test,
    /// Applied fleet versions.
    History,
}

impl Route {
    /// Every route, in navigation order.
    pub const ALL: [Route; 8] = [
        Route::Connect,
        Route::Fleet,
        Route::Plan,
        Route::Run,
        Route::Canaries,
        Route::Chat,
        Route::Test,
        Route::History,
    ];

    /// The deep-link slug.
    pub fn slug(self) -> &'static str {
        match self {
            Route::Connect => "connect",
            Route::Fleet => "fleet",
            Route::Plan => "plan",
            Route::Run => "run",
            Route::Canaries => "canaries",
            Route::Chat => "chat",
            Route::Test => "test",
            Route::History => "history",
        }
    }

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Route::Connect => "Connection",
            Route::Fleet => "Fleet",
            Route::Plan => "Plan",
            Route::Run => "Execute",
            Route::Canaries => "Canaries",
            Route::Chat => "Chat",
            Route::Test => "Test",
            Route::History => "History",
        }
    }

    /// The route of a location hash (`#/plan`); the fleet editor by default.
    pub fn from_hash(hash: &str) -> Route {
        let slug = hash.trim_start_matches('#').trim_start_matches('/');
        let slug = slug.split(['?', '/']).next().unwrap_or_default();
        Route::ALL
            .into_iter()
            .find(|r| r.slug() == slug)
            .unwrap_or(Route::Fleet)
    }
}

/// What the server said when last asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// Not asked yet.
    Unknown,
    /// Asking.
    Checking,
    /// Healthy, with its version.
    Ok(String),
    /// Unusable: what is wrong, in words, with what to do.
    Failed(ConnectionProblem),
}

/// The plan under review, with the inputs it was computed from.
#[derive(Debug, Clone)]
pub struct Reviewed {
    /// The plan.
    pub plan: Plan,
    /// The fleet it was computed from.
    pub fleet: Fleet,
    /// The text, files, options and connection it was computed from (also kept for history).
    pub inputs: Inputs,
}

/// The plan view's state.
#[derive(Debug, Clone)]
pub enum PlanState {
    /// Nothing planned yet.
    Empty,
    /// Reading the server, to plan these inputs.
    Loading(Arc<Inputs>),
    /// Ready to review. Shared, not boxed: views read the plan state in many places, and a
    /// 2,000-agent plan with its fleet and text takes ~35 ms to copy (and as long to drop).
    Ready(Arc<Reviewed>),
    /// Planning failed.
    Failed(String),
}

/// Per-agent status during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentStatus {
    /// Waiting for a slot.
    Queued,
    /// In progress.
    Working,
    /// Done.
    Done,
    /// Failed, with the reason.
    Failed(String),
}

/// The execute view's state.
#[derive(Debug, Clone)]
pub enum RunState {
    /// Nothing ran yet.
    Idle,
    /// Running the plan: events so far.
    Running(Box<Reviewed>, Vec<Progress>),
    /// Finished: the report, what the run was asked to do, the plan's mode, and the check
    /// that follows (the re-plan proving convergence), shown below the report.
    Finished(Box<ExecReport>, String, Mode, Check),
    /// Refused or failed before writing.
    Failed(String),
}

/// The check after a run: its number (a retried check is a new one, and only the latest may
/// land), where it stands, and what ran (what a retry plans again).
#[derive(Debug, Clone)]
pub struct Check {
    /// Which check this is.
    pub n: u64,
    /// Its outcome so far.
    pub state: canary_core::wording::Convergence,
    /// The plan that ran, with its fleet and inputs.
    pub ran: Box<Reviewed>,
}

/// One applied fleet version (never the API key); the model lives in the core.
pub use canary_core::history::HistoryEntry;

const HISTORY_KEY: &str = "fleet-canary.history";
const KEY_KEY: &str = "fleet-canary.api-key";
const SERVER_KEY: &str = "fleet-canary.server";
const THEME_KEY: &str = "fleet-canary.theme";
/// How many versions History keeps (the oldest go first).
pub const MAX_HISTORY: usize = 50;

/// Every signal of the app.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Current view.
    pub route: RwSignal<Route>,
    /// Server settings.
    pub conn: RwSignal<Connection>,
    /// Keep the API key for this tab (sessionStorage).
    pub remember_key: RwSignal<bool>,
    /// Server health.
    pub health: RwSignal<Health>,
    /// Number of the latest health check started: only its outcome may land.
    pub health_seq: StoredValue<u64>,
    /// Fleet YAML being edited, with `\n` line breaks as the editor keeps them: text from
    /// outside the editor comes in through [`AppState::load_yaml`].
    pub yaml: RwSignal<String>,
    /// Fleet files.
    pub files: RwSignal<FileSet>,
    /// Validation of the YAML as of the last pause in typing (set through
    /// [`AppState::validate`], which keeps what it was made of in `validated`).
    pub report: RwSignal<FleetReport>,
    /// The text and files `report` was made of.
    pub validated: StoredValue<Option<validation::Source>>,
    /// Plan options.
    pub options: RwSignal<PlanOptions>,
    /// Plan under review.
    pub plan: RwSignal<PlanState>,
    /// Number of the latest plan computation started: only its result may become the plan.
    pub plan_seq: StoredValue<u64>,
    /// A server a `?server=` link asks for, different from the one the remembered API key
    /// belongs to: the app stays on the key's server until the user confirms the switch.
    pub pending_server: RwSignal<Option<String>>,
    /// Execution.
    pub run: RwSignal<RunState>,
    /// Applied versions.
    pub history: RwSignal<Vec<HistoryEntry>>,
    /// Dark theme on.
    pub dark: RwSignal<bool>,
    /// The canary/production pair the chat talks to.
    pub pair: RwSignal<Option<ChatPair>>,
    /// The promote gate's decision, with the fleet hash it was made for (set by the plan view).
    pub gate: RwSignal<Option<(String, canary_core::verdict::GateDecision)>>,
    /// The chat's transcripts, per canary/production pair (kept when the view is left).
    pub chat: RwSignal<chat::ChatStore>,
    /// "Run the suite" was chosen after a run: the Test view starts the suite when it opens
    /// (and clears this), instead of waiting for a second click.
    pub suite_requested: StoredValue<bool>,
    /// Verdicts being written to the canaries' metadata: a suite's results show before its
    /// verdict is stored, and the promote gate reads the stored one, so it waits for this to
    /// fall back to 0 and reads again.
    pub verdict_saving: RwSignal<u32>,
}

/// A canary and its production agent, for side-by-side chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatPair {
    /// Canary agent id.
    pub canary_id: String,
    /// Canary name.
    pub canary_name: String,
    /// Production agent id, when it exists.
    pub production_id: Option<String>,
    /// Production name.
    pub production_name: String,
}

/// The API key remembered for the tab, bound to the server it was entered for: it is only ever
/// used with a server of the same origin (a link's `?server=` must not receive it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RememberedKey {
    server: String,
    key: String,
}

impl AppState {
    /// Builds the state from storage and the URL. `?server=` overrides the stored server, except
    /// that a remembered API key is never sent to another origin: when the link names a server
    /// other than the key's, the app stays on the key's server and asks (see `pending_server`).
    pub fn new(example: (String, FileSet)) -> AppState {
        let query_server = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .and_then(|s| {
                s.trim_start_matches('?')
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("server=").map(str::to_string))
            })
            .and_then(|s| {
                js_sys::decode_uri_component(&s)
                    .ok()
                    .and_then(|v| v.as_string())
            });
        let stored_server = api::load(false, SERVER_KEY);
        // A key stored by an older version has no server: drop it rather than guess.
        let remembered: Option<RememberedKey> =
            api::load(true, KEY_KEY).and_then(|s| serde_json::from_str(&s).ok());
        if remembered.is_none() {
            api::store(true, KEY_KEY, None);
        }
        let mut pending = None;
        let server = match (query_server, &remembered) {
            (Some(q), Some(r)) if api::origin_of(&q) != api::origin_of(&r.server) => {
                pending = Some(q);
                r.server.clone()
            }
            (Some(q), _) => q,
            (None, _) => stored_server.unwrap_or_else(|| "http://127.0.0.1:8283".into()),
        };
        let key = remembered
            .filter(|r| api::origin_of(&r.server) == api::origin_of(&server))
            .map(|r| r.key);
        let history: Vec<HistoryEntry> = api::load(false, HISTORY_KEY)
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let dark = match api::load(false, THEME_KEY).as_deref() {
            Some("dark") => true,
            Some("light") => false,
            _ => web_sys::window()
                .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
                .is_some_and(|m| m.matches()),
        };
        let report = load_fleet(&example.0, &example.1);
        let validated = validation::Source::of(&example.0, &example.1);
        AppState {
            route: RwSignal::new(Route::from_hash(
                &web_sys::window()
                    .and_then(|w| w.location().hash().ok())
                    .unwrap_or_default(),
            )),
            conn: RwSignal::new(Connection {
                base_url: server,
                api_key: key.clone(),
                project: None,
            }),
            remember_key: RwSignal::new(key.is_some()),
            health: RwSignal::new(Health::Unknown),
            health_seq: StoredValue::new(0),
            yaml: RwSignal::new(example.0),
            files: RwSignal::new(example.1),
            report: RwSignal::new(report),
            validated: StoredValue::new(Some(validated)),
            options: RwSignal::new(PlanOptions::default()),
            plan: RwSignal::new(PlanState::Empty),
            plan_seq: StoredValue::new(0),
            pending_server: RwSignal::new(pending),
            run: RwSignal::new(RunState::Idle),
            history: RwSignal::new(history),
            dark: RwSignal::new(dark),
            pair: RwSignal::new(None),
            gate: RwSignal::new(None),
            chat: RwSignal::new(chat::ChatStore::default()),
            suite_requested: StoredValue::new(false),
            verdict_saving: RwSignal::new(0),
        }
    }

    /// Saves the server URL, and the key (bound to that server) only when "remember for this
    /// tab" is on.
    pub fn persist_connection(&self) {
        let c = self.conn.get_untracked();
        api::store(false, SERVER_KEY, Some(&c.base_url));
        let key = c
            .api_key
            .filter(|k| !k.is_empty() && self.remember_key.get_untracked())
            .and_then(|key| {
                serde_json::to_string(&RememberedKey {
                    server: c.base_url.clone(),
                    key,
                })
                .ok()
            });
        api::store(true, KEY_KEY, key.as_deref());
    }

    /// Switches to the server a link asked for, without any API key (the remembered key belongs
    /// to the previous server and is forgotten).
    pub fn accept_pending_server(&self) {
        let Some(server) = self.pending_server.get_untracked() else {
            return;
        };
        self.conn.set(Connection {
            base_url: server,
            api_key: None,
            project: None,
        });
        self.remember_key.set(false);
        self.pending_server.set(None);
        self.persist_connection();
    }

    /// The inputs a plan computed now would use (tracked: a memo of it follows every edit).
    pub fn inputs(&self) -> Inputs {
        Inputs {
            yaml: self.yaml.get(),
            files: self.files.get(),
            options: self.options.get(),
            conn: self.conn.get(),
        }
    }

    /// Like [`AppState::inputs`], without subscribing.
    pub fn inputs_untracked(&self) -> Inputs {
        Inputs {
            yaml: self.yaml.get_untracked(),
            files: self.files.get_untracked(),
            options: self.options.get_untracked(),
            conn: self.conn.get_untracked(),
        }
    }

    /// Replaces the fleet text with one from elsewhere (a file, a draft, the history, a plan
    /// file), its line breaks as the editor keeps them (`\n`), so the editor's offsets —
    /// selections, marks, Tab and Enter edits — are offsets in this text too.
    pub fn load_yaml(&self, yaml: String) {
        let yaml = match canary_core::editor::normalize_newlines(&yaml) {
            std::borrow::Cow::Borrowed(_) => yaml,
            std::borrow::Cow::Owned(n) => n,
        };
        self.yaml.set(yaml);
    }

    /// Why the reviewed plan no longer matches the page (empty when it does, or when there is
    /// no plan). Tracked.
    pub fn stale_reasons(&self) -> Vec<String> {
        let now = self.inputs();
        self.plan.with(|p| match p {
            PlanState::Ready(r) => r.inputs.differences(&now),
            _ => Vec::new(),
        })
    }

    /// Like [`AppState::stale_reasons`], without subscribing.
    pub fn stale_reasons_untracked(&self) -> Vec<String> {
        let now = self.inputs_untracked();
        self.plan.with_untracked(|p| match p {
            PlanState::Ready(r) => r.inputs.differences(&now),
            _ => Vec::new(),
        })
    }

    /// Adds an applied version to the history (newest first).
    pub fn record(&self, entry: HistoryEntry) {
        self.history.update(|h| {
            h.insert(0, entry);
            h.truncate(MAX_HISTORY);
        });
        self.persist_history();
    }

    /// Replaces the whole history (an import) and stores it.
    pub fn set_history(&self, entries: Vec<HistoryEntry>) {
        self.history.set(entries);
        self.persist_history();
    }

    fn persist_history(&self) {
        if let Ok(s) = serde_json::to_string(&self.history.get_untracked()) {
            api::store(false, HISTORY_KEY, Some(&s));
        }
    }

    /// Clears the history.
    pub fn clear_history(&self) {
        self.history.set(Vec::new());
        api::store(false, HISTORY_KEY, None);
    }

    /// Stores the theme choice.
    pub fn persist_theme(&self) {
        api::store(
            false,
            THEME_KEY,
            Some(if self.dark.get_untracked() {
                "dark"
            } else {
                "light"
            }),
        );
    }

    /// Goes to a view (and updates the address bar).
    pub fn go(&self, r: Route) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&format!("/{}", r.slug()));
        }
        self.route.set(r);
    }
}
