//! The `netshim` launcher: arguments, exit codes, warnings, logging and the report.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

fn netshim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netshim"))
        .args(args)
        .env("NETSHIM_LIBRARY", library())
        .output()
        .expect("netshim runs")
}

fn library() -> PathBuf {
    let dir = std::env::var("NETSHIM_LIB_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release").into());
    PathBuf::from(dir).join("libnetshim.so")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netshim-launcher-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn help_version_and_usage_errors() {
    let help = netshim(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("netshim run"));
    let version = netshim(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("netshim {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &[][..],
        &["run"],
        &["bogus"],
        &["run", "-o"],
        &["run", "--nope", "true"],
        &["report"],
    ] {
        let out = netshim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn exit_status_is_the_commands() {
    assert_eq!(
        netshim(&["run", "--", "sh", "-c", "exit 7"]).status.code(),
        Some(7)
    );
    assert_eq!(netshim(&["run", "true"]).status.code(), Some(0));
    assert_eq!(
        netshim(&["run", "/nonexistent/cmd"]).status.code(),
        Some(127)
    );
}

#[test]
fn warns_for_static_and_setuid_programs() {
    let dir = scratch("warn");
    let src = dir.join("s.c");
    std::fs::write(&src, "int main(void){return 0;}\n").unwrap();
    let exe = dir.join("static");
    let built = Command::new("gcc")
        .arg("-static")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap();
    assert!(
        built.success(),
        "gcc -static must work (libc6-dev's libc.a)"
    );
    let out = netshim(&["run", "--trace=never", exe.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("statically linked"),
        "{out:?}"
    );
    // Traced (the default), it needs no warning.
    let out = netshim(&["run", exe.to_str().unwrap()]);
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");

    let suid = dir.join("true-suid");
    std::fs::copy("/bin/true", &suid).unwrap();
    std::fs::set_permissions(&suid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let out = netshim(&["run", "--trace=never", suid.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("set-uid"),
        "{out:?}"
    );
    let out = netshim(&["run", "true"]);
    assert!(
        out.stderr.is_empty(),
        "no warning for an ordinary program: {out:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn logs_connects_and_reports_them() {
    let dir = scratch("log");
    let log = dir.join("conn.log");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // dropped: refused
    let script = format!(
        "import socket\nsocket.create_connection(('127.0.0.1', {port}))\ntry:\n    socket.create_connection(('127.0.0.1', {closed}))\nexcept OSError:\n    pass\n"
    );
    let out = netshim(&[
        "run",
        "-o",
        log.to_str().unwrap(),
        "--json",
        "python3",
        "-c",
        &script,
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(&format!("\"dest\":\"127.0.0.1:{port}\""))
            && text.contains("\"result\":\"ok\""),
        "{text}"
    );
    assert!(text.contains("ECONNREFUSED"), "{text}");

    // LD_PRELOAD entries already there are kept.
    let out = Command::new(env!("CARGO_BIN_EXE_netshim"))
        .args(["run", "sh", "-c", "echo $LD_PRELOAD"])
        .env("NETSHIM_LIBRARY", library())
        .env("LD_PRELOAD", "")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .ends_with("libnetshim.so"));

    let report = netshim(&["report", log.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&report.stdout);
    assert!(report.status.success());
    assert!(
        table
            .lines()
            .any(|l| l.contains(&format!("127.0.0.1:{port}")) && l.contains("python3")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains(&format!("127.0.0.1:{closed}")) && l.contains("ECONNREFUSED×1")),
        "{table}"
    );
    drop(listener);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_skips_lines_that_are_not_json() {
    let dir = scratch("report");
    let log = dir.join("mixed.log");
    let mut f = std::fs::File::create(&log).unwrap();
    writeln!(f, "not json").unwrap();
    writeln!(f, "{{\"event\":\"connect\",\"prog\":\"x\",\"dest\":\"[::1]:80\",\"host\":\"h.test\",\"result\":\"ok\",\"duration_us\":1500}}").unwrap();
    drop(f);
    let out = netshim(&["report", log.to_str().unwrap()]);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("h.test") && table.contains("[::1]:80") && table.contains("1.500ms"),
        "{table}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 lines were not JSON"));
    assert_eq!(
        netshim(&["report", "/nonexistent/log"]).status.code(),
        Some(1)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
