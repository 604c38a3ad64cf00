//! `builtins.fetchGit` and `builtins.fetchTree { type = "git"; }` for local
//! repositories, as C++ Nix 2.26 returns them: `outPath` (the NAR-hashed
//! source path of the tree), `rev`, `shortRev`, `revCount`, `lastModified`,
//! `lastModifiedDate`, `narHash`, `submodules`; for a dirty working tree
//! without `rev`/`ref`, the tracked files as they are on disk with
//! `dirtyRev`/`dirtyShortRev` and an all-zero `rev`.
//!
//! Git attributes apply as C++ Nix (through libgit2) applies them:
//! `export-ignore` only with the `exportIgnore` attribute (fetchGit's
//! default), `export-subst` never; `git archive` therefore runs in a
//! temporary repository borrowing the objects, whose `info/attributes`
//! overrides the tree's own.
//!
//! The repository is read with the `git` program (`rev-parse`, `archive`,
//! `rev-list`, `log`, `status`, `ls-files`, `check-attr`) rather than a
//! Rust git library: no git crate is in the dependency tree, `gix` would add
//! about a hundred crates for what a few subprocess calls do, and `git` is
//! what users of `fetchGit` have installed. Remote URLs are refused for now.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::Command,
};

use nix_compat::{nixhash::NixHash, store_path::StorePath};
use tvix_eval::{Builtin, Error, Evaluator, FileType, Pos, Result, Symbol, Value};

use crate::{
    Glue,
    builtins::{attrs_value, store_path_value},
    flake::FlakeCode,
    import,
    io::store_error,
    store::nar_ca,
};

fn sym(s: &str) -> Symbol {
    Symbol::new(s.as_bytes())
}

/// `fetchGit` and `fetchTree` over `glue` (`fetchTree` resolves indirect
/// references with `code`'s registry.nix).
pub(crate) fn git_builtins(
    glue: &std::rc::Rc<Glue>,
    code: &std::rc::Rc<FlakeCode>,
) -> Vec<Builtin> {
    let g = glue.clone();
    let fetch_git_builtin = Builtin::function("fetchGit", 1, move |ev, pos, args| {
        fetch_git(&g, ev, pos, &args[0], "fetchGit")
    });
    let g = glue.clone();
    let code = code.clone();
    let fetch_tree = Builtin::function("fetchTree", 1, move |ev, pos, args| {
        fetch_tree(&g, &code, ev, pos, ev.force(&args[0], pos)?)
    });
    vec![fetch_git_builtin, fetch_tree]
}

