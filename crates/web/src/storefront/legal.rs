//! GTS-1, GTS-4, PRV-6: the terms of sale (versioned, downloadable), the privacy policy,
//! the cookie policy (from the list the code uses) and the legal notice.

use super::{Layout, PageError, PagePath, PageResult, render, url_lang};
use crate::AppState;
use crate::cookies::{self, CookieCategory};
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::model::TermsVersion;
use ecrin_core::Lang;

/// A heading or a paragraph of a legal text.
#[derive(Debug)]
pub(crate) struct Block {
    pub heading: bool,
    pub text: String,
}

fn blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| match b.strip_prefix("## ") {
            Some(h) => Block {
                heading: true,
                text: h.to_owned(),
            },
            None => Block {
                heading: false,
                text: b.to_owned(),
            },
        })
        .collect()
}

pub(crate) use ecrin_app::i18n::date;

fn language_name(t: Tr, lang: Lang) -> String {
    t.t(&format!("lang-name-{}", lang.code()))
}

#[derive(Template)]
#[template(path = "legal/terms.html")]
struct TermsPage {
    layout: Layout,
    version_line: Option<String>,
    prevails: String,
    fingerprint: String,
    blocks: Vec<Block>,
}

/// CHK-7: the version asked for (`?version=`, as linked from an order summary), else the
/// version in force.
async fn terms_in_force(
    state: &AppState,
    lang: Lang,
    query: Option<&str>,
) -> Result<Option<TermsVersion>, PageError> {
    let found = match super::account::query_param(query, "version") {
        Some(v) => ecrin_app::terms::version(&state.app, &v).await,
        None => ecrin_app::terms::version_in_force(&state.app).await,
    };
    found.map_err(|e| PageError::from_app(lang, e))
}

