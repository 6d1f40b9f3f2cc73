"""Writes notebooks/70-ks.ipynb: the national (KS) view of all municipalities.

    .venv/bin/python -m tools.build_ks_notebook

The notebook's metadata ``mangfold.scope = "national"`` makes the pipeline run it only in the national
report (``mangfold run --municipality all``, or a plain run on a store with several municipalities).
"""
from tools.nb import code, md, params_cell, write_notebook

PATH = "notebooks/70-ks.ipynb"

CELLS = [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import ks
from mangfold.figures import ks as ks_fig
from mangfold.publish import open_context, show_table
ctx = open_context(year, store, params, out)
focal = ctx.params["focal_group"]
pct = ks_fig.pct"""),
    md("""## Mangfold i ledelse i kommunene (KS)

KS fikk i 2009 utredet hvordan kommunene kan rekruttere flere ledere med ikke-vestlig innvandrerbakgrunn
(«Mangfold i ledelse», Asplan Analyse og Kulturell Dialog). Denne delen gjør det samme for alle kommunene i
datagrunnlaget: hvor langt hver kommune er kommet på KS' seks sjekkpunkter, de nasjonale tallene fra 2009 regnet ut
fra dataene, og hvor mange ledere hver kommune har fra landbakgrunnsgruppe 2 sammenlignet med befolkningen.
Kommunene er ikke rangert. En liten kommune kan ligge langt fra gjennomsnittet ved en ren tilfeldighet; figuren
over lederne viser hvor langt unna en kommune må ligge før forskjellen sier noe."""),
    md("""### De seks sjekkpunktene

KS beskrev seks kjennetegn ved kommuner som har satt mangfold i ledelse på dagsordenen: **politisk forankring**
(politikere som pådrivere), en **arbeidsgiverstrategi** med mål og virkemidler, **administrative ressurser** i staben,
mangfold som del av **lederutviklingen**, flere **rollemodeller** (ledere og nøkkelpersoner med innvandrerbakgrunn)
og at kommunen er **moden på toppnivå** for en toppleder med ikke-vestlig innvandrerbakgrunn. Hver kommune er
vurdert som *ikke startet*, *delvis* eller *på plass* på hvert punkt."""),
    code("""have_maturity = not ctx.missing("maturity")
wide = ks.checkpoints(ctx.store, ctx.year) if have_maturity else None
if have_maturity and len(wide) == 0:
    display(Markdown(f"Ingen kommuner har vurdert sjekkpunktene for {ctx.year}."))
if have_maturity and len(wide):
    levels = ctx.table(ks.checkpoint_levels(wide), ks.LEVELS_SPEC, show=False)
    ctx.figure(ks_fig.checkpoint_levels(levels, title=f"Sjekkpunktene i {ctx.year}: andel av kommunene"),
               "ks_sjekkpunkter")
    pub_wide = ctx.table(wide, ks.CHECKPOINTS_SPEC, show=False)
    f = ks.checkpoint_facts(pub_wide, levels)
    display(Markdown(
        f"**{f['n']}** kommuner har vurdert sjekkpunktene for {ctx.year}. **{f['all_in_place']}** har alle seks på "
        f"plass, og **{f['none_started']}** har ikke startet på noen av dem. Oftest på plass er "
        f"*{ks_fig.CHECKPOINT_LABELS[f['most']].lower()}* ({pct(f['most_share'])} av kommunene), sjeldnest "
        f"*{ks_fig.CHECKPOINT_LABELS[f['least']].lower()}* ({pct(f['least_share'])}). Figuren under viser hver "
        f"kommune, med de som er kommet lengst øverst."))
    ctx.figure(ks_fig.checkpoint_heatmap(pub_wide, title=f"Sjekkpunktene per kommune, {ctx.year}"),
               "ks_sjekkpunkter_kommuner")"""),
    md("""### Nasjonale tall som i KS 2009

I 2009 hadde om lag en tredjedel av kommunene medarbeidere med ikke-vestlig innvandrerbakgrunn i en nøkkelposisjon
eller lederstilling, 2,3 prosent hadde toppledere med innvandrerbakgrunn, og 16 kommuner hadde tiltak for å kvalifisere
personer med ikke-vestlig innvandrerbakgrunn til lederstillinger. Tabellen viser de samme tallene regnet ut fra
dataene for året."""),
    code("""ind = ctx.table(ks.national_indicators(ctx.store, ctx.year, focal_group=focal), ks.INDICATORS_SPEC,
               columns={"description": "Indikator", "municipalities": "Kommuner", "n_municipalities": "Av",
                        "share": "Andel", "ks_2009_share": "KS 2009, andel", "ks_2009_municipalities": "KS 2009, kommuner"})
v = ks.indicator_values(ind)
lead, top, meas = v["lbg2_in_leader_post"], v["immigrant_top_leader"], v["measures_any"]
text = []
if lead["n_municipalities"]:
    text.append(f"I {ctx.year} hadde **{lead['municipalities']} av {lead['n_municipalities']}** kommuner "
                f"({pct(lead['share'])}) minst én leder fra landbakgrunnsgruppe 2, mot om lag en tredjedel i 2009, og "
                f"**{top['municipalities']}** ({pct(top['share'])}) hadde minst én toppleder med innvandrerbakgrunn, "
                f"mot 2,3 prosent i 2009.")
else:
    text.append("Uten tabellen `workforce` kan andelen kommuner med ledere i målgruppen ikke regnes ut.")
if meas["n_municipalities"]:
    text.append(f"**{meas['municipalities']}** {'kommune' if meas['municipalities'] == 1 else 'kommuner'} hadde minst "
                f"ett tiltak i gang (16 i 2009).")
text.append("Tallene gjelder alle kommunene i datagrunnlaget, ikke et utvalg; KS-tallene fra 2009 bygde på en "
            "spørreundersøkelse og er bare et grovt sammenligningsgrunnlag.")
display(Markdown(" ".join(text)))"""),
    md("""### Ledere fra landbakgrunnsgruppe 2 i hver kommune, sammenlignet med befolkningen

Figuren er et traktdiagram, ikke en rangering. Hvert punkt er en kommune. Loddrett står forholdet mellom antall ledere
fra målgruppen og antallet kommunen ville hatt om lederne var sammensatt som befolkningen (1 = som i befolkningen).
Vannrett står det forventede antallet, som vokser med kommunens størrelse. Linjene viser hvor langt fra 1 en kommune
kan ligge ved ren tilfeldighet: jo mindre kommune, jo videre trakt. Bare kommuner utenfor den ytre linjen skiller seg
tydelig ut."""),
    code("""have_rep = not ctx.missing("workforce", "population")
if have_rep:
    rep = ctx.table(ks.leader_representation(ctx.store, ctx.year, focal_group=focal), ks.REPRESENTATION_SPEC,
                    show=False)
    ctx.figure(ks_fig.leader_funnel(rep, ks.funnel_curve(rep), title=f"Ledere i målgruppen mot befolkningen, {ctx.year}"),
               "ks_trakt")
    f = ks.funnel_facts(rep)
    display(Markdown(
        f"Samlet var **{pct(f['share'])}** av lederne i de {f['n']} kommunene fra landbakgrunnsgruppe 2, mot "
        f"{pct(f['population_share'])} av befolkningen. **{f['below']}** kommuner ligger under den ytre grensen "
        f"(klart færre ledere fra målgruppen enn befolkningen tilsier), **{f['above']}** over, og {f['within']} innenfor. "
        f"Med så mange kommuner vil noen havne utenfor den indre grensen (95 %) ved en tilfeldighet "
        f"({f['below_95']} under og {f['above_95']} over her). **{f['hidden']}** kommuner er ikke vist fordi de har "
        f"1–{ctx.min_cell - 1} ledere fra målgruppen (personvern)"
        + (f", og {f['no_population']} mangler befolkningstall." if f['no_population'] else ".")))
    outside = ks.outside_limits(rep)
    if 0 < len(outside) <= 20:
        show_table(outside, caption="Kommuner utenfor den ytre grensen (99,8 %)",
                   columns={"municipality": "Kommune", "n_leaders": "Ledere", "n_leaders_lbg2": "Fra målgruppen",
                            "share_lbg2": "Andel", "population_share_lbg2": "Andel i befolkningen",
                            "representation_ratio": "Faktisk/forventet", "position": "Plassering"})
    elif len(outside):
        display(Markdown("Tallene for hver kommune står i tabellen `ks_leader_representation.csv`."))"""),
    md("""**KS' sjekkpunkter.** Tabellen `maturity` gir hver kommune 0 (ikke startet), 1 (delvis) eller 2 (på plass) på hvert
av de seks sjekkpunktene fra KS (2009). Kommunene er ordnet etter summen av poengene (0–12), bare for å gjøre
figuren lettere å lese; summen er ikke et mål KS har definert.""", "metode"),
    md("""**Nasjonale tall.** *Leder fra målgruppen*: minst én person fra landbakgrunnsgruppe 2 blant topplederne og de
andre lederne i øyeblikksbildet 31. desember (dataene skiller ikke ut «nøkkelposisjoner», så lederstillinger står for
begge). *Toppleder med innvandrerbakgrunn*: minst én toppleder fra landbakgrunnsgruppe 1 eller 2 eller med uspesifisert
innvandrerbakgrunn. Nevneren er kommunene med et øyeblikksbilde det året. *Tiltak*: en pilot eller et mentorpar i gang
i løpet av året, eller et opplæringsprogram som startet i året (deltakeren plassert i kommunen der hun eller han var
ansatt det året). Antall kommuner er ikke antall personer og skjules derfor ikke. Tallene omfatter alle kommunene i
dataene, så de har ingen feilmargin fra utvalg.""", "metode"),
    md("""**Traktdiagram (Spiegelhalter 2005).** For hver kommune er *O* antall ledere fra målgruppen, *n* antall ledere og
*p* målgruppens andel av befolkningen i kommunen samme år. Forventet antall er *E = n·p*, og punktet er *O/E*.
Kontrollgrensene er kvantilene (2,5 og 97,5 % for den indre, 0,1 og 99,9 % for den ytre grensen) i en
binomisk fordeling med *n* forsøk og sannsynlighet *p*, med interpolasjon mellom heltall som i Spiegelhalter (2005,
tillegg A.1.1), delt på *E*. Om lederne var trukket tilfeldig fra befolkningen, ville om lag 1 av 20 kommuner havnet
utenfor den indre og 1 av 500 utenfor den ytre grensen. Om en kommune ligger innenfor eller utenfor, avgjøres av dens
egne grenser; linjene i figuren er tegnet for befolkningsandelen i alle kommunene samlet og avviker lite fra dem.
Befolkningsandelen er et grovt mål: den tar ikke hensyn til alder, utdanning eller botid. Spiegelhalter DJ (2005).
Funnel plots for comparing institutional performance. *Statistics in Medicine* 24:1185–1202.""", "metode"),
]


def build() -> None:
    write_notebook(PATH, CELLS, mangfold={"scope": "national"})


if __name__ == "__main__":
    build()
    print("ok")
