//! The pages that send a message: the contact form (PRV-9), and a piece or the house
//! recommended to a friend (PRV-4, for logged-in customers). One form template serves all
//! three; each form carries the session's token.

use super::account::{csrf_ok, fail, lang_of, no_store, session, with_cookie};
use super::{Layout, PageError, PagePath, render};
use crate::AppState;
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::contact::{self, ContactForm, ToFriend};
use ecrin_app::sessions::PageSession;
use ecrin_core::Lang;
use ecrin_core::refusal::RefusalKind;
use std::collections::HashMap;

struct Field {
    name: &'static str,
    label: String,
    kind: &'static str,
    autocomplete: &'static str,
    max: usize,
    required: bool,
    multiline: bool,
    value: String,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    intro: String,
    action: String,
    csrf: String,
    fields: Vec<Field>,
    submit: String,
    errors: Vec<(String, String)>,
    sent: Option<String>,
    back_href: String,
    back_label: String,
    /// WAR-3, WAR-5 (the contact page): how complaints are handled.
    complaints: Vec<String>,
}

/// Which message a page sends.
#[derive(Clone, Copy)]
enum Kind<'a> {
    Contact,
    Product(&'a str),
    Recommend,
}

const CONTACT_FIELDS: [(&str, &str, &str, usize, bool, bool); 4] = [
    ("name", "text", "name", 200, true, false),
    ("email", "email", "email", 254, true, false),
    ("subject", "text", "off", 200, true, false),
    ("message", "text", "off", 5_000, true, true),
];
const FRIEND_FIELDS: [(&str, &str, &str, usize, bool, bool); 3] = [
    ("friend_name", "text", "off", 100, false, false),
    ("friend_email", "email", "off", 254, true, false),
    ("message", "text", "off", 500, false, true),
];

fn fields(t: Tr, kind: Kind<'_>, values: &HashMap<String, String>) -> Vec<Field> {
    let spec: &[(&str, &str, &str, usize, bool, bool)] = match kind {
        Kind::Contact => &CONTACT_FIELDS,
        _ => &FRIEND_FIELDS,
    };
    spec.iter()
        .map(
            |(name, kind, autocomplete, max, required, multiline)| Field {
                name,
                label: t.t(&format!("field-{}", name.replace('_', "-"))),
                kind,
                autocomplete,
                max: *max,
                required: *required,
                multiline: *multiline,
                value: values.get(*name).cloned().unwrap_or_default(),
            },
        )
        .collect()
}

async fn page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    kind: Kind<'_>,
    values: &HashMap<String, String>,
) -> Result<FormPage, AppError> {
    let t = Tr::new(lang);
    let code = lang.code();
    let (heading, intro, action, back_href, back_label) = match kind {
        Kind::Contact => (
            t.t("contact-title"),
            t.t("contact-intro"),
            format!("/{code}/contact"),
            format!("/{code}/"),
            t.t("error-back-home"),
        ),
        Kind::Product(slug) => {
            let name = ecrin_app::catalogue::product(&state.app, slug)
                .await?
                .map(|p| p.name.get(lang).to_owned())
                .ok_or(AppError::NotFound)?;
            (
                t.with("friend-product-title", &[("name", name.clone())]),
                t.t("friend-intro"),
                format!("/{code}/products/{slug}/share"),
                format!("/{code}/products/{slug}"),
                name,
            )
        }
        Kind::Recommend => (
            t.t("friend-recommend-title"),
            t.t("friend-intro"),
            format!("/{code}/recommend"),
            format!("/{code}/account"),
            t.t("account-title"),
        ),
    };
    Ok(FormPage {
        layout: Layout::new(&state.app.profile, lang, uri, heading.clone()),
        heading,
        intro,
        action,
        csrf: s.csrf.clone(),
        fields: fields(t, kind, values),
        submit: match kind {
            Kind::Contact => t.t("contact-submit"),
            _ => t.t("friend-submit"),
        },
        errors: Vec::new(),
        sent: None,
        complaints: match kind {
            Kind::Contact => ecrin_app::claims::complaint_paragraphs(&state.app, t),
            _ => Vec::new(),
        },
        back_href,
        back_label,
    })
}

