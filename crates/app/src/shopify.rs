//! A house moving from Shopify brings its product CSV export as it is (its published
//! layout: `Handle`, `Title`, `Body (HTML)`, `Type`, `Published`, `Option1 Name`/`Value` …
//! `Option3`, `Variant SKU`, `Variant Grams`, `Variant Inventory Qty`, `Variant Price`,
//! `Variant Compare At Price`, `Image Src`, `Status`, …). Each row is read into the
//! catalogue's own columns and goes through the same import, so it is as idempotent and
//! reports refused rows the same way, naming Shopify's column.
//!
//! What Shopify has and Écrin reads differently:
//! - a product's fields are on its first row only; later rows of the same handle carry a
//!   variant or an extra image;
//! - options are matched by name (`Metal`/`Métal`/`Metallo`, `Size`/`Taille`/`Misura`,
//!   `Stone`/`Pierre`/`Pietra`, and the like) and their values against the house's metals and
//!   stones, by slug or by name in any language;
//! - `Type` gives the kind of piece when it names one, and the collection: an existing one
//!   by slug or name, else one created with that name (`imported` without a type);
//! - the title is the prevailing language's name, the body its description as text;
//! - a variant without SKU gets `handle-option-values`, the same at every import;
//! - images are not fetched from Shopify's servers: the shop does not reach out to other
//!   sites (the import, like the native one, leaves photos to the product's page).

use crate::catalogue_csv::Row;
use crate::merchandising::KINDS;
use crate::{App, AppError};
use std::collections::BTreeMap;

/// Whether a header row is Shopify's layout (lower-cased names).
pub(crate) fn is_shopify(headers: &[String]) -> bool {
    headers.iter().any(|h| h == "variant sku") && headers.iter().any(|h| h == "handle")
}

/// The Shopify column a native column was read from, for the report (the native name
/// when it was not read from one).
pub(crate) fn column_of(native: &str) -> String {
    let shopify = match native {
        "handle" => "Handle",
        "collection" | "kind" => "Type",
        "published" => "Published",
        "sku" => "Variant SKU",
        "metal" | "stone" | "size" => "Option1 Value",
        "weight_grams" => "Variant Grams",
        "price" => "Variant Price",
        "list_price" => "Variant Compare At Price",
        "on_hand" => "Variant Inventory Qty",
        n if n.starts_with("name") => "Title",
        n if n.starts_with("description") => "Body (HTML)",
        _ => "",
    };
    if shopify.is_empty() {
        native.to_owned()
    } else {
        shopify.to_owned()
    }
}

/// Which of a piece's attributes an option's name is.
fn option_kind(name: &str) -> Option<&'static str> {
    let n = name.trim().to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if any(&[
        "metal", "métal", "metallo", "material", "matière", "gold", "or ", "oro",
    ]) {
        Some("metal")
    } else if any(&["stone", "pierre", "pietra", "gem", "gemme"]) {
        Some("stone")
    } else if any(&[
        "size",
        "taille",
        "misura",
        "tour de",
        "length",
        "longueur",
        "lunghezza",
    ]) {
        Some("size")
    } else {
        None
    }
}

/// A word as slugs and names are compared, and a slug made of a name: lower-case ASCII
/// letters and digits (accents dropped) joined by single dashes, 80 at most.
fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ÿ' | 'ý' => 'y',
            'œ' => 'o',
            'æ' => 'a',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(80).collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The kind of piece a product type names, in any of the three languages.
fn kind_of(kind: &str) -> Option<&'static str> {
    let k = kind.to_lowercase();
    let words: [(&str, &[&str]); 5] = [
        ("earrings", &["earring", "boucle", "orecchin"]),
        ("ring", &["ring", "bague", "anell", "alliance", "solitaire"]),
        (
            "necklace",
            &["necklace", "collier", "collana", "chain", "chaîne"],
        ),
        ("bracelet", &["bracelet", "bracciale", "jonc", "bangle"]),
        ("pendant", &["pendant", "pendentif", "ciondolo"]),
    ];
    words
        .iter()
        .find(|(_, ws)| ws.iter().any(|w| k.contains(w)))
        .map(|(kind, _)| *kind)
        .filter(|kind| KINDS.contains(kind))
}

