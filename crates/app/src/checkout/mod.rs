//! Checkout and the placing of an order (CHK-1 … CHK-12, DLV-2): the priced summary is
//! computed from the basket (or, for a phone order, from the lines staff enter), kept as
//! shown, and the order is placed on it only if nothing the customer saw has changed.
//!
//! The rules themselves are pure functions of `ecrin_core` (delivery, VAT, calendar,
//! checkout); here they are applied to the store's data, in one transaction per use case.
//!
//! - [`summary`]: the customer's choices checked and priced into the summary they see;
//! - [`placing`]: the order placed on that summary, exactly once;
//! - [`orders`]: a customer's orders and what they still have to do (a transfer to make);
//! - [`backoffice`]: what staff do at the checkout (phone orders, disputes, pick-ups).

use crate::backoffice::{require, staff};
use crate::customers::ordered_id;
use crate::fields::Checks;
use crate::privacy::{AddressForm, check_address_fields};
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use ecrin_core::account::{AccountStatus, Role};
use ecrin_core::catalogue::{Availability, Category};
use ecrin_core::checkout::{self as rules, LineInput, Standing};
use ecrin_core::delivery;
use ecrin_core::profile::{MethodKind, PaymentMethod};
use ecrin_core::vat::{self, Treatment};
use ecrin_store::{BasketOwner, Checkout, Customer, Order, OrderLine, OrderRefusal, VariantInfo};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod backoffice;
mod orders;
mod placing;
mod summary;

pub use backoffice::*;
pub use orders::*;
pub use placing::*;
pub use summary::*;
