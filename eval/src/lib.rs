//! tvix-eval: the Nix language, lazy and exact, with pure builtins.
//!
//! Pipeline: source bytes -> rnix/rowan tree ([`source`] maps non-UTF-8 bytes)
//! -> resolved IR (`compiler`) -> tree-walking evaluation with thunks (`eval`).
//! The crate knows nothing of stores: the outside world is reached only
//! through [`EvalIO`] and builtins added by the embedder.
//!
//! ```
//! use tvix_eval::{EvaluationBuilder, Value};
//! let eval = EvaluationBuilder::new().build();
//! let v = eval.evaluate_expr(b"1 + 2", None).expect("evaluates");
//! assert!(matches!(v, Value::Int(3)));
//! ```

mod attr_path;
mod builtins;
mod compiler;
mod corepkgs;
mod errors;
mod eval;
mod io;
mod ir;
mod path;
mod print;
mod repl_print;
mod serde_de;
mod source;
mod symbol;
mod value;

use std::{
    cell::{Cell, RefCell},
    path::Path,
    rc::Rc,
    sync::{Arc, atomic::AtomicBool},
};

use rowan::ast::AstNode;
use rustc_hash::FxHashMap;

pub use attr_path::AutoArgs;
pub use builtins::{Builtin, BuiltinKind, Global, json_syntax_error};
pub use errors::{Error, ErrorKind, LazyMessage, Result, Trace, TraceMessage};
pub use eval::{Evaluator, Observer, StderrObserver, ops::Coercion};
pub use io::{DummyIO, EvalIO, FileType, StdIO};
pub use print::{format_float, print_ambiguous};
pub use serde_de::{DeError, from_value};
pub use source::{Origin, Pos, SourceMap};
pub use symbol::Symbol;
pub use value::{
    AlignedBool, ArgType, Attr, Attrs, Context, CtxElem, CtxKind, List, NixList, NixString,
    PrimOpFn, Value,
};

use crate::{
    errors::ErrorKind as K,
    eval::Settings,
    ir::ExprRef,
    value::{Env, PrimOp},
};

/// Configures and builds an [`Evaluation`].
#[must_use]
pub struct EvaluationBuilder {
    io: Box<dyn EvalIO>,
    observer: Box<dyn Observer>,
    pure: bool,
    show_trace: bool,
    abort_on_warn: bool,
    max_call_depth: usize,
    search_path: Vec<(Vec<u8>, Vec<u8>)>,
    extra: Vec<Builtin>,
    home: Option<Vec<u8>>,
    interrupt: Arc<AtomicBool>,
    experimental: Vec<String>,
}

impl Default for EvaluationBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl EvaluationBuilder {
    /// Defaults: local filesystem ([`StdIO`]), impure, warnings on stderr,
    /// max call depth 10000 (as C++ Nix), `$HOME` from the environment.
    pub fn new() -> Self {
        use std::os::unix::ffi::OsStringExt;
        EvaluationBuilder {
            io: Box::new(StdIO),
            observer: Box::new(StderrObserver),
            pure: false,
            show_trace: false,
            abort_on_warn: false,
            max_call_depth: 10000,
            search_path: Vec::new(),
            extra: Vec::new(),
            home: std::env::var_os("HOME").map(|h| h.into_vec()),
            interrupt: Arc::default(),
            experimental: Vec::new(),
        }
    }

    /// Enables a C++ Nix experimental feature by name
    /// (`--extra-experimental-features`). Only `parse-toml-timestamps`
    /// changes anything; other names are accepted and have no effect.
    pub fn experimental_feature(mut self, name: &str) -> Self {
        self.experimental.push(name.to_owned());
        self
    }

    /// How files and the environment are reached.
    pub fn io(mut self, io: Box<dyn EvalIO>) -> Self {
        self.io = io;
        self
    }

    /// Where traces and warnings go.
    pub fn observer(mut self, o: Box<dyn Observer>) -> Self {
        self.observer = o;
        self
    }

    /// Pure evaluation: `getEnv` returns "" and `currentTime` is absent.
    pub fn pure(mut self, pure: bool) -> Self {
        self.pure = pure;
        self
    }

    /// Record the extra trace frames C++ Nix adds with `--show-trace`.
    pub fn show_trace(mut self, on: bool) -> Self {
        self.show_trace = on;
        self
    }

    /// Make `builtins.warn` an error (`--abort-on-warn`).
    pub fn abort_on_warn(mut self, on: bool) -> Self {
        self.abort_on_warn = on;
        self
    }

    /// Maximum nesting of function calls (`max-call-depth`).
    pub fn max_call_depth(mut self, depth: usize) -> Self {
        self.max_call_depth = depth;
        self
    }

