//! Claims (DLV-7, WAR-1, WAR-2, WAR-3, WAR-5): a piece damaged on delivery or missing,
//! reported within the profile's working days of receipt, or a defect under the legal
//! warranty of conformity, with its description and photos. The photos' type is read from
//! their bytes, never their name; they are decoded under limits and encoded again, which
//! leaves their metadata (EXIF, a GPS position) behind. The house answers within 15 days
//! (on the deadline board until then): repair, replace, refund or refused; the customer's
//! cost of sending the piece back is reimbursed when the defect is confirmed.

use crate::i18n::Tr;
use crate::{App, AppError};
use base64::Engine as _;
use ecrin_core::Refusal;
use ecrin_core::account::Role;
use ecrin_core::claims::{self as rules, ClaimKind, ClaimState};
use ecrin_core::query::FieldError;
use ecrin_store::{Claim, ClaimPhoto, Order};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// The largest photo taken, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Photos per claim.
pub const MAX_PHOTOS: usize = 4;
/// The widest and tallest image decoded, in pixels (a phone's camera gives about 4,000).
const MAX_SIDE: u32 = 8192;
/// The memory a decoder may take for one photo.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Who decides claims: customer service and admins.
pub const DECIDING: &[Role] = &[Role::Admin, Role::CustomerService];

/// A photo as sent.
#[derive(Debug, Clone, Default)]
pub struct PhotoIn {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A claim as the customer makes it.
#[derive(Debug, Clone, Default)]
pub struct ClaimInput {
    /// `damaged_on_delivery`, `missing_item` or `warranty`.
    pub kind: String,
    /// The line claimed on (`None`: the order as a whole).
    pub line_no: Option<i64>,
    pub description: String,
    /// WAR-1: the day the defect was found (`YYYY-MM-DD`), today when empty.
    pub discovered_on: Option<String>,
    pub photos: Vec<PhotoIn>,
}

/// A photo as the shop keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// The photo's kind from its first bytes (JPEG or PNG, whatever its name says), decoded
/// under limits, turned upright as its camera said, and encoded again without any of its
/// metadata. The reason of a refusal: `too_large`, `not_a_jpeg_or_png`.
pub fn clean_photo(bytes: &[u8]) -> Result<Cleaned, &'static str> {
    use image::{DynamicImage, ImageDecoder, ImageFormat};
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err("too_large");
    }
    let format = image::guess_format(bytes).map_err(|_| "not_a_jpeg_or_png")?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err("not_a_jpeg_or_png");
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| "not_a_jpeg_or_png")?;
    let orientation = decoder.orientation().map_err(|_| "not_a_jpeg_or_png")?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| "not_a_jpeg_or_png")?;
    img.apply_orientation(orientation);
    let mut out = Vec::new();
    let content_type = match format {
        ImageFormat::Jpeg => {
            DynamicImage::ImageRgb8(img.to_rgb8())
                .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                    &mut out, 88,
                ))
                .map_err(|_| "not_a_jpeg_or_png")?;
            "image/jpeg"
        }
        _ => {
            img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .map_err(|_| "not_a_jpeg_or_png")?;
            "image/png"
        }
    };
    Ok(Cleaned {
        content_type,
        width: img.width(),
        height: img.height(),
        bytes: out,
    })
}

fn invalid(field: impl Into<String>, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        reason,
    }])
}

/// WAR-5: what the house tells of complaints: where to write, the mediator and the EU's
/// dispute platform, the cap on its liability, and (`milano`) the days of amicable
/// settlement first.
pub fn complaint_paragraphs(app: &App, t: Tr) -> Vec<String> {
    let m = &app.profile.merchant;
    let mut out = vec![
        t.with(
            "confirm-complaints-text",
            &[
                ("address", m.complaint_address.clone()),
                ("mediator", m.mediator.clone()),
            ],
        ),
        t.t("complaints-odr"),
        t.t("complaints-liability"),
    ];
    if let Some(days) = app.profile.after_sales.amicable_settlement_days {
        out.push(t.with("complaints-amicable", &[("days", days.to_string())]));
    }
    out
}

