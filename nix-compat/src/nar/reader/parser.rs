//! The NAR grammar as a state machine that never does I/O itself: drivers
//! (the sync and async readers) hand it whatever bytes their buffered reader
//! holds, it consumes what belongs to the archive and reports events. Keeping
//! all the rules here means both readers accept and reject exactly the same
//! archives, with the same errors, and neither ever reads past the archive's
//! end (a driver only consumes what the parser took).
//!
//! File contents do not go through [`Parser::step`] when a caller reads them:
//! the driver copies them straight out of its buffer
//! ([`Parser::file_remaining`], [`Parser::file_consumed`]). `step` skips them
//! when a caller moved on without reading.

use bstr::BString;

use super::error::{Error, ErrorKind, Got};
use crate::nar::{MAGIC, MAX_NAME_LEN, MAX_TARGET_LEN, NameProblem, check_name};
use crate::wire::padding_len;

/// Tags longer than this are reported by length only.
const MAX_TAG_LEN: u64 = 64;

/// A tag the grammar expects at some point, and how errors quote it.
#[derive(Debug, Clone, Copy)]
struct Tag {
    bytes: &'static [u8],
    quoted: &'static str,
}

const OPEN: Tag = Tag {
    bytes: b"(",
    quoted: "'('",
};
const CLOSE: Tag = Tag {
    bytes: b")",
    quoted: "')'",
};
const TYPE: Tag = Tag {
    bytes: b"type",
    quoted: "'type'",
};
const CONTENTS: Tag = Tag {
    bytes: b"contents",
    quoted: "'contents'",
};
const TARGET: Tag = Tag {
    bytes: b"target",
    quoted: "'target'",
};
const NAME: Tag = Tag {
    bytes: b"name",
    quoted: "'name'",
};
const NODE: Tag = Tag {
    bytes: b"node",
    quoted: "'node'",
};

/// The header of a node, complete once reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Header {
    /// A regular file; its contents follow.
    File {
        executable: bool,
        len: u64,
        /// Offset of the first content byte in the archive.
        offset: u64,
    },
    /// A symlink, closing `)` included.
    Symlink { target: BString },
    /// A directory; its entries follow.
    Directory,
}

/// What [`Parser::step`] reports.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A node header at `depth` (the root is at depth 0). For a node inside a
    /// directory, [`Parser::take_name`] gives its name.
    Node { depth: usize, header: Header },
    /// The `)` closing the directory at `depth`.
    DirEnd { depth: usize },
    /// The padding and `)` after the contents of the file at `depth`.
    FileEnd { depth: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Magic,
    NodeOpen,
    TypeTag,
    TypeValue,
    /// `executable` or `contents`.
    FileFirstTag,
    ExecutableValue,
    ContentsTag,
    ContentsLen {
        executable: bool,
    },
    FileData {
        len: u64,
        remaining: u64,
    },
    FilePadding {
        len: u64,
    },
    FileClose,
    TargetTag,
    Target,
    SymlinkClose,
    /// `entry` or `)`.
    DirNext,
    EntryOpen,
    NameTag,
    Name,
    NodeTag,
    EntryClose,
    Done,
}

/// A directory being read.
#[derive(Debug)]
struct DirFrame {
    /// The previous entry's name (entries must be strictly ascending).
    prev_name: Vec<u8>,
    /// Length of `Parser::path` for this directory.
    path_len: usize,
}

/// The NAR state machine. See the module docs.
#[derive(Debug)]
pub(crate) struct Parser {
    state: State,
    dirs: Vec<DirFrame>,
    /// Bytes consumed so far.
    pos: u64,
    /// Offset where the token being read started.
    tok_start: u64,
    /// Partial u64 (a length or the file size).
    num: [u8; 8],
    num_have: usize,
    /// Length of the string being read, once known.
    tok_len: Option<u64>,
    tok: Vec<u8>,
    pad_have: usize,
    /// The path inside the archive of the current node (`""` for the root).
    path: Vec<u8>,
    /// The name of the latest entry, until a driver takes it.
    name: Option<BString>,
    /// The symlink target, between `Target` and `SymlinkClose`.
    target: Option<BString>,
    poisoned: bool,
}

/// Advances a slice cursor by `n` bytes.
fn advance(input: &mut &[u8], n: usize) {
    *input = &input[n..];
}

impl Parser {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Magic,
            dirs: Vec::new(),
            pos: 0,
            tok_start: 0,
            num: [0; 8],
            num_have: 0,
            tok_len: None,
            tok: Vec::new(),
            pad_have: 0,
            path: Vec::new(),
            name: None,
            target: None,
            poisoned: false,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the whole archive has been read.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether nothing has been parsed yet (the root can still be opened).
    pub(crate) fn at_start(&self) -> bool {
        self.state == State::Magic && self.pos == 0 && !self.poisoned
    }