    /// Sets `$HOME` for `~/` paths (None: such paths are an error).
    pub fn home(mut self, home: Option<Vec<u8>>) -> Self {
        self.home = home;
        self
    }

    /// Adds search path entries in `NIX_PATH` / `-I` syntax
    /// (`prefix=path` or `path`), after the existing ones.
    pub fn nix_path(mut self, entries: &[u8]) -> Self {
        for e in entries.split(|&c| c == b':').filter(|e| !e.is_empty()) {
            match e.iter().position(|&c| c == b'=') {
                Some(i) => self
                    .search_path
                    .push((e[..i].to_vec(), e[i + 1..].to_vec())),
                None => self.search_path.push((Vec::new(), e.to_vec())),
            }
        }
        self
    }

    /// Adds one `-I` entry (`prefix=path` or `path`), after the others.
    pub fn search_path_entry(mut self, entry: &[u8]) -> Self {
        match entry.iter().position(|&c| c == b'=') {
            Some(i) => self
                .search_path
                .push((entry[..i].to_vec(), entry[i + 1..].to_vec())),
            None => self.search_path.push((Vec::new(), entry.to_vec())),
        }
        self
    }

    /// Adds (or replaces) a builtin; visible as `builtins.NAME` and
    /// globally as `__NAME` (or `NAME` for [`Builtin::plain`]).
    pub fn add_builtin(mut self, b: Builtin) -> Self {
        self.extra.push(b);
        self
    }

    /// A flag that stops the evaluation when set (by a signal handler or
    /// another thread): the next function call or thunk force fails with
    /// [`ErrorKind::Interrupted`]. The evaluator never clears it; clear it
    /// before evaluating again.
    pub fn interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = flag;
        self
    }

    /// Builds the evaluation.
    pub fn build(self) -> Evaluation {
        let mut all = builtins::all();
        for b in self.extra {
            all.retain(|x| x.name != b.name);
            all.push(b);
        }
        let search_path: Vec<Value> = self
            .search_path
            .iter()
            .map(|(prefix, path)| {
                Value::attrs(Attrs::from_unsorted(vec![
                    Attr {
                        name: symbol::known::prefix(),
                        pos: Pos::NONE,
                        value: Value::string(prefix.clone()),
                    },
                    Attr {
                        name: symbol::known::path(),
                        pos: Pos::NONE,
                        value: Value::string(path.clone()),
                    },
                ]))
            })
            .collect();
        all.push(Builtin::constant("nixPath", Value::list(search_path)));
        if !self.pure {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            all.push(Builtin::constant("currentTime", Value::Int(now)));
        }
        if let Some(dir) = self.io.store_dir() {
            all.push(Builtin::constant("storeDir", Value::string(dir)));
        }
        let mut globals = Vec::new();
        let mut global_names = FxHashMap::default();
        let mut builtin_attrs = FxHashMap::default();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut set = Vec::new();
        // Slot 0 is `builtins` itself, filled in below.
        globals.push(Value::Null);
        global_names.insert(Symbol::new(b"builtins"), 0);
        for b in &all {
            let v = b.value();
            let gname = match b.global {
                Global::Plain => b.name.to_owned(),
                Global::Prefixed => format!("__{}", b.name),
            };
            // The set keeps the first of duplicate names; so does this map.
            let sym = Symbol::new(b.name.as_bytes());
            if seen.insert(sym) && !matches!(v, Value::Thunk(_)) {
                builtin_attrs.insert(sym, globals.len() as u32);
            }
            global_names.insert(Symbol::new(gname.as_bytes()), globals.len() as u32);
            globals.push(v.clone());
            set.push(Attr {
                name: Symbol::new(b.name.as_bytes()),
                pos: Pos::NONE,
                value: v,
            });
        }
        // `builtins.builtins` is the set itself, at any depth: a thunk that
        // is filled in with the finished set. The cycle (set, thunk, set) is
        // broken when the evaluator is dropped (`Evaluator::builtins_self`).
        let builtins_self = value::Thunk::evaluated_later();
        set.push(Attr {
            name: Symbol::new(b"builtins"),
            pos: Pos::NONE,
            value: Value::Thunk(builtins_self.clone()),
        });
        let builtins_set = Value::attrs(Attrs::from_unsorted(set));
        builtins_self.fill(builtins_set.clone());
        globals[0] = builtins_set;
        let ev = Evaluator {
            sources: SourceMap::default(),
            globals,
            builtins_self,
            global_names,
            builtin_attrs,
            io: Box::new(corepkgs::CorepkgsIO(self.io)),
            observer: self.observer,
            settings: Settings {
                max_call_depth: self.max_call_depth,
                show_trace: self.show_trace,
                pure: self.pure,
                abort_on_warn: self.abort_on_warn,
                toml_timestamps: self
                    .experimental
                    .iter()
                    .any(|f| f == "parse-toml-timestamps"),
            },
            depth: Cell::new(0),
            nesting: Cell::new(0),
            stack_floor: Cell::new(usize::MAX),
            import_cache: RefCell::new(FxHashMap::default()),
            regex_cache: RefCell::new(FxHashMap::default()),
            home: self.home,
            try_level: Cell::new(0),
            interrupt: self.interrupt,
        };
        Evaluation { ev: Rc::new(ev) }
    }
}

