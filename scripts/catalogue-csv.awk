# Writes a catalogue of PRODUCTS products with five variants each in the shop's CSV
# layout (profile `paris`: texts in French and English), for the catalogue benchmark:
#   awk -v PRODUCTS=10000 -f scripts/catalogue-csv.awk > catalogue.csv
# Names and descriptions draw on a few hundred words, so a search matches a share of
# the catalogue as it would in a house's own.
BEGIN {
    if (PRODUCTS == "") PRODUCTS = 10000
    split("constellation heritage lumiere rivage signature trait", coll, " ")
    split("ring necklace earrings bracelet pendant", kind, " ")
    split("Bague Collier Boucles Bracelet Pendentif", kind_fr, " ")
    split("Ring Necklace Earrings Bracelet Pendant", kind_en, " ")
    split("platinum rose-gold silver white-gold yellow-gold", metal, " ")
    split("diamond sapphire ruby emerald pearl onyx aquamarine tourmaline", stone, " ")
    split("Aurore Céleste Rivière Opaline Étoile Lune Soleil Marée Brume Ivoire Nacre Ambre Saphir Iris Lys Rose Camélia Jasmin Orchidée Pivoine Azur Corail Onde Écume Galet Dune Sable Perle Grain Fil Tresse Maille Anneau Jonc Volute Arabesque Cascade Goutte Larme Plume Aile Cœur Nœud Ruban Étincelle Éclat Reflet Prisme Halo Aura", word, " ")
    split("Dawn Celestial River Opaline Star Moon Sun Tide Mist Ivory Nacre Amber Sapphire Iris Lily Rose Camellia Jasmine Orchid Peony Azure Coral Wave Foam Pebble Dune Sand Pearl Grain Thread Braid Link Band Bangle Scroll Arabesque Cascade Drop Tear Feather Wing Heart Knot Ribbon Spark Gleam Reflection Prism Halo Aura", word_en, " ")
    nw = 50
    print "handle,collection,category,kind,published,published_from,published_until,lead_time_days,name_fr,description_fr,name_en,description_en,sku,metal,stone,size,weight_grams,price,list_price,on_hand,low_stock_threshold,photos"
    for (p = 1; p <= PRODUCTS; p++) {
        k = (p % 5) + 1
        a = (p * 7) % nw + 1
        b = (p * 13 + 3) % nw + 1
        handle = sprintf("piece-%05d", p)
        name_fr = kind_fr[k] " " word[a] " " word[b] " " p
        name_en = word_en[a] " " word_en[b] " " kind_en[k] " " p
        desc_fr = kind_fr[k] " " word[a] " en " metal[(p % 5) + 1] ", serti de " stone[(p % 8) + 1] ". Fait main à Paris, poli miroir, finition " word[(p * 3) % nw + 1] "."
        desc_en = kind_en[k] " " word_en[a] " in " metal[(p % 5) + 1] ", set with " stone[(p % 8) + 1] ". Handmade in Paris, mirror polish, " word_en[(p * 3) % nw + 1] " finish."
        category = (p % 10 == 0) ? "made_to_order" : "in_stock"
        lead = (category == "made_to_order") ? 30 : ""
        for (v = 1; v <= 5; v++) {
            m = metal[((p + v) % 5) + 1]
            s = (p % 4 == 0) ? "" : stone[((p + v) % 8) + 1]
            size = (k == 1) ? 48 + 2 * v : ""
            price = 300 + (p * 37 + v * 110) % 9000
            printf "%s,%s,%s,%s,true,,,%s,%s,\"%s\",%s,\"%s\",P%05d-%d,%s,%s,%s,%d,%d.00,,%d,1,\n", \
                handle, coll[(p % 6) + 1], category, kind[k], lead, name_fr, desc_fr, name_en, desc_en, \
                p, v, m, s, size, 3 + v, price, (p + v) % 7
        }
    }
}
