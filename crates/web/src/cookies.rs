//! PRV-6: every cookie the shop sets, in one list. The code sets cookies only from this
//! list, and the cookie policy page is generated from it.

/// Why a cookie exists; only `StrictlyNecessary` ones are set without consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieCategory {
    StrictlyNecessary,
}

#[derive(Debug, Clone, Copy)]
pub struct CookieSpec {
    pub name: &'static str,
    /// Fluent message id of its purpose.
    pub purpose: &'static str,
    pub category: CookieCategory,
    /// Lifetime in days; `None` ends with the browser.
    pub max_age_days: Option<u32>,
}

/// The customer's explicit language choice. Remembering an interface choice the user made
/// is strictly necessary in the sense of the ePrivacy directive (art. 5(3)).
pub const LANGUAGE: CookieSpec = CookieSpec {
    name: "ecrin_lang",
    purpose: "cookie-purpose-lang",
    category: CookieCategory::StrictlyNecessary,
    max_age_days: Some(365),
};

/// The page session: login and the CSRF token of forms (PRV-6: strictly necessary). It
/// has no expiry, so it ends when the browser closes (BSK-3).
pub const SESSION: CookieSpec = CookieSpec {
    name: "ecrin_session",
    purpose: "cookie-purpose-session",
    category: CookieCategory::StrictlyNecessary,
    max_age_days: None,
};

pub const ALL: &[CookieSpec] = &[SESSION, LANGUAGE];

impl CookieSpec {
    /// The `Set-Cookie` value for `value`.
    pub fn set(&self, value: &str) -> String {
        let age = self
            .max_age_days
            .map(|d| format!("; Max-Age={}", u64::from(d) * 86_400))
            .unwrap_or_default();
        format!("{}={value}; Path=/; HttpOnly; SameSite=Lax{age}", self.name)
    }

    /// The `Set-Cookie` value that deletes this cookie.
    pub fn clear(&self) -> String {
        format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0", self.name)
    }

    /// This cookie's value in a `Cookie` request header.
    pub fn read<'a>(&self, header: &'a str) -> Option<&'a str> {
        header.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == self.name).then_some(v)
        })
    }
}
