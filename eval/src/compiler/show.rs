//! C++ Nix's `Expr::show`: the text of an expression as its parser built
//! it, used by `assert` in "assertion '…' failed" and "while evaluating the
//! condition of the assertion '…'".
//!
//! It follows C++ Nix's desugaring, not the source: operators that are
//! calls show as calls (`a - b` is `(__sub a b)`, `a < b` is
//! `(__lessThan a b)`), nested attribute paths are merged sets, bindings are
//! sorted by name, literal paths are absolute, floats use `%g`, and every
//! compound expression is parenthesised the way each C++ node prints itself.

use rnix::{
    NodeOrToken, SyntaxNode,
    ast::{self, AstToken},
};
use rowan::ast::AstNode;

use super::{Compiler, PAttrs, PValue, strings::Piece, strip_parens};
use crate::{
    Pos, Symbol,
    errors::Result,
    print::{format_float, write_identifier, write_string_literal},
};

impl Compiler<'_> {
    /// Appends C++ Nix's `show` of `e` to `out`. Only called on expressions
    /// that already compiled, so the errors it can return do not happen.
    pub(super) fn show(&mut self, e: &ast::Expr, out: &mut Vec<u8>) -> Result<()> {
        let node = e.syntax();
        match e {
            ast::Expr::Paren(p) => self.show(&self.child(p.expr(), node)?, out)?,
            ast::Expr::Root(r) => self.show(&self.child(r.expr(), node)?, out)?,
            ast::Expr::Literal(l) => match l.kind() {
                ast::LiteralKind::Integer(i) => {
                    out.extend_from_slice(i.value().unwrap_or_default().to_string().as_bytes());
                }
                ast::LiteralKind::Float(f) => {
                    let v = f.syntax().text().parse::<f64>().unwrap_or_default();
                    out.extend_from_slice(format_float(v).as_bytes());
                }
                ast::LiteralKind::Uri(u) => {
                    write_string_literal(out, u.syntax().text().as_bytes());
                }
            },
            ast::Expr::Ident(i) => {
                if let Some(t) = i.ident_token() {
                    write_identifier(out, &self.text_bytes(&t));
                }
            }
            ast::Expr::Str(s) => self.show_string(s.syntax(), out)?,
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                self.show_path(node, out)?;
            }
            ast::Expr::PathSearch(_) => {
                let text = node.text().to_string();
                let inner = &text[1..text.len().saturating_sub(1)];
                out.extend_from_slice(b"(__findFile __nixPath ");
                write_string_literal(out, inner.as_bytes());
                out.push(b')');
            }
            ast::Expr::List(l) => {
                out.extend_from_slice(b"[ ");
                for item in l.items() {
                    out.push(b'(');
                    self.show(&item, out)?;
                    out.extend_from_slice(b") ");
                }
                out.push(b']');
            }
            ast::Expr::Apply(a) => {
                let (func, args, _) = self.call_parts(a, Pos::NONE)?;
                out.push(b'(');
                self.show(&func, out)?;
                for arg in &args {
                    out.push(b' ');
                    self.show(arg, out)?;
                }
                out.push(b')');
            }
            ast::Expr::Select(s) => {
                out.push(b'(');
                self.show(&self.child(s.expr(), node)?, out)?;
                out.extend_from_slice(b").");
                self.show_attrpath(&self.child(s.attrpath(), node)?, out)?;
                if let Some(d) = s.default_expr() {
                    out.extend_from_slice(b" or (");
                    self.show(&d, out)?;
                    out.push(b')');
                }
            }
            ast::Expr::HasAttr(h) => {
                out.extend_from_slice(b"((");
                self.show(&self.child(h.expr(), node)?, out)?;
                out.extend_from_slice(b") ? ");
                self.show_attrpath(&self.child(h.attrpath(), node)?, out)?;
                out.push(b')');
            }
            ast::Expr::IfElse(i) => {
                out.extend_from_slice(b"(if ");
                self.show(&self.child(i.condition(), node)?, out)?;
                out.extend_from_slice(b" then ");
                self.show(&self.child(i.body(), node)?, out)?;
                out.extend_from_slice(b" else ");
                self.show(&self.child(i.else_body(), node)?, out)?;
                out.push(b')');
            }
            ast::Expr::Assert(a) => {
                out.extend_from_slice(b"assert ");
                self.show(&self.child(a.condition(), node)?, out)?;
                out.extend_from_slice(b"; ");
                self.show(&self.child(a.body(), node)?, out)?;
            }
            ast::Expr::With(w) => {
                out.extend_from_slice(b"(with ");
                self.show(&self.child(w.namespace(), node)?, out)?;
                out.extend_from_slice(b"; ");
                self.show(&self.child(w.body(), node)?, out)?;
                out.push(b')');
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.child(u.expr(), node)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => out.extend_from_slice(b"(! "),
                    _ => out.extend_from_slice(b"(__sub 0 "),
                }
                self.show(&inner, out)?;
                out.push(b')');
            }
            ast::Expr::BinOp(b) => self.show_binop(b, out)?,
            ast::Expr::Lambda(l) => self.show_lambda(l, out)?,
            ast::Expr::LetIn(l) => {
                let mut p = PAttrs {
                    rec: true,
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, l)?;
                out.extend_from_slice(b"(let ");
                self.show_bindings(&p, out)?;
                out.extend_from_slice(b"in ");
                self.show(&self.child(l.body(), node)?, out)?;
                out.push(b')');
            }
            ast::Expr::LegacyLet(l) => {
                let mut p = PAttrs {
                    rec: true,
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, l)?;
                out.push(b'(');
                self.show_attrs(&p, out)?;
                out.extend_from_slice(b").body");
            }
            ast::Expr::AttrSet(s) => {
                let mut p = PAttrs {
                    rec: s.rec_token().is_some(),
                    ..PAttrs::default()
                };
                self.collect_entries(&mut p, s)?;
                self.show_attrs(&p, out)?;
            }
            ast::Expr::CurPos(_) => out.extend_from_slice(b"__curPos"),
            ast::Expr::Error(_) => {}
        }
        Ok(())
    }

    /// A string literal: one literal part is a string, several parts (or
    /// an interpolation) are C++ `ExprConcatStrings`, `(a + b)`. In an
    /// indented string each escape (`''$`, `'''`, `''\n`) is a part of its
    /// own, as C++ Nix's lexer makes it.
    fn show_string(&mut self, node: &SyntaxNode, out: &mut Vec<u8>) -> Result<()> {
        let pieces = self.string_pieces(node)?;
        if let Some(inner) = self.indented_sole_string(node, &pieces)? {
            return self.show_string(inner.syntax(), out);
        }
        let literal_only =
            pieces.len() <= 1 && pieces.iter().all(|p| matches!(p, Piece::Text { .. }));
        if literal_only {
            let mut bytes = Vec::new();
            for p in pieces {
                if let Piece::Text { bytes: b, .. } = p {
                    bytes.extend_from_slice(&b);
                }
            }
            write_string_literal(out, &bytes);
            return Ok(());
        }
        out.push(b'(');
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b" + ");
            }
            match p {
                Piece::Text { bytes, .. } => write_string_literal(out, bytes),
                Piece::Interpolation(ip) => {
                    self.show(&self.child(ip.expr(), ip.syntax())?, out)?;
                }
            }
        }
        out.push(b')');
        Ok(())
    }

    /// Whether a string literal is a C++ `ExprString` (not a
    /// concatenation).
    fn is_plain_string(&mut self, node: &SyntaxNode) -> Result<bool> {
        let pieces = self.string_pieces(node)?;
        if self.indented_sole_string(node, &pieces)?.is_some() {
            return Ok(true);
        }
        Ok(pieces.len() <= 1 && pieces.iter().all(|p| matches!(p, Piece::Text { .. })))
    }

    /// C++ `stripIndentation` returns the only part of an indented string
    /// itself when it is an `ExprString`: `''${"y"}''` is `"y"`. That
    /// string, if so.
    fn indented_sole_string(
        &mut self,
        node: &SyntaxNode,
        pieces: &[Piece],
    ) -> Result<Option<ast::Str>> {
        let indented = node.first_token().is_some_and(|t| t.text() == "''");
        let [Piece::Interpolation(ip)] = pieces else {
            return Ok(None);
        };
        if !indented {
            return Ok(None);
        }
        match strip_parens(self.child(ip.expr(), ip.syntax())?) {
            ast::Expr::Str(inner) if self.is_plain_string(inner.syntax())? => Ok(Some(inner)),
            _ => Ok(None),
        }
    }

    /// A path literal: the absolute path, or the parts of an interpolated
    /// one.
    fn show_path(&mut self, node: &SyntaxNode, out: &mut Vec<u8>) -> Result<()> {
        let pos = self.pos(node);
        let interpolated = node.children().any(|c| ast::Interpol::can_cast(c.kind()));
        if interpolated {
            out.push(b'(');
        }
        let mut first = true;
        for child in node.children_with_tokens() {
            let start = out.len();
            match child {
                NodeOrToken::Token(t) => {
                    let raw = self.text_bytes(&t);
                    if first {
                        let mut p = self.resolve_path_start(&raw, pos)?;
                        if !interpolated {
                            p = crate::path::canonicalise(&p);
                        }
                        out.extend_from_slice(&p);
                    } else {
                        write_string_literal(out, &raw);
                    }
                }
                NodeOrToken::Node(n) => match ast::Interpol::cast(n) {
                    Some(i) => self.show(&self.child(i.expr(), i.syntax())?, out)?,
                    None => continue,
                },
            }
            if !first {
                out.splice(start..start, *b" + ");
            }
            first = false;
        }
        if interpolated {
            out.push(b')');
        }
        Ok(())
    }

    fn show_attrpath(&mut self, p: &ast::Attrpath, out: &mut Vec<u8>) -> Result<()> {
        for (i, a) in p.attrs().enumerate() {
            if i > 0 {
                out.push(b'.');
            }
            self.show_attr_name(&a, out)?;
        }
        Ok(())
    }

    /// A name of an attribute path: a symbol, or `"${e}"`.
    fn show_attr_name(&mut self, a: &ast::Attr, out: &mut Vec<u8>) -> Result<()> {
        if let Some(s) = self.static_name(a)? {
            write_identifier(out, s.as_bytes());
            return Ok(());
        }
        out.extend_from_slice(b"\"${");
        match a {
            ast::Attr::Dynamic(d) => self.show(&self.child(d.expr(), d.syntax())?, out)?,
            ast::Attr::Str(s) => self.show_string(s.syntax(), out)?,
            ast::Attr::Ident(_) => {}
        }
        out.extend_from_slice(b"}\"");
        Ok(())
    }

    fn show_binop(&mut self, b: &ast::BinOp, out: &mut Vec<u8>) -> Result<()> {
        use ast::BinOpKind as K;
        let node = b.syntax();
        let lhs = self.child(b.lhs(), node)?;
        let rhs = self.child(b.rhs(), node)?;
        let infix = |s: &'static str| (Some(s), None, false, false);
        // (infix operator, or called builtin; swapped operands; negated)
        let (op, call, swap, not) = match b.operator() {
            Some(K::Concat) => infix("++"),
            Some(K::Update) => infix("//"),
            Some(K::Add) => infix("+"),
            Some(K::And) => infix("&&"),
            Some(K::Or) => infix("||"),
            Some(K::Implication) => infix("->"),
            Some(K::Equal) => infix("=="),
            Some(K::NotEqual) => infix("!="),
            Some(K::Sub) => (None, Some("__sub"), false, false),
            Some(K::Mul) => (None, Some("__mul"), false, false),
            Some(K::Div) => (None, Some("__div"), false, false),
            Some(K::Less) => (None, Some("__lessThan"), false, false),
            Some(K::More) => (None, Some("__lessThan"), true, false),
            Some(K::LessOrEq) => (None, Some("__lessThan"), true, true),
            Some(K::MoreOrEq) => (None, Some("__lessThan"), false, true),
            Some(K::PipeRight | K::PipeLeft) | None => return Ok(()),
        };
        let (first, second) = if swap { (&rhs, &lhs) } else { (&lhs, &rhs) };
        if not {
            out.extend_from_slice(b"(! ");
        }
        out.push(b'(');
        if let Some(f) = call {
            out.extend_from_slice(f.as_bytes());
            out.push(b' ');
        }
        self.show(first, out)?;
        match op {
            Some(op) => {
                out.push(b' ');
                out.extend_from_slice(op.as_bytes());
                out.push(b' ');
            }
            None => out.push(b' '),
        }
        self.show(second, out)?;
        out.push(b')');
        if not {
            out.push(b')');
        }
        Ok(())
    }

    fn show_lambda(&mut self, l: &ast::Lambda, out: &mut Vec<u8>) -> Result<()> {
        let node = l.syntax();
        out.push(b'(');
        let arg: Option<Symbol> = match self.child(l.param(), node)? {
            ast::Param::IdentParam(ip) => ip
                .ident()
                .and_then(|i| i.ident_token())
                .map(|t| self.sym(&t)),
            ast::Param::Pattern(pat) => {
                let mut formals: Vec<(Symbol, Option<ast::Expr>)> = Vec::new();
                for e in pat.pat_entries() {
                    if let Some(t) = e.ident().and_then(|i| i.ident_token()) {
                        formals.push((self.sym(&t), e.default()));
                    }
                }
                formals.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                out.extend_from_slice(b"{ ");
                for (i, (name, default)) in formals.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    write_identifier(out, name.as_bytes());
                    if let Some(d) = default {
                        out.extend_from_slice(b" ? ");
                        self.show(d, out)?;
                    }
                }
                if pat.ellipsis_token().is_some() {
                    if !formals.is_empty() {
                        out.extend_from_slice(b", ");
                    }
                    out.extend_from_slice(b"...");
                }
                out.extend_from_slice(b" }");
                let arg = pat
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .and_then(|i| i.ident_token())
                    .map(|t| self.sym(&t));
                if arg.is_some() {
                    out.extend_from_slice(b" @ ");
                }
                arg
            }
        };
        if let Some(a) = arg {
            write_identifier(out, a.as_bytes());
        }
        out.extend_from_slice(b": ");
        self.show(&self.child(l.body(), node)?, out)?;
        out.push(b')');
        Ok(())
    }

    fn show_attrs(&mut self, p: &PAttrs, out: &mut Vec<u8>) -> Result<()> {
        if p.rec {
            out.extend_from_slice(b"rec ");
        }
        out.extend_from_slice(b"{ ");
        self.show_bindings(p, out)?;
        out.push(b'}');
        Ok(())
    }

    /// C++ `ExprAttrs::showBindings`: `inherit`s, then `inherit (e)`s in
    /// source order, then the other attributes by name, then the dynamic
    /// ones in source order.
    fn show_bindings(&mut self, p: &PAttrs, out: &mut Vec<u8>) -> Result<()> {
        let mut sorted: Vec<&(Symbol, Pos, PValue)> = p.attrs.iter().collect();
        sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let inherits: Vec<Symbol> = sorted
            .iter()
            .filter(|a| matches!(a.2, PValue::Inherit(..)))
            .map(|a| a.0)
            .collect();
        if !inherits.is_empty() {
            out.extend_from_slice(b"inherit");
            for s in inherits {
                out.push(b' ');
                write_identifier(out, s.as_bytes());
            }
            out.extend_from_slice(b"; ");
        }
        for (from, e) in p.inherit_from.iter().enumerate() {
            let names: Vec<Symbol> = sorted
                .iter()
                .filter(|a| matches!(a.2, PValue::InheritFrom(i, ..) if i == from))
                .map(|a| a.0)
                .collect();
            if names.is_empty() {
                continue;
            }
            out.extend_from_slice(b"inherit (");
            self.show(e, out)?;
            out.push(b')');
            for s in names {
                out.push(b' ');
                write_identifier(out, s.as_bytes());
            }
            out.extend_from_slice(b"; ");
        }
        for (name, _, value) in sorted {
            if matches!(value, PValue::Inherit(..) | PValue::InheritFrom(..)) {
                continue;
            }
            write_identifier(out, name.as_bytes());
            out.extend_from_slice(b" = ");
            self.show_pvalue(value, out)?;
            out.extend_from_slice(b"; ");
        }
        for (attr, _, value) in &p.dynamic {
            out.extend_from_slice(b"\"${");
            match attr {
                ast::Attr::Dynamic(d) => self.show(&self.child(d.expr(), d.syntax())?, out)?,
                ast::Attr::Str(s) => self.show_string(s.syntax(), out)?,
                ast::Attr::Ident(_) => {}
            }
            out.extend_from_slice(b"}\" = ");
            self.show_pvalue(value, out)?;
            out.extend_from_slice(b"; ");
        }
        Ok(())
    }

    fn show_pvalue(&mut self, v: &PValue, out: &mut Vec<u8>) -> Result<()> {
        match v {
            PValue::Expr(e) => self.show(e, out),
            PValue::Nested(p) => self.show_attrs(p, out),
            // Inherited attributes are shown by `show_bindings`.
            PValue::Inherit(..) | PValue::InheritFrom(..) => Ok(()),
        }
    }
}
