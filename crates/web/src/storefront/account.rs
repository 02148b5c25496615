//! The customer's pages: sign-up, activation, login, "My Account", logout (ACC-1 …
//! ACC-5), with a cookie session rotated at login and a CSRF token on every form.

use super::{Layout, PageError, PagePath, render, url_lang};
use crate::AppState;
use crate::cookies;
use crate::extract::PageLang;
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::sessions::{self, PageSession};
use ecrin_app::{AppError, customers};
use ecrin_core::Lang;
use ecrin_core::refusal::RefusalKind;
use serde::Deserialize;

pub(crate) fn cookie_of(headers: &HeaderMap) -> String {
    let header = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    cookies::SESSION.read(header).unwrap_or("").to_owned()
}

pub(crate) fn session_cookie(state: &AppState, id: &str) -> String {
    cookies::SESSION.set(cookies::Setting::of(state), id)
}

pub(crate) fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The visitor's session, started when there is none; the second value is the cookie to
/// set when it was started now.
pub(crate) async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(PageSession, Option<String>), AppError> {
    if let Some(s) = sessions::load(&state.app, &cookie_of(headers)).await? {
        return Ok((s, None));
    }
    let s = sessions::start(&state.app, None).await?;
    let cookie = session_cookie(state, &s.id);
    Ok((s, Some(cookie)))
}

/// The page's language and the visitor's session (started if needed, with the cookie to
/// set), or the error page to answer.
pub(super) async fn visit(
    state: &AppState,
    segment: &str,
    headers: &HeaderMap,
) -> Result<(Lang, PageSession, Option<String>), Response> {
    let lang = lang_of(state, segment).map_err(|e| fail(state, e))?;
    let (s, cookie) = session(state, headers)
        .await
        .map_err(|e| fail(state, PageError::from_app(lang, e)))?;
    Ok((lang, s, cookie))
}

pub(crate) fn lang_of(state: &AppState, segment: &str) -> Result<Lang, PageError> {
    url_lang(&state.app.profile, segment)
        .ok_or(PageError::NotFound(state.app.profile.default_lang()))
}

pub(crate) fn fail(state: &AppState, e: PageError) -> Response {
    e.render(&state.app.profile)
}

/// A form sent without the session's token (forged, or from an expired page).
pub(crate) fn csrf_ok(session: &PageSession, sent: &str) -> bool {
    sessions::same_secret(&session.csrf, sent)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    declares_adult_consumer: Option<String>,
    #[serde(default)]
    marketing_opt_in: Option<String>,
}

#[derive(Debug, Default)]
struct SignUpValues {
    title: String,
    given_name: String,
    family_name: String,
    email: String,
    phone: String,
    declares_adult_consumer: bool,
    marketing_opt_in: bool,
}

#[derive(Debug)]
struct FieldMessage {
    field: String,
    text: String,
}

#[derive(Template)]
#[template(path = "account/sign_up.html")]
struct SignUpPage {
    layout: Layout,
    csrf: String,
    form: SignUpValues,
    errors: Vec<FieldMessage>,
    password_hint: String,
}

fn sign_up_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    form: SignUpValues,
    errors: Vec<FieldMessage>,
) -> SignUpPage {
    let t = Tr::new(lang);
    SignUpPage {
        layout: Layout::new(&state.app.profile, lang, uri, t.t("signup-title")),
        csrf,
        form,
        errors,
        password_hint: t.with(
            "password-hint",
            &[(
                "min",
                state.app.profile.accounts.password_min_len.to_string(),
            )],
        ),
    }
}

