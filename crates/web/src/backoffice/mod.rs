//! The back-office pages (PRV-8, ACC-7, PRV-9, BSK-5): staff log in with a page session;
//! every page checks the role through the same use cases as the API, so a role that may
//! not see customers gets a 403 page, and every view of a customer is in the access log.

use crate::AppState;
use crate::extract::{WithCsrf, lang_segment, original_uri};
use crate::i18n::Tr;
use crate::storefront::account::{
    cookie_of, csrf_ok, fail, lang_of, no_store, session, session_cookie, with_cookie,
};
use crate::storefront::{Layout, PageError, PagePath, render};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ecrin_app::model::Staff;
use ecrin_app::sessions::{self, PageSession};
use ecrin_app::{AppError, backoffice, contact};
use ecrin_core::Lang;
use ecrin_core::refusal::RefusalKind;
use serde::Deserialize;
use serde::de::DeserializeOwned;

mod accounting;
mod catalogue;
mod fulfilment;
mod orders;
mod returns;
mod team;

/// The back office's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/staff", get(home))
        .route("/{lang}/staff/customers", get(find))
        .route("/{lang}/staff/customers/{id}", get(customer))
        .route("/{lang}/staff/customers/{id}/{action}", post(end_account))
        .route(
            "/{lang}/staff/customers/{id}/dispute",
            post(orders::dispute),
        )
        .route(
            "/{lang}/staff/customers/{id}/phone-order",
            get(orders::phone_order_form).post(orders::phone_summary),
        )
        .route(
            "/{lang}/staff/customers/{id}/phone-order/{checkout}",
            post(orders::phone_place),
        )
        .route("/{lang}/staff/orders", get(orders::list))
        .route("/{lang}/staff/deadlines", get(fulfilment::deadlines))
        .route("/{lang}/staff/orders/{number}", get(fulfilment::order_page))
        .route(
            "/{lang}/staff/orders/{number}/confirm-pickup",
            post(orders::confirm_pickup),
        )
        .route(
            "/{lang}/staff/orders/{number}/{action}",
            post(fulfilment::act),
        )
        .route(
            "/{lang}/staff/terms",
            get(orders::terms).post(orders::publish_terms),
        )
        .route("/{lang}/staff/returns", get(returns::list))
        .route("/{lang}/staff/returns/{id}/{action}", post(returns::act))
        .route("/{lang}/staff/claims", get(returns::claims))
        .route(
            "/{lang}/staff/recalls",
            get(returns::recalls).post(returns::recall),
        )
        .route("/{lang}/staff/claims/{id}/decide", post(returns::decide))
        .route(
            "/{lang}/staff/claims/{id}/photos/{photo}",
            get(returns::claim_photo),
        )
        .route(
            "/{lang}/staff/products",
            get(catalogue::products).post(catalogue::create_product),
        )
        .route(
            "/{lang}/staff/products/{slug}",
            get(catalogue::product).post(catalogue::update_product),
        )
        .route(
            "/{lang}/staff/products/{slug}/variants",
            post(catalogue::create_variant),
        )
        .route(
            "/{lang}/staff/collections",
            post(catalogue::create_collection),
        )
        .route(
            "/{lang}/staff/products/{slug}/photos",
            post(catalogue::add_photo).layer(axum::extract::DefaultBodyLimit::max(
                ecrin_app::photos::MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/{lang}/staff/variants/{sku}",
            post(catalogue::update_variant),
        )
        .route(
            "/{lang}/staff/variants/{sku}/promotions",
            post(catalogue::promote),
        )
        .route("/{lang}/staff/stock", get(catalogue::low_stock))
        .route("/{lang}/staff/catalogue.csv", get(catalogue::export))
        .route(
            "/{lang}/staff/catalogue/import",
            post(catalogue::import).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/{lang}/staff/accounting", get(accounting::page))
        .route(
            "/{lang}/staff/accounting/documents.csv",
            get(accounting::csv),
        )
        .route(
            "/{lang}/staff/accounting/documents.zip",
            get(accounting::zip),
        )
        .route("/{lang}/staff/team", get(team::members).post(team::invite))
        .route("/{lang}/staff/team/{id}", post(team::change))
        .route("/{lang}/staff/team/{id}/reset", post(team::reset))
        .route("/{lang}/staff/tickets", get(tickets))
        .route("/{lang}/staff/tickets/{id}/answer", post(answer))
        .route("/{lang}/staff/quotes", get(quotes))
        .route("/{lang}/staff/logout", post(logout))
}

/// The staff login: rate-limited per client address, as every page that guesses
/// credentials.
pub(crate) fn guarded_routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/staff/login", get(login_form).post(login))
        .route(
            "/{lang}/staff/second-factor",
            get(team::second_factor_form).post(team::second_factor),
        )
        .route(
            "/{lang}/staff/invitation",
            get(team::invitation_form).post(team::accept_invitation),
        )
}

struct CustomerView {
    id: String,
    rows: Vec<(String, String)>,
    access: Vec<String>,
    actions: Vec<(&'static str, String)>,
}

struct TicketView {
    id: String,
    subject: String,
    meta: String,
    message: String,
    answer: Option<String>,
}

/// One cell of a back-office table, a link when it leads somewhere.
pub(crate) struct Cell {
    text: String,
    href: Option<String>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: None,
        }
    }

    fn link(text: impl Into<String>, href: String) -> Cell {
        Cell {
            text: text.into(),
            href: Some(href),
        }
    }
}

