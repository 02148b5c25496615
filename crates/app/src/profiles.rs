//! The profiles shipped with the engine, and loading a profile by name or path.

use ecrin_core::Profile;

const BUILTIN: [(&str, &str); 3] = [
    ("paris", include_str!("../../../profiles/paris.toml")),
    ("atelier", include_str!("../../../profiles/atelier.toml")),
    ("milano", include_str!("../../../profiles/milano.toml")),
];

pub const NAMES: [&str; 3] = ["paris", "atelier", "milano"];

/// `paris`, `atelier`, `milano`, or a path to a profile TOML file. The error is one line.
pub fn load(name_or_path: &str) -> Result<Profile, String> {
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        return Profile::from_toml(name, text).map_err(|e| e.to_string());
    }
    if !name_or_path.ends_with(".toml") {
        return Err(format!(
            "unknown profile `{name_or_path}`: use paris, atelier, milano or a path to a .toml file"
        ));
    }
    let text = std::fs::read_to_string(name_or_path)
        .map_err(|e| format!("cannot read profile file `{name_or_path}`: {e}"))?;
    Profile::from_toml(name_or_path, &text).map_err(|e| e.to_string())
}
