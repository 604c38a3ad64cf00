//! `builtins.fetchMercurial` and `builtins.fetchTree { type = "hg"; }` (also
//! `fetchTree "hg+file://…"`) for local Mercurial repositories, as C++ Nix
//! 2.26 returns them.
//!
//! A clean repository fetched without `rev`/`ref` is fetched at the head of
//! its `default` branch (not the working directory's parent); a `ref` (a
//! branch, tag or bookmark) or `rev` (40 hex digits) names another revision.
//! The revision's files, as `hg archive` writes them, become a NAR-hashed
//! source path. `fetchMercurial` returns `outPath`, `branch`, `rev`,
//! `shortRev` (12 digits) and `revCount`; `fetchTree` returns `outPath`,
//! `narHash`, `rev`, `shortRev` (7 digits) and `revCount`, and checks a given
//! `narHash` and `revCount`. Neither returns `lastModified` (C++ Nix's
//! Mercurial fetcher does not either).
//!
//! A working tree with modified, added or removed files, fetched without
//! `rev`/`ref`, is copied as it is on disk (the tracked files only), with a
//! warning; `fetchMercurial` then returns an all-zero `rev` and the working
//! directory's branch, and no `revCount`.
//!
//! The repository is read with the `hg` program (`status`, `branch`, `log`,
//! `archive`, with `HGPLAIN` set as C++ Nix does; `hg`'s own messages go to
//! stderr). C++ Nix clones every repository into its cache first; for a
//! local repository this reads it in place, which gives the same revisions
//! and revision numbers. Remote (`http`, `https`, `ssh`) repositories are
//! refused. C++ Nix's fetcher cache shows in its results, so it is followed
//! (in the glue's fetch cache directory): a `ref` resolves to the revision
//! it resolved to less than an hour ago, and a revision fetched before under
//! the same name keeps its recorded `revCount` and the `ref` as given. Input attributes are checked, and inputs shown in messages, by
//! `builtins.flakeRefToString`, C++ Nix's `Input::fromAttrs` and `toURL`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    rc::Rc,
};

use nix_compat::{
    nixhash::{HashAlgo, HashFormat, NixHash},
    store_path::StorePath,
};
use tvix_eval::{Attrs, Builtin, Coercion, Error, Evaluator, Pos, Result, Value};

use crate::{
    Glue,
    builtins::{attrs_value, store_path_value},
    fetch::{
        CACHE_TTL_SECS, cache_file, check_nar_hash, now, parse_nar_hash, rev_count_mismatch,
        write_cache,
    },
    git::{add_listed_files, add_tar_tree},
};

/// `fetchMercurial` over `glue`.
pub(crate) fn hg_builtins(glue: &Rc<Glue>) -> Vec<Builtin> {
    let g = glue.clone();
    vec![Builtin::function(
        "fetchMercurial",
        1,
        move |ev, pos, args| fetch_mercurial(&g, ev, pos, &args[0]),
    )]
}

/// The attributes of a Mercurial input (C++ `fetchers::Attrs`), by name.
type Input = Vec<(String, Value)>;

fn get<'a>(input: &'a Input, name: &str) -> Option<&'a Value> {
    input.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn get_str(input: &Input, name: &str) -> Option<String> {
    match get(input, name) {
        Some(Value::String(s)) => Some(s.to_str_lossy().into_owned()),
        _ => None,
    }
}

fn set(input: &mut Input, name: &str, value: Value) {
    match input.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => *v = value,
        None => input.push((name.to_owned(), value)),
    }
}

/// The input as C++ Nix shows it (`Input::to_string`, e.g.
/// `hg+file:///repo?ref=default&rev=…`), checking its attributes as
/// `Input::fromAttrs` does.
fn input_string(ev: &Evaluator, pos: Pos, input: &Input) -> Result<String> {
    let mut attrs = vec![("type", Value::string("hg"))];
    attrs.extend(input.iter().map(|(n, v)| (n.as_str(), v.clone())));
    let shown = call_builtin(ev, "builtins.flakeRefToString", attrs_value(attrs))?;
    Ok(ev.string_no_ctx(&shown, pos)?.to_str_lossy().into_owned())
}

/// Applies the builtin `expr` names to `arg` as a part of this builtin: its
/// errors are this builtin's, without a frame of their own.
fn call_builtin(ev: &Evaluator, expr: &'static str, arg: Value) -> Result<Value> {
    match &ev.force(&ev.eval_internal("hg.rs", expr)?, Pos::NONE)? {
        Value::PrimOp(p) if p.arity == 1 => (p.func)(ev, Pos::NONE, &[arg]),
        _ => Err(Error::eval(format!(
            "internal error: {expr} is not a builtin"
        ))),
    }
}

