//! GTS-1: the text of the general terms of sale, written from the profile so that the
//! published terms and the enforced rules say the same thing.
//!
//! The text uses a small plain format: a line starting with `## ` is an article heading,
//! blank lines separate paragraphs.

use ecrin_core::Lang;
use ecrin_core::money::Money;
use ecrin_core::profile::{DayUnit, MethodKind, PaymentMethod, Period, Profile, ReturnPaidBy};
use ecrin_store::{Localized, TermsVersion};
use sha2::{Digest, Sha256};

pub fn first_version(profile: &Profile, effective_from_ms: i64) -> TermsVersion {
    TermsVersion {
        version: "1.0".to_owned(),
        effective_from_ms,
        published_at_ms: effective_from_ms,
        body: Localized {
            fr: text(profile, Lang::Fr),
            en: text(profile, Lang::En),
            it: text(profile, Lang::It),
        },
    }
}

/// CHK-7: the SHA-256 of the exact text a customer is shown.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub(crate) fn period(p: Period, lang: Lang) -> String {
    let n = p.count;
    match (p.unit, lang) {
        (DayUnit::WorkingDays, Lang::Fr) => format!("{n} jours ouvrés"),
        (DayUnit::WorkingDays, Lang::En) => format!("{n} working days"),
        (DayUnit::WorkingDays, Lang::It) => format!("{n} giorni lavorativi"),
        (DayUnit::Days, Lang::Fr) => format!("{n} jours"),
        (DayUnit::Days, Lang::En) => format!("{n} days"),
        (DayUnit::Days, Lang::It) => format!("{n} giorni"),
    }
}