pub(crate) struct StaffTable {
    title: String,
    empty: String,
    head: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// A field of a back-office form: `kind` is an input type, `textarea`, `select`, `checkbox`
/// or `hidden`.
pub(crate) struct FormField {
    name: String,
    label: String,
    kind: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
    required: bool,
}

impl FormField {
    fn new(name: impl Into<String>, label: String, kind: &'static str) -> FormField {
        FormField {
            name: name.into(),
            label,
            kind,
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    fn value(mut self, v: impl Into<String>) -> FormField {
        self.value = v.into();
        self
    }

    fn options(mut self, o: Vec<(String, String, bool)>) -> FormField {
        self.options = o;
        self
    }

    fn required(mut self) -> FormField {
        self.required = true;
        self
    }
}

pub(crate) struct StaffForm {
    id: String,
    action: String,
    title: String,
    fields: Vec<FormField>,
    submit: String,
}

#[derive(Template)]
#[template(path = "staff/page.html")]
struct StaffPage {
    layout: Layout,
    csrf: String,
    staff_name: String,
    role: String,
    nav: Vec<(String, String)>,
    heading: String,
    message: Option<String>,
    error: Option<String>,
    login: bool,
    search: bool,
    customer: Option<CustomerView>,
    tickets: Vec<TicketView>,
    quotes: Vec<(String, String, String, String, String)>,
    tables: Vec<StaffTable>,
    forms: Vec<StaffForm>,
    links: Vec<(String, String)>,
    /// A form that filters the page's list (GET, no token).
    filter: Option<StaffForm>,
    /// The link to the list's next page.
    next: Option<(String, String)>,
    /// A chart drawn on the server (SVG built from numbers and escaped labels).
    chart: Option<(String, String)>,
    /// A product's photos and the form to add one (multipart).
    photos: Option<catalogue::PhotoSection>,
    /// Where the catalogue's CSV import form posts.
    import: Option<String>,
}

impl StaffPage {
    fn new(state: &AppState, lang: Lang, uri: &Uri, heading: String, csrf: String) -> StaffPage {
        StaffPage {
            layout: Layout::new(&state.app.profile, lang, uri, heading.clone()),
            csrf,
            staff_name: String::new(),
            role: String::new(),
            nav: Vec::new(),
            heading,
            message: None,
            error: None,
            login: false,
            search: false,
            customer: None,
            tickets: Vec::new(),
            quotes: Vec::new(),
            tables: Vec::new(),
            forms: Vec::new(),
            links: Vec::new(),
            filter: None,
            next: None,
            chart: None,
            photos: None,
            import: None,
        }
    }

    fn signed(mut self, t: Tr, staff: &Staff) -> StaffPage {
        let code = t.code();
        self.staff_name = staff.name.clone();
        self.role = t.t(&format!("staff-role-{}", staff.role.as_str()));
        self.nav = vec![
            (format!("/{code}/staff"), t.t("staff-title")),
            (format!("/{code}/staff/tickets"), t.t("staff-tickets")),
            (format!("/{code}/staff/quotes"), t.t("staff-quotes")),
            (format!("/{code}/staff/orders"), t.t("staff-orders")),
            (format!("/{code}/staff/products"), t.t("staff-products")),
            (format!("/{code}/staff/returns"), t.t("staff-returns")),
            (format!("/{code}/staff/claims"), t.t("staff-claims")),
            (format!("/{code}/staff/recalls"), t.t("staff-recalls")),
            (format!("/{code}/staff/deadlines"), t.t("staff-deadlines")),
            (format!("/{code}/staff/terms"), t.t("staff-terms")),
        ];
        if ecrin_app::accounting::ACCOUNTING.contains(&staff.role) {
            self.nav
                .push((format!("/{code}/staff/accounting"), t.t("staff-accounting")));
        }
        if staff.role == ecrin_core::account::Role::Admin {
            self.nav
                .push((format!("/{code}/staff/team"), t.t("staff-team")));
        }
        if !staff.second_factor {
            self.nav.push((
                format!("/{code}/staff/second-factor"),
                t.t("staff-my-security"),
            ));
        }
        self
    }
}

/// The member of staff of the request, or the staff login page to go to.
async fn signed_in(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
) -> Result<(PageSession, Staff), Response> {
    let login = || Redirect::to(&format!("/{}/staff/login", lang.code())).into_response();
    let s = sessions::load(&state.app, &cookie_of(headers))
        .await
        .map_err(|e| fail(state, PageError::from_app(lang, e)))?
        .ok_or_else(login)?;
    let id = s.staff_id.clone().ok_or_else(login)?;
    let staff = backoffice::staff(&state.app, &id)
        .await
        .map_err(|_| login())?;
    Ok((s, staff))
}

/// The page's language and the member of staff of the request, or the page to answer.
async fn visit(
    state: &AppState,
    segment: &str,
    headers: &HeaderMap,
) -> Result<(Lang, Tr, PageSession, Staff), Response> {
    let lang = lang_of(state, segment).map_err(|e| fail(state, e))?;
    let (s, staff) = signed_in(state, lang, headers).await?;
    Ok((lang, Tr::new(lang), s, staff))
}

/// What every back-office page starts from, done once before the handler: the page's
/// language (the first segment of its path), the signed-in member of staff and their
/// page session. Anyone else is sent to the staff login.
struct StaffVisit {
    lang: Lang,
    t: Tr,
    session: PageSession,
    staff: Staff,
    uri: Uri,
}

impl FromRequestParts<AppState> for StaffVisit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let uri = original_uri(parts);
        let segment = lang_segment(&uri);
        let (lang, t, session, staff) = visit(state, &segment, &parts.headers).await?;
        Ok(StaffVisit {
            lang,
            t,
            session,
            staff,
            uri,
        })
    }
}

impl StaffVisit {
    /// The page titled by the locale key `heading`, signed by the member of staff.
    fn page(&self, state: &AppState, heading: &str) -> StaffPage {
        StaffPage::new(
            state,
            self.lang,
            &self.uri,
            self.t.t(heading),
            self.session.csrf.clone(),
        )
        .signed(Tr::new(self.lang), &self.staff)
    }
}

/// A form posted in the back office, taken only once its token matches the page
/// session's: the visit and the form's fields. An expired form gets a 403 page.
struct Posted<T> {
    visit: StaffVisit,
    form: T,
}

impl<T> FromRequest<AppState> for Posted<T>
where
    T: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let visit = StaffVisit::from_request_parts(&mut parts, state).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !csrf_ok(&visit.session, form.csrf()) {
            let expired = ecrin_core::Refusal::of(
                RefusalKind::Forbidden,
                "form_expired",
                visit.t.t("error-form-expired"),
            );
            let page = visit.page(state, "error-form-expired");
            return Err(refused(state, visit.lang, page, expired.into()));
        }
        Ok(Posted { visit, form })
    }
}

