//! Writes the TypeScript declarations of the wire types into the UI.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join(pforte_wire::typescript::OUTPUT_PATH);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, pforte_wire::typescript::render())?;
    println!("wrote {}", pforte_wire::typescript::OUTPUT_PATH);
    Ok(())
}
