//! The storefront: server-rendered pages that work without JavaScript (CAT-5, CAT-6,
//! GTS-1, GTS-2, GTS-4).

pub(crate) mod account;
mod basket;
pub(crate) mod checkout;
pub(crate) mod legal;
mod messages;
mod my_account;
mod sandbox;
mod withdraw;

use crate::cookies;
use crate::i18n::{Tr, negotiate};
use crate::picture::Picture;
use crate::{AppState, rawquery, reads};
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ecrin_app::AppError;
use ecrin_app::model::{ProductSummary, Reference};
use ecrin_core::catalogue::{Availability, Category, Slug, product_availability, reference_price};
use ecrin_core::query::{CatalogueQuery, FieldError, encode_cursor};
use ecrin_core::{Lang, Profile};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/language/{lang}", get(choose_language))
        .route("/consent", post(crate::consent::choose))
        .route("/static/{file}", get(static_file))
        .route("/pay/{number}", get(sandbox::pay))
        .route(
            "/payments/lyra/return",
            get(sandbox::lyra_return_query).post(sandbox::lyra_return_form),
        )
        .route(
            "/sandbox/pay/{payment_id}",
            get(sandbox::page).post(sandbox::submit),
        )
        .route(
            "/sandbox/pay/{payment_id}/challenge",
            get(sandbox::challenge).post(sandbox::answer),
        )
        .route("/media/products/{file}", get(product_picture))
        .route("/media/photos/{file}", get(product_photo))
        .route("/{lang}", get(home))
        .route("/{lang}/", get(home))
        .route("/{lang}/catalogue", get(catalogue))
        .route("/{lang}/products/{slug}", get(product))
        .route("/{lang}/legal/terms", get(legal::terms))
        .route("/{lang}/legal/terms.txt", get(legal::terms_download))
        .route("/{lang}/legal/privacy", get(legal::privacy))
        .route("/{lang}/legal/cookies", get(legal::cookies))
        .route("/{lang}/legal/notice", get(legal::notice))
        .route("/{lang}/account", get(my_account::home))
        .route("/{lang}/account/identity", post(my_account::save_identity))
        .route("/{lang}/account/addresses", post(my_account::add_address))
        .route(
            "/{lang}/account/addresses/{id}",
            post(my_account::address_action),
        )
        .route("/{lang}/account/export", get(my_account::export))
        .route("/{lang}/account/erase", post(my_account::erase))
        .route(
            "/{lang}/unsubscribe/{token}",
            get(account::unsubscribe_form).post(account::unsubscribe),
        )
        .route("/{lang}/account/consents", post(my_account::save_choices))
        .route(
            "/{lang}/checkout",
            get(checkout::form).post(checkout::submit),
        )
        .route("/{lang}/checkout/{id}", get(checkout::summary))
        .route("/{lang}/checkout/{id}/order", post(checkout::place))
        .route("/{lang}/account/orders/{number}", get(checkout::order_page))
        .route(
            "/{lang}/account/orders/{number}/refunds/{id}",
            post(checkout::refund_choice),
        )
        .route(
            "/{lang}/account/orders/{number}/redelivery",
            post(checkout::redelivery),
        )
        .route(
            "/{lang}/account/orders/{number}/late-delivery",
            post(checkout::late_delivery),
        )
        .route(
            "/{lang}/account/orders/{number}/claims",
            post(checkout::claim).layer(axum::extract::DefaultBodyLimit::max(
                ecrin_app::claims::MAX_PHOTOS * ecrin_app::claims::MAX_PHOTO_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/{lang}/account/orders/{number}/claims/{id}/photos/{photo}",
            get(checkout::claim_photo),
        )
        .route(
            "/{lang}/account/orders/{number}/stock-outs/{id}",
            post(checkout::stock_out_choice),
        )
        .route(
            "/{lang}/account/orders/{number}/{document}",
            get(checkout::order_document),
        )
        .route("/{lang}/basket", get(basket::page))
        .route("/{lang}/basket/items", post(basket::add))
        .route("/{lang}/basket/lines/{line}", post(basket::change_line))
        .route(
            "/{lang}/account/activate",
            get(account::activate_form).post(account::activate),
        )
        .route("/{lang}/account/logout", post(account::logout))
        .route(
            "/{lang}/account/reset",
            get(account::reset_form).post(account::reset),
        )
}

/// The login page, coming back to `next` once logged in when there is one (ACC-6).
pub(crate) fn login_redirect(lang: Lang, next: Option<&str>) -> Response {
    let to = match next {
        Some(n) => format!("/{}/account/login?next={n}", lang.code()),
        None => format!("/{}/account/login", lang.code()),
    };
    Redirect::to(&to).into_response()
}

/// The pages that guess credentials or send e-mail: rate-limited per client address.
pub(crate) fn guarded_routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/withdraw", get(withdraw::page).post(withdraw::step))
        .route(
            "/{lang}/withdraw/confirm",
            get(withdraw::confirm_page).post(withdraw::confirm),
        )
        .route(
            "/{lang}/account/sign-up",
            get(account::sign_up_form).post(account::sign_up),
        )
        .route(
            "/{lang}/account/login",
            get(account::login_form).post(account::login),
        )
        .route(
            "/{lang}/account/forgot",
            get(account::forgot_form).post(account::forgot),
        )
        .route("/{lang}/quote", get(basket::quote_form).post(basket::quote))
        .route(
            "/{lang}/contact",
            get(messages::contact_form).post(messages::contact),
        )
        .route("/{lang}/complaints", get(messages::complaints))
        .route(
            "/{lang}/products/{slug}/share",
            get(messages::share_form).post(messages::share),
        )
        .route(
            "/{lang}/recommend",
            get(messages::recommend_form).post(messages::recommend),
        )
}

