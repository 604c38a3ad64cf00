//! Hand-written narinfos probing the parser's corners
//! (`testdata/narinfo/edge/<case>.narinfo`), each with the reference C++ Nix
//! 2.26.3's reading of it (`<case>.out`, from `edge/generate.sh`: `ok` and the
//! `nix path-info --json` output, or `error` and the message).
//!
//! We must accept exactly the cases the reference accepts, with the same
//! values, and reject the others at the same line. Cases named `deviation-*`
//! are documented differences (see the module docs of [`crate::narinfo`]); for
//! them the reference accepts and we refuse.

use serde_json::Value;

use super::super::*;
use super::golden::testdata;

struct Case {
    name: String,
    input: String,
    /// `Ok(path-info JSON of the one path)` or `Err(message)`.
    reference: Result<Value, String>,
}

fn cases() -> Vec<Case> {
    let dir = testdata().join("edge");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("edge dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter_map(|n| n.strip_suffix(".narinfo").map(str::to_owned))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let input =
                std::fs::read_to_string(dir.join(format!("{name}.narinfo"))).expect("input");
            let out = std::fs::read_to_string(dir.join(format!("{name}.out")))
                .unwrap_or_else(|e| panic!("{name}.out: {e} (run edge/generate.sh)"));
            let (status, rest) = out.split_once('\n').expect("status line");
            let reference = match status {
                "ok" => {
                    let json: Value = serde_json::from_str(rest).expect("path-info JSON");
                    let obj = json.as_object().expect("object");
                    assert_eq!(obj.len(), 1);
                    Ok(obj.values().next().expect("one path").clone())
                }
                "error" => Err(rest.trim_end().to_owned()),
                other => panic!("{name}: bad status {other}"),
            };
            Case {
                name,
                input,
                reference,
            }
        })
        .collect()
}

#[test]
fn edge_cases_match_the_reference() {
    let cases = cases();
    assert!(cases.len() > 70, "{} cases", cases.len());
    for case in &cases {
        let ours = NarInfo::parse(&case.input);
        let name = &case.name;
        if name.starts_with("deviation-") {
            assert!(case.reference.is_ok(), "{name}: the reference accepts it");
            assert!(ours.is_err(), "{name}: we refuse it");
            continue;
        }
        match (&case.reference, ours) {
            (Ok(expected), Ok(info)) => {
                assert_eq!(&info.to_path_info_json(), expected, "{name}");
                // Printing and reading again gives the same narinfo.
                let printed = info.to_string();
                let again = NarInfo::parse(&printed).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(again, info, "{name}: {printed}");
            }
            (Err(message), Err(e)) => {
                // The reference's logger drops carriage returns.
                let ours = e.to_string().replace('\r', "");
                match message.split_once("is corrupt: ") {
                    // "<reason>[ at line N]": ours starts with the same.
                    Some((_, reason)) => {
                        assert!(ours.starts_with(reason), "{name}: {ours:?} vs {reason:?}")
                    }
                    // Errors from store path or content address parsing.
                    None => {
                        let detail = message.strip_prefix("error: ").unwrap_or(message);
                        let detail = detail.lines().next().unwrap_or_default();
                        assert!(ours.contains(detail), "{name}: {ours:?} vs {detail:?}");
                    }
                }
                if let Some(line) = message
                    .split_once(" at line ")
                    .map(|(_, n)| n.trim().parse::<usize>().expect("line number"))
                {
                    assert_eq!(e.line(), Some(line), "{name}");
                }
            }
            (Ok(_), Err(e)) => panic!("{name}: the reference accepts it, we say: {e}"),
            (Err(m), Ok(_)) => panic!("{name}: the reference says {m}, we accept it"),
        }
    }
}

/// Inputs in a shape some tool writes, even if C++ Nix 2.26 does not, print
/// back exactly.
#[test]
fn quirky_inputs_round_trip() {
    for name in [
        "canonical",
        "minimal",
        "references-missing",
        "unknown-keys",
        "deriver-unknown",
        "hash-sri",
        "hash-base16",
        "hash-base64-prefixed",
        "references-unsorted",
        "sig-duplicate-unsorted",
        "compression-empty",
    ] {
        let input = std::fs::read_to_string(testdata().join(format!("edge/{name}.narinfo")))
            .expect("input");
        let info = NarInfo::parse(&input).expect("parses");
        assert_eq!(info.to_string(), input, "{name}");
    }
}
