//! [`EventWriter`]: a NAR writer driven by a flat sequence of events (a node
//! starts, file contents, a node ends) instead of nested borrows, for callers
//! that learn the tree one step at a time, such as a walk of a file tree that
//! hands each event to an observer. It writes the same bytes as
//! [`Writer`](super::Writer) and makes the same checks.

use std::io::Write;

use super::Error;
use super::state::{self, DirState, complete};

/// The file whose contents are being written.
#[derive(Debug)]
struct OpenFile {
    len: u64,
    remaining: u64,
    in_entry: bool,
}

/// Writes one NAR to `W` from events, in NAR order: the root node first
/// (name `None`), then, inside a directory, its entries in byte order of
/// their names (each `Some(name)`).
#[derive(Debug)]
#[must_use = "call finish() to check the NAR is complete"]
pub struct EventWriter<W> {
    w: W,
    buf: Vec<u8>,
    started: bool,
    root_done: bool,
    /// Open directories, innermost last, with whether each is in an entry.
    dirs: Vec<(DirState, bool)>,
    file: Option<OpenFile>,
}

impl<W: Write> EventWriter<W> {
    /// A writer for one NAR.
    pub fn new(w: W) -> Self {
        Self {
            w,
            buf: Vec::with_capacity(256),
            started: false,
            root_done: false,
            dirs: Vec::new(),
            file: None,
        }
    }

    /// Starts a node: the root (`None`, once) or an entry of the innermost
    /// open directory. Returns whether the node is in an entry.
    fn begin(&mut self, name: Option<&[u8]>) -> Result<bool, Error> {
        if let Some(f) = &self.file {
            return Err(Error::ShortContents {
                expected: f.len,
                got: f.len - f.remaining,
            });
        }
        match name {
            None => {
                if self.started {
                    return Err(Error::RootAlreadyWritten);
                }
                self.started = true;
                state::magic(&mut self.buf);
                Ok(false)
            }
            Some(name) => {
                let (dir, _) = self.dirs.last_mut().ok_or(Error::RootAlreadyWritten)?;
                dir.begin_entry(name)?;
                state::entry_header(&mut self.buf, name);
                Ok(true)
            }
        }
    }

    /// Records that the node just closed is complete.
    fn completed(&mut self) {
        match self.dirs.last_mut() {
            Some((dir, _)) => complete(Some(&mut dir.child)),
            None => self.root_done = true,
        }
    }

