//! The order's lifecycle (PAY-2, PAY-4, DLV-1, DLV-3, DLV-5, DLV-6, STK-1, STK-3): named
//! transitions, and properties over any sequence of events.

use ecrin_core::Profile;
use ecrin_core::order::{
    Effect, Order, OrderEvent, OrderState, PaymentState, ShipmentState, StockoutResolution, Units,
    apply,
};
use ecrin_core::refusal::RefusalKind;
use proptest::prelude::*;

fn profile(name: &str) -> Profile {
    let path = format!("{}/../../profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    Profile::from_toml(name, &std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Applies `event` and writes its effects in; the refusal's code otherwise.
fn step(order: &mut Order, event: OrderEvent, p: &Profile) -> Result<Vec<Effect>, &'static str> {
    let effects = apply(order, &event, p).map_err(|r| r.code)?;
    for e in &effects {
        order.evolve(e);
    }
    Ok(effects)
}

fn units(pairs: &[(i64, i64)]) -> Vec<Units> {
    pairs
        .iter()
        .map(|&(line_no, quantity)| Units { line_no, quantity })
        .collect()
}

fn ship(id: &str, pairs: &[(i64, i64)]) -> OrderEvent {
    OrderEvent::Ship {
        shipment_id: id.into(),
        units: units(pairs),
    }
}

fn paid_order(lines: &[(i64, i64)], p: &Profile) -> Order {
    let mut o = Order::placed(lines.iter().copied());
    step(&mut o, OrderEvent::PaymentReceived, p).unwrap_or_else(|c| panic!("{c}"));
    o
}

/// Checks PAY-2 and DLV-1: nothing ships unpaid; paid, the order is being prepared.
#[test]
fn pay_2_nothing_ships_before_the_full_amount_is_received() {
    let p = profile("paris");
    let mut o = Order::placed([(1, 1)]);
    assert_eq!(o.derived_status(), OrderState::AwaitingPayment);
    assert_eq!(step(&mut o, ship("s1", &[]), &p), Err("wrong_status"));
    let effects = step(&mut o, OrderEvent::PaymentReceived, &p).unwrap_or_default();
    assert!(effects.contains(&Effect::Status {
        from: OrderState::AwaitingPayment,
        to: OrderState::BeingPrepared
    }));
    assert_eq!(
        step(&mut o, OrderEvent::PaymentReceived, &p),
        Err("wrong_status")
    );
}

/// Checks PAY-4: an unpaid transfer order is cancelled, every unit with it; once paid it
/// cannot expire.
#[test]
fn pay_4_an_expired_transfer_cancels_the_order() {
    let p = profile("milano");
    let mut o = Order::placed([(1, 2), (2, 1)]);
    let effects = step(&mut o, OrderEvent::PaymentExpired, &p).unwrap_or_default();
    assert!(effects.contains(&Effect::CancelUnits(Units {
        line_no: 1,
        quantity: 2
    })));
    assert_eq!(o.status, OrderState::Cancelled);
    assert_eq!(o.payment, PaymentState::Void);
    assert_eq!(
        step(&mut o, OrderEvent::PaymentReceived, &p),
        Err("wrong_status")
    );
    let mut paid = paid_order(&[(1, 1)], &p);
    assert_eq!(
        step(&mut paid, OrderEvent::PaymentExpired, &p),
        Err("wrong_status")
    );
}

/// Checks DLV-3 and DLV-6: partial shipments; shipped once every unit due has left,
/// delivered once every parcel is; a parcel is delivered once.
#[test]
fn dlv_3_dlv_6_partial_shipments_then_delivery() {
    let p = profile("paris");
    let mut o = paid_order(&[(1, 2), (2, 1)], &p);
    step(&mut o, ship("s1", &[(1, 1)]), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(
        o.status,
        OrderState::BeingPrepared,
        "one unit still to leave"
    );
    assert_eq!(o.unshipped(1), 1);
    assert_eq!(
        step(&mut o, ship("s2", &[(1, 2)]), &p),
        Err("validation_failed"),
        "more than is left of the line"
    );
    assert_eq!(
        step(&mut o, ship("s2", &[(9, 1)]), &p),
        Err("validation_failed")
    );
    step(&mut o, ship("s2", &[]), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Shipped);
    assert_eq!(step(&mut o, ship("s3", &[]), &p), Err("wrong_status"));
    let delivered = OrderEvent::Deliver {
        shipment_id: Some("s1".into()),
    };
    step(&mut o, delivered.clone(), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Shipped, "one parcel still on its way");
    assert_eq!(o.delivered(1), 1);
    assert_eq!(
        step(&mut o, delivered, &p),
        Err("wrong_status"),
        "delivered twice"
    );
    step(&mut o, OrderEvent::Deliver { shipment_id: None }, &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Delivered);
    assert_eq!(
        step(&mut o, OrderEvent::Deliver { shipment_id: None }, &p),
        Err("wrong_status")
    );
}

/// Checks DLV-5: a parcel returned undelivered, then abandoned; only then.
#[test]
fn dlv_5_returned_undelivered_then_abandoned() {
    let p = profile("atelier");
    let mut o = paid_order(&[(1, 1)], &p);
    assert_eq!(step(&mut o, OrderEvent::Abandon, &p), Err("wrong_status"));
    step(&mut o, ship("s1", &[]), &p).unwrap_or_else(|c| panic!("{c}"));
    step(
        &mut o,
        OrderEvent::ReturnedUndelivered { shipment_id: None },
        &p,
    )
    .unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::BeingReturned);
    assert_eq!(o.shipments[0].state, ShipmentState::ReturnedUndelivered);
    assert_eq!(
        step(&mut o, OrderEvent::Deliver { shipment_id: None }, &p),
        Err("wrong_status")
    );
    step(&mut o, OrderEvent::Abandon, &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Abandoned);
}

/// Checks DLV-5: the pieces returned undelivered leave on a new order: only once every
/// parcel is back or delivered, once; the delivered parcel still counts, the returned one
/// no longer does, and nothing is left to abandon.
#[test]
fn dlv_5_the_pieces_returned_leave_on_a_new_order() {
    let p = profile("paris");
    let mut o = paid_order(&[(1, 1), (2, 2)], &p);
    assert_eq!(step(&mut o, OrderEvent::Resend, &p), Err("wrong_status"));
    step(&mut o, ship("s1", &[(1, 1)]), &p).unwrap_or_else(|c| panic!("{c}"));
    step(&mut o, ship("s2", &[(2, 2)]), &p).unwrap_or_else(|c| panic!("{c}"));
    let back = |id: &str| OrderEvent::ReturnedUndelivered {
        shipment_id: Some(id.into()),
    };
    step(&mut o, back("s2"), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::BeingReturned);
    // A parcel still on its way: not yet.
    assert_eq!(step(&mut o, OrderEvent::Resend, &p), Err("wrong_status"));
    step(
        &mut o,
        OrderEvent::Deliver {
            shipment_id: Some("s1".into()),
        },
        &p,
    )
    .unwrap_or_else(|c| panic!("{c}"));
    let effects = step(&mut o, OrderEvent::Resend, &p).unwrap_or_default();
    assert!(effects.contains(&Effect::CancelUnits(Units {
        line_no: 2,
        quantity: 2
    })));
    assert_eq!(o.status, OrderState::Delivered, "what was delivered stays");
    assert_eq!(step(&mut o, OrderEvent::Resend, &p), Err("wrong_status"));
    assert_eq!(step(&mut o, OrderEvent::Abandon, &p), Err("wrong_status"));
    // Everything came back: nothing is left of the order.
    let mut o = paid_order(&[(1, 1)], &p);
    step(&mut o, ship("s1", &[]), &p).unwrap_or_else(|c| panic!("{c}"));
    step(&mut o, back("s1"), &p).unwrap_or_else(|c| panic!("{c}"));
    step(&mut o, OrderEvent::Resend, &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Cancelled);
}

/// Checks STK-1: `paris` decides (partial delivery or the line cancelled); `atelier` and
/// `milano` offer the customer a choice and cancel nothing yet.
#[test]
fn stk_1_a_stock_out_follows_the_profile() {
    let paris = profile("paris");
    let mut o = paid_order(&[(1, 3), (2, 1)], &paris);
    let out = |resolution| OrderEvent::StockOut {
        units: units(&[(1, 1)]),
        resolution,
    };
    assert_eq!(step(&mut o, out(None), &paris), Err("validation_failed"));
    step(
        &mut o,
        out(Some(StockoutResolution::PartialDelivery)),
        &paris,
    )
    .unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.lines[0].due(), 2);
    step(&mut o, out(Some(StockoutResolution::CancelLine)), &paris)
        .unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.lines[0].due(), 0, "the whole line");
    assert_eq!(o.status, OrderState::BeingPrepared);

    let milano = profile("milano");
    let mut o = paid_order(&[(1, 1)], &milano);
    assert_eq!(
        step(&mut o, out(Some(StockoutResolution::CancelLine)), &milano),
        Err("validation_failed")
    );
    let effects = step(&mut o, out(None), &milano).unwrap_or_default();
    assert_eq!(effects, vec![Effect::OfferAlternatives(units(&[(1, 1)]))]);
    assert_eq!(o.lines[0].due(), 1);
}

