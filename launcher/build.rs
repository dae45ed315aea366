// The launcher reads DNS answers with the library's own wire modules (src/resolve/dns, pure
// `core` code, included by #[path]); `fuzzing` is the cfg under which that directory leaves
// out its socket transport, as it does for the fuzz crate.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
    println!("cargo::rustc-cfg=fuzzing");
}
