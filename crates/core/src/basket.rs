//! The basket's rules (BSK-1 … BSK-5, CAT-3): pure functions of the basket, the profile
//! and the time.

use crate::Profile;
use crate::Refusal;
use crate::catalogue::Availability;

/// One line: a variant, a quantity and, for a personalisable piece, its engraving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: String,
    pub sku: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Basket {
    pub lines: Vec<Line>,
    /// BSK-3: when the last item was added (unix ms).
    pub last_added_ms: Option<i64>,
}

/// What the rules need to know of the variant being added.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub sku: &'a str,
    pub availability: Availability,
    pub personalisable: bool,
    /// BSK-4: a piece's own limit on its engraving's length, under the profile's.
    pub engraving_max_chars: Option<u32>,
}

const MINUTE_MS: i64 = 60_000;

impl Basket {
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    fn units_of(&self, sku: &str, except_line: Option<&str>) -> u32 {
        self.lines
            .iter()
            .filter(|l| l.sku == sku && Some(l.id.as_str()) != except_line)
            .map(|l| l.quantity)
            .sum()
    }

    /// BSK-3: the basket ends `basket_ttl_minutes` after the last addition.
    pub fn expires_at(&self, profile: &Profile) -> Option<i64> {
        self.last_added_ms
            .map(|t| t + i64::from(profile.basket.ttl_minutes) * MINUTE_MS)
    }

    pub fn is_expired(&self, profile: &Profile, now_ms: i64) -> bool {
        self.expires_at(profile).is_some_and(|e| now_ms >= e)
    }
}

fn check_totals(profile: &Profile, of_sku: u32, total: u32) -> Result<(), Refusal> {
    let rules = &profile.basket;
    if of_sku > rules.max_identical {
        return Err(Refusal::new(
            "basket_limit_identical",
            format!("at most {} units of one piece", rules.max_identical),
        ));
    }
    if total > rules.quote_threshold_items {
        return Err(Refusal::new(
            "quote_required",
            format!(
                "above {} pieces the house offers a quote",
                rules.quote_threshold_items
            ),
        ));
    }
    if total > rules.max_items {
        return Err(Refusal::new(
            "basket_limit_total",
            format!("at most {} pieces in a basket", rules.max_items),
        ));
    }
    Ok(())
}

/// BSK-4: an engraving is kept per line, for personalisable pieces only, within the
/// profile's length, in printable characters.
pub fn check_personalisation(
    profile: &Profile,
    item: &Item<'_>,
    text: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if !item.personalisable {
        return Err(Refusal::new(
            "not_personalisable",
            "this piece cannot be engraved",
        ));
    }
    let max = item
        .engraving_max_chars
        .map_or(profile.catalogue.engraving_max_chars, |m| {
            m.min(profile.catalogue.engraving_max_chars)
        }) as usize;
    if text.chars().count() > max {
        return Err(Refusal::new(
            "personalisation_too_long",
            format!("at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::new(
            "personalisation_invalid",
            "printable characters only",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// BSK-1, BSK-2, BSK-3, BSK-4, BSK-5, CAT-3: adds `quantity` of an item. The same variant
/// with the same engraving joins its line; another engraving is another line.
pub fn add(
    profile: &Profile,
    basket: &Basket,
    item: Item<'_>,
    quantity: u32,
    personalisation: Option<&str>,
    new_line_id: String,
    now_ms: i64,
) -> Result<Basket, Refusal> {
    if quantity == 0 {
        return Err(Refusal::of(
            crate::refusal::RefusalKind::Invalid,
            "validation_failed",
            "quantity: at least 1",
        ));
    }
    if !item.availability.can_be_bought() {
        return Err(Refusal::new("unavailable", "this piece is not available"));
    }
    let personalisation = check_personalisation(profile, &item, personalisation)?;
    let mut basket = if basket.is_expired(profile, now_ms) {
        Basket::default()
    } else {
        basket.clone()
    };
    check_totals(
        profile,
        basket.units_of(item.sku, None).saturating_add(quantity),
        basket.units().saturating_add(quantity),
    )?;
    match basket
        .lines
        .iter_mut()
        .find(|l| l.sku == item.sku && l.personalisation == personalisation)
    {
        Some(line) => line.quantity += quantity,
        None => basket.lines.push(Line {
            id: new_line_id,
            sku: item.sku.to_owned(),
            quantity,
            personalisation,
        }),
    }
    basket.last_added_ms = Some(now_ms);
    Ok(basket)
}

/// BSK-4: sets a line's quantity (0 removes it). Changing a quantity is not an addition:
/// the expiry clock does not move.
pub fn set_quantity(
    profile: &Profile,
    basket: &Basket,
    line_id: &str,
    quantity: u32,
    now_ms: i64,
) -> Result<Basket, Refusal> {
    if basket.is_expired(profile, now_ms) {
        return Err(Refusal::new("basket_expired", "the basket has expired"));
    }
    let mut basket = basket.clone();
    let Some(index) = basket.lines.iter().position(|l| l.id == line_id) else {
        return Err(Refusal::not_found("no such line"));
    };
    if quantity == 0 {
        basket.lines.remove(index);
        return Ok(basket);
    }
    let sku = basket.lines[index].sku.clone();
    let others = basket.units() - basket.lines[index].quantity;
    check_totals(
        profile,
        basket
            .units_of(&sku, Some(line_id))
            .saturating_add(quantity),
        others.saturating_add(quantity),
    )?;
    basket.lines[index].quantity = quantity;
    Ok(basket)
}

/// What a merge kept and what it could not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub basket: Basket,
    /// Units of the visitor's basket left out because the limits were reached.
    pub left_out: u32,
}

/// ACC-6: the basket a visitor filled before logging in joins the account's basket. Each
/// visitor line is added as an addition would be (same piece and engraving join a line),
/// reduced to what the limits still allow (BSK-1, BSK-2); an expired basket on either side
/// counts as empty (BSK-3). The merged basket's clock restarts when anything was added.
pub fn merge(profile: &Profile, account: &Basket, visitor: &Basket, now_ms: i64) -> Merged {
    let mut basket = if account.is_expired(profile, now_ms) {
        Basket::default()
    } else {
        account.clone()
    };
    if visitor.is_expired(profile, now_ms) {
        return Merged {
            basket,
            left_out: 0,
        };
    }
    let rules = &profile.basket;
    let ceiling = rules.max_items.min(rules.quote_threshold_items);
    let mut left_out = 0;
    let mut added = false;
    for line in &visitor.lines {
        let room_sku = rules
            .max_identical
            .saturating_sub(basket.units_of(&line.sku, None));
        let room_total = ceiling.saturating_sub(basket.units());
        let take = line.quantity.min(room_sku).min(room_total);
        left_out += line.quantity - take;
        if take == 0 {
            continue;
        }
        added = true;
        match basket
            .lines
            .iter_mut()
            .find(|l| l.sku == line.sku && l.personalisation == line.personalisation)
        {
            Some(l) => l.quantity += take,
            None => basket.lines.push(Line {
                quantity: take,
                ..line.clone()
            }),
        }
    }
    if added {
        basket.last_added_ms = Some(now_ms);
    }
    Merged { basket, left_out }
}
