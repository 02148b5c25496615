//! Rows read into the shop's row types through their `serde::Deserialize`, the same way
//! on every backend: a struct's fields by column name, a tuple's by position, and one row
//! read twice where a type asks for it ([`crate::sql::ROW_READ_TWICE`]). A backend only
//! says how many columns a row has, their names, and how one column's value reads
//! ([`Row`]).

use serde::de::{self, IntoDeserializer};

/// A row that does not fit the type asked for.
#[derive(Debug)]
pub struct DeError(pub String);

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        DeError(msg.to_string())
    }
}

/// A backend's row: its columns by position.
pub trait Row {
    /// One column's value, read by the type the database says it holds.
    type Value<'a>: for<'de> de::Deserializer<'de, Error = DeError>
    where
        Self: 'a;

    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn name(&self, i: usize) -> Result<&str, DeError>;

    fn value(&self, i: usize) -> Result<Self::Value<'_>, DeError>;
}

/// A row, as a `serde::Deserializer`.
pub struct RowDe<'r, R>(pub &'r R);

impl<'de, R: Row> de::Deserializer<'de> for RowDe<'_, R> {
    type Error = DeError;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(Columns {
            row: self.0,
            next: 0,
        })
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_seq(Columns {
            row: self.0,
            next: 0,
        })
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_tuple(0, visitor)
    }

    /// [`crate::sql::ROW_READ_TWICE`]: the same row for each of `len` values.
    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == crate::sql::ROW_READ_TWICE {
            visitor.visit_seq(Again {
                row: self.0,
                left: len,
            })
        } else {
            self.deserialize_any(visitor)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct
        map struct enum identifier ignored_any
    }
}

/// One row read again for each value asked of it.
struct Again<'r, R> {
    row: &'r R,
    left: usize,
}

impl<'de, R: Row> de::SeqAccess<'de> for Again<'_, R> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(RowDe(self.row)).map(Some)
    }
}

/// The columns of a row, one after the other.
struct Columns<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'de, R: Row> de::MapAccess<'de> for Columns<'_, R> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.next >= self.row.len() {
            return Ok(None);
        }
        let name = self.row.name(self.next)?;
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        let value = self.row.value(self.next)?;
        self.next += 1;
        seed.deserialize(value)
    }
}

impl<'de, R: Row> de::SeqAccess<'de> for Columns<'_, R> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.next >= self.row.len() {
            return Ok(None);
        }
        let value = self.row.value(self.next)?;
        self.next += 1;
        seed.deserialize(value).map(Some)
    }
}
