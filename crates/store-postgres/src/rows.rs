//! PostgreSQL rows read into the shop's row types through their `serde::Deserialize`,
//! column by name, as on SQLite: one description of each row serves both backends.
//!
//! A column is decoded by the type PostgreSQL says it has. The shop's schema uses
//! `BIGINT`, `BOOLEAN`, `TEXT` and `REAL` only (sums are cast to `BIGINT`); any other type
//! is an error naming the column, never a guess.

use ecrin_store::rowde::{DeError, Row};
use serde::de;
use sqlx::postgres::PgRow;
use sqlx::{Column, Row as _, TypeInfo, ValueRef};

fn sqlx_error(e: sqlx::Error) -> DeError {
    DeError(e.to_string())
}

/// A PostgreSQL row, for the store's row reader ([`ecrin_store::rowde`]).
pub(crate) struct PgColumns<'r>(pub(crate) &'r PgRow);

impl Row for PgColumns<'_> {
    type Value<'a>
        = ValueDe<'a>
    where
        Self: 'a;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn name(&self, i: usize) -> Result<&str, DeError> {
        self.0
            .columns()
            .get(i)
            .map(Column::name)
            .ok_or_else(|| DeError(format!("no column {i}")))
    }

    fn value(&self, i: usize) -> Result<ValueDe<'_>, DeError> {
        Ok(ValueDe { row: self.0, i })
    }
}

/// One column's value.
pub(crate) struct ValueDe<'r> {
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