/// `fetchTree` of a forced argument.
fn fetch_tree(
    glue: &std::rc::Rc<Glue>,
    code: &FlakeCode,
    ev: &Evaluator,
    pos: Pos,
    arg: Value,
) -> Result<Value> {
    let g = &**glue;
    // An indirect reference (`flake:x`, `{ type = "indirect"; ... }`) is
    // looked up in the flake registries, in impure evaluation (C++ Nix).
    let indirect = match &arg {
        Value::String(s) => s.as_bytes().starts_with(b"flake:"),
        Value::Attrs(a) => a
            .get(sym("type"))
            .map(|t| ev.force(t, pos))
            .transpose()?
            .is_some_and(|t| matches!(&t, Value::String(s) if s.as_bytes() == b"indirect")),
        _ => false,
    };
    if indirect {
        let reference = match &arg {
            Value::String(_) => {
                let parse = ev.eval_internal("parse-flake-ref.nix", "builtins.parseFlakeRef")?;
                ev.call(&parse, std::slice::from_ref(&arg), pos)?
            }
            _ => arg.clone(),
        };
        if ev.is_pure() {
            let show = ev.eval_internal("flake-ref-to-string.nix", "builtins.flakeRefToString")?;
            let shown = ev.call(&show, &[reference], pos)?;
            let shown = ev.expect_string(&shown, pos, "while showing a flake reference")?;
            return Err(Error::eval(format!(
                "in pure evaluation mode, 'fetchTree' will not fetch unlocked input '{}'",
                shown.to_str_lossy()
            )));
        }
        let direct = crate::flake::resolve_for_fetch_tree(glue, code, ev, pos, reference)?;
        return fetch_tree(glue, code, ev, pos, direct);
    }
    {
        if let Value::String(s) = &arg {
            let url = s.to_str_lossy().into_owned();
            let ty = crate::fetch::tree_type_of_url(&url);
            if ty == "git" {
                let arg = git_url_attrs(ev, pos, &url, &arg)?;
                return fetch_git(g, ev, pos, &arg, "fetchTree");
            }
            if ty == "hg" {
                return crate::hg::fetch_tree_url(g, ev, pos, &url);
            }
            let attrs = url_attrs(ev, pos, &url, ty, &arg)?;
            return crate::fetch::fetch_tree(g, ev, pos, ty, &attrs);
        }
        let v = ev.expect_attrs(
            &arg,
            pos,
            "while evaluating the argument passed to builtins.fetchTree",
        )?;
        let Some(t) = v.get(sym("type")) else {
            return Err(Error::eval("attribute 'type' is missing in call to 'fetchTree'").at(pos));
        };
        let t = ev.string_no_ctx(t, pos)?;
        check_fetch_tree_attrs(ev, pos, &v)?;
        let ty = match t.as_bytes() {
            b"git" => return fetch_git(g, ev, pos, &arg, "fetchTree"),
            b"hg" => return crate::hg::fetch_tree(g, ev, pos, &v),
            b"file" => "file",
            b"tarball" => "tarball",
            b"path" => "path",
            other => {
                return Err(Error::eval(format!(
                    "fetchTree type '{}' is not supported yet",
                    String::from_utf8_lossy(other)
                ))
                .at(pos));
            }
        };
        let attrs: Vec<_> = v
            .iter()
            .map(|a| (a.name.as_bytes().to_vec(), a.value.clone(), a.pos))
            .collect();
        crate::fetch::fetch_tree(g, ev, pos, ty, &attrs)
    }
}

/// A git input given to `fetchTree` as a URL string, as C++
/// `GitInputScheme::inputFromURL` reads it (through
/// `builtins.parseFlakeRef`, which does the same): its `ref`, `rev`,
/// `shallow`, `submodules`, `exportIgnore` and `allRefs` parameters are
/// attributes, the others stay in the URL (shown, not used). A URL string
/// is not shallow unless it says so. Without parameters (or with a `dir`,
/// which only flake references take) it is the URL as given.
fn git_url_attrs(ev: &Evaluator, pos: Pos, url: &str, arg: &Value) -> Result<Value> {
    let plain = || Value::string(url.strip_prefix("git+").unwrap_or(url));
    if !url.contains('?') {
        return Ok(plain());
    }
    let parse = ev.eval_internal("parse-flake-ref.nix", "builtins.parseFlakeRef")?;
    let parsed = ev.call(&parse, std::slice::from_ref(arg), pos)?;
    let parsed = ev.expect_attrs(&parsed, pos, "while parsing a Git URL")?;
    if parsed.get(sym("dir")).is_some() {
        return Ok(plain());
    }
    let mut attrs: Vec<tvix_eval::Attr> = parsed.iter().cloned().collect();
    if parsed.get(sym("shallow")).is_none() {
        attrs.push(tvix_eval::Attr {
            name: sym("shallow"),
            pos: Pos::NONE,
            value: Value::bool(false),
        });
    }
    Ok(Value::attrs(tvix_eval::Attrs::from_unsorted(attrs)))
}

