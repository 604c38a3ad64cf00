//! The JSON of `nix derivation show` (C++ Nix 2.26), both ways.
//!
//! `nix derivation show` prints an object keyed by absolute `.drv` path; each
//! value is one derivation ([`to_json`]):
//!
//! ```json
//! { "args": [...], "builder": "...", "env": {...},
//!   "inputDrvs": { "/nix/store/...drv": { "dynamicOutputs": {}, "outputs": ["out"] } },
//!   "inputSrcs": [...], "name": "...",
//!   "outputs": { "out": { "path": "..." } }, "system": "..." }
//! ```
//!
//! A fixed output is `{"hash": <hex>, "hashAlgo": "sha256", "method": "flat"|"nar",
//! "path": ...}`: the method is its own key, not an `r:` prefix as in the ATerm.
//! Keys are sorted; [`show`] prints the text byte for byte as C++ Nix does
//! (two-space indentation, non-ASCII unescaped, trailing newline).
//!
//! JSON strings are Unicode: a derivation with non-UTF-8 bytes (possible in
//! the ATerm) cannot be printed, and C++ Nix fails on it too.
//!
//! Reading ([`from_json`]) follows C++ Nix's `Derivation::fromJSON`: the
//! output's key set decides its kind, a fixed output's hash may be in any
//! encoding and its path must be the computed one, unknown top-level keys are
//! ignored. What needs experimental features is refused ([`Unsupported`]),
//! and the result is [validated](Derivation::validate).

use std::collections::{BTreeMap, BTreeSet};

use bstr::BString;
use serde_json::{Map, Value};

use super::{Derivation, Output, Unsupported, ValidationError};
use crate::{
    nixhash::{self, CAHash, HashAlgo, NixHash},
    store_path::{self, BuildStorePathError, StorePath, build_ca_path, compute::output_path_name},
};

