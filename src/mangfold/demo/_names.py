"""Names for the demo municipality: sectors, unit name templates, places, municipalities, boards.

The Oslo sectors are *Oslo-like* city departments (byrådsavdelinger), not the actual organisation.
Each sector row: (name, share of employees, lbg2 share among leaders, lbg2 share among employees,
unit name templates). The lbg2 shares are assumptions spanning 3-14 % for leaders (brief: sector variation)
around the plan's 8 % overall; the generator rescales them so the overall shares match :mod:`.truths`.
"""

from __future__ import annotations

OSLO_SECTORS: tuple[tuple[str, float, float, float, tuple[str, ...]], ...] = (
    ("Byrådsavdeling for oppvekst og kunnskap", 0.30, 0.070, 0.22,
     ("{p} skole", "{p} barnehage", "{p} ungdomsskole", "{p} videregående skole", "Utdanningsetaten {p}")),
    ("Byrådsavdeling for helse og eldre", 0.22, 0.140, 0.42,
     ("{p} sykehjem", "{p} helsehus", "Hjemmetjenesten {p}", "Helsestasjon {p}")),
    ("Byrådsavdeling for arbeid og sosiale tjenester", 0.10, 0.120, 0.34,
     ("NAV {p}", "Velferdsetaten {p}", "Bo- og omsorgstjenesten {p}")),
    ("Byrådsavdeling for innbyggertjenester", 0.06, 0.100, 0.30,
     ("Bydel {p}", "Innbyggerservice {p}")),
    ("Byrådsavdeling for miljø og samferdsel", 0.06, 0.050, 0.20,
     ("Bymiljøetaten {p}", "Renovasjons- og gjenvinningsetaten {p}", "Vann- og avløpsetaten {p}")),
    ("Byrådsavdeling for byutvikling", 0.03, 0.040, 0.12,
     ("Plan- og bygningsetaten {p}", "Eiendoms- og byfornyelsesetaten {p}")),
    ("Byrådsavdeling for finans", 0.04, 0.040, 0.13,
     ("Utviklings- og kompetanseetaten {p}", "Kemnerkontoret {p}", "Oslo kommunerevisjon {p}")),
    ("Byrådsavdeling for næring og eierskap", 0.02, 0.040, 0.10,
     ("Næringsetaten {p}", "Boligbygg {p}")),
    ("Byrådsavdeling for kultur og idrett", 0.03, 0.030, 0.10,
     ("Kulturetaten {p}", "Deichman {p}", "Idrettsetaten {p}")),
    ("Byrådslederens kontor", 0.01, 0.030, 0.10,
     ("Byrådslederens kontor {p}", "Kommuneadvokaten {p}")),
    ("Byrådsavdeling for digitalisering og fornyelse", 0.02, 0.060, 0.16,
     ("Digitaliseringsetaten {p}", "Oslo Origo {p}")),
    ("Byrådsavdeling for klima og energi", 0.02, 0.050, 0.14,
     ("Klimaetaten {p}", "Energisenteret {p}")),
    ("Byrådsavdeling for sosiale tjenester og bolig", 0.04, 0.110, 0.32,
     ("Boligetaten {p}", "Rusetaten {p}", "Botilbud {p}")),
    ("Byrådsavdeling for inkludering og frivillighet", 0.02, 0.130, 0.30,
     ("Oslo voksenopplæring {p}", "Introduksjonssenteret {p}", "Frivillighetssentral {p}")),
    ("Byrådsavdeling for beredskap og sikkerhet", 0.03, 0.050, 0.15,
     ("Brann- og redningsetaten {p}", "Legevakten {p}", "Beredskapsetaten {p}")),
)

#: Sectors used at the small scale (indices into OSLO_SECTORS).
SMALL_SECTORS = (0, 1, 2, 6)

