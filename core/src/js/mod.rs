//! The JavaScript package (feature `js`, built by `make js` into `core/pkg/`).
//!
//! Pure functions ([`validate_fleet`], [`plan_fleet`], [`render_plan`]) answer at once; the
//! server functions in [`server`] return promises and reach the Letta server over the global
//! `fetch` ([`fetch::FetchTransport`]), so one package serves Node 20 and browsers. Every
//! answer is a plain object with `ok`: bad input, an invalid fleet or an unreachable server is
//! an answer saying what and where, never an exception, so a pipeline needs no try/catch.
//!
//! The TypeScript declarations are written by hand in `types/*.d.ts` (the plan and report types
//! live in modules whose derives we do not want to tie to a TS generator); `tests/js/` proves
//! them with `tsc` against real answers of this module.

pub mod fetch;
pub mod gate;
pub mod planfile;
pub mod server;

use crate::client::ApiError;
use crate::fleet::{load_fleet, Diagnostic, FileSet};
use crate::live::LiveState;
use crate::plan::{plan, Plan, PlanOptions};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_FLEET: &str = include_str!("types/fleet.d.ts");
#[wasm_bindgen(typescript_custom_section)]
const TS_PLAN: &str = include_str!("types/plan.d.ts");
#[wasm_bindgen(typescript_custom_section)]
const TS_SERVER: &str = include_str!("types/server.d.ts");

/// Why a call gave no result, by what the caller can do about it (`Failure` in TypeScript).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// Machine-readable reason (`input`, `fleet`, `network`, `stale`, …).
    pub kind: &'static str,
    /// What went wrong and what to do, in a sentence.
    pub message: String,
    /// The fleet's errors, for `kind: "fleet"` (empty otherwise).
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    /// A failure without fleet diagnostics.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }

    /// Bad arguments from the caller.
    pub fn input(message: impl Into<String>) -> Failure {
        Failure::new("input", message)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        let kind = match &e {
            ApiError::Network { .. } => "network",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Quota(_) => "quota",
            ApiError::NotFound(_) => "notFound",
            ApiError::Busy(_) => "busy",
            ApiError::Invalid { .. } => "invalid",
            ApiError::RateLimited(_) => "rateLimited",
            ApiError::Llm(_) => "llm",
            ApiError::Server { .. } => "server",
            ApiError::Decode(_) => "decode",
            ApiError::PagingStuck(_) => "pagingStuck",
            ApiError::Ambiguous { .. } => "ambiguous",
        };
        Failure::new(kind, e.to_string())
    }
}

/// Serialises to a plain JS value (objects, not `Map`s).
pub(crate) fn to_js<T: Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// Reads an argument; `what` names it in the error (`"options"`, `"the plan"`).
pub(crate) fn from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<T, Failure> {
    serde_wasm_bindgen::from_value(v).map_err(|e| Failure::input(format!("{what}: {e}")))
}

/// Reads an optional argument: `null` and `undefined` give the default.
pub(crate) fn from_js_or_default<T: DeserializeOwned + Default>(
    v: JsValue,
    what: &str,
) -> Result<T, Failure> {
    if v.is_null() || v.is_undefined() {
        Ok(T::default())
    } else {
        from_js(v, what)
    }
}

fn yaml_from(yaml: JsValue) -> Result<String, Failure> {
    yaml.as_string()
        .ok_or_else(|| Failure::input("the fleet must be YAML text (a string)"))
}

fn files_from(files: JsValue) -> Result<FileSet, Failure> {
    from_js_or_default(files, "files must be an object of path → text")
}

/// A fleet loaded from JS arguments: the valid fleet and its warnings, or a `fleet` failure.
pub(crate) struct Loaded {
    fleet: crate::fleet::Fleet,
    warnings: Vec<Diagnostic>,
}

pub(crate) fn load(yaml: JsValue, files: JsValue) -> Result<Loaded, Failure> {
    let (yaml, files) = (yaml_from(yaml)?, files_from(files)?);
    let report = load_fleet(&yaml, &files);
    match report.fleet {
        Some(fleet) => Ok(Loaded {
            fleet,
            warnings: report.warnings,
        }),
        None => Err(Failure {
            kind: "fleet",
            message: format!(
                "the fleet is not valid: {}",
                report
                    .errors
                    .first()
                    .map(|e| e.to_string())
                    .unwrap_or_default()
            ),
            diagnostics: report.errors,
        }),
    }
}

/// Errors of a failure in the shape of a `FleetReport`'s `errors` (its diagnostics, or one
/// diagnostic carrying the message).
fn as_diagnostics(f: &Failure) -> serde_json::Value {
    if f.diagnostics.is_empty() {
        serde_json::json!([{"message": f.message, "path": "", "line": null, "column": null, "severity": "error"}])
    } else {
        serde_json::json!(f.diagnostics)
    }
}

/// Parses, validates and resolves a fleet. Never throws.
#[wasm_bindgen(js_name = validateFleet, unchecked_return_type = "FleetReport")]
pub fn validate_fleet(
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetFiles | null")] files: JsValue,
) -> JsValue {
    match yaml_from(yaml).and_then(|y| Ok((y, files_from(files)?))) {
        Ok((yaml, files)) => to_js(&load_fleet(&yaml, &files)),
        Err(f) => to_js(&serde_json::json!({
            "ok": false, "errors": as_diagnostics(&f), "warnings": [], "fleet": null, "filesUsed": null
        })),
    }
}

/// `planFleet`'s answer when it planned.
#[derive(Serialize)]
struct Planned<'a> {
    ok: bool,
    errors: &'a [Diagnostic],
    warnings: &'a [Diagnostic],
    plan: &'a Plan,
}

/// Plans a fleet against a live state; `null`: a preview without a server, which plans
/// everything as new and cannot be executed. Never throws.
#[wasm_bindgen(js_name = planFleet, unchecked_return_type = "PlanResult")]
pub fn plan_fleet(
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetFiles | null")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LiveStateInput | null")] live: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlanOptions | null")] options: JsValue,
) -> JsValue {
    let planned = (|| {
        // `null`: no server was read; the plan says so and treats built-in tools as present.
        let live: LiveState = if live.is_null() || live.is_undefined() {
            LiveState::unread()
        } else {
            from_js(live, "the live state is not valid")?
        };
        let options: PlanOptions = from_js_or_default(options, "the options are not valid")?;
        let loaded = load(yaml, files)?;
        let p = plan(&loaded.fleet, &live, &options)
            .map_err(|e| Failure::new("plan", e.to_string()))?;
        Ok::<_, Failure>((p, loaded.warnings))
    })();
    match planned {
        // Straight to JavaScript: through `json!` the plan would be built twice (a
        // `serde_json::Value` first), which cost as much as planning 1,000 agents in wasm.
        Ok((p, warnings)) => to_js(&Planned {
            ok: true,
            errors: &[],
            warnings: &warnings,
            plan: &p,
        }),
        Err(f) => to_js(&serde_json::json!({
            "ok": false, "errors": as_diagnostics(&f), "warnings": [], "plan": null
        })),
    }
}

/// Renders a plan in lettactl's dry-run text format. Returns an error line for a non-plan.
#[wasm_bindgen(js_name = renderPlan)]
pub fn render_plan(#[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue) -> String {
    match serde_wasm_bindgen::from_value::<Plan>(plan) {
        Ok(p) => crate::render::render_text(&p),
        Err(e) => format!("error: not a plan: {e}"),
    }
}