/// What fetching an input found.
struct Fetched {
    path: StorePath<String>,
    nar_sha256: [u8; 32],
    /// The attributes after the fetch: `rev`, `ref` and `revCount` set.
    input: Input,
}

fn fetch_mercurial(glue: &Glue, ev: &Evaluator, pos: Pos, arg: &Value) -> Result<Value> {
    let arg = ev.force(arg, pos)?;
    let coerce = |v: &Value, p: Pos, ctx: &str| -> Result<String> {
        let c = Coercion {
            more: false,
            copy_to_store: false,
        };
        Ok(ev
            .coerce_to_string(v, p, c)
            .map_err(|e| e.with_trace(p, ctx))?
            .to_str_lossy()
            .into_owned())
    };
    let mut url = String::new();
    let mut rev = None;
    let mut reference = None;
    let mut name = "source".to_owned();
    match &arg {
        Value::Attrs(attrs) => {
            for attr in attrs.iter() {
                match attr.name.as_bytes() {
                    b"url" => {
                        url = coerce(
                            &attr.value,
                            attr.pos,
                            "while evaluating the `url` attribute passed to builtins.fetchMercurial",
                        )?
                    }
                    b"rev" => {
                        // Unlike fetchGit's, this `rev` is a revision or a
                        // branch or tag name.
                        let v = ev
                            .expect_string_no_ctx(
                                &attr.value,
                                attr.pos,
                                "while evaluating the `rev` attribute passed to builtins.fetchMercurial",
                            )?
                            .to_str_lossy()
                            .into_owned();
                        if v.len() == 40 && v.bytes().all(|c| c.is_ascii_hexdigit()) {
                            rev = Some(v.to_ascii_lowercase());
                        } else {
                            reference = Some(v);
                        }
                    }
                    b"name" => {
                        name = ev
                            .expect_string_no_ctx(
                                &attr.value,
                                attr.pos,
                                "while evaluating the `name` attribute passed to builtins.fetchMercurial",
                            )?
                            .to_str_lossy()
                            .into_owned()
                    }
                    other => {
                        return Err(Error::eval(format!(
                            "unsupported argument '{}' to 'fetchMercurial'",
                            String::from_utf8_lossy(other)
                        ))
                        .at(attr.pos));
                    }
                }
            }
            if url.is_empty() {
                return Err(Error::eval("'url' argument required").at(pos));
            }
        }
        v => {
            url = coerce(
                v,
                pos,
                "while evaluating the first argument passed to builtins.fetchMercurial",
            )?
        }
    }
    if ev.is_pure() && rev.is_none() {
        return Err(Error::eval(
            "in pure evaluation mode, 'fetchMercurial' requires a Mercurial revision",
        ));
    }
    if !url.contains("://") {
        url = format!("file://{url}");
    }
    let mut input: Input = vec![
        ("url".to_owned(), Value::string(url)),
        ("name".to_owned(), Value::string(name)),
    ];
    if let Some(r) = reference {
        input.push(("ref".to_owned(), Value::string(r)));
    }
    if let Some(r) = rev {
        input.push(("rev".to_owned(), Value::string(r)));
    }
    let shown = input_string(ev, pos, &input)?;
    let got = fetch(glue, ev, pos, input, &shown)
        .map_err(|e| e.with_trace(Pos::NONE, format!("while fetching the input '{shown}'")))?;

    let mut out = vec![("outPath", store_path_value(&got.path))];
    if let Some(b) = get(&got.input, "ref") {
        out.push(("branch", b.clone()));
    }
    // A dirty tree has the all-zero revision, for backward compatibility.
    let rev = get_str(&got.input, "rev").unwrap_or_else(|| "0".repeat(40));
    out.push(("shortRev", Value::string(&rev[..12])));
    out.push(("rev", Value::string(rev)));
    if let Some(n) = get(&got.input, "revCount") {
        out.push(("revCount", n.clone()));
    }
    Ok(attrs_value(out))
}

/// `fetchTree { type = "hg"; … }`: the attributes were checked for their
/// types (and `name` refused) by the caller.
pub(crate) fn fetch_tree(glue: &Glue, ev: &Evaluator, pos: Pos, attrs: &Attrs) -> Result<Value> {
    let mut input = Input::new();
    for attr in attrs.iter() {
        if attr.name.as_bytes() != b"type" {
            let v = ev.force(&attr.value, attr.pos)?;
            // Paths are given as their string (C++ `coerceToString`).
            let v = match &v {
                Value::Path(p) => Value::string(p.to_str_lossy().into_owned()),
                _ => v,
            };
            input.push((attr.name.to_str_lossy().into_owned(), v));
        }
    }
    fetch_tree_input(glue, ev, pos, input)
}

