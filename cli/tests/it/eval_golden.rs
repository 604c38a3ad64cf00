//! Golden cases that need the builtins the `tvix` command adds
//! (`derivation`): `eval/tests/cases/cli/*.nix` run through the binary must
//! print their `.exp`, produced by C++ Nix 2.26.3 (`eval/tests/cases/regen.sh`).

use std::{path::Path, process::Command};

#[test]
fn eval_golden_cli_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../eval/tests/cases/cli");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("case directory is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_tvix"))
            .args(["--eval", "--strict"])
            .arg(case.file_name().expect("file name"))
            .current_dir(&dir)
            .env_remove("NIX_PATH")
            .output()
            .expect("tvix runs");
        let want = std::fs::read_to_string(case.with_extension("exp")).expect(".exp exists");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want,
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success());
    }
}
