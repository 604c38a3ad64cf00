//! `nix-cache-info` and cache file names. The `Priority` cases were checked
//! with the reference C++ Nix 2.26.3 (`nix store info --store file://DIR` on a
//! cache whose `nix-cache-info` has `Priority: abc` / `40abc` / ` -5` /
//! `99999999999`: `error: stoi`, accepted, accepted, `error: stoi`).

use rstest::rstest;

use super::super::*;

#[test]
fn cache_nixos_org_shape_round_trips() {
    let text = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
    let info = CacheInfo::parse(text).expect("parses");
    assert_eq!(
        info,
        CacheInfo {
            store_dir: Some("/nix/store"),
            want_mass_query: Some(true),
            priority: Some(40),
        }
    );
    assert_eq!(info.to_string(), text);
}

#[test]
fn cache_info_is_read_leniently() {
    let text = "junk\r\n\n  \nStoreDir:\t/nix/store \r\nWantMassQuery: true\nUnknown: 1\nPriority: 10\nPriority: 20\n";
    let info = CacheInfo::parse(text).expect("parses");
    assert_eq!(info.store_dir, Some("/nix/store"));
    assert_eq!(info.want_mass_query, Some(false));
    assert_eq!(info.priority, Some(20));
    assert_eq!(CacheInfo::parse(""), Ok(CacheInfo::default()));
}

#[rstest]
#[case::plain("40", Some(40))]
#[case::trailing_junk("40abc", Some(40))]
#[case::negative(" -5", Some(-5))]
#[case::plus("+7", Some(7))]
#[case::not_a_number("abc", None)]
#[case::sign_only("-", None)]
#[case::too_big("99999999999", None)]
#[case::int_max("2147483647", Some(i32::MAX))]
#[case::int_min("-2147483648", Some(i32::MIN))]
#[case::empty("", None)]
fn priority_is_read_like_stoi(#[case] value: &str, #[case] expected: Option<i32>) {
    let text = format!("Priority: {value}\n");
    match expected {
        Some(p) => assert_eq!(CacheInfo::parse(&text).map(|i| i.priority), Ok(Some(p))),
        None => assert_eq!(
            CacheInfo::parse(&text),
            Err(CacheInfoError::InvalidPriority(value.trim().to_owned()))
        ),
    }
}

#[test]
fn store_dir_must_match() {
    let info = CacheInfo::parse("StoreDir: /foo\n").expect("parses");
    let e = info.check_store_dir("/nix/store").expect_err("mismatch");
    assert_eq!(
        e.to_string(),
        "binary cache is for Nix stores with prefix '/foo', not '/nix/store'"
    );
    assert_eq!(CacheInfo::default().check_store_dir("/nix/store"), Ok(()));
}

#[rstest]
#[case("none", "")]
#[case("xz", ".xz")]
#[case("bzip2", ".bz2")]
#[case("zstd", ".zst")]
#[case("lzip", ".lzip")]
#[case("lz4", ".lz4")]
#[case("br", ".br")]
#[case("gzip", "")]
#[case("lzma", "")]
fn nar_extensions(#[case] method: &str, #[case] ext: &str) {
    assert_eq!(nar_file_extension(method), ext);
    assert!(COMPRESSION_METHODS.contains(&method));
}

#[rstest]
#[case::no_ext("04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.nar", Some(""))]
#[case::xz(
    "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.nar.xz",
    Some(".xz")
)]
#[case::unknown_ext("04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.nar.gz", None)]
#[case::short("04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dq.nar", None)]
#[case::bad_char("e4zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.nar", None)]
#[case::no_nar("04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw.xz", None)]
#[case::non_ascii("é4zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dq.nar", None)]
fn nar_file_names(#[case] name: &str, #[case] ext: Option<&str>) {
    assert_eq!(parse_nar_file_name(name).map(|(_, e)| e), ext);
}

#[rstest]
#[case("i9pmrzmpshapij2kin22pff6fc2adavx.narinfo", true)]
#[case("i9pmrzmpshapij2kin22pff6fc2adav.narinfo", false)]
#[case("i9pmrzmpshapij2kin22pff6fc2adavx.ls", false)]
#[case("e9pmrzmpshapij2kin22pff6fc2adavx.narinfo", false)]
fn narinfo_file_names(#[case] name: &str, #[case] valid: bool) {
    assert_eq!(parse_narinfo_file_name(name).is_some(), valid);
}

#[test]
fn log_file_names() {
    let drv = crate::store_path::StorePathRef::from_bytes(
        b"gl3r7i4q91l4ml2hnj1b7m0mzkxnwgf3-selfref.drv",
    )
    .expect("valid");
    assert_eq!(
        log_file_name(&drv),
        "log/gl3r7i4q91l4ml2hnj1b7m0mzkxnwgf3-selfref.drv"
    );
}
