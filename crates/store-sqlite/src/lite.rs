//! The store's [`Exec`] on SQLite: statements run on the calling thread, through rusqlite.
//!
//! Why not sqlx on SQLite, as on PostgreSQL: sqlx runs each SQLite connection on a thread
//! of its own and hands every statement to it and its rows back through channels. A read
//! by primary key takes SQLite 1–4 µs; the two hand-offs around it took 21–29 µs on this
//! machine, and a purchase runs about sixty statements, most of them on the one writer
//! connection that every order waits for. Here a statement runs where it is asked for: the
//! writer is held by one transaction at a time (see [`crate::group`]), reads take one of
//! the read-only connections (see [`crate::readers`]), and only the group's COMMIT, which
//! waits for the disk, leaves the async threads.
//!
//! Parameters are written `$1`, `$2`, … as on PostgreSQL; a parameter named `$n` takes the
//! n-th bound value wherever it appears, so one value may be used twice.
//! Rows become the shared row types through their `serde::Deserialize`, column by name.

use ecrin_store::Result;
use ecrin_store::exec::{self as store, Exec, Statement};
use ecrin_store::rowde::{DeError, Row, RowDe};
use ecrin_store::sql::Dialect;
use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};
use serde::de::{self, DeserializeOwned};

/// Values bound to a statement, in order.
#[derive(Debug, Default)]
pub(crate) struct Args {
    values: Vec<Value>,
}

impl From<&store::Args> for Args {
    fn from(args: &store::Args) -> Args {
        Args {
            values: args
                .0
                .iter()
                .map(|v| match v {
                    store::Value::Null(_) => Value::Null,
                    store::Value::Int(i) => Value::Integer(*i),
                    store::Value::Real(f) => Value::Real(*f),
                    store::Value::Bool(b) => Value::Integer(i64::from(*b)),
                    store::Value::Text(s) => Value::Text(s.clone()),
                    store::Value::Bytes(b) => Value::Blob(b.clone()),
                })
                .collect(),
        }
    }
}

/// Prepares `sql` (from the connection's statement cache) with `args` bound.
fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    args: &Args,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let count = stmt.parameter_count();
    for i in 1..=count {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix(['$', '?']))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let value = n.checked_sub(1).and_then(|k| args.values.get(k)).ok_or(
            rusqlite::Error::InvalidParameterCount(args.values.len(), count),
        )?;
        stmt.raw_bind_parameter(i, value)?;
    }
    Ok(stmt)
}

/// Runs every row of `statement` through `keep`, which says whether to go on.
fn each<T: DeserializeOwned>(
    conn: &Connection,
    statement: &Statement,
    mut keep: impl FnMut(T) -> bool,
) -> rusqlite::Result<()> {
    let args = Args::from(&statement.args);
    let mut stmt = prepare(conn, &statement.sql, &args)?;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        let value = T::deserialize(RowDe(&LiteRow(row))).map_err(into_sqlite)?;
        if !keep(value) {
            break;
        }
    }
    Ok(())
}

/// The rows of `statement`, or only its first.
pub(crate) fn fetch<T: DeserializeOwned>(
    conn: &Connection,
    statement: &Statement,
    first_only: bool,
) -> rusqlite::Result<Vec<T>> {
    let mut all = Vec::new();
    each(conn, statement, |v| {
        all.push(v);
        !first_only
    })?;
    Ok(all)
}

/// A statement runs where it is asked for, on the calling thread (see above).
impl Exec for crate::readers::Reader<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        run(self, &statement.sql, &Args::from(&statement.args)).map_err(crate::db)
    }

    async fn fetch<T: DeserializeOwned + Send>(
        &mut self,
        statement: Statement,
        first_only: bool,
    ) -> Result<Vec<T>> {
        fetch(self, &statement, first_only).map_err(crate::db)
    }
}

impl Exec for crate::SqliteTx {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        run(&self.tx, &statement.sql, &Args::from(&statement.args)).map_err(crate::db)
    }

    async fn fetch<T: DeserializeOwned + Send>(
        &mut self,
        statement: Statement,
        first_only: bool,
    ) -> Result<Vec<T>> {
        fetch(&self.tx, &statement, first_only).map_err(crate::db)
    }
}

fn into_sqlite(e: DeError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Null, Box::new(e))
}

/// A SQLite row, for the store's row reader ([`ecrin_store::rowde`]).
struct LiteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl Row for LiteRow<'_, '_> {
    type Value<'a>
        = ValueDe<'a>
    where
        Self: 'a;

    fn len(&self) -> usize {
        self.0.as_ref().column_count()
    }

    fn name(&self, i: usize) -> Result<&str, DeError> {
        self.0
            .as_ref()
            .column_name(i)
            .map_err(|e| DeError(e.to_string()))
    }

    fn value(&self, i: usize) -> Result<ValueDe<'_>, DeError> {
        self.0
            .get_ref(i)
            .map(ValueDe)
            .map_err(|e| DeError(e.to_string()))
    }
}

/// One column's value. SQLite keeps booleans as integers: 0 is false, anything else true.
struct ValueDe<'r>(ValueRef<'r>);

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            ValueRef::Null => visitor.visit_unit(),
            ValueRef::Integer(i) => visitor.visit_i64(i),
            ValueRef::Real(f) => visitor.visit_f64(f),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(s) => visitor.visit_str(s),
                Err(e) => Err(DeError(e.to_string())),
            },
            ValueRef::Blob(b) => visitor.visit_bytes(b),
        }
    }

    fn deserialize_bool<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            ValueRef::Integer(i) => visitor.visit_bool(i != 0),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            ValueRef::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Runs one statement to its end, its rows unread, and tells how many rows it changed.
pub(crate) fn run(conn: &Connection, sql: &str, args: &Args) -> rusqlite::Result<u64> {
    let mut stmt = prepare(conn, sql, args)?;
    let writes = !stmt.readonly();
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(if writes { conn.changes() } else { 0 })
}
