//! Lowering of rnix's syntax tree into the IR ([`crate::ir`]).
//!
//! The compiler walks the tree once. It resolves every variable against a
//! stack of compile-time scopes (one per runtime environment, except `let`s
//! merged into the environment they are evaluated in, see [`Scope`]), merges nested
//! attribute paths with C++ Nix's rules (`a.b = 1; a.c = 2;` and literal sets
//! merge, anything else is "already defined"), decodes string literals from
//! bytes (escapes, indentation stripping), resolves literal paths against the
//! file's directory and desugars operators exactly as C++ Nix's parser does
//! (`a - b` calls `__sub`, `<p>` calls `__findFile __nixPath "p"`, ...).
//! Errors it finds (syntax, undefined variables, duplicate attributes) are
//! parse errors, reported before anything is evaluated, as C++ Nix does.

mod inline;
mod show;
mod strings;
mod syntax_error;

pub(crate) use syntax_error::parse_error_of;

use rnix::{
    NodeOrToken, SyntaxNode, SyntaxToken,
    ast::{self, AstToken, HasEntry},
};
use rowan::ast::AstNode;
use rustc_hash::FxHashMap;

use crate::{
    NixString, Pos, Symbol, Value,
    errors::{Error, ErrorKind, Result},
    ir::{AttrDef, AttrName, BinOp, DynAttrDef, Expr, ExprRef, Formal, LambdaDef, placed},
    source::SourceFile,
    symbol::known,
};

/// What the compiler needs to know about the world.
pub(crate) struct CompileContext<'a> {
    pub(crate) file: &'a SourceFile,
    /// Directory that relative path literals are resolved against.
    pub(crate) base_dir: &'a [u8],
    /// Global names (the builtins scope) and their index.
    pub(crate) globals: &'a FxHashMap<Symbol, u32>,
    /// Attributes of `builtins` whose value is not a thunk, and the global
    /// slot holding the same value (for [`Expr::BuiltinSelect`]).
    pub(crate) builtin_attrs: &'a FxHashMap<Symbol, u32>,
    /// `$HOME` for `~/` paths.
    pub(crate) home: Option<&'a [u8]>,
    /// Receives the warnings C++ Nix's parser gives ("cursed or").
    pub(crate) observer: &'a dyn crate::Observer,
}

/// The names one binding construct brings into scope.
///
/// Most scopes are a runtime environment frame of their own. A `let` (or
/// `rec { }`) evaluated at most once per instance of the enclosing frame (a
/// function's body, the body of another `let` or `with`, a branch of `if`
/// there, ...) is *merged* instead: its bindings take slots of that frame
/// (allocated when the frame is created), so no frame is allocated for it
/// and variables reach it with one parent step less. See `Compiler::once`.
#[derive(Default)]
struct Scope {
    /// `Some(position of the with expression)` for a `with` scope.
    with: Option<Pos>,
    names: FxHashMap<Symbol, u32>,
    /// True if the names live in the frame of the scope below.
    merged: bool,
    /// For a `let`: the references to its names (see [`inline`]).
    refs: Option<inline::Refs>,
}

struct Compiler<'a> {
    ctx: CompileContext<'a>,
    /// The first undefined variable met. C++ Nix finds those after parsing
    /// (bindVars), so any syntax error, duplicate attribute or invalid
    /// number anywhere in the file wins: compiling goes on, and this is
    /// reported only if nothing else was.
    undefined: std::cell::RefCell<Option<Error>>,
    scopes: Vec<Scope>,
    /// Slots allocated so far in each runtime frame, innermost last (a frame's
    /// size is known once its body is compiled: merged `let`s add slots).
    frames: Vec<u32>,
    /// True while compiling an expression that is evaluated at most once per
    /// instance of the innermost frame: a `let` there can be merged into it.
    /// Reset by every expression for its children, set again by those whose
    /// child is such a position.
    once: bool,
    /// Name for the next lambda compiled (the binding it is the value of).
    next_name: Option<Symbol>,
}

/// C++ Nix's lexer on a number token: its value, or the error it reports
/// ("invalid integer '…'", or "invalid float '…'" for what `strtod` reports
/// as out of range: overflow, and underflow to a subnormal or to zero from
/// a non-zero mantissa); `None` for any other token.
pub(super) fn number_token(
    kind: rnix::SyntaxKind,
    text: &str,
) -> Option<std::result::Result<Value, String>> {
    match kind {
        rnix::SyntaxKind::TOKEN_INTEGER => Some(
            text.parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("invalid integer '{text}'")),
        ),
        rnix::SyntaxKind::TOKEN_FLOAT => Some(match text.parse::<f64>() {
            Ok(v) if float_in_range(text, v) => Ok(Value::Float(v)),
            _ => Err(format!("invalid float '{text}'")),
        }),
        _ => None,
    }
}

/// False where `strtod` sets `ERANGE` for `text`, parsed as `v`.
fn float_in_range(text: &str, v: f64) -> bool {
    if v.is_infinite() {
        return false;
    }
    if v == 0.0 {
        let mantissa = text.split(['e', 'E']).next().unwrap_or("");
        return !mantissa.bytes().any(|c| matches!(c, b'1'..=b'9'));
    }
    v.is_normal()
}

/// Compiles a parsed file into IR; `scope` names the slots of an outermost
/// environment (`scopedImport`).
pub(crate) fn compile_with_scope(
    ctx: CompileContext<'_>,
    root: &ast::Root,
    scope: Option<&[Symbol]>,
) -> Result<ExprRef> {
    let mut c = Compiler::new(ctx);
    if let Some(names) = scope {
        let mut s = Scope::default();
        for (i, n) in names.iter().enumerate() {
            s.names.insert(*n, i as u32);
        }
        // The embedder builds this frame with exactly these slots: the root
        // expression is not a `once` position, so nothing merges into it.
        c.scopes.push(s);
        c.frames.push(names.len() as u32);
    }
    let expr = root
        .expr()
        .ok_or_else(|| Error::new(ErrorKind::Parse, "syntax error, unexpected end of file"))?;
    let compiled = c.expr(&expr)?;
    c.finish()?;
    Ok(compiled)
}