OSLO_PLACES = (
    "Tøyen", "Grünerløkka", "Sagene", "Frogner", "Majorstuen", "Holmlia", "Stovner", "Furuset", "Grorud",
    "Bjerke", "Nordstrand", "Søndre Nordstrand", "Ullern", "Vestre Aker", "Nordre Aker", "Alna",
    "Gamle Oslo", "St. Hanshaugen", "Østensjø", "Bøler", "Haugerud", "Romsås", "Vinderen", "Røa",
    "Smestad", "Skøyen", "Kampen", "Vålerenga", "Ekeberg", "Lambertseter", "Manglerud", "Bryn", "Helsfyr",
    "Ensjø", "Økern", "Hasle", "Sinsen", "Torshov", "Bislett", "Fagerborg", "Mortensrud", "Hauketo",
    "Prinsdal", "Ljan", "Kjelsås", "Grefsen", "Tåsen", "Ullevål", "Blindern", "Sogn", "Tveita", "Trosterud",
    "Lindeberg", "Høybråten", "Rommen", "Vestli", "Ammerud", "Kalbakken", "Linderud", "Veitvet",
)

#: Generic sectors of the other municipalities at national scale: (name, employee share, unit stems).
OTHER_SECTORS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Oppvekst og utdanning", 0.40, ("skole", "barnehage", "ungdomsskole", "PPT")),
    ("Helse og omsorg", 0.38, ("sykehjem", "hjemmetjeneste", "helsestasjon", "bofellesskap")),
    ("Teknisk drift", 0.08, ("vei og park", "vann og avløp", "eiendomsdrift")),
    ("Kultur og fritid", 0.04, ("bibliotek", "kulturskole", "fritidsklubb")),
    ("Administrasjon og økonomi", 0.06, ("økonomi", "personal", "servicetorg")),
    ("NAV og sosiale tjenester", 0.04, ("NAV", "flyktningtjeneste", "boligkontor")),
)

#: The largest municipalities after Oslo, in size order: (code and name, lbg2 population share). Codes follow
#: the 2020 numbering; shares are rough assumptions. Employee numbers are drawn (Zipf-like) by the generator.
LARGE_MUNICIPALITIES: tuple[tuple[str, float], ...] = (
    ("4601 Bergen", 0.10),
    ("5001 Trondheim", 0.08),
    ("1103 Stavanger", 0.10),
    ("3024 Bærum", 0.11),
    ("4204 Kristiansand", 0.08),
    ("3005 Drammen", 0.18),
    ("3025 Asker", 0.09),
    ("3030 Lillestrøm", 0.13),
    ("3004 Fredrikstad", 0.09),
    ("1108 Sandnes", 0.09),
    ("5401 Tromsø", 0.06),
    ("3003 Sarpsborg", 0.10),
    ("1804 Bodø", 0.06),
    ("3029 Lørenskog", 0.20),
    ("1506 Ålesund", 0.07),
    ("3803 Tønsberg", 0.07),
    ("3907 Sandefjord", 0.08),
    ("3806 Porsgrunn", 0.08),
    ("3807 Skien", 0.09),
    ("1106 Haugesund", 0.07),
)