/// The attributes of a `path`, `file` or `tarball` input given as a URL
/// string (C++ `Input::fromURL`): its `narHash`, `rev`, `revCount` and
/// `lastModified` parameters are attributes (so `"path:/p?narHash=…"` is
/// locked), as `builtins.parseFlakeRef` reads them. A `dir` parameter,
/// which only flake references take, is refused for a path and left in a
/// download's URL.
fn url_attrs(
    ev: &Evaluator,
    pos: Pos,
    url: &str,
    ty: &str,
    arg: &Value,
) -> Result<Vec<(Vec<u8>, Value, Pos)>> {
    let key = if ty == "path" { "path" } else { "url" };
    let whole = || vec![(key.as_bytes().to_vec(), arg.clone(), pos)];
    if !url.contains('?') || !(url.starts_with("path:") || url.contains("://")) {
        return Ok(whole());
    }
    let parse = ev.eval_internal("parse-flake-ref.nix", "builtins.parseFlakeRef")?;
    let parsed = ev.call(&parse, std::slice::from_ref(arg), pos)?;
    let parsed = ev.expect_attrs(&parsed, pos, "while parsing a fetchTree URL")?;
    if parsed.get(sym("dir")).is_some() {
        if ty == "path" {
            return Err(
                Error::eval(format!("path URL '{url}' has unsupported parameter 'dir'")).at(pos),
            );
        }
        return Ok(whole());
    }
    Ok(parsed
        .iter()
        .filter(|a| a.name.as_bytes() != b"type")
        .map(|a| (a.name.as_bytes().to_vec(), a.value.clone(), pos))
        .collect())
}

/// C++ Nix's checks of `fetchTree`'s attributes before the input type sees
/// them: each is forced (in symbol order) and must be a string, path,
/// Boolean or non-negative integer; `name` is not accepted.
fn check_fetch_tree_attrs(ev: &Evaluator, pos: Pos, attrs: &tvix_eval::Attrs) -> Result<()> {
    for attr in attrs.iter() {
        let name = attr.name.as_bytes();
        if name == b"type" {
            continue;
        }
        let shown = String::from_utf8_lossy(name);
        match ev.force(&attr.value, attr.pos)? {
            Value::String(_) | Value::Path(_) | Value::Bool(_) => {}
            Value::Int(i) if i < 0 => {
                return Err(Error::eval(format!(
                    "negative value given for fetchTree attr {shown}: {i}"
                ))
                .at(pos));
            }
            Value::Int(_) => {}
            _ if name == b"publicKeys" => {}
            v => {
                return Err(Error::type_error(format!(
                    "fetchTree argument '{shown}' is {} while a string, Boolean or integer is expected",
                    v.show_type()
                )));
            }
        }
    }
    if attrs.get(sym("name")).is_some() {
        return Err(
            Error::eval("attribute 'name' isn\u{2019}t supported in call to 'fetchTree'").at(pos),
        );
    }
    Ok(())
}

struct Request {
    repo: PathBuf,
    rev: Option<String>,
    reference: Option<String>,
    name: String,
    /// A shallow fetch has no `revCount`: `fetchTree` with an attribute set
    /// is shallow unless told otherwise, `fetchGit` and URL strings are not.
    shallow: bool,
    /// C++ Nix's `exportIgnore` attribute: `fetchGit` sets it unless told
    /// otherwise (or given `submodules = true`), `fetchTree` only when
    /// given. It shows in the input's URL.
    export_ignore: bool,
    /// The URL's query parameters that are not attributes (C++ Nix keeps
    /// them in the URL, where they show), as given (encoded).
    url_query: Option<String>,
    /// What the result must have (as a flake.lock records it): C++ Nix's
    /// `checkLocks`.
    nar_hash: Option<String>,
    last_modified: Option<i64>,
    rev_count: Option<i64>,
}

impl Request {
    /// The input as C++ Nix shows it (`Input::to_string`), with `rev` and
    /// `reference` as given or resolved.
    fn shown(&self, reference: Option<&str>, rev: Option<&str>) -> String {
        let mut query: Vec<String> = self
            .url_query
            .iter()
            .flat_map(|q| q.split('&'))
            .map(str::to_owned)
            .collect();
        if self.export_ignore {
            query.push("exportIgnore=1".to_owned());
        }
        if let Some(r) = reference {
            query.push(format!("ref={r}"));
        }
        if let Some(r) = rev {
            query.push(format!("rev={r}"));
        }
        if self.shallow {
            query.push("shallow=1".to_owned());
        }
        // C++ keeps the parameters in a map: by name.
        query.sort_by(|a, b| a.split('=').next().cmp(&b.split('=').next()));
        let mut s = format!("git+file://{}", self.repo.display());
        if !query.is_empty() {
            s.push('?');
            s.push_str(&query.join("&"));
        }
        s
    }
}

