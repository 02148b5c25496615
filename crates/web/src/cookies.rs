//! PRV-6: every cookie the shop sets, in one list. The code sets cookies only from this
//! list, the cookie policy page is generated from it, and the consent banner asks only
//! about the purposes that some cookie of the list serves.

use crate::AppState;

/// Why a cookie exists; only `StrictlyNecessary` ones are set without consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieCategory {
    StrictlyNecessary,
    Preferences,
    Analytics,
}

impl CookieCategory {
    /// The purposes a visitor may accept or refuse, in the banner's order.
    pub const OPTIONAL: [CookieCategory; 2] =
        [CookieCategory::Preferences, CookieCategory::Analytics];

    /// The form field and the Fluent id stem of the purpose.
    pub fn key(self) -> &'static str {
        match self {
            CookieCategory::StrictlyNecessary => "necessary",
            CookieCategory::Preferences => "preferences",
            CookieCategory::Analytics => "analytics",
        }
    }
}

/// How long a cookie lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasts {
    /// Until the browser closes.
    Browser,
    Days(u32),
    /// The profile's `cookie_retention_days` (PRV-6: consent and markers, 365 at most).
    Retention,
}

#[derive(Debug, Clone, Copy)]
pub struct CookieSpec {
    pub name: &'static str,
    /// Fluent message id of its purpose.
    pub purpose: &'static str,
    pub category: CookieCategory,
    pub lasts: Lasts,
}

/// The customer's explicit language choice. Remembering an interface choice the user made
/// is strictly necessary in the sense of the ePrivacy directive (art. 5(3)).
pub const LANGUAGE: CookieSpec = CookieSpec {
    name: "ecrin_lang",
    purpose: "cookie-purpose-lang",
    category: CookieCategory::StrictlyNecessary,
    lasts: Lasts::Days(365),
};

/// The page session: login, the basket and the CSRF token of forms (PRV-6: strictly
/// necessary). It has no expiry, so it ends when the browser closes (BSK-3).
pub const SESSION: CookieSpec = CookieSpec {
    name: "ecrin_session",
    purpose: "cookie-purpose-session",
    category: CookieCategory::StrictlyNecessary,
    lasts: Lasts::Browser,
};

/// The visitor's cookie choices and when they were made (strictly necessary: it is how the
/// refusal is remembered).
pub const CONSENT: CookieSpec = CookieSpec {
    name: "ecrin_consent",
    purpose: "cookie-purpose-consent",
    category: CookieCategory::StrictlyNecessary,
    lasts: Lasts::Retention,
};

/// The pieces seen lately, shown again on the home page (preferences, with consent).
pub const RECENT: CookieSpec = CookieSpec {
    name: "ecrin_recent",
    purpose: "cookie-purpose-recent",
    category: CookieCategory::Preferences,
    lasts: Lasts::Retention,
};

/// A random visitor number for the shop's own audience count; only the totals leave the
/// server (PRV-5; analytics, with consent).
pub const AUDIENCE: CookieSpec = CookieSpec {
    name: "ecrin_audience",
    purpose: "cookie-purpose-audience",
    category: CookieCategory::Analytics,
    lasts: Lasts::Retention,
};

pub const ALL: &[CookieSpec] = &[SESSION, LANGUAGE, CONSENT, RECENT, AUDIENCE];

/// What `Set-Cookie` needs of the shop: `Secure` behind TLS, and the retention.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub secure: bool,
    pub retention_days: u32,
}

impl Setting {
    pub(crate) fn of(state: &AppState) -> Setting {
        Setting {
            secure: state.app.public_url.starts_with("https://"),
            retention_days: state.app.profile.privacy.cookie_retention_days,
        }
    }
}

impl CookieSpec {
    pub fn max_age_days(&self, retention_days: u32) -> Option<u32> {
        match self.lasts {
            Lasts::Browser => None,
            Lasts::Days(d) => Some(d),
            Lasts::Retention => Some(retention_days),
        }
    }

    /// The `Set-Cookie` value for `value`.
    pub fn set(&self, setting: Setting, value: &str) -> String {
        let age = self
            .max_age_days(setting.retention_days)
            .map(|d| format!("; Max-Age={}", u64::from(d) * 86_400))
            .unwrap_or_default();
        let secure = if setting.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax{age}{secure}",
            self.name
        )
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

/// The visitor's choices, as kept in [`CONSENT`]: `p1.a0.<unix day given>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    pub preferences: bool,
    pub analytics: bool,
    /// Days since 1970-01-01 when the choice was made.
    pub day: i64,
}

const DAY_MS: i64 = 86_400_000;

impl Consent {
    pub fn new(preferences: bool, analytics: bool, now_ms: i64) -> Consent {
        Consent {
            preferences,
            analytics,
            day: now_ms.div_euclid(DAY_MS),
        }
    }

    pub fn allows(&self, category: CookieCategory) -> bool {
        match category {
            CookieCategory::StrictlyNecessary => true,
            CookieCategory::Preferences => self.preferences,
            CookieCategory::Analytics => self.analytics,
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "p{}.a{}.{}",
            u8::from(self.preferences),
            u8::from(self.analytics),
            self.day
        )
    }

    /// The choice in a request, unless missing, unreadable or older than the retention:
    /// then the visitor is asked again (PRV-6).
    pub fn read(header: &str, now_ms: i64, retention_days: u32) -> Option<Consent> {
        let raw = CONSENT.read(header)?;
        let mut parts = raw.split('.');
        let flag = |p: Option<&str>, prefix: char| match p?.strip_prefix(prefix)? {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        };
        let preferences = flag(parts.next(), 'p')?;
        let analytics = flag(parts.next(), 'a')?;
        let day: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        let today = now_ms.div_euclid(DAY_MS);
        (day <= today && today - day < i64::from(retention_days)).then_some(Consent {
            preferences,
            analytics,
            day,
        })
    }
}
