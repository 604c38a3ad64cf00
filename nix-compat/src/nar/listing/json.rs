//! The JSON shapes of NAR listings: `nix nar ls --json [-R]` and the `.ls`
//! files binary caches write (`{"root":...,"version":1}`), byte for byte as
//! C++ Nix 2.26 prints them with nlohmann::json: compact, keys sorted, names
//! and targets that must be UTF-8 (C++ Nix fails on others, and so do we).

use std::collections::BTreeMap;

use bstr::BString;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _, ser::SerializeMap};

use super::{Listing, ListingEntry};
use crate::nar::check_name;

/// Renders `entry` as `nix nar ls --json` prints it (without the trailing
/// newline): with `recursive`, the whole subtree; otherwise a directory's
/// entries are empty objects. Fails if a name or target is not UTF-8, as C++
/// Nix does.
pub fn render_json(entry: &ListingEntry, recursive: bool) -> Result<String, serde_json::Error> {
    serde_json::to_string(&View {
        entry,
        children: if recursive {
            Children::Full
        } else {
            Children::Empty
        },
    })
}

#[derive(Clone, Copy)]
enum Children {
    Full,
    Empty,
}

struct View<'a> {
    entry: &'a ListingEntry,
    children: Children,
}

/// An empty JSON object.
struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// Checks `bytes` are UTF-8, with nlohmann::json's message if not.
fn utf8<E: serde::ser::Error>(bytes: &[u8]) -> Result<&str, E> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        E::custom(format_args!(
            "invalid UTF-8 byte at index {at}: 0x{:02X}",
            bytes.get(at).copied().unwrap_or_default()
        ))
    })
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Keys in nlohmann::json's (sorted) order.
        match self.entry {
            ListingEntry::Regular {
                size,
                executable,
                nar_offset,
            } => {
                let mut map = s.serialize_map(None)?;
                if *executable {
                    map.serialize_entry("executable", &true)?;
                }
                if *nar_offset != 0 {
                    map.serialize_entry("narOffset", nar_offset)?;
                }
                map.serialize_entry("size", size)?;
                map.serialize_entry("type", "regular")?;
                map.end()
            }
            ListingEntry::Symlink { target } => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("target", utf8::<S::Error>(target)?)?;
                map.serialize_entry("type", "symlink")?;
                map.end()
            }
            ListingEntry::Directory { entries } => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(
                    "entries",
                    &Entries {
                        entries,
                        children: self.children,
                    },
                )?;
                map.serialize_entry("type", "directory")?;
                map.end()
            }
        }
    }
}

struct Entries<'a> {
    entries: &'a BTreeMap<BString, ListingEntry>,
    children: Children,
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (name, entry) in self.entries {
            let name = utf8::<S::Error>(name)?;
            match self.children {
                Children::Full => map.serialize_entry(
                    name,
                    &View {
                        entry,
                        children: Children::Full,
                    },
                )?,
                Children::Empty => map.serialize_entry(name, &EmptyObject)?,
            }
        }
        map.end()
    }
}

/// The full (recursive) shape.
impl Serialize for ListingEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        View {
            entry: self,
            children: Children::Full,
        }
        .serialize(s)
    }
}

/// `{"root":...,"version":1}`, the `.ls` file shape.
impl Serialize for Listing {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("root", &self.root)?;
        map.serialize_entry("version", &1)?;
        map.end()
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum RawEntry {
    Regular {
        size: u64,
        #[serde(default)]
        executable: bool,
        #[serde(default, rename = "narOffset")]
        nar_offset: u64,
    },
    Symlink {
        target: String,
    },
    Directory {
        entries: BTreeMap<String, RawEntry>,
    },
}

impl RawEntry {
    fn into_entry<E: serde::de::Error>(self) -> Result<ListingEntry, E> {
        Ok(match self {
            RawEntry::Regular {
                size,
                executable,
                nar_offset,
            } => ListingEntry::Regular {
                size,
                executable,
                nar_offset,
            },
            RawEntry::Symlink { target } => ListingEntry::Symlink {
                target: target.into(),
            },
            RawEntry::Directory { entries } => {
                let mut out = BTreeMap::new();
                for (name, raw) in entries {
                    if let Err(problem) = check_name(name.as_bytes()) {
                        return Err(E::custom(format_args!(
                            "invalid entry name '{name}' in NAR listing: {problem}"
                        )));
                    }
                    out.insert(BString::from(name), raw.into_entry()?);
                }
                ListingEntry::Directory { entries: out }
            }
        })
    }
}

/// Parses the full shape (as in `.ls` files). Entry names are checked as a
/// NAR reader checks them.
impl<'de> Deserialize<'de> for ListingEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawEntry::deserialize(d)?.into_entry()
    }
}

/// Parses a `.ls` file. `version` may be missing (C++ Nix does not read it),
/// but if present must be 1.
impl<'de> Deserialize<'de> for Listing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            root: RawEntry,
            version: Option<u64>,
        }
        let raw = Raw::deserialize(d)?;
        if let Some(v) = raw.version.filter(|v| *v != 1) {
            return Err(D::Error::custom(format_args!(
                "unsupported NAR listing version {v}"
            )));
        }
        Ok(Listing {
            root: raw.root.into_entry()?,
        })
    }
}
