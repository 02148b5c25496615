//! What every page handler used to repeat before its own work, done once by extractors:
//! the page's language (the first segment of its path), the signed-in customer and their
//! page session, and the check of a posted form's token against that session. The back
//! office has its own pair, over the same pieces ([`crate::backoffice`]).

use crate::AppState;
use crate::i18n::Tr;
use crate::storefront::account::{cookie_of, csrf_ok, fail, lang_of};
use crate::storefront::{PageError, login_redirect};
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use ecrin_app::model::Customer;
use ecrin_app::sessions::{self, PageSession};
use ecrin_core::Lang;
use serde::de::DeserializeOwned;

/// The address the request was made to, before any nesting of routers.
pub(crate) fn original_uri(parts: &Parts) -> Uri {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |u| u.0.clone())
}

/// The first segment of a page's path: its language.
pub(crate) fn lang_segment(uri: &Uri) -> String {
    uri.path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The language of a page, from the first segment of its path; a language the house
/// does not speak is a page not found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageLang(pub(crate) Lang);

impl FromRequestParts<AppState> for PageLang {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let segment = lang_segment(&original_uri(parts));
        lang_of(state, &segment)
            .map(PageLang)
            .map_err(|e| fail(state, e))
    }
}

/// A page of the customer's account: its language, the signed-in customer and their page
/// session. Anyone else is sent to the login page.
pub(crate) struct SignedIn {
    pub(crate) lang: Lang,
    pub(crate) session: PageSession,
    pub(crate) customer: Customer,
    pub(crate) uri: Uri,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let PageLang(lang) = PageLang::from_request_parts(parts, state).await?;
        let uri = original_uri(parts);
        let login = || login_redirect(lang, None);
        let session = sessions::load(&state.app, &cookie_of(&parts.headers))
            .await
            .map_err(|e| fail(state, PageError::from_app(lang, e)))?
            .ok_or_else(login)?;
        let id = session.customer_id.clone().ok_or_else(login)?;
        let customer = ecrin_app::customers::customer(&state.app, &id)
            .await
            .map_err(|e| fail(state, PageError::from_app(lang, e)))?
            .ok_or_else(login)?;
        Ok(SignedIn {
            lang,
            session,
            customer,
            uri,
        })
    }
}

/// A form that carries its page session's token.
pub(crate) trait WithCsrf {
    fn csrf(&self) -> &str;
}

impl WithCsrf for std::collections::HashMap<String, String> {
    fn csrf(&self) -> &str {
        self.get("csrf").map_or("", String::as_str)
    }
}

/// A form the signed-in customer posted, taken only once its token matches their page
/// session's; an expired form is a 400 page saying so.
pub(crate) struct CustomerForm<T> {
    pub(crate) visit: SignedIn,
    pub(crate) form: T,
}

impl<T> FromRequest<AppState> for CustomerForm<T>
where
    T: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let visit = SignedIn::from_request_parts(&mut parts, state).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !csrf_ok(&visit.session, form.csrf()) {
            let lang = visit.lang;
            return Err(fail(
                state,
                PageError::BadRequest(lang, Tr::new(lang).t("error-form-expired")),
            ));
        }
        Ok(CustomerForm { visit, form })
    }
}
