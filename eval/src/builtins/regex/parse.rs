//! Compiling a pattern into the NFA libstdc++ builds for
//! `std::regex(p, std::regex::extended)`: its scanner (which characters are
//! special, which escapes are allowed under `__STRICT_ANSI__`, bracket and
//! brace states) and its compiler (`_M_disjunction`, `_M_alternative`,
//! `_M_term`, `_M_quantifier`, `_M_expression_term`), state by state,
//! including the clones made for `{m,n}` and the unreachable originals they
//! leave behind, because the executor's order and libstdc++'s
//! `_GLIBCXX_REGEX_STATE_LIMIT` (100000 states, `error_space`) depend on it.
//!
//! Reproduced details: an anchor cannot be quantified (`^*` is rejected), a
//! quantifier may follow a quantifier (`a**`), `{` always opens an interval,
//! `\` may only escape one of `.[\()*+?{|^$`, empty alternatives and groups
//! are allowed, `.` matches every byte but NUL, a bracket's leading `]` is
//! literal, `-` is literal only first or last, ranges compare bytes as
//! signed `char`, `[:name:]` classes are the C locale's (case-insensitive
//! names, plus `d`, `w`, `s`), `[.name.]` and `[=name=]` take libstdc++'s
//! collating-element names and `[=x=]` matches both cases. Interval counts
//! are `int`s: `a{2147483648}` is invalid, `a{2147483647}` too big.

use std::rc::Rc;

/// libstdc++'s `_GLIBCXX_REGEX_STATE_LIMIT`.
const STATE_LIMIT: usize = 100_000;
pub(super) const NONE: usize = usize::MAX;

/// Why a pattern was rejected: `Space` is libstdc++'s `error_space`, which
/// C++ Nix reports differently from every other `regex_error`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CompileError {
    Invalid,
    Space,
}

type CResult<T> = Result<T, CompileError>;

#[derive(Clone)]
pub(super) enum Matcher {
    Any,
    Byte(u8),
    Set(Rc<[bool; 256]>),
}

impl Matcher {
    pub(super) fn matches(&self, b: u8) -> bool {
        match self {
            Matcher::Any => b != 0,
            Matcher::Byte(c) => *c == b,
            Matcher::Set(s) => s[b as usize],
        }
    }
}

#[derive(Clone)]
pub(super) enum Op {
    Match(Matcher),
    /// Explores `alt` (the left branch) first, then `next`.
    Alt,
    /// `alt` is one more iteration, `next` leaves the loop.
    Repeat,
    SubBegin(usize),
    SubEnd(usize),
    LineBegin,
    LineEnd,
    Dummy,
    Accept,
}

#[derive(Clone)]
pub(super) struct State {
    pub(super) op: Op,
    pub(super) next: usize,
    pub(super) alt: usize,
}

/// A compiled pattern: its states, the start state and the number of
/// capture slots (group 0 included).
pub(crate) struct Program {
    pub(super) states: Vec<State>,
    pub(super) start: usize,
    pub(super) groups: usize,
    /// The bytes a match can begin with, or `None` if a match can be
    /// empty: a search skips start positions whose byte is not in it.
    pub(super) first: Option<Box<[bool; 256]>>,
}

/// The bytes that can be consumed first on a path from `start`, or `None`
/// if `Accept` is reachable without consuming anything.
fn first_bytes(states: &[State], start: usize) -> Option<Box<[bool; 256]>> {
    let mut set = Box::new([false; 256]);
    let mut seen = vec![false; states.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if i == NONE || seen[i] {
            continue;
        }
        seen[i] = true;
        let st = &states[i];
        match &st.op {
            Op::Match(m) => {
                for (b, slot) in set.iter_mut().enumerate() {
                    *slot |= m.matches(b as u8);
                }
            }
            Op::Accept => return None,
            Op::Alt | Op::Repeat => {
                todo.push(st.alt);
                todo.push(st.next);
            }
            _ => todo.push(st.next),
        }
    }
    Some(set)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Eof,
    Ord,
    AnyChar,
    LineBegin,
    LineEnd,
    Closure0,
    Closure1,
    Opt,
    Or,
    SubBegin,
    SubEnd,
    BracketBegin,
    BracketNegBegin,
    BracketEnd,
    BracketDash,
    CollSym,
    EquivClass,
    CharClass,
    IntervalBegin,
    IntervalEnd,
    DupCount,
    Comma,
}