fn parse_args(ev: &Evaluator, pos: Pos, arg: &Value, who: &str) -> Result<Request> {
    let arg = ev.force(arg, pos)?;
    let mut url = None;
    let mut rev = None;
    let mut reference = None;
    let mut name = "source".to_owned();
    let mut shallow = None;
    let mut export_ignore = None;
    let mut submodules = false;
    let mut nar_hash = None;
    let mut last_modified = None;
    let mut rev_count = None;
    let text = |v: &Value, p: Pos| -> Result<String> {
        Ok(ev.string_no_ctx(v, p)?.to_str_lossy().into_owned())
    };
    match &arg {
        Value::Attrs(attrs) => {
            for attr in attrs.iter() {
                match attr.name.as_bytes() {
                    b"url" => {
                        url = Some(match &ev.force(&attr.value, attr.pos)? {
                            Value::Path(p) => p.to_str_lossy().into_owned(),
                            v => text(v, attr.pos)?,
                        })
                    }
                    b"rev" => rev = Some(text(&attr.value, attr.pos)?),
                    b"ref" => reference = Some(text(&attr.value, attr.pos)?),
                    b"name" => name = text(&attr.value, attr.pos)?,
                    b"submodules" => {
                        submodules = ev.expect_bool(&attr.value, attr.pos, "")?;
                        if submodules {
                            return Err(Error::eval(format!(
                                "'{who}': submodules are not supported yet"
                            ))
                            .at(attr.pos));
                        }
                    }
                    b"shallow" => shallow = Some(ev.expect_bool(&attr.value, attr.pos, "")?),
                    b"narHash" => nar_hash = Some(text(&attr.value, attr.pos)?),
                    b"lastModified" => {
                        last_modified = Some(ev.expect_int(&attr.value, attr.pos, "")?);
                    }
                    b"revCount" => rev_count = Some(ev.expect_int(&attr.value, attr.pos, "")?),
                    b"exportIgnore" => {
                        export_ignore = Some(ev.expect_bool(&attr.value, attr.pos, "")?);
                    }
                    b"type" | b"allRefs" => {}
                    other => {
                        return Err(Error::eval(format!(
                            "unsupported Git input attribute '{}'",
                            String::from_utf8_lossy(other)
                        ))
                        .at(attr.pos));
                    }
                }
            }
        }
        Value::Path(p) => url = Some(p.to_str_lossy().into_owned()),
        v => url = Some(text(v, pos)?),
    }
    let Some(url) = url else {
        return Err(Error::eval(format!("'{who}' requires a 'url' attribute")).at(pos));
    };
    let (url, url_query) = match url.split_once('?') {
        Some((u, q)) => (u.to_owned(), Some(q.to_owned())),
        None => (url, None),
    };
    let local = url
        .strip_prefix("file://")
        .or_else(|| url.strip_prefix("git+file://"))
        .unwrap_or(&url);
    if !local.starts_with('/') {
        return Err(Error::eval(format!(
            "'{who}': only local repositories are supported yet, not '{url}'"
        ))
        .at(pos));
    }
    Ok(Request {
        repo: PathBuf::from(local),
        rev,
        reference,
        name,
        shallow: shallow.unwrap_or(who == "fetchTree" && matches!(arg, Value::Attrs(_))),
        export_ignore: export_ignore.unwrap_or(who == "fetchGit" && !submodules),
        url_query,
        nar_hash,
        last_modified,
        rev_count,
    })
}

fn git(repo: &Path, args: &[&str]) -> std::result::Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    Ok(out.stdout)
}