/// Compiles a parsed file (so that the errors C++ Nix's parser reports,
/// such as undefined variables, are reported) and returns C++ Nix's
/// `Expr::show` of it: what `nix-instantiate --parse` prints.
pub(crate) fn show_root(ctx: CompileContext<'_>, root: &ast::Root) -> Result<Vec<u8>> {
    let mut c = Compiler::new(ctx);
    let expr = root
        .expr()
        .ok_or_else(|| Error::new(ErrorKind::Parse, "syntax error, unexpected end of file"))?;
    c.expr(&expr)?;
    c.finish()?;
    let mut out = Vec::new();
    c.show(&expr, &mut out)?;
    Ok(out)
}

/// An attribute set (or `let`) under construction, before lowering: nested
/// attribute paths are merged here.
#[derive(Default)]
struct PAttrs {
    rec: bool,
    /// Where the set literal starts (`{` or `rec`); none for a set made by
    /// nested attribute paths (C++ Nix keeps the position of the set that
    /// defined the name first).
    pos: Pos,
    /// Static attributes in source order of first definition.
    attrs: Vec<(Symbol, Pos, PValue)>,
    dynamic: Vec<(ast::Attr, Pos, PValue)>,
    /// Sources of `inherit (e) ...`.
    inherit_from: Vec<ast::Expr>,
}

enum PValue {
    Expr(ast::Expr),
    Nested(PAttrs),
    /// `inherit x;`: the variable of the enclosing scope.
    Inherit(Symbol, Pos),
    /// `inherit (e) x;`: `inherit_from[index].x`.
    InheritFrom(usize, Symbol, Pos),
}

/// `EXPR or` with `or` as a variable: C++ Nix's "cursed or" call, which
/// its parser builds apart ([`Compiler::call_parts`]).
fn applies_or(a: &ast::Apply) -> bool {
    matches!(a.argument(), Some(ast::Expr::Ident(i))
        if i.ident_token().is_some_and(|t| t.text() == "or"))
}