#[derive(PartialEq, Eq)]
enum ScanState {
    Normal,
    Bracket,
    Brace,
}

struct Scanner<'a> {
    p: &'a [u8],
    i: usize,
    state: ScanState,
    at_bracket_start: bool,
}

const SPEC: &[u8] = b".[\\()*+?{|^$";

impl Scanner<'_> {
    fn advance(&mut self) -> CResult<(Tok, Vec<u8>)> {
        if self.i == self.p.len() {
            return Ok((Tok::Eof, vec![]));
        }
        match self.state {
            ScanState::Normal => self.scan_normal(),
            ScanState::Bracket => self.scan_bracket(),
            ScanState::Brace => self.scan_brace(),
        }
    }

    fn scan_normal(&mut self) -> CResult<(Tok, Vec<u8>)> {
        let c = self.p[self.i];
        self.i += 1;
        if !SPEC.contains(&c) {
            return Ok((Tok::Ord, vec![c]));
        }
        let t = match c {
            b'\\' => {
                // Without GNU extensions only special characters may be
                // escaped (`_M_eat_escape_posix` under `__STRICT_ANSI__`).
                let n = *self.p.get(self.i).ok_or(CompileError::Invalid)?;
                if !SPEC.contains(&n) {
                    return Err(CompileError::Invalid);
                }
                self.i += 1;
                return Ok((Tok::Ord, vec![n]));
            }
            b'(' => Tok::SubBegin,
            b')' => Tok::SubEnd,
            b'[' => {
                self.state = ScanState::Bracket;
                self.at_bracket_start = true;
                if self.p.get(self.i) == Some(&b'^') {
                    self.i += 1;
                    Tok::BracketNegBegin
                } else {
                    Tok::BracketBegin
                }
            }
            b'{' => {
                self.state = ScanState::Brace;
                Tok::IntervalBegin
            }
            b'^' => Tok::LineBegin,
            b'$' => Tok::LineEnd,
            b'.' => Tok::AnyChar,
            b'*' => Tok::Closure0,
            b'+' => Tok::Closure1,
            b'?' => Tok::Opt,
            _ => Tok::Or,
        };
        Ok((t, vec![]))
    }

    fn scan_bracket(&mut self) -> CResult<(Tok, Vec<u8>)> {
        let c = self.p[self.i];
        self.i += 1;
        let r = match c {
            b'-' => (Tok::BracketDash, vec![]),
            b'[' => {
                let n = *self.p.get(self.i).ok_or(CompileError::Invalid)?;
                let t = match n {
                    b'.' => Tok::CollSym,
                    b':' => Tok::CharClass,
                    b'=' => Tok::EquivClass,
                    _ => {
                        self.at_bracket_start = false;
                        return Ok((Tok::Ord, vec![c]));
                    }
                };
                self.i += 1;
                (t, self.eat_class(n)?)
            }
            b']' if !self.at_bracket_start => {
                self.state = ScanState::Normal;
                (Tok::BracketEnd, vec![])
            }
            _ => (Tok::Ord, vec![c]),
        };
        self.at_bracket_start = false;
        Ok(r)
    }

    fn eat_class(&mut self, close: u8) -> CResult<Vec<u8>> {
        let start = self.i;
        while self.i < self.p.len() && self.p[self.i] != close {
            self.i += 1;
        }
        let v = self.p[start..self.i].to_vec();
        if self.p.get(self.i) != Some(&close) || self.p.get(self.i + 1) != Some(&b']') {
            return Err(CompileError::Invalid);
        }
        self.i += 2;
        Ok(v)
    }

    fn scan_brace(&mut self) -> CResult<(Tok, Vec<u8>)> {
        let c = self.p[self.i];
        self.i += 1;
        if c.is_ascii_digit() {
            let mut v = vec![c];
            while let Some(&d) = self.p.get(self.i).filter(|d| d.is_ascii_digit()) {
                v.push(d);
                self.i += 1;
            }
            Ok((Tok::DupCount, v))
        } else if c == b',' {
            Ok((Tok::Comma, vec![]))
        } else if c == b'}' {
            self.state = ScanState::Normal;
            Ok((Tok::IntervalEnd, vec![]))
        } else {
            Err(CompileError::Invalid)
        }
    }
}

