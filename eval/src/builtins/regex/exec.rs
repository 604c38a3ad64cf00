//! Running a compiled pattern the way libstdc++'s DFS `_Executor` does in
//! POSIX mode (`_M_dfs`): a depth-first walk over the NFA that tries the
//! left alternative first and then, always, the right one; that tries one
//! more loop iteration before leaving a loop and leaves only when no
//! solution was found inside (`_M_handle_repeat`); that lets a loop body
//! run at most twice without progress at one position (`_M_rep_once_more`);
//! that restores captures on backtracking (a group's start is overwritten
//! on entry, its end and `matched` on exit, so an inner group keeps a stale
//! value from an earlier iteration); and that keeps, over all solutions,
//! the first one of the greatest length (`_M_handle_accept`). Searches try
//! each start position in turn (`_M_search`), with libstdc++'s `^` rule
//! (`match_prev_avail`) and `match_not_null`/`match_continuous` as
//! `regex_iterator` uses them.
//!
//! The walk uses an explicit stack of undo tasks instead of recursion (so a
//! long subject that overflows C++'s native stack works here), and a step
//! budget shared by one builtin call, since C++'s walk is exponential on
//! patterns like `(a|aa)*c`. A search skips start positions whose byte
//! cannot begin a match (`Program::first`): such a walk fails without side
//! effects, so the results are unchanged. One `Exec` serves all the
//! searches of a `split`.

use super::parse::{Op, Program};

/// The most DFS steps one `match` or `split` call may take.
pub(super) const STEP_BUDGET: u64 = 2_000_000_000;

/// The step budget was used up.
pub(super) struct TooComplex;

#[derive(Clone, Copy, Default)]
pub(crate) struct Flags {
    pub(super) not_null: bool,
    pub(super) continuous: bool,
    pub(super) prev_avail: bool,
}

/// Capture slots: `Some((start, end))` for a group that matched.
pub(super) type Captures = Vec<Option<(usize, usize)>>;

#[derive(Clone, Copy)]
struct Sub {
    first: usize,
    second: usize,
    matched: bool,
}

enum Task {
    Visit(usize),
    SetCur(usize),
    AltNext(usize),
    AltMerge(bool),
    RepNext(usize),
    SetRep(usize, (usize, u32)),
    SetFirst(usize, usize),
    SetSub(usize, Sub),
}

/// One executor, reused by the searches of a `split`.
pub(super) struct Exec<'a> {
    tasks: Vec<Task>,
    prog: &'a Program,
    s: &'a [u8],
    begin: usize,
    flags: Flags,
    exact: bool,
    cur: usize,
    has_sol: bool,
    sol_pos: Option<usize>,
    cur_results: Vec<Sub>,
    results: Vec<Sub>,
    rep: Vec<(usize, u32)>,
    steps: &'a mut u64,
}

const UNMATCHED: Sub = Sub {
    first: 0,
    second: 0,
    matched: false,
};

