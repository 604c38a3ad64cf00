//! tvix-store's HTTP binary cache against the reference, over a local
//! Python HTTP server (GET/HEAD from `http.server`, plus a small `PUT`
//! handler): a cache `nix copy --to file://` writes, served over HTTP, is
//! read by `tvix-store copy --from http://…` and `--store nix+http://…` with
//! the same path-info and NAR as the reference; a cache we upload with
//! `copy --to http://…` is read and verified by `nix copy --from` and
//! `nix store verify`; a wrong key and a corrupt NAR are clear errors.

use std::{
    io::BufRead,
    path::Path,
    process::{Child, Command, Stdio},
};

use tvix_tests::reference;

use crate::store::{fresh_tree, keys, path_str, query_encode as enc, strip_ca, tvix, tvix_ok};

/// A Python file server for the directory it is started in; `PUT` writes.
const SERVER: &str = r#"
import http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get('Content-Length', 0))
        data = self.rfile.read(n)
        path = self.translate_path(self.path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
        self.send_response(201)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *args):
        pass
os.chdir(sys.argv[1])
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// A running server, killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Served {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut child = Command::new("python3")
        .args(["-c", SERVER])
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("port");
    let port: u16 = line.trim().parse().expect("a port number");
    Served {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

fn tvix_err(store: &str, args: &[&str]) -> String {
    let out = tvix(store, args);
    assert!(!out.status.success(), "tvix-store {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_cache_nix_writes_is_read_by_us_over_http() {
    for compression in ["xz", "zstd", "bzip2", "none"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("from-nix");
        fresh_tree(&root);
        let (sk, pk) = keys(dir.path());
        let added = reference::run("nix-store", &["--add", path_str(&root)]);
        let path = String::from_utf8(added).expect("UTF-8").trim().to_owned();
        let cache_dir = dir.path().join("cache");
        let to = format!(
            "file://{}?compression={compression}&secret-key={}",
            cache_dir.display(),
            sk.display()
        );
        reference::run("nix", &["copy", "--to", &to, &path]);
        strip_ca(&cache_dir, &path);
        let server = serve(&cache_dir);

        let store = format!("local://{}/store", dir.path().display());
        let from = format!("{}/?trusted-public-keys={}", server.url, enc(&pk));
        tvix_ok(&store, &["copy", "--from", &from, &path]);
        let ours: serde_json::Value =
            serde_json::from_slice(&tvix_ok(&store, &["path-info", "--json", &path]))
                .expect("JSON");
        let theirs: serde_json::Value = serde_json::from_slice(&reference::run(
            "nix",
            &["path-info", "--json", "--store", &server.url, &path],
        ))
        .expect("JSON");
        for key in ["deriver", "narHash", "narSize", "references", "signatures"] {
            assert_eq!(ours[&path][key], theirs[&path][key], "{compression}: {key}");
        }
        let nar = reference::run("nix-store", &["--dump", &path]);
        assert!(
            nar == tvix_ok(&store, &["nar", "dump", &path]),
            "{compression}: NAR differs"
        );
        // The substituter as the store itself.
        let direct = format!("nix+{from}");
        assert!(
            nar == tvix_ok(&direct, &["nar", "dump", &path]),
            "{compression}: NAR through nix+http differs"
        );
        let direct_json: serde_json::Value =
            serde_json::from_slice(&tvix_ok(&direct, &["path-info", "--json", &path]))
                .expect("JSON");
        assert_eq!(direct_json[&path]["narHash"], theirs[&path]["narHash"]);

        // A key that did not sign it.
        let other_dir = dir.path().join("other");
        std::fs::create_dir_all(&other_dir).expect("mkdir");
        let (_, other_pk) = keys(&other_dir);
        let wrong = format!("{}/?trusted-public-keys={}", server.url, enc(&other_pk));
        let err = tvix_err("memory://", &["copy", "--from", &wrong, &path]);
        assert!(err.contains("no signature by a trusted key"), "{err}");
    }
}

#[test]
fn a_corrupt_or_missing_nar_over_http_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("corrupt");
    fresh_tree(&root);
    let added = reference::run("nix-store", &["--add", path_str(&root)]);
    let path = String::from_utf8(added).expect("UTF-8").trim().to_owned();
    let cache_dir = dir.path().join("cache");
    let to = format!("file://{}?compression=none", cache_dir.display());
    reference::run("nix", &["copy", "--to", &to, &path]);
    let server = serve(&cache_dir);
    let text = std::fs::read_to_string(cache_dir.join(format!("{}.narinfo", &path[11..43])))
        .expect("narinfo");
    let nar_rel = text
        .lines()
        .find_map(|l| l.strip_prefix("URL: "))
        .expect("URL line");
    let nar_file = cache_dir.join(nar_rel);
    let mut bytes = std::fs::read(&nar_file).expect("nar");
    // A byte inside the contents of sub/big: the NAR still parses.
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&nar_file, &bytes).expect("write");
    let err = tvix_err("memory://", &["copy", "--from", &server.url, &path]);
    assert!(err.contains("hash") && err.contains(&path[11..]), "{err}");
    let (ok, _, nix_err) =
        reference::try_run("nix", &["store", "verify", "--store", &server.url, &path]);
    assert!(!ok, "the reference accepted a corrupt NAR");
    assert!(nix_err.contains("was modified"), "{nix_err}");

    std::fs::remove_file(&nar_file).expect("rm");
    let err = tvix_err("memory://", &["copy", "--from", &server.url, &path]);
    assert!(err.contains("not found") && err.contains(nar_rel), "{err}");
}

#[test]
fn a_cache_we_upload_over_http_is_read_and_verified_by_nix() {
    for compression in ["xz", "zstd"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("exported");
        fresh_tree(&root);
        let (sk, pk) = keys(dir.path());
        let store = format!("local://{}/store", dir.path().display());
        let out = tvix_ok(&store, &["import", path_str(&root)]);
        let path = String::from_utf8(out).expect("UTF-8").trim().to_owned();
        let server = serve(&dir.path().join("cache"));
        let to = format!(
            "{}/?compression={compression}&secret-key={}",
            server.url,
            sk.display()
        );
        tvix_ok(&store, &["copy", "--to", &to, &path]);
        reference::run(
            "nix",
            &[
                "store",
                "verify",
                "--store",
                &server.url,
                "--trusted-public-keys",
                &pk,
                &path,
            ],
        );
        reference::run(
            "nix",
            &[
                "copy",
                "--from",
                &server.url,
                "--trusted-public-keys",
                &pk,
                &path,
            ],
        );
        let theirs = reference::run("nix-store", &["--dump", &path]);
        assert!(
            theirs == tvix_ok(&store, &["nar", "dump", &path]),
            "{compression}: NAR differs"
        );
    }
}