/// The day the order's line `line_no` (or, without one, its last piece) was delivered.
async fn delivered_day(
    app: &App,
    order: &Order,
    line_no: Option<i64>,
) -> Result<Option<jiff::civil::Date>, AppError> {
    let shipments = crate::fulfilment::shipments(app, order).await?;
    let at = shipments
        .iter()
        .filter(|s| line_no.is_none_or(|n| s.lines.iter().any(|l| l.line_no == n)))
        .filter_map(|s| s.delivered_at)
        .max();
    Ok(at.and_then(|at| ecrin_core::deadlines::day_of(&app.profile, at)))
}

/// DLV-7, WAR-1, WAR-2: the customer's claim on their order `number`; another customer's
/// is not found. Answered by e-mail at once, with the day the house answers by (WAR-3).
pub async fn claim(
    app: &App,
    customer_id: &str,
    number: &str,
    input: ClaimInput,
) -> Result<(Claim, Vec<ClaimPhoto>), AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let mut c = crate::fields::Checks::new();
    let description = c.paragraphs("description", &input.description, true, 2000);
    c.finish().map_err(AppError::Invalid)?;
    let kind: ClaimKind = input
        .kind
        .trim()
        .parse()
        .map_err(|_| invalid("kind", "damaged_on_delivery_missing_item_or_warranty"))?;
    if let Some(n) = input.line_no
        && !order.lines.iter().any(|l| l.line_no == n)
    {
        return Err(invalid("line_id", "not_in_order"));
    }
    if input.photos.len() > MAX_PHOTOS {
        return Err(invalid("photos", "at_most_4"));
    }
    if input.photos.is_empty() && kind != ClaimKind::MissingItem {
        return Err(invalid("photos", "required"));
    }
    if let Some(i) = input
        .photos
        .iter()
        .position(|p| p.filename.chars().count() > 200)
    {
        return Err(invalid(format!("photos[{i}].filename"), "too_long"));
    }
    // Decoding and encoding again is CPU work: off the request's thread.
    let photos = input.photos;
    let cleaned = tokio::task::spawn_blocking(move || {
        photos
            .iter()
            .enumerate()
            .map(|(i, p)| clean_photo(&p.bytes).map_err(|r| (i, r)))
            .collect::<Result<Vec<Cleaned>, _>>()
    })
    .await
    .map_err(|e| AppError::Internal(format!("a photo's decoding stopped: {e}")))?
    .map_err(|(i, r)| invalid(format!("photos[{i}]"), r))?;
    let discovered = match input.discovered_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(
            d.parse::<jiff::civil::Date>()
                .map_err(|_| invalid("discovered_on", "date"))?,
        ),
    };
    let Some(delivered) = delivered_day(app, &order, input.line_no).await? else {
        return Err(Refusal::wrong_status(
            "nothing of this order has been delivered yet: a late parcel is for the late-delivery function",
        )
        .into());
    };
    let now = app.clock.now_ms();
    let today = ecrin_core::deadlines::day_of(&app.profile, now)
        .ok_or_else(|| AppError::Internal("the clock is out of range".into()))?;
    rules::may_claim(&app.profile, kind, delivered, today, discovered)?;
    let due = rules::answer_due(&app.profile, today);
    let claim = Claim {
        id: format!("clm_{}", crate::customers::random_hex(12)?),
        order_id: order.id.clone(),
        line_no: input.line_no,
        kind,
        description,
        discovered_on: discovered.map(|d| d.to_string()),
        created_at: now,
        answer_due: due.to_string(),
        status: ClaimState::Open,
        decided_at: None,
        decided_by: None,
        decision_reason: None,
        refund_id: None,
    };
    let mut tx = app.store.begin().await?;
    tx.insert_claim(&claim).await?;
    let mut photos = Vec::new();
    for (i, p) in cleaned.into_iter().enumerate() {
        let photo = ClaimPhoto {
            id: format!("pho_{}", crate::customers::random_hex(8)?),
            claim_id: claim.id.clone(),
            position: i as i64,
            content_type: p.content_type.to_owned(),
            width: i64::from(p.width),
            height: i64::from(p.height),
            sha256: hex::encode(Sha256::digest(&p.bytes)),
            data: base64::engine::general_purpose::STANDARD.encode(&p.bytes),
        };
        tx.insert_claim_photo(&photo).await?;
        photos.push(ClaimPhoto {
            data: String::new(),
            ..photo
        });
    }
    crate::proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "claim_made",
        &serde_json::json!({"claim": claim.id, "kind": kind.as_str(), "line_no": claim.line_no,
                            "photos": photos.iter().map(|p| &p.sha256).collect::<Vec<_>>(),
                            "answer_due": claim.answer_due}),
    )
    .await?;
    let due_text = claim.answer_due.clone();
    let complaints = complaint_paragraphs(
        app,
        Tr::new(crate::documents::order_lang(&app.profile, &order)),
    );
    crate::fulfilment::tell(
        app,
        tx.as_mut(),
        &order,
        "email-claim-subject",
        |t, args| {
            let mut args = args.to_vec();
            args.push(("id", claim.id.clone()));
            args.push(("due", crate::i18n::civil_date(&due_text, t.lang)));
            let mut paragraphs = vec![t.with("email-claim-received", &args)];
            paragraphs.extend(complaints);
            (paragraphs, None)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((claim, photos))
}

/// An order's claims, oldest first, each with its photos (without their bytes).
pub async fn of_order(app: &App, order: &Order) -> Result<Vec<(Claim, Vec<ClaimPhoto>)>, AppError> {
    let mut out = Vec::new();
    for c in app.store.claims_of(&order.id).await? {
        let photos = app.store.claim_photos(&c.id).await?;
        out.push((c, photos));
    }
    Ok(out)
}

/// A claim's photo, as kept.
pub async fn photo_bytes(
    app: &App,
    claim_id: &str,
    photo_id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let p = app
        .store
        .claim_photo(claim_id, photo_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(p.data.as_bytes())
        .map_err(|e| AppError::Internal(format!("a stored photo: {e}")))?;
    Ok((p.content_type, bytes))
}

/// The photo of a claim on the customer's own order.
pub async fn customer_photo(
    app: &App,
    customer_id: &str,
    number: &str,
    claim_id: &str,
    photo_id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let claim = app
        .store
        .claim_by_id(claim_id)
        .await?
        .filter(|c| c.order_id == order.id)
        .ok_or(AppError::NotFound)?;
    photo_bytes(app, &claim.id, photo_id).await
}

/// WAR-3: the claims still to answer, with their orders and photos, for staff.
pub async fn open(
    app: &App,
    staff_id: &str,
) -> Result<Vec<(Claim, Order, Vec<ClaimPhoto>)>, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, DECIDING)?;
    let mut out = Vec::new();
    for (c, number) in app.store.open_claims().await? {
        if let Some(o) = app.store.order_by_number(&number).await? {
            let photos = app.store.claim_photos(&c.id).await?;
            out.push((c, o, photos));
        }
    }
    Ok(out)
}