/// A link to the same page in another language.
#[derive(Debug)]
pub(crate) struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    /// Through `/language/…`, which remembers the choice.
    pub href: String,
    /// The page itself in that language.
    pub path: String,
    pub current: bool,
}

/// What every page's frame needs.
#[derive(Debug)]
pub(crate) struct Layout {
    pub t: Tr,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub langs: Vec<LangLink>,
    pub q: String,
    /// The page loads itself again after these seconds (a payment being confirmed).
    pub refresh_s: Option<u32>,
}

impl Layout {
    pub fn new(profile: &Profile, lang: Lang, uri: &Uri, title: String) -> Layout {
        let t = Tr::new(lang);
        // The path after the language segment, with its query: `/catalogue?q=x`.
        let path = uri.path();
        let rest = path.get(3..).unwrap_or("/");
        let rest = if rest.is_empty() { "/" } else { rest };
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let langs = profile
            .languages
            .iter()
            .map(|l| {
                let target = format!("/{}{rest}{query}", l.code());
                LangLink {
                    code: l.code(),
                    name: l.endonym(),
                    href: format!(
                        "/language/{}?next={}",
                        l.code(),
                        urlencoding::encode(&target)
                    ),
                    path: target,
                    current: *l == lang,
                }
            })
            .collect();
        Layout {
            t,
            shop_name: profile.shop_name.clone(),
            description: t.t("home-lede"),
            title,
            langs,
            q: String::new(),
            refresh_s: None,
        }
    }
}

/// Errors of the pages, shown as pages in the visitor's language.
#[derive(Debug)]
pub(crate) enum PageError {
    NotFound(Lang),
    BadRequest(Lang, String),
    /// The database cannot be reached or written now.
    Unavailable(Lang),
    Internal(Lang),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    text: String,
}

impl PageError {
    pub(crate) fn from_app(lang: Lang, e: AppError) -> PageError {
        match e {
            AppError::NotFound => PageError::NotFound(lang),
            // PAY-1: the payment provider did not answer; the customer may try again.
            AppError::Refused(r) if r.kind == ecrin_core::refusal::RefusalKind::Unavailable => {
                PageError::Unavailable(lang)
            }
            AppError::Invalid(errors) => PageError::BadRequest(lang, field_errors_text(&errors)),
            AppError::Refused(r) => PageError::BadRequest(lang, r.detail),
            AppError::PriceChanged { refusal, .. } => PageError::BadRequest(lang, refusal.detail),
            AppError::Store(e @ ecrin_app::model::StoreError::Unavailable(_)) => {
                if e.is_still_away() {
                    tracing::debug!(error = %e, "database unavailable on a page");
                } else {
                    tracing::warn!(error = %e, "database unavailable on a page");
                }
                PageError::Unavailable(lang)
            }
            AppError::Store(e) => {
                tracing::error!(error = ?e, "store error on a page");
                PageError::Internal(lang)
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error on a page");
                PageError::Internal(lang)
            }
        }
    }

