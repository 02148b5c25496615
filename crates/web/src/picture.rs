//! Generated product pictures: a drawing of each piece in its metal and stone colours.

use askama::Template;

/// Colours of a metal: light, mid and dark tones of its gradient.
fn metal_tones(metal: &str) -> (&'static str, &'static str, &'static str) {
    match metal {
        "yellow-gold" => ("#f6e3a1", "#d4af37", "#8a6d1f"),
        "rose-gold" => ("#f6d5c6", "#d99a84", "#9a5c48"),
        "white-gold" => ("#ffffff", "#dfe3e8", "#9aa3ad"),
        "platinum" => ("#f4f6f8", "#cfd4d8", "#8c949c"),
        _ => ("#fbfbfb", "#c6cacd", "#868b90"),
    }
}

fn stone_tones(stone: &str) -> (&'static str, &'static str) {
    match stone {
        "diamond" => ("#ffffff", "#c9dff2"),
        "sapphire" => ("#4f7fd6", "#173a85"),
        "ruby" => ("#e0445e", "#7d0f22"),
        "emerald" => ("#4fbf84", "#145c37"),
        "pearl" => ("#fffdf7", "#e3d9c6"),
        "aquamarine" => ("#bfeaf2", "#5fa9bd"),
        "tourmaline" => ("#f7b8cf", "#c25b82"),
        _ => ("#4a4a4a", "#0d0d0d"),
    }
}

#[derive(Template)]
#[template(path = "picture.svg", escape = "html")]
pub(crate) struct Picture {
    pub kind: String,
    pub light: &'static str,
    pub mid: &'static str,
    pub dark: &'static str,
    pub has_stone: bool,
    pub stone_light: &'static str,
    pub stone_dark: &'static str,
    pub pearl: bool,
    pub title: String,
}

impl Picture {
    pub fn new(kind: &str, metal: &str, stone: Option<&str>, title: String) -> Picture {
        let (light, mid, dark) = metal_tones(metal);
        let (stone_light, stone_dark) = stone_tones(stone.unwrap_or("none"));
        Picture {
            kind: kind.to_owned(),
            light,
            mid,
            dark,
            has_stone: stone.is_some(),
            stone_light,
            stone_dark,
            pearl: stone == Some("pearl"),
            title,
        }
    }
}