/// Why a derivation cannot be turned into JSON, or JSON into a derivation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The text is not JSON.
    #[error("invalid JSON")]
    Syntax(#[source] serde_json::Error),
    /// A string field holds bytes that are not UTF-8.
    #[error("{0} is not valid UTF-8, which JSON cannot represent")]
    NotUtf8(String),
    /// A key is missing or has the wrong type.
    #[error("expected {expected} at '{at}'")]
    Shape {
        /// The key path, e.g. `outputs.out.path`.
        at: String,
        /// What should be there.
        expected: &'static str,
    },
    /// An output's set of keys matches no kind of output.
    #[error("invalid JSON for derivation output '{0}'")]
    OutputKeys(String),
    /// A `method` that is not `flat`, `nar`, `text` or `git`.
    #[error("unknown content address method '{method}' at '{at}', expect 'flat', 'nar', or 'text'")]
    UnknownMethod {
        /// The key path.
        at: String,
        /// The value found.
        method: String,
    },
    /// A store path is invalid.
    #[error("invalid store path at '{at}'")]
    StorePath {
        /// The key path.
        at: String,
        /// Why.
        #[source]
        source: store_path::Error,
    },
    /// A hash or hash algorithm is invalid.
    #[error("invalid hash at '{at}'")]
    Hash {
        /// The key path.
        at: String,
        /// Why.
        #[source]
        source: nixhash::Error,
    },
    /// A fixed output's path cannot be computed.
    #[error("cannot compute the path of output '{output}'")]
    OutputPath {
        /// The output name.
        output: String,
        /// Why.
        #[source]
        source: BuildStorePathError,
    },
    /// A fixed output's path is not the one its hash gives.
    #[error("path of output '{output}' doesn't match derivation output, should be '{expected}'")]
    PathMismatch {
        /// The output name.
        output: String,
        /// The computed path.
        expected: String,
    },
    /// A `.drv` path key whose name does not match the derivation's `name`.
    #[error("derivation '{path}' has name '{name}' which does not match its path")]
    NameMismatch {
        /// The `.drv` path.
        path: String,
        /// The `name` field.
        name: String,
    },
    /// Something that needs an experimental feature of C++ Nix.
    #[error("at '{at}': {source}")]
    Unsupported {
        /// The key path.
        at: String,
        /// What.
        source: Unsupported,
    },
    /// The derivation is not valid.
    #[error("invalid derivation")]
    Invalid(#[from] ValidationError),
}

/// One derivation as a JSON value, as in `nix derivation show`.
pub fn to_json(name: &str, drv: &Derivation) -> Result<Value, JsonError> {
    let mut outputs = Map::new();
    for (output_name, output) in &drv.outputs {
        let mut o = Map::new();
        match (&output.ca, &output.path) {
            (Some(ca), path) => {
                let path = match path {
                    Some(path) => path.clone(),
                    None => fixed_output_path(name, output_name, ca)?,
                };
                o.insert("hash".into(), ca.hash().to_base16().into());
                o.insert("hashAlgo".into(), ca.algo().as_str().into());
                o.insert("method".into(), ca.method().as_str().into());
                o.insert("path".into(), path.to_absolute_path().into());
            }
            (None, Some(path)) => {
                o.insert("path".into(), path.to_absolute_path().into());
            }
            // C++ Nix prints a deferred output as an empty object.
            (None, None) => {}
        }
        outputs.insert(output_name.clone(), Value::Object(o));
    }

    let mut input_drvs = Map::new();
    for (path, names) in &drv.input_derivations {
        let mut o = Map::new();
        o.insert("dynamicOutputs".into(), Value::Object(Map::new()));
        o.insert(
            "outputs".into(),
            names.iter().map(|n| Value::from(n.as_str())).collect(),
        );
        input_drvs.insert(path.to_absolute_path(), Value::Object(o));
    }

    let mut env = Map::new();
    for (key, value) in &drv.environment {
        let key = utf8(key, || format!("environment variable name '{key}'"))?;
        let value = utf8(value, || format!("environment variable '{key}'"))?;
        env.insert(key.to_owned(), value.into());
    }

    let args = drv
        .arguments
        .iter()
        .enumerate()
        .map(|(i, a)| Ok(Value::from(utf8(a, || format!("argument {i}"))?)))
        .collect::<Result<Vec<_>, JsonError>>()?;

    // Inserted in sorted key order, so the result is the same whether or not
    // serde_json's `preserve_order` feature is on.
    let mut res = Map::new();
    res.insert("args".into(), Value::Array(args));
    res.insert(
        "builder".into(),
        utf8(&drv.builder, || "the builder".to_owned())?.into(),
    );
    res.insert("env".into(), Value::Object(env));
    res.insert("inputDrvs".into(), Value::Object(input_drvs));
    res.insert(
        "inputSrcs".into(),
        drv.input_sources
            .iter()
            .map(|p| Value::from(p.to_absolute_path()))
            .collect(),
    );
    res.insert("name".into(), name.into());
    res.insert("outputs".into(), Value::Object(outputs));
    res.insert(
        "system".into(),
        utf8(&drv.system, || "the system".to_owned())?.into(),
    );
    Ok(Value::Object(res))
}

/// The text `nix derivation show` prints for these derivations: an object
/// keyed by `.drv` path, pretty-printed, with a trailing newline.
pub fn show<'a, N: AsRef<str> + 'a>(
    derivations: impl IntoIterator<Item = (&'a StorePath<N>, &'a str, &'a Derivation)>,
) -> Result<String, JsonError> {
    let mut sorted = BTreeMap::new();
    for (path, name, drv) in derivations {
        sorted.insert(path.to_absolute_path(), to_json(name, drv)?);
    }
    let value = Value::Object(sorted.into_iter().collect());
    // Serialising a Value built from strings cannot fail.
    let mut text = serde_json::to_string_pretty(&value).map_err(JsonError::Syntax)?;
    text.push('\n');
    Ok(text)
}

/// Parses the text `nix derivation show` prints: `.drv` path → (name, derivation).
/// Each path's name must be the derivation's name plus `.drv`.
pub fn parse_show(
    text: &str,
) -> Result<BTreeMap<StorePath<String>, (String, Derivation)>, JsonError> {
    let value: Value = serde_json::from_str(text).map_err(JsonError::Syntax)?;
    let object = value.as_object().ok_or_else(|| JsonError::Shape {
        at: String::new(),
        expected: "an object keyed by .drv path",
    })?;
    let mut out = BTreeMap::new();
    for (path, value) in object {
        let store_path = StorePath::<&str>::from_absolute_path(path.as_bytes())
            .map_err(|source| JsonError::StorePath {
                at: path.clone(),
                source,
            })?
            .to_owned();
        let (name, drv) = from_json(value)?;
        if store_path.name_str().strip_suffix(".drv") != Some(name.as_str()) {
            return Err(JsonError::NameMismatch {
                path: path.clone(),
                name,
            });
        }
        out.insert(store_path, (name, drv));
    }
    Ok(out)
}

/// Reads one derivation (a value of `nix derivation show`'s object), returning
/// its name and the derivation.
pub fn from_json(value: &Value) -> Result<(String, Derivation), JsonError> {
    let json = object(value, "")?;
    let name = string(field(json, "", "name")?, "name")?.to_owned();
    let mut drv = Derivation::default();

    for (output_name, output) in object(field(json, "", "outputs")?, "outputs")? {
        let at = format!("outputs.{output_name}");
        let output = output_from_json(&name, output_name, object(output, &at)?, &at)?;
        drv.outputs.insert(output_name.clone(), output);
    }

    for (i, src) in array(field(json, "", "inputSrcs")?, "inputSrcs")?
        .iter()
        .enumerate()
    {
        let at = format!("inputSrcs.{i}");
        drv.input_sources
            .insert(store_path(string(src, &at)?, &at)?);
    }

    for (path, input) in object(field(json, "", "inputDrvs")?, "inputDrvs")? {
        let at = format!("inputDrvs.{path}");
        let input = object(input, &at)?;
        let dynamic = object(field(input, &at, "dynamicOutputs")?, &at)?;
        if !dynamic.is_empty() {
            return Err(JsonError::Unsupported {
                at: format!("{at}.dynamicOutputs"),
                source: Unsupported::DynamicOutputs,
            });
        }
        let outputs_at = format!("{at}.outputs");
        let outputs = array(field(input, &at, "outputs")?, &outputs_at)?
            .iter()
            .map(|o| string(o, &outputs_at).map(str::to_owned))
            .collect::<Result<BTreeSet<_>, _>>()?;
        drv.input_derivations
            .insert(store_path(path, &at)?, outputs);
    }

    drv.system = string(field(json, "", "system")?, "system")?.into();
    drv.builder = string(field(json, "", "builder")?, "builder")?.into();
    drv.arguments = array(field(json, "", "args")?, "args")?
        .iter()
        .map(|a| string(a, "args").map(BString::from))
        .collect::<Result<_, _>>()?;
    for (key, value) in object(field(json, "", "env")?, "env")? {
        let at = format!("env.{key}");
        drv.environment
            .insert(key.as_str().into(), string(value, &at)?.into());
    }

    drv.validate()?;
    Ok((name, drv))
}

/// An output, by its set of keys as C++ Nix's `DerivationOutput::fromJSON`.
fn output_from_json(
    drv_name: &str,
    output_name: &str,
    json: &Map<String, Value>,
    at: &str,
) -> Result<Output, JsonError> {
    let keys: BTreeSet<&str> = json.keys().map(String::as_str).collect();
    let keys: Vec<&str> = keys.into_iter().collect();
    let unsupported = |source| JsonError::Unsupported {
        at: at.to_owned(),
        source,
    };
    match keys.as_slice() {
        ["path"] => Ok(Output {
            path: Some(store_path(
                string(field(json, at, "path")?, at)?,
                &format!("{at}.path"),
            )?),
            ca: None,
        }),
        ["hash", "hashAlgo", "method", "path"] => {
            let (nar, algo) = method_algo(json, at)?;
            let hash_at = format!("{at}.hash");
            let hash = NixHash::parse_unprefixed(string(field(json, at, "hash")?, &hash_at)?, algo)
                .map_err(|source| JsonError::Hash {
                    at: hash_at,
                    source,
                })?;
            let ca = if nar {
                CAHash::Nar(hash)
            } else {
                CAHash::Flat(hash)
            };
            let path_at = format!("{at}.path");
            let path = store_path(string(field(json, at, "path")?, &path_at)?, &path_at)?;
            let expected = fixed_output_path(drv_name, output_name, &ca)?;
            if path != expected {
                return Err(JsonError::PathMismatch {
                    output: output_name.to_owned(),
                    expected: expected.to_absolute_path(),
                });
            }
            Ok(Output {
                path: Some(path),
                ca: Some(ca),
            })
        }
        ["hashAlgo", "method"] => {
            method_algo(json, at)?;
            Err(unsupported(Unsupported::CaFloating))
        }
        ["hashAlgo", "impure", "method"] => {
            method_algo(json, at)?;
            Err(unsupported(Unsupported::Impure))
        }
        [] => Err(unsupported(Unsupported::Deferred)),
        _ => Err(JsonError::OutputKeys(output_name.to_owned())),
    }
}

/// `method` and `hashAlgo` of an output: (is NAR, algorithm).
fn method_algo(json: &Map<String, Value>, at: &str) -> Result<(bool, HashAlgo), JsonError> {
    let method_at = format!("{at}.method");
    let nar = match string(field(json, at, "method")?, &method_at)? {
        "flat" => false,
        "nar" => true,
        "text" => {
            return Err(JsonError::Unsupported {
                at: method_at,
                source: Unsupported::TextOutput,
            });
        }
        "git" => {
            return Err(JsonError::Unsupported {
                at: method_at,
                source: Unsupported::GitHashing,
            });
        }
        other => {
            return Err(JsonError::UnknownMethod {
                at: method_at,
                method: other.to_owned(),
            });
        }
    };
    let algo_at = format!("{at}.hashAlgo");
    let algo = string(field(json, at, "hashAlgo")?, &algo_at)?
        .parse()
        .map_err(|source| JsonError::Hash {
            at: algo_at,
            source,
        })?;
    Ok((nar, algo))
}

fn fixed_output_path(
    drv_name: &str,
    output_name: &str,
    ca: &CAHash,
) -> Result<StorePath<String>, JsonError> {
    let name = output_path_name(drv_name, output_name);
    build_ca_path(&name, ca, std::iter::empty(), false).map_err(|source| JsonError::OutputPath {
        output: output_name.to_owned(),
        source,
    })
}

fn utf8(bytes: &BString, what: impl FnOnce() -> String) -> Result<&str, JsonError> {
    std::str::from_utf8(bytes).map_err(|_| JsonError::NotUtf8(what()))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn field<'a>(json: &'a Map<String, Value>, at: &str, key: &str) -> Result<&'a Value, JsonError> {
    json.get(key).ok_or_else(|| JsonError::Shape {
        at: join(at, key),
        expected: "a value",
    })
}

fn object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, JsonError> {
    value.as_object().ok_or_else(|| JsonError::Shape {
        at: at.to_owned(),
        expected: "an object",
    })
}

fn array<'a>(value: &'a Value, at: &str) -> Result<&'a Vec<Value>, JsonError> {
    value.as_array().ok_or_else(|| JsonError::Shape {
        at: at.to_owned(),
        expected: "an array",
    })
}

fn string<'a>(value: &'a Value, at: &str) -> Result<&'a str, JsonError> {
    value.as_str().ok_or_else(|| JsonError::Shape {
        at: at.to_owned(),
        expected: "a string",
    })
}

fn store_path(s: &str, at: &str) -> Result<StorePath<String>, JsonError> {
    StorePath::<&str>::from_absolute_path(s.as_bytes())
        .map(|p| p.to_owned())
        .map_err(|source| JsonError::StorePath {
            at: at.to_owned(),
            source,
        })
}