    pub(crate) fn render(self, profile: &Profile) -> Response {
        let (lang, status, heading, text) = match self {
            PageError::NotFound(l) => {
                let t = Tr::new(l);
                (
                    l,
                    StatusCode::NOT_FOUND,
                    t.t("error-not-found-title"),
                    t.t("error-not-found-text"),
                )
            }
            PageError::BadRequest(l, detail) => {
                let t = Tr::new(l);
                let text = t.with("error-bad-request-text", &[("detail", detail)]);
                (
                    l,
                    StatusCode::BAD_REQUEST,
                    t.t("error-bad-request-title"),
                    text,
                )
            }
            PageError::Internal(l) => {
                let t = Tr::new(l);
                (
                    l,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t.t("error-server-title"),
                    t.t("error-server-text"),
                )
            }
            PageError::Unavailable(l) => {
                let t = Tr::new(l);
                (
                    l,
                    StatusCode::SERVICE_UNAVAILABLE,
                    t.t("error-unavailable-title"),
                    t.t("error-unavailable-text"),
                )
            }
        };
        let uri = Uri::from_static("/");
        let page = ErrorPage {
            layout: Layout::new(profile, lang, &uri, heading.clone()),
            heading,
            text,
        };
        let mut response = (status, render(&page)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// Renders a template; a template error is logged and becomes a plain 500.
pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.",
            )
                .into_response()
        }
    }
}

/// A path parameter of a page whose rejection (bad UTF-8) is an error page, not text.
pub(crate) struct PagePath<T>(pub T);

impl<T> axum::extract::FromRequestParts<AppState> for PagePath<T>
where
    Path<T>: axum::extract::FromRequestParts<
            AppState,
            Rejection = axum::extract::rejection::PathRejection,
        >,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PagePath(v)),
            Err(e) => {
                let profile = &state.app.profile;
                let lang = parts
                    .uri
                    .path()
                    .get(1..3)
                    .and_then(|seg| url_lang(profile, seg))
                    .unwrap_or_else(|| profile.default_lang());
                Err(PageError::BadRequest(lang, e.body_text()).render(profile))
            }
        }
    }
}

/// A page handler's result: the page, or an error page.
pub(crate) struct PageResult(Result<Response, PageError>, AppState);

impl IntoResponse for PageResult {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(r) => r,
            Err(e) => e.render(&self.1.app.profile),
        }
    }
}

fn cookie_header(headers: &HeaderMap) -> &str {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// A form posted by a page of this shop: browsers say where a form came from, and a post
/// from another site is refused. Used where a visitor has no session yet, so no token.
/// The origin is compared with the shop's public address (`ECRIN_PUBLIC_URL`), never with
/// `Host`, which a reverse proxy may rewrite to its upstream's address.
pub(crate) fn same_site(headers: &HeaderMap, public_url: &str) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site").is_some_and(|s| s == "cross-site") {
        return false;
    }
    match get("origin") {
        Some(origin) => {
            let ours = crate::client::origin_of(public_url);
            ours.is_some() && crate::client::origin_of(origin) == ours
        }
        None => true,
    }
}

/// The visitor's language when the URL does not say it.
fn visitor_lang(profile: &Profile, headers: &HeaderMap) -> Lang {
    let chosen = cookies::LANGUAGE.read(cookie_header(headers));
    negotiate(profile, chosen, accept_language(headers))
}

/// The language of a `/{lang}/…` URL, when the shop speaks it.
pub(crate) fn url_lang(profile: &Profile, segment: &str) -> Option<Lang> {
    segment
        .parse::<Lang>()
        .ok()
        .filter(|l| profile.speaks(*l) && segment.len() == 2)
}

async fn root(State(state): State<AppState>, headers: HeaderMap) -> Redirect {
    let lang = visitor_lang(&state.app.profile, &headers);
    Redirect::to(&format!("/{}/", lang.code()))
}

