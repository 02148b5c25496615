//! The staff's access (PRV-8): the second step of a login (the authenticator's code or a
//! recovery code), setting up a second factor (an admin must before anything else), the
//! team's page where an admin invites, changes roles, disables and resets, with the
//! security log, and the page where an invited member chooses their password.

use super::{Cell, FormField, Posted, StaffForm, StaffPage, StaffTable, StaffVisit, refused};
use crate::AppState;
use crate::api::checkout::Client;
use crate::i18n::Tr;
use crate::storefront::account::{
    cookie_of, csrf_ok, fail, lang_of, no_store, session, session_cookie, with_cookie,
};
use crate::storefront::{PageError, PagePath, render};
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::sessions::{self, PageSession};
use ecrin_app::team::{self, Actor, Change};
use ecrin_core::Lang;
use ecrin_core::account::Role;
use serde::Deserialize;
use std::collections::HashMap;

const ROLES: [Role; 4] = [
    Role::Admin,
    Role::CustomerService,
    Role::Warehouse,
    Role::Accountant,
];

fn role_options(t: Tr, chosen: Role) -> Vec<(String, String, bool)> {
    ROLES
        .iter()
        .map(|r| {
            (
                r.as_str().to_owned(),
                t.t(&format!("staff-role-{}", r.as_str())),
                *r == chosen,
            )
        })
        .collect()
}

/// The page of the second step, for a session that waits for it (or a signed member of
/// staff setting up their second factor).
async fn second_factor_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    error: Option<String>,
) -> Result<(StatusCode, StaffPage), Response> {
    let t = Tr::new(lang);
    let staff_id = s
        .pending_staff_id
        .as_deref()
        .or(s.staff_id.as_deref())
        .ok_or_else(|| Redirect::to(&format!("/{}/staff/login", lang.code())).into_response())?;
    let staff = ecrin_app::staff::by_id(&state.app, staff_id)
        .await
        .map_err(|e| fail(state, PageError::from_app(lang, e)))?
        .ok_or_else(|| Redirect::to(&format!("/{}/staff/login", lang.code())).into_response())?;
    let action = format!("/{}/staff/second-factor", lang.code());
    let code = FormField::new("code", t.t("staff-second-factor-code"), "otp").required();
    let mut page = StaffPage::new(
        state,
        lang,
        uri,
        t.t("staff-second-factor-title"),
        s.csrf.clone(),
    );
    page.error = error;
    if staff.second_factor {
        page.message = Some(t.t("staff-second-factor-ask"));
        page.forms.push(StaffForm {
            id: "second-factor".to_owned(),
            action,
            title: String::new(),
            fields: vec![code],
            submit: t.t("staff-second-factor-submit"),
        });
        return Ok((StatusCode::OK, page));
    }
    let pending = team::pending_second_factor(&state.app, &staff.id).await;
    let enrolment = match pending {
        Ok(Some(e)) => e,
        Ok(None) => team::begin_second_factor(&state.app, &staff.id)
            .await
            .map_err(|e| fail(state, PageError::from_app(lang, e)))?,
        Err(e) => return Err(fail(state, PageError::from_app(lang, e))),
    };
    page.heading = t.t("staff-second-factor-setup");
    page.message = Some(t.t(if staff.role == Role::Admin {
        "staff-second-factor-required"
    } else {
        "staff-second-factor-offer"
    }));
    page.chart = Some((t.t("staff-second-factor-scan"), enrolment.qr_svg));
    page.tables.push(StaffTable {
        title: t.t("staff-second-factor-key"),
        empty: String::new(),
        head: vec![t.t("staff-second-factor-key")],
        rows: vec![vec![Cell::text(spaced(&enrolment.secret))]],
    });
    page.forms.push(StaffForm {
        id: "second-factor".to_owned(),
        action,
        title: String::new(),
        fields: vec![code],
        submit: t.t("staff-second-factor-confirm"),
    });
    Ok((StatusCode::OK, page))
}