pub(crate) async fn terms(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> PageResult {
    let result = terms_page(&state, &lang, &uri, query.as_deref()).await;
    PageResult(result, state)
}

async fn terms_page(
    state: &AppState,
    lang: &str,
    uri: &Uri,
    query: Option<&str>,
) -> Result<Response, PageError> {
    let profile = &state.app.profile;
    let lang = url_lang(profile, lang).ok_or(PageError::NotFound(profile.default_lang()))?;
    let t = Tr::new(lang);
    let version = terms_in_force(state, lang, query).await?;
    if version.is_none() && query.is_some() {
        return Err(PageError::NotFound(lang));
    }
    let (version_line, blocks, fingerprint) = match &version {
        Some(v) => {
            let body = v.body.get(lang);
            (
                Some(t.with(
                    "legal-terms-version",
                    &[
                        ("version", v.version.clone()),
                        ("date", date(v.effective_from_ms, lang, &profile.time_zone)),
                    ],
                )),
                blocks(body),
                t.with(
                    "legal-terms-fingerprint",
                    &[("hash", ecrin_app::terms::sha256(body))],
                ),
            )
        }
        None => (None, Vec::new(), String::new()),
    };
    let page = TermsPage {
        layout: Layout::new(profile, lang, uri, t.t("legal-terms-title")),
        version_line,
        prevails: t.with(
            "legal-terms-prevails",
            &[("language", language_name(t, profile.prevailing_language))],
        ),
        fingerprint,
        blocks,
    };
    Ok(render(&page))
}

/// The exact text of the terms in force, as a file to keep.
pub(crate) async fn terms_download(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let result = async {
        let profile = &state.app.profile;
        let lang = url_lang(profile, &lang).ok_or(PageError::NotFound(profile.default_lang()))?;
        let t = Tr::new(lang);
        let v = terms_in_force(&state, lang, query.as_deref())
            .await?
            .ok_or(PageError::NotFound(lang))?;
        let body = format!(
            "{} — {}\n{}\n\n{}",
            profile.shop_name,
            t.t("legal-terms-title"),
            t.with(
                "legal-terms-version",
                &[
                    ("version", v.version.clone()),
                    ("date", date(v.effective_from_ms, lang, &profile.time_zone)),
                ],
            ),
            v.body.get(lang)
        );
        let filename = format!("terms-{}-{}-{}.txt", profile.id, v.version, lang.code());
        let mut response =
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        Ok(response)
    }
    .await;
    PageResult(result, state)
}

#[derive(Template)]
#[template(path = "legal/privacy.html")]
struct PrivacyPage {
    layout: Layout,
    blocks: Vec<Block>,
    /// PRV-1: each personal field and its purpose.
    fields: Vec<(String, String)>,
}

pub(crate) async fn privacy(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
) -> PageResult {
    let profile = &state.app.profile;
    let result = url_lang(profile, &lang)
        .ok_or(PageError::NotFound(profile.default_lang()))
        .map(|lang| {
            let t = Tr::new(lang);
            let days = profile.privacy.security_log_retention_days.to_string();
            let cookie_days = profile.privacy.cookie_retention_days.to_string();
            let p = |text: String| Block {
                heading: false,
                text,
            };
            let h = |key: &str| Block {
                heading: true,
                text: t.t(key),
            };
            let blocks = vec![
                p(t.with(
                    "privacy-intro",
                    &[("merchant", profile.merchant.legal_name.clone())],
                )),
                h("privacy-collected-title"),
                p(t.t("privacy-collected")),
                h("privacy-security-title"),
                p(t.with("privacy-security", &[("days", days.clone())])),
                h("privacy-marketing-title"),
                p(t.t("privacy-marketing")),
                h("privacy-friend-title"),
                p(t.t("privacy-friend")),
                h("privacy-rights-title"),
                p(t.t("privacy-rights")),
                h("privacy-retention-title"),
                p(t.with(
                    "privacy-retention",
                    &[("days", days), ("cookie_days", cookie_days)],
                )),
                p(t.with(
                    "privacy-contact",
                    &[("email", profile.merchant.email.clone())],
                )),
            ];
            render(&PrivacyPage {
                layout: Layout::new(profile, lang, &uri, t.t("legal-privacy-title")),
                blocks,
                fields: ecrin_app::privacy::FIELDS
                    .iter()
                    .map(|(field, purpose)| (t.t(field), t.t(purpose)))
                    .collect(),
            })
        });
    PageResult(result, state)
}

#[derive(Debug)]
struct CookieRow {
    name: &'static str,
    purpose: String,
    category: String,
    duration: String,
}

#[derive(Template)]
#[template(path = "legal/cookies.html")]
struct CookiesPage {
    layout: Layout,
    intro: String,
    cookies: Vec<CookieRow>,
    /// PRV-6: the choice form, to give or change one's choice at any time.
    settings: String,
    chosen: Option<String>,
}

pub(crate) async fn cookies(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let current = crate::consent::of(&state, &headers);
    let profile = &state.app.profile;
    let result = url_lang(profile, &lang)
        .ok_or(PageError::NotFound(profile.default_lang()))
        .map(|lang| {
            let t = Tr::new(lang);
            let rows = cookies::ALL
                .iter()
                .map(|c| CookieRow {
                    name: c.name,
                    purpose: t.t(c.purpose),
                    category: match c.category {
                        CookieCategory::StrictlyNecessary => t.t("cookies-category-necessary"),
                        CookieCategory::Preferences => t.t("consent-preferences"),
                        CookieCategory::Analytics => t.t("consent-analytics"),
                    },
                    duration: match c.max_age_days(profile.privacy.cookie_retention_days) {
                        Some(d) => t.count("cookies-duration-days", "days", i64::from(d)),
                        None => t.t("cookies-duration-session"),
                    },
                })
                .collect();
            let intro = t.with(
                "cookies-intro",
                &[("days", profile.privacy.cookie_retention_days.to_string())],
            );
            let chosen = current.map(|c| {
                let day = c.day * 86_400_000;
                t.with(
                    "consent-chosen",
                    &[("date", date(day, lang, &profile.time_zone))],
                )
            });
            render(&CookiesPage {
                layout: Layout::new(profile, lang, &uri, t.t("legal-cookies-title")),
                intro,
                cookies: rows,
                settings: crate::consent::ConsentForm::new(lang, false, uri.path(), current).html(),
                chosen,
            })
        });
    PageResult(result, state)
}

#[derive(Template)]
#[template(path = "legal/notice.html")]
struct NoticePage {
    layout: Layout,
    rows: Vec<(String, String)>,
}

pub(crate) async fn notice(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
) -> PageResult {
    let profile = &state.app.profile;
    let result = url_lang(profile, &lang)
        .ok_or(PageError::NotFound(profile.default_lang()))
        .map(|lang| {
            let t = Tr::new(lang);
            let m = &profile.merchant;
            let rows = vec![
                (
                    t.t("notice-publisher"),
                    format!("{} — {}", m.legal_name, m.legal_form),
                ),
                (t.t("notice-office"), m.registered_office.clone()),
                (t.t("notice-company"), m.company_number.clone()),
                (t.t("notice-vat"), m.vat_number.clone()),
                (t.t("notice-capital"), m.share_capital.clone()),
                (t.t("notice-director"), m.publication_director.clone()),
                (t.t("notice-contact"), format!("{} — {}", m.email, m.phone)),
                (t.t("notice-host"), m.host.clone()),
                (t.t("notice-mediator"), m.mediator.clone()),
            ];
            render(&NoticePage {
                layout: Layout::new(profile, lang, &uri, t.t("legal-notice-title")),
                rows,
            })
        });
    PageResult(result, state)
}