/// Remembers the customer's language choice and goes back to the page in that language.
async fn choose_language(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let profile = &state.app.profile;
    let Some(lang) = url_lang(profile, &lang) else {
        return PageError::NotFound(profile.default_lang()).render(profile);
    };
    let next = rawquery::parse(raw.as_deref())
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v))
        // Only a page of this shop in the chosen language: never an open redirect.
        .filter(|n| {
            n.starts_with(&format!("/{}/", lang.code())) && !n.contains("//") && !n.contains('\\')
        })
        .unwrap_or_else(|| format!("/{}/", lang.code()));
    let mut response = Redirect::to(&next).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&cookies::LANGUAGE.set(cookies::Setting::of(&state), lang.code()))
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

async fn static_file(Path(file): Path<String>) -> Response {
    let Some(asset) = Assets::get(&file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = match file.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        Body::from(asset.data.into_owned()),
    )
        .into_response()
}

/// The generated drawing of a product, in its first variant's metal and stone.
/// A product photo's file. Its name is the SHA-256 of the image and its width, so it never
/// changes: cached for a year, its name as its ETag.
async fn product_photo(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let etag = format!("\"{file}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
        && ecrin_app::photos::path_of(&state.app.media_dir, &file).is_some()
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let Some(bytes) = ecrin_app::photos::read(&state.app, &file).await else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let content_type = if file.ends_with(".webp") {
        "image/webp"
    } else {
        "image/jpeg"
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
            (header::ETAG, etag),
        ],
        bytes,
    )
        .into_response()
}

async fn product_picture(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let slug = file.strip_suffix(".svg").unwrap_or("");
    if Slug::parse(slug).is_none() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let product = match reads::product(&state, slug).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = ?e, "picture");
            return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
        }
    };
    let Some(p) = product.as_ref() else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let first = p.variants.first();
    let picture = Picture::new(
        &p.kind,
        first.map(|v| v.metal.as_str()).unwrap_or("yellow-gold"),
        first.and_then(|v| v.stone.as_deref()),
        p.name.get(state.app.profile.default_lang()).to_owned(),
    );
    match picture.render() {
        Ok(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            svg,
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "picture failed").into_response(),
    }
}

/// A product card in a grid.
#[derive(Debug)]
pub(crate) struct Card {
    pub slug: String,
    pub name: String,
    pub collection_name: String,
    pub price: String,
    pub availability: &'static str,
    pub availability_label: String,
    /// The first photograph: a JPEG, its `srcset` in JPEG and in WebP.
    pub photo: Option<(String, String, String)>,
}