/// A base32 secret in groups of four, as authenticator apps let one type it.
fn spaced(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) async fn second_factor_form(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let s = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(Some(s)) => s,
        Ok(None) => return Redirect::to(&format!("/{}/staff/login", lang.code())).into_response(),
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    match second_factor_page(&state, lang, &uri, &s, None).await {
        Ok((status, page)) => (status, no_store(render(&page))).into_response(),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The second step: a code checks a login, or confirms the setting up (which then shows
/// the recovery codes, once).
pub(super) async fn second_factor(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    client: Client,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let t = Tr::new(lang);
    let s = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(Some(s)) => s,
        Ok(None) => return Redirect::to(&format!("/{}/staff/login", lang.code())).into_response(),
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let again = |status: StatusCode, error: String| {
        let (state, uri, s) = (&state, &uri, &s);
        async move {
            match second_factor_page(state, lang, uri, s, Some(error)).await {
                Ok((_, page)) => (status, no_store(render(&page))).into_response(),
                Err(r) => r,
            }
        }
    };
    if !csrf_ok(&s, &form.csrf) {
        return again(StatusCode::FORBIDDEN, t.t("error-form-expired")).await;
    }
    let Some(staff_id) = s.pending_staff_id.clone().or(s.staff_id.clone()) else {
        return Redirect::to(&format!("/{}/staff/login", lang.code())).into_response();
    };
    let staff = match ecrin_app::staff::by_id(&state.app, &staff_id).await {
        Ok(Some(staff)) => staff,
        Ok(None) => return Redirect::to(&format!("/{}/staff/login", lang.code())).into_response(),
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    if staff.second_factor {
        return match sessions::second_factor(&state.app, &s, &form.code, &client.ip).await {
            Ok(new) => with_cookie(
                Redirect::to(&format!("/{}/staff", lang.code())).into_response(),
                Some(session_cookie(&state, &new.id)),
            ),
            Err(AppError::Refused(r)) => {
                again(
                    crate::error::status_of(&r),
                    t.t(&format!("error-{}", r.code)),
                )
                .await
            }
            Err(e) => fail(&state, PageError::from_app(lang, e)),
        };
    }
    let codes =
        match team::confirm_second_factor(&state.app, &staff.id, &form.code, &client.ip).await {
            Ok(codes) => codes,
            Err(AppError::Refused(r)) => {
                return again(
                    crate::error::status_of(&r),
                    t.t(&format!("error-{}", r.code)),
                )
                .await;
            }
            Err(e) => return fail(&state, PageError::from_app(lang, e)),
        };
    // A login that waited for the setting up is signed now; a signed member stays so.
    let (csrf, cookie) = if s.pending_staff_id.is_some() {
        match sessions::signed_after_second_factor(
            &state.app,
            &s,
            &staff.id,
            "authenticator",
            &client.ip,
        )
        .await
        {
            Ok(new) => (new.csrf.clone(), Some(session_cookie(&state, &new.id))),
            Err(e) => return fail(&state, PageError::from_app(lang, e)),
        }
    } else {
        (s.csrf.clone(), None)
    };
    let mut page =
        StaffPage::new(&state, lang, &uri, t.t("staff-recovery-title"), csrf).signed(t, &staff);
    page.message = Some(t.t("staff-recovery-text"));
    page.tables.push(StaffTable {
        title: t.t("staff-recovery-codes"),
        empty: String::new(),
        head: vec![t.t("staff-recovery-code")],
        rows: codes.into_iter().map(|c| vec![Cell::text(c)]).collect(),
    });
    page.links.push((
        format!("/{}/staff", lang.code()),
        t.t("staff-recovery-continue"),
    ));
    with_cookie(no_store(render(&page)), cookie)
}

/// The team: every member with their role and access, the forms to change each, the
/// invitation form and the security log.
pub(super) async fn members(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let page = visit.page(&state, "staff-team");
    let StaffVisit { lang, t, staff, .. } = visit;
    team_page(&state, lang, t, &staff.id, page).await
}

async fn team_page(
    state: &AppState,
    lang: Lang,
    t: Tr,
    admin_id: &str,
    mut page: StaffPage,
) -> Response {
    let (members, log) = match tokio::try_join!(
        team::members(&state.app, admin_id),
        team::security_log(&state.app, admin_id, 200)
    ) {
        Ok(v) => v,
        Err(e) => return refused(state, lang, page, e),
    };
    let code = lang.code();
    let names: HashMap<String, String> = members
        .iter()
        .map(|m| (m.id.clone(), m.name.clone()))
        .collect();
    let yes_no = |b: bool| t.t(if b { "staff-yes" } else { "staff-no" });
    page.tables.push(StaffTable {
        title: t.t("staff-team-members"),
        empty: String::new(),
        head: vec![
            t.t("field-name"),
            t.t("field-email"),
            t.t("staff-team-role"),
            t.t("staff-team-second-factor"),
            t.t("staff-team-disabled"),
        ],
        rows: members
            .iter()
            .map(|m| {
                vec![
                    Cell::text(m.name.clone()),
                    Cell::text(m.email.clone()),
                    Cell::text(t.t(&format!("staff-role-{}", m.role.as_str()))),
                    Cell::text(yes_no(m.second_factor)),
                    Cell::text(yes_no(m.disabled)),
                ]
            })
            .collect(),
    });
    page.forms.push(StaffForm {
        id: "invite".to_owned(),
        action: format!("/{code}/staff/team"),
        title: t.t("staff-team-invite"),
        fields: vec![
            FormField::new("name", t.t("field-name"), "text").required(),
            FormField::new("email", t.t("field-email"), "email").required(),
            FormField::new("role", t.t("staff-team-role"), "select")
                .options(role_options(t, Role::CustomerService)),
        ],
        submit: t.t("staff-team-invite-submit"),
    });
    for m in members.iter().filter(|m| m.id != admin_id) {
        page.forms.push(StaffForm {
            id: format!("member-{}", m.id),
            action: format!("/{code}/staff/team/{}", m.id),
            title: format!("{} — {}", m.name, m.email),
            fields: vec![
                FormField::new("role", t.t("staff-team-role"), "select")
                    .options(role_options(t, m.role)),
                FormField::new("disabled_shown", String::new(), "hidden").value("1"),
                FormField::new("disabled", t.t("staff-team-disabled"), "checkbox")
                    .value(if m.disabled { "1" } else { "" }),
            ],
            submit: t.t("staff-team-save"),
        });
        page.forms.push(StaffForm {
            id: format!("reset-{}", m.id),
            action: format!("/{code}/staff/team/{}/reset", m.id),
            title: String::new(),
            fields: Vec::new(),
            submit: t.with("staff-team-reset", &[("name", m.name.clone())]),
        });
    }
    let tz = &state.app.profile.time_zone;
    page.tables.push(StaffTable {
        title: t.t("staff-security-log"),
        empty: t.t("staff-security-log-empty"),
        head: vec![
            t.t("staff-security-when"),
            t.t("staff-security-who"),
            t.t("staff-security-event"),
            t.t("staff-security-by"),
            t.t("staff-security-client"),
        ],
        rows: log
            .into_iter()
            .map(|e| {
                let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
                vec![
                    Cell::text(ecrin_app::i18n::date_time(e.at, lang, tz)),
                    Cell::text(name(&e.staff_id)),
                    Cell::text(if e.detail.is_empty() {
                        t.t(&format!("staff-event-{}", e.event))
                    } else {
                        format!(
                            "{} ({})",
                            t.t(&format!("staff-event-{}", e.event)),
                            e.detail
                        )
                    }),
                    Cell::text(e.actor_id.as_deref().map(name).unwrap_or_default()),
                    Cell::text(e.client),
                ]
            })
            .collect(),
    });
    no_store(render(&page))
}

type PostedForm = HashMap<String, String>;

fn role_of(form: &PostedForm) -> Result<Role, AppError> {
    form.get("role")
        .and_then(|r| Role::parse(r.trim()))
        .ok_or_else(|| {
            AppError::Invalid(vec![ecrin_core::query::FieldError {
                field: "role".to_owned(),
                reason: "invalid",
            }])
        })
}

pub(super) async fn invite(
    State(state): State<AppState>,
    client: Client,
    Posted { visit, form }: Posted<PostedForm>,
) -> Response {
    let page = visit.page(&state, "staff-team");
    let StaffVisit { lang, staff, .. } = visit;
    let by = Actor {
        staff_id: &staff.id,
        client: &client.ip,
    };
    let field = |n: &str| form.get(n).map(|v| v.trim()).unwrap_or("");
    let done = match role_of(&form) {
        Ok(role) => team::invite(&state.app, by, field("email"), field("name"), role, lang).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Redirect::to(&format!("/{}/staff/team", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

pub(super) async fn change(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    client: Client,
    Posted { visit, form }: Posted<PostedForm>,
) -> Response {
    let page = visit.page(&state, "staff-team");
    let StaffVisit { lang, staff, .. } = visit;
    let by = Actor {
        staff_id: &staff.id,
        client: &client.ip,
    };
    let change = match role_of(&form) {
        Ok(role) => Change {
            role: Some(role),
            disabled: form
                .contains_key("disabled_shown")
                .then(|| form.get("disabled").is_some_and(|v| !v.is_empty())),
        },
        Err(e) => return refused(&state, lang, page, e),
    };
    match team::change(&state.app, by, &id, change).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/team", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

pub(super) async fn reset(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    client: Client,
    Posted { visit, .. }: Posted<PostedForm>,
) -> Response {
    let page = visit.page(&state, "staff-team");
    let StaffVisit { lang, staff, t, .. } = visit;
    let by = Actor {
        staff_id: &staff.id,
        client: &client.ip,
    };
    match team::reset(&state.app, by, &id, lang).await {
        Ok(()) => {
            let mut page = page;
            page.message = Some(t.t("staff-team-reset-sent"));
            team_page(&state, lang, t, &staff.id, page).await
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The page of an invitation (or a reset): the member chooses their password.
pub(super) async fn invitation_form(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<TokenQuery>,
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
    let (status, page) = invitation_page(&state, lang, &uri, &s, &q.token, None).await;
    with_cookie((status, no_store(render(&page))).into_response(), cookie)
}

async fn invitation_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    token: &str,
    error: Option<String>,
) -> (StatusCode, StaffPage) {
    let t = Tr::new(lang);
    let mut page = StaffPage::new(
        state,
        lang,
        uri,
        t.t("staff-invitation-title"),
        s.csrf.clone(),
    );
    match team::invitation(&state.app, token).await {
        Ok(staff) => {
            page.message = Some(t.with("staff-invitation-text", &[("name", staff.name)]));
            page.error = error;
            page.forms.push(StaffForm {
                id: "invitation".to_owned(),
                action: format!("/{}/staff/invitation", lang.code()),
                title: String::new(),
                fields: vec![
                    FormField::new("token", String::new(), "hidden").value(token),
                    FormField::new("password", t.t("field-password"), "password").required(),
                ],
                submit: t.t("staff-invitation-submit"),
            });
            (StatusCode::OK, page)
        }
        Err(_) => {
            page.error = Some(t.t("error-invalid_token"));
            (StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    client: Client,
    headers: HeaderMap,
    Form(form): Form<PostedForm>,
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
    let token = form.get("token").map(String::as_str).unwrap_or("");
    if !csrf_ok(&s, form.get("csrf").map(String::as_str).unwrap_or("")) {
        let (_, page) = invitation_page(
            &state,
            lang,
            &uri,
            &s,
            token,
            Some(t.t("error-form-expired")),
        )
        .await;
        return with_cookie(
            (StatusCode::FORBIDDEN, render(&page)).into_response(),
            cookie,
        );
    }
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match team::accept_invitation(&state.app, token, password, &client.ip).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/login", lang.code())).into_response(),
        Err(AppError::Refused(r)) => {
            let status = crate::error::status_of(&r);
            let (_, page) = invitation_page(&state, lang, &uri, &s, token, Some(r.detail)).await;
            with_cookie((status, render(&page)).into_response(), cookie)
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}