/// A refusal of the role or of the input, said on a page with its status.
fn refused(state: &AppState, lang: Lang, page: StaffPage, e: AppError) -> Response {
    let t = Tr::new(lang);
    let (status, text) = match e {
        AppError::Refused(r) if r.kind == RefusalKind::Forbidden => {
            (StatusCode::FORBIDDEN, t.t("staff-forbidden"))
        }
        AppError::Refused(r) => (crate::error::status_of(&r), r.detail),
        AppError::NotFound => (StatusCode::NOT_FOUND, t.t("error-not-found-title")),
        AppError::Invalid(errors) => (
            StatusCode::BAD_REQUEST,
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => return fail(state, PageError::from_app(lang, other)),
    };
    let page = StaffPage {
        error: Some(text),
        ..page
    };
    (status, no_store(render(&page))).into_response()
}

async fn login_form(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let t = Tr::new(lang);
    let mut page = StaffPage::new(&state, lang, &uri, t.t("staff-login-title"), s.csrf);
    page.login = true;
    with_cookie(no_store(render(&page)), cookie)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    client: crate::api::checkout::Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let t = Tr::new(lang);
    let mut page = StaffPage::new(&state, lang, &uri, t.t("staff-login-title"), s.csrf.clone());
    page.login = true;
    if !csrf_ok(&s, &form.csrf) {
        page.error = Some(t.t("error-form-expired"));
        return with_cookie(
            (StatusCode::FORBIDDEN, render(&page)).into_response(),
            cookie,
        );
    }
    match sessions::log_in_staff(
        &state.app,
        Some(&s),
        &form.email,
        &form.password,
        &client.ip,
    )
    .await
    {
        Ok(sessions::StaffLogin::Signed(new)) => {
            let to = Redirect::to(&format!("/{}/staff", lang.code())).into_response();
            with_cookie(to, Some(session_cookie(&state, &new.id)))
        }
        Ok(sessions::StaffLogin::SecondFactor(pending)) => {
            let to = Redirect::to(&format!("/{}/staff/second-factor", lang.code())).into_response();
            with_cookie(to, Some(session_cookie(&state, &pending.id)))
        }
        Err(AppError::Refused(r)) => {
            let status = crate::error::status_of(&r);
            page.error = Some(t.t(&format!("error-{}", r.code)));
            with_cookie((status, render(&page)).into_response(), cookie)
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// PRV-8: the back office's home: what the role may do.
async fn home(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let mut page = StaffPage::new(&state, lang, &uri, t.t("staff-title"), s.csrf).signed(t, &staff);
    page.search = backoffice::require(&staff, backoffice::CUSTOMER_DATA).is_ok();
    match ecrin_app::dashboard::dashboard(&state.app, &staff.id).await {
        Ok(d) => dashboard(&mut page, t, lang, d),
        Err(e) => return refused(&state, lang, page, e),
    }
    no_store(render(&page))
}

/// The dashboard on the home page: the sales chart, what waits, orders by status, stock.
fn dashboard(page: &mut StaffPage, t: Tr, lang: Lang, d: ecrin_app::dashboard::Dashboard) {
    let code = lang.code();
    if let Some(days) = &d.sales {
        let total: i64 = days.iter().map(|(_, a)| a).sum();
        let title = format!("{} — {}", t.t("staff-sales-90-days"), t.money(total));
        let svg = ecrin_app::dashboard::sales_svg(days, &title, |day, amount| {
            format!(
                "{} : {}",
                ecrin_app::i18n::civil_date(&day.to_string(), lang),
                t.money(amount)
            )
        });
        page.chart = Some((title, svg));
    }
    let waiting = [
        (
            "staff-waiting-to-ship",
            d.to_ship,
            format!("/{code}/staff/orders?status=being_prepared"),
        ),
        (
            "staff-waiting-returns",
            d.returns_to_inspect,
            format!("/{code}/staff/returns"),
        ),
        (
            "staff-waiting-claims",
            d.claims_to_answer,
            format!("/{code}/staff/claims"),
        ),
        (
            "staff-waiting-messages",
            d.messages_to_answer,
            format!("/{code}/staff/tickets"),
        ),
        (
            "staff-waiting-overdue",
            d.overdue_clocks,
            format!("/{code}/staff/deadlines"),
        ),
    ];
    page.tables.push(StaffTable {
        title: t.t("staff-waiting"),
        empty: String::new(),
        head: vec![t.t("staff-waiting-what"), t.t("staff-waiting-count")],
        rows: waiting
            .into_iter()
            .map(|(key, n, href)| vec![Cell::link(t.t(key), href), Cell::text(n.to_string())])
            .collect(),
    });
    page.tables.push(StaffTable {
        title: t.t("staff-orders-by-status"),
        empty: t.t("staff-no-orders"),
        head: vec![t.t("staff-status"), t.t("staff-waiting-count")],
        rows: d
            .by_status
            .iter()
            .map(|(status, n)| {
                vec![
                    Cell::link(
                        t.t(&format!("order-status-{}", status.replace('_', "-"))),
                        format!("/{code}/staff/orders?status={status}"),
                    ),
                    Cell::text(n.to_string()),
                ]
            })
            .collect(),
    });
    if !d.low_stock.is_empty() {
        page.tables.push(StaffTable {
            title: t.t("staff-low-stock"),
            empty: String::new(),
            head: vec![t.t("staff-sku"), t.t("staff-on-hand")],
            rows: d
                .low_stock
                .iter()
                .map(|l| {
                    vec![
                        Cell::link(
                            l.sku.clone(),
                            format!("/{code}/staff/products/{}", l.product_slug),
                        ),
                        Cell::text(l.on_hand.to_string()),
                    ]
                })
                .collect(),
        });
    }
}

/// PRV-8: a customer found by e-mail address.
async fn find(
    State(state): State<AppState>,
    visit: StaffVisit,
    RawQuery(query): RawQuery,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let email =
        crate::storefront::account::query_param(query.as_deref(), "email").unwrap_or_default();
    let mut page =
        StaffPage::new(&state, lang, &uri, t.t("staff-find-customer"), s.csrf).signed(t, &staff);
    page.search = true;
    match backoffice::find_customer(&state.app, &staff.id, &email).await {
        Ok(Some(id)) => {
            Redirect::to(&format!("/{}/staff/customers/{id}", lang.code())).into_response()
        }
        Ok(None) => {
            page.message = Some(t.t("staff-no-customer"));
            (StatusCode::NOT_FOUND, no_store(render(&page))).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// PRV-8: a customer's record; the view is written to the access log.
async fn customer(
    State(state): State<AppState>,
    visit: StaffVisit,
    PagePath((_, id)): PagePath<(String, String)>,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-customer"), s.csrf).signed(t, &staff);
    let c = match backoffice::view_customer(&state.app, &staff.id, &id).await {
        Ok(c) => c,
        Err(e) => return refused(&state, lang, page, e),
    };
    let tz = &state.app.profile.time_zone;
    let access = ecrin_app::privacy::staff_access_of(&state.app, &c.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|a| {
            format!(
                "{} — {} — {}",
                crate::storefront::legal::date(a.at_ms, lang, tz),
                a.staff_id,
                a.action
            )
        })
        .collect();
    let mut actions = vec![("suspend", t.t("staff-suspend"))];
    if staff.role == ecrin_core::account::Role::Admin {
        actions.push(("close", t.t("staff-close")));
    }
    // CHK-9: the dispute flag, the customer's orders and refused orders.
    let standing = ecrin_app::checkout::standing_of(&state.app, &c.id)
        .await
        .unwrap_or_default();
    let code = lang.code();
    // The newest orders; the list filtered on the customer has them all.
    let ecrin_app::checkout::OrderList { orders, next } =
        ecrin_app::checkout::orders_page(&state.app, &c.id, None, None)
            .await
            .unwrap_or_default();
    let refusals = ecrin_app::checkout::refusals(&state.app, &staff.id, Some(&c.id))
        .await
        .unwrap_or_default();
    let tables = vec![
        StaffTable {
            title: t.t("account-orders-title"),
            empty: t.t("staff-no-orders"),
            head: [
                "staff-order-number",
                "staff-quote-when",
                "summary-total",
                "staff-status",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: orders
                .iter()
                .map(|o| {
                    vec![
                        Cell::text(o.number.clone()),
                        Cell::text(crate::storefront::legal::date(o.placed_at, lang, tz)),
                        Cell::text(t.money(o.total)),
                        Cell::text(t.t(&format!(
                            "order-status-{}",
                            o.status.as_str().replace('_', "-")
                        ))),
                    ]
                })
                .collect(),
        },
        orders::refusal_table(t, lang, tz, &refusals),
    ];
    let forms = vec![StaffForm {
        id: "dispute".into(),
        action: format!("/{code}/staff/customers/{}/dispute", c.id),
        title: t.t(if standing.dispute_open {
            "staff-dispute-open"
        } else {
            "staff-dispute-none"
        }),
        fields: vec![
            FormField::new("open", String::new(), "hidden").value(if standing.dispute_open {
                "0"
            } else {
                "1"
            }),
        ],
        submit: t.t(if standing.dispute_open {
            "staff-dispute-close"
        } else {
            "staff-dispute-start"
        }),
    }];
    let phone_link = state
        .app
        .profile
        .payment
        .phone_orders
        .then(|| format!("/{code}/staff/customers/{}/phone-order", c.id));
    let mut links: Vec<(String, String)> = phone_link
        .map(|l| vec![(l, t.t("staff-phone-order"))])
        .unwrap_or_default();
    if next.is_some() {
        links.push((
            format!("/{code}/staff/orders?customer={}", c.id),
            t.t("staff-customer-all-orders"),
        ));
    }
    let page = StaffPage {
        tables,
        forms,
        links,
        heading: format!("{} {}", c.given_name, c.family_name),
        customer: Some(CustomerView {
            rows: vec![
                (t.t("field-email"), c.email.clone()),
                (t.t("field-title"), c.title.clone()),
                (t.t("field-given-name"), c.given_name.clone()),
                (t.t("field-family-name"), c.family_name.clone()),
                (t.t("field-phone"), c.phone.clone()),
                (t.t("staff-status"), c.status.as_str().to_owned()),
            ],
            id: c.id,
            access,
            actions,
        }),
        ..page
    };
    no_store(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

impl WithCsrf for ReasonForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// ACC-7: how an account ends, by the last segment of its form's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountEnd {
    Suspend,
    Close,
}

impl AccountEnd {
    fn parse(segment: &str) -> Option<AccountEnd> {
        match segment {
            "suspend" => Some(AccountEnd::Suspend),
            "close" => Some(AccountEnd::Close),
            _ => None,
        }
    }
}

/// ACC-7: suspend or close, with the reason e-mailed.
async fn end_account(
    State(state): State<AppState>,
    PagePath((_, id, action)): PagePath<(String, String, String)>,
    Posted { visit, form }: Posted<ReasonForm>,
) -> Response {
    let page = visit.page(&state, "staff-customer");
    let StaffVisit { lang, staff, .. } = visit;
    let Some(action) = AccountEnd::parse(&action) else {
        return refused(&state, lang, page, AppError::NotFound);
    };
    let done = match action {
        AccountEnd::Suspend => {
            backoffice::suspend_customer(&state.app, &staff.id, &id, &form.reason).await
        }
        AccountEnd::Close => {
            backoffice::close_customer(&state.app, &staff.id, &id, &form.reason).await
        }
    };
    match done {
        Ok(_) => Redirect::to(&format!("/{}/staff/customers/{id}", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

/// PRV-9: the contact form's questions, open ones first.
async fn tickets(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-tickets"), s.csrf).signed(t, &staff);
    let list = match contact::tickets(&state.app, &staff.id).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let tz = &state.app.profile.time_zone;
    let page = StaffPage {
        message: list.is_empty().then(|| t.t("staff-no-tickets")),
        tickets: list
            .into_iter()
            .map(|k| TicketView {
                meta: format!(
                    "{} — {} <{}> — {}",
                    k.id,
                    k.name,
                    k.email,
                    crate::storefront::legal::date(k.created_at_ms, lang, tz)
                ),
                id: k.id,
                subject: k.subject,
                message: k.message,
                answer: k.answer,
            })
            .collect(),
        ..page
    };
    no_store(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: String,
}

impl WithCsrf for AnswerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// PRV-9: the answer, e-mailed to the sender.
async fn answer(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<AnswerForm>,
) -> Response {
    let page = visit.page(&state, "staff-tickets");
    let StaffVisit { lang, staff, .. } = visit;
    match contact::answer(&state.app, &staff.id, &id, &form.answer).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/tickets", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

/// BSK-5: the quote requests.
async fn quotes(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-quotes"), s.csrf).signed(t, &staff);
    let list = match backoffice::quote_requests(&state.app, &staff.id).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let tz = &state.app.profile.time_zone;
    let page = StaffPage {
        message: list.is_empty().then(|| t.t("staff-no-quotes")),
        quotes: list
            .into_iter()
            .map(|q| {
                (
                    format!(
                        "{} {}",
                        crate::storefront::legal::date(q.created_at_ms, lang, tz),
                        q.id
                    ),
                    q.name,
                    q.company,
                    q.email,
                    q.message,
                )
            })
            .collect(),
        ..page
    };
    no_store(render(&page))
}

async fn logout(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    headers: HeaderMap,
    Form(form): Form<crate::storefront::account::CsrfForm>,
) -> Response {
    crate::storefront::account::end_session(&state, &lang, &headers, &form, "staff/login").await
}
