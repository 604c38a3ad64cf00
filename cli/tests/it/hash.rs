//! `tvix-store hash file|path`. Expected hashes are what the reference prints:
//! `printf hello > f; nix hash file [--base16|--base32|--base64|--sri] [--type T] f`.

use expect_test::expect;

use crate::tvix_store;

fn dir_with_hello() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("f"), b"hello").expect("write");
    dir
}

#[test]
fn file_in_every_format() {
    let dir = dir_with_hello();
    let run = |args: &[&str]| {
        let r = tvix_store(dir.path(), args);
        assert_eq!(r.status, 0, "{}", r.stderr);
        r.stdout
    };
    expect![[r#"
        sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=
    "#]]
    .assert_eq(&run(&["hash", "file", "f"]));
    expect![[r#"
        2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
    "#]]
    .assert_eq(&run(&["hash", "file", "--base16", "f"]));
    expect![[r#"
        094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic
    "#]]
    .assert_eq(&run(&["hash", "file", "--base32", "f"]));
    expect![[r#"
        LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=
    "#]]
    .assert_eq(&run(&["hash", "file", "--base64", "f"]));
    expect![[r#"
        md5-XUFAKrxLKna5cZ2REBfFkg==
        md5-XUFAKrxLKna5cZ2REBfFkg==
    "#]]
    .assert_eq(&run(&["hash", "file", "--type", "md5", "f", "f"]));
    expect![[r#"
        2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
    "#]]
    .assert_eq(&run(&[
        "hash", "path", "--mode", "flat", "--format", "base16", "f",
    ]));
}

#[test]
fn missing_file_is_a_clear_error() {
    let dir = dir_with_hello();
    let r = tvix_store(dir.path(), &["hash", "file", "nope"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("opening file 'nope'") && r.stderr.contains("No such file"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_algorithm_is_rejected() {
    let dir = dir_with_hello();
    let r = tvix_store(dir.path(), &["hash", "file", "--type", "blake3", "f"]);
    assert_ne!(r.status, 0);
    assert!(
        r.stderr.contains("unknown hash algorithm 'blake3'"),
        "{}",
        r.stderr
    );
}

/// `nix hash file --base16 --sri f` prints SRI: the last format flag wins.
#[test]
fn last_format_flag_wins() {
    let dir = dir_with_hello();
    let r = tvix_store(dir.path(), &["hash", "file", "--base16", "--sri", "f"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=\n"
    );
    let r = tvix_store(
        dir.path(),
        &[
            "hash", "path", "--mode", "flat", "--sri", "--format", "base16", "f",
        ],
    );
    assert_eq!(
        r.stdout,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"
    );
}

/// Error texts as the reference prints them: `nix hash path nope`,
/// `nix hash file nope`, `nix hash file DIR` (C++ Nix doubles the leading
/// slash of the absolute path; we print it once).
#[test]
fn errors_read_like_nix() {
    let dir = dir_with_hello();
    std::fs::create_dir(dir.path().join("d")).expect("mkdir");
    let abs = dir.path().canonicalize().expect("canonical").join("nope");
    let r = tvix_store(dir.path(), &["hash", "path", "nope"]);
    assert_eq!(r.status, 1);
    assert_eq!(
        r.stderr,
        format!("error: path '{}' does not exist\n", abs.display())
    );
    let r = tvix_store(dir.path(), &["hash", "file", "nope"]);
    assert_eq!(
        r.stderr,
        "error: opening file 'nope': No such file or directory\n"
    );
    let r = tvix_store(dir.path(), &["hash", "file", "d"]);
    assert_eq!(r.stderr, "error: reading from file: Is a directory\n");
}
