//! The built-in example fleet (the same files as `examples/support-fleet/`).

use canary_core::fleet::FileSet;

macro_rules! example_files {
    ($($path:literal),* $(,)?) => {
        [$(($path, include_str!(concat!("../../examples/support-fleet/", $path)))),*]
    };
}

/// The example's YAML (its line breaks as the editor keeps them, whatever the checkout's) and
/// file set.
pub fn example() -> (String, FileSet) {
    let yaml = canary_core::editor::normalize_newlines(include_str!(
        "../../examples/support-fleet/fleet.yaml"
    ))
    .into_owned();
    let files = example_files![
        "prompts/support.md",
        "blocks/policies.md",
        "tools/lookup_order.py",
        "docs/returns.md",
        "docs/shipping.md"
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    (yaml, files)
}