#: Further municipality names (invented codes 7001, 7004, ... are assigned in order).
OTHER_MUNICIPALITY_NAMES = (
    "Arendal", "Larvik", "Moss", "Halden", "Hamar", "Lillehammer", "Gjøvik", "Molde", "Harstad", "Kongsberg",
    "Ringsaker", "Ullensaker", "Nordre Follo", "Eidsvoll", "Nittedal", "Steinkjer", "Levanger", "Narvik",
    "Alta", "Kristiansund", "Elverum", "Horten", "Holmestrand", "Ringerike", "Indre Østfold", "Kongsvinger",
    "Stjørdal", "Grimstad", "Karmøy", "Sola", "Time", "Klepp", "Askøy", "Øygarden", "Bjørnafjorden",
    "Voss", "Stord", "Sogndal", "Sunnfjord", "Kinn", "Volda", "Ørsta", "Herøy", "Melhus", "Malvik",
    "Orkland", "Namsos", "Rana", "Vefsn", "Vestvågøy", "Hammerfest", "Sør-Varanger", "Vadsø", "Senja",
    "Målselv", "Lier", "Hurdal", "Gjerdrum", "Rælingen", "Aukra", "Rauma", "Vestnes", "Averøy", "Tingvoll",
    "Meløy", "Saltdal", "Sørfold", "Hamarøy", "Vågan", "Andøy", "Lødingen", "Øvre Eiker", "Modum", "Nesodden", "Frogn", "Vestby", "Ås", "Enebakk", "Aurskog-Høland",
    "Nes", "Gran", "Østre Toten", "Vestre Toten", "Stange", "Løten", "Tynset", "Nord-Aurdal", "Notodden",
    "Bamble", "Kragerø", "Midt-Telemark", "Vennesla", "Lindesnes", "Farsund", "Flekkefjord", "Eigersund",
    "Hå", "Strand", "Hjelmeland", "Suldal", "Tysvær", "Vindafjord", "Kvinnherad", "Alver", "Osterøy",
    "Gloppen", "Stad", "Fjord", "Hustadvika", "Sunndal", "Surnadal", "Oppdal", "Røros", "Selbu", "Frøya",
    "Hitra", "Inderøy", "Verdal", "Grong", "Brønnøy", "Alstahaug", "Fauske", "Lofoten", "Sortland",
    "Hadsel", "Lenvik", "Balsfjord", "Nordreisa", "Porsanger", "Karasjok", "Kautokeino", "Tana",
)

#: Boards of companies and foundations the municipality owns (Oslo-like names; forms: AS, KF, IKS,
#: stiftelse, other). Further boards get generated names.
BOARD_NAMES: tuple[tuple[str, str], ...] = (
    ("Sporveien AS", "AS"), ("Ruter AS", "AS"), ("Oslo Havn KF", "KF"), ("Boligbygg Oslo KF", "KF"),
    ("Undervisningsbygg Oslo KF", "KF"), ("Omsorgsbygg Oslo KF", "KF"), ("Kultur- og idrettsbygg Oslo KF", "KF"),
    ("Oslo Kino AS", "AS"), ("Oslo Nye Teater AS", "AS"), ("Oslo Forsikring AS", "AS"), ("Hafslund Oslo Celsio AS", "AS"),
    ("Oslo Vognselskap AS", "AS"), ("Oslo Pensjonsforsikring AS", "AS"), ("Oslo Business Region AS", "AS"),
    ("Oslo kommunale boligstiftelse", "stiftelse"), ("Stiftelsen Oslo Kulturnatt", "stiftelse"),
    ("Stiftelsen Munchmuseet", "stiftelse"), ("Stiftelsen Oslo Filharmonien", "stiftelse"),
    ("Interkommunalt arkiv IKS", "IKS"), ("Oslo og Viken revisjon IKS", "IKS"), ("Legevaktsamarbeid IKS", "IKS"),
    ("Oslo Skatepark AS", "AS"), ("Oslo Bysykkel AS", "AS"), ("Oslo Vekst AS", "AS"),
    ("Stiftelsen Oslo Natur", "stiftelse"), ("Oslo Bad KF", "KF"), ("Oslo Bolig og Velferd KF", "KF"),
    ("Oslo Eiendomsutvikling AS", "AS"), ("Frivillighetsfondet i Oslo", "other"), ("Oslo Idrettskrets samarbeid", "other"),
)

#: Templates for further generated board names: (name template, company_form).
BOARD_NAME_STEMS: tuple[tuple[str, str], ...] = (
    ("Oslo {p} Eiendom AS", "AS"), ("{p} Kulturhus AS", "AS"), ("Stiftelsen {p} Bydelshus", "stiftelse"),
    ("{p} Parkering KF", "KF"), ("{p} Næringshage AS", "AS"), ("{p} Bo- og Servicesenter IKS", "IKS"),
    ("Stiftelsen {p} Ungdom", "stiftelse"), ("{p} Energi AS", "AS"),
)