impl Builtin {
    /// The builtin as a value (a function, the constant, or a thunk of the
    /// Nix expression), e.g. to pass a Rust function to Nix code without
    /// adding it to the global scope.
    #[must_use]
    pub fn value(&self) -> Value {
        match &self.kind {
            BuiltinKind::Function {
                arity,
                func,
                forces,
            } => Value::PrimOp(Rc::new(PrimOp {
                name: self.name,
                arity: *arity,
                func: func.clone(),
                forces,
            })),
            BuiltinKind::Constant(v) => v.clone(),
            BuiltinKind::Nix { file, source } => nix_builtin(file, source),
        }
    }
}

/// A builtin written in Nix: a thunk that parses and evaluates `source` (in
/// the global scope) when first forced, so parse errors surface as
/// evaluation errors and unused builtins cost nothing.
fn nix_builtin(file: &'static str, source: &'static str) -> Value {
    let load = PrimOp {
        name: file,
        arity: 1,
        func: Rc::new(move |ev: &Evaluator, _pos, _args: &[Value]| ev.eval_internal(file, source)),
        forces: &[],
    };
    Value::Thunk(value::Thunk::app(Value::PrimOp(Rc::new(load)), Value::Null))
}

/// One evaluation: parse and evaluate expressions and files, print values.
pub struct Evaluation {
    ev: Rc<Evaluator>,
}

impl Evaluation {
    /// The evaluator (to force, call and inspect values).
    #[must_use]
    pub fn evaluator(&self) -> &Evaluator {
        &self.ev
    }

    /// Evaluates an expression given as bytes; relative paths resolve
    /// against `base_dir` (default: the current directory). The result is in
    /// weak head normal form.
    pub fn evaluate_expr(&self, src: &[u8], base_dir: Option<&Path>) -> Result<Value> {
        self.evaluate_source(Origin::String, src, base_dir)
    }

    /// Evaluates source text with a given origin (`«stdin»`, `«string»`).
    pub fn evaluate_source(
        &self,
        origin: Origin,
        src: &[u8],
        base_dir: Option<&Path>,
    ) -> Result<Value> {
        self.install_pos_shower();
        let dir = match base_dir {
            Some(d) => d.to_path_buf(),
            None => std::env::current_dir().map_err(|e| Error::new(K::Io, e.to_string()))?,
        };
        let expr = self
            .ev
            .parse(origin, src.to_vec(), dir.as_os_str().as_encoded_bytes())?;
        self.ev.eval(&expr, &Env::new(None, 0))
    }

    /// Parses `src` (origin `«string»`, relative paths against the current
    /// directory) and returns it unevaluated, with the attributes of `scope`
    /// as variables that shadow builtins: how `nix repl` evaluates input in
    /// the scope its `:a`/`:l` commands extend. A parse error is returned
    /// at once.
    pub fn lazy_in_scope(&self, src: &[u8], scope: &Rc<Attrs>) -> Result<Value> {
        self.install_pos_shower();
        let dir = std::env::current_dir().map_err(|e| Error::new(K::Io, e.to_string()))?;
        let names: Vec<Symbol> = scope.iter().map(|a| a.name).collect();
        let expr = self.ev.parse_with_scope(
            Origin::String,
            src.to_vec(),
            dir.as_os_str().as_encoded_bytes(),
            Some(&names),
        )?;
        let env: Env = Env::with_values(None, scope.iter().map(|a| a.value.clone()));
        Ok(Value::Thunk(value::Thunk::new(expr, env)))
    }

    /// Parses source text (relative paths against `base_dir`, default the
    /// current directory) and returns it as `nix-instantiate --parse`
    /// prints it (C++ Nix's `Expr::show`, without the newline).
    pub fn parse_and_show(
        &self,
        origin: Origin,
        src: &[u8],
        base_dir: Option<&Path>,
    ) -> Result<Vec<u8>> {
        self.install_pos_shower();
        let dir = match base_dir {
            Some(d) => d.to_path_buf(),
            None => std::env::current_dir().map_err(|e| Error::new(K::Io, e.to_string()))?,
        };
        self.ev
            .parse_show(origin, src.to_vec(), dir.as_os_str().as_encoded_bytes())
    }

