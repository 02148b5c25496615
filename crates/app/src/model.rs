//! The shop's records as the pages and the API show them: the rows the store reads,
//! re-exported here so that `ecrin-web` depends on `ecrin-app` and `ecrin-core` only and
//! never reaches into the store (DESIGN.md's one forbidden arrow). Web reads them and
//! asks the use cases of this crate to change them; it cannot open a transaction.
pub use ecrin_store::{
    Address, BasketOwner, Claim, ClaimPhoto, CreditNote, Customer, FacetCount, HeldUnits,
    Localized, Order, OrderLine, OrderRefusal, Papers, ProductDetail, ProductPage, ProductPhoto,
    ProductSummary, Promotion, Recall, Reference, Refund, Shipment, Staff, StaffEvent,
    StaffProductRow, StoreError, Subject, TermsVersion, Ticket, Withdrawal, WriterStats,
};
