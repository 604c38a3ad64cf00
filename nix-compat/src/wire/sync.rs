//! Wire primitives over [`std::io::Read`] and [`std::io::Write`].

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{Read, Write},
};

use super::{Error, ZEROS, len_prefix, padding_is_zero, padding_len};

/// Largest capacity reserved up front for a collection, whatever count the peer
/// announces: the rest grows as items really arrive.
const MAX_PREALLOC: usize = 1024;

/// Reads a little-endian u64.
pub fn read_u64<R: Read + ?Sized>(r: &mut R) -> Result<u64, Error> {
    let mut buf = [0; 8];
    r.read_exact(&mut buf)?;
    Ok(u64::from_le_bytes(buf))
}

/// Reads a u64 that must fit a `usize` (C++ `readNum<size_t>`).
pub fn read_usize<R: Read + ?Sized>(r: &mut R) -> Result<usize, Error> {
    let value = read_u64(r)?;
    usize::try_from(value).map_err(|_| Error::IntegerTooLarge { value, ty: "usize" })
}

/// Reads a boolean: 0 is false, anything else true.
pub fn read_bool<R: Read + ?Sized>(r: &mut R) -> Result<bool, Error> {
    Ok(read_u64(r)? != 0)
}

/// Reads a padded byte string of at most `max` bytes.
pub fn read_bytes<R: Read + ?Sized>(r: &mut R, max: u64) -> Result<Vec<u8>, Error> {
    let len = read_u64(r)?;
    if len > max {
        return Err(Error::TooLong { len, max });
    }
    let mut data = Vec::new();
    // `len <= max`, and callers pick `max` to bound memory; reading through
    // `take` still never allocates more than arrives.
    r.take(len).read_to_end(&mut data)?;
    if (data.len() as u64) < len {
        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
    }
    read_padding(r, len)?;
    Ok(data)
}

/// Reads a padded string of at most `max` bytes that must be UTF-8.
pub fn read_string<R: Read + ?Sized>(r: &mut R, max: u64) -> Result<String, Error> {
    String::from_utf8(read_bytes(r, max)?).map_err(Error::InvalidUtf8)
}

/// Reads and checks the padding after a string of `len` bytes.
pub(crate) fn read_padding<R: Read + ?Sized>(r: &mut R, len: u64) -> Result<(), Error> {
    let mut pad = [0; 8];
    let pad = &mut pad[..padding_len(len)];
    r.read_exact(pad)?;
    if !padding_is_zero(pad) {
        return Err(Error::NonZeroPadding { len });
    }
    Ok(())
}

/// Reads a count (at most `max`), then that many items with `item`.
pub fn read_list<R, T, F>(r: &mut R, max: u64, mut item: F) -> Result<Vec<T>, Error>
where
    R: Read + ?Sized,
    F: FnMut(&mut R) -> Result<T, Error>,
{
    let count = read_count(r, max)?;
    let mut out = Vec::with_capacity(count.min(MAX_PREALLOC));
    for _ in 0..count {
        out.push(item(r)?);
    }
    Ok(out)
}

/// Reads a set: like [`read_list`], dropping duplicates.
pub fn read_set<R, T, F>(r: &mut R, max: u64, mut item: F) -> Result<BTreeSet<T>, Error>
where
    R: Read + ?Sized,
    T: Ord,
    F: FnMut(&mut R) -> Result<T, Error>,
{
    let count = read_count(r, max)?;
    let mut out = BTreeSet::new();
    for _ in 0..count {
        out.insert(item(r)?);
    }
    Ok(out)
}

/// Reads a map: a count (at most `max`), then key/value pairs. A repeated key
/// keeps its last value (C++ `insert_or_assign`).
pub fn read_map<R, K, V, FK, FV>(
    r: &mut R,
    max: u64,
    mut key: FK,
    mut value: FV,
) -> Result<BTreeMap<K, V>, Error>
where
    R: Read + ?Sized,
    K: Ord,
    FK: FnMut(&mut R) -> Result<K, Error>,
    FV: FnMut(&mut R) -> Result<V, Error>,
{
    let count = read_count(r, max)?;
    let mut out = BTreeMap::new();
    for _ in 0..count {
        let k = key(r)?;
        let v = value(r)?;
        out.insert(k, v);
    }
    Ok(out)
}

fn read_count<R: Read + ?Sized>(r: &mut R, max: u64) -> Result<usize, Error> {
    let count = read_u64(r)?;
    if count > max {
        return Err(Error::TooManyItems { count, max });
    }
    usize::try_from(count).map_err(|_| Error::IntegerTooLarge {
        value: count,
        ty: "usize",
    })
}

/// Writes a little-endian u64.
pub fn write_u64<W: Write + ?Sized>(w: &mut W, value: u64) -> std::io::Result<()> {
    w.write_all(&value.to_le_bytes())
}

/// Writes a boolean as 0 or 1.
pub fn write_bool<W: Write + ?Sized>(w: &mut W, value: bool) -> std::io::Result<()> {
    write_u64(w, u64::from(value))
}

/// Writes a padded byte string.
pub fn write_bytes<W: Write + ?Sized>(w: &mut W, data: &[u8]) -> std::io::Result<()> {
    let len = data.len() as u64;
    w.write_all(&len_prefix(len))?;
    w.write_all(data)?;
    w.write_all(&ZEROS[..padding_len(len)])
}

/// Writes a count, then each item with `item`.
pub fn write_list<W, I, F>(w: &mut W, items: I, mut item: F) -> std::io::Result<()>
where
    W: Write + ?Sized,
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    F: FnMut(&mut W, I::Item) -> std::io::Result<()>,
{
    let items = items.into_iter();
    write_u64(w, items.len() as u64)?;
    for i in items {
        item(w, i)?;
    }
    Ok(())
}

/// Writes a map in its iteration order: a count, then key/value pairs.
pub fn write_map<'a, W, K, V, FK, FV>(
    w: &mut W,
    map: &'a BTreeMap<K, V>,
    mut key: FK,
    mut value: FV,
) -> std::io::Result<()>
where
    W: Write + ?Sized,
    FK: FnMut(&mut W, &'a K) -> std::io::Result<()>,
    FV: FnMut(&mut W, &'a V) -> std::io::Result<()>,
{
    write_u64(w, map.len() as u64)?;
    for (k, v) in map {
        key(w, k)?;
        value(w, v)?;
    }
    Ok(())
}