/// A description in HTML as plain text: paragraphs and breaks as new lines, tags
/// dropped, the common entities read.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_lowercase();
        if tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("/li") {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The house's metals and stones by every word they are known by.
pub(crate) struct Vocabulary {
    metals: BTreeMap<String, String>,
    stones: BTreeMap<String, String>,
    collections: BTreeMap<String, String>,
}

impl Vocabulary {
    pub(crate) async fn of(app: &App) -> Result<Vocabulary, AppError> {
        let index = |refs: Vec<ecrin_store::Reference>| {
            let mut words = BTreeMap::new();
            for r in refs {
                for name in [&r.name.fr, &r.name.en, &r.name.it, &r.slug] {
                    if !name.is_empty() {
                        words.insert(key(name), r.slug.clone());
                    }
                }
            }
            words
        };
        Ok(Vocabulary {
            metals: index(app.store.materials().await?),
            stones: index(app.store.stones().await?),
            collections: index(app.store.collections().await?),
        })
    }

    fn find(words: &BTreeMap<String, String>, value: &str) -> Option<String> {
        let k = key(value);
        if let Some(slug) = words.get(&k) {
            return Some(slug.clone());
        }
        // "18k Yellow Gold" is yellow gold, and "Or jaune" is "Or jaune 18 carats": one
        // name inside the other, when that leaves one metal (or stone) only.
        let found: std::collections::BTreeSet<&String> = words
            .iter()
            .filter(|(w, _)| {
                k.len() >= 3 && w.len() >= 3 && (k.contains(w.as_str()) || w.contains(k.as_str()))
            })
            .map(|(_, slug)| slug)
            .collect();
        match found.len() {
            1 => found.into_iter().next().cloned(),
            _ => None,
        }
    }

    /// The collection a type names, and whether it must be created.
    pub(crate) fn collection(&self, kind: &str) -> (String, Option<String>) {
        let name = if kind.trim().is_empty() {
            "Imported"
        } else {
            kind.trim()
        };
        match self.collections.get(&key(name)) {
            Some(slug) => (slug.clone(), None),
            None => (key(name), Some(name.to_owned())),
        }
    }

    pub(crate) fn remember_collection(&mut self, slug: &str, name: &str) {
        self.collections.insert(key(name), slug.to_owned());
        self.collections.insert(key(slug), slug.to_owned());
    }
}

/// The product's fields, from its first row, that its other rows leave empty.
#[derive(Default, Clone)]
pub(crate) struct Product {
    title: String,
    body: String,
    kind: String,
    published: String,
    status: String,
    options: [String; 3],
}

/// A Shopify row read into the catalogue's columns; `None` for a row that only adds an
/// image to its product. `products` keeps each handle's first row; `missing` receives a
/// collection to create before the row is taken (name by slug).
pub(crate) fn row(
    app: &App,
    vocabulary: &Vocabulary,
    products: &mut BTreeMap<String, Product>,
    line: u64,
    get: &BTreeMap<String, String>,
    missing: &mut BTreeMap<String, String>,
) -> Option<Row> {
    let field = |c: &str| get.get(c).map(|v| v.trim().to_owned()).unwrap_or_default();
    let handle = field("handle");
    let given = Product {
        title: field("title"),
        body: field("body (html)"),
        kind: field("type"),
        published: field("published"),
        status: field("status"),
        options: [
            field("option1 name"),
            field("option2 name"),
            field("option3 name"),
        ],
    };
    let product = products
        .entry(handle.clone())
        .or_insert_with(|| given.clone())
        .clone();
    let values = [
        field("option1 value"),
        field("option2 value"),
        field("option3 value"),
    ];
    let sku = field("variant sku");
    let price = field("variant price");
    if sku.is_empty() && price.is_empty() && values.iter().all(String::is_empty) {
        return None;
    }
    let lang = app.profile.default_lang().code();
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        fields.insert(k.to_owned(), v);
    };
    put("handle", handle.clone());
    put(&format!("name_{lang}"), product.title.clone());
    put(&format!("description_{lang}"), text_of(&product.body));
    let (collection, create) = vocabulary.collection(&product.kind);
    if let Some(name) = create {
        missing.insert(collection.clone(), name);
    }
    put("collection", collection);
    put(
        "kind",
        kind_of(&product.kind).unwrap_or_default().to_owned(),
    );
    // Shopify sells from stock; made-to-order pieces are set so in the back office.
    put("category", "in_stock".to_owned());
    let draft = matches!(product.status.to_lowercase().as_str(), "draft" | "archived");
    let published = product.published.eq_ignore_ascii_case("true") && !draft;
    put("published", published.to_string());
    let mut unknown = None;
    for (name, value) in product.options.iter().zip(&values) {
        if value.is_empty() || value.eq_ignore_ascii_case("default title") {
            continue;
        }
        match option_kind(name) {
            Some("metal") => match Vocabulary::find(&vocabulary.metals, value) {
                Some(slug) => put("metal", slug),
                None => unknown = Some(("metal", value.clone())),
            },
            Some("stone") => match Vocabulary::find(&vocabulary.stones, value) {
                Some(slug) => put("stone", slug),
                None => unknown = Some(("stone", value.clone())),
            },
            Some(_) => put("size", value.clone()),
            None => {}
        }
    }
    let sku = if sku.is_empty() {
        let options: Vec<&str> = values
            .iter()
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .collect();
        key(&format!("{handle} {}", options.join(" "))).to_uppercase()
    } else {
        sku
    };
    put("sku", sku);
    let grams = field("variant grams");
    put(
        "weight_grams",
        grams.split('.').next().unwrap_or("").to_owned(),
    );
    put("price", price);
    put("list_price", field("variant compare at price"));
    put("on_hand", field("variant inventory qty"));
    let mut row = Row::new(line, fields);
    if let Some((column, value)) = unknown {
        row.mark(
            column,
            format!("no {column} of the house is called “{value}”"),
        );
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_in_html_are_read_as_text() {
        assert_eq!(
            text_of("<p>Or jaune 18&nbsp;carats</p><p>Poli &amp; brossé<br>Fait main</p>"),
            "Or jaune 18 carats\nPoli & brossé\nFait main"
        );
    }

    #[test]
    fn product_types_name_kinds_in_three_languages() {
        assert_eq!(kind_of("Bagues"), Some("ring"));
        assert_eq!(kind_of("Boucles d'oreilles"), Some("earrings"));
        assert_eq!(kind_of("Collana"), Some("necklace"));
        assert_eq!(kind_of("Gift card"), None);
    }
}