/// `fetchTree "hg+…"`: the URL's `rev` and `ref` parameters are attributes,
/// the rest stay in the URL (C++ `MercurialInputScheme::inputFromURL`).
pub(crate) fn fetch_tree_url(glue: &Glue, ev: &Evaluator, pos: Pos, url: &str) -> Result<Value> {
    let parsed = call_builtin(ev, "builtins.parseFlakeRef", Value::string(url))?;
    let parsed = ev.expect_attrs(&parsed, pos, "while parsing a Mercurial URL")?;
    let input = parsed
        .iter()
        .filter(|a| a.name.as_bytes() != b"type")
        .map(|a| Ok((a.name.to_str_lossy().into_owned(), ev.force(&a.value, pos)?)))
        .collect::<Result<Input>>()?;
    fetch_tree_input(glue, ev, pos, input)
}

fn fetch_tree_input(glue: &Glue, ev: &Evaluator, pos: Pos, input: Input) -> Result<Value> {
    let shown = input_string(ev, pos, &input)?;
    if ev.is_pure() && get(&input, "rev").is_none() {
        return Err(Error::eval(format!(
            "in pure evaluation mode, 'fetchTree' will not fetch unlocked input '{shown}'"
        ))
        .at(pos));
    }
    let got = fetch(glue, ev, pos, input, &shown)
        .map_err(|e| e.with_trace(Pos::NONE, format!("while fetching the input '{shown}'")))?;
    let mut out = vec![
        ("outPath", store_path_value(&got.path)),
        (
            "narHash",
            Value::string(NixHash::Sha256(got.nar_sha256).to_sri()),
        ),
    ];
    if let Some(rev) = get_str(&got.input, "rev") {
        out.push(("shortRev", Value::string(&rev[..7])));
        out.push(("rev", Value::string(rev)));
    }
    if let Some(n) = get(&got.input, "revCount") {
        out.push(("revCount", n.clone()));
    }
    Ok(attrs_value(out))
}

/// Runs `hg` with `HGPLAIN` set (as C++ Nix's `runHg`), its stderr passed
/// through; its stdout, or C++ Nix's message for a failure.
fn hg(args: &[&std::ffi::OsStr]) -> std::result::Result<Vec<u8>, String> {
    let out = Command::new("hg")
        .args(args)
        .env("HGPLAIN", "")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("executing 'hg': {e}"))?;
    if !out.status.success() {
        return Err(match out.status.code() {
            Some(c) => format!("hg failed with exit code {c}"),
            None => format!("hg failed: {}", out.status),
        });
    }
    Ok(out.stdout)
}

/// [`hg`] with `-R repo` after the command.
fn hg_in(repo: &Path, command: &str, args: &[&str]) -> Result<Vec<u8>> {
    let mut all: Vec<&std::ffi::OsStr> = vec![command.as_ref(), "-R".as_ref(), repo.as_os_str()];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    hg(&all).map_err(Error::eval)
}

/// The revision `rev` as 40 hex digits; C++ Nix takes any hash form, but
/// only SHA-1 for Mercurial.
fn sha1_rev(rev: &str) -> Result<String> {
    let h = crate::fetch::parse_rev(rev)?;
    if h.algo() != HashAlgo::Sha1 {
        return Err(Error::eval(format!(
            "Hash '{}' is not supported by Mercurial. Only sha1 is supported.",
            h.format(HashFormat::Base16, true)
        )));
    }
    Ok(h.to_base16())
}

/// The revision `rev`, or else the head of `reference` (a branch, tag or
/// bookmark; `default` if none), of a clean fetch; sets `rev`, `ref` and
/// `revCount` of `input` as C++ Nix does, including its fetcher cache: a
/// `ref` resolved less than an hour ago resolves to the same revision, and
/// a revision fetched before under this name is taken from the store with
/// its recorded `revCount` and `ref` left as given (or `default`).
fn fetch_revision(
    glue: &Glue,
    pos: Pos,
    repo: &Path,
    name: &str,
    rev: Option<String>,
    reference: Option<String>,
    input: &mut Input,
) -> Result<(StorePath<String>, [u8; 32])> {
    let reference = reference.unwrap_or_else(|| "default".to_owned());
    set(input, "ref", Value::string(reference.as_str()));
    let repo_key = repo.display().to_string();
    let resolved = rev.clone().or_else(|| {
        let text = std::fs::read_to_string(cache_file(glue, "hg-ref", &repo_key, &reference)?);
        let mut lines = text
            .ok()?
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter();
        let (r, at) = (lines.next()?, lines.next()?.parse::<u64>().ok()?);
        (now().saturating_sub(at) <= CACHE_TTL_SECS).then_some(r)
    });
    if let Some(r) = &resolved {
        if let Some((path, sha, count)) = cached_revision(glue, r, name) {
            set(input, "rev", Value::string(r.as_str()));
            set(input, "revCount", Value::Int(count));
            return Ok((path, sha));
        }
    }

    let target = resolved.as_deref().unwrap_or(&reference);
    let found = hg_in(
        repo,
        "log",
        &["-r", target, "--template", "{node} {rev} {branch}"],
    )?;
    let found = String::from_utf8_lossy(&found).into_owned();
    let [node, number, branch] = found.split_whitespace().collect::<Vec<_>>()[..] else {
        return Err(Error::eval(format!(
            "'{target}' names no single Mercurial revision: '{found}'"
        )));
    };
    let number: i64 = number
        .parse()
        .map_err(|_| Error::eval(format!("bad Mercurial revision number '{number}'")))?;
    set(input, "rev", Value::string(node));
    set(input, "ref", Value::string(branch));
    set(input, "revCount", Value::Int(number));
    let (path, sha) = match cached_revision(glue, node, name) {
        Some((path, sha, _)) => (path, sha),
        None => {
            // The files of the revision, without `.hg_archival.txt`.
            let tar = hg_in(
                repo,
                "archive",
                &[
                    "-r",
                    node,
                    "-t",
                    "tar",
                    "-p",
                    ".",
                    "--config",
                    "ui.archivemeta=false",
                    "-",
                ],
            )?;
            add_tar_tree(glue, name, &tar, &format!("Mercurial revision {node}"), pos)?
        }
    };
    if rev.is_none() {
        write_cache(
            glue,
            "hg-ref",
            &repo_key,
            &reference,
            &format!("{node}\n{}\n", now()),
        );
    }
    let info = format!("{}\n{number}\n", path.to_absolute_path());
    write_cache(glue, "hg-rev", node, name, &info);
    Ok((path, sha))
}

