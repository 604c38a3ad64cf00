//! Deserialising Nix values into Rust types with serde.
//!
//! [`from_value`] forces the value deeply, then maps: null -> unit/None,
//! bool, int (range-checked), float, string/path -> str, list -> seq,
//! set -> map/struct; enums are a string (unit variant) or a one-attribute
//! set (`{ Variant = ...; }`).

use serde::de::{self, IntoDeserializer, Visitor};

use crate::{Evaluation, Value};

/// Why a value could not be deserialised.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeError {
    /// Evaluating the value failed.
    #[error("evaluation failed: {0}")]
    Eval(#[from] crate::Error),
    /// The value has the wrong type for the target.
    #[error("expected {expected}, found {found}")]
    UnexpectedType {
        /// What the Rust type needs.
        expected: &'static str,
        /// The Nix type found.
        found: &'static str,
    },
    /// An integer does not fit the target type.
    #[error("integer {0} out of range")]
    IntegerRange(i64),
    /// A message from the target type's `Deserialize` impl.
    #[error("{0}")]
    Custom(String),
}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError::Custom(msg.to_string())
    }
}

/// Deserialises a value (forced deeply first).
pub fn from_value<T: de::DeserializeOwned>(eval: &Evaluation, v: &Value) -> Result<T, DeError> {
    eval.force_deep(v)?;
    T::deserialize(De(resolve(v)))
}

fn resolve(v: &Value) -> Value {
    match v {
        Value::Thunk(t) => t.value().unwrap_or(Value::Null),
        v => v.clone(),
    }
}

struct De(Value);

impl<'de> de::Deserializer<'de> for De {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(crate::AlignedBool(b)) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::String(s) | Value::Path(s) => {
                visitor.visit_string(s.to_str_lossy().into_owned())
            }
            Value::List(l) => visitor.visit_seq(de::value::SeqDeserializer::new(
                l.iter()
                    .map(|v| De(resolve(v)))
                    .collect::<Vec<_>>()
                    .into_iter(),
            )),
            Value::Attrs(a) => visitor.visit_map(de::value::MapDeserializer::new(
                a.sorted_by_name()
                    .into_iter()
                    .map(|x| (x.name.to_string(), De(resolve(&x.value))))
                    .collect::<Vec<_>>()
                    .into_iter(),
            )),
            other => Err(DeError::UnexpectedType {
                expected: "a serialisable value",
                found: other.type_of(),
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            v => visitor.visit_some(De(v)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0 {
            Value::String(s) => {
                visitor.visit_enum(s.to_str_lossy().into_owned().into_deserializer())
            }
            Value::Attrs(a) if a.len() == 1 => {
                let attr = a.iter().next().cloned();
                match attr {
                    Some(attr) => {
                        visitor.visit_enum(EnumDe(attr.name.to_string(), De(resolve(&attr.value))))
                    }
                    None => Err(DeError::Custom("empty enum set".into())),
                }
            }
            other => Err(DeError::UnexpectedType {
                expected: "a string or a set with one attribute",
                found: other.type_of(),
            }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DeError> for De {
    type Deserializer = De;
    fn into_deserializer(self) -> De {
        self
    }
}

struct EnumDe(String, De);

impl<'de> de::EnumAccess<'de> for EnumDe {
    type Error = DeError;
    type Variant = De;
    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, De), DeError> {
        let d: de::value::StringDeserializer<DeError> = self.0.into_deserializer();
        let v = seed.deserialize(d)?;
        Ok((v, self.1))
    }
}

impl<'de> de::VariantAccess<'de> for De {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}