fn card(t: Tr, p: &ProductSummary, collections: &[Reference]) -> Card {
    let price = t.with("price-from", &[("price", t.money(p.price_from))]);
    let availability_label = match (p.availability, p.lead_time_days) {
        (Availability::MadeToOrder, Some(days)) => t.count("lead-time", "days", days),
        (a, _) => t.t(&format!("availability-{}", a.as_str())),
    };
    Card {
        slug: p.slug.clone(),
        name: p.name.get(t.lang).to_owned(),
        collection_name: reads::label(collections, &p.collection, t.lang),
        price,
        availability: p.availability.as_str(),
        availability_label,
        photo: p.photo.as_ref().map(|(hash, widths)| {
            use ecrin_app::photos::url;
            let srcset = |ext: &str| {
                widths
                    .iter()
                    .map(|w| format!("{} {w}w", url(hash, *w, ext)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let src = widths.first().copied().unwrap_or(480);
            (url(hash, src, "jpg"), srcset("jpg"), srcset("webp"))
        }),
    }
}

#[derive(Debug)]
struct CollectionCard {
    slug: String,
    name: String,
    description: String,
    cover: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    collections: Vec<CollectionCard>,
    featured: Vec<Card>,
    /// The pieces seen lately (a preferences cookie, with consent).
    recent: Vec<Card>,
}

async fn home(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> PageResult {
    // PRV-6: the recently seen pieces are read only with the visitor's consent.
    let recent = crate::consent::of(&state, &headers)
        .filter(|c| c.preferences)
        .map(|_| recent_slugs(&headers))
        .unwrap_or_default();
    let result = home_page(&state, &lang, &uri, &recent).await;
    PageResult(result, state)
}

async fn home_page(
    state: &AppState,
    lang: &str,
    uri: &Uri,
    recent: &[String],
) -> Result<Response, PageError> {
    let profile = &state.app.profile;
    let lang = url_lang(profile, lang).ok_or(PageError::NotFound(profile.default_lang()))?;
    let t = Tr::new(lang);
    let refs = reads::references(state)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let mut query = CatalogueQuery::new();
    query.page_size = 100;
    let all = reads::product_page(state, &query)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let collections = refs[0]
        .iter()
        .map(|c| CollectionCard {
            slug: c.slug.clone(),
            name: c.name.get(lang).to_owned(),
            description: c.description.get(lang).to_owned(),
            cover: all
                .items
                .iter()
                .find(|p| p.collection == c.slug)
                .map(|p| p.slug.clone())
                .unwrap_or_default(),
        })
        .collect();
    // One piece in stock from each collection, then the next ones, eight in all.
    let mut featured: Vec<&ProductSummary> = Vec::new();
    for c in refs[0].iter() {
        if let Some(p) = all
            .items
            .iter()
            .find(|p| p.collection == c.slug && p.availability == Availability::InStock)
        {
            featured.push(p);
        }
    }
    for p in &all.items {
        if featured.len() >= 8 {
            break;
        }
        if !featured.iter().any(|f| f.slug == p.slug) {
            featured.push(p);
        }
    }
    let page = HomePage {
        layout: Layout::new(profile, lang, uri, t.t("home-title")),
        collections,
        featured: featured
            .into_iter()
            .take(8)
            .map(|p| card(t, p, &refs[0]))
            .collect(),
        recent: recent
            .iter()
            .filter_map(|slug| all.items.iter().find(|p| &p.slug == slug))
            .map(|p| card(t, p, &refs[0]))
            .collect(),
    };
    Ok(render(&page))
}

#[derive(Debug)]
struct SelectOption {
    value: String,
    label: String,
    count: i64,
    selected: bool,
}

#[derive(Debug)]
struct Select {
    name: &'static str,
    label: String,
    options: Vec<SelectOption>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    layout: Layout,
    search_echo: String,
    result_count: String,
    selects: Vec<Select>,
    price_min: String,
    price_max: String,
    products: Vec<Card>,
    next_href: Option<String>,
}

/// The page's form speaks euros (`price_min`, `price_max`); the query speaks cents.
fn page_pairs(pairs: &[(String, String)]) -> Result<Vec<(String, String)>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "price_min" | "price_max" => {
                let v = v.trim();
                if v.is_empty() {
                    continue;
                }
                match v.parse::<i64>() {
                    Ok(euros) if (0..=100_000_000).contains(&euros) => {
                        let key = if k == "price_min" {
                            "min_price"
                        } else {
                            "max_price"
                        };
                        out.push((key.to_owned(), (euros * 100).to_string()));
                    }
                    _ => errors.push(FieldError {
                        field: k.clone(),
                        reason: "invalid_amount",
                    }),
                }
            }
            "min_price" | "max_price" => {}
            _ => out.push((k.clone(), v.clone())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Refused fields as a form shows them: (the field, "Field: reason" in the visitor's
/// language).
pub(crate) fn field_messages(t: Tr, errors: &[FieldError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| {
            // `delivery_address.line1`: the group, then the field.
            let label = |name: &str| t.t(&format!("field-{}", name.replace('_', "-")));
            let field = match e.field.rsplit_once('.') {
                Some((group, name)) => format!("{} · {}", label(group), label(name)),
                None => label(&e.field),
            };
            let reason = t.t(&format!("reason-{}", e.reason));
            (
                e.field.clone(),
                t.with("error-field", &[("field", field), ("reason", reason)]),
            )
        })
        .collect()
}

fn field_errors_text(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} ({})", e.field, e.reason))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn catalogue(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let result = catalogue_page(&state, &lang, &uri, raw.as_deref()).await;
    PageResult(result, state)
}

async fn catalogue_page(
    state: &AppState,
    lang: &str,
    uri: &Uri,
    raw: Option<&str>,
) -> Result<Response, PageError> {
    let profile = &state.app.profile;
    let lang = url_lang(profile, lang).ok_or(PageError::NotFound(profile.default_lang()))?;
    let t = Tr::new(lang);
    let bad = |e: Vec<FieldError>| PageError::BadRequest(lang, field_errors_text(&e));
    let pairs = rawquery::parse(raw).map_err(bad)?;
    let pairs = page_pairs(&pairs).map_err(bad)?;
    let mut query =
        CatalogueQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(bad)?;
    if !pairs.iter().any(|(k, _)| k == "page[size]") {
        query.page_size = 24;
    }
    let page = reads::product_page(state, &query)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let refs = reads::references(state)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let [collections, materials, stones] = refs.as_ref();
    let count_of = |facet: &[ecrin_app::model::FacetCount], value: &str| {
        facet
            .iter()
            .find(|f| f.value == value)
            .map(|f| f.count)
            .unwrap_or(0)
    };
    let select = |name: &'static str,
                  label: &str,
                  list: &[Reference],
                  facet: &[ecrin_app::model::FacetCount],
                  current: Option<&str>| Select {
        name,
        label: t.t(label),
        options: list
            .iter()
            .map(|r| SelectOption {
                value: r.slug.clone(),
                label: r.name.get(lang).to_owned(),
                count: count_of(facet, &r.slug),
                selected: current == Some(r.slug.as_str()),
            })
            .collect(),
    };
    let availability = Select {
        name: "availability",
        label: t.t("filter-availability"),
        options: Availability::ALL
            .iter()
            .map(|a| SelectOption {
                value: a.as_str().to_owned(),
                label: t.t(&format!("availability-{}", a.as_str())),
                count: count_of(&page.facets.availability, a.as_str()),
                selected: query.availability == Some(*a),
            })
            .collect(),
    };
    let selects = vec![
        select(
            "collection",
            "filter-collection",
            collections,
            &page.facets.collection,
            query.collection.as_ref().map(Slug::as_str),
        ),
        select(
            "material",
            "filter-material",
            materials,
            &page.facets.material,
            query.material.as_ref().map(Slug::as_str),
        ),
        select(
            "stone",
            "filter-stone",
            stones,
            &page.facets.stone,
            query.stone.as_ref().map(Slug::as_str),
        ),
        availability,
    ];
    let next_href = page.next_after.map(|after| {
        let mut qs: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "page[after]" && k != "min_price" && k != "max_price")
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect();
        for (k, v) in [
            ("price_min", query.min_price),
            ("price_max", query.max_price),
        ] {
            if let Some(v) = v {
                qs.push(format!("{k}={}", v / 100));
            }
        }
        qs.push(format!("page%5Bafter%5D={}", encode_cursor(after)));
        format!("/{}/catalogue?{}", lang.code(), qs.join("&"))
    });
    let mut layout = Layout::new(profile, lang, uri, t.t("catalogue-title"));
    layout.q = query.q.clone().unwrap_or_default();
    let page_view = CataloguePage {
        search_echo: t.with("catalogue-search-results", &[("q", layout.q.clone())]),
        result_count: t.count("catalogue-results", "count", page.total),
        layout,
        selects,
        price_min: query
            .min_price
            .map(|c| (c / 100).to_string())
            .unwrap_or_default(),
        price_max: query
            .max_price
            .map(|c| (c / 100).to_string())
            .unwrap_or_default(),
        products: page.items.iter().map(|p| card(t, p, collections)).collect(),
        next_href,
    };
    Ok(render(&page_view))
}

#[derive(Debug)]
struct VariantRow {
    sku: String,
    metal: String,
    stone: String,
    size: String,
    price: String,
    list_price: Option<String>,
    lowest: Option<String>,
    availability: &'static str,
    availability_label: String,
    /// The option's text in the add-to-basket choice.
    option: String,
    buyable: bool,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    layout: Layout,
    slug: String,
    name: String,
    description: String,
    picture_alt: String,
    /// Its photographs; without any, the drawing stands in.
    photos: Vec<PhotoView>,
    collection_slug: String,
    collection_name: String,
    collection_label: String,
    price_line: String,
    vat_line: String,
    availability: &'static str,
    availability_line: String,
    custom_made: bool,
    has_stone: bool,
    variants: Vec<VariantRow>,
    /// The add-to-basket form: the session's token, empty for a visitor without one.
    csrf: String,
    personalisable: bool,
    engraving_max: u32,
    engraving_hint: String,
    max_quantity: u32,
    any_buyable: bool,
}

/// A photograph as the product page lays it out: every width in WebP and JPEG for the
/// browser to choose from, and the largest for the zoom.
pub(crate) struct PhotoView {
    alt: String,
    src: String,
    jpg_srcset: String,
    webp_srcset: String,
    width: i64,
    height: i64,
    large: String,
}

impl PhotoView {
    pub(crate) fn new(p: &ecrin_app::model::ProductPhoto, alt: String) -> PhotoView {
        use ecrin_app::photos::url;
        let widths = p.widths();
        let srcset = |ext: &str| {
            widths
                .iter()
                .map(|w| format!("{} {w}w", url(&p.hash, *w, ext)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let largest = widths.last().copied().unwrap_or(480);
        let middle = widths
            .iter()
            .copied()
            .filter(|w| *w <= 960)
            .max()
            .unwrap_or(largest);
        PhotoView {
            alt,
            src: url(&p.hash, middle, "jpg"),
            jpg_srcset: srcset("jpg"),
            webp_srcset: srcset("webp"),
            width: p.width,
            height: p.height,
            large: url(&p.hash, largest, "jpg"),
        }
    }
}

async fn product(
    State(state): State<AppState>,
    PagePath((lang, slug)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> PageResult {
    // Only a visitor who already has a session gets its token; none is started to look.
    let cookie = cookies::SESSION.read(cookie_header(&headers)).unwrap_or("");
    let csrf = match ecrin_app::sessions::load(&state.app, cookie).await {
        Ok(s) => s.map(|s| s.csrf).unwrap_or_default(),
        Err(e) => {
            let lang =
                url_lang(&state.app.profile, &lang).unwrap_or(state.app.profile.default_lang());
            return PageResult(Err(PageError::from_app(lang, e)), state);
        }
    };
    let result = product_page(&state, &lang, &slug, &uri, csrf)
        .await
        .map(|r| remember_visit(&state, &headers, &slug, r));
    PageResult(result, state)
}

async fn product_page(
    state: &AppState,
    lang: &str,
    slug: &str,
    uri: &Uri,
    csrf: String,
) -> Result<Response, PageError> {
    let profile = &state.app.profile;
    let lang = url_lang(profile, lang).ok_or(PageError::NotFound(profile.default_lang()))?;
    let t = Tr::new(lang);
    if Slug::parse(slug).is_none() {
        return Err(PageError::NotFound(lang));
    }
    let product = reads::product(state, slug)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let p = product.as_ref().as_ref().ok_or(PageError::NotFound(lang))?;
    let refs = reads::references(state)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let [collections, materials, stones] = refs.as_ref();
    let now = state.app.clock.now_ms();
    let days = profile.catalogue.reference_price_days;
    let variants: Vec<VariantRow> = p
        .variants
        .iter()
        .map(|v| {
            let lowest = reference_price(&v.price_history, now, days);
            let availability_label = match v.availability {
                Availability::InStock => t.count("product-in-stock", "count", v.on_hand),
                Availability::SoldOut => t.t("product-sold-out"),
                Availability::MadeToOrder => {
                    t.count("lead-time", "days", p.lead_time_days.unwrap_or(0))
                }
            };
            let metal = reads::label(materials, &v.metal, lang);
            let stone = v
                .stone
                .as_deref()
                .map(|s| reads::label(stones, s, lang))
                .unwrap_or_default();
            let size = v.size.clone().unwrap_or_else(|| t.t("product-no-size"));
            let option = [metal.as_str(), stone.as_str(), size.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            VariantRow {
                sku: v.sku.clone(),
                option: format!("{option} — {}", t.money(v.price)),
                buyable: v.availability.can_be_bought(),
                metal,
                stone,
                size,
                price: t.money(v.price),
                list_price: v
                    .list_price
                    .filter(|lp| *lp > v.price)
                    .map(|lp| t.money(lp)),
                lowest: lowest.map(|l| t.with("product-lowest-30", &[("price", t.money(l))])),
                availability: v.availability.as_str(),
                availability_label,
            }
        })
        .collect();
    let min = p.variants.iter().map(|v| v.price).min().unwrap_or(0);
    let max = p.variants.iter().map(|v| v.price).max().unwrap_or(0);
    let price_line = if min == max {
        t.money(min)
    } else {
        t.with("product-price-from", &[("price", t.money(min))])
    };
    let availability = product_availability(p.variants.iter().map(|v| v.availability));
    let availability_line = match availability {
        Availability::InStock => t.t("availability-in_stock"),
        Availability::SoldOut => t.t("product-sold-out"),
        Availability::MadeToOrder => t.count(
            "product-made-to-order",
            "days",
            p.lead_time_days.unwrap_or(0),
        ),
    };
    let name = p.name.get(lang).to_owned();
    let collection_name = reads::label(collections, &p.collection, lang);
    let mut layout = Layout::new(profile, lang, uri, name.clone());
    layout.description = p.description.get(lang).to_owned();
    let page = ProductPage {
        layout,
        slug: p.slug.clone(),
        picture_alt: t.with("product-picture-alt", &[("name", name.clone())]),
        photos: p
            .photos
            .iter()
            .map(|ph| {
                let alt = ph.alt();
                let text = alt.get(lang);
                PhotoView::new(
                    ph,
                    if text.is_empty() {
                        name.clone()
                    } else {
                        text.to_owned()
                    },
                )
            })
            .collect(),
        description: p.description.get(lang).to_owned(),
        collection_slug: p.collection.clone(),
        collection_label: t.with("product-collection", &[("name", collection_name.clone())]),
        collection_name,
        name,
        price_line,
        vat_line: t.with("product-vat", &[("rate", profile.vat_rate_percent())]),
        availability: availability.as_str(),
        availability_line,
        custom_made: p.category == Category::CustomMade,
        has_stone: p.variants.iter().any(|v| v.stone.is_some()),
        any_buyable: variants.iter().any(|v| v.buyable),
        variants,
        csrf,
        personalisable: p.personalisable,
        engraving_max: profile.catalogue.engraving_max_chars,
        engraving_hint: t.count(
            "basket-engraving-hint",
            "max",
            i64::from(profile.catalogue.engraving_max_chars),
        ),
        max_quantity: profile.basket.max_identical,
    };
    Ok(render(&page))
}

/// The pieces seen lately, newest first, from the [`cookies::RECENT`] cookie.
fn recent_slugs(headers: &HeaderMap) -> Vec<String> {
    cookies::RECENT
        .read(cookie_header(headers))
        .unwrap_or("")
        .split('.')
        .filter_map(Slug::parse)
        .map(|s| s.as_str().to_owned())
        .take(4)
        .collect()
}

/// PRV-6: with the visitor's consent only, a product page remembers the piece among the
/// recently seen (preferences) and counts the visitor once in the audience (analytics).
fn remember_visit(state: &AppState, headers: &HeaderMap, slug: &str, mut r: Response) -> Response {
    let Some(consent) = crate::consent::of(state, headers) else {
        return r;
    };
    let setting = cookies::Setting::of(state);
    let mut set = Vec::new();
    if consent.preferences && r.status().is_success() {
        let mut recent = recent_slugs(headers);
        recent.retain(|s| s != slug);
        recent.insert(0, slug.to_owned());
        recent.truncate(4);
        set.push(cookies::RECENT.set(setting, &recent.join(".")));
    }
    if consent.analytics
        && cookies::AUDIENCE.read(cookie_header(headers)).is_none()
        && let Ok(id) = ecrin_app::customers::random_hex(12)
    {
        set.push(cookies::AUDIENCE.set(setting, &id));
        metrics::with_local_recorder(&state.recorder, || {
            metrics::counter!("ecrin_audience_visitors_total").increment(1);
        });
    }
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// Anything unrouted: a problem under `/api`, a page elsewhere.
pub(crate) async fn not_found_fallback(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        return crate::ApiError::not_found().into_response();
    }
    let profile = &state.app.profile;
    let lang = uri
        .path()
        .get(1..3)
        .and_then(|seg| url_lang(profile, seg))
        .unwrap_or_else(|| visitor_lang(profile, &headers));
    PageError::NotFound(lang).render(profile)
}