fn carriers(p: &Profile) -> String {
    p.delivery
        .methods
        .iter()
        .filter(|m| m.kind == MethodKind::Carrier)
        .map(|m| m.carrier.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole text in one language.
pub fn text(p: &Profile, lang: Lang) -> String {
    let m = &p.merchant;
    let vat = p.vat_rate_percent();
    let countries = p.delivery.countries.join(", ");
    let withdraw = period(p.withdrawal.period, lang);
    let max_delivery = period(p.delivery.max_delivery, lang);
    let stockout_refund = period(p.after_sales.stockout_refund, lang);
    let archive = Money::eur(p.documents.archive_threshold).format(lang);
    let b = &p.basket;
    let card = p.payment.methods.contains(&PaymentMethod::Card);
    let transfer_days = p
        .payment
        .bank_transfer_days
        .filter(|_| p.payment.methods.contains(&PaymentMethod::BankTransfer));
    let merchant_pays_returns = p.withdrawal.return_paid_by == ReturnPaidBy::Merchant;
    let lead = p.catalogue.made_to_order_lead_weeks;
    let dmg = p.after_sales.damage_report_working_days;
    let answer = p.after_sales.answer_within_days;
    let carriers = carriers(p);
    let pickup = p
        .delivery
        .methods
        .iter()
        .any(|m| m.kind == MethodKind::BoutiquePickup);
    let mut s = String::new();
    match lang {
        Lang::Fr => {
            s += &format!(
                "## Article 1 — Objet et parties\n\nLes présentes conditions générales de vente régissent les ventes en ligne de {}, {} au capital de {}, dont le siège est {}, {}, TVA {} (le « Vendeur »), à toute personne physique majeure agissant comme consommateur (le « Client »). Les professionnels sont invités à demander un devis. Les conditions applicables sont celles en vigueur au jour de la commande ; une nouvelle version ne modifie jamais une commande passée.\n\n",
                m.legal_name,
                m.legal_form,
                m.share_capital,
                m.registered_office,
                m.company_number,
                m.vat_number
            );
            s += &format!(
                "## Article 2 — Produits\n\nChaque produit est décrit par ses caractéristiques, ses photographies et son prix. Les photographies ne sont pas contractuelles ; s'agissant de pièces façonnées à la main, de légères variations de finition, de poids, de carat ou de couleur ne constituent pas un défaut. Seuls les produits présentés sur le site le jour de la commande et disponibles peuvent être commandés. Les pièces réalisées à la commande sont livrées dans un délai annoncé avant la commande, au plus {lead} semaines. Les pièces gravées ou réalisées selon les spécifications du Client sont personnalisées.\n\n"
            );
            s += &format!(
                "## Article 3 — Compte et panier\n\nLa commande nécessite un compte activé par courriel. Le panier contient au plus {} exemplaires d'une même référence et {} articles au total ; il est conservé {} minutes après le dernier ajout. Au-delà de {} articles, ou pour un achat professionnel, un devis est proposé.\n\n",
                b.max_identical, b.max_items, b.ttl_minutes, b.quote_threshold_items
            );
            s += &format!(
                "## Article 4 — Prix et TVA\n\nLes prix sont indiqués en euros toutes taxes comprises (TVA française de {vat} % pour une livraison en France), hors frais de livraison, qui sont indiqués avant la validation de la commande. Pour une livraison dans un autre État membre, la TVA du pays de destination s'applique ; hors de l'Union européenne, le prix est hors TVA et les droits de douane sont à la charge du Client. En cas de réduction, le prix le plus bas pratiqué dans les 30 jours précédents est indiqué.\n\n"
            );
            s += "## Article 5 — Commande\n\nAvant de payer, le Client vérifie le récapitulatif de sa commande (prix unitaires hors et toutes taxes, TVA, frais de livraison, date de livraison estimée, adresses), accepte les présentes conditions et confirme sa commande avec obligation de paiement. Le Vendeur peut refuser une commande en cas de litige en cours, de commande antérieure impayée, de paiement refusé, de suspicion de fraude ou de quantité anormale pour un usage personnel.\n\n";
            s += &format!("## Article 6 — Paiement\n\n{}{}Le contrat n'est formé et la commande préparée qu'après réception de l'intégralité du paiement ; les produits restent la propriété du Vendeur jusqu'à ce paiement complet.\n\n",
                if card { "Le paiement s'effectue par carte bancaire sur la plateforme sécurisée d'un prestataire de paiement, avec authentification 3-D Secure ; le Vendeur n'a jamais accès aux données de carte. " } else { "" },
                transfer_days.map(|d| format!("Le paiement par virement est possible : à défaut de réception sous {d} jours ouvrés, la commande est annulée automatiquement. ")).unwrap_or_default());
            s += &format!(
                "## Article 7 — Livraison\n\nLivraison dans les pays suivants : {countries}. Transporteurs : {carriers}{}. La commande est préparée sous {} à {} heures après le paiement ; une commande payée le vendredi après-midi, le samedi ou le dimanche est préparée à partir du lundi, et un jour férié reporte la préparation au jour ouvré suivant. Un colis ne peut dépasser {} kg. Sauf délai différent indiqué avant la commande, la livraison intervient au plus tard sous {max_delivery}. Les dommages ou manquants doivent être signalés sous {dmg} jours ouvrés suivant la réception.\n\n",
                if pickup {
                    ", ou retrait en boutique après confirmation par le service clients"
                } else {
                    ""
                },
                p.delivery.preparation_hours[0],
                p.delivery.preparation_hours[1],
                p.delivery.max_parcel_kg
            );
            s += &format!(
                "## Article 8 — Droit de rétractation\n\nLe Client dispose de {withdraw} à compter de la {} pour se rétracter sans motif, en ligne ou à l'aide du formulaire de rétractation. Le retour doit intervenir dans les {} jours suivant la notification, {}. Le remboursement comprend le prix et les frais de livraison standard, sous {} jours, par le moyen de paiement initial. Les pièces gravées ou réalisées sur mesure sont exclues du droit de rétractation.{}\n\n",
                if p.withdrawal.starts_at == ecrin_core::profile::WindowStart::Receipt {
                    "réception"
                } else {
                    "livraison"
                },
                p.withdrawal.return_within_days,
                if merchant_pays_returns {
                    "aux frais du Vendeur par son transporteur"
                } else {
                    "aux frais du Client"
                },
                p.withdrawal.refund_within_days,
                if p.withdrawal.exchanges {
                    " Un échange contre une autre pièce est possible dans les mêmes délais."
                } else {
                    ""
                }
            );
            s += &format!(
                "## Article 9 — Indisponibilité\n\nSi un produit s'avère indisponible après la commande, le Client en est informé par courriel et remboursé des sommes correspondantes sous {stockout_refund}.\n\n"
            );
            s += &format!(
                "## Article 10 — Garanties\n\nLes produits bénéficient de la garantie légale de conformité pendant {} mois à compter de la livraison et de la garantie des vices cachés. Toute demande adressée au service clients reçoit une réponse sous {answer} jours. La responsabilité du Vendeur est limitée au montant payé pour la commande.\n\n",
                p.after_sales.warranty_months
            );
            s += &format!(
                "## Article 11 — Preuve et archivage\n\nLes enregistrements du site font preuve des transactions. Les contrats d'un montant égal ou supérieur à {archive} sont conservés jusqu'à la livraison puis pendant {} ans et peuvent être communiqués au Client.\n\n",
                p.documents.archive_years
            );
            s += &format!(
                "## Article 12 — Réclamations, médiation et droit applicable\n\nRéclamations : {}. Le Client peut recourir gratuitement au médiateur : {}, ainsi qu'à la plateforme européenne de règlement en ligne des litiges. Les présentes conditions sont soumises au droit {}. En cas de divergence entre les traductions, la version française prévaut.\n",
                m.complaint_address,
                m.mediator,
                if p.country == "IT" {
                    "italien"
                } else {
                    "français"
                }
            );
        }
        Lang::It => {
            s += &format!(
                "## Articolo 1 — Oggetto e parti\n\nLe presenti condizioni generali di vendita regolano le vendite online di {}, {} con capitale sociale di {}, sede in {}, {}, partita IVA {} (il «Venditore»), a qualsiasi persona fisica maggiorenne che agisca come consumatore (il «Cliente»). I professionisti possono richiedere un preventivo. Si applicano le condizioni in vigore alla data dell'ordine; una nuova versione non modifica mai un ordine già effettuato.\n\n",
                m.legal_name,
                m.legal_form,
                m.share_capital,
                m.registered_office,
                m.company_number,
                m.vat_number
            );
            s += &format!(
                "## Articolo 2 — Prodotti\n\nOgni prodotto è descritto con le sue caratteristiche, fotografie e prezzo. Le fotografie non sono contrattuali; trattandosi di pezzi lavorati a mano, lievi variazioni di finitura, peso, caratura o colore non costituiscono un difetto. Possono essere ordinati solo i prodotti presentati sul sito il giorno dell'ordine e disponibili. I pezzi realizzati su ordinazione sono consegnati entro il termine indicato prima dell'ordine, al massimo {lead} settimane. I pezzi incisi o realizzati secondo le specifiche del Cliente sono personalizzati.\n\n"
            );
            s += &format!(
                "## Articolo 3 — Account e carrello\n\nPer ordinare è necessario un account attivato via e-mail. Il carrello contiene al massimo {} pezzi dello stesso articolo e {} pezzi in totale; è conservato per {} minuti dopo l'ultima aggiunta. Oltre {} pezzi, o per un acquisto professionale, viene proposto un preventivo.\n\n",
                b.max_identical, b.max_items, b.ttl_minutes, b.quote_threshold_items
            );
            s += &format!(
                "## Articolo 4 — Prezzi e IVA\n\nI prezzi sono indicati in euro IVA inclusa (IVA italiana del {vat} % per le consegne in Italia), escluse le spese di spedizione, indicate prima della conferma dell'ordine. Per le consegne in un altro Stato membro si applica l'IVA del paese di destinazione. In caso di riduzione è indicato il prezzo più basso praticato nei 30 giorni precedenti.\n\n"
            );
            s += "## Articolo 5 — Ordine\n\nPrima di pagare, il Cliente verifica il riepilogo dell'ordine (prezzi unitari IVA esclusa e inclusa, IVA, spese di spedizione, data di consegna stimata, indirizzi), accetta le presenti condizioni e conferma l'ordine con obbligo di pagamento. Il Venditore può rifiutare un ordine in caso di controversia in corso, di ordine precedente non pagato, di pagamento rifiutato, di sospetta frode o di quantità anomala per uso personale.\n\n";
            s += &format!("## Articolo 6 — Pagamento\n\n{}{}Il contratto si perfeziona e l'ordine viene preparato solo dopo l'incasso dell'intero importo; i prodotti restano di proprietà del Venditore fino al pagamento completo.\n\n",
                if card { "Il pagamento avviene con carta sulla piattaforma sicura di un fornitore di servizi di pagamento, con autenticazione 3-D Secure; il Venditore non ha mai accesso ai dati della carta. " } else { "" },
                transfer_days.map(|d| format!("È possibile pagare con bonifico: se non ricevuto entro {d} giorni lavorativi, l'ordine è annullato automaticamente. ")).unwrap_or_default());
            s += &format!(
                "## Articolo 7 — Consegna\n\nConsegna nei seguenti paesi: {countries}. Non si effettuano consegne a caselle postali, indirizzi militari o agenzie di ritiro. Corrieri: {carriers}{}. L'ordine è preparato entro {} - {} ore dal pagamento; un ordine pagato il venerdì pomeriggio, il sabato o la domenica è preparato dal lunedì, e un giorno festivo sposta la preparazione al giorno lavorativo successivo. Salvo diverso termine indicato prima dell'ordine, la consegna avviene entro {max_delivery}. Danni o mancanze vanno segnalati entro {dmg} giorni lavorativi dal ricevimento.\n\n",
                if pickup {
                    ", oppure ritiro gratuito in boutique previa conferma del Servizio Clienti"
                } else {
                    ""
                },
                p.delivery.preparation_hours[0],
                p.delivery.preparation_hours[1]
            );
            s += &format!(
                "## Articolo 8 — Diritto di recesso\n\nIl Cliente può recedere senza motivo entro {withdraw} dalla consegna, online o con il modulo di recesso. Il reso deve avvenire entro {} giorni dalla comunicazione, {}. Il rimborso comprende il prezzo e le spese di spedizione standard, entro {} giorni, con lo stesso mezzo di pagamento. I pezzi incisi o realizzati su misura sono esclusi dal diritto di recesso.{}\n\n",
                p.withdrawal.return_within_days,
                if merchant_pays_returns {
                    "a spese del Venditore tramite il suo corriere, con etichetta prepagata"
                } else {
                    "a spese del Cliente"
                },
                p.withdrawal.refund_within_days,
                if p.withdrawal.exchanges {
                    " Entro gli stessi termini è possibile la sostituzione con un altro pezzo."
                } else {
                    ""
                }
            );
            s += &format!(
                "## Articolo 9 — Indisponibilità\n\nSe un prodotto risulta indisponibile dopo l'ordine, il Cliente è informato via e-mail e rimborsato entro {stockout_refund}.\n\n"
            );
            s += &format!(
                "## Articolo 10 — Garanzie\n\nI prodotti godono della garanzia legale di conformità per {} mesi dalla consegna{}. Ogni richiesta al Servizio Clienti riceve risposta entro {answer} giorni. La responsabilità del Venditore è limitata all'importo pagato per l'ordine.\n\n",
                p.after_sales.warranty_months,
                match (
                    p.after_sales.defect_report_months,
                    p.after_sales.warranty_action_months
                ) {
                    (Some(r), Some(a)) => format!(
                        "; il difetto va denunciato entro {r} mesi dalla scoperta e l'azione si prescrive in {a} mesi dalla consegna"
                    ),
                    _ => String::new(),
                }
            );
            s += &format!(
                "## Articolo 11 — Prova e archiviazione\n\nLe registrazioni del sito costituiscono prova delle transazioni. I contratti di importo pari o superiore a {archive} sono conservati fino alla consegna e per i {} anni successivi e possono essere forniti al Cliente.\n\n",
                p.documents.archive_years
            );
            s += &format!(
                "## Articolo 12 — Reclami, conciliazione e legge applicabile\n\nReclami: {}. {}Il Cliente può rivolgersi gratuitamente a: {}, nonché alla piattaforma europea di risoluzione delle controversie online. Le presenti condizioni sono regolate dalla legge {}. In caso di divergenza tra le traduzioni prevale la versione italiana.\n",
                m.complaint_address,
                p.after_sales
                    .amicable_settlement_days
                    .map(|d| format!(
                        "Le parti si impegnano a cercare per {d} giorni una soluzione amichevole. "
                    ))
                    .unwrap_or_default(),
                m.mediator,
                if p.country == "IT" {
                    "italiana"
                } else {
                    "francese"
                }
            );
        }
        Lang::En => {
            s += &format!(
                "## Article 1 — Scope and parties\n\nThese general terms of sale govern the online sales of {}, {} with a share capital of {}, registered office {}, {}, VAT {} (the \"Seller\"), to any natural person of legal age acting as a consumer (the \"Customer\"). Businesses are invited to request a quote. The terms that apply are those in force on the day of the order; a new version never changes an order already placed.\n\n",
                m.legal_name,
                m.legal_form,
                m.share_capital,
                m.registered_office,
                m.company_number,
                m.vat_number
            );
            s += &format!(
                "## Article 2 — Products\n\nEach product is described by its features, photographs and price. Photographs are not contractual; these pieces are made by hand, and slight variations in finish, weight, carat or colour are not a defect. Only products shown on the site on the day of the order and available can be ordered. Made-to-order pieces are delivered within the lead time stated before the order, at most {lead} weeks. Pieces engraved or made to the Customer's specifications are personalised.\n\n"
            );
            s += &format!(
                "## Article 3 — Account and basket\n\nOrdering requires an account activated by e-mail. The basket holds at most {} units of one item and {} units in total; it is kept for {} minutes after the last addition. Above {} units, or for a business purchase, a quote is offered.\n\n",
                b.max_identical, b.max_items, b.ttl_minutes, b.quote_threshold_items
            );
            s += &format!(
                "## Article 4 — Prices and VAT\n\nPrices are in euros including VAT (the Seller's domestic rate of {vat} % for domestic deliveries), excluding delivery charges, which are shown before the order is confirmed. For delivery to another EU member state, the destination's VAT applies; outside the European Union, prices are free of VAT and customs duties are payable by the Customer. Beside a reduction, the lowest price of the previous 30 days is shown.\n\n"
            );
            s += "## Article 5 — Ordering\n\nBefore paying, the Customer checks the order summary (unit prices before and after VAT, VAT, delivery charge, estimated delivery date, addresses), accepts these terms and confirms the order with an obligation to pay. The Seller may refuse an order in case of an open dispute, an unpaid previous order, a refused payment, suspected fraud or an abnormal quantity for personal use.\n\n";
            s += &format!("## Article 6 — Payment\n\n{}{}The contract is formed and the order prepared only once the full amount is received; the products remain the Seller's property until then.\n\n",
                if card { "Payment is by card on the secure platform of a payment service provider, with 3-D Secure authentication; the Seller never sees card details. " } else { "" },
                transfer_days.map(|d| format!("Payment by bank transfer is possible: if it is not received within {d} working days, the order is cancelled automatically. ")).unwrap_or_default());
            s += &format!(
                "## Article 7 — Delivery\n\nDelivery to these countries: {countries}. Carriers: {carriers}{}. Orders are prepared within {} to {} hours of payment; an order paid on Friday afternoon, Saturday or Sunday is prepared from Monday, and a public holiday moves preparation to the next working day. A parcel may not exceed {} kg. Unless a different time was stated before the order, delivery takes place within {max_delivery} at the latest. Damaged or missing items must be reported within {dmg} working days of receipt.\n\n",
                if pickup {
                    ", or boutique pick-up once confirmed by customer service"
                } else {
                    ""
                },
                p.delivery.preparation_hours[0],
                p.delivery.preparation_hours[1],
                p.delivery.max_parcel_kg
            );
            s += &format!(
                "## Article 8 — Right of withdrawal\n\nThe Customer may withdraw without giving a reason within {withdraw} of {}, online or with the withdrawal form. The goods must be sent back within {} days of the notice, {}. The refund covers the price and the standard delivery charge, within {} days, to the original means of payment. Engraved or bespoke pieces are excluded from the right of withdrawal.{}\n\n",
                if p.withdrawal.starts_at == ecrin_core::profile::WindowStart::Receipt {
                    "receipt"
                } else {
                    "delivery"
                },
                p.withdrawal.return_within_days,
                if merchant_pays_returns {
                    "at the Seller's cost by its courier, with a prepaid label"
                } else {
                    "at the Customer's cost"
                },
                p.withdrawal.refund_within_days,
                if p.withdrawal.exchanges {
                    " An exchange for another piece is possible within the same time."
                } else {
                    ""
                }
            );
            s += &format!(
                "## Article 9 — Unavailability\n\nIf a product turns out to be unavailable after the order, the Customer is told by e-mail and refunded within {stockout_refund}.\n\n"
            );
            s += &format!(
                "## Article 10 — Warranties\n\nProducts carry the legal warranty of conformity for {} months from delivery and the warranty against hidden defects. Every request to customer service is answered within {answer} days. The Seller's liability is limited to the amount paid for the order.\n\n",
                p.after_sales.warranty_months
            );
            s += &format!(
                "## Article 11 — Proof and archiving\n\nThe site's records are proof of the transactions. Contracts of {archive} or more are kept until delivery and for {} years after, and can be produced for the Customer.\n\n",
                p.documents.archive_years
            );
            s += &format!(
                "## Article 12 — Complaints, mediation and governing law\n\nComplaints: {}. {}The Customer may turn, free of charge, to: {}, and to the European online dispute resolution platform. These terms are governed by {}. Where translations differ, the {} version prevails.\n",
                m.complaint_address,
                p.after_sales
                    .amicable_settlement_days
                    .map(|d| format!(
                        "The parties first seek an amicable settlement for {d} days. "
                    ))
                    .unwrap_or_default(),
                m.mediator,
                m.governing_law,
                match p.prevailing_language {
                    Lang::Fr => "French",
                    Lang::It => "Italian",
                    Lang::En => "English",
                }
            );
        }
    }
    s
}

/// CHK-7, CHK-8: an admin publishes a new version of the terms, in force from
/// `effective_from_ms` (now or later). Published versions never change, and placed orders
/// keep the version they were accepted under.
pub async fn publish(
    app: &crate::App,
    staff_id: &str,
    version: &str,
    effective_from_ms: i64,
    body: Localized,
) -> Result<TermsVersion, crate::AppError> {
    use crate::AppError;
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, &[ecrin_core::account::Role::Admin])?;
    let now = app.clock.now_ms();
    let mut c = crate::fields::Checks::new();
    let version = c.line("version", version, true, 20);
    if !version
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch))
    {
        c.fail("version", "invalid_version");
    }
    // A minute's grace for the time the form took to send.
    if effective_from_ms < now - 60_000 {
        c.fail("effective_from", "in_the_past");
    }
    let fr = c.paragraphs("body.fr", &body.fr, true, 200_000);
    let en = c.paragraphs("body.en", &body.en, true, 200_000);
    let it = c.paragraphs("body.it", &body.it, true, 200_000);
    c.finish().map_err(AppError::Invalid)?;
    if app.store.terms_version(&version).await?.is_some() {
        return Err(ecrin_core::Refusal::conflict(format!(
            "version {version} is already published"
        ))
        .into());
    }
    let t = TermsVersion {
        version,
        effective_from_ms: effective_from_ms.max(now),
        published_at_ms: now,
        body: Localized { fr, en, it },
    };
    let mut tx = app.store.begin().await?;
    match tx.insert_terms_version(&t).await {
        Err(ecrin_store::StoreError::Constraint { .. }) => {
            return Err(ecrin_core::Refusal::conflict(format!(
                "version {} is already published",
                t.version
            ))
            .into());
        }
        other => other?,
    }
    tx.commit().await?;
    app.caches.keep_terms_in_force(None);
    Ok(t)
}