    /// `parse_and_show` of a file (a directory means its `default.nix`).
    pub fn parse_and_show_file(&self, path: &Path) -> Result<Vec<u8>> {
        self.install_pos_shower();
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::new(K::Io, e.to_string()))?
                .join(path)
        };
        let p = path::canonicalise(abs.as_os_str().as_encoded_bytes());
        let (p, bytes) = self.ev.read_source(&p, Pos::NONE)?;
        let dir = p[..p.iter().rposition(|&c| c == b'/').unwrap_or(0).max(1)].to_vec();
        self.ev
            .parse_show(Origin::File(eval::bytes_to_path(&p)), bytes, &dir)
    }

    /// The names visible in the global scope (builtins such as `map`,
    /// `true`, `__add`), unsorted.
    #[must_use]
    pub fn global_names(&self) -> Vec<String> {
        self.ev.global_names.keys().map(|s| s.to_string()).collect()
    }

    /// Evaluates a file (a directory means its `default.nix`).
    pub fn evaluate_file(&self, path: &Path) -> Result<Value> {
        self.install_pos_shower();
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::new(K::Io, e.to_string()))?
                .join(path)
        };
        let p = path::canonicalise(abs.as_os_str().as_encoded_bytes());
        self.ev.import(&p, Pos::NONE, false)
    }

    /// Forces a value deeply (`--strict`).
    pub fn force_deep(&self, v: &Value) -> Result<()> {
        self.install_pos_shower();
        self.ev.deep_force(v)
    }

    /// `nix-instantiate --eval` output of a value (without the newline).
    #[must_use]
    pub fn print(&self, v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        print::print_ambiguous(v, &mut out);
        out
    }

    /// `--json` output (without the newline); `strict` forces as it goes.
    pub fn to_json(&self, v: &Value, strict: bool) -> Result<Vec<u8>> {
        self.to_json_at(v, strict, v.determine_pos(Pos::NONE))
    }

    /// [`Self::to_json`] with the position nix-instantiate gives the
    /// printing (that of the value selected, before any auto-call: a set's
    /// `__toString` is called there).
    pub fn to_json_at(&self, v: &Value, strict: bool, pos: Pos) -> Result<Vec<u8>> {
        self.install_pos_shower();
        let mut out = Vec::new();
        let mut ctx = Context::Empty;
        builtins::json_out(&self.ev, v, pos, strict, &mut out, &mut ctx)?;
        Ok(out)
    }

    /// `--xml` output; `location` adds source positions.
    pub fn to_xml(&self, v: &Value, strict: bool, location: bool) -> Result<Vec<u8>> {
        let (out, r) = self.to_xml_partial(v, strict, location);
        r.map(|()| out)
    }

    /// [`Self::to_xml`] as `nix-instantiate --xml` prints it: the document
    /// written up to an error, its open elements closed, and the error.
    pub fn to_xml_partial(&self, v: &Value, strict: bool, location: bool) -> (Vec<u8>, Result<()>) {
        self.install_pos_shower();
        builtins::xml_out(&self.ev, v, strict, location)
    }

    /// Coerces a value to a string as `--raw` does.
    pub fn to_raw_string(&self, v: &Value) -> Result<Vec<u8>> {
        let s = self.ev.coerce_to_string(
            v,
            Pos::NONE,
            eval::ops::Coercion {
                more: false,
                copy_to_store: true,
            },
        )?;
        Ok(s.as_bytes().to_vec())
    }

    /// Renders an error as C++ Nix prints it.
    #[must_use]
    pub fn render_error(&self, e: &Error, show_trace: bool) -> String {
        e.render(&self.ev.sources, show_trace)
    }

    /// Renders an error as C++ Nix prints it, as bytes: quoted source lines
    /// are copied from the file even when they are not valid UTF-8.
    #[must_use]
    pub fn render_error_bytes(&self, e: &Error, show_trace: bool) -> Vec<u8> {
        e.render_bytes(&self.ev.sources, show_trace)
    }

    fn install_pos_shower(&self) {
        let ev = Rc::downgrade(&self.ev);
        print::set_pos_shower(Box::new(move |p| match ev.upgrade() {
            Some(ev) => ev.show_pos(p),
            None => "«none»:0".to_owned(),
        }));
    }
}