/// Checks STK-3: the house cancels units not shipped; an order with nothing left to
/// deliver is cancelled; shipped units cannot be cancelled.
#[test]
fn stk_3_the_house_cancels_what_has_not_left() {
    let p = profile("paris");
    let mut o = paid_order(&[(1, 1), (2, 1)], &p);
    step(&mut o, ship("s1", &[(1, 1)]), &p).unwrap_or_else(|c| panic!("{c}"));
    let cancel = |pairs: &[(i64, i64)]| OrderEvent::CancelUnits {
        units: units(pairs),
    };
    assert_eq!(
        step(&mut o, cancel(&[(1, 1)]), &p),
        Err("validation_failed")
    );
    step(&mut o, cancel(&[(2, 1)]), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Shipped, "what is left has left");
    let mut o = paid_order(&[(1, 2)], &p);
    step(&mut o, cancel(&[(1, 2)]), &p).unwrap_or_else(|c| panic!("{c}"));
    assert_eq!(o.status, OrderState::Cancelled);
    assert_eq!(step(&mut o, ship("s1", &[]), &p), Err("wrong_status"));
}

/// Refusals say which kind they are: a transition the state does not allow is a conflict
/// (409), a line not in the order a validation error (400).
#[test]
fn refusals_have_their_kind() {
    let p = profile("paris");
    let o = paid_order(&[(1, 1)], &p);
    let r = apply(&o, &OrderEvent::Abandon, &p).err();
    assert_eq!(
        r.map(|r| (r.kind, r.code)),
        Some((RefusalKind::Conflict, "wrong_status"))
    );
    let r = apply(&o, &ship("s", &[(7, 1)]), &p).err();
    assert_eq!(
        r.map(|r| (r.kind, r.errors[0].reason)),
        Some((RefusalKind::Invalid, "not_in_order"))
    );
}