/// `git archive` of `rev` as C++ Nix exports a revision (it reads the
/// tree through libgit2): what is marked `export-ignore` is left out only
/// with `exportIgnore`, and `export-subst` is never expanded. `git archive`
/// applies the tree's own attributes, which only a repository's
/// `info/attributes` overrides, so it runs in a temporary bare repository
/// that borrows `repo`'s objects and has such a file: the user's
/// repository is not written to.
fn archive(repo: &Path, rev: &str, export_ignore: bool) -> std::result::Result<Vec<u8>, String> {
    let common = git_text(repo, &["rev-parse", "--git-common-dir"])?;
    // `common` may be relative to `repo`; an absolute one replaces it.
    let objects = repo.join(common).join("objects");
    let tmp = TempDir::new()?;
    let dir = tmp.0.as_path();
    git(dir, &["init", "-q", "--bare", "."])?;
    let write = |rel: &str, text: &[u8]| -> std::result::Result<(), String> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
    };
    let mut alternates = objects.into_os_string().into_encoded_bytes();
    alternates.push(b'\n');
    write("objects/info/alternates", &alternates)?;
    let attributes: &[u8] = if export_ignore {
        b"* -export-subst\n"
    } else {
        b"* -export-subst -export-ignore\n"
    };
    write("info/attributes", attributes)?;
    git(dir, &["archive", "--format=tar", rev])
}