/// CHK-7, CHK-8: the version in force now with the fingerprints of its texts; the version
/// is asked of the database, its text comes from the cache once read.
pub async fn in_force(
    app: &crate::App,
) -> Result<Option<std::sync::Arc<crate::caches::Terms>>, crate::AppError> {
    in_force_within(app, 0).await
}

/// How old the version in force shown on a summary may be. A version published by
/// another process meanwhile is caught when the order is placed (`terms_outdated`).
pub const SUMMARY_TERMS_MAX_AGE_MS: i64 = 1_000;

/// The version in force as read at most `max_age_ms` ago.
pub async fn in_force_within(
    app: &crate::App,
    max_age_ms: i64,
) -> Result<Option<std::sync::Arc<crate::caches::Terms>>, crate::AppError> {
    let now = app.clock.now_ms();
    let cached = (max_age_ms > 0)
        .then(|| app.caches.terms_in_force(now, max_age_ms))
        .flatten();
    let name = match cached {
        Some(name) => name,
        None => {
            let Some(name) = app.store.terms_version_in_force(now).await? else {
                return Ok(None);
            };
            app.caches.keep_terms_in_force(Some((name.clone(), now)));
            name
        }
    };
    if let Some(t) = app.caches.terms(&name) {
        return Ok(Some(t));
    }
    Ok(app
        .store
        .terms_version(&name)
        .await?
        .map(|v| app.caches.keep_terms(v)))
}

/// GTS-1: a published version by its name.
pub async fn version(
    app: &crate::App,
    name: &str,
) -> Result<Option<TermsVersion>, crate::AppError> {
    Ok(app.store.terms_version(name).await?)
}

/// GTS-1: the version in force now, with its texts.
pub async fn version_in_force(app: &crate::App) -> Result<Option<TermsVersion>, crate::AppError> {
    Ok(app.store.terms_in_force(app.clock.now_ms()).await?)
}

/// GTS-1: every published version, the newest effective date first.
pub async fn versions(app: &crate::App) -> Result<Vec<TermsVersion>, crate::AppError> {
    Ok(app.store.terms_versions().await?)
}
