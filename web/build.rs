//! The wasm build keeps the linker's relocations: `scripts/build.js` splits the module at the
//! lazy views (`src/lazy.rs`) with wasm-split, which needs them to move code between chunks.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
}
