//! Evaluations with the glue over a `memory://` store. Expected store paths
//! are what `nix-instantiate --eval` 2.26.3 printed for the same expressions
//! and file contents (the commands are next to each test).

use std::{path::Path, rc::Rc};

use tvix_eval::{Evaluation, EvaluationBuilder};

use crate::{Glue, GlueStore};

struct Env {
    _rt: tokio::runtime::Runtime,
    glue: Rc<Glue>,
    eval: Evaluation,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let glue = Glue::new(GlueStore::from_arg("memory://".into(), rt.handle().clone()));
    let mut b = EvaluationBuilder::new().io(glue.io());
    for x in glue.builtins() {
        b = b.add_builtin(x);
    }
    Env {
        _rt: rt,
        glue,
        eval: b.build(),
    }
}

impl Env {
    fn eval(&self, src: &str) -> String {
        match self.eval.evaluate_expr(src.as_bytes(), None) {
            Ok(v) => {
                self.eval.force_deep(&v).expect("forces");
                let mut s = String::from_utf8(self.eval.print(&v)).expect("utf-8");
                s.push('\n');
                s
            }
            Err(e) => panic!("{src}: {}", self.eval.render_error(&e, false)),
        }
    }

    fn error(&self, src: &str) -> String {
        let e = self
            .eval
            .evaluate_expr(src.as_bytes(), None)
            .and_then(|v| self.eval.force_deep(&v).map(|()| v))
            .expect_err("fails");
        self.eval.render_error(&e, false)
    }
}

/// `/tmp/gt/src` as the reference saw it: `a.txt` ("hi\n"), `sub/b` ("x"),
/// `l` → `a.txt`.
fn tree(root: &Path) -> String {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("sub")).expect("mkdir");
    std::fs::write(src.join("a.txt"), b"hi\n").expect("write");
    std::fs::write(src.join("sub/b"), b"x").expect("write");
    std::os::unix::fs::symlink("a.txt", src.join("l")).expect("symlink");
    src.display().to_string()
}

#[test]
fn paths_copied_into_the_store_match_cpp_nix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = tree(dir.path());
    let e = env();
    // nix-instantiate --eval -E '"${/tmp/gt/src}"'
    assert_eq!(
        e.eval(&format!("\"${{{src}}}\"")),
        "\"/nix/store/703xcizx9xan79vrqnmf4gl4b1b75ajz-src\"\n"
    );
    // nix-instantiate --eval -E 'builtins.path { path = /tmp/gt/src; filter = p: t: t != "directory"; }'
    assert_eq!(
        e.eval(&format!(
            "builtins.path {{ path = {src}; filter = p: t: t != \"directory\"; }}"
        )),
        "\"/nix/store/2gx68l6b2qsxvp083ilx6kx06w02p1pz-src\"\n"
    );
    // nix-instantiate --eval -E 'builtins.filterSource (p: t: baseNameOf p != "l") /tmp/gt/src'
    assert_eq!(
        e.eval(&format!(
            "builtins.filterSource (p: t: baseNameOf p != \"l\") {src}"
        )),
        "\"/nix/store/j1ab8rfz0zkg0i3nfxir4w7bxk4p5p7i-src\"\n"
    );
    // nix-instantiate --eval -E 'builtins.path { path = /tmp/gt/src/a.txt; recursive = false; name = "flat"; }'
    assert_eq!(
        e.eval(&format!(
            "builtins.path {{ path = {src}/a.txt; recursive = false; name = \"flat\"; }}"
        )),
        "\"/nix/store/gc4mdv0vikcb0hqyn0mf97grgs1aaf0p-flat\"\n"
    );
    // The copy has the path in its context, and is readable from the store.
    assert_eq!(
        e.eval(&format!(
            "builtins.attrNames (builtins.getContext \"${{{src}}}\")"
        )),
        "[ \"/nix/store/703xcizx9xan79vrqnmf4gl4b1b75ajz-src\" ]\n"
    );
    std::fs::remove_dir_all(&src).expect("rm");
    assert_eq!(
        e.eval("builtins.readFile /nix/store/703xcizx9xan79vrqnmf4gl4b1b75ajz-src/l"),
        "\"hi\\n\"\n"
    );
    assert_eq!(
        e.eval("builtins.readDir /nix/store/703xcizx9xan79vrqnmf4gl4b1b75ajz-src"),
        "{ \"a.txt\" = \"regular\"; l = \"symlink\"; sub = \"directory\"; }\n"
    );
}

