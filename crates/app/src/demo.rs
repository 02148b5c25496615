//! The demo catalogue: 64 pieces across six collections, so a new shop has something
//! real to show. Descriptions say only what the data holds: metal, stone, size, category.

use ecrin_core::catalogue::Category;
use ecrin_store::{Localized, NewProduct, NewVariant, Reference};

fn l(fr: &str, en: &str, it: &str) -> Localized {
    Localized {
        fr: fr.to_owned(),
        en: en.to_owned(),
        it: it.to_owned(),
    }
}

fn reference(slug: &str, position: i64, name: Localized, description: Localized) -> Reference {
    Reference {
        slug: slug.to_owned(),
        position,
        name,
        description,
    }
}

pub fn collections() -> Vec<Reference> {
    vec![
        reference(
            "lumiere",
            1,
            l("Lumière", "Lumière", "Lumière"),
            l(
                "Des diamants montés pour laisser passer la lumière : solitaires, alliances et rivières.",
                "Diamonds set to let the light through: solitaires, bands and rivières.",
                "Diamanti incastonati per lasciar passare la luce: solitari, fedi e rivière.",
            ),
        ),
        reference(
            "rivage",
            2,
            l("Rivage", "Rivage", "Rivage"),
            l(
                "Perles de culture et aigues-marines, les couleurs du bord de mer.",
                "Cultured pearls and aquamarines, the colours of the shore.",
                "Perle coltivate e acquamarine, i colori della riva.",
            ),
        ),
        reference(
            "constellation",
            3,
            l("Constellation", "Constellation", "Costellazione"),
            l(
                "De petites pierres semées sur l'or comme des étoiles.",
                "Small stones scattered over gold like stars.",
                "Piccole pietre sparse sull'oro come stelle.",
            ),
        ),
        reference(
            "heritage",
            4,
            l("Héritage", "Heritage", "Eredità"),
            l(
                "Saphirs, rubis et émeraudes dans des montures classiques.",
                "Sapphires, rubies and emeralds in classic settings.",
                "Zaffiri, rubini e smeraldi in montature classiche.",
            ),
        ),
        reference(
            "trait",
            5,
            l("Trait", "Trait", "Tratto"),
            l(
                "Des lignes d'or et d'argent, sans pierre, à porter chaque jour.",
                "Lines of gold and silver, without stones, to wear every day.",
                "Linee d'oro e d'argento, senza pietre, da portare ogni giorno.",
            ),
        ),
        reference(
            "signature",
            6,
            l("Signature", "Signature", "Firma"),
            l(
                "Des pièces gravées ou façonnées pour vous, à votre demande.",
                "Pieces engraved or shaped for you, to your request.",
                "Pezzi incisi o realizzati per voi, su vostra richiesta.",
            ),
        ),
    ]
}

pub fn materials() -> Vec<Reference> {
    vec![
        reference(
            "yellow-gold",
            1,
            l(
                "Or jaune 18 carats",
                "18-carat yellow gold",
                "Oro giallo 18 carati",
            ),
            l("Or 750 millièmes.", "750/1000 gold.", "Oro 750 millesimi."),
        ),
        reference(
            "white-gold",
            2,
            l(
                "Or blanc 18 carats",
                "18-carat white gold",
                "Oro bianco 18 carati",
            ),
            l(
                "Or 750 millièmes, rhodié.",
                "750/1000 gold, rhodium-plated.",
                "Oro 750 millesimi, rodiato.",
            ),
        ),
        reference(
            "rose-gold",
            3,
            l(
                "Or rose 18 carats",
                "18-carat rose gold",
                "Oro rosa 18 carati",
            ),
            l("Or 750 millièmes.", "750/1000 gold.", "Oro 750 millesimi."),
        ),
        reference(
            "platinum",
            4,
            l("Platine 950", "Platinum 950", "Platino 950"),
            l(
                "Platine 950 millièmes.",
                "950/1000 platinum.",
                "Platino 950 millesimi.",
            ),
        ),
        reference(
            "silver",
            5,
            l("Argent 925", "Sterling silver", "Argento 925"),
            l(
                "Argent 925 millièmes.",
                "925/1000 silver.",
                "Argento 925 millesimi.",
            ),
        ),
    ]
}

