// A script added to the repository is embedded on the next build.
fn main() {
    println!("cargo:rerun-if-changed=../books/migrate_repo");
}