pub(crate) async fn sign_up_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    match session(&state, &headers).await {
        Ok((s, cookie)) => with_cookie(
            render(&sign_up_page(
                &state,
                lang,
                &uri,
                s.csrf,
                SignUpValues::default(),
                Vec::new(),
            )),
            cookie,
        ),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

pub(crate) async fn sign_up(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Response {
    let (lang, s, cookie) = match visit(&state, &lang, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let t = Tr::new(lang);
    let values = SignUpValues {
        title: form.title.clone(),
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        declares_adult_consumer: form.declares_adult_consumer.is_some(),
        marketing_opt_in: form.marketing_opt_in.is_some(),
    };
    let again = |errors: Vec<FieldMessage>, status: StatusCode, values: SignUpValues| {
        let page = sign_up_page(&state, lang, &uri, s.csrf.clone(), values, errors);
        (status, render(&page)).into_response()
    };
    if !csrf_ok(&s, &form.csrf) {
        let e = vec![FieldMessage {
            field: "email".into(),
            text: t.t("error-form-expired"),
        }];
        return with_cookie(again(e, StatusCode::FORBIDDEN, values), cookie);
    }
    let signup = customers::SignUp {
        email: form.email,
        password: form.password,
        given_name: form.given_name,
        family_name: form.family_name,
        title: form.title,
        phone: form.phone,
        declares_adult_consumer: values.declares_adult_consumer,
        marketing_opt_in: values.marketing_opt_in,
        lang: Some(lang),
    };
    let response = match customers::sign_up(&state.app, signup).await {
        Ok(()) => {
            let page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("signup-sent-title"),
                vec![t.t("signup-sent-text")],
            );
            render(&page)
        }
        Err(AppError::Invalid(errors)) => {
            let messages = errors
                .iter()
                .map(|e| FieldMessage {
                    field: e.field.clone(),
                    text: t.t(&format!("error-field-{}", e.field)),
                })
                .collect();
            again(messages, StatusCode::BAD_REQUEST, values)
        }
        Err(AppError::Refused(r)) => {
            let (field, status) = match r.code {
                "weak_password" => ("password", StatusCode::UNPROCESSABLE_ENTITY),
                "rate_limited" => ("email", StatusCode::TOO_MANY_REQUESTS),
                _ => ("declares_adult_consumer", StatusCode::UNPROCESSABLE_ENTITY),
            };
            let text = if r.kind == RefusalKind::RateLimited {
                t.t("error-messages-rate_limited")
            } else {
                t.with(
                    &format!("error-{}", r.code),
                    &[("detail", r.detail.clone())],
                )
            };
            again(
                vec![FieldMessage {
                    field: field.into(),
                    text,
                }],
                status,
                values,
            )
        }
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    with_cookie(response, cookie)
}

#[derive(Template)]
#[template(path = "account/message.html")]
pub(super) struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
    csrf: String,
    form: Option<(String, String)>,
    hidden: Vec<(String, String)>,
    pub(super) link: Option<(String, String)>,
}

impl MessagePage {
    pub(super) fn new(
        state: &AppState,
        lang: Lang,
        uri: &Uri,
        heading: String,
        paragraphs: Vec<String>,
    ) -> MessagePage {
        MessagePage {
            layout: Layout::new(&state.app.profile, lang, uri, heading.clone()),
            heading,
            paragraphs,
            csrf: String::new(),
            form: None,
            hidden: Vec::new(),
            link: None,
        }
    }
}

/// The link of the activation e-mail: a page with one button, so that a mail scanner
/// following links never activates an account by itself.
pub(crate) async fn activate_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let t = Tr::new(lang);
    let token = query_param(raw.as_deref(), "token").unwrap_or_default();
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let mut page = MessagePage::new(
        &state,
        lang,
        &uri,
        t.t("activate-title"),
        vec![t.t("activate-text")],
    );
    page.csrf = s.csrf;
    page.form = Some((
        format!("/{}/account/activate", lang.code()),
        t.t("activate-submit"),
    ));
    page.hidden = vec![("token".into(), token)];
    with_cookie(render(&page), cookie)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

pub(crate) async fn activate(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let t = Tr::new(lang);
    let s = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(s) => s,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    if !s.as_ref().is_some_and(|s| csrf_ok(s, &form.csrf)) {
        let page = MessagePage::new(
            &state,
            lang,
            &uri,
            t.t("activate-failed-title"),
            vec![t.t("error-form-expired")],
        );
        return (StatusCode::FORBIDDEN, render(&page)).into_response();
    }
    let login = (
        format!("/{}/account/login", lang.code()),
        t.t("login-title"),
    );
    match customers::activate(&state.app, &form.token).await {
        Ok(_) => {
            let mut page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("activated-title"),
                vec![t.t("activated-text")],
            );
            page.link = Some(login);
            render(&page)
        }
        Err(AppError::Refused(_)) => {
            let mut page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("activate-failed-title"),
                vec![t.t("activate-failed-text")],
            );
            page.link = Some(login);
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    email: String,
    error: Option<String>,
    /// Where to go once logged in (the basket, when ordering asked for a login).
    next: String,
}

/// A page of this shop to return to after login: a path under the language, nothing else.
pub(super) fn safe_next(lang: Lang, next: &str) -> Option<String> {
    let prefix = format!("/{}/", lang.code());
    (next.starts_with(&prefix)
        && next.len() < 300
        && !next.contains("//")
        && !next.contains('\\')
        && next.chars().all(|c| c.is_ascii_graphic()))
    .then(|| next.to_owned())
}

/// One parameter of a query string, decoded.
pub(crate) fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    crate::rawquery::parse(raw)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let t = Tr::new(lang);
    match session(&state, &headers).await {
        Ok((s, cookie)) => {
            let page = LoginPage {
                layout: Layout::new(&state.app.profile, lang, &uri, t.t("login-title")),
                csrf: s.csrf,
                email: String::new(),
                error: None,
                next: query_param(query.as_deref(), "next")
                    .and_then(|n| safe_next(lang, &n))
                    .unwrap_or_default(),
            };
            with_cookie(render(&page), cookie)
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// ACC-3, ACC-7: logs in and rotates the session (a new identifier).
pub(crate) async fn login(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let (lang, s, cookie) = match visit(&state, &lang, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let t = Tr::new(lang);
    let again = |error: String, status: StatusCode| {
        let page = LoginPage {
            layout: Layout::new(&state.app.profile, lang, &uri, t.t("login-title")),
            csrf: s.csrf.clone(),
            email: form.email.clone(),
            error: Some(error),
            next: safe_next(lang, &form.next).unwrap_or_default(),
        };
        with_cookie((status, render(&page)).into_response(), cookie.clone())
    };
    if !csrf_ok(&s, &form.csrf) {
        return again(t.t("error-form-expired"), StatusCode::FORBIDDEN);
    }
    match sessions::log_in(&state.app, Some(&s), &form.email, &form.password).await {
        Ok(new) => {
            let to =
                safe_next(lang, &form.next).unwrap_or_else(|| format!("/{}/account", lang.code()));
            let response = Redirect::to(&to).into_response();
            with_cookie(response, Some(session_cookie(&state, &new.id)))
        }
        Err(AppError::Refused(r)) => {
            let status = crate::error::status_of(&r);
            again(t.t(&format!("error-{}", r.code)), status)
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    end_session(&state, &lang, &headers, &form, "").await
}

/// Ends the page session (a customer's or staff's) when the form carries its token, clears
/// the cookie and goes to `/{lang}/{to}`.
pub(crate) async fn end_session(
    state: &AppState,
    lang: &str,
    headers: &HeaderMap,
    form: &CsrfForm,
    to: &str,
) -> Response {
    let lang = match lang_of(state, lang) {
        Ok(l) => l,
        Err(e) => return fail(state, e),
    };
    if let Ok(Some(s)) = sessions::load(&state.app, &cookie_of(headers)).await
        && csrf_ok(&s, &form.csrf)
        && let Err(e) = sessions::end(&state.app, &s.id).await
    {
        return fail(state, PageError::from_app(lang, e));
    }
    let response = Redirect::to(&format!("/{}/{to}", lang.code())).into_response();
    with_cookie(response, Some(cookies::SESSION.clear()))
}

#[derive(Template)]
#[template(path = "account/single_field.html")]
struct SingleFieldPage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
    error: Option<String>,
    action: String,
    csrf: String,
    hidden: Vec<(String, String)>,
    field_name: &'static str,
    field_label: String,
    field_type: &'static str,
    autocomplete: &'static str,
    submit: String,
}

fn forgot_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    error: Option<String>,
) -> SingleFieldPage {
    let t = Tr::new(lang);
    SingleFieldPage {
        layout: Layout::new(&state.app.profile, lang, uri, t.t("forgot-title")),
        heading: t.t("forgot-title"),
        paragraphs: vec![t.t("forgot-text")],
        error,
        action: format!("/{}/account/forgot", lang.code()),
        csrf,
        hidden: Vec::new(),
        field_name: "email",
        field_label: t.t("field-email"),
        field_type: "email",
        autocomplete: "email",
        submit: t.t("forgot-submit"),
    }
}

/// ACC-8: asks for a reset link.
pub(crate) async fn forgot_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    match session(&state, &headers).await {
        Ok((s, cookie)) => with_cookie(
            render(&forgot_page(&state, lang, &uri, s.csrf, None)),
            cookie,
        ),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub(crate) async fn forgot(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Response {
    let (lang, s, cookie) = match visit(&state, &lang, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let t = Tr::new(lang);
    if !csrf_ok(&s, &form.csrf) {
        let page = forgot_page(
            &state,
            lang,
            &uri,
            s.csrf.clone(),
            Some(t.t("error-form-expired")),
        );
        return with_cookie(
            (StatusCode::FORBIDDEN, render(&page)).into_response(),
            cookie,
        );
    }
    match customers::request_password_reset(&state.app, &form.email).await {
        Ok(()) => {}
        Err(AppError::Refused(r)) if r.kind == RefusalKind::RateLimited => {
            let page = forgot_page(
                &state,
                lang,
                &uri,
                s.csrf.clone(),
                Some(t.t("error-messages-rate_limited")),
            );
            let mut response = (StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            return with_cookie(response, cookie);
        }
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    }
    let page = MessagePage::new(
        &state,
        lang,
        &uri,
        t.t("signup-sent-title"),
        vec![t.t("forgot-sent")],
    );
    with_cookie(render(&page), cookie)
}

fn reset_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    token: String,
    error: Option<String>,
) -> SingleFieldPage {
    let t = Tr::new(lang);
    SingleFieldPage {
        layout: Layout::new(&state.app.profile, lang, uri, t.t("reset-title")),
        heading: t.t("reset-title"),
        paragraphs: vec![t.with(
            "password-hint",
            &[(
                "min",
                state.app.profile.accounts.password_min_len.to_string(),
            )],
        )],
        error,
        action: format!("/{}/account/reset", lang.code()),
        csrf,
        hidden: vec![("token".into(), token)],
        field_name: "password",
        field_label: t.t("reset-field"),
        field_type: "password",
        autocomplete: "new-password",
        submit: t.t("reset-submit"),
    }
}

/// ACC-8: the reset link of the e-mail: a form for the new password.
pub(crate) async fn reset_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = query_param(raw.as_deref(), "token").unwrap_or_default();
    match session(&state, &headers).await {
        Ok((s, cookie)) => with_cookie(
            render(&reset_page(&state, lang, &uri, s.csrf, token, None)),
            cookie,
        ),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Response {
    let (lang, s, cookie) = match visit(&state, &lang, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let t = Tr::new(lang);
    let again = |error: String, status: StatusCode| {
        let page = reset_page(
            &state,
            lang,
            &uri,
            s.csrf.clone(),
            form.token.clone(),
            Some(error),
        );
        with_cookie((status, render(&page)).into_response(), cookie.clone())
    };
    if !csrf_ok(&s, &form.csrf) {
        return again(t.t("error-form-expired"), StatusCode::FORBIDDEN);
    }
    match customers::reset_password(&state.app, &form.token, &form.password).await {
        Ok(()) => {
            let mut page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("reset-done-title"),
                vec![t.t("reset-done-text")],
            );
            page.link = Some((
                format!("/{}/account/login", lang.code()),
                t.t("login-title"),
            ));
            with_cookie(render(&page), cookie)
        }
        Err(AppError::Refused(r)) if r.code == "invalid_token" => {
            let mut page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("activate-failed-title"),
                vec![t.t("reset-failed-text")],
            );
            page.link = Some((
                format!("/{}/account/forgot", lang.code()),
                t.t("forgot-title"),
            ));
            with_cookie(
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
                cookie,
            )
        }
        Err(AppError::Refused(r)) => again(
            t.with(
                &format!("error-{}", r.code),
                &[("detail", r.detail.clone())],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// PRV-3: the page of a marketing e-mail's unsubscribe link: one button, so that a mail
/// scanner following links withdraws nothing by itself.
pub(crate) async fn unsubscribe_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, _token)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let t = Tr::new(lang);
    let mut page = MessagePage::new(
        &state,
        lang,
        &uri,
        t.t("unsubscribe-title"),
        vec![t.t("unsubscribe-text")],
    );
    page.form = Some((uri.path().to_owned(), t.t("unsubscribe-submit")));
    no_store(render(&page))
}

/// PRV-3: the withdrawal itself, from the page's button or from the mail client's own
/// one-click unsubscribe (RFC 8058), which posts without any cookie: the link's token is
/// the authority, and a second post changes nothing.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, token)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let t = Tr::new(lang);
    match ecrin_app::privacy::unsubscribe(&state.app, &token).await {
        Ok(_) => {
            let mut page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("unsubscribe-done-title"),
                vec![t.t("unsubscribe-done-text")],
            );
            page.link = Some((format!("/{}/", lang.code()), t.t("error-back-home")));
            no_store(render(&page))
        }
        Err(AppError::NotFound) => {
            let page = MessagePage::new(
                &state,
                lang,
                &uri,
                t.t("unsubscribe-title"),
                vec![t.t("unsubscribe-unknown")],
            );
            (StatusCode::NOT_FOUND, render(&page)).into_response()
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