/// A directory of our own under the system's temporary directory, removed
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::result::Result<TempDir, String> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tvix-git-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Nothing to do about a leftover temporary directory.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Of `files` (a working tree's, relative to `repo`) and the directories
/// leading to them, those marked `export-ignore` in the working tree's
/// attributes (`git check-attr`), which C++ Nix's `exportIgnore` leaves out
/// of a dirty tree.
fn export_ignored(repo: &Path, files: &[&[u8]]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut paths: std::collections::BTreeSet<&[u8]> = std::collections::BTreeSet::new();
    for f in files {
        for (i, &c) in f.iter().enumerate() {
            if c == b'/' {
                paths.insert(&f[..i]);
            }
        }
        paths.insert(f);
    }
    let mut input = Vec::new();
    for p in &paths {
        input.extend_from_slice(p);
        input.push(0);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["check-attr", "-z", "--stdin", "export-ignore"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git check-attr has no stdin")?;
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    // A failed write shows in git's status.
    let _ = writer.join();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    // Triples: path, attribute, value.
    let fields: Vec<&[u8]> = out.stdout.split(|&c| c == 0).collect();
    Ok(fields
        .chunks(3)
        .filter(|t| t.len() == 3 && t[2] == b"set")
        .map(|t| t[0].to_vec())
        .collect())
}

/// Whether `path` is `dir` or inside it.
fn within(path: &[u8], dir: &[u8]) -> bool {
    path == dir || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
}

fn git_text(repo: &Path, args: &[&str]) -> std::result::Result<String, String> {
    git(repo, args).map(|o| String::from_utf8_lossy(&o).trim().to_owned())
}

/// `YYYYMMDDHHMMSS` in UTC for a Unix time.
pub(crate) fn date_string(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Adds the files of a working tree at `root` that `files` lists (paths
/// relative to `root`), with the directories leading to them, as the
/// NAR-hashed source path `name`: a dirty Git or Mercurial tree as C++ Nix
/// copies it. Returns the path and its NAR SHA-256.
pub(crate) fn add_listed_files<'a>(
    glue: &Glue,
    name: &str,
    root: &Path,
    files: impl IntoIterator<Item = &'a [u8]>,
    pos: Pos,
) -> Result<(StorePath<String>, [u8; 32])> {
    let mut keep: HashSet<Vec<u8>> = HashSet::new();
    for f in files {
        // Every listed file and the directories leading to it.
        for (i, &c) in f.iter().enumerate() {
            if c == b'/' {
                keep.insert(f[..i].to_vec());
            }
        }
        keep.insert(f.to_vec());
    }
    let mut filter = |p: &[u8], _: FileType| Ok(keep.contains(&p[1.min(p.len())..]));
    let nar = import::dump(root, Some(&mut filter))?;
    let ca = nar_ca(&nar);
    let sha: [u8; 32] = match &ca {
        nix_compat::nixhash::CAHash::Nar(NixHash::Sha256(d)) => *d,
        _ => [0; 32],
    };
    let p = glue
        .store()
        .add_nar(name, ca, &nar, &[])
        .map_err(|e| store_error(&e).at(pos))?;
    Ok((p, sha))
}

/// Adds the tree a tar archive holds (as `git archive` and `hg archive`
/// write a revision) as the NAR-hashed source path `name`; `what` names the
/// archive in an error. Returns the path and its NAR SHA-256.
pub(crate) fn add_tar_tree(
    glue: &Glue,
    name: &str,
    tar: &[u8],
    what: &str,
    pos: Pos,
) -> Result<(StorePath<String>, [u8; 32])> {
    let store = glue.store();
    let root = store
        .import_tar(tar)
        .map_err(|e| store_error(&e).at(pos))?
        .map_err(|e| Error::eval(format!("cannot import {what}: {e}")).at(pos))?;
    store
        .add_tree(name, root)
        .map_err(|e| store_error(&e).at(pos))
}

fn fetch_git(glue: &Glue, ev: &Evaluator, pos: Pos, arg: &Value, who: &str) -> Result<Value> {
    let req = parse_args(ev, pos, arg, who)?;
    // C++ Nix's `isLocked` for git: a `rev` is given.
    if ev.is_pure() && req.rev.is_none() {
        return Err(Error::eval(format!(
            "in pure evaluation mode, '{who}' will not fetch unlocked input '{}'",
            req.shown(req.reference.as_deref(), None)
        ))
        .at(pos));
    }
    let repo = &req.repo;
    let err = |m: String| Error::eval(m).at(pos);
    let head = git_text(repo, &["rev-parse", "--verify", "HEAD^{commit}"]).ok();
    let explicit = req.rev.is_some() || req.reference.is_some();
    // A bare repository has no working tree that could be dirty.
    let bare = git_text(repo, &["rev-parse", "--is-bare-repository"]).is_ok_and(|b| b == "true");
    let dirty = !explicit
        && !bare
        && !git(repo, &["status", "--porcelain", "--untracked-files=no"])
            .map_err(|e| err(format!("'{}' is not a Git repository: {e}", repo.display())))?
            .is_empty();

    let mut attrs = Vec::new();
    let (path, nar_sha256) = if dirty {
        // C++ `warn`: "warning: ...", not an evaluation warning.
        ev.log_warning(&format!("Git tree '{}' is dirty", repo.display()));
        let listed = git(repo, &["ls-files", "-z"]).map_err(err)?;
        let mut files: Vec<&[u8]> = listed
            .split(|&c| c == 0)
            .filter(|f| !f.is_empty())
            .collect();
        if req.export_ignore {
            let ignored = export_ignored(repo, &files).map_err(err)?;
            files.retain(|f| !ignored.iter().any(|i| within(f, i)));
        }
        let (p, sha) = add_listed_files(glue, &req.name, repo, files, pos)?;
        let head = head.clone().unwrap_or_else(|| "0".repeat(40));
        attrs.push(("dirtyRev", Value::string(format!("{head}-dirty"))));
        attrs.push((
            "dirtyShortRev",
            Value::string(format!("{}-dirty", &head[..7.min(head.len())])),
        ));
        // C++ `emptyRevFallback`: only fetchGit gives a dirty tree an
        // all-zero revision; fetchTree gives it none.
        if who == "fetchGit" {
            attrs.push(("rev", Value::string("0".repeat(40))));
            attrs.push(("shortRev", Value::string("0".repeat(7))));
            attrs.push(("revCount", Value::Int(0)));
        }
        (p, sha)
    } else {
        let rev = match (&req.rev, &req.reference) {
            (Some(r), _) => r.clone(),
            (None, Some(r)) => {
                git_text(repo, &["rev-parse", "--verify", &format!("{r}^{{commit}}")]).map_err(
                    |_| {
                        err(format!(
                            "resolving Git reference '{r}': revspec '{r}' not found"
                        ))
                    },
                )?
            }
            (None, None) => head
                .clone()
                .ok_or_else(|| err(format!("'{}' has no commits", repo.display())))?,
        };
        let tar = archive(repo, &rev, req.export_ignore).map_err(err)?;
        let (p, sha) = add_tar_tree(glue, &req.name, &tar, &format!("revision {rev}"), pos)?;
        attrs.push(("rev", Value::string(rev.clone())));
        attrs.push((
            "shortRev",
            Value::string(rev[..7.min(rev.len())].to_owned()),
        ));
        // A clean working tree fetched without ref or rev (C++ Nix's
        // `getAccessorFromWorkdir`) always has `revCount`; otherwise a
        // shallow fetch has none.
        if !req.shallow || (!explicit && !bare) {
            let count: i64 = git_text(repo, &["rev-list", "--count", &rev])
                .map_err(err)?
                .parse()
                .unwrap_or(0);
            attrs.push(("revCount", Value::Int(count)));
        } else if who == "fetchGit" {
            // fetchGit falls back to 0 where fetchTree leaves it out.
            attrs.push(("revCount", Value::Int(0)));
        }
        (p, sha)
    };
    let time_rev = match (&req.rev, &req.reference) {
        (Some(r), _) => r.clone(),
        (None, Some(r)) => format!("{r}^{{commit}}"),
        (None, None) => "HEAD".to_owned(),
    };
    let last_modified: i64 = git_text(repo, &["log", "-1", "--format=%ct", &time_rev])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    attrs.push(("lastModified", Value::Int(last_modified)));
    attrs.push((
        "lastModifiedDate",
        Value::string(date_string(last_modified)),
    ));
    attrs.push((
        "narHash",
        Value::string(NixHash::Sha256(nar_sha256).to_sri()),
    ));
    check_locks(&req, &attrs, last_modified, nar_sha256)?;
    // A shallow fetch computes no `revCount`: a given one is kept, as the
    // input's attributes are in C++ Nix.
    if let Some(n) = req.rev_count
        && !attrs.iter().any(|(name, _)| *name == "revCount")
    {
        attrs.push(("revCount", Value::Int(n)));
    }
    attrs.push(("outPath", store_path_value(&path)));
    attrs.push(("submodules", Value::bool(false)));
    Ok(attrs_value(attrs))
}

/// C++ Nix's `checkLocks`: a `narHash`, `lastModified` or `revCount` given
/// (as flake.lock records them) must be the fetched tree's.
fn check_locks(
    req: &Request,
    attrs: &[(&str, Value)],
    last_modified: i64,
    nar_sha256: [u8; 32],
) -> Result<()> {
    let specified = req.shown(req.reference.as_deref(), req.rev.as_deref());
    let frame =
        |e: Error| e.with_trace(Pos::NONE, format!("while fetching the input '{specified}'"));
    let got = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
    // The input with what the fetch resolved, as C++ Nix shows the result.
    let result = || {
        let rev = match got("rev") {
            Some(Value::String(r)) => Some(r.to_str_lossy().into_owned()),
            _ => None,
        };
        let reference = req
            .reference
            .clone()
            .or_else(|| git_text(&req.repo, &["symbolic-ref", "-q", "HEAD"]).ok());
        req.shown(reference.as_deref(), rev.as_deref())
    };
    if let Some(expected) = &req.nar_hash {
        let expected = crate::fetch::parse_nar_hash(expected).map_err(frame)?;
        crate::fetch::check_nar_hash(&specified, &expected, &NixHash::Sha256(nar_sha256))
            .map_err(frame)?;
    }
    if let Some(expected) = req.last_modified
        && expected != last_modified
    {
        return Err(frame(Error::eval(format!(
            "'lastModified' attribute mismatch in input '{}', expected {expected}, got {last_modified}",
            result()
        ))));
    }
    if let (Some(expected), Some(got)) = (req.rev_count, got("revCount"))
        && !matches!(got, Value::Int(n) if *n == expected)
    {
        return Err(frame(crate::fetch::rev_count_mismatch(&result(), expected)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::date_string;

    #[test]
    fn dates_are_utc_civil_time() {
        assert_eq!(date_string(0), "19700101000000");
        assert_eq!(date_string(1_577_836_800), "20200101000000");
        assert_eq!(date_string(1_795_601_889), "20261125101809");
        assert_eq!(date_string(951_825_600), "20000229120000");
    }
}