pub fn stones() -> Vec<Reference> {
    vec![
        reference(
            "diamond",
            1,
            l("Diamant", "Diamond", "Diamante"),
            l(
                "Taille brillant, couleur G, pureté VS.",
                "Brilliant cut, colour G, clarity VS.",
                "Taglio brillante, colore G, purezza VS.",
            ),
        ),
        reference(
            "sapphire",
            2,
            l("Saphir", "Sapphire", "Zaffiro"),
            l(
                "Saphir bleu, taille ovale.",
                "Blue sapphire, oval cut.",
                "Zaffiro blu, taglio ovale.",
            ),
        ),
        reference(
            "ruby",
            3,
            l("Rubis", "Ruby", "Rubino"),
            l(
                "Rubis, taille coussin.",
                "Ruby, cushion cut.",
                "Rubino, taglio cuscino.",
            ),
        ),
        reference(
            "emerald",
            4,
            l("Émeraude", "Emerald", "Smeraldo"),
            l(
                "Émeraude, taille émeraude.",
                "Emerald, emerald cut.",
                "Smeraldo, taglio smeraldo.",
            ),
        ),
        reference(
            "pearl",
            5,
            l("Perle de culture", "Cultured pearl", "Perla coltivata"),
            l(
                "Perle Akoya de 7 à 7,5 mm.",
                "Akoya pearl, 7 to 7.5 mm.",
                "Perla Akoya da 7 a 7,5 mm.",
            ),
        ),
        reference(
            "aquamarine",
            6,
            l("Aigue-marine", "Aquamarine", "Acquamarina"),
            l(
                "Aigue-marine, taille poire.",
                "Aquamarine, pear cut.",
                "Acquamarina, taglio a goccia.",
            ),
        ),
        reference(
            "tourmaline",
            7,
            l("Tourmaline rose", "Pink tourmaline", "Tormalina rosa"),
            l(
                "Tourmaline rose, taille ronde.",
                "Pink tourmaline, round cut.",
                "Tormalina rosa, taglio rotondo.",
            ),
        ),
        reference(
            "onyx",
            8,
            l("Onyx", "Onyx", "Onice"),
            l(
                "Onyx noir poli.",
                "Polished black onyx.",
                "Onice nero lucidato.",
            ),
        ),
    ]
}

#[derive(Clone, Copy)]
enum Kind {
    Ring,
    Necklace,
    Earrings,
    Bracelet,
    Pendant,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::Ring => "ring",
            Kind::Necklace => "necklace",
            Kind::Earrings => "earrings",
            Kind::Bracelet => "bracelet",
            Kind::Pendant => "pendant",
        }
    }
    fn code(self) -> &'static str {
        match self {
            Kind::Ring => "RG",
            Kind::Necklace => "NK",
            Kind::Earrings => "ER",
            Kind::Bracelet => "BR",
            Kind::Pendant => "PD",
        }
    }
    /// Sizes a piece comes in: ring sizes (French and Italian circumference in mm),
    /// necklace lengths, bracelet lengths.
    fn sizes(self) -> &'static [&'static str] {
        match self {
            Kind::Ring => &["50", "52", "54", "56"],
            Kind::Necklace => &["42 cm", "45 cm"],
            Kind::Bracelet => &["16 cm", "18 cm"],
            Kind::Earrings | Kind::Pendant => &[],
        }
    }
    fn weight_grams(self) -> i64 {
        match self {
            Kind::Ring => 5,
            Kind::Necklace => 9,
            Kind::Earrings => 4,
            Kind::Bracelet => 14,
            Kind::Pendant => 6,
        }
    }
    fn noun(self) -> Localized {
        match self {
            Kind::Ring => l("Bague", "Ring", "Anello"),
            Kind::Necklace => l("Collier", "Necklace", "Collana"),
            Kind::Earrings => l("Boucles d'oreilles", "Earrings", "Orecchini"),
            Kind::Bracelet => l("Bracelet", "Bracelet", "Bracciale"),
            Kind::Pendant => l("Pendentif", "Pendant", "Pendente"),
        }
    }
    fn detail(self) -> Localized {
        match self {
            Kind::Ring => l(
                "Anneau de 2 mm à l'intérieur arrondi, proposé en tailles 50 à 56.",
                "A 2 mm band with a rounded inner edge, offered in sizes 50 to 56.",
                "Gambo di 2 mm con interno arrotondato, nelle misure da 50 a 56.",
            ),
            Kind::Necklace => l(
                "Chaîne forçat de 42 ou 45 cm, fermoir mousqueton.",
                "Cable chain of 42 or 45 cm with a lobster clasp.",
                "Catena forzatina di 42 o 45 cm, chiusura a moschettone.",
            ),
            Kind::Earrings => l(
                "Vendues par paire, fermoirs poussettes.",
                "Sold as a pair, with push-back fastenings.",
                "Vendute in coppia, chiusura a farfallina.",
            ),
            Kind::Bracelet => l(
                "Longueur 16 ou 18 cm, fermoir à cliquet sécurisé.",
                "16 or 18 cm long, with a secured box clasp.",
                "Lunghezza 16 o 18 cm, chiusura a scatto con sicura.",
            ),
            Kind::Pendant => l(
                "Pendentif seul, bélière ouverte pour vos chaînes jusqu'à 2 mm.",
                "Pendant only, with an open bail for chains up to 2 mm.",
                "Solo pendente, con anellino aperto per catene fino a 2 mm.",
            ),
        }
    }
}

