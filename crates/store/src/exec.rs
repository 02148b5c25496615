//! The one seam between the shop's SQL and a database engine.
//!
//! Every statement of the store is written once, in the module of the business object it
//! reads or changes, as ordinary generic code over [`Exec`]:
//! `query_as(SQL).bind(x).fetch_all(&mut conn).await?`. Each backend implements `Exec`
//! for its connections and transactions (rusqlite on SQLite, sqlx on PostgreSQL) and
//! [`Engine`] for its store; the blanket implementations of the `…Reads` and `…Writes`
//! traits in the modules do the rest.
//!
//! Rows are read through their `serde::Deserialize`, column by name; values are bound as
//! [`Value`]s, each carrying its SQL type even when it is `NULL` (PostgreSQL asks for it).

use crate::sql::Dialect;
use crate::{Backend, Result, StoreError, WriterStats};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;

/// The SQL type of a bound value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Bool,
    Text,
    Bytes,
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

/// What can be bound to a placeholder.
pub trait Bind {
    /// The SQL type of the value, also when it is absent.
    const KIND: Kind;
    fn value(self) -> Value;
}

macro_rules! bind_as {
    ($kind:ident, $variant:ident, $($t:ty => $conv:expr),* $(,)?) => {$(
        impl Bind for $t {
            const KIND: Kind = Kind::$kind;
            fn value(self) -> Value {
                let conv: fn($t) -> _ = $conv;
                Value::$variant(conv(self))
            }
        }
    )*};
}

bind_as!(Int, Int, i64 => |v| v, &i64 => |v| *v, i32 => i64::from, u32 => i64::from);
bind_as!(Real, Real, f64 => |v| v, &f64 => |v| *v);
bind_as!(Bool, Bool, bool => |v| v, &bool => |v| *v);
bind_as!(Text, Text, String => |v| v, &String => |v| v.clone(), &str => |v| v.to_owned());
bind_as!(Bytes, Bytes, Vec<u8> => |v| v, &Vec<u8> => |v| v.clone(), &[u8] => |v| v.to_vec());

impl<T: Bind> Bind for Option<T> {
    const KIND: Kind = T::KIND;
    fn value(self) -> Value {
        match self {
            Some(v) => v.value(),
            None => Value::Null(T::KIND),
        }
    }
}

impl<'a, T> Bind for &'a Option<T>
where
    &'a T: Bind,
{
    const KIND: Kind = <&'a T as Bind>::KIND;
    fn value(self) -> Value {
        match self {
            Some(v) => v.value(),
            None => Value::Null(Self::KIND),
        }
    }
}

/// The values bound to a statement, in placeholder order (`$1`, `$2`, …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub Vec<Value>);

impl Args {
    pub fn push(&mut self, v: impl Bind) {
        self.0.push(v.value());
    }
}

/// A statement's text and its arguments, handed to an engine.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: Cow<'static, str>,
    pub args: Args,
}

/// Runs statements: a connection or a transaction of one backend.
pub trait Exec: Send {
    fn dialect(&self) -> Dialect;

    /// Runs `statement` to its end and tells how many rows it changed.
    fn execute(&mut self, statement: Statement) -> impl Future<Output = Result<u64>> + Send;

    /// The rows of `statement`, each read as a `T`; only the first when `first_only`.
    fn fetch<T: DeserializeOwned + Send>(
        &mut self,
        statement: Statement,
        first_only: bool,
    ) -> impl Future<Output = Result<Vec<T>>> + Send;
}

/// A backend's store: where its readers and its write transactions come from.
pub trait Engine: Send + Sync + 'static {
    /// A connection that reads, for one request.
    type Reader<'a>: Exec
    where
        Self: 'a;
    /// A write transaction.
    type Writer: Writer;

    const BACKEND: Backend;

    fn dialect(&self) -> Dialect {
        match Self::BACKEND {
            Backend::Sqlite => Dialect::Sqlite,
            Backend::Postgres => Dialect::Postgres,
        }
    }

    fn reader(&self) -> impl Future<Output = Result<Self::Reader<'_>>> + Send;

    fn begin_writer(&self) -> impl Future<Output = Result<Self::Writer>> + Send;

    /// One statement written and committed on its own.
    fn single(&self, statement: Statement) -> impl Future<Output = Result<u64>> + Send;

    fn writer_stats(&self) -> Option<WriterStats> {
        None
    }

    /// Whether the database still takes writes (SQLite stops after a failed sync).
    fn writable(&self) -> Result<()> {
        Ok(())
    }

    /// Waits until every acknowledged write is on disk.
    fn synced(&self) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// A write transaction of one backend.