fn strip_parens(mut e: ast::Expr) -> ast::Expr {
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

fn parse_error(msg: impl Into<String>, pos: Pos) -> Error {
    Error::new(ErrorKind::Parse, msg).at(pos)
}

impl<'a> Compiler<'a> {
    fn new(ctx: CompileContext<'a>) -> Compiler<'a> {
        Compiler {
            ctx,
            undefined: std::cell::RefCell::new(None),
            scopes: Vec::new(),
            frames: Vec::new(),
            once: false,
            next_name: None,
        }
    }
}

impl Compiler<'_> {
    /// The undefined variable met while compiling, if any (see
    /// [`Compiler::undefined`]).
    fn finish(&self) -> Result<()> {
        match self.undefined.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// C++ Nix 2.26 parses `f or` (with `or` as a variable) as a call it
    /// calls a "cursed or", and warns where a later release will read it
    /// differently: as a function argument, a list element or the default
    /// of a select's `or`. rnix gives that call the same shape (an
    /// application of `or` in those places).
    fn warn_if_cursed_or(&self, a: &ast::Apply) {
        let node = a.syntax();
        let Some(parent) = node.parent().filter(|_| applies_or(a)) else {
            return;
        };
        let is_node = |e: Option<ast::Expr>| e.is_some_and(|e| e.syntax() == node);
        let cursed = match parent.kind() {
            rnix::SyntaxKind::NODE_LIST => true,
            rnix::SyntaxKind::NODE_APPLY => {
                is_node(ast::Apply::cast(parent).and_then(|p| p.argument()))
            }
            rnix::SyntaxKind::NODE_SELECT => {
                is_node(ast::Select::cast(parent).and_then(|s| s.default_expr()))
            }
            _ => false,
        };
        if !cursed {
            return;
        }
        let file = self.ctx.file;
        let range = node.text_range();
        let start = u32::from(range.start());
        let (line, col) = file.line_col(file.text_to_byte_offset(start));
        let mut snippet = Vec::new();
        file.push_original(&mut snippet, &node.text().to_string(), start);
        self.ctx.observer.log_warning(&format!(
            "at {}:{line}:{col}: This expression uses `or` as an identifier in a way that will change in a future Nix release.\n\
             Wrap this entire expression in parentheses to preserve its current meaning:\n    ({})\n\
             Give feedback at https://github.com/NixOS/nix/pull/11121",
            file.origin,
            String::from_utf8_lossy(&snippet)
        ));
    }

    /// The function and the arguments (in order) of `a` as C++ Nix's
    /// parser builds the call: `f a b c` is one call, `(f a) b` too
    /// (parentheses make no node), keeping the innermost application's
    /// position (`pos` is `a`'s); a "cursed or" call (`(f a) or`) is made
    /// apart, unflattened.
    fn call_parts(&self, a: &ast::Apply, pos: Pos) -> Result<(ast::Expr, Vec<ast::Expr>, Pos)> {
        let cursed = applies_or(a);
        let mut args = vec![self.child(a.argument(), a.syntax())?];
        let mut func = self.child(a.lambda(), a.syntax())?;
        let mut pos = pos;
        while let (false, ast::Expr::Apply(inner)) = (cursed, strip_parens(func.clone())) {
            pos = self.pos(inner.syntax());
            args.push(self.child(inner.argument(), inner.syntax())?);
            func = self.child(inner.lambda(), inner.syntax())?;
        }
        args.reverse();
        Ok((func, args, pos))
    }

    fn pos(&self, node: &SyntaxNode) -> Pos {
        self.ctx.file.pos(node.text_range().start().into())
    }

    fn tpos(&self, token: &SyntaxToken) -> Pos {
        self.ctx.file.pos(token.text_range().start().into())
    }

    /// The position C++ Nix's `Expr::getPos` gives the expression `e`
    /// (used where C++ positions an error at an operand, as `!e`): none
    /// for literals and `let`, the operator token for binary operators, the
    /// first element for lists, and otherwise where `e` starts.
    fn cpp_get_pos(&self, e: &ast::Expr) -> Pos {
        let node = e.syntax();
        let interpolated = || node.children().any(|c| ast::Interpol::can_cast(c.kind()));
        match e {
            ast::Expr::Paren(p) => p.expr().map_or(Pos::NONE, |i| self.cpp_get_pos(&i)),
            ast::Expr::HasAttr(h) => h.expr().map_or(Pos::NONE, |i| self.cpp_get_pos(&i)),
            ast::Expr::UnaryOp(u) if u.operator() == Some(ast::UnaryOpKind::Invert) => {
                u.expr().map_or(Pos::NONE, |i| self.cpp_get_pos(&i))
            }
            ast::Expr::List(l) => l.items().next().map_or(Pos::NONE, |i| self.cpp_get_pos(&i)),
            ast::Expr::Literal(_) | ast::Expr::LetIn(_) => Pos::NONE,
            ast::Expr::Str(_)
            | ast::Expr::PathAbs(_)
            | ast::Expr::PathRel(_)
            | ast::Expr::PathHome(_)
            | ast::Expr::PathSearch(_)
                if !interpolated() =>
            {
                Pos::NONE
            }
            ast::Expr::BinOp(_) => node
                .children_with_tokens()
                .filter_map(NodeOrToken::into_token)
                .find(|t| ast::BinOpKind::from_kind(t.kind()).is_some())
                .map_or_else(|| self.pos(node), |t| self.tpos(&t)),
            _ => self.pos(node),
        }
    }

    fn text_bytes(&self, token: &SyntaxToken) -> Vec<u8> {
        let mut out = Vec::new();
        self.ctx
            .file
            .push_original(&mut out, token.text(), token.text_range().start().into());
        out
    }

    fn sym(&self, token: &SyntaxToken) -> Symbol {
        Symbol::new(&self.text_bytes(token))
    }

    // ---------------------------------------------------------------- scopes

    fn resolve(&self, name: Symbol, pos: Pos) -> Result<Expr> {
        self.resolve_from(name, pos, 0)
    }

    /// [`Self::resolve`] for a variable evaluated `depth` frames below the
    /// innermost scope.
    fn resolve_from(&self, name: Symbol, pos: Pos, mut depth: u32) -> Result<Expr> {
        let mut withs = Vec::new();
        for scope in self.scopes.iter().rev() {
            if let Some(wpos) = scope.with {
                withs.push((depth, wpos));
            } else if let Some(&slot) = scope.names.get(&name) {
                if let Some(refs) = &scope.refs {
                    refs.record(slot, depth);
                }
                return Ok(Expr::Var { depth, slot, pos });
            }
            if !scope.merged {
                depth += 1;
            }
        }
        if let Some(&g) = self.ctx.globals.get(&name) {
            return Ok(Expr::Global(g));
        }
        if withs.is_empty() {
            self.undefined
                .borrow_mut()
                .get_or_insert_with(|| parse_error(format!("undefined variable '{name}'"), pos));
            // Never evaluated: the file is refused once compiled.
            return Ok(Expr::Const(Value::Null));
        }
        Ok(Expr::WithVar {
            name,
            pos,
            depths: withs.into(),
        })
    }

    fn var(&self, name: &str, pos: Pos) -> Result<ExprRef> {
        Ok(ExprRef::new(
            self.resolve(Symbol::new(name.as_bytes()), pos)?,
        ))
    }

    /// Compiles `f` inside `scope`, a new runtime frame of `size` slots to
    /// begin with; returns its result and the frame's final size.
    fn with_frame<T>(
        &mut self,
        scope: Scope,
        size: u32,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<(T, u32)> {
        let (r, size, _) = self.with_frame_scope(scope, size, f)?;
        Ok((r, size))
    }

    /// [`Self::with_frame`], giving the scope back too.
    fn with_frame_scope<T>(
        &mut self,
        scope: Scope,
        size: u32,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<(T, u32, Scope)> {
        self.scopes.push(scope);
        self.frames.push(size);
        let r = f(self);
        let scope = self.scopes.pop().unwrap_or_default();
        let size = self.frames.pop().unwrap_or(size);
        Ok((r?, size, scope))
    }

    /// The references of the innermost scope, if it records them.
    fn refs(&self) -> Option<&inline::Refs> {
        self.scopes.last().and_then(|s| s.refs.as_ref())
    }

    // ----------------------------------------------------------- expressions

    fn expr(&mut self, e: &ast::Expr) -> Result<ExprRef> {
        let name = self.next_name.take();
        let once = std::mem::take(&mut self.once);
        let node = e.syntax();
        let pos = self.pos(node);
        Ok(ExprRef::new(match e {
            ast::Expr::Paren(p) => {
                if let Some((at, e)) = syntax_error::unclosed_paren(self.ctx.file, p) {
                    // A number the lexer refuses inside comes first.
                    let inner = syntax_error::bad_number_in(self.ctx.file, p.syntax(), at);
                    return Err(inner.unwrap_or(e));
                }
                self.next_name = name;
                self.once = once;
                return self.expr(&self.child(p.expr(), node)?);
            }
            ast::Expr::Root(r) => return self.expr(&self.child(r.expr(), node)?),
            ast::Expr::Literal(l) => self.literal(l, pos)?,
            ast::Expr::Ident(i) => {
                let tok = i
                    .ident_token()
                    .ok_or_else(|| parse_error("syntax error", pos))?;
                let name = self.sym(&tok);
                self.resolve(name, pos)?
            }
            ast::Expr::Str(s) => return self.string(s),
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                return self.path(node, pos);
            }
            ast::Expr::PathSearch(_) => {
                let text = node.text().to_string();
                let inner = &text[1..text.len().saturating_sub(1)];
                Expr::Apply {
                    func: self.var("__findFile", pos)?,
                    args: placed(&[
                        self.var("__nixPath", pos)?,
                        ExprRef::new(Expr::Const(Value::string(inner))),
                    ]),
                    pos,
                }
            }
            ast::Expr::List(l) => {
                let items = l
                    .items()
                    .map(|i| self.expr(&i))
                    .collect::<Result<Vec<_>>>()?;
                Expr::List(items.into())
            }
            ast::Expr::Apply(a) => {
                self.warn_if_cursed_or(a);
                let (func, args, pos) = self.call_parts(a, pos)?;
                let func = self.expr(&func)?;
                let args = args
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Result<Vec<_>>>()?;
                Expr::Apply {
                    func,
                    args: placed(&args),
                    pos,
                }
            }
            ast::Expr::Select(s) => {
                let expr = self.expr(&self.child(s.expr(), node)?)?;
                // C++ ExprSelect::bindVars: the default before the dynamic
                // attribute names.
                let default = match s.default_expr() {
                    Some(d) => Some(self.expr(&d)?),
                    None => None,
                };
                let path = self.attrpath(&self.child(s.attrpath(), node)?)?;
                self.select(expr, path, default, pos)
            }
            ast::Expr::HasAttr(h) => {
                let expr = self.expr(&self.child(h.expr(), node)?)?;
                let path = self.attrpath(&self.child(h.attrpath(), node)?)?;
                Expr::HasAttr {
                    expr,
                    path: placed(&path),
                }
            }
            ast::Expr::IfElse(i) => Expr::If {
                cond: self.expr(&self.child(i.condition(), node)?)?,
                then: {
                    self.once = once;
                    self.expr(&self.child(i.body(), node)?)?
                },
                else_: {
                    self.once = once;
                    self.expr(&self.child(i.else_body(), node)?)?
                },
                pos,
            },
            ast::Expr::Assert(a) => {
                let cond_ast = self.child(a.condition(), node)?;
                let cond = self.expr(&cond_ast)?;
                self.once = once;
                let body = self.expr(&self.child(a.body(), node)?)?;
                let mut text = Vec::new();
                self.show(&cond_ast, &mut text)?;
                Expr::Assert {
                    cond,
                    body,
                    pos,
                    text: NixString::new(text),
                }
            }
            ast::Expr::With(w) => {
                let attrs = self.expr(&self.child(w.namespace(), node)?)?;
                let body_ast = self.child(w.body(), node)?;
                let (body, size) = self.with_frame(
                    Scope {
                        with: Some(pos),
                        ..Scope::default()
                    },
                    1,
                    |c| {
                        c.once = true;
                        c.expr(&body_ast)
                    },
                )?;
                Expr::With { attrs, body, size }
            }
            ast::Expr::UnaryOp(u) => {
                let inner_ast = self.child(u.expr(), node)?;
                let inner = self.expr(&inner_ast)?;
                match u.operator() {
                    // C++ Nix's ExprOpNot has no position of its own.
                    Some(ast::UnaryOpKind::Invert) => {
                        Expr::Not(inner, self.cpp_get_pos(&inner_ast))
                    }
                    Some(ast::UnaryOpKind::Negate) => {
                        // C++ Nix: `__sub 0 e`; respect a shadowed __sub.
                        match self.resolve(Symbol::new(b"__sub"), pos)? {
                            Expr::Global(_) => Expr::Neg(inner, pos),
                            other => Expr::Apply {
                                func: ExprRef::new(other),
                                args: placed(&[ExprRef::new(Expr::Const(Value::Int(0))), inner]),
                                pos,
                            },
                        }
                    }
                    None => return Err(parse_error("syntax error", pos)),
                }
            }
            ast::Expr::BinOp(b) => return self.binop(b),
            ast::Expr::Lambda(l) => Expr::Lambda(self.lambda(l, name)?),
            ast::Expr::LetIn(l) => {
                let mut p = PAttrs {
                    rec: true,
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, l)?;
                // C++ Nix reports it at the `let` (its parser rule's start).
                if !p.dynamic.is_empty() {
                    return Err(parse_error("dynamic attributes not allowed in let", pos));
                }
                let body = self.child(l.body(), node)?;
                return self.lower_rec(p, true, false, once, |c, _, _| {
                    c.once = true;
                    c.expr(&body)
                });
            }
            ast::Expr::LegacyLet(l) => {
                let mut p = PAttrs {
                    rec: true,
                    pos,
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, l)?;
                let body_sym = Symbol::new(b"body");
                let set = self.lower_attrs(p, false)?;
                Expr::Select {
                    expr: set,
                    path: placed(&[AttrName::Static(body_sym)]),
                    default: None,
                    pos,
                }
            }
            ast::Expr::AttrSet(s) => {
                let mut p = PAttrs {
                    rec: s.rec_token().is_some(),
                    pos,
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, s)?;
                return self.lower_attrs(p, once);
            }
            ast::Expr::CurPos(_) => Expr::CurPos(pos),
            ast::Expr::Error(_) => return Err(parse_error("syntax error", pos)),
        }))
    }

    fn child<T>(&self, c: Option<T>, node: &SyntaxNode) -> Result<T> {
        c.ok_or_else(|| parse_error("syntax error, unexpected end of file", self.pos(node)))
    }

    fn literal(&self, l: &ast::Literal, pos: Pos) -> Result<Expr> {
        let lex_number = |t: &rnix::SyntaxToken| match number_token(t.kind(), t.text()) {
            Some(Ok(v)) => Ok(Expr::Const(v)),
            // C++ Nix's lexer meets the file's numbers in source order, not
            // in the order they are compiled in (`a > b` compiles `b`
            // first): the first one it refuses is the error.
            Some(Err(msg)) => Err(t
                .parent_ancestors()
                .last()
                .and_then(|root| syntax_error::bad_number_in(self.ctx.file, &root, usize::MAX))
                .unwrap_or_else(|| parse_error(msg, pos))),
            None => Err(parse_error("syntax error", pos)),
        };
        Ok(match l.kind() {
            ast::LiteralKind::Integer(i) => lex_number(i.syntax())?,
            ast::LiteralKind::Float(f) => lex_number(f.syntax())?,
            ast::LiteralKind::Uri(u) => Expr::Const(Value::string(u.syntax().text())),
        })
    }

    fn binop(&mut self, b: &ast::BinOp) -> Result<ExprRef> {
        let node = b.syntax();
        let op = b
            .operator()
            .ok_or_else(|| parse_error("syntax error", self.pos(node)))?;
        // C++ Nix positions binary operators at the operator token.
        let op_pos = node
            .children_with_tokens()
            .filter_map(NodeOrToken::into_token)
            .find(|t| ast::BinOpKind::from_kind(t.kind()).is_some())
            .map(|t| self.tpos(&t))
            .unwrap_or_else(|| self.pos(node));
        let lhs_node = self.child(b.lhs(), node)?;
        let rhs_node = self.child(b.rhs(), node)?;
        let (lhs_pos, rhs_pos) = (self.pos(lhs_node.syntax()), self.pos(rhs_node.syntax()));
        use ast::BinOpKind as K;
        // C++ Nix's parser makes `a > b` `__lessThan b a` and `a <= b`
        // `!(__lessThan b a)`: b's variables are bound (and an undefined one
        // reported) first.
        let (lhs, rhs) = if matches!(op, K::More | K::LessOrEq) {
            let rhs = self.expr(&rhs_node)?;
            (self.expr(&lhs_node)?, rhs)
        } else {
            let lhs = self.expr(&lhs_node)?;
            (lhs, self.expr(&rhs_node)?)
        };
        let (op, prim) = match op {
            K::Concat => (BinOp::Concat, None),
            K::Update => (BinOp::Update, None),
            K::Add => {
                return Ok(ExprRef::new(Expr::Add {
                    lhs,
                    rhs,
                    pos: op_pos,
                    lhs_pos,
                    rhs_pos,
                }));
            }
            K::Sub => (BinOp::Sub, Some("__sub")),
            K::Mul => (BinOp::Mul, Some("__mul")),
            K::Div => (BinOp::Div, Some("__div")),
            K::And => (BinOp::And, None),
            K::Or => (BinOp::Or, None),
            K::Implication => (BinOp::Impl, None),
            K::Equal => (BinOp::Eq, None),
            K::NotEqual => (BinOp::NEq, None),
            K::Less => (BinOp::Lt, Some("__lessThan")),
            K::More => (BinOp::Gt, Some("__lessThan")),
            K::LessOrEq => (BinOp::Le, Some("__lessThan")),
            K::MoreOrEq => (BinOp::Ge, Some("__lessThan")),
            K::PipeRight | K::PipeLeft => {
                return Err(parse_error(
                    "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it",
                    op_pos,
                ));
            }
        };
        if let Some(name) = prim {
            // The operator is a call of a builtin found by name; if the user
            // shadowed it, call theirs.
            let f = self.resolve(Symbol::new(name.as_bytes()), op_pos)?;
            if !matches!(f, Expr::Global(_)) {
                let f = ExprRef::new(f);
                let call = |a, b| Expr::Apply {
                    func: f,
                    args: placed(&[a, b]),
                    pos: op_pos,
                };
                return Ok(ExprRef::new(match op {
                    BinOp::Gt => call(rhs, lhs),
                    BinOp::Le => Expr::Not(ExprRef::new(call(rhs, lhs)), op_pos),
                    BinOp::Ge => Expr::Not(ExprRef::new(call(lhs, rhs)), op_pos),
                    _ => call(lhs, rhs),
                }));
            }
        }
        Ok(ExprRef::new(Expr::BinOp {
            op,
            lhs,
            rhs,
            pos: op_pos,
        }))
    }

    /// `expr.path or default`; `builtins.NAME` (the unshadowed global)
    /// reads the builtin's global slot instead of searching the set.
    fn select(
        &self,
        expr: ExprRef,
        path: Box<[AttrName]>,
        default: Option<ExprRef>,
        pos: Pos,
    ) -> Expr {
        let builtin = match (&*expr, path.first()) {
            (Expr::Global(0), Some(AttrName::Static(name))) => {
                self.ctx.builtin_attrs.get(name).copied()
            }
            _ => None,
        };
        let Some(g) = builtin else {
            return Expr::Select {
                expr,
                path: placed(&path),
                default,
                pos,
            };
        };
        if path.len() == 1 {
            // The attribute exists, so a default can never be used.
            return Expr::BuiltinSelect(g);
        }
        Expr::Select {
            expr: ExprRef::new(Expr::BuiltinSelect(g)),
            path: placed(&path[1..]),
            default,
            pos,
        }
    }

    fn attrpath(&mut self, p: &ast::Attrpath) -> Result<Box<[AttrName]>> {
        p.attrs()
            .map(|a| self.attr_name(&a))
            .collect::<Result<Vec<_>>>()
            .map(Into::into)
    }

    /// A static name if the attribute is one (also `"a"` and `${"a"}`).
    fn static_name(&self, a: &ast::Attr) -> Result<Option<Symbol>> {
        match a {
            ast::Attr::Ident(i) => Ok(i.ident_token().map(|t| self.sym(&t))),
            ast::Attr::Str(s) => Ok(self.static_string(s)?.map(|b| Symbol::new(&b))),
            ast::Attr::Dynamic(d) => match d.expr().map(strip_parens) {
                Some(ast::Expr::Str(s)) => Ok(self.static_string(&s)?.map(|b| Symbol::new(&b))),
                _ => Ok(None),
            },
        }
    }

    fn attr_name(&mut self, a: &ast::Attr) -> Result<AttrName> {
        if let Some(s) = self.static_name(a)? {
            return Ok(AttrName::Static(s));
        }
        let (e, pos, var) = match a {
            ast::Attr::Dynamic(d) => {
                let inner = self.child(d.expr(), d.syntax())?;
                let var = match strip_parens(inner.clone()) {
                    ast::Expr::Ident(i) => i.ident_token().map(|t| self.sym(&t)),
                    _ => None,
                };
                (self.expr(&inner)?, self.cpp_get_pos(&inner), var)
            }
            ast::Attr::Str(s) => {
                let pos = self.cpp_get_pos(&ast::Expr::Str(s.clone()));
                (self.string(s)?, pos, None)
            }
            ast::Attr::Ident(i) => return Err(parse_error("syntax error", self.pos(i.syntax()))),
        };
        Ok(AttrName::Dynamic(e, pos, var))
    }

    // ------------------------------------------------------------ attr sets

    fn collect_entries(&mut self, p: &mut PAttrs, node: &impl HasEntry) -> Result<()> {
        for entry in node.entries() {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = match inh.from() {
                        Some(f) => {
                            let e = self.child(f.expr(), f.syntax())?;
                            p.inherit_from.push(e);
                            Some(p.inherit_from.len() - 1)
                        }
                        None => None,
                    };
                    for a in inh.attrs() {
                        let apos = self.pos(a.syntax());
                        let Some(name) = self.static_name(&a)? else {
                            return Err(parse_error(
                                "dynamic attributes not allowed in inherit",
                                apos,
                            ));
                        };
                        let value = match from {
                            Some(i) => PValue::InheritFrom(i, name, apos),
                            None => PValue::Inherit(name, apos),
                        };
                        self.add_attr(p, &[], name, apos, value, &[name])?;
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let path = self.child(av.attrpath(), av.syntax())?;
                    let value = self.child(av.value(), av.syntax())?;
                    let apos = self.pos(path.syntax());
                    let attrs: Vec<ast::Attr> = path.attrs().collect();
                    self.add_path(p, &attrs, apos, value, &mut Vec::new())?;
                }
            }
        }
        Ok(())
    }

    fn pvalue_of(&mut self, value: ast::Expr) -> Result<PValue> {
        match strip_parens(value.clone()) {
            ast::Expr::AttrSet(s) => {
                let mut nested = PAttrs {
                    rec: s.rec_token().is_some(),
                    pos: self.pos(s.syntax()),
                    ..PAttrs::default()
                };
                self.collect_entries(&mut nested, &s)?;
                Ok(PValue::Nested(nested))
            }
            _ => Ok(PValue::Expr(value)),
        }
    }

    fn add_path(
        &mut self,
        p: &mut PAttrs,
        attrs: &[ast::Attr],
        pos: Pos,
        value: ast::Expr,
        shown: &mut Vec<Symbol>,
    ) -> Result<()> {
        let Some((first, rest)) = attrs.split_first() else {
            return Err(parse_error("syntax error", pos));
        };
        match self.static_name(first)? {
            Some(name) => {
                shown.push(name);
                if rest.is_empty() {
                    let v = self.pvalue_of(value)?;
                    let shown_now = shown.clone();
                    return self.add_attr(p, &[], name, pos, v, &shown_now);
                }
                let existing = p.attrs.iter().position(|(n, _, _)| *n == name);
                match existing {
                    Some(i) => {
                        let prev_pos = p.attrs[i].1;
                        if let PValue::Expr(e) = &p.attrs[i].2 {
                            if let ast::Expr::AttrSet(_) = strip_parens(e.clone()) {
                                let e = e.clone();
                                p.attrs[i].2 = self.pvalue_of(e)?;
                            }
                        }
                        match &mut p.attrs[i].2 {
                            PValue::Nested(nested) => {
                                let mut nested = std::mem::take(nested);
                                let r = self.add_path(&mut nested, rest, pos, value, shown);
                                if let PValue::Nested(slot) = &mut p.attrs[i].2 {
                                    *slot = nested;
                                }
                                r
                            }
                            _ => Err(self.dup_attr(shown, pos, prev_pos)),
                        }
                    }
                    None => {
                        let mut nested = PAttrs::default();
                        self.add_path(&mut nested, rest, pos, value, shown)?;
                        p.attrs.push((name, pos, PValue::Nested(nested)));
                        Ok(())
                    }
                }
            }
            None => {
                let v = if rest.is_empty() {
                    self.pvalue_of(value)?
                } else {
                    let mut nested = PAttrs::default();
                    self.add_path(&mut nested, rest, pos, value, &mut Vec::new())?;
                    PValue::Nested(nested)
                };
                p.dynamic.push((first.clone(), pos, v));
                Ok(())
            }
        }
    }

    fn dup_attr(&self, path: &[Symbol], pos: Pos, prev: Pos) -> Error {
        let shown = path
            .iter()
            .map(|s| crate::print::attr_name_repr(s.as_bytes()))
            .collect::<Vec<_>>()
            .join(".");
        let prev = self
            .ctx_locate(prev)
            .unwrap_or_else(|| "«unknown»".to_owned());
        parse_error(
            format!("attribute '{shown}' already defined at {prev}"),
            pos,
        )
    }

    fn ctx_locate(&self, pos: Pos) -> Option<String> {
        let f = self.ctx.file;
        let off = pos.0.checked_sub(f.base)?;
        let (line, col) = f.line_col(off);
        Some(format!("{}:{}:{}", f.origin, line, col))
    }

    fn add_attr(
        &mut self,
        p: &mut PAttrs,
        _prefix: &[Symbol],
        name: Symbol,
        pos: Pos,
        value: PValue,
        shown: &[Symbol],
    ) -> Result<()> {
        if let Some(i) = p.attrs.iter().position(|(n, _, _)| *n == name) {
            let prev_pos = p.attrs[i].1;
            if let PValue::Expr(e) = &p.attrs[i].2 {
                if let ast::Expr::AttrSet(_) = strip_parens(e.clone()) {
                    let e = e.clone();
                    p.attrs[i].2 = self.pvalue_of(e)?;
                }
            }
            return match (&mut p.attrs[i].2, value) {
                (PValue::Nested(existing), PValue::Nested(new)) => {
                    // Merge: the `rec` of `new` is dropped (NixOS/nix#9020).
                    let offset = existing.inherit_from.len();
                    existing.inherit_from.extend(new.inherit_from);
                    for (n, npos, v) in new.attrs {
                        let v = match v {
                            PValue::InheritFrom(i, s, ipos) => {
                                PValue::InheritFrom(i + offset, s, ipos)
                            }
                            v => v,
                        };
                        let mut shown2 = shown.to_vec();
                        shown2.push(n);
                        self.add_attr(existing, &[], n, npos, v, &shown2)?;
                    }
                    existing.dynamic.extend(new.dynamic);
                    Ok(())
                }
                _ => Err(self.dup_attr(shown, pos, prev_pos)),
            };
        }
        p.attrs.push((name, pos, value));
        Ok(())
    }

    /// Lowers a set literal: `rec` sets bind their attributes in a new
    /// environment; `inherit (e)` sources get hidden slots.
    /// Lowers a set literal; `once` if it is evaluated at most once per
    /// instance of the innermost frame (a `rec` set's scope may merge).
    fn lower_attrs(&mut self, mut p: PAttrs, once: bool) -> Result<ExprRef> {
        // C++ Nix keeps static attributes in a map by symbol id and binds
        // their values in that order (then the dynamic ones in source
        // order): which undefined variable is reported first depends on it.
        p.attrs.sort_by_key(|(name, _, _)| *name);
        if p.rec {
            let names: Vec<(Symbol, Pos)> = p.attrs.iter().map(|(n, ps, _)| (*n, *ps)).collect();
            let set_pos = p.pos;
            let overrides = names.iter().any(|(n, _)| *n == known::overrides());
            return self.lower_rec(p, false, overrides, once, move |c, dynamic, base| {
                let attrs = names
                    .iter()
                    .enumerate()
                    .map(|(slot, (name, apos))| AttrDef {
                        name: *name,
                        pos: *apos,
                        value: ExprRef::new(Expr::Var {
                            depth: 0,
                            slot: base + slot as u32,
                            pos: Pos::NONE,
                        }),
                    })
                    .collect::<Vec<_>>();
                let dynamic = c.lower_dynamic(dynamic)?;
                let set = ExprRef::new(Expr::attrs(attrs, dynamic, set_pos));
                if !overrides {
                    return Ok(set);
                }
                let slots = names
                    .iter()
                    .enumerate()
                    .map(|(slot, (name, _))| (*name, slot as u32))
                    .collect();
                Ok(ExprRef::new(Expr::RecOverrides { set, slots }))
            });
        }
        if p.inherit_from.is_empty() {
            let mut attrs = Vec::with_capacity(p.attrs.len());
            for (name, apos, v) in p.attrs {
                self.next_name = Some(name);
                let value = self.lower_value(v, 0)?;
                self.next_name = None;
                attrs.push(AttrDef {
                    name,
                    pos: apos,
                    value,
                });
            }
            let dynamic = self.lower_dynamic(p.dynamic)?;
            return Ok(ExprRef::new(Expr::attrs(attrs, dynamic, p.pos)));
        }
        // A hidden environment holds the `inherit (e)` sources. `Let` delays
        // its bindings in the new environment, so they are compiled inside
        // the (nameless) hidden scope too.
        let inherit_from = std::mem::take(&mut p.inherit_from);
        let n_from = inherit_from.len() as u32;
        let ((froms, body), size) = self.with_frame(Scope::default(), n_from, |c| {
            let froms = inherit_from
                .iter()
                .map(|e| c.expr(e))
                .collect::<Result<Vec<_>>>()?;
            let mut attrs = Vec::with_capacity(p.attrs.len());
            for (name, apos, v) in p.attrs {
                c.next_name = Some(name);
                let value = c.lower_value(v, 0)?;
                c.next_name = None;
                attrs.push(AttrDef {
                    name,
                    pos: apos,
                    value,
                });
            }
            let dynamic = c.lower_dynamic(p.dynamic)?;
            Ok((froms, ExprRef::new(Expr::attrs(attrs, dynamic, p.pos))))
        })?;
        Ok(ExprRef::new(Expr::Let {
            bindings: froms.into_iter().map(Some).collect(),
            body,
            size,
        }))
    }

    /// Lowers the value of a non-recursive attribute; `from_base` is the
    /// first slot of the `inherit (e)` sources in the innermost scope.
    fn lower_value(&mut self, v: PValue, from_base: u32) -> Result<ExprRef> {
        match v {
            PValue::Expr(e) => self.expr(&e),
            PValue::Nested(n) => self.lower_attrs(n, false),
            PValue::Inherit(name, ipos) => Ok(ExprRef::new(self.resolve(name, ipos)?)),
            PValue::InheritFrom(i, name, ipos) => Ok(ExprRef::new(Expr::Select {
                expr: ExprRef::new(Expr::Var {
                    depth: 0,
                    slot: from_base + i as u32,
                    pos: Pos::NONE,
                }),
                path: placed(&[AttrName::Static(name)]),
                default: None,
                pos: ipos,
            })),
        }
    }

    fn lower_dynamic(&mut self, dynamic: Vec<(ast::Attr, Pos, PValue)>) -> Result<Vec<DynAttrDef>> {
        let mut out = Vec::with_capacity(dynamic.len());
        for (attr, pos, v) in dynamic {
            let name = match self.attr_name(&attr)? {
                AttrName::Dynamic(e, ..) => e,
                AttrName::Static(s) => {
                    ExprRef::new(Expr::Const(Value::string(s.as_bytes().to_vec())))
                }
            };
            let value = self.lower_value(v, 0)?;
            out.push(DynAttrDef { name, pos, value });
        }
        Ok(out)
    }

    /// Lowers a recursive binding group (`let` or `rec { }`): one slot per
    /// static attribute, then one per `inherit (e)` source, in a new frame,
    /// or in the innermost frame if `once` (see [`Scope`]); `body` is lowered
    /// inside it and told the first slot. A `let_in`'s single-use bindings
    /// are inlined (see [`inline`]).
    fn lower_rec(
        &mut self,
        p: PAttrs,
        let_in: bool,
        thunked: bool,
        once: bool,
        body: impl FnOnce(&mut Self, Vec<(ast::Attr, Pos, PValue)>, u32) -> Result<ExprRef>,
    ) -> Result<ExprRef> {
        let mut p = p;
        p.attrs.sort_by_key(|(name, _, _)| *name);
        let n = p.attrs.len() as u32;
        let total = n + p.inherit_from.len() as u32;
        // `__overrides` rewrites the scope's slots by their index: own frame.
        let merged = once && !thunked && !self.frames.is_empty();
        let base = match self.frames.last_mut() {
            Some(size) if merged => {
                *size += total;
                *size - total
            }
            _ => 0,
        };
        // A `let`'s single-use bindings may be inlined (not a `rec { }`'s:
        // its attributes are the bindings' thunks).
        let mut scope = Scope {
            merged,
            refs: let_in.then(inline::Refs::new),
            ..Scope::default()
        };
        for (i, (name, _, _)) in p.attrs.iter().enumerate() {
            scope.names.insert(*name, base + i as u32);
        }
        let PAttrs {
            attrs,
            dynamic,
            inherit_from,
            ..
        } = p;
        let lower = |c: &mut Self| {
            // C++ bindInheritSources: the `inherit (e)` sources first.
            let froms = inherit_from
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    if let Some(r) = c.refs() {
                        r.binding(n as usize + i);
                    }
                    c.expr(e)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut bindings = Vec::with_capacity(attrs.len() + inherit_from.len());
            for (i, (bname, _, v)) in attrs.into_iter().enumerate() {
                if let Some(r) = c.refs() {
                    r.binding(i);
                }
                c.next_name = Some(bname);
                bindings.push(match v {
                    PValue::Inherit(name, ipos) => {
                        // Resolved in the enclosing scope: one frame up
                        // unless this scope has none of its own.
                        let scope = c.scopes.pop().unwrap_or_default();
                        let r = c.resolve_from(name, ipos, u32::from(!merged));
                        c.scopes.push(scope);
                        ExprRef::new(r?)
                    }
                    v => c.lower_value(v, base + n)?,
                });
                c.next_name = None;
            }
            if thunked {
                for b in &mut bindings {
                    *b = ExprRef::new(Expr::Thunked(*b));
                }
            }
            bindings.extend(froms);
            if let Some(r) = c.refs() {
                r.body();
            }
            let body = body(c, dynamic, base)?;
            Ok((bindings.into_iter().map(Some).collect::<Vec<_>>(), body))
        };
        let inline = |scope: Scope, bindings: &mut Vec<Option<ExprRef>>, body: &mut ExprRef| {
            if let Some(refs) = scope.refs {
                inline::apply(refs, base, n as usize, bindings, body);
            }
        };
        if merged {
            self.scopes.push(scope);
            let r = lower(self);
            let scope = self.scopes.pop().unwrap_or_default();
            let (mut bindings, mut body) = r?;
            inline(scope, &mut bindings, &mut body);
            return Ok(ExprRef::new(Expr::LetHere {
                base,
                bindings: bindings.into(),
                body,
            }));
        }
        let ((mut bindings, mut body), size, scope) = self.with_frame_scope(scope, total, lower)?;
        inline(scope, &mut bindings, &mut body);
        Ok(ExprRef::new(Expr::Let {
            bindings: bindings.into(),
            body,
            size,
        }))
    }
}

impl Compiler<'_> {
    fn lambda(&mut self, l: &ast::Lambda, name: Option<Symbol>) -> Result<&'static LambdaDef> {
        let node = l.syntax();
        let pos = self.pos(node);
        let param = self.child(l.param(), node)?;
        let body_ast = self.child(l.body(), node)?;
        let mut scope = Scope::default();
        let (arg, formals_ast, ellipsis) = match &param {
            ast::Param::IdentParam(ip) => {
                let tok = self
                    .child(ip.ident(), ip.syntax())?
                    .ident_token()
                    .ok_or_else(|| parse_error("syntax error", pos))?;
                (Some(self.sym(&tok)), None, false)
            }
            ast::Param::Pattern(pat) => {
                let arg = match pat.pat_bind().and_then(|b| b.ident()) {
                    Some(i) => i.ident_token().map(|t| self.sym(&t)),
                    None => None,
                };
                (
                    arg,
                    Some(pat.pat_entries().collect::<Vec<_>>()),
                    pat.ellipsis_token().is_some(),
                )
            }
        };
        let mut slot = 0;
        if let Some(a) = arg {
            scope.names.insert(a, 0);
            slot = 1;
        }
        let mut formals = Vec::new();
        if let Some(entries) = &formals_ast {
            let mut seen: Vec<(Symbol, Pos)> = Vec::new();
            for e in entries {
                let ident = self.child(e.ident(), e.syntax())?;
                let tok = ident
                    .ident_token()
                    .ok_or_else(|| parse_error("syntax error", pos))?;
                let fname = self.sym(&tok);
                let fpos = self.pos(ident.syntax());
                if seen.iter().any(|(n, _)| *n == fname) {
                    return Err(parse_error(
                        format!("duplicate formal function argument '{fname}'"),
                        fpos,
                    ));
                }
                seen.push((fname, fpos));
            }
            if let Some(a) = arg {
                if seen.iter().any(|(n, _)| *n == a) {
                    return Err(parse_error(
                        format!("duplicate formal function argument '{a}'"),
                        pos,
                    ));
                }
            }
            // Slots in the order of the sorted formals below.
            seen.sort_by_key(|(n, _)| *n);
            for (fname, _) in &seen {
                scope.names.insert(*fname, slot);
                slot += 1;
            }
        }
        // C++ Nix sorts formals by symbol id (its parser's validateFormals):
        // defaults are bound and called in that order, which decides which
        // undefined variable, missing argument or recursion is reported.
        let formals_ast = formals_ast.map(|mut entries| {
            entries.sort_by_cached_key(|e| {
                e.ident()
                    .and_then(|i| i.ident_token())
                    .map(|t| self.sym(&t))
            });
            entries
        });
        let ((formals, body), env_size) = self.with_frame(scope, slot, |c| {
            if let Some(entries) = &formals_ast {
                for e in entries {
                    let ident = c.child(e.ident(), e.syntax())?;
                    let tok = ident
                        .ident_token()
                        .ok_or_else(|| parse_error("syntax error", pos))?;
                    let default = match e.default() {
                        Some(d) => Some(c.expr(&d)?),
                        None => None,
                    };
                    formals.push(Formal {
                        name: c.sym(&tok),
                        pos: c.pos(ident.syntax()),
                        default,
                    });
                }
            }
            // C++ Nix's ExprLambda::setName names the body too, so every
            // lambda of a curried `f = a: b: ...` is called 'f'.
            c.next_name = name;
            c.once = true;
            let body = c.expr(&body_ast)?;
            Ok((formals, body))
        })?;
        Ok(LambdaDef {
            name,
            pos,
            arg,
            formals: formals_ast.map(|_| (placed(&formals), ellipsis)),
            env_size: env_size as usize,
            body,
        }
        .place())
    }
}