    /// Checks that the parser may still be used.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.poisoned {
            return Err(self.error(ErrorKind::Poisoned));
        }
        Ok(())
    }

    /// The name of the entry whose node was reported last.
    pub(crate) fn take_name(&mut self) -> BString {
        self.name.take().unwrap_or_default()
    }

    /// The current path inside the archive, for error messages.
    fn path_display(&self) -> BString {
        if self.path.is_empty() {
            BString::from("/")
        } else {
            BString::from(self.path.clone())
        }
    }

    /// An error at the current token, poisoning nothing (see [`Self::fail`]).
    pub(crate) fn error(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.tok_start, self.path_display())
    }

    /// Poisons the parser and returns the error for `kind` at the current token.
    pub(crate) fn fail(&mut self, kind: ErrorKind) -> Error {
        self.poisoned = true;
        self.error(kind)
    }

    /// Reports that the input ended (the driver's buffered reader returned no
    /// bytes) while the archive was incomplete.
    pub(crate) fn eof(&mut self) -> Error {
        self.tok_start = self.pos;
        self.fail(ErrorKind::UnexpectedEof)
    }

    /// Reports an I/O error of the driver's reader.
    pub(crate) fn io_error(&mut self, e: std::io::Error) -> Error {
        self.tok_start = self.pos;
        self.fail(ErrorKind::Io(e))
    }

    /// Content bytes of the current file left to read, if the parser is inside
    /// a file's contents.
    pub(crate) fn file_remaining(&self) -> Option<u64> {
        match self.state {
            State::FileData { remaining, .. } => Some(remaining),
            _ => None,
        }
    }

    /// Records that the driver consumed `n` content bytes (at most
    /// [`Self::file_remaining`]).
    pub(crate) fn file_consumed(&mut self, n: usize) {
        if let State::FileData { len, remaining } = self.state {
            let n = (n as u64).min(remaining);
            self.pos += n;
            // At zero, `step` goes on to the padding.
            self.state = State::FileData {
                len,
                remaining: remaining - n,
            };
        }
    }

    /// Reads a u64 into `num`; `Some` once all 8 bytes are there.
    fn take_u64(&mut self, input: &mut &[u8]) -> Option<u64> {
        if self.num_have == 0 {
            self.tok_start = self.pos;
        }
        let n = (8 - self.num_have).min(input.len());
        self.num[self.num_have..self.num_have + n].copy_from_slice(&input[..n]);
        advance(input, n);
        self.pos += n as u64;
        self.num_have += n;
        if self.num_have < 8 {
            return None;
        }
        self.num_have = 0;
        Some(u64::from_le_bytes(self.num))
    }

    /// Reads the zero padding after `len` bytes; `Some` once complete.
    fn take_padding(&mut self, input: &mut &[u8], len: u64) -> Result<Option<()>, Error> {
        let pad = padding_len(len);
        let n = (pad - self.pad_have).min(input.len());
        if let Some(bad) = input[..n].iter().position(|&b| b != 0) {
            self.tok_start = self.pos + bad as u64;
            return Err(self.fail(ErrorKind::NonZeroPadding));
        }
        advance(input, n);
        self.pos += n as u64;
        self.pad_have += n;
        if self.pad_have < pad {
            return Ok(None);
        }
        self.pad_have = 0;
        Ok(Some(()))
    }

    /// Reads a padded string into `tok`. `too_long` makes the error for a
    /// string longer than `max`.
    fn take_string(
        &mut self,
        input: &mut &[u8],
        max: u64,
        too_long: impl FnOnce(u64) -> ErrorKind,
    ) -> Result<Option<()>, Error> {
        let len = match self.tok_len {
            Some(len) => len,
            None => {
                let Some(len) = self.take_u64(input) else {
                    return Ok(None);
                };
                if len > max {
                    return Err(self.fail(too_long(len)));
                }
                self.tok_len = Some(len);
                self.tok.clear();
                len
            }
        };
        // `tok.len() <= len <= max`, which callers keep far below usize::MAX.
        let missing = (len - self.tok.len() as u64) as usize;
        if missing > 0 {
            let n = missing.min(input.len());
            self.tok.extend_from_slice(&input[..n]);
            advance(input, n);
            self.pos += n as u64;
            if n < missing {
                return Ok(None);
            }
        }
        if self.take_padding(input, len)?.is_none() {
            return Ok(None);
        }
        self.tok_len = None;
        Ok(Some(()))
    }

    /// Reads a tag and checks it is `expected`.
    fn expect_tag(&mut self, input: &mut &[u8], expected: Tag) -> Result<bool, Error> {
        let Some(()) = self.take_tag(input, expected.quoted)? else {
            return Ok(false);
        };
        if self.tok != expected.bytes {
            return Err(self.unexpected_tag(expected.quoted));
        }
        Ok(true)
    }

    /// Reads a tag (any string up to [`MAX_TAG_LEN`] bytes) into `tok`;
    /// `expected` (quoted) is for the error if it is longer.
    fn take_tag(&mut self, input: &mut &[u8], expected: &'static str) -> Result<Option<()>, Error> {
        self.take_string(input, MAX_TAG_LEN, |len| ErrorKind::UnexpectedTag {
            expected,
            got: Got::Long(len),
        })
    }

    /// The error for the tag in `tok` where `expected` (quoted) should be.
    fn unexpected_tag(&mut self, expected: &'static str) -> Error {
        let got = Got::Text(BString::from(std::mem::take(&mut self.tok)));
        self.fail(ErrorKind::UnexpectedTag { expected, got })
    }

    /// The node at the current position has ended: continue in its parent.
    fn node_ended(&mut self) {
        self.state = if self.dirs.is_empty() {
            State::Done
        } else {
            State::EntryClose
        };
    }

    /// Parses until an event or until `input` runs out (`Ok(None)`: call again
    /// with more input). In a file's contents, skips them.
    pub(crate) fn step(&mut self, input: &mut &[u8]) -> Result<Option<Event>, Error> {
        self.check()?;
        loop {
            if input.is_empty() && !matches!(self.state, State::Done) {
                // Zero-length contents and padding need no input.
                let free = match self.state {
                    State::FileData { remaining, .. } => remaining == 0,
                    State::FilePadding { len } => padding_len(len) == 0,
                    _ => false,
                };
                if !free {
                    return Ok(None);
                }
            }
            let depth = self.dirs.len();
            match self.state {
                State::Done => return Ok(None),
                State::Magic => {
                    match self.take_string(input, MAGIC.len() as u64, |_| ErrorKind::NotANar) {
                        Ok(None) => return Ok(None),
                        Ok(Some(())) if self.tok == MAGIC.as_bytes() => {}
                        // C++ reports any problem with the magic string the same way.
                        Ok(Some(())) | Err(_) => {
                            self.tok_start = 0;
                            return Err(self.fail(ErrorKind::NotANar));
                        }
                    }
                    self.state = State::NodeOpen;
                }
                State::NodeOpen => {
                    if !self.expect_tag(input, OPEN)? {
                        return Ok(None);
                    }
                    self.state = State::TypeTag;
                }
                State::TypeTag => {
                    if !self.expect_tag(input, TYPE)? {
                        return Ok(None);
                    }
                    self.state = State::TypeValue;
                }
                State::TypeValue => {
                    let Some(()) = self.take_string(input, MAX_TAG_LEN, |len| {
                        ErrorKind::UnknownType(Got::Long(len))
                    })?
                    else {
                        return Ok(None);
                    };
                    match self.tok.as_slice() {
                        b"regular" => self.state = State::FileFirstTag,
                        b"symlink" => self.state = State::TargetTag,
                        b"directory" => {
                            self.dirs.push(DirFrame {
                                prev_name: Vec::new(),
                                path_len: self.path.len(),
                            });
                            self.state = State::DirNext;
                            return Ok(Some(Event::Node {
                                depth,
                                header: Header::Directory,
                            }));
                        }
                        _ => {
                            let got = Got::Text(BString::from(std::mem::take(&mut self.tok)));
                            return Err(self.fail(ErrorKind::UnknownType(got)));
                        }
                    }
                }
                State::FileFirstTag => {
                    let Some(()) = self.take_tag(input, "'executable' or 'contents'")? else {
                        return Ok(None);
                    };
                    match self.tok.as_slice() {
                        b"executable" => self.state = State::ExecutableValue,
                        b"contents" => self.state = State::ContentsLen { executable: false },
                        _ => return Err(self.unexpected_tag("'executable' or 'contents'")),
                    }
                }
                State::ExecutableValue => {
                    let Some(()) =
                        self.take_string(input, MAX_TAG_LEN, |_| ErrorKind::ExecutableMarkerValue)?
                    else {
                        return Ok(None);
                    };
                    if !self.tok.is_empty() {
                        return Err(self.fail(ErrorKind::ExecutableMarkerValue));
                    }
                    self.state = State::ContentsTag;
                }
                State::ContentsTag => {
                    if !self.expect_tag(input, CONTENTS)? {
                        return Ok(None);
                    }
                    self.state = State::ContentsLen { executable: true };
                }
                State::ContentsLen { executable } => {
                    let Some(len) = self.take_u64(input) else {
                        return Ok(None);
                    };
                    self.state = State::FileData {
                        len,
                        remaining: len,
                    };
                    return Ok(Some(Event::Node {
                        depth,
                        header: Header::File {
                            executable,
                            len,
                            offset: self.pos,
                        },
                    }));
                }
                State::FileData { len, remaining } => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    advance(input, n);
                    self.pos += n as u64;
                    let remaining = remaining - n as u64;
                    self.state = if remaining == 0 {
                        State::FilePadding { len }
                    } else {
                        State::FileData { len, remaining }
                    };
                }
                State::FilePadding { len } => {
                    if self.take_padding(input, len)?.is_none() {
                        return Ok(None);
                    }
                    self.state = State::FileClose;
                }
                State::FileClose => {
                    if !self.expect_tag(input, CLOSE)? {
                        return Ok(None);
                    }
                    self.node_ended();
                    return Ok(Some(Event::FileEnd { depth }));
                }
                State::TargetTag => {
                    if !self.expect_tag(input, TARGET)? {
                        return Ok(None);
                    }
                    self.state = State::Target;
                }
                State::Target => {
                    let Some(()) =
                        self.take_string(input, MAX_TARGET_LEN, |len| ErrorKind::TooLong {
                            what: "symlink target",
                            len,
                            max: MAX_TARGET_LEN,
                        })?
                    else {
                        return Ok(None);
                    };
                    self.target = Some(BString::from(std::mem::take(&mut self.tok)));
                    self.state = State::SymlinkClose;
                }
                State::SymlinkClose => {
                    if !self.expect_tag(input, CLOSE)? {
                        return Ok(None);
                    }
                    let target = self.target.take().unwrap_or_default();
                    self.node_ended();
                    return Ok(Some(Event::Node {
                        depth,
                        header: Header::Symlink { target },
                    }));
                }
                State::DirNext => {
                    let Some(()) = self.take_tag(input, "'entry' or ')'")? else {
                        return Ok(None);
                    };
                    match self.tok.as_slice() {
                        b"entry" => self.state = State::EntryOpen,
                        b")" => {
                            // This directory's frame is the innermost one.
                            if let Some(frame) = self.dirs.pop() {
                                self.path.truncate(frame.path_len);
                            }
                            self.node_ended();
                            return Ok(Some(Event::DirEnd { depth: depth - 1 }));
                        }
                        _ => return Err(self.unexpected_tag("'entry' or ')'")),
                    }
                }
                State::EntryOpen => {
                    if !self.expect_tag(input, OPEN)? {
                        return Ok(None);
                    }
                    self.state = State::NameTag;
                }
                State::NameTag => {
                    if !self.expect_tag(input, NAME)? {
                        return Ok(None);
                    }
                    self.state = State::Name;
                }
                State::Name => {
                    let Some(()) =
                        self.take_string(input, MAX_NAME_LEN, |len| ErrorKind::TooLong {
                            what: "file name",
                            len,
                            max: MAX_NAME_LEN,
                        })?
                    else {
                        return Ok(None);
                    };
                    self.accept_name()?;
                    self.state = State::NodeTag;
                }
                State::NodeTag => {
                    if !self.expect_tag(input, NODE)? {
                        return Ok(None);
                    }
                    self.state = State::NodeOpen;
                }
                State::EntryClose => {
                    if !self.expect_tag(input, CLOSE)? {
                        return Ok(None);
                    }
                    if let Some(frame) = self.dirs.last() {
                        self.path.truncate(frame.path_len);
                    }
                    self.state = State::DirNext;
                }
            }
        }
    }

    /// Validates the entry name in `tok` and makes it the current one.
    fn accept_name(&mut self) -> Result<(), Error> {
        let name = std::mem::take(&mut self.tok);
        if let Err(problem) = check_name(&name) {
            return Err(self.fail(ErrorKind::InvalidName {
                name: name.into(),
                problem,
            }));
        }
        let Some(frame) = self.dirs.last_mut() else {
            // Names are only read inside a directory, which has a frame.
            return Err(self.fail(ErrorKind::InvalidName {
                name: name.into(),
                problem: NameProblem::Empty,
            }));
        };
        if name <= frame.prev_name {
            let prev = BString::from(std::mem::take(&mut frame.prev_name));
            return Err(self.fail(ErrorKind::NotSorted {
                prev,
                name: name.into(),
            }));
        }
        let path_len = frame.path_len;
        frame.prev_name.clear();
        frame.prev_name.extend_from_slice(&name);
        self.path.truncate(path_len);
        self.path.push(b'/');
        self.path.extend_from_slice(&name);
        self.name = Some(name.into());
        Ok(())
    }
}
