//! The JavaScript API (feature `js`, built by `make js` into `core/pkg/`).
//!
//! Every function takes plain JS values and returns plain JS values; bad input becomes an
//! `{ ok: false, errors: [...] }` answer, never an exception, so callers need no try/catch.

use crate::fleet::{load_fleet, FileSet};
use crate::live::LiveState;
use crate::plan::{plan, Plan, PlanOptions};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &'static str = r#"
export interface FleetDiagnostic { message: string; path: string; line: number | null; column: number | null; severity: "error" | "warning"; }
export interface FleetReport { ok: boolean; errors: FleetDiagnostic[]; warnings: FleetDiagnostic[]; fleet: any | null; }
export interface PlanOptions { mode?: "canary" | "promote" | "apply" | "cleanup"; prefix?: string; agents?: string[]; prune?: boolean; acceptToolUpdates?: boolean; allCanaries?: boolean; cleanupAfter?: boolean; }
export interface PlanChange { field: string; old: string | null; new: string | null; diff: any | null; }
export interface AgentPlan { production_name: string; name: string; action: "CREATE" | "UPDATE" | "UNCHANGED"; id: string | null; changes: PlanChange[]; unchanged: [string, string][]; steps: any[]; }
export interface Plan { mode: string; prefix: string | null; cleanup_after: boolean; fleet_steps: any[]; agents: AgentPlan[]; production_impact: any[]; deletions: any[]; kept: any[]; blockers: string[]; summary: { create: number; update: number; unchanged: number; delete: number; fleet_steps: number; total_changes: number }; fingerprint: string; }
export interface PlanResult { ok: boolean; errors: FleetDiagnostic[]; warnings: FleetDiagnostic[]; plan: Plan | null; }
"#;

fn to_js<T: Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

fn files_from(files: JsValue) -> Result<FileSet, String> {
    if files.is_undefined() || files.is_null() {
        return Ok(FileSet::new());
    }
    serde_wasm_bindgen::from_value(files)
        .map_err(|e| format!("files must be an object of path → text: {e}"))
}

fn input_error(message: String) -> JsValue {
    to_js(&serde_json::json!({
        "ok": false,
        "errors": [{"message": message, "path": "", "line": null, "column": null, "severity": "error"}],
        "warnings": [], "fleet": null, "plan": null
    }))
}

/// Parses, validates and resolves a fleet. Never throws.
#[wasm_bindgen(js_name = validateFleet, unchecked_return_type = "FleetReport")]
pub fn validate_fleet(
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
) -> JsValue {
    let Some(yaml) = yaml.as_string() else {
        return input_error("the fleet must be YAML text (a string)".into());
    };
    match files_from(files) {
        Ok(files) => to_js(&load_fleet(&yaml, &files)),
        Err(e) => input_error(e),
    }
}

/// Plans a fleet against a live state (`null` for an empty server). Never throws.
#[wasm_bindgen(js_name = planFleet, unchecked_return_type = "PlanResult")]
pub fn plan_fleet(
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "any | null")] live: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlanOptions")] options: JsValue,
) -> JsValue {
    let Some(yaml) = yaml.as_string() else {
        return input_error("the fleet must be YAML text (a string)".into());
    };
    let files = match files_from(files) {
        Ok(f) => f,
        Err(e) => return input_error(e),
    };
    let live: LiveState = if live.is_null() || live.is_undefined() {
        LiveState::default()
    } else {
        match serde_wasm_bindgen::from_value(live) {
            Ok(l) => l,
            Err(e) => return input_error(format!("live state is not valid: {e}")),
        }
    };
    let options: PlanOptions = if options.is_null() || options.is_undefined() {
        PlanOptions::default()
    } else {
        match serde_wasm_bindgen::from_value(options) {
            Ok(o) => o,
            Err(e) => return input_error(format!("options are not valid: {e}")),
        }
    };
    let report = load_fleet(&yaml, &files);
    let Some(fleet) = report.fleet else {
        return to_js(
            &serde_json::json!({"ok": false, "errors": report.errors, "warnings": report.warnings, "plan": null}),
        );
    };
    match plan(&fleet, &live, &options) {
        Ok(p) => to_js(
            &serde_json::json!({"ok": true, "errors": [], "warnings": report.warnings, "plan": p}),
        ),
        Err(e) => input_error(e.to_string()),
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