impl Evaluator {
    /// Parses and compiles source text.
    pub(crate) fn parse(&self, origin: Origin, bytes: Vec<u8>, base_dir: &[u8]) -> Result<ExprRef> {
        self.parse_with_scope(origin, bytes, base_dir, None)
    }

    fn parse_with_scope(
        &self,
        origin: Origin,
        bytes: Vec<u8>,
        base_dir: &[u8],
        scope: Option<&[Symbol]>,
    ) -> Result<ExprRef> {
        self.with_parsed(origin, bytes, base_dir, |ctx, root| {
            compiler::compile_with_scope(ctx, root, scope)
        })
    }

    /// Parses source text and hands its syntax tree, with the context
    /// compiling it needs, to `f`.
    fn with_parsed<T>(
        &self,
        origin: Origin,
        bytes: Vec<u8>,
        base_dir: &[u8],
        f: impl FnOnce(compiler::CompileContext<'_>, &rnix::ast::Root) -> Result<T>,
    ) -> Result<T> {
        let file = self.sources.add(origin, bytes);
        let parsed = rnix::Root::parse(&file.text);
        if let Some(err) = parsed.errors().first() {
            return Err(compiler::parse_error_of(&file, err, &parsed.syntax()));
        }
        let root = rnix::ast::Root::cast(parsed.syntax())
            .ok_or_else(|| Error::new(K::Parse, "syntax error"))?;
        f(
            compiler::CompileContext {
                file: &file,
                base_dir,
                globals: &self.global_names,
                builtin_attrs: &self.builtin_attrs,
                home: self.home(),
                observer: &*self.observer,
            },
            &root,
        )
    }

    /// Parses and compiles source text and returns C++ Nix's `show` of it.
    fn parse_show(&self, origin: Origin, bytes: Vec<u8>, base_dir: &[u8]) -> Result<Vec<u8>> {
        self.with_parsed(origin, bytes, base_dir, compiler::show_root)
    }

    fn read_source(&self, path: &[u8], pos: Pos) -> Result<(Vec<u8>, Vec<u8>)> {
        let mut p = path.to_vec();
        if matches!(self.io.file_type(&p), Ok(io::FileType::Directory)) {
            p.extend_from_slice(b"/default.nix");
        }
        let bytes = self.io.read_file(&p).map_err(|e| {
            let shown = corepkgs::display(&p);
            let msg = if e.kind() == std::io::ErrorKind::NotFound {
                format!("path '{}' does not exist", String::from_utf8_lossy(&shown))
            } else {
                format!("reading file '{}': {e}", String::from_utf8_lossy(&shown))
            };
            Error::new(K::Io, msg).at(pos)
        })?;
        Ok((p, bytes))
    }

    /// `import path`: cached per resolved path; `from_builtin` adds C++
    /// Nix's "while evaluating the file" frame to evaluation errors.
    pub(crate) fn import(&self, path: &[u8], pos: Pos, from_builtin: bool) -> Result<Value> {
        if let Some(v) = self.import_cache.borrow().get(path) {
            return self.force(v, pos);
        }
        let (p, bytes) = self.read_source(path, pos)?;
        let dir = p[..p.iter().rposition(|&c| c == b'/').unwrap_or(0).max(1)].to_vec();
        let expr = self.parse(Origin::File(eval::bytes_to_path(&p)), bytes, &dir)?;
        let v = self.eval(&expr, &Env::new(None, 0)).map_err(|e| {
            // C++ Nix's `evalFile` (used by `import`, not for the file
            // given on the command line).
            if from_builtin {
                e.with_trace(
                    Pos::NONE,
                    format!(
                        "while evaluating the file '{}':",
                        String::from_utf8_lossy(&p)
                    ),
                )
            } else {
                e
            }
        })?;
        self.import_cache
            .borrow_mut()
            .insert(path.to_vec(), v.clone());
        Ok(v)
    }

    /// `scopedImport attrs path`: the names of `attrs` are lexically in
    /// scope (shadowing builtins), as in C++ Nix. Not cached.
    pub(crate) fn scoped_import(&self, path: &[u8], scope: Rc<Attrs>, pos: Pos) -> Result<Value> {
        let (p, bytes) = self.read_source(path, pos)?;
        let dir = p[..p.iter().rposition(|&c| c == b'/').unwrap_or(0).max(1)].to_vec();
        let names: Vec<Symbol> = scope.iter().map(|a| a.name).collect();
        let expr = self.parse_with_scope(
            Origin::File(eval::bytes_to_path(&p)),
            bytes,
            &dir,
            Some(&names),
        )?;
        let env: Env = Env::with_values(None, scope.iter().map(|a| a.value.clone()));
        self.eval(&expr, &env)
    }
}