#[test]
fn expected_hash_mismatch_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = tree(dir.path());
    let e = env();
    let err = e.error(&format!(
        "builtins.path {{ path = {src}/a.txt; sha256 = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; }}"
    ));
    assert!(
        err.contains("store path mismatch in (possibly filtered) path added from"),
        "{err}"
    );
    // nix-instantiate --eval -E 'builtins.toFile "a/b" "x"'
    let err = e.error("builtins.toFile \"a/b\" \"x\"");
    assert!(
        err.contains("path '9d0sm13c3pj0msx6gd27izjkbmdnpbf2-a/b' is not a valid store path: name 'a/b' contains illegal character '/'"),
        "{err}"
    );
    let err = e.error(&format!("builtins.path {{ path = {src}/nonexistent; }}"));
    assert!(
        err.contains(&format!("path '{src}/nonexistent' does not exist")),
        "{err}"
    );
    let err = e.error(&format!("builtins.path {{ path = {src}; foo = 1; }}"));
    assert!(
        err.contains("unsupported argument 'foo' to 'builtins.path'"),
        "{err}"
    );
}

#[test]
fn to_file_records_references_and_refuses_derivations() {
    let e = env();
    // nix-instantiate --eval -E 'let f = builtins.toFile "a" "hello"; in builtins.toFile "b" "ref ${f}"'
    assert_eq!(
        e.eval("let f = builtins.toFile \"a\" \"hello\"; in builtins.toFile \"b\" \"ref ${f}\""),
        "\"/nix/store/8lwdbfh1dibrxqv0j9cc34gm6lb2v8rl-b\"\n"
    );
    assert_eq!(
        e.eval("builtins.readFile (builtins.toFile \"a\" \"hello\")"),
        "\"hello\"\n"
    );
    let err = e.error(
        "builtins.toFile \"x\" (derivation { name = \"d\"; builder = \"/b\"; system = \"s\"; }).drvPath",
    );
    assert!(
        err.contains(
            "files created by builtins.toFile may not reference derivations, but x references ="
        ),
        "{err}"
    );
    assert_eq!(
        e.eval("builtins.placeholder \"out\""),
        "\"/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9\"\n"
    );
    assert_eq!(e.eval("builtins.storeDir"), "\"/nix/store\"\n");
}

#[test]
fn drv_closure_is_written_and_ifd_without_builder_is_an_error() {
    let e = env();
    let src =
        "let a = derivation { name = \"a\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; };
        in derivation { name = \"b\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; dep = a; }";
    let drv = e.eval(&format!("({src}).drvPath"));
    let drv = drv.trim().trim_matches('"').to_owned();
    assert_eq!(e.glue.known().len(), 2);
    let path = nix_compat::store_path::StorePath::<String>::from_absolute_path(drv.as_bytes())
        .expect("store path");
    e.glue.write_drv_closure([&path]).expect("writes");
    // Both .drv files are now readable through the store, and parse back to
    // what was instantiated.
    let text = e.eval(&format!("builtins.readFile {drv}"));
    assert!(text.starts_with("\"Derive([(\\\"out\\\""), "{text}");
    let known = e.glue.known().get(&path).expect("known").drv.clone();
    let stored = e
        .glue
        .store()
        .path_info(&path)
        .expect("lookup")
        .expect("written");
    assert_eq!(stored.references.len(), 1);
    assert_eq!(known.input_derivations.len(), 1);

    let err = e.error(&format!("builtins.readFile ({src}).outPath"));
    assert!(
        err.contains("cannot build '")
            && err.contains(".drv^out' during evaluation: no build service is configured"),
        "{err}"
    );
}

/// A one-thread HTTP/1.0 server answering every request with `body` (or
/// 404 for paths ending in `/missing`); returns its base URL and a request
/// counter.
fn http_server(body: Vec<u8>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                    break;
                }
            }
            let missing = request
                .split(' ')
                .nth(1)
                .is_some_and(|p| p.ends_with("/missing"));
            let head = if missing {
                "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned()
            } else {
                format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
            };
            let _ = stream.write_all(head.as_bytes());
            if !missing {
                let _ = stream.write_all(&body);
            }
        }
    });
    (format!("http://{addr}"), count)
}

