//! PostgreSQL rows read into the shop's row types through their `serde::Deserialize`,
//! column by name, as on SQLite: one description of each row serves both backends.
//!
//! A column is decoded by the type PostgreSQL says it has. The shop's schema uses
//! `BIGINT`, `BOOLEAN`, `TEXT` and `REAL` only (sums are cast to `BIGINT`); any other type
//! is an error naming the column, never a guess.

use serde::de::{self, IntoDeserializer};
use sqlx::postgres::PgRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

/// A row that does not fit the type asked for.
#[derive(Debug)]
pub(crate) struct DeError(String);

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

fn sqlx_error(e: sqlx::Error) -> DeError {
    DeError(e.to_string())
}

/// One row: a struct's fields by column name, a tuple's by position.
pub(crate) struct RowDe<'r> {
    pub(crate) row: &'r PgRow,
}

impl<'de> de::Deserializer<'de> for RowDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(Columns {
            row: self.row,
            next: 0,
        })
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_seq(Columns {
            row: self.row,
            next: 0,
        })
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_tuple(0, visitor)
    }

    /// [`ecrin_store::sql::ROW_READ_TWICE`]: the same row for each of `len` values.
    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == ecrin_store::sql::ROW_READ_TWICE {
            visitor.visit_seq(Again {
                row: self.row,
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
struct Again<'r> {
    row: &'r PgRow,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Again<'_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(RowDe { row: self.row }).map(Some)
    }
}

/// The columns of a row, one after the other.
struct Columns<'r> {
    row: &'r PgRow,
    next: usize,
}

impl<'de> de::MapAccess<'de> for Columns<'_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(column) = self.row.columns().get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(column.name().into_deserializer())
            .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        let value = ValueDe {
            row: self.row,
            i: self.next,
        };
        self.next += 1;
        seed.deserialize(value)
    }
}

impl<'de> de::SeqAccess<'de> for Columns<'_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.next >= self.row.len() {
            return Ok(None);
        }
        let value = ValueDe {
            row: self.row,
            i: self.next,
        };
        self.next += 1;
        seed.deserialize(value).map(Some)
    }
}

/// One column's value.
struct ValueDe<'r> {
    row: &'r PgRow,
    i: usize,
}

impl ValueDe<'_> {
    fn is_null(&self) -> Result<bool, DeError> {
        Ok(self.row.try_get_raw(self.i).map_err(sqlx_error)?.is_null())
    }

    fn get<T>(&self) -> Result<T, DeError>
    where
        T: for<'a> sqlx::Decode<'a, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        self.row.try_get(self.i).map_err(sqlx_error)
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null()? {
            return visitor.visit_unit();
        }
        let column = &self.row.columns()[self.i];
        match column.type_info().name() {
            "INT8" => visitor.visit_i64(self.get::<i64>()?),
            "INT4" => visitor.visit_i64(i64::from(self.get::<i32>()?)),
            "INT2" => visitor.visit_i64(i64::from(self.get::<i16>()?)),
            "BOOL" => visitor.visit_bool(self.get::<bool>()?),
            "FLOAT4" => visitor.visit_f64(f64::from(self.get::<f32>()?)),
            "FLOAT8" => visitor.visit_f64(self.get::<f64>()?),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => visitor.visit_string(self.get::<String>()?),
            "BYTEA" => visitor.visit_byte_buf(self.get::<Vec<u8>>()?),
            other => Err(DeError(format!(
                "column `{}` has type {other}, which the shop does not read",
                column.name()
            ))),
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null()? {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
