//! The rules of an Écrin shop, as plain functions of plain data.
//!
//! Nothing here performs I/O, reads a clock or touches a database: callers pass the
//! profile, the data and the current time in, and get a value or a [`Refusal`] back.
#![forbid(unsafe_code)]

pub mod account;
pub mod basket;
pub mod calendar;
pub mod catalogue;
pub mod checkout;
pub mod claims;
pub mod country;
pub mod deadlines;
pub mod delivery;
pub mod lang;
pub mod money;
pub mod order;
pub mod payment;
pub mod profile;
pub mod proof;
pub mod query;
pub mod refusal;
pub mod search;
mod states;
pub mod vat;
pub mod withdrawal;

pub use lang::Lang;
pub use money::{Currency, Money};
pub use profile::Profile;
pub use refusal::{Refusal, RefusalKind};
