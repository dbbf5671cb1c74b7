// include_dir! does not track files added to template/: tell cargo to rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=template");
}