/// A claim's photo for staff.
pub async fn staff_photo(
    app: &App,
    staff_id: &str,
    claim_id: &str,
    photo_id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, DECIDING)?;
    photo_bytes(app, claim_id, photo_id).await
}

/// The house's decision on a claim (WAR-2).
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// `repair`, `replace`, `refund` or `refused`.
    pub outcome: String,
    /// Why: e-mailed to the customer (required: misuse and wear are refused with it).
    pub reason: String,
    /// For `refund`: the amount (default: one unit of the line claimed on).
    pub refund_amount: Option<i64>,
    /// What the customer paid to send the piece back, reimbursed when the defect is
    /// confirmed (any outcome but `refused`).
    pub return_cost: Option<i64>,
}

/// WAR-2: customer service decides an open claim; the customer is e-mailed the outcome,
/// and what is owed (a refund, the cost of sending the piece back) is refunded through the
/// provider with its credit note. A claim decided already is `409 wrong_status`.
pub async fn decide(
    app: &App,
    staff_id: &str,
    id: &str,
    d: Decision,
) -> Result<(Claim, Option<crate::refunds::Done>), AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, DECIDING)?;
    let outcome: ClaimState = d
        .outcome
        .trim()
        .parse()
        .ok()
        .filter(|o| *o != ClaimState::Open)
        .ok_or_else(|| invalid("outcome", "repair_replace_refund_or_refused"))?;
    let mut c = crate::fields::Checks::new();
    let reason = c.line("reason", &d.reason, true, 500);
    c.finish().map_err(AppError::Invalid)?;
    let claim = app.store.claim_by_id(id).await?.ok_or(AppError::NotFound)?;
    let order = app
        .store
        .order_by_id(&claim.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let refund = match (outcome, d.refund_amount) {
        (ClaimState::Refund, Some(a)) => a,
        (ClaimState::Refund, None) => claim
            .line_no
            .and_then(|n| order.lines.iter().find(|l| l.line_no == n))
            .map(|l| l.unit_price_incl_vat)
            .ok_or_else(|| invalid("refund_amount", "required"))?,
        (_, Some(_)) => return Err(invalid("refund_amount", "only_for_refund")),
        (_, None) => 0,
    };
    let return_cost = match (outcome, d.return_cost) {
        (ClaimState::Refused, Some(_)) => return Err(invalid("return_cost", "not_when_refused")),
        (_, c) => c.unwrap_or(0),
    };
    if refund < 0 || return_cost < 0 {
        return Err(invalid("refund_amount", "must_be_positive"));
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.decide_claim(id, outcome, &s.id, &reason, now).await? {
        return Err(Refusal::wrong_status(format!(
            "this claim was decided already ({})",
            claim.status.as_str()
        ))
        .into());
    }
    crate::proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "claim_decided",
        &serde_json::json!({"claim": id, "outcome": outcome.as_str(), "reason": reason,
                            "refund": refund, "return_cost": return_cost, "staff_id": s.id}),
    )
    .await?;
    let total = refund + return_cost;
    crate::fulfilment::tell(
        app,
        tx.as_mut(),
        &order,
        "email-claim-decided-subject",
        |t, args| {
            let mut args = args.to_vec();
            args.push(("id", id.to_owned()));
            args.push(("reason", reason.clone()));
            args.push(("amount", t.money(total)));
            let mut p = vec![t.with(&format!("email-claim-{}", outcome.as_str()), &args)];
            if total > 0 {
                p.push(t.with("email-claim-refunded", &args));
            }
            (p, None)
        },
    )
    .await?;
    let owed = (total > 0).then(|| crate::refunds::RefundInput {
        payment_id: None,
        amount: total,
        reason: format!("claim {id}: {}", outcome.as_str()),
        key: Some(format!("{id}-refund")),
        destination: None,
    });
    // Owed in the same transaction as the decision: a crash before it is made leaves its
    // job to make it.
    if let Some(input) = &owed {
        crate::refunds::owe(
            tx.as_mut(),
            &s.id,
            &order.number,
            input,
            Some(("claim", id)),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let done = if let Some(input) = owed {
        let done = crate::refunds::make(app, &s.id, &order.number, input).await?;
        let mut tx = app.store.begin().await?;
        tx.set_claim_refund(id, &done.refund.id).await?;
        tx.commit().await?;
        Some(done)
    } else {
        None
    };
    let claim = app.store.claim_by_id(id).await?.ok_or(AppError::NotFound)?;
    Ok((claim, done))
}