    fn flush_buf(&mut self) -> Result<(), Error> {
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Starts a regular file of `len` bytes; give its contents with
    /// [`file_data`](Self::file_data), then call [`file_end`](Self::file_end).
    pub fn file_start(
        &mut self,
        name: Option<&[u8]>,
        executable: bool,
        len: u64,
    ) -> Result<(), Error> {
        let in_entry = self.begin(name)?;
        state::file_header(&mut self.buf, executable, len);
        self.flush_buf()?;
        self.file = Some(OpenFile {
            len,
            remaining: len,
            in_entry,
        });
        Ok(())
    }

    /// The next piece of the open file's contents.
    pub fn file_data(&mut self, data: &[u8]) -> Result<(), Error> {
        let f = self
            .file
            .as_mut()
            .ok_or(Error::LongContents { expected: 0 })?;
        if data.len() as u64 > f.remaining {
            return Err(Error::LongContents { expected: f.len });
        }
        f.remaining -= data.len() as u64;
        self.w.write_all(data)?;
        Ok(())
    }

    /// Ends the open file; fails if fewer bytes than announced were given.
    pub fn file_end(&mut self) -> Result<(), Error> {
        let f = self.file.take().ok_or(Error::Unfinished)?;
        if f.remaining > 0 {
            return Err(Error::ShortContents {
                expected: f.len,
                got: f.len - f.remaining,
            });
        }
        state::file_trailer(&mut self.buf, f.len, f.in_entry);
        self.flush_buf()?;
        self.completed();
        Ok(())
    }

    /// A whole symlink node.
    pub fn symlink(&mut self, name: Option<&[u8]>, target: &[u8]) -> Result<(), Error> {
        state::check_target(target)?;
        let in_entry = self.begin(name)?;
        state::symlink(&mut self.buf, target, in_entry);
        self.flush_buf()?;
        self.completed();
        Ok(())
    }

    /// Starts a directory; its entries follow, then
    /// [`directory_end`](Self::directory_end).
    pub fn directory_start(&mut self, name: Option<&[u8]>) -> Result<(), Error> {
        let in_entry = self.begin(name)?;
        state::directory_header(&mut self.buf);
        self.dirs.push((DirState::new(), in_entry));
        Ok(())
    }

    /// Ends the innermost open directory.
    pub fn directory_end(&mut self) -> Result<(), Error> {
        if self.file.is_some() {
            return self.begin(None).map(|_| ());
        }
        let (mut dir, in_entry) = self.dirs.pop().ok_or(Error::DirectoryClosed)?;
        dir.close()?;
        state::node_close(&mut self.buf, in_entry);
        self.flush_buf()?;
        self.completed();
        Ok(())
    }

    /// Checks that the NAR is complete and returns the writer.
    pub fn finish(mut self) -> Result<W, Error> {
        if !self.root_done || self.file.is_some() || !self.dirs.is_empty() {
            return Err(Error::Unfinished);
        }
        self.flush_buf()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::EventWriter;
    use crate::nar::writer::{Error, Writer};

    /// The events of a tree give the same bytes as the nested writer.
    #[test]
    fn same_bytes_as_the_nested_writer() {
        let mut nested = Writer::new(Vec::new());
        {
            let root = nested.root().expect("root");
            let mut d = root.directory().expect("dir");
            d.entry(b"a.txt")
                .expect("entry")
                .file(false, 5, &mut &b"hello"[..])
                .expect("file");
            d.entry(b"bin")
                .expect("entry")
                .file(true, 3, &mut &b"abc"[..])
                .expect("file");
            d.entry(b"empty")
                .expect("entry")
                .directory()
                .expect("dir")
                .close()
                .expect("close");
            d.entry(b"link")
                .expect("entry")
                .symlink(b"a.txt")
                .expect("symlink");
            let mut sub = d.entry(b"sub").expect("entry").directory().expect("dir");
            sub.entry(b"x")
                .expect("entry")
                .file(false, 0, &mut &b""[..])
                .expect("file");
            sub.close().expect("close");
            d.close().expect("close");
        }
        let nested = nested.finish().expect("finish");

        let mut w = EventWriter::new(Vec::new());
        w.directory_start(None).expect("root");
        w.file_start(Some(b"a.txt"), false, 5).expect("file");
        w.file_data(b"hel").expect("data");
        w.file_data(b"lo").expect("data");
        w.file_end().expect("end");
        w.file_start(Some(b"bin"), true, 3).expect("file");
        w.file_data(b"abc").expect("data");
        w.file_end().expect("end");
        w.directory_start(Some(b"empty")).expect("dir");
        w.directory_end().expect("end");
        w.symlink(Some(b"link"), b"a.txt").expect("symlink");
        w.directory_start(Some(b"sub")).expect("dir");
        w.file_start(Some(b"x"), false, 0).expect("file");
        w.file_end().expect("end");
        w.directory_end().expect("end");
        w.directory_end().expect("end");
        assert_eq!(w.finish().expect("finish"), nested);
    }

    /// A lone file or symlink root, as the nested writer writes it.
    #[test]
    fn file_and_symlink_roots() {
        let mut nested = Writer::new(Vec::new());
        nested
            .root()
            .expect("root")
            .file(true, 2, &mut &b"hi"[..])
            .expect("file");
        let mut w = EventWriter::new(Vec::new());
        w.file_start(None, true, 2).expect("file");
        w.file_data(b"hi").expect("data");
        w.file_end().expect("end");
        assert_eq!(
            w.finish().expect("finish"),
            nested.finish().expect("finish")
        );

        let mut nested = Writer::new(Vec::new());
        nested
            .root()
            .expect("root")
            .symlink(b"/t")
            .expect("symlink");
        let mut w = EventWriter::new(Vec::new());
        w.symlink(None, b"/t").expect("symlink");
        assert_eq!(
            w.finish().expect("finish"),
            nested.finish().expect("finish")
        );
    }

    /// Misuse is an error naming the problem, never a wrong NAR.
    #[test]
    fn misuse_is_refused() {
        let mut w = EventWriter::new(Vec::new());
        w.directory_start(None).expect("root");
        w.file_start(Some(b"b"), false, 1).expect("file");
        assert!(matches!(
            w.file_data(b"xy"),
            Err(Error::LongContents { expected: 1 })
        ));
        assert!(matches!(
            w.file_end(),
            Err(Error::ShortContents {
                expected: 1,
                got: 0
            })
        ));
        let mut w = EventWriter::new(Vec::new());
        w.directory_start(None).expect("root");
        w.symlink(Some(b"b"), b"t").expect("symlink");
        assert!(matches!(
            w.symlink(Some(b"a"), b"t"),
            Err(Error::NotSorted { .. })
        ));
        let mut w = EventWriter::new(Vec::new());
        w.directory_start(None).expect("root");
        assert!(matches!(w.finish(), Err(Error::Unfinished)));
        let mut w = EventWriter::new(Vec::new());
        w.symlink(None, b"t").expect("symlink");
        assert!(matches!(
            w.symlink(None, b"t"),
            Err(Error::RootAlreadyWritten)
        ));
    }
}
