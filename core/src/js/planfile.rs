//! Plan files from JavaScript: the one versioned format that `fleet-canary plan --out` /
//! `apply --plan` and the web app's "Download plan" / "Load plan file" share, so a Node
//! pipeline can hand a reviewed plan to either, and run theirs.

use super::server::{check_options, now_iso};
use super::{from_js, from_js_or_default, to_js, Failure};
use crate::fleet::FileSet;
use crate::plan::{Plan, PlanOptions};
use crate::planfile::{FleetSource, PlanFile};
use serde::Deserialize;
use serde_json::json;
use wasm_bindgen::prelude::*;

/// The fleet argument (`FleetSourceInput` in TypeScript).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FleetArg {
    #[serde(default)]
    path: Option<String>,
    yaml: String,
    #[serde(default)]
    files: Option<FileSet>,
}

fn failure(f: Failure) -> JsValue {
    to_js(&json!({"ok": false, "error": f, "text": null}))
}

/// Writes a reviewed plan as a plan file (pretty JSON): the plan, the options it was made with,
/// the fleet's source (only the files it references) and the server it was made against.
#[wasm_bindgen(js_name = writePlanFile, unchecked_return_type = "PlanFileText")]
pub fn write_plan_file(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlanOptions | null")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetSourceInput")] fleet: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] server: JsValue,
) -> JsValue {
    let made = (|| {
        let plan: Plan = from_js(plan, "the plan is not a plan")?;
        let options: PlanOptions = from_js_or_default(options, "the options are not valid")?;
        check_options(&plan, &options)?;
        let fleet: FleetArg = from_js(fleet, "the fleet must be { yaml, files?, path? }")?;
        let server = server
            .as_string()
            .ok_or_else(|| Failure::input("the server must be its base URL (a string)"))?;
        let source = FleetSource {
            path: fleet.path.unwrap_or_else(|| "fleet.yaml".into()),
            yaml: fleet.yaml,
            files: fleet.files.unwrap_or_default(),
        };
        let file = PlanFile::new(plan, options, source, &server, &now_iso());
        // A file whose fleet does not load could never be applied: refuse it now.
        file.load_fleet()
            .map_err(|e| Failure::new("fleet", e.to_string()))?;
        Ok::<_, Failure>(file.to_json())
    })();
    match made {
        Ok(text) => to_js(&json!({"ok": true, "error": null, "text": text})),
        Err(f) => failure(f),
    }
}

/// Reads a plan file (from this package, the CLI or the web app). Run it with `executePlan`
/// and its `fleet.yaml`, `fleet.files`, `plan` and `options`: the run re-reads the server and
/// refuses when anything changed since the plan was made.
#[wasm_bindgen(js_name = readPlanFile, unchecked_return_type = "PlanFileResult")]
pub fn read_plan_file(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsValue {
    let Some(text) = text.as_string() else {
        return to_js(
            &json!({"ok": false, "error": Failure::input("a plan file is JSON text (a string)"), "planFile": null}),
        );
    };
    match PlanFile::from_json(&text) {
        Ok(file) => to_js(&json!({"ok": true, "error": null, "planFile": file})),
        Err(e) => to_js(
            &json!({"ok": false, "error": Failure::new("planFile", e.to_string()), "planFile": null}),
        ),
    }
}