#[derive(Clone, Copy)]
struct Seq {
    start: usize,
    end: usize,
}

struct Compiler<'a> {
    sc: Scanner<'a>,
    tok: Tok,
    tok_value: Vec<u8>,
    value: Vec<u8>,
    states: Vec<State>,
    stack: Vec<Seq>,
    groups: usize,
}

/// Compiles `pattern` as libstdc++'s `std::regex::extended`.
pub(crate) fn compile(pattern: &[u8]) -> CResult<Program> {
    let mut sc = Scanner {
        p: pattern,
        i: 0,
        state: ScanState::Normal,
        at_bracket_start: false,
    };
    let (tok, tok_value) = sc.advance()?;
    let mut c = Compiler {
        sc,
        tok,
        tok_value,
        value: vec![],
        states: vec![],
        stack: vec![],
        groups: 0,
    };
    let start = c.insert_sub_begin()?;
    let mut r = Seq { start, end: start };
    c.disjunction()?;
    if !c.match_token(Tok::Eof)? {
        return Err(CompileError::Invalid);
    }
    let body = c.pop();
    c.append_seq(&mut r, body);
    let e = c.insert(Op::SubEnd(0))?;
    c.append(&mut r, e);
    let a = c.insert(Op::Accept)?;
    c.append(&mut r, a);
    let first = first_bytes(&c.states, start);
    Ok(Program {
        states: c.states,
        start,
        groups: c.groups,
        first,
    })
}

