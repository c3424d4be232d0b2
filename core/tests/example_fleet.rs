//! The example fleet shipped with the app is valid.
use canary_core::fleet::{load_fleet, FileSet};

#[test]
fn example_fleet_is_valid() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/support-fleet");
    let mut files = FileSet::new();
    for rel in [
        "prompts/support.md",
        "blocks/policies.md",
        "tools/lookup_order.py",
        "docs/returns.md",
        "docs/shipping.md",
    ] {
        files.insert(
            rel.to_string(),
            std::fs::read(format!("{root}/{rel}")).expect("example file"),
        );
    }
    let yaml = std::fs::read_to_string(format!("{root}/fleet.yaml")).expect("fleet.yaml");
    let r = load_fleet(&yaml, &files);
    assert!(r.ok, "{:?}", r.errors);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.fleet.map(|f| f.agents.len()), Some(2));
}
