//! The published terms say what the profile enforces (GTS-1).

use ecrin_app::terms::text;
use ecrin_core::Lang;

/// Checks GTS-1.
#[test]
fn gts_1_the_terms_state_the_profiles_values() {
    for name in ecrin_app::profiles::NAMES {
        let p = ecrin_app::profiles::load(name).unwrap_or_else(|e| panic!("{e}"));
        for lang in p.languages.clone() {
            let t = text(&p, lang);
            assert!(t.contains(&p.merchant.vat_number), "{name} {lang}");
            // BSK-1's limit, in the sentence that states it (not any such number).
            let n = p.basket.max_identical;
            let stated = match lang {
                Lang::Fr => format!("au plus {n} exemplaires d'une même référence"),
                Lang::It => format!("al massimo {n} pezzi dello stesso articolo"),
                Lang::En => format!("at most {n} units of one item"),
            };
            assert!(t.contains(&stated), "{name} {lang}: {stated}");
            assert!(t.lines().filter(|l| l.starts_with("## ")).count() >= 12);
        }
    }
    let paris = ecrin_app::profiles::load("paris").unwrap_or_else(|e| panic!("{e}"));
    assert!(text(&paris, Lang::Fr).contains("14 jours ouvrés"));
    assert!(text(&paris, Lang::Fr).contains("la version française prévaut"));
    let milano = ecrin_app::profiles::load("milano").unwrap_or_else(|e| panic!("{e}"));
    assert!(text(&milano, Lang::It).contains("5 giorni lavorativi"));
    assert!(text(&milano, Lang::En).contains("Italian version prevails"));
}
