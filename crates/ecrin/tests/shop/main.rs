//! Black-box tests of the whole shop: the app on a random port over HTTP, a headless
//! browser, and the binary's command line. One test binary, one fixture.

mod account_pages;
mod accounting;
mod accounts;
mod after_sales;
mod backup;
mod bad_input;
mod basket;
mod basket_pages;
mod browser;
mod card;
mod catalogue;
mod checkout;
mod checkout_pages;
mod cli;
mod consent;
mod documents;
mod email;
mod faults;
mod fulfilment;
mod invoices;
mod merchandise;
mod ops;
mod pages;
mod payment;
mod privacy;
mod proof;
mod proxy;
mod refunds;
mod smtp_sink;
mod staff_pages;
mod standins;
mod stock;
mod stripe;
mod support;
mod team;