/// One piece of the demo catalogue.
struct Piece {
    slug: &'static str,
    kind: Kind,
    collection: &'static str,
    stone: Option<&'static str>,
    metals: &'static [&'static str],
    category: Category,
    /// Euros, VAT included, in the first metal.
    price: i64,
    name: [&'static str; 3],
    /// A reduction of this many percent, started five days ago (CAT-7).
    reduction: i64,
}

const YG: &str = "yellow-gold";
const WG: &str = "white-gold";
const RG: &str = "rose-gold";
const PT: &str = "platinum";
const AG: &str = "silver";

use Category::{CustomMade as CUSTOM, InStock as STOCK, MadeToOrder as MTO};

#[rustfmt::skip]
const PIECES: &[Piece] = &[
    // Lumière
    Piece { slug: "solitaire-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[PT, YG], category: STOCK, price: 3450, name: ["Solitaire Lumière", "Lumière Solitaire", "Solitario Lumière"], reduction: 0 },
    Piece { slug: "alliance-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[PT, WG], category: STOCK, price: 1890, name: ["Alliance Lumière", "Lumière Eternity Band", "Fede Lumière"], reduction: 0 },
    Piece { slug: "demi-alliance-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[WG, YG], category: STOCK, price: 1290, name: ["Demi-alliance Lumière", "Lumière Half Band", "Mezza fede Lumière"], reduction: 15 },
    Piece { slug: "riviere-lumiere", kind: Kind::Necklace, collection: "lumiere", stone: Some("diamond"), metals: &[WG], category: MTO, price: 8900, name: ["Rivière Lumière", "Lumière Rivière Necklace", "Rivière Lumière"], reduction: 0 },
    Piece { slug: "puces-lumiere", kind: Kind::Earrings, collection: "lumiere", stone: Some("diamond"), metals: &[WG, YG], category: STOCK, price: 990, name: ["Puces Lumière", "Lumière Studs", "Punti luce Lumière"], reduction: 0 },
    Piece { slug: "pendentif-lumiere", kind: Kind::Pendant, collection: "lumiere", stone: Some("diamond"), metals: &[YG, WG], category: STOCK, price: 760, name: ["Pendentif Lumière", "Lumière Pendant", "Pendente Lumière"], reduction: 0 },
    Piece { slug: "bracelet-ligne-lumiere", kind: Kind::Bracelet, collection: "lumiere", stone: Some("diamond"), metals: &[WG], category: MTO, price: 6400, name: ["Bracelet ligne Lumière", "Lumière Line Bracelet", "Bracciale tennis Lumière"], reduction: 0 },
    Piece { slug: "toi-et-moi-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[YG], category: MTO, price: 4200, name: ["Toi et Moi Lumière", "Lumière Toi et Moi Ring", "Anello Toi et Moi Lumière"], reduction: 0 },
    Piece { slug: "creoles-lumiere", kind: Kind::Earrings, collection: "lumiere", stone: Some("diamond"), metals: &[YG, RG], category: STOCK, price: 1650, name: ["Créoles Lumière", "Lumière Hoops", "Cerchi Lumière"], reduction: 0 },
    Piece { slug: "chevaliere-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[YG], category: STOCK, price: 2100, name: ["Chevalière Lumière", "Lumière Signet Ring", "Chevalier Lumière"], reduction: 0 },
    Piece { slug: "solitaire-ovale-lumiere", kind: Kind::Ring, collection: "lumiere", stone: Some("diamond"), metals: &[PT], category: STOCK, price: 5200, name: ["Solitaire ovale Lumière", "Lumière Oval Solitaire", "Solitario ovale Lumière"], reduction: 0 },
    // Rivage
    Piece { slug: "collier-perles-rivage", kind: Kind::Necklace, collection: "rivage", stone: Some("pearl"), metals: &[YG, WG], category: STOCK, price: 1350, name: ["Collier de perles Rivage", "Rivage Pearl Necklace", "Collana di perle Rivage"], reduction: 0 },
    Piece { slug: "boutons-perle-rivage", kind: Kind::Earrings, collection: "rivage", stone: Some("pearl"), metals: &[YG, WG], category: STOCK, price: 420, name: ["Boutons perle Rivage", "Rivage Pearl Studs", "Orecchini perla Rivage"], reduction: 0 },
    Piece { slug: "bague-perle-rivage", kind: Kind::Ring, collection: "rivage", stone: Some("pearl"), metals: &[YG], category: STOCK, price: 690, name: ["Bague perle Rivage", "Rivage Pearl Ring", "Anello perla Rivage"], reduction: 20 },
    Piece { slug: "bracelet-perles-rivage", kind: Kind::Bracelet, collection: "rivage", stone: Some("pearl"), metals: &[YG, AG], category: STOCK, price: 580, name: ["Bracelet perles Rivage", "Rivage Pearl Bracelet", "Bracciale perle Rivage"], reduction: 0 },
    Piece { slug: "goutte-aigue-marine-rivage", kind: Kind::Pendant, collection: "rivage", stone: Some("aquamarine"), metals: &[WG, YG], category: STOCK, price: 880, name: ["Goutte aigue-marine Rivage", "Rivage Aquamarine Drop", "Goccia acquamarina Rivage"], reduction: 0 },
    Piece { slug: "pendants-aigue-marine-rivage", kind: Kind::Earrings, collection: "rivage", stone: Some("aquamarine"), metals: &[WG], category: STOCK, price: 1240, name: ["Pendants aigue-marine Rivage", "Rivage Aquamarine Drop Earrings", "Pendenti acquamarina Rivage"], reduction: 0 },
    Piece { slug: "bague-aigue-marine-rivage", kind: Kind::Ring, collection: "rivage", stone: Some("aquamarine"), metals: &[WG, PT], category: MTO, price: 1980, name: ["Bague aigue-marine Rivage", "Rivage Aquamarine Ring", "Anello acquamarina Rivage"], reduction: 0 },
    Piece { slug: "sautoir-perles-rivage", kind: Kind::Necklace, collection: "rivage", stone: Some("pearl"), metals: &[YG], category: MTO, price: 2900, name: ["Sautoir perles Rivage", "Rivage Pearl Sautoir", "Sautoir di perle Rivage"], reduction: 0 },
    Piece { slug: "creoles-perle-rivage", kind: Kind::Earrings, collection: "rivage", stone: Some("pearl"), metals: &[AG, YG], category: STOCK, price: 260, name: ["Créoles perle Rivage", "Rivage Pearl Hoops", "Cerchi perla Rivage"], reduction: 0 },
    Piece { slug: "jonc-rivage", kind: Kind::Bracelet, collection: "rivage", stone: None, metals: &[AG, YG], category: STOCK, price: 340, name: ["Jonc Rivage", "Rivage Bangle", "Bangle Rivage"], reduction: 0 },
    // Constellation
    Piece { slug: "bague-constellation", kind: Kind::Ring, collection: "constellation", stone: Some("diamond"), metals: &[YG, RG], category: STOCK, price: 1150, name: ["Bague Constellation", "Constellation Ring", "Anello Costellazione"], reduction: 0 },
    Piece { slug: "collier-constellation", kind: Kind::Necklace, collection: "constellation", stone: Some("diamond"), metals: &[YG, RG], category: STOCK, price: 1480, name: ["Collier Constellation", "Constellation Necklace", "Collana Costellazione"], reduction: 10 },
    Piece { slug: "puces-etoile-constellation", kind: Kind::Earrings, collection: "constellation", stone: Some("diamond"), metals: &[YG], category: STOCK, price: 540, name: ["Puces étoile Constellation", "Constellation Star Studs", "Orecchini stella Costellazione"], reduction: 0 },
    Piece { slug: "bracelet-constellation", kind: Kind::Bracelet, collection: "constellation", stone: Some("sapphire"), metals: &[YG, WG], category: STOCK, price: 1320, name: ["Bracelet Constellation", "Constellation Bracelet", "Bracciale Costellazione"], reduction: 0 },
    Piece { slug: "medaille-constellation", kind: Kind::Pendant, collection: "constellation", stone: Some("diamond"), metals: &[YG, RG], category: STOCK, price: 620, name: ["Médaille Constellation", "Constellation Medal", "Medaglia Costellazione"], reduction: 0 },
    Piece { slug: "bague-saphirs-constellation", kind: Kind::Ring, collection: "constellation", stone: Some("sapphire"), metals: &[WG, YG], category: STOCK, price: 1390, name: ["Bague saphirs Constellation", "Constellation Sapphire Ring", "Anello zaffiri Costellazione"], reduction: 0 },
    Piece { slug: "ear-cuff-constellation", kind: Kind::Earrings, collection: "constellation", stone: Some("diamond"), metals: &[YG], category: STOCK, price: 480, name: ["Bague d'oreille Constellation", "Constellation Ear Cuff", "Ear cuff Costellazione"], reduction: 0 },
    Piece { slug: "bague-tourmaline-constellation", kind: Kind::Ring, collection: "constellation", stone: Some("tourmaline"), metals: &[RG], category: STOCK, price: 980, name: ["Bague tourmaline Constellation", "Constellation Tourmaline Ring", "Anello tormalina Costellazione"], reduction: 0 },
    Piece { slug: "pendentif-tourmaline-constellation", kind: Kind::Pendant, collection: "constellation", stone: Some("tourmaline"), metals: &[RG, YG], category: STOCK, price: 590, name: ["Pendentif tourmaline Constellation", "Constellation Tourmaline Pendant", "Pendente tormalina Costellazione"], reduction: 0 },
    Piece { slug: "collier-voie-lactee", kind: Kind::Necklace, collection: "constellation", stone: Some("diamond"), metals: &[WG], category: MTO, price: 3900, name: ["Collier Voie lactée", "Milky Way Necklace", "Collana Via Lattea"], reduction: 0 },
    // Héritage
    Piece { slug: "bague-saphir-heritage", kind: Kind::Ring, collection: "heritage", stone: Some("sapphire"), metals: &[PT, WG], category: STOCK, price: 4600, name: ["Bague saphir Héritage", "Heritage Sapphire Ring", "Anello zaffiro Eredità"], reduction: 0 },
    Piece { slug: "bague-rubis-heritage", kind: Kind::Ring, collection: "heritage", stone: Some("ruby"), metals: &[YG, PT], category: STOCK, price: 4950, name: ["Bague rubis Héritage", "Heritage Ruby Ring", "Anello rubino Eredità"], reduction: 0 },
    Piece { slug: "bague-emeraude-heritage", kind: Kind::Ring, collection: "heritage", stone: Some("emerald"), metals: &[YG], category: MTO, price: 5800, name: ["Bague émeraude Héritage", "Heritage Emerald Ring", "Anello smeraldo Eredità"], reduction: 0 },
    Piece { slug: "pendants-saphir-heritage", kind: Kind::Earrings, collection: "heritage", stone: Some("sapphire"), metals: &[WG], category: STOCK, price: 2700, name: ["Pendants saphir Héritage", "Heritage Sapphire Drops", "Pendenti zaffiro Eredità"], reduction: 0 },
    Piece { slug: "collier-rubis-heritage", kind: Kind::Necklace, collection: "heritage", stone: Some("ruby"), metals: &[YG], category: MTO, price: 7300, name: ["Collier rubis Héritage", "Heritage Ruby Necklace", "Collana rubini Eredità"], reduction: 0 },
    Piece { slug: "bracelet-emeraudes-heritage", kind: Kind::Bracelet, collection: "heritage", stone: Some("emerald"), metals: &[YG], category: MTO, price: 9600, name: ["Bracelet émeraudes Héritage", "Heritage Emerald Bracelet", "Bracciale smeraldi Eredità"], reduction: 0 },
    Piece { slug: "broche-pendentif-heritage", kind: Kind::Pendant, collection: "heritage", stone: Some("emerald"), metals: &[YG], category: STOCK, price: 3100, name: ["Pendentif émeraude Héritage", "Heritage Emerald Pendant", "Pendente smeraldo Eredità"], reduction: 0 },
    Piece { slug: "puces-rubis-heritage", kind: Kind::Earrings, collection: "heritage", stone: Some("ruby"), metals: &[YG, WG], category: STOCK, price: 1450, name: ["Puces rubis Héritage", "Heritage Ruby Studs", "Orecchini rubino Eredità"], reduction: 0 },
    Piece { slug: "chevaliere-onyx-heritage", kind: Kind::Ring, collection: "heritage", stone: Some("onyx"), metals: &[YG, AG], category: STOCK, price: 1180, name: ["Chevalière onyx Héritage", "Heritage Onyx Signet Ring", "Chevalier onice Eredità"], reduction: 25 },
    Piece { slug: "bague-marquise-heritage", kind: Kind::Ring, collection: "heritage", stone: Some("sapphire"), metals: &[YG], category: STOCK, price: 3650, name: ["Bague marquise Héritage", "Heritage Marquise Ring", "Anello marquise Eredità"], reduction: 0 },
    Piece { slug: "collier-saphirs-heritage", kind: Kind::Necklace, collection: "heritage", stone: Some("sapphire"), metals: &[WG], category: MTO, price: 6900, name: ["Collier saphirs Héritage", "Heritage Sapphire Necklace", "Collana zaffiri Eredità"], reduction: 0 },
    // Trait
    Piece { slug: "jonc-trait", kind: Kind::Bracelet, collection: "trait", stone: None, metals: &[YG, AG], category: STOCK, price: 1250, name: ["Jonc Trait", "Trait Bangle", "Bangle Tratto"], reduction: 0 },
    Piece { slug: "anneau-trait", kind: Kind::Ring, collection: "trait", stone: None, metals: &[YG, WG, RG], category: STOCK, price: 380, name: ["Anneau Trait", "Trait Band", "Fascia Tratto"], reduction: 0 },
    Piece { slug: "chaine-trait", kind: Kind::Necklace, collection: "trait", stone: None, metals: &[YG, AG], category: STOCK, price: 560, name: ["Chaîne Trait", "Trait Chain", "Catena Tratto"], reduction: 0 },
    Piece { slug: "creoles-trait", kind: Kind::Earrings, collection: "trait", stone: None, metals: &[YG, AG], category: STOCK, price: 390, name: ["Créoles Trait", "Trait Hoops", "Cerchi Tratto"], reduction: 0 },
    Piece { slug: "manchette-trait", kind: Kind::Bracelet, collection: "trait", stone: None, metals: &[AG], category: STOCK, price: 290, name: ["Manchette Trait", "Trait Cuff", "Polsiera Tratto"], reduction: 0 },
    Piece { slug: "bague-onyx-trait", kind: Kind::Ring, collection: "trait", stone: Some("onyx"), metals: &[AG], category: STOCK, price: 180, name: ["Bague onyx Trait", "Trait Onyx Ring", "Anello onice Tratto"], reduction: 0 },
    Piece { slug: "pendentif-barre-trait", kind: Kind::Pendant, collection: "trait", stone: None, metals: &[YG, AG], category: STOCK, price: 240, name: ["Pendentif barre Trait", "Trait Bar Pendant", "Pendente barretta Tratto"], reduction: 0 },
    Piece { slug: "gourmette-trait", kind: Kind::Bracelet, collection: "trait", stone: None, metals: &[AG, YG], category: STOCK, price: 210, name: ["Gourmette Trait", "Trait Curb Bracelet", "Bracciale grumetta Tratto"], reduction: 10 },
    Piece { slug: "anneau-double-trait", kind: Kind::Ring, collection: "trait", stone: None, metals: &[AG], category: STOCK, price: 120, name: ["Anneau double Trait", "Trait Double Band", "Doppia fascia Tratto"], reduction: 0 },
    Piece { slug: "puces-trait", kind: Kind::Earrings, collection: "trait", stone: None, metals: &[AG, YG], category: STOCK, price: 95, name: ["Puces Trait", "Trait Studs", "Lobo Tratto"], reduction: 0 },
    Piece { slug: "collier-serpent-trait", kind: Kind::Necklace, collection: "trait", stone: None, metals: &[YG], category: STOCK, price: 1890, name: ["Collier serpent Trait", "Trait Snake Chain", "Collana serpente Tratto"], reduction: 0 },
    // Signature: engraved or made to the customer's specification (WDR-3).
    Piece { slug: "medaille-gravee-signature", kind: Kind::Pendant, collection: "signature", stone: None, metals: &[YG, RG, AG], category: CUSTOM, price: 450, name: ["Médaille gravée Signature", "Signature Engraved Medal", "Medaglia incisa Firma"], reduction: 0 },
    Piece { slug: "chevaliere-gravee-signature", kind: Kind::Ring, collection: "signature", stone: None, metals: &[YG, AG], category: CUSTOM, price: 980, name: ["Chevalière gravée Signature", "Signature Engraved Signet Ring", "Chevalier inciso Firma"], reduction: 0 },
    Piece { slug: "alliance-gravee-signature", kind: Kind::Ring, collection: "signature", stone: None, metals: &[YG, WG, PT], category: CUSTOM, price: 690, name: ["Alliance gravée Signature", "Signature Engraved Wedding Band", "Fede incisa Firma"], reduction: 0 },
    Piece { slug: "jonc-grave-signature", kind: Kind::Bracelet, collection: "signature", stone: None, metals: &[AG, YG], category: CUSTOM, price: 360, name: ["Jonc gravé Signature", "Signature Engraved Bangle", "Bangle inciso Firma"], reduction: 0 },
    Piece { slug: "initiale-signature", kind: Kind::Pendant, collection: "signature", stone: Some("diamond"), metals: &[YG, RG], category: CUSTOM, price: 520, name: ["Initiale Signature", "Signature Initial Pendant", "Iniziale Firma"], reduction: 0 },
    Piece { slug: "bague-sur-mesure-signature", kind: Kind::Ring, collection: "signature", stone: Some("diamond"), metals: &[PT, YG], category: CUSTOM, price: 4900, name: ["Bague sur mesure Signature", "Signature Bespoke Ring", "Anello su misura Firma"], reduction: 0 },
    Piece { slug: "collier-prenom-signature", kind: Kind::Necklace, collection: "signature", stone: None, metals: &[YG, AG], category: CUSTOM, price: 390, name: ["Collier prénom Signature", "Signature Name Necklace", "Collana nome Firma"], reduction: 0 },
    Piece { slug: "gourmette-gravee-signature", kind: Kind::Bracelet, collection: "signature", stone: None, metals: &[AG, YG], category: CUSTOM, price: 280, name: ["Gourmette gravée Signature", "Signature Engraved ID Bracelet", "Bracciale inciso Firma"], reduction: 0 },
    Piece { slug: "boutons-initiales-signature", kind: Kind::Earrings, collection: "signature", stone: None, metals: &[YG], category: CUSTOM, price: 340, name: ["Boutons initiales Signature", "Signature Initial Studs", "Orecchini iniziali Firma"], reduction: 0 },
    Piece { slug: "medaille-naissance-signature", kind: Kind::Pendant, collection: "signature", stone: None, metals: &[YG, RG], category: CUSTOM, price: 410, name: ["Médaille de naissance Signature", "Signature Birth Medal", "Medaglia nascita Firma"], reduction: 0 },
];

/// Lead time of a made-to-order or custom-made piece, in days (within CAT-2's six weeks).
fn lead_time_days(category: Category, index: usize) -> Option<i64> {
    match category {
        Category::InStock => None,
        Category::MadeToOrder => Some(21 + (index as i64 % 3) * 7),
        Category::CustomMade => Some(14 + (index as i64 % 2) * 7),
    }
}

/// Price in a metal, from the price in the first metal: platinum costs more, silver less.
fn price_in(base_eur: i64, first: &str, metal: &str) -> i64 {
    let factor = |m: &str| match m {
        "platinum" => 130,
        "silver" => 35,
        _ => 100,
    };
    let eur = base_eur * factor(metal) / factor(first);
    // Round to 10 €, keep at least 40 €.
    ((eur + 5) / 10 * 10).max(40) * 100
}

fn metal_code(metal: &str) -> &'static str {
    match metal {
        "yellow-gold" => "YG",
        "white-gold" => "WG",
        "rose-gold" => "RG",
        "platinum" => "PT",
        _ => "AG",
    }
}

fn find<'a>(list: &'a [Reference], slug: &str) -> Option<&'a Reference> {
    list.iter().find(|r| r.slug == slug)
}

fn description_of(p: &Piece, index: usize) -> Localized {
    let mats = materials();
    let sts = stones();
    let metal_names = |lang: fn(&Localized) -> &str, and: &str| {
        let names: Vec<String> = p
            .metals
            .iter()
            .filter_map(|m| find(&mats, m))
            .map(|r| lang(&r.name).to_lowercase())
            .collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} {and} {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    let stone = p.stone.and_then(|s| find(&sts, s));
    let detail = p.kind.detail();
    let fr_stone = stone
        .map(|s| {
            format!(
                " Pierre : {} — {}",
                s.name.fr.to_lowercase(),
                s.description.fr
            )
        })
        .unwrap_or_default();
    let en_stone = stone
        .map(|s| {
            format!(
                " Stone: {} — {}",
                s.name.en.to_lowercase(),
                s.description.en
            )
        })
        .unwrap_or_default();
    let it_stone = stone
        .map(|s| {
            format!(
                " Pietra: {} — {}",
                s.name.it.to_lowercase(),
                s.description.it
            )
        })
        .unwrap_or_default();
    let (fr_cat, en_cat, it_cat) = match p.category {
        Category::InStock => (
            "Pièce en stock, expédiée depuis notre atelier.".to_owned(),
            "In stock, shipped from our workshop.".to_owned(),
            "Disponibile, spedito dal nostro laboratorio.".to_owned(),
        ),
        Category::MadeToOrder => {
            let d = lead_time_days(p.category, index).unwrap_or(0);
            (
                format!("Réalisée à la commande en {d} jours environ."),
                format!("Made to order in about {d} days."),
                format!("Realizzato su ordinazione in circa {d} giorni."),
            )
        }
        Category::CustomMade => (
            "Gravée ou façonnée à votre demande : une pièce personnalisée ne peut faire l'objet d'une rétractation.".to_owned(),
            "Engraved or shaped to your request: a personalised piece cannot be withdrawn from.".to_owned(),
            "Inciso o realizzato su vostra richiesta: un pezzo personalizzato è escluso dal recesso.".to_owned(),
        ),
    };
    Localized {
        fr: format!(
            "{} en {}.{} {} {}",
            p.kind.noun().fr,
            metal_names(|l| &l.fr, "ou"),
            fr_stone,
            detail.fr,
            fr_cat
        ),
        en: format!(
            "{} in {}.{} {} {}",
            p.kind.noun().en,
            metal_names(|l| &l.en, "or"),
            en_stone,
            detail.en,
            en_cat
        ),
        it: format!(
            "{} in {}.{} {} {}",
            p.kind.noun().it,
            metal_names(|l| &l.it, "o"),
            it_stone,
            detail.it,
            it_cat
        ),
    }
}

/// A demo product and, for a reduced one, its price before the reduction.
#[derive(Debug, Clone)]
pub struct DemoProduct {
    pub product: NewProduct,
    pub reduction_percent: i64,
}

pub fn products() -> Vec<DemoProduct> {
    let mats = materials();
    let sts = stones();
    PIECES
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let prefix: String = p
                .collection
                .chars()
                .take(3)
                .collect::<String>()
                .to_uppercase();
            let mut variants = Vec::new();
            let sizes: Vec<Option<&str>> = if p.kind.sizes().is_empty() {
                vec![None]
            } else {
                p.kind.sizes().iter().map(|s| Some(*s)).collect()
            };
            for metal in p.metals {
                for size in &sizes {
                    let n = variants.len();
                    let size_code = size
                        .map(|s| format!("-{}", s.trim_end_matches(" cm")))
                        .unwrap_or_default();
                    let price = price_in(p.price, p.metals[0], metal);
                    // Stock: a little of everything, some sizes sold out, and one piece
                    // sold out entirely to show how that reads.
                    let on_hand = match p.category {
                        Category::InStock if p.slug == "solitaire-ovale-lumiere" => 0,
                        Category::InStock => ((index * 7 + n * 3) % 6) as i64,
                        _ => 0,
                    };
                    let weight = p.kind.weight_grams() + (index as i64 % 4);
                    variants.push(NewVariant {
                        sku: format!(
                            "{prefix}-{:03}-{}-{}{size_code}",
                            index + 1,
                            p.kind.code(),
                            metal_code(metal)
                        ),
                        metal: (*metal).to_owned(),
                        stone: p.stone.map(str::to_owned),
                        size: size.map(str::to_owned),
                        price,
                        list_price: None,
                        on_hand,
                        weight_grams: weight,
                    });
                }
            }
            let mut keywords = String::new();
            for m in p.metals.iter().filter_map(|m| find(&mats, m)) {
                keywords.push_str(&m.name.all().join(" "));
                keywords.push(' ');
            }
            if let Some(s) = p.stone.and_then(|s| find(&sts, s)) {
                keywords.push_str(&s.name.all().join(" "));
                keywords.push(' ');
            }
            keywords.push_str(&p.kind.noun().all().join(" "));
            keywords.push(' ');
            keywords.push_str(p.kind.slug());
            DemoProduct {
                product: NewProduct {
                    id: format!("prd_{:04}", index + 1),
                    slug: p.slug.to_owned(),
                    position: (index as i64 + 1) * 10,
                    kind: p.kind.slug().to_owned(),
                    collection: p.collection.to_owned(),
                    category: p.category,
                    lead_time_days: lead_time_days(p.category, index),
                    personalisable: p.category == Category::CustomMade,
                    name: l(p.name[0], p.name[1], p.name[2]),
                    description: description_of(p, index),
                    variants,
                    keywords,
                },
                reduction_percent: p.reduction,
            }
        })
        .collect()
}