#[test]
fn fetchurl_over_http_matches_cpp_nix_and_pinned_fetches_are_cached() {
    let (base, count) = http_server(b"hello http\n".to_vec());
    let e = env();
    // printf 'hello http\n' > /tmp/data.txt;
    // nix-instantiate --eval -E 'builtins.fetchurl file:///tmp/data.txt'
    let expected = "\"/nix/store/d6pmv8li862qqimplqaksjsg0avqs95w-data.txt\"\n";
    assert_eq!(
        e.eval(&format!("builtins.fetchurl \"{base}/data.txt\"")),
        expected
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Same URL again in this evaluation: no request.
    assert_eq!(
        e.eval(&format!("builtins.fetchurl \"{base}/data.txt\"")),
        expected
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    let sha = e.eval("builtins.hashString \"sha256\" \"hello http\\n\"");
    let sha = sha.trim().trim_matches('"');
    // Pinned, and the path is in the store: no request even for a new URL.
    assert_eq!(
        e.eval(&format!(
            "builtins.fetchurl {{ url = \"{base}/other/data.txt\"; sha256 = \"{sha}\"; }}"
        )),
        expected
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    let err = e.error(&format!("builtins.fetchurl \"{base}/missing\""));
    assert!(
        err.contains(&format!(
            "unable to download '{base}/missing': HTTP error 404"
        )),
        "{err}"
    );
}

#[test]
fn fetch_tarball_strips_a_single_top_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let top = dir.path().join("t/top");
    std::fs::create_dir_all(top.join("sub")).expect("mkdir");
    std::fs::write(top.join("f"), b"hello\n").expect("write");
    std::fs::write(top.join("sub/g"), b"x").expect("write");
    let tarball = dir.path().join("one.tar.gz");
    let st = std::process::Command::new("tar")
        .arg("-C")
        .arg(dir.path().join("t"))
        .arg("-czf")
        .arg(&tarball)
        .arg("top")
        .status()
        .expect("tar");
    assert!(st.success());
    let e = env();
    // The same tree as /tmp/tb/one.tar.gz:
    // nix-instantiate --eval -E 'builtins.fetchTarball file:///tmp/tb/one.tar.gz'
    let p = e.eval(&format!(
        "builtins.fetchTarball file://{}",
        tarball.display()
    ));
    assert_eq!(
        p,
        "\"/nix/store/sr120l59czbg01aqpxx1h9iqfp6bjcry-source\"\n"
    );
    assert_eq!(
        e.eval("builtins.readFile /nix/store/sr120l59czbg01aqpxx1h9iqfp6bjcry-source/sub/g"),
        "\"x\"\n"
    );
}

#[test]
fn fetch_git_of_a_local_repository_matches_cpp_nix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("gr");
    std::fs::create_dir_all(repo.join("d")).expect("mkdir");
    let git = |args: &[&str]| {
        let st = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "a@b")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "a@b")
            .env("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("a"), b"one\n").expect("write");
    std::fs::write(repo.join("d/x"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(
        repo.join("d/x"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    std::os::unix::fs::symlink("a", repo.join("l")).expect("symlink");
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    let e = env();
    // The same commit in /tmp/gr (made with these names and dates):
    // nix-instantiate --eval --strict -E 'builtins.fetchGit { url = "file:///tmp/gr"; rev = "7044e97179063a2023f25f1a418deb2f9917f163"; }'
    let expected = "{ lastModified = 1577836800; lastModifiedDate = \"20200101000000\"; narHash = \"sha256-Ef4auKjuQh2a8sC0+4LUi/9zO3V5d/mSgzkKAyVTnwc=\"; outPath = \"/nix/store/747aqdscv2050bqaynsfyqzczn6w60x8-source\"; rev = \"7044e97179063a2023f25f1a418deb2f9917f163\"; revCount = 1; shortRev = \"7044e97\"; submodules = false; }\n";
    assert_eq!(
        e.eval(&format!("builtins.fetchGit {}", repo.display())),
        expected
    );
    assert_eq!(
        e.eval(&format!(
            "builtins.fetchTree {{ type = \"git\"; url = \"file://{}\"; rev = \"7044e97179063a2023f25f1a418deb2f9917f163\"; }}",
            repo.display()
        )),
        // fetchTree with an attribute set fetches shallowly: no revCount.
        expected.replace("revCount = 1; ", "")
    );
    // Without ref or rev, a clean working tree is read as C++ Nix's
    // `getAccessorFromWorkdir` does: revCount is there even for fetchTree
    // with an attribute set (nix-instantiate 2.26.3 on a non-bare repository
    // of two commits: `revCount = 2`; with `ref = "master"`: none).
    assert_eq!(
        e.eval(&format!(
            "builtins.fetchTree {{ type = \"git\"; url = \"file://{}\"; }}",
            repo.display()
        )),
        expected
    );
    let err = e.error(&format!(
        "builtins.fetchGit {{ url = {}; ref = \"nonexist\"; }}",
        repo.display()
    ));
    assert!(
        err.contains("resolving Git reference 'nonexist': revspec 'nonexist' not found"),
        "{err}"
    );
}

/// A build service that "builds" every output as a text file holding the
/// derivation's `greeting` variable, registering it under the output path.
struct EchoBuilder {
    store: GlueStore,
}

impl crate::BuildService for EchoBuilder {
    fn build(
        &self,
        drv_path: &nix_compat::store_path::StorePath<String>,
        drv: &nix_compat::derivation::Derivation,
        output: &str,
    ) -> Result<(), crate::BuildError> {
        // The .drv closure was written before the build was asked for.
        assert!(
            self.store.path_info(drv_path).expect("lookup").is_some(),
            "the .drv was not written first"
        );
        let out = drv.outputs[output].path.clone().expect("output path");
        let text: Vec<u8> = drv
            .environment
            .get(&nix_compat::derivation::BString::from("greeting"))
            .map(|v| v.to_vec())
            .unwrap_or_default();
        let node = self.store.handle().block_on(async {
            let s = self.store.services().expect("services");
            let digest = s.store.put_blob(&text).await.expect("blob");
            tvix_castore::Node::File {
                digest,
                size: text.len() as u64,
                executable: false,
            }
        });
        let nar = crate::store::file_nar(&text, false).expect("nar");
        let info = tvix_store::PathInfo {
            store_path: out,
            node,
            references: Vec::new(),
            nar_size: nar.len() as u64,
            nar_sha256: sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(
                &nar,
            ))
            .into(),
            deriver: Some(drv_path.clone()),
            signatures: Vec::new(),
            ca: None,
        };
        let s = self.store.services().expect("services");
        self.store
            .handle()
            .block_on(s.pathinfo.put(info))
            .map_err(|e| crate::BuildError::Failed(drv_path.to_absolute_path(), e.to_string()))?;
        Ok(())
    }
}

#[test]
fn import_from_derivation_asks_the_build_service() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let services = tvix_store::composition::StoreComposition::from_url("memory://")
        .expect("url")
        .build_root()
        .expect("build");
    let glue = Glue::with_builder(
        GlueStore::from_services(services.clone(), rt.handle().clone()),
        Box::new(EchoBuilder {
            store: GlueStore::from_services(services, rt.handle().clone()),
        }),
    );
    let mut b = EvaluationBuilder::new().io(glue.io());
    for x in glue.builtins() {
        b = b.add_builtin(x);
    }
    let e = Env {
        _rt: rt,
        glue,
        eval: b.build(),
    };
    assert_eq!(
        e.eval(
            "builtins.readFile (derivation { name = \"d\"; builder = \"/bin/sh\"; system = \"x\"; greeting = \"hello from a build\"; })"
        ),
        "\"hello from a build\"\n"
    );
}

#[test]
fn a_second_evaluation_reuses_unpinned_downloads_from_the_fetch_cache() {
    let (base, count) = http_server(b"cached body\n".to_vec());
    let cache = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let services = tvix_store::composition::StoreComposition::from_url("memory://")
        .expect("url")
        .build_root()
        .expect("build");
    let run = |expr: &str| {
        let glue = Glue::new(GlueStore::from_services(
            services.clone(),
            rt.handle().clone(),
        ));
        glue.set_fetch_cache(cache.path().to_path_buf());
        let mut b = EvaluationBuilder::new().io(glue.io());
        for x in glue.builtins() {
            b = b.add_builtin(x);
        }
        let eval = b.build();
        let v = eval
            .evaluate_expr(expr.as_bytes(), None)
            .expect("evaluates");
        eval.force_deep(&v).expect("forces");
        String::from_utf8(eval.print(&v)).expect("utf-8")
    };
    let expr = format!("builtins.fetchurl \"{base}/f.txt\"");
    let first = run(&expr);
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    let second = run(&expr);
    assert_eq!(second, first);
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Another URL is fetched.
    run(&format!("builtins.fetchurl \"{base}/g.txt\""));
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn instantiation_collects_derivations_as_nix_instantiate() {
    use crate::instantiate::derivations;
    let e = env();
    let src = r#"{ n ? 1, s }:
      let
        mk = name: attrs: derivation ({ inherit name; builder = "/bin/sh"; system = "x"; } // attrs);
        a = mk "a" { };
        b = mk "b" { outputs = [ "dev" "out" ]; inherit n s; };
      in {
        z = a;
        b = b;
        c = b.out;
        "not-an-attr!" = mk "skipped" { };
        plain = { x = mk "not-recursed" { }; };
        sub = { recurseForDerivations = true; x = a; y = mk "y" { }; };
        list = [ a ];
        num = 1;
      }"#;
    let v = e
        .eval
        .evaluate_expr(src.as_bytes(), None)
        .expect("evaluates");
    let mut args = tvix_eval::AutoArgs::new();
    args.add_value(b"n", tvix_eval::Value::Int(3));
    args.add_string(b"s", b"str");
    args.add_value(b"unused", tvix_eval::Value::Null);
    let names = |found: Vec<crate::instantiate::FoundDrv>| -> Vec<String> {
        found
            .into_iter()
            .map(|d| {
                let name = d.drv_path.split_once('-').map(|(_, n)| n).unwrap_or("");
                format!("{}!{}", name, d.output)
            })
            .collect()
    };
    // Attributes in name order; `b` and `c` are different values of the same
    // derivation; `sub` is entered, `plain` is not; `a` is listed once (in
    // `sub`, not again as `z`); the list and the number are skipped. The
    // order nix-instantiate 2.26.3 prints for this expression in a file with
    // `--arg n 3 --argstr s str --arg unused null`.
    let all = derivations(&e.eval, &v, &args).expect("collects");
    assert_eq!(
        names(all),
        vec!["b.drv!dev", "b.drv!out", "a.drv!out", "y.drv!out"]
    );
    let b = e.eval.select_attr_path(&v, "b", &args).expect("selects");
    let found = derivations(&e.eval, &b, &args).expect("collects");
    assert_eq!(names(found.clone()), vec!["b.drv!dev"]);
    // The automatic arguments reached the function.
    let drv_path = nix_compat::store_path::StorePath::<String>::from_absolute_path(
        found[0].drv_path.as_bytes(),
    )
    .expect("path");
    let drv = e.glue.known().get(&drv_path).expect("known").drv.clone();
    assert_eq!(
        drv.environment
            .get(&nix_compat::derivation::BString::from("n")),
        Some(&nix_compat::derivation::BString::from("3"))
    );
    let err = e
        .eval
        .select_attr_path(&v, "sub.nope", &args)
        .expect_err("fails");
    assert!(
        err.message()
            .contains("attribute 'nope' in selection path 'sub.nope' not found"),
        "{}",
        err.message()
    );
}

#[test]
fn instantiation_calls_functions_with_only_an_ellipsis() {
    // `nix-instantiate` calls `{ ... }:` with an empty set (C++
    // autoCallFunction), also when no --arg is given.
    let e = env();
    let v = e
        .eval
        .evaluate_expr(
            br#"{ ... }: { a = derivation { name = "a"; builder = "/bin/sh"; system = "x"; }; }"#,
            None,
        )
        .expect("evaluates");
    let found = crate::instantiate::derivations(&e.eval, &v, &tvix_eval::AutoArgs::new())
        .expect("collects");
    assert_eq!(found.len(), 1);
    assert!(found[0].drv_path.ends_with("-a.drv"), "{:?}", found[0]);
}

/// `pathExists` inside a store path served from castore: a trailing `/` or
/// `/.` asks for a directory with the final symlink followed. The expected
/// list is what nix-instantiate 2.26.3 printed for the same tree on disk:
///
///     nix-instantiate --eval --strict -E 'map (s: builtins.pathExists ("/tmp/gx/src" + s)) [ ... ]'
#[test]
fn path_exists_in_the_store_follows_a_final_symlink_for_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = tree(dir.path());
    std::os::unix::fs::symlink("sub", Path::new(&src).join("dl")).expect("symlink");
    let e = env();
    let copied = e.eval(&format!("\"${{{src}}}\""));
    std::fs::remove_dir_all(&src).expect("rm");
    let store_path = copied.trim().trim_matches('"');
    assert!(store_path.starts_with("/nix/store/"), "{store_path}");
    assert_eq!(
        e.eval(&format!(
            "map (s: builtins.pathExists (\"{store_path}\" + s)) \
             [ \"/dl\" \"/dl/\" \"/dl/.\" \"/l\" \"/l/\" \"/sub/b/.\" \"/nope/\" \"/dl/b\" ]"
        )),
        "[ true true true true false false false true ]\n"
    );
    // Reads go through a symlinked directory too.
    assert_eq!(
        e.eval(&format!(
            "[ (builtins.readFile \"{store_path}/dl/b\") (builtins.readFileType \"{store_path}/dl/b\") ]"
        )),
        "[ \"x\" \"regular\" ]\n"
    );
}

#[test]
fn fetch_tree_attributes_are_checked_as_cpp_nix() {
    let e = env();
    // nix-instantiate --eval -E '<expression>' for each, stderr.
    let cases = [
        (
            r#"builtins.fetchTree { type = "file"; url = "file:///x"; owner = -1; }"#,
            "negative value given for fetchTree attr owner: -1",
        ),
        (
            r#"builtins.fetchTree { type = "tarball"; url = "file:///x"; owner = [ ]; }"#,
            "fetchTree argument 'owner' is a list while a string, Boolean or integer is expected",
        ),
        (
            r#"builtins.fetchTree { type = "file"; url = "file:///x"; name = "a"; }"#,
            "attribute 'name' isn\u{2019}t supported in call to 'fetchTree'",
        ),
        (
            r#"builtins.fetchTree { type = "path"; path = "/x"; zz = 2; bb = "x"; }"#,
            "input attribute 'bb' not supported by scheme 'path'",
        ),
    ];
    for (src, msg) in cases {
        assert_eq!(
            e.error(src),
            format!(
                "error:\n       \u{2026} while calling the 'fetchTree' builtin\n         at \u{ab}string\u{bb}:1:1:\n            1| {src}\n             | ^\n\n       error: {msg}"
            ),
            "{src}"
        );
    }
}

#[test]
fn instantiation_errors_are_cpp_nix_ones_in_its_order() {
    // nix-instantiate -E '<expression>' for each, stderr (without the final
    // newline): all derivations are found and named before any `.drv` path
    // is asked for.
    let e = env();
    let cases = [
        (
            r#"{ a = derivation { name = "a"; builder = "b"; system = "s"; }; b = derivation {}; }"#,
            "error:\n       \u{2026} while evaluating the attribute 'b'\n         at \u{ab}string\u{bb}:1:64:\n            1| { a = derivation { name = \"a\"; builder = \"b\"; system = \"s\"; }; b = derivation {}; }\n             |                                                                ^\n\n       error: derivation name missing",
        ),
        (
            r#"(derivation { name = "a"; builder = "b"; system = "s"; }) // { outputName = ""; }"#,
            "error: derivation '/nix/store/pn5w9v350w6b152fg17i8iinyi3g0di4-a.drv' lacks an 'outputName' attribute",
        ),
        (
            r#"[ { type = "derivation"; name = "x"; drvPath = 1; } ]"#,
            "error:\n       \u{2026} while evaluating the 'drvPath' attribute of a derivation\n         at \u{ab}string\u{bb}:1:38:\n            1| [ { type = \"derivation\"; name = \"x\"; drvPath = 1; } ]\n             |                                      ^\n\n       error: cannot coerce an integer to a string: 1",
        ),
        (
            r#"[ { type = "derivation"; name = "x"; } ]"#,
            "error: derivation does not contain a 'drvPath' attribute",
        ),
    ];
    for (src, want) in cases {
        let v = e
            .eval
            .evaluate_expr(src.as_bytes(), None)
            .expect("evaluates");
        let err = crate::instantiate::derivations(&e.eval, &v, &tvix_eval::AutoArgs::new())
            .expect_err("fails");
        assert_eq!(e.eval.render_error(&err, false), want, "{src}");
    }
}