pub trait Writer: Exec + Sized + 'static {
    fn commit(self) -> impl Future<Output = Result<()>> + Send;

    /// A commit after which the change is visible to every reader, and durable before
    /// the caller is told (see the SQLite backend's group commit).
    fn commit_visible(self) -> impl Future<Output = Result<()>> + Send;
}

/// What a statement changed.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A statement whose rows, if any, are not wanted.
#[derive(Debug)]
pub struct Query {
    statement: Statement,
}

pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        statement: Statement {
            sql: sql.into(),
            args: Args::default(),
        },
    }
}

impl Query {
    pub fn bind(mut self, v: impl Bind) -> Query {
        self.statement.args.push(v);
        self
    }

    /// The statement, for [`Engine::single`].
    pub fn into_statement(self) -> Statement {
        self.statement
    }

    pub async fn execute<E: Exec>(self, e: &mut E) -> Result<Done> {
        let rows = e.execute(self.statement).await?;
        Ok(Done { rows })
    }
}

/// A statement read into rows of type `T`.
#[derive(Debug)]
pub struct QueryAs<T> {
    statement: Statement,
    row: PhantomData<fn() -> T>,
}

pub fn query_as<T>(sql: impl Into<Cow<'static, str>>) -> QueryAs<T> {
    query_as_with(sql, Args::default())
}

pub fn query_as_with<T>(sql: impl Into<Cow<'static, str>>, args: Args) -> QueryAs<T> {
    QueryAs {
        statement: Statement {
            sql: sql.into(),
            args,
        },
        row: PhantomData,
    }
}

fn no_row() -> StoreError {
    StoreError::Database("the statement returned no row".into())
}

impl<T: DeserializeOwned + Send> QueryAs<T> {
    pub fn bind(mut self, v: impl Bind) -> QueryAs<T> {
        self.statement.args.push(v);
        self
    }

    pub async fn fetch_all<E: Exec>(self, e: &mut E) -> Result<Vec<T>> {
        e.fetch(self.statement, false).await
    }

    pub async fn fetch_optional<E: Exec>(self, e: &mut E) -> Result<Option<T>> {
        Ok(e.fetch(self.statement, true).await?.into_iter().next())
    }

    pub async fn fetch_one<E: Exec>(self, e: &mut E) -> Result<T> {
        self.fetch_optional(e).await?.ok_or_else(no_row)
    }
}

/// A statement read into the first column of its rows.
#[derive(Debug)]
pub struct QueryScalar<T> {
    rows: QueryAs<(T,)>,
}

pub fn query_scalar<T>(sql: impl Into<Cow<'static, str>>) -> QueryScalar<T> {
    QueryScalar {
        rows: query_as(sql),
    }
}

impl<T: DeserializeOwned + Send> QueryScalar<T> {
    pub fn bind(self, v: impl Bind) -> QueryScalar<T> {
        QueryScalar {
            rows: self.rows.bind(v),
        }
    }

    pub async fn fetch_all<E: Exec>(self, e: &mut E) -> Result<Vec<T>> {
        Ok(self
            .rows
            .fetch_all(e)
            .await?
            .into_iter()
            .map(|(v,)| v)
            .collect())
    }

    pub async fn fetch_optional<E: Exec>(self, e: &mut E) -> Result<Option<T>> {
        Ok(self.rows.fetch_optional(e).await?.map(|(v,)| v))
    }

    pub async fn fetch_one<E: Exec>(self, e: &mut E) -> Result<T> {
        self.fetch_optional(e).await?.ok_or_else(no_row)
    }
}