fn an_event() -> impl Strategy<Value = OrderEvent> {
    let some_units = proptest::collection::vec((0i64..5, -1i64..4), 0..3).prop_map(|v| {
        v.into_iter()
            .map(|(line_no, quantity)| Units { line_no, quantity })
            .collect::<Vec<_>>()
    });
    let shipment = proptest::option::of((0u8..4).prop_map(|n| format!("s{n}")));
    prop_oneof![
        Just(OrderEvent::PaymentReceived),
        Just(OrderEvent::PaymentExpired),
        ((0u8..4).prop_map(|n| format!("s{n}")), some_units.clone())
            .prop_map(|(shipment_id, units)| OrderEvent::Ship { shipment_id, units }),
        shipment
            .clone()
            .prop_map(|shipment_id| OrderEvent::Deliver { shipment_id }),
        shipment.prop_map(|shipment_id| OrderEvent::ReturnedUndelivered { shipment_id }),
        Just(OrderEvent::Abandon),
        Just(OrderEvent::Resend),
        (
            some_units.clone(),
            proptest::option::of(prop_oneof![
                Just(StockoutResolution::PartialDelivery),
                Just(StockoutResolution::CancelLine)
            ])
        )
            .prop_map(|(units, resolution)| OrderEvent::StockOut { units, resolution }),
        some_units
            .clone()
            .prop_map(|units| OrderEvent::CancelUnits { units }),
        some_units.prop_map(|units| OrderEvent::ReturnUnits { units }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No sequence of events reaches a state the rules forbid, and the status kept beside
    /// the order always equals the one derived from payment, lines and shipments.
    #[test]
    fn dlv_1_no_sequence_of_events_breaks_the_rules(
        lines in proptest::collection::vec(1i64..4, 1..4),
        events in proptest::collection::vec(an_event(), 0..25),
        profile_name in prop_oneof![Just("paris"), Just("milano")],
    ) {
        let p = profile(profile_name);
        let mut o = Order::placed(lines.iter().enumerate().map(|(i, q)| (i as i64 + 1, *q)));
        let mut ever_delivered = std::collections::HashSet::new();
        for event in events {
            let before = o.clone();
            let Ok(effects) = apply(&o, &event, &p) else {
                continue;
            };
            for e in &effects {
                if let Effect::Status { from, to } = e {
                    prop_assert_eq!(*from, before.status);
                    prop_assert_ne!(from, to);
                }
                o.evolve(e);
            }
            // The stored status is the derived one.
            prop_assert_eq!(o.status, o.derived_status());
            // Terminal states stay terminal.
            prop_assert!(!matches!(before.status, OrderState::Cancelled | OrderState::Abandoned));
            // PAY-2: nothing has left unless the full amount was received.
            prop_assert!(o.shipments.is_empty() || o.payment == PaymentState::Paid);
            for l in &o.lines {
                // Never more units cancelled and shipped than ordered.
                prop_assert!(l.cancelled >= 0 && l.cancelled <= l.quantity);
                prop_assert!(o.shipped(l.line_no) + l.cancelled <= l.quantity, "{:?}", o);
                // WDR-4: only delivered units come back.
                prop_assert!(l.returned >= 0 && l.returned <= o.delivered(l.line_no), "{:?}", o);
            }
            // A delivered parcel stays delivered (DLV-6: risk has passed).
            for s in &o.shipments {
                if ever_delivered.contains(&s.id) {
                    prop_assert_eq!(s.state, ShipmentState::Delivered);
                }
                if s.state == ShipmentState::Delivered {
                    ever_delivered.insert(s.id.clone());
                }
                prop_assert!(s.units.iter().all(|u| u.quantity > 0));
            }
            // Shipment ids are unique.
            let mut ids: Vec<&str> = o.shipments.iter().map(|s| s.id.as_str()).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            prop_assert_eq!(ids.len(), n);
        }
    }
}

/// Every state's stored name reads back as the same state; an unknown name is refused.
#[test]
fn state_names_read_back() {
    for s in OrderState::ALL {
        assert_eq!(s.as_str().parse::<OrderState>(), Ok(*s));
    }
    for s in PaymentState::ALL {
        assert_eq!(s.as_str().parse::<PaymentState>(), Ok(*s));
    }
    for s in ShipmentState::ALL {
        assert_eq!(s.as_str().parse::<ShipmentState>(), Ok(*s));
    }
    assert!("paid".parse::<OrderState>().is_err());
}

/// Checks WDR-1 and WAR-1: the clocks a delivery starts, in each house's calendar, across
/// French and Italian holidays.
#[test]
fn wdr_1_war_1_the_clocks_start_at_delivery() {
    use ecrin_core::withdrawal::{deadline, warranty_until};
    use jiff::civil::date;
    // paris: 14 working days; delivered Thursday 30 April 2026, with 1 May, 8 May,
    // Ascension (14 May) and Whit Monday (25 May) in between: Tuesday 26 May.
    let paris = profile("paris");
    assert_eq!(deadline(&paris, date(2026, 4, 30)), date(2026, 5, 26));
    // Delivered Wednesday 13 August 2025, the Assumption (Friday 15) in between: Thursday
    // 14 is the first working day, Wednesday 3 September the fourteenth.
    assert_eq!(deadline(&paris, date(2025, 8, 13)), date(2025, 9, 3));
    // milano: 14 days; delivered 24 November 2026 → 8 December, a holiday in Italy (the
    // Immaculate Conception): the window runs to Wednesday 9 December.
    let milano = profile("milano");
    assert_eq!(deadline(&milano, date(2026, 11, 24)), date(2026, 12, 9));
    // atelier: 14 days; delivered Tuesday 1 December 2026 → Tuesday 15 December.
    let atelier = profile("atelier");
    assert_eq!(deadline(&atelier, date(2026, 12, 1)), date(2026, 12, 15));
    assert_eq!(warranty_until(&paris, date(2026, 2, 28)), date(2028, 2, 28));
}

/// Checks STK-2: a refund of a cancelled line is due within the profile's period: 30 days
/// `paris`, 14 working days `atelier`, 14 days `milano`.
#[test]
fn stk_2_a_refund_is_due_within_the_house_period() {
    use ecrin_core::deadlines::refund_due;
    use jiff::civil::date;
    assert_eq!(
        refund_due(&profile("paris"), date(2026, 12, 1)),
        date(2026, 12, 31)
    );
    assert_eq!(
        refund_due(&profile("atelier"), date(2026, 12, 1)),
        date(2026, 12, 21)
    );
    assert_eq!(
        refund_due(&profile("milano"), date(2026, 12, 1)),
        date(2026, 12, 15)
    );
}

/// Checks STK-2 (`paris`): the account a refund is sent to is checked as an IBAN (its
/// check digits, modulo 97), written in groups of four, and kept masked once used.
#[test]
fn stk_2_the_account_for_a_refund_is_a_valid_iban() {
    use ecrin_core::payment::{check_iban, masked_iban};
    assert_eq!(
        check_iban("fr76 3000 6000 0112 3456 7890 189"),
        Ok("FR76 3000 6000 0112 3456 7890 189".to_owned())
    );
    assert_eq!(
        check_iban("IT60X0542811101000000123456"),
        Ok("IT60 X054 2811 1010 0000 0123 456".to_owned())
    );
    assert_eq!(
        check_iban("FR76 3000 6000 0112 3456 7890 188"),
        Err("iban_check_failed")
    );
    assert_eq!(check_iban("FR76"), Err("not_an_iban"));
    assert_eq!(
        check_iban("7676 3000 6000 0112 3456 7890 189"),
        Err("not_an_iban")
    );
    assert_eq!(
        check_iban("FR76 3000 6000 0112 3456 7890 18é"),
        Err("not_an_iban")
    );
    assert_eq!(
        masked_iban("FR76 3000 6000 0112 3456 7890 189"),
        "FR•• •••• 0189"
    );
}

/// Checks WDR-1, WDR-3 and WDR-7: a withdrawal cancels the units not yet shipped and sends
/// back the others; it is open before delivery and until the window's last day (`paris`:
/// 14 working days, Christmas and New Year's Day not counted), closed the day after; a
/// custom-made line is excluded; no unit is withdrawn twice.
#[test]
fn wdr_1_wdr_3_wdr_7_a_withdrawal_cancels_or_sends_back() {
    use ecrin_core::withdrawal::{LineFacts, deadline, plan};
    use jiff::civil::date;
    let p = profile("paris");
    let delivered = date(2026, 12, 21);
    assert_eq!(deadline(&p, delivered), date(2027, 1, 12));
    let line = |line_no, unshipped, in_transit, delivered_units, withdrawn| LineFacts {
        line_no,
        withdrawable: true,
        unshipped,
        in_transit,
        delivered: delivered_units,
        delivered_on: (delivered_units > 0).then_some(delivered),
        withdrawn,
    };
    let lines = [line(1, 1, 0, 2, 0), line(2, 0, 1, 0, 0)];
    let u = |pairs: &[(i64, i64)]| units(pairs);
    let p1 = plan(&p, &lines, &u(&[(1, 2), (2, 1)]), date(2027, 1, 12)).unwrap_or_default();
    assert_eq!(p1.cancel, u(&[(1, 1)]), "the unit not yet shipped");
    assert_eq!(p1.send_back, u(&[(1, 1), (2, 1)]));
    let closed = plan(&p, &lines, &u(&[(1, 2)]), date(2027, 1, 13)).map(|_| ());
    assert_eq!(closed.map_err(|r| r.code), Err("withdrawal_window_closed"));
    // Not yet delivered: open whatever the date.
    assert!(plan(&p, &lines, &u(&[(1, 1), (2, 1)]), date(2027, 6, 1)).is_ok());
    let r = plan(&p, &lines, &u(&[(1, 4)]), date(2027, 1, 2)).err();
    assert_eq!(r.map(|r| r.errors[0].reason), Some("more_than_left"));
    // Already withdrawn: only what is left.
    let again = [line(1, 0, 0, 2, 2)];
    let r = plan(&p, &again, &u(&[(1, 1)]), date(2027, 1, 2)).err();
    assert_eq!(r.map(|r| r.errors[0].reason), Some("more_than_left"));
    let engraved = [LineFacts {
        withdrawable: false,
        ..line(1, 0, 0, 1, 0)
    }];
    let r = plan(&p, &engraved, &u(&[(1, 1)]), date(2026, 12, 22)).err();
    assert_eq!(r.map(|r| r.code), Some("withdrawal_excluded_custom"));
    let r = plan(&p, &lines, &u(&[(9, 1)]), date(2026, 12, 22)).err();
    assert_eq!(r.map(|r| r.errors[0].reason), Some("not_in_order"));
    // `milano`: 14 days, ending on a holiday or Sunday runs to the next working day; the
    // courier collects the next working day after the notice (8 December is a holiday).
    let m = profile("milano");
    assert_eq!(
        ecrin_core::withdrawal::pickup_date(&m, date(2026, 12, 7)),
        date(2026, 12, 9)
    );
    assert_eq!(
        ecrin_core::withdrawal::return_by(&m, date(2026, 12, 7)),
        date(2026, 12, 21)
    );
}

/// Checks WDR-7's bound on guessing: a guest lookup is open until any one of its keys (the
/// client's address, the order number, the e-mail address) has made its limit of
/// failures; then it is closed whatever the other two.
#[test]
fn wdr_7_guest_lookups_close_once_any_key_has_failed_too_often() {
    use ecrin_core::withdrawal::{
        GUEST_FAILURES_PER_CLIENT, GUEST_FAILURES_PER_EMAIL, GUEST_FAILURES_PER_ORDER,
        GuestFailures, guest_lookup_allowed,
    };
    assert!(guest_lookup_allowed(GuestFailures::default()));
    let just_under = GuestFailures {
        client: GUEST_FAILURES_PER_CLIENT - 1,
        order: GUEST_FAILURES_PER_ORDER - 1,
        email: GUEST_FAILURES_PER_EMAIL - 1,
    };
    assert!(guest_lookup_allowed(just_under));
    for closed in [
        GuestFailures {
            client: GUEST_FAILURES_PER_CLIENT,
            ..GuestFailures::default()
        },
        GuestFailures {
            order: GUEST_FAILURES_PER_ORDER,
            ..GuestFailures::default()
        },
        GuestFailures {
            email: GUEST_FAILURES_PER_EMAIL,
            ..GuestFailures::default()
        },
    ] {
        assert!(!guest_lookup_allowed(closed), "{closed:?}");
    }
    // Fewer than a hundred tries of order numbers against one address find anything.
    const { assert!(GUEST_FAILURES_PER_EMAIL < 100 && GUEST_FAILURES_PER_CLIENT < 100) };
}

/// DLV-7, WAR-1, WAR-3: the claims' clocks in the house's calendar.
mod claims {
    use ecrin_core::Profile;
    use ecrin_core::claims::*;
    use jiff::civil::date;

    fn profile(name: &str) -> Profile {
        let path = format!("{}/../../profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        Profile::from_toml(name, &std::fs::read_to_string(path).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn dlv_7_three_working_days_across_ascension_and_whit_monday() {
        let paris = profile("paris");
        // Delivered Tuesday 4 May 2027: Wednesday 5, (Ascension Thursday 6), Friday 7,
        // Monday 10.
        assert_eq!(report_deadline(&paris, date(2027, 5, 4)), date(2027, 5, 10));
        // Delivered Friday 14 May 2027: (Whit Monday 17), 18, 19, 20.
        assert_eq!(
            report_deadline(&paris, date(2027, 5, 14)),
            date(2027, 5, 20)
        );
        let k = ClaimKind::DamagedOnDelivery;
        assert!(may_claim(&paris, k, date(2027, 5, 14), date(2027, 5, 20), None).is_ok());
        let late = may_claim(&paris, k, date(2027, 5, 14), date(2027, 5, 21), None);
        assert_eq!(late.map_err(|r| r.code), Err("report_window_closed"));
    }

    #[test]
    fn dlv_7_milano_skips_ferragosto_and_the_immaculate_conception() {
        let milano = profile("milano");
        // Friday 13 August 2027: Monday 16, Tuesday 17 (15 August is a Sunday), 18.
        assert_eq!(
            report_deadline(&milano, date(2027, 8, 13)),
            date(2027, 8, 18)
        );
        // Thursday 13 August 2026 (15 August is a Saturday): Friday 14, Monday 17,
        // Tuesday 18.
        assert_eq!(
            report_deadline(&milano, date(2026, 8, 13)),
            date(2026, 8, 18)
        );
        // Friday 4 December 2026: Monday 7, (8 December), Wednesday 9, Thursday 10.
        assert_eq!(
            report_deadline(&milano, date(2026, 12, 4)),
            date(2026, 12, 10)
        );
        // Wednesday 23 December 2026: Thursday 24, (Christmas, Saint Stephen, weekend)
        // Monday 28, Tuesday 29.
        assert_eq!(
            report_deadline(&milano, date(2026, 12, 23)),
            date(2026, 12, 29)
        );
    }

    #[test]
    fn war_1_two_years_from_delivery_and_milano_two_months_from_discovery() {
        let paris = profile("paris");
        let w = ClaimKind::Warranty;
        let delivered = date(2026, 12, 10);
        assert!(may_claim(&paris, w, delivered, date(2028, 12, 10), None).is_ok());
        let r = may_claim(&paris, w, delivered, date(2028, 12, 11), None);
        assert_eq!(r.map_err(|r| r.code), Err("warranty_expired"));
        let milano = profile("milano");
        // Found on 1 November 2028, within the 24 months; reported 2 January 2029, within
        // 2 months of discovery and 26 months of delivery.
        let found = Some(date(2028, 11, 1));
        assert!(may_claim(&milano, w, delivered, date(2029, 1, 1), found).is_ok());
        let r = may_claim(&milano, w, delivered, date(2029, 1, 2), found);
        assert_eq!(
            r.map_err(|r| r.code),
            Err("warranty_expired"),
            "2 months after discovery"
        );
        // Found after the 24 months: not a defect of conformity.
        let r = may_claim(
            &milano,
            w,
            delivered,
            date(2029, 1, 2),
            Some(date(2028, 12, 11)),
        );
        assert_eq!(r.map_err(|r| r.code), Err("warranty_expired"));
        // A discovery in the future is bad input.
        let r = may_claim(
            &milano,
            w,
            delivered,
            date(2027, 1, 2),
            Some(date(2027, 2, 1)),
        );
        assert_eq!(r.map_err(|r| r.code), Err("validation_failed"));
    }

    #[test]
    fn war_3_answered_within_fifteen_days() {
        assert_eq!(
            answer_due(&profile("atelier"), date(2026, 12, 20)),
            date(2027, 1, 4)
        );
    }
}

/// Checks WDR-5: a withdrawal refunds the pieces sent back; the delivery charge too when
/// nothing of the order is kept, never for a priority service; units already cancelled
/// are not kept.
#[test]
fn wdr_5_the_refund_of_a_withdrawal_is_the_pieces_and_the_delivery_when_nothing_is_kept() {
    use ecrin_core::order::Units;
    use ecrin_core::withdrawal::{PricedLine, refund_estimate};
    let lines = [
        PricedLine {
            line_no: 1,
            unit_price: 34_000,
            quantity: 2,
            cancelled: 0,
        },
        PricedLine {
            line_no: 2,
            unit_price: 9_500,
            quantity: 1,
            cancelled: 1,
        },
    ];
    let one = [Units {
        line_no: 1,
        quantity: 1,
    }];
    let both = [Units {
        line_no: 1,
        quantity: 2,
    }];
    // One ring of two: the ring only.
    assert_eq!(refund_estimate(&lines, &one, 1_500, false), 34_000);
    // Both (the studs were cancelled): nothing kept, the delivery charge with them.
    assert_eq!(refund_estimate(&lines, &both, 1_500, false), 69_500);
    // Sent by a priority service: never its charge.
    assert_eq!(refund_estimate(&lines, &both, 4_500, true), 68_000);
    // A line not of the order counts for nothing.
    let stranger = [Units {
        line_no: 9,
        quantity: 1,
    }];
    assert_eq!(refund_estimate(&lines, &stranger, 1_500, false), 0);
}
