//! Countries: ISO 3166-1 alpha-2 codes and the European Union's member states.

/// Every officially assigned ISO 3166-1 alpha-2 code.
const ISO_3166_1_ALPHA_2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ \
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM \
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB \
SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// The 27 member states of the European Union (since 1 February 2020).
pub const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// French overseas departments and collectivities that have their own ISO code. They are
/// outside the EU VAT territory: shipping there is an export (customs, DAP).
pub const FRENCH_OVERSEAS: [&str; 11] = [
    "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "PF", "NC", "WF",
];

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_iso_code(code: &str) -> bool {
    code.len() == 2
        && ISO_3166_1_ALPHA_2
            .split_ascii_whitespace()
            .any(|c| c == code)
}

pub fn is_eu_member(code: &str) -> bool {
    EU_MEMBERS.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_knows_the_served_countries_and_refuses_others() {
        assert!(is_iso_code("FR"));
        assert!(is_iso_code("VA"));
        assert!(is_iso_code("SX"));
        assert!(!is_iso_code("XX"));
        assert!(!is_iso_code("fr"));
        assert!(!is_iso_code("FRA"));
        assert_eq!(ISO_3166_1_ALPHA_2.split_ascii_whitespace().count(), 249);
        assert!(EU_MEMBERS.iter().all(|c| is_iso_code(c)));
        assert!(
            FRENCH_OVERSEAS
                .iter()
                .all(|c| is_iso_code(c) && !is_eu_member(c))
        );
    }
}
