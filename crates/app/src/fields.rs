//! Checks of the fields people type, shared by every form and API body: each refused
//! field is named with a stable reason, and what passes is kept exactly as typed
//! (trimmed), whatever its script, emoji or markup-looking characters.

use ecrin_core::account::Email;
use ecrin_core::query::FieldError;

#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Checks::default()
    }

    pub fn fail(&mut self, field: &str, reason: &'static str) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            reason,
        });
    }

    /// One line of text: trimmed, at most `max` characters, no control character.
    pub fn line(&mut self, field: &str, value: &str, required: bool, max: usize) -> String {
        self.text(field, value, required, max, false)
    }

    /// Free text (a message): line breaks and tabs allowed, other control characters not.
    pub fn paragraphs(&mut self, field: &str, value: &str, required: bool, max: usize) -> String {
        self.text(field, value, required, max, true)
    }

    fn text(
        &mut self,
        field: &str,
        value: &str,
        required: bool,
        max: usize,
        multiline: bool,
    ) -> String {
        let v = value.trim();
        let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
        if required && v.is_empty() {
            self.fail(field, "required");
        } else if v.chars().count() > max {
            self.fail(field, "too_long");
        } else if v.chars().any(|c| c.is_control() && !allowed(c)) {
            self.fail(field, "control_characters");
        }
        v.to_owned()
    }

    pub fn email(&mut self, field: &str, value: &str) -> Option<Email> {
        let e = Email::parse(value);
        if e.is_none() {
            self.fail(field, "invalid_email");
        }
        e
    }

    /// A phone number: digits, spaces and `+ - ( ) .`, at most 30 characters; may be empty.
    pub fn phone(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.chars().count() > 30
            || !v
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            self.fail(field, "invalid_phone");
        }
        v.to_owned()
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}
