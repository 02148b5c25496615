//! Écrin's printable documents as PDF: the invoice (INV-2), the gift packing slip, the
//! terms of sale and the withdrawal form sent with the confirmation (INV-1).
//!
//! Each document is a Typst template of `templates/` fed one JSON file of data, `data.json`,
//! that the caller has already written in the customer's language: this crate lays out and
//! knows no rule. Typst runs as a library in a `World` of our own that holds the templates,
//! the data and the fonts bundled with Typst; it reads no file and no clock of the machine,
//! so one document with one stamp gives the same bytes every time.

mod data;

pub use data::*;

use std::sync::LazyLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// Why a document could not be laid out. It names the template's own message: a template
/// and its data are ours, so this is a defect to fix, not a customer's mistake.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("document data: {0}")]
    Data(String),
    #[error("layout of {template}: {message}")]
    Layout {
        template: &'static str,
        message: String,
    },
}

/// The moment a document was issued: its PDF creation date, and the date `datetime.today()`
/// gives in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// The templates, the shared layout first.
const COMMON: &str = include_str!("../templates/common.typ");
const INVOICE: &str = include_str!("../templates/invoice.typ");
const PACKING_SLIP: &str = include_str!("../templates/packing_slip.typ");
const TERMS: &str = include_str!("../templates/terms.typ");
const WITHDRAWAL_FORM: &str = include_str!("../templates/withdrawal_form.typ");

/// INV-2: an invoice.
pub fn invoice(doc: &InvoiceDoc, stamp: Stamp) -> Result<Vec<u8>, Error> {
    render("invoice.typ", INVOICE, doc, stamp, &doc.number)
}

/// The packing slip that travels in the parcel: lines and quantities, never a price when
/// the order is a gift.
pub fn packing_slip(doc: &PackingSlipDoc, stamp: Stamp) -> Result<Vec<u8>, Error> {
    render(
        "packing_slip.typ",
        PACKING_SLIP,
        doc,
        stamp,
        &doc.order_number,
    )
}

/// INV-1: the terms of sale in force, as attached to the confirmation.
pub fn terms(doc: &TermsDoc, stamp: Stamp) -> Result<Vec<u8>, Error> {
    render("terms.typ", TERMS, doc, stamp, &doc.version)
}

/// INV-1: the withdrawal form of the order (the model form of the consumer code).
pub fn withdrawal_form(doc: &WithdrawalFormDoc, stamp: Stamp) -> Result<Vec<u8>, Error> {
    render(
        "withdrawal_form.typ",
        WITHDRAWAL_FORM,
        doc,
        stamp,
        &doc.order_number,
    )
}

fn render<T: serde::Serialize>(
    name: &'static str,
    template: &'static str,
    data: &T,
    stamp: Stamp,
    ident: &str,
) -> Result<Vec<u8>, Error> {
    let json = serde_json::to_vec(data).map_err(|e| Error::Data(e.to_string()))?;
    let world = Paper {
        main: Source::new(file_id("main.typ"), template.to_owned()),
        data: Bytes::new(json),
        stamp,
    };
    let layout = |message: String| Error::Layout {
        template: name,
        message,
    };
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| layout(first_message(&errors)))?;
    let datetime = world
        .today(None)
        .ok_or_else(|| layout("invalid stamp".to_owned()))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(format!("ecrin-{name}-{ident}")),
        creator: typst::foundations::Smart::Custom(Some("Écrin".to_owned())),
        timestamp: Some(typst_pdf::Timestamp::new_utc(datetime)),
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| layout(first_message(&e)));
    // Typst memoises layouts across calls; documents are each laid out once, so keep
    // only what the last few calls used.
    typst::comemo::evict(3);
    pdf
}

fn first_message(errors: &[SourceDiagnostic]) -> String {
    errors
        .first()
        .map(|e| e.message.to_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

fn file_id(path: &str) -> FileId {
    // The paths are ours and valid.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("path {path}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

static COMMON_ID: LazyLock<FileId> = LazyLock::new(|| file_id("common.typ"));
static DATA_ID: LazyLock<FileId> = LazyLock::new(|| file_id("data.json"));
static COMMON_SOURCE: LazyLock<Source> =
    LazyLock::new(|| Source::new(*COMMON_ID, COMMON.to_owned()));
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The world one document is laid out in.
struct Paper {
    main: Source,
    data: Bytes,
    stamp: Stamp,
}

impl World for Paper {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == *COMMON_ID {
            Ok(COMMON_SOURCE.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA_ID {
            Ok(self.data.clone())
        } else if id == *COMMON_ID {
            Ok(Bytes::from_string(COMMON))
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        let s = self.stamp;
        Datetime::from_ymd_hms(s.year, s.month, s.day, s.hour, s.minute, s.second)
    }
}

#[cfg(test)]
mod tests;
