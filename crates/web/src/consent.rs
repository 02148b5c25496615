//! PRV-6: the cookie consent banner. Until the visitor chooses, every page carries the
//! banner and the shop sets strictly necessary cookies only; "accept all" and "refuse
//! all" are two equal buttons, the purposes can be chosen one by one, and the choice is
//! asked again once older than the profile's retention. It works without JavaScript.

use crate::AppState;
use crate::cookies::{self, Consent, CookieCategory, Setting};
use crate::i18n::Tr;
use crate::storefront::url_lang;
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_core::Lang;
use serde::Deserialize;

/// Largest page the banner is added to; larger bodies pass unchanged.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn cookie_header(headers: &HeaderMap) -> &str {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The visitor's standing choice, if any and still within the retention.
pub(crate) fn of(state: &AppState, headers: &HeaderMap) -> Option<Consent> {
    Consent::read(
        cookie_header(headers),
        state.app.clock.now_ms(),
        state.app.profile.privacy.cookie_retention_days,
    )
}

#[derive(Debug)]
pub(crate) struct Purpose {
    key: &'static str,
    label: String,
    text: String,
    checked: bool,
}

/// The choice form: in the banner, and on the cookie policy page to change one's mind.
#[derive(Template)]
#[template(path = "consent.html")]
pub(crate) struct ConsentForm {
    t: Tr,
    banner: bool,
    next: String,
    purposes: Vec<Purpose>,
}

impl ConsentForm {
    pub(crate) fn new(lang: Lang, banner: bool, next: &str, current: Option<Consent>) -> Self {
        let t = Tr::new(lang);
        // Only the purposes some cookie of the list serves are asked about.
        let purposes = CookieCategory::OPTIONAL
            .into_iter()
            .filter(|c| cookies::ALL.iter().any(|k| k.category == *c))
            .map(|c| Purpose {
                key: c.key(),
                label: t.t(&format!("consent-{}", c.key())),
                text: t.t(&format!("consent-{}-text", c.key())),
                checked: current.is_some_and(|k| k.allows(c)),
            })
            .collect();
        ConsentForm {
            t,
            banner,
            next: next.to_owned(),
            purposes,
        }
    }

    pub(crate) fn html(&self) -> String {
        self.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "consent form failed");
            String::new()
        })
    }
}

/// Adds the banner to every HTML page while the visitor has not chosen.
pub(crate) async fn banner(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let asks = !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && !path.starts_with("/media/")
        && !path.contains("/legal/cookies")
        && of(&state, req.headers()).is_none();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !asks || !is_html {
        return response;
    }
    // A page too large to hold in memory whole, or of a length not known before it is
    // read, goes out without the banner rather than not at all (the banner shows on the
    // visitor's next page).
    let (mut parts, body) = response.into_parts();
    let length = axum::body::HttpBody::size_hint(&body).exact();
    if length.is_none_or(|n| n > MAX_PAGE_BYTES as u64) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The page could not be shown.",
        )
            .into_response();
    };
    let Ok(page) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let profile = &state.app.profile;
    let lang = path
        .get(1..3)
        .and_then(|seg| url_lang(profile, seg))
        .unwrap_or_else(|| profile.default_lang());
    let form = ConsentForm::new(lang, true, &target, None).html();
    let marker = "<header class=\"site-header\">";
    let html = match page.find(marker) {
        Some(at) => format!("{}{form}{}", &page[..at], &page[at..]),
        None => page.to_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChoiceForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    preferences: Option<String>,
    #[serde(default)]
    analytics: Option<String>,
    #[serde(default)]
    next: String,
}

/// A page of this shop to go back to: a local path, nothing else.
fn local(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() < 500
        && next.chars().all(|c| c.is_ascii_graphic());
    if ok { next } else { "/" }
}

/// Records the choice in its cookie and removes the cookies of refused purposes.
pub(crate) async fn choose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ChoiceForm>,
) -> Response {
    // No session exists to hold a token: the browser's own statement of where the form
    // came from is what refuses a choice made for the visitor by another site.
    if !crate::storefront::same_site(&headers, &state.app.public_url) {
        return (
            StatusCode::FORBIDDEN,
            "This form must be sent from the shop.",
        )
            .into_response();
    }
    let now = state.app.clock.now_ms();
    let consent = match form.choice.as_str() {
        "all" => Consent::new(true, true, now),
        "none" => Consent::new(false, false, now),
        _ => Consent::new(form.preferences.is_some(), form.analytics.is_some(), now),
    };
    let setting = Setting::of(&state);
    let mut response = Redirect::to(local(&form.next)).into_response();
    let mut set = vec![cookies::CONSENT.set(setting, &consent.encode())];
    for spec in cookies::ALL {
        if !consent.allows(spec.category) && spec.read(cookie_header(&headers)).is_some() {
            set.push(spec.clear());
        }
    }
    for c in set {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