impl Compiler<'_> {
    fn match_token(&mut self, t: Tok) -> CResult<bool> {
        if self.tok != t {
            return Ok(false);
        }
        self.value = std::mem::take(&mut self.tok_value);
        (self.tok, self.tok_value) = self.sc.advance()?;
        Ok(true)
    }

    fn insert_state(&mut self, s: State) -> CResult<usize> {
        self.states.push(s);
        if self.states.len() > STATE_LIMIT {
            return Err(CompileError::Space);
        }
        Ok(self.states.len() - 1)
    }

    fn insert(&mut self, op: Op) -> CResult<usize> {
        self.insert_state(State {
            op,
            next: NONE,
            alt: NONE,
        })
    }

    fn insert_sub_begin(&mut self) -> CResult<usize> {
        let id = self.groups;
        self.groups += 1;
        self.insert(Op::SubBegin(id))
    }

    fn pop(&mut self) -> Seq {
        // The compiler always pushes before it pops.
        self.stack.pop().unwrap_or(Seq { start: 0, end: 0 })
    }

    fn append(&mut self, s: &mut Seq, id: usize) {
        self.states[s.end].next = id;
        s.end = id;
    }

    fn append_seq(&mut self, s: &mut Seq, t: Seq) {
        self.states[s.end].next = t.start;
        s.end = t.end;
    }

    /// `_StateSeq::_M_clone`.
    fn clone_seq(&mut self, s: Seq) -> CResult<Seq> {
        let mut map = std::collections::BTreeMap::new();
        let mut stack = vec![s.start];
        while let Some(u) = stack.pop() {
            let dup = self.states[u].clone();
            let id = self.insert_state(dup.clone())?;
            map.insert(u, id);
            if matches!(dup.op, Op::Alt | Op::Repeat)
                && dup.alt != NONE
                && !map.contains_key(&dup.alt)
            {
                stack.push(dup.alt);
            }
            if u == s.end {
                continue;
            }
            if dup.next != NONE && !map.contains_key(&dup.next) {
                stack.push(dup.next);
            }
        }
        for &v in map.values() {
            let st = &mut self.states[v];
            if st.next != NONE {
                if let Some(&n) = map.get(&st.next) {
                    st.next = n;
                }
            }
            if matches!(st.op, Op::Alt | Op::Repeat) && st.alt != NONE {
                if let Some(&n) = map.get(&st.alt) {
                    st.alt = n;
                }
            }
        }
        Ok(Seq {
            start: map[&s.start],
            end: map[&s.end],
        })
    }

    fn disjunction(&mut self) -> CResult<()> {
        self.alternative()?;
        while self.match_token(Tok::Or)? {
            let mut alt1 = self.pop();
            self.alternative()?;
            let mut alt2 = self.pop();
            let end = self.insert(Op::Dummy)?;
            self.append(&mut alt1, end);
            self.append(&mut alt2, end);
            let a = self.insert_state(State {
                op: Op::Alt,
                next: alt2.start,
                alt: alt1.start,
            })?;
            self.stack.push(Seq { start: a, end });
        }
        Ok(())
    }

    fn alternative(&mut self) -> CResult<()> {
        // libstdc++ recurses once per term; a loop builds the same chain.
        let mut terms = vec![];
        while self.term()? {
            terms.push(self.pop());
        }
        let d = self.insert(Op::Dummy)?;
        let mut tail = Seq { start: d, end: d };
        // `_M_alternative` appends the (empty) rest to each term from the
        // innermost call outwards.
        while let Some(mut t) = terms.pop() {
            self.append_seq(&mut t, tail);
            tail = t;
        }
        self.stack.push(tail);
        Ok(())
    }

    fn term(&mut self) -> CResult<bool> {
        if self.assertion()? {
            return Ok(true);
        }
        if self.atom()? {
            while self.quantifier()? {}
            return Ok(true);
        }
        Ok(false)
    }

    fn assertion(&mut self) -> CResult<bool> {
        let op = if self.match_token(Tok::LineBegin)? {
            Op::LineBegin
        } else if self.match_token(Tok::LineEnd)? {
            Op::LineEnd
        } else {
            return Ok(false);
        };
        let id = self.insert(op)?;
        self.stack.push(Seq { start: id, end: id });
        Ok(true)
    }

    fn push_single(&mut self, op: Op) -> CResult<()> {
        let id = self.insert(op)?;
        self.stack.push(Seq { start: id, end: id });
        Ok(())
    }

    fn atom(&mut self) -> CResult<bool> {
        if self.match_token(Tok::AnyChar)? {
            self.push_single(Op::Match(Matcher::Any))?;
        } else if self.match_token(Tok::Ord)? {
            let c = self.value[0];
            self.push_single(Op::Match(Matcher::Byte(c)))?;
        } else if self.match_token(Tok::SubBegin)? {
            let b = self.insert_sub_begin()?;
            let mut r = Seq { start: b, end: b };
            self.disjunction()?;
            if !self.match_token(Tok::SubEnd)? {
                return Err(CompileError::Invalid);
            }
            let body = self.pop();
            self.append_seq(&mut r, body);
            let Op::SubBegin(k) = self.states[b].op else {
                return Err(CompileError::Invalid);
            };
            let e = self.insert(Op::SubEnd(k))?;
            self.append(&mut r, e);
            self.stack.push(r);
        } else if self.match_token(Tok::BracketNegBegin)? {
            self.bracket(true)?;
        } else if self.match_token(Tok::BracketBegin)? {
            self.bracket(false)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn insert_repeat(&mut self, next: usize, alt: usize) -> CResult<usize> {
        self.insert_state(State {
            op: Op::Repeat,
            next,
            alt,
        })
    }

    /// `_M_cur_int_value`: an `int`, overflow being an error.
    fn int_value(&self) -> CResult<i64> {
        let mut v: i32 = 0;
        for &d in &self.value {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((d - b'0') as i32))
                .ok_or(CompileError::Invalid)?;
        }
        Ok(v as i64)
    }

    fn quantifier(&mut self) -> CResult<bool> {
        if self.match_token(Tok::Closure0)? {
            let mut e = self.pop();
            let r = self.insert_repeat(NONE, e.start)?;
            self.append(&mut e, r);
            self.stack.push(Seq { start: r, end: r });
        } else if self.match_token(Tok::Closure1)? {
            let mut e = self.pop();
            let r = self.insert_repeat(NONE, e.start)?;
            self.append(&mut e, r);
            self.stack.push(e);
        } else if self.match_token(Tok::Opt)? {
            let mut e = self.pop();
            let end = self.insert(Op::Dummy)?;
            let r = self.insert_repeat(NONE, e.start)?;
            let mut rs = Seq { start: r, end: r };
            self.append(&mut e, end);
            self.append(&mut rs, end);
            self.stack.push(rs);
        } else if self.match_token(Tok::IntervalBegin)? {
            if !self.match_token(Tok::DupCount)? {
                return Err(CompileError::Invalid);
            }
            let r = self.pop();
            let d = self.insert(Op::Dummy)?;
            let mut e = Seq { start: d, end: d };
            let min = self.int_value()?;
            let mut infinite = false;
            let mut n = 0;
            if self.match_token(Tok::Comma)? {
                if self.match_token(Tok::DupCount)? {
                    n = self.int_value()? - min;
                } else {
                    infinite = true;
                }
            }
            if !self.match_token(Tok::IntervalEnd)? {
                return Err(CompileError::Invalid);
            }
            for _ in 0..min {
                let c = self.clone_seq(r)?;
                self.append_seq(&mut e, c);
            }
            if infinite {
                let mut tmp = self.clone_seq(r)?;
                let s = self.insert_repeat(NONE, tmp.start)?;
                self.append(&mut tmp, s);
                self.append(&mut e, s);
            } else {
                if n < 0 {
                    return Err(CompileError::Invalid);
                }
                let end = self.insert(Op::Dummy)?;
                let mut reps = vec![];
                for _ in 0..n {
                    let tmp = self.clone_seq(r)?;
                    let alt = self.insert_repeat(tmp.start, end)?;
                    reps.push(alt);
                    self.append_seq(
                        &mut e,
                        Seq {
                            start: alt,
                            end: tmp.end,
                        },
                    );
                }
                self.append(&mut e, end);
                for id in reps {
                    let st = &mut self.states[id];
                    std::mem::swap(&mut st.next, &mut st.alt);
                }
            }
            self.stack.push(e);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// `_M_insert_bracket_matcher` and `_M_expression_term`.
    fn bracket(&mut self, neg: bool) -> CResult<()> {
        let mut set = [false; 256];
        let mut ranges: Vec<(i8, i8)> = vec![];
        let mut classes: Vec<fn(u8) -> bool> = vec![];
        let mut equiv: Vec<u8> = vec![];
        // The cached last character: None, Some(Some(c)) a char,
        // Some(None) a class.
        let mut last: Option<Option<u8>> = None;
        if self.match_token(Tok::Ord)? {
            last = Some(Some(self.value[0]));
        } else if self.match_token(Tok::BracketDash)? {
            last = Some(Some(b'-'));
        }
        loop {
            if self.match_token(Tok::BracketEnd)? {
                break;
            }
            let push_char = |set: &mut [bool; 256], last: &mut Option<Option<u8>>, c: u8| {
                if let Some(Some(l)) = *last {
                    set[l as usize] = true;
                }
                *last = Some(Some(c));
            };
            let push_class = |set: &mut [bool; 256], last: &mut Option<Option<u8>>| {
                if let Some(Some(l)) = *last {
                    set[l as usize] = true;
                }
                *last = Some(None);
            };
            if self.match_token(Tok::CollSym)? {
                let c = collate_name(&self.value).ok_or(CompileError::Invalid)?;
                set[c as usize] = true;
                push_char(&mut set, &mut last, c);
            } else if self.match_token(Tok::EquivClass)? {
                push_class(&mut set, &mut last);
                let c = collate_name(&self.value).ok_or(CompileError::Invalid)?;
                equiv.push(c.to_ascii_lowercase());
            } else if self.match_token(Tok::CharClass)? {
                push_class(&mut set, &mut last);
                classes.push(class_name(&self.value).ok_or(CompileError::Invalid)?);
            } else if self.match_token(Tok::Ord)? {
                let c = self.value[0];
                push_char(&mut set, &mut last, c);
            } else if self.match_token(Tok::BracketDash)? {
                if self.match_token(Tok::BracketEnd)? {
                    push_char(&mut set, &mut last, b'-');
                    break;
                }
                match last {
                    Some(Some(l)) => {
                        let r = if self.match_token(Tok::Ord)? {
                            self.value[0]
                        } else if self.match_token(Tok::BracketDash)? {
                            b'-'
                        } else {
                            return Err(CompileError::Invalid);
                        };
                        let (l, r) = (l as i8, r as i8);
                        if l > r {
                            return Err(CompileError::Invalid);
                        }
                        ranges.push((l, r));
                        last = None;
                    }
                    _ => return Err(CompileError::Invalid),
                }
            } else {
                return Err(CompileError::Invalid);
            }
        }
        if let Some(Some(l)) = last {
            set[l as usize] = true;
        }
        let mut table = [false; 256];
        for (b, slot) in table.iter_mut().enumerate() {
            let c = b as u8;
            let hit = set[b]
                || ranges.iter().any(|&(l, r)| l <= c as i8 && c as i8 <= r)
                || classes.iter().any(|f| f(c))
                || equiv.contains(&c.to_ascii_lowercase());
            *slot = hit != neg;
        }
        self.push_single(Op::Match(Matcher::Set(Rc::new(table))))
    }
}

/// `regex_traits<char>::lookup_classname` in the C locale.
fn class_name(name: &[u8]) -> Option<fn(u8) -> bool> {
    let name = name.to_ascii_lowercase();
    Some(match &name[..] {
        b"d" | b"digit" => |c: u8| c.is_ascii_digit(),
        b"w" => |c: u8| c.is_ascii_alphanumeric() || c == b'_',
        b"s" | b"space" => |c: u8| matches!(c, b' ' | b'\t'..=b'\r'),
        b"alnum" => |c: u8| c.is_ascii_alphanumeric(),
        b"alpha" => |c: u8| c.is_ascii_alphabetic(),
        b"blank" => |c: u8| c == b' ' || c == b'\t',
        b"cntrl" => |c: u8| c.is_ascii_control(),
        b"graph" => |c: u8| c.is_ascii_graphic(),
        b"lower" => |c: u8| c.is_ascii_lowercase(),
        b"print" => |c: u8| c.is_ascii_graphic() || c == b' ',
        b"punct" => |c: u8| c.is_ascii_punctuation(),
        b"upper" => |c: u8| c.is_ascii_uppercase(),
        b"xdigit" => |c: u8| c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// `regex_traits<char>::lookup_collatename`: the POSIX names of the ASCII
/// characters.
fn collate_name(name: &[u8]) -> Option<u8> {
    const NAMES: [&str; 128] = [
        "NUL",
        "SOH",
        "STX",
        "ETX",
        "EOT",
        "ENQ",
        "ACK",
        "alert",
        "backspace",
        "tab",
        "newline",
        "vertical-tab",
        "form-feed",
        "carriage-return",
        "SO",
        "SI",
        "DLE",
        "DC1",
        "DC2",
        "DC3",
        "DC4",
        "NAK",
        "SYN",
        "ETB",
        "CAN",
        "EM",
        "SUB",
        "ESC",
        "IS4",
        "IS3",
        "IS2",
        "IS1",
        "space",
        "exclamation-mark",
        "quotation-mark",
        "number-sign",
        "dollar-sign",
        "percent-sign",
        "ampersand",
        "apostrophe",
        "left-parenthesis",
        "right-parenthesis",
        "asterisk",
        "plus-sign",
        "comma",
        "hyphen",
        "period",
        "slash",
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "colon",
        "semicolon",
        "less-than-sign",
        "equals-sign",
        "greater-than-sign",
        "question-mark",
        "commercial-at",
        "A",
        "B",
        "C",
        "D",
        "E",
        "F",
        "G",
        "H",
        "I",
        "J",
        "K",
        "L",
        "M",
        "N",
        "O",
        "P",
        "Q",
        "R",
        "S",
        "T",
        "U",
        "V",
        "W",
        "X",
        "Y",
        "Z",
        "left-square-bracket",
        "backslash",
        "right-square-bracket",
        "circumflex",
        "underscore",
        "grave-accent",
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "h",
        "i",
        "j",
        "k",
        "l",
        "m",
        "n",
        "o",
        "p",
        "q",
        "r",
        "s",
        "t",
        "u",
        "v",
        "w",
        "x",
        "y",
        "z",
        "left-curly-bracket",
        "vertical-line",
        "right-curly-bracket",
        "tilde",
        "DEL",
    ];
    NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .map(|i| i as u8)
}