/// A revision fetched before under `name` whose path is still in the store:
/// the path, its NAR SHA-256 and the revision's `revCount`.
fn cached_revision(
    glue: &Glue,
    rev: &str,
    name: &str,
) -> Option<(StorePath<String>, [u8; 32], i64)> {
    let text = std::fs::read_to_string(cache_file(glue, "hg-rev", rev, name)?).ok()?;
    let mut lines = text.lines();
    let path = tvix_store::parse_absolute(lines.next()?).ok()?;
    let count = lines.next()?.parse().ok()?;
    let info = glue.store().path_info(&path).ok()??;
    Some((path, info.nar_sha256, count))
}

/// C++ `MercurialInputScheme::fetchToStore` for a local repository, then
/// `Input::checkLocks` of the given `narHash` and `revCount`.
fn fetch(glue: &Glue, ev: &Evaluator, pos: Pos, mut input: Input, shown: &str) -> Result<Fetched> {
    let url = get_str(&input, "url").unwrap_or_default();
    let name = get_str(&input, "name").unwrap_or_else(|| "source".to_owned());
    let rev = get_str(&input, "rev").map(|r| sha1_rev(&r)).transpose()?;
    let reference = get_str(&input, "ref");
    let given_rev_count = match get(&input, "revCount") {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let repo: PathBuf = match url::Url::parse(&url) {
        Ok(u) if u.scheme() == "file" => u
            .to_file_path()
            .map_err(|()| Error::eval(format!("invalid URL '{url}'")))?,
        _ => {
            return Err(Error::eval(format!(
                "only local Mercurial repositories are supported yet, not '{url}'"
            )));
        }
    };

    let dirty = rev.is_none()
        && reference.is_none()
        && repo.join(".hg").exists()
        && !hg_in(&repo, "status", &["--modified", "--added", "--removed"])?.is_empty();
    let (path, nar_sha256) = if dirty {
        // The tracked files as they are on disk.
        ev.log_warning(&format!("Mercurial tree '{}' is unclean", repo.display()));
        let branch = hg_in(&repo, "branch", &[])?;
        let branch = String::from_utf8_lossy(&branch).trim_end().to_owned();
        set(&mut input, "ref", Value::string(branch));
        let listed = hg_in(
            &repo,
            "status",
            &[
                "--clean",
                "--modified",
                "--added",
                "--no-status",
                "--print0",
            ],
        )?;
        let files = listed.split(|&c| c == 0).filter(|f| !f.is_empty());
        let root = std::path::absolute(&repo).unwrap_or_else(|_| repo.clone());
        add_listed_files(glue, &name, &root, files, pos)?
    } else {
        fetch_revision(glue, pos, &repo, &name, rev, reference, &mut input)?
    };

    if let Some(expected) = get_str(&input, "narHash") {
        let expected = parse_nar_hash(&expected)?;
        check_nar_hash(shown, &expected, &NixHash::Sha256(nar_sha256))?;
    }
    if let Some(n) = given_rev_count {
        if !matches!(get(&input, "revCount"), Some(Value::Int(m)) if *m == n) {
            return Err(rev_count_mismatch(&input_string(ev, pos, &input)?, n));
        }
    }
    Ok(Fetched {
        path,
        nar_sha256,
        input,
    })
}
