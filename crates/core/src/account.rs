//! Accounts: e-mail addresses, the password policy (ACC-2, ACC-4) and staff roles (PRV-8).

use crate::{Profile, Refusal};
use std::fmt;

/// An e-mail address, trimmed, with the domain in lower case. Two addresses are the same
/// account when their [`Email::key`] is equal (ACC-2: case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`: at most 254 characters, no spaces or control
    /// characters, a local part of at most 64, a domain with a dot and sane labels.
    pub fn parse(input: &str) -> Option<Email> {
        let s = input.trim();
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (local, domain) = s.rsplit_once('@')?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return None;
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return None;
        }
        if local.chars().any(|c| {
            matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '\\' | '"'
            )
        }) {
            return None;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return None;
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return None;
        }
        Some(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the whole address in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The engine's floor for password length, which a profile may lower (ACC-4).
pub const PASSWORD_FLOOR: u32 = 10;
/// Longest password accepted: hashing cost must stay bounded.
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// Passwords found at the top of every published list of leaked passwords; any password
/// equal to one of them, ignoring case, is refused whatever its length.
const COMMON: &[&str] = &[
    "123456",
    "123456789",
    "12345678",
    "1234567890",
    "12345",
    "1234567",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "qwerty",
    "qwerty123",
    "qwertyuiop",
    "azerty",
    "azertyuiop",
    "111111",
    "000000",
    "123123",
    "abc123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "iloveyou",
    "admin",
    "admin123",
    "administrator",
    "welcome",
    "welcome1",
    "letmein",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "michael",
    "jennifer",
    "trustno1",
    "starwars",
    "whatever",
    "freedom",
    "654321",
    "666666",
    "7777777",
    "888888",
    "987654321",
    "121212",
    "112233",
    "123321",
    "zaq12wsx",
    "qazwsx",
    "asdfghjkl",
    "asdfgh",
    "zxcvbnm",
    "motdepasse",
    "soleil",
    "bonjour",
    "doudou",
    "chouchou",
    "loulou",
    "marseille",
    "nicolas",
    "camille",
    "password12",
    "changeme",
    "secret",
    "default",
    "login",
    "hello123",
    "test1234",
    "testtest",
    "passwordpassword",
    "motdepasse1",
    "azerty123",
    "ciao1234",
    "juventus",
    "napoli",
    "forzainter",
    "milano",
    "roma1234",
    "amore",
    "tiamo",
    "cambiami",
    "jewellery",
    "bijoux1234",
    "diamond123",
    "1234512345",
    "0123456789",
    "9876543210",
];

/// ACC-4: long enough for the profile, not too long, not a common password, not the
/// e-mail address itself.
pub fn check_password(
    profile: &Profile,
    password: &str,
    email: Option<&Email>,
) -> Result<(), Refusal> {
    let chars = password.chars().count();
    let min = profile.accounts.password_min_len as usize;
    if chars < min {
        return Err(Refusal::new(
            "weak_password",
            format!("at least {min} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Refusal::new(
            "weak_password",
            format!("at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(Refusal::new("weak_password", "a common password"));
    }
    if lower
        .chars()
        .all(|c| c == lower.chars().next().unwrap_or(' '))
    {
        return Err(Refusal::new("weak_password", "one character repeated"));
    }
    if let Some(email) = email {
        let key = email.key();
        let local = key.split('@').next().unwrap_or_default();
        if lower == key || lower == local {
            return Err(Refusal::new("weak_password", "the e-mail address itself"));
        }
    }
    Ok(())
}

/// PRV-8: what a member of staff does, and so what they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    CustomerService,
    Warehouse,
    Accountant,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::CustomerService,
        Role::Warehouse,
        Role::Accountant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CustomerService => "customer_service",
            Role::Warehouse => "warehouse",
            Role::Accountant => "accountant",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where an account stands (ACC-3, ACC-7, ACC-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Signed up, activation link not yet followed: cannot order.
    Pending,
    Active,
    /// Suspended by the merchant: cannot log in or order.
    Suspended,
    /// Locked after the customer reported misuse, pending review.
    Locked,
    Closed,
}

impl AccountStatus {
    pub const ALL: [AccountStatus; 5] = [
        AccountStatus::Pending,
        AccountStatus::Active,
        AccountStatus::Suspended,
        AccountStatus::Locked,
        AccountStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Locked => "locked",
            AccountStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        AccountStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}