async fn show(
    state: &AppState,
    lang: &str,
    uri: &Uri,
    headers: &HeaderMap,
    kind: Kind<'_>,
) -> Response {
    let lang = match lang_of(state, lang) {
        Ok(l) => l,
        Err(e) => return fail(state, e),
    };
    let (s, cookie) = match session(state, headers).await {
        Ok(v) => v,
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    if !matches!(kind, Kind::Contact) && s.customer_id.is_none() {
        let next = urlencoding::encode(uri.path()).into_owned();
        let to = format!("/{}/account/login?next={next}", lang.code());
        return with_cookie(Redirect::to(&to).into_response(), cookie);
    }
    let mut values = HashMap::new();
    if let Some(id) = &s.customer_id
        && let Ok(Some(c)) = ecrin_app::customers::customer(&state.app, id).await
    {
        values.insert(
            "name".to_owned(),
            format!("{} {}", c.given_name, c.family_name),
        );
        values.insert("email".to_owned(), c.email);
    }
    match page(state, lang, uri, &s, kind, &values).await {
        Ok(p) => with_cookie(no_store(render(&p)), cookie),
        Err(e) => fail(state, PageError::from_app(lang, e)),
    }
}

async fn send(
    state: &AppState,
    lang: &str,
    uri: &Uri,
    headers: &HeaderMap,
    kind: Kind<'_>,
    values: HashMap<String, String>,
) -> Response {
    let lang = match lang_of(state, lang) {
        Ok(l) => l,
        Err(e) => return fail(state, e),
    };
    let t = Tr::new(lang);
    let (s, cookie) = match session(state, headers).await {
        Ok(v) => v,
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    let mut p = match page(state, lang, uri, &s, kind, &values).await {
        Ok(p) => p,
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&s, &get("csrf")) {
        p.errors = vec![(String::new(), t.t("error-form-expired"))];
        return with_cookie((StatusCode::FORBIDDEN, render(&p)).into_response(), cookie);
    }
    let friend = ToFriend {
        friend_email: get("friend_email"),
        friend_name: get("friend_name"),
        message: get("message"),
    };
    let result = match (kind, s.customer_id.as_deref()) {
        (Kind::Contact, customer) => {
            let form = ContactForm {
                name: get("name"),
                email: get("email"),
                subject: get("subject"),
                message: get("message"),
            };
            contact::contact(&state.app, customer, form, lang)
                .await
                .map(|reference| t.with("contact-sent", &[("reference", reference)]))
        }
        (Kind::Product(slug), Some(id)) => {
            contact::share_product(&state.app, id, slug, &friend, lang)
                .await
                .map(|()| t.t("friend-sent"))
        }
        (Kind::Recommend, Some(id)) => contact::recommend(&state.app, id, &friend, lang)
            .await
            .map(|()| t.t("friend-sent")),
        (_, None) => {
            let to = format!("/{}/account/login", lang.code());
            return with_cookie(Redirect::to(&to).into_response(), cookie);
        }
    };
    let (status, p) = match result {
        Ok(done) => {
            p.sent = Some(done);
            (StatusCode::OK, p)
        }
        Err(AppError::Invalid(errors)) => {
            p.errors = super::field_messages(t, &errors);
            (StatusCode::BAD_REQUEST, p)
        }
        Err(AppError::Refused(r)) if r.kind == RefusalKind::RateLimited => {
            p.errors = vec![(String::new(), t.t("error-messages-rate_limited"))];
            (StatusCode::TOO_MANY_REQUESTS, p)
        }
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    let mut response = (status, no_store(render(&p))).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("3600"),
        );
    }
    with_cookie(response, cookie)
}

pub(crate) async fn contact_form(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    show(&state, &lang, &uri, &headers, Kind::Contact).await
}

pub(crate) async fn contact(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    send(&state, &lang, &uri, &headers, Kind::Contact, values).await
}

pub(crate) async fn share_form(
    State(state): State<AppState>,
    PagePath((lang, slug)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    show(&state, &lang, &uri, &headers, Kind::Product(&slug)).await
}

pub(crate) async fn share(
    State(state): State<AppState>,
    PagePath((lang, slug)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    send(&state, &lang, &uri, &headers, Kind::Product(&slug), values).await
}

pub(crate) async fn recommend_form(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    show(&state, &lang, &uri, &headers, Kind::Recommend).await
}

pub(crate) async fn recommend(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    send(&state, &lang, &uri, &headers, Kind::Recommend, values).await
}

/// WAR-3, WAR-5: the complaints page is the contact page's section on complaints.
pub(crate) async fn complaints(
    State(state): State<AppState>,
    PagePath(segment): PagePath<String>,
) -> Response {
    match lang_of(&state, &segment) {
        Ok(lang) => Redirect::to(&format!("/{}/contact#complaints", lang.code())).into_response(),
        Err(e) => fail(&state, e),
    }
}