impl Exec<'_> {
    fn at_begin(&self) -> bool {
        self.cur == self.begin && !self.flags.prev_avail
    }

    fn dfs(&mut self, start: usize) -> Result<(), TooComplex> {
        let mut tasks = std::mem::take(&mut self.tasks);
        tasks.clear();
        tasks.push(Task::Visit(start));
        let r = self.walk(&mut tasks);
        self.tasks = tasks;
        r
    }

    fn walk(&mut self, tasks: &mut Vec<Task>) -> Result<(), TooComplex> {
        while let Some(t) = tasks.pop() {
            match t {
                Task::Visit(i) => {
                    if *self.steps == 0 {
                        return Err(TooComplex);
                    }
                    *self.steps -= 1;
                    let prog = self.prog;
                    let st = &prog.states[i];
                    match &st.op {
                        Op::Match(m) => {
                            if self.cur < self.s.len() && m.matches(self.s[self.cur]) {
                                tasks.push(Task::SetCur(self.cur));
                                self.cur += 1;
                                tasks.push(Task::Visit(st.next));
                            }
                        }
                        Op::Alt => {
                            tasks.push(Task::AltNext(st.next));
                            tasks.push(Task::Visit(st.alt));
                        }
                        Op::Repeat => {
                            tasks.push(Task::RepNext(st.next));
                            let rc = self.rep[i];
                            if rc.1 == 0 || rc.0 != self.cur {
                                tasks.push(Task::SetRep(i, rc));
                                self.rep[i] = (self.cur, 1);
                                tasks.push(Task::Visit(st.alt));
                            } else if rc.1 < 2 {
                                tasks.push(Task::SetRep(i, rc));
                                self.rep[i].1 += 1;
                                tasks.push(Task::Visit(st.alt));
                            }
                        }
                        Op::SubBegin(k) => {
                            let k = *k;
                            tasks.push(Task::SetFirst(k, self.cur_results[k].first));
                            self.cur_results[k].first = self.cur;
                            tasks.push(Task::Visit(st.next));
                        }
                        Op::SubEnd(k) => {
                            let k = *k;
                            tasks.push(Task::SetSub(k, self.cur_results[k]));
                            self.cur_results[k].second = self.cur;
                            self.cur_results[k].matched = true;
                            tasks.push(Task::Visit(st.next));
                        }
                        Op::LineBegin => {
                            if self.at_begin() {
                                tasks.push(Task::Visit(st.next));
                            }
                        }
                        Op::LineEnd => {
                            if self.cur == self.s.len() {
                                tasks.push(Task::Visit(st.next));
                            }
                        }
                        Op::Dummy => tasks.push(Task::Visit(st.next)),
                        Op::Accept => self.accept(),
                    }
                }
                Task::SetCur(c) => self.cur = c,
                Task::AltNext(next) => {
                    tasks.push(Task::AltMerge(self.has_sol));
                    self.has_sol = false;
                    tasks.push(Task::Visit(next));
                }
                Task::AltMerge(h) => self.has_sol |= h,
                Task::RepNext(next) => {
                    if !self.has_sol {
                        tasks.push(Task::Visit(next));
                    }
                }
                Task::SetRep(i, rc) => self.rep[i] = rc,
                Task::SetFirst(k, f) => self.cur_results[k].first = f,
                Task::SetSub(k, s) => self.cur_results[k] = s,
            }
        }
        Ok(())
    }

    fn accept(&mut self) {
        self.has_sol = !self.exact || self.cur == self.s.len();
        if self.cur == self.begin && self.flags.not_null {
            self.has_sol = false;
        }
        if self.has_sol && self.sol_pos.is_none_or(|p| p < self.cur) {
            self.sol_pos = Some(self.cur);
            self.results.clone_from(&self.cur_results);
        }
    }

    /// `_M_main_dispatch` from `self.begin`.
    fn main(&mut self) -> Result<bool, TooComplex> {
        self.has_sol = false;
        self.sol_pos = None;
        self.cur_results.clone_from(&self.results);
        self.cur = self.begin;
        self.dfs(self.prog.start)?;
        Ok(self.has_sol)
    }

    fn captures(&self) -> Captures {
        self.results
            .iter()
            .map(|r| r.matched.then_some((r.first, r.second)))
            .collect()
    }
}

pub(super) fn exec<'a>(prog: &'a Program, s: &'a [u8], steps: &'a mut u64) -> Exec<'a> {
    Exec {
        tasks: vec![],
        prog,
        s,
        begin: 0,
        flags: Flags::default(),
        exact: false,
        cur: 0,
        has_sol: false,
        sol_pos: None,
        cur_results: vec![UNMATCHED; prog.groups],
        results: vec![UNMATCHED; prog.groups],
        rep: vec![(0, 0); prog.states.len()],
        steps,
    }
}

/// `std::regex_match`: the whole of `s`.
pub(super) fn full_match(
    prog: &Program,
    s: &[u8],
    steps: &mut u64,
) -> Result<Option<Captures>, TooComplex> {
    let mut e = exec(prog, s, steps);
    e.exact = true;
    Ok(e.main()?.then(|| e.captures()))
}

impl Exec<'_> {
    /// `std::regex_search` on `s[start..]` (with `s[..start]` before it).
    pub(super) fn search(
        &mut self,
        start: usize,
        flags: Flags,
    ) -> Result<Option<Captures>, TooComplex> {
        self.begin = start;
        self.flags = flags;
        self.results.fill(UNMATCHED);
        if self.main()? {
            return Ok(Some(self.captures()));
        }
        if flags.continuous {
            return Ok(None);
        }
        self.flags.prev_avail = true;
        while self.begin != self.s.len() {
            self.begin += 1;
            // A start whose byte cannot begin a match fails without side
            // effects; skipping it changes nothing.
            if let Some(first) = &self.prog.first {
                match self.s.get(self.begin) {
                    Some(&b) if first[b as usize] => {}
                    _ => continue,
                }
            }
            if self.main()? {
                return Ok(Some(self.captures()));
            }
        }
        Ok(None)
    }
}
