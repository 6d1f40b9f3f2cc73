"""Writes notebooks/30-rekruttering.ipynb (the recruitment funnel section).

    .venv/bin/python -m tools.build_funnel_notebook
"""
from tools.nb import code, md, params_cell, write_notebook

DISP_COLUMNS = """{"position_level": "Nivå", "transition": "Overgang", "n_group": "Søknader (gruppe)",
           "rate_group": "Rate gruppe", "rate_reference": "Rate referanse", "impact_ratio": "Rateforhold",
           "impact_ratio_ci_low": "KI nedre", "impact_ratio_ci_high": "KI øvre", "p_adjusted": "p (Holm)",
           "verdict": "Vurdering", "mde_ratio": "Minste påvisbare rateforhold"}"""

write_notebook("notebooks/30-rekruttering.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import funnel
from mangfold.analyses import funnel_text as ft
from mangfold.figures import funnel as ff
from mangfold.publish import open_context
from mangfold.publish.context import show_table
ctx = open_context(year, store, params, out)
P = ctx.params
focal = P["focal_group"]
cells = funnel.load_cells(ctx.store, ctx.year, history=True)
have_apps = bool((cells["year"] == ctx.year).any())"""),
    md("""## Rekruttering: hvor faller representasjonen?

Handlingsplanens hovedutfordring 2 er at representasjonen av kandidater med innvandrerbakgrunn faller gjennom
rekrutteringsprosessen, og hovedutfordring 3 at for få med bakgrunn fra landbakgrunnsgruppe 2 søker lederstillinger.
Denne delen følger søknadene gjennom de fire trinnene fra søker til formelt kvalifisert, intervjuet, innstilt og
tilsatt, og svarer på fire spørsmål: På hvilket trinn faller representasjonen? Hvor stor er forskjellen? Skyldes den
hvilke stillinger folk søker på? Og er tallene store nok til å si noe sikkert? Alle tall gjelder søknader: en person
som søker flere stillinger, teller én gang per søknad."""),
    code("""if not have_apps:
    display(Markdown(f"Det er ingen søknader registrert for {ctx.year}, så denne delen er tom."))"""),
    md("""### Representasjonen trinn for trinn

Figuren viser hvor stor andel av søknadene fra hver gruppe som kom til hvert trinn. Skalaen er logaritmisk, så der
linjen for en gruppe faller brattere enn linjen for søkere uten innvandrerbakgrunn, mister gruppen representasjon på
det trinnet. Tabellen under viser målgruppens andel av alle søknadene på hvert trinn. De loddrette strekene er 95 %
konfidensintervall. Tallene er regnet fra tabellen over forskjeller (neste avsnitt); der den skjuler et tall, mangler
punktet."""),
    code("""if have_apps:
    disp = ctx.table(funnel.disparity(cells, params=P, year=ctx.year), funnel.DISPARITY_SPEC, show=False)
    rep = funnel.representation(disp, params=P)
    ctx.figure(ff.funnel_by_group(rep), "funnel_by_group",
               caption="Andel av hver gruppes søknader som nådde hvert trinn, etter stillingsnivå (logaritmisk "
                       "skala, 95 % KI).")
    show_table(ff.labelled(rep[(rep["position_level"] == "all") & (rep["group"] == focal)]),
               caption=f"{ff.label(focal)}: andel av søknadene på hvert trinn, alle nivåer",
               columns={"stage": "Trinn", "share": "Andel", "ci_low": "KI nedre", "ci_high": "KI øvre"})"""),
    md("""### Forskjeller mellom gruppene

For hver overgang sammenligner vi hvor stor andel av søknadene fra en gruppe som går videre, med andelen for søkere
uten innvandrerbakgrunn (referansegruppen). **Rateforholdet** er gruppens andel delt på referansegruppens: 1 betyr
lik sjanse, 0,8 betyr at gruppen går videre 80 % så ofte. Under 0,8 regnes etter firefemtedelsregelen som en
vesentlig forskjell. Figuren viser rateforholdene for målgruppen med 95 % konfidensintervall, fargelagt etter
vurderingen."""),
    code(f"""if have_apps:
    ctx.figure(ff.forest(disp, group=focal, four_fifths=P["four_fifths"]), "funnel_forest",
               caption="Rateforhold med 95 % KI. Heltrukken linje: lik sjanse (1). Stiplet: firefemtedelsgrensen.")
    display(Markdown(ft.headline(disp, params=P)))
    show_table(ff.labelled(disp[disp["group"] == focal]), caption=f"{{ff.label(focal)}} mot referansegruppen",
               columns={DISP_COLUMNS})"""),
    code("""display(Markdown("Vurderingene betyr:\\n\\n" + ft.verdict_legend()))"""),
    md("""### Samlet, og innenfor samme stilling

Tallene over er **samlet** for alle stillinger. De svarer på spørsmålet: *Hvor stor sjanse har en søknad fra
målgruppen til å gå videre, sammenlignet med en søknad fra referansegruppen, uansett hvilken stilling den gjelder?*
Svaret avhenger også av hvilke stillinger gruppene søker på. Hvis målgruppen oftere søker stillinger med mange
søkere per plass, går færre av dem videre, selv om hver arbeidsgiver behandler søkerne likt.

Sammenligningen **innenfor samme stilling** (Mantel-Haenszel over stillingene) svarer på et annet spørsmål: *Når
søkere fra de to gruppene søker den samme stillingen, går de videre like ofte?* Den påvirkes ikke av hvilke
stillinger folk søker på. De to svarene kan peke i ulike retninger (Simpsons paradoks); begge er riktige, men for
hvert sitt spørsmål. En forskjell som bare finnes samlet, peker mot hvor folk søker (hovedutfordring 3); en forskjell
som også finnes innenfor samme stilling, peker mot utvelgelsen (hovedutfordring 2). Begge målene er her
oddsforhold, så de kan sammenlignes direkte."""),
    code("""if have_apps:
    display(Markdown(ft.within_text(disp, params=P, transition="qualified_to_interviewed") + "\\n\\n"
                     + ft.within_text(disp, params=P, transition="applied_to_hired")))
    show_table(ff.labelled(disp[disp["group"] == focal]), caption="Samlet og innenfor samme stilling (oddsforhold)",
               columns={"position_level": "Nivå", "transition": "Overgang", "or_aggregate": "Samlet OR",
                        "or_aggregate_ci_low": "KI nedre (samlet)", "or_aggregate_ci_high": "KI øvre (samlet)",
                        "or_within_vacancy": "Innen stilling OR", "or_within_vacancy_ci_low": "KI nedre (innen)",
                        "or_within_vacancy_ci_high": "KI øvre (innen)", "p_within_vacancy": "p (MH)",
                        "heterogeneity_p": "p (Breslow-Day)", "n_vacancies": "Stillinger brukt"})"""),
    md("""### Hvor i prosessen oppstår forskjellen?

Sjansen for å gå gjennom hele prosessen er produktet av sjansene på hvert trinn, så rateforholdet for hele
prosessen er produktet av rateforholdene på de fire trinnene. Figuren viser hvor stor del av den samlede forskjellen
hvert trinn står for (på logaritmisk skala, slik at andelene summerer til 100 %), med 95 % intervall."""),
    code("""if have_apps:
    stages = ctx.table(funnel.stage_decomposition(cells, params=P, year=ctx.year, visible=disp),
                       funnel.STAGES_SPEC, show=False)
    stages_long = funnel.stages_long(stages[stages["group"] == focal])
    ctx.figure(ff.stage_decomposition(stages_long, group=focal), "funnel_stages",
               caption="Andel av den samlede forskjellen per trinn (95 % intervall fra parametrisk bootstrap).")
    display(Markdown(ft.stages_text(stages_long, params=P)))
    show_table(ff.labelled(stages_long), caption="Fordeling av tapet på trinnene",
               columns={"position_level": "Nivå", "transition": "Overgang", "impact_ratio": "Rateforhold",
                        "share_of_loss": "Andel av tapet", "share_of_loss_ci_low": "KI nedre",
                        "share_of_loss_ci_high": "KI øvre"})"""),
    md("""### Søkere som ikke har oppgitt bakgrunn

Det er frivillig å oppgi innvandrerbakgrunn, og mange lar feltet stå tomt. Tallene over gjelder bare dem som har
oppgitt bakgrunn. For å vise hvor mye dette kan bety, regner vi også ut hva rateforholdet ville vært om alle uten
oppgitt bakgrunn hørte til målgruppen, eller alle til referansegruppen."""),
    code("""if have_apps:
    display(Markdown(ft.bounds_text(disp, params=P)))
    show_table(ff.labelled(disp[disp["group"] == focal]), caption="Rateforhold med og uten søkerne som ikke oppga bakgrunn",
               columns={"position_level": "Nivå", "transition": "Overgang", "n_undeclared": "Uten oppgitt bakgrunn",
                        "impact_ratio": "Rateforhold", "impact_ratio_if_undeclared_group": "Alle i målgruppen",
                        "impact_ratio_if_undeclared_reference": "Alle i referansegruppen",
                        "impact_ratio_bound_low": "Laveste", "impact_ratio_bound_high": "Høyeste"})"""),
    md("""### Tiltak 2.3: aktiv begrunnelse i innstillingen

Når andelen med oppgitt innvandrerbakgrunn er lavere blant de innstilte enn blant de formelt kvalifiserte søkerne,
skal rekrutterende leder begrunne det i innstillingen. Tabellen viser hvor ofte det var påkrevd, og hvor ofte en
begrunnelse ble registrert. Listen over enkeltstillinger er skjermet og publiseres ikke."""),
    code("""if have_apps:
    vac23 = funnel.measure_23_vacancies(cells, year=ctx.year)
    ctx.restricted_table(vac23, "funnel_measure23_vacancies")
    m23 = ctx.table(funnel.measure_23(vac23, params=P, year=ctx.year), funnel.MEASURE23_SPEC,
                    columns={"position_level": "Nivå", "n_vacancies": "Stillinger med innstilling",
                             "n_required": "Begrunnelse påkrevd", "n_justified": "Begrunnelse gitt",
                             "n_not_recorded": "Ikke registrert", "compliance_rate": "Etterlevelse",
                             "ci_low": "KI nedre", "ci_high": "KI øvre"})
    display(Markdown(ft.measure23_text(m23)))"""),
    md("""### Tiltak 2.1, 3.2 og 3.4: stillinger med og uten tiltaket

Tabellen sammenligner målgruppens andel av søkerne, intervjuandel blant de kvalifiserte og tilsettingsandel blant
søkerne i stillinger med og uten tiltaket: rekrutterende leder har tatt rekrutteringskurset (2.1), inkluderende
annonsemal (3.2) og bistand fra rekrutteringsbyrå (3.4). Tiltak 3.2 og 3.4 gjelder lederstillinger. Dette er
**sammenhenger, ikke virkninger**: stillingene som bruker et tiltak, kan skille seg fra de andre på måter vi ikke
ser. Tiltak 4.1 gjelder byråer for styrerekruttering og kan ikke måles i søknadsdataene."""),
    code("""if have_apps:
    meas = ctx.table(funnel.measure_associations(cells, params=P, year=ctx.year), funnel.MEASURES_SPEC, show=False)
    display(Markdown(ft.measures_text(meas, params=P)))
    show_table(ff.labelled(meas), caption=f"{ff.label(focal)}: rater med og uten tiltaket (justert for stillingsnivå)",
               columns={"measure": "Tiltak", "outcome": "Utfall", "n_with": "Søknader med", "rate_with": "Rate med",
                        "n_without": "Søknader uten", "rate_without": "Rate uten", "difference": "Forskjell",
                        "difference_ci_low": "KI nedre", "difference_ci_high": "KI øvre", "p_value": "p"})"""),
    md("""### Kjønn og bakgrunn

Her sammenlignes kvinner i målgruppen med kvinner uten innvandrerbakgrunn, og menn med menn. Er rateforholdet
tydelig ulikt for kvinner og menn, rammer forskjellen kjønnene ulikt."""),
    code("""if have_apps:
    gen = ctx.table(funnel.by_gender(cells, params=P, year=ctx.year), funnel.GENDER_SPEC, show=False)
    show_table(ff.labelled(gen[(gen["group"] == focal) & gen["transition"].isin(["qualified_to_interviewed", "applied_to_hired"])]),
               caption=f"{ff.label(focal)} mot referansegruppen av samme kjønn",
               columns={"gender": "Kjønn", "transition": "Overgang", "n_group": "Søknader (gruppe)",
                        "rate_group": "Rate gruppe", "rate_reference": "Rate referanse", "impact_ratio": "Rateforhold",
                        "impact_ratio_ci_low": "KI nedre", "impact_ratio_ci_high": "KI øvre", "verdict": "Vurdering"})"""),
    md("""### Sektorer"""),
    code("""if have_apps:
    sec = ctx.table(funnel.by_sector(cells, params=P, year=ctx.year), funnel.SECTOR_SPEC, show=False)
    show_table(ff.labelled(sec[(sec["group"] == focal) & (sec["transition"] == "applied_to_hired")]),
               caption=f"{ff.label(focal)}: hele prosessen per sektor",
               columns={"sector": "Sektor", "n_group": "Søknader (gruppe)", "rate_group": "Rate gruppe",
                        "rate_reference": "Rate referanse", "impact_ratio": "Rateforhold", "impact_ratio_ci_low": "KI nedre",
                        "impact_ratio_ci_high": "KI øvre", "verdict": "Vurdering"})"""),
    md("""### Utviklingen over tid

Figuren viser rateforholdet for målgruppen for hvert år i datagrunnlaget fram til og med rapportåret, for alle
stillingsnivåer samlet. Tallene per nivå for hvert år står i årsrapporten for det året."""),
    code("""if have_apps:
    tr = ctx.table(funnel.trend(cells, params=P, year=ctx.year), funnel.TREND_SPEC, show=False)
    tt = ctx.table(funnel.trend_test(cells, params=P, year=ctx.year), funnel.TREND_TEST_SPEC, show=False)
    ctx.figure(ff.trend(tr, group=focal), "funnel_trend", caption="Rateforhold per år med 95 % KI, alle nivåer.")
    display(Markdown(ft.trend_text(tt)))
    show_table(ff.labelled(tt), caption="Endring per år i oddsforholdet (målgruppe mot referansegruppe)",
               columns={"transition": "Overgang", "first_year": "Fra", "last_year": "Til",
                        "or_change_per_year": "Endring per år", "or_change_ci_low": "KI nedre",
                        "or_change_ci_high": "KI øvre", "p_value": "p"})"""),
    md("""**Rekrutteringsprosessen: metode.** Tallene er søknader per stilling og trinn, summert i databasen. Trinnene
henger sammen (en tilsatt er også innstilt, intervjuet og kvalifisert); rader som bryter dette, er satt til side i
datakvalitetsdelen. Hver gruppe (landbakgrunnsgruppe 2, landbakgrunnsgruppe 1 og innvandrerbakgrunn uten oppgitt
landgruppe) sammenlignes med søkere uten innvandrerbakgrunn; søknader uten oppgitt bakgrunn er ikke en egen gruppe.

- *Andeler og rater* vises med 95 % Wilson-intervall (som R `prop.test(correct = FALSE)`), som holder også for små tall.
- *Rateforhold* (impact ratio) = gruppens rate delt på referansegruppens, med konfidensintervall på logaritmisk skala
  (Katz). Har tabellen en tom celle (ingen eller alle gikk videre), legges 0,5 til alle fire cellene før intervallet
  regnes ut (Haldane-Anscombe); selve rateforholdet regnes uten korreksjon. Firefemtedelsflagget er rateforhold under
  0,8 (parameteren `four_fifths`).
- *Test*: Fishers eksakte test, tosidig, av lik rate i de to gruppene. p-verdiene justeres med Holms metode over alle
  sammenligningene i årets tabell (alle nivåer, overganger og grupper); sammenligninger uten data teller ikke med.
- *Minste påvisbare forskjell* (`mde`): det minste fallet i gruppens rate under referansegruppens som ville blitt
  oppdaget med 80 % styrke på 5 %-nivå (normaltilnærming, søknadene regnet som uavhengige); `mde_ratio` er det samme
  uttrykt som rateforhold.
- *Vurdering*: «forskjell påvist» når hele intervallet ligger under 1 og Holm-justert p er under 0,05; «ingen
  vesentlig forskjell» når intervallet rommer 1 (eller ligger over), utelukker rateforhold under 0,8, og minste
  påvisbare rateforhold er minst 0,8; ellers «kan ikke avgjøres».
- *Innenfor samme stilling*: Mantel-Haenszels felles oddsforhold over stillingene (hver stilling et eget stratum) med
  Robins-Breslow-Greenlands 95 % intervall og Mantel-Haenszels kjikvadrattest med kontinuitetskorreksjon (som R
  `mantelhaen.test`); Breslow-Days test av om oddsforholdet er likt i alle stillinger. Stillinger uten søkere fra
  begge grupper på trinnet, eller der alle eller ingen gikk videre, har ingen informasjon og utelates; antallet som er
  brukt, står i tabellen. Det samlede oddsforholdet (Woolfs intervall) er med for å kunne sammenligne på samme skala.
- *Fordeling på trinn*: andelen av tapet på trinn s er log(rateforhold s) delt på summen av de fire; intervallene er
  2,5- og 97,5-persentilene fra 2000 trekninger av en parametrisk bootstrap der antall søknader holdes fast og hvert
  trinn trekkes binomisk fra det forrige (frø fra parameterfilen).
- *Ikke oppgitt bakgrunn*: rateforholdet regnes på nytt med alle søknader uten oppgitt bakgrunn lagt til målgruppen,
  og med alle lagt til referansegruppen; laveste og høyeste av disse og punktanslaget vises. Dette er ytterpunkter,
  uten statistisk usikkerhet.
- *Tiltak 2.3*: begrunnelse er påkrevd i en stilling når andelen med oppgitt innvandrerbakgrunn (landbakgrunnsgruppe
  1 eller 2 eller uspesifisert) blant de innstilte er lavere enn blant de formelt kvalifiserte. Etterlevelse =
  begrunnelse registrert / påkrevd, med Wilson-intervall; tomt felt regnes som ikke gitt.
- *Tiltak 2.1, 3.2 og 3.4*: logistisk regresjon på antall per stilling (utfall ~ tiltak + stillingsnivå) med
  klyngerobuste standardfeil per virksomhet (CR1). Ratene med og uten tiltaket er gjennomsnittlige predikerte rater
  med tiltaket slått på og av for alle stillingene; intervallene er fra deltametoden.
- *Utvikling over tid*: logistisk regresjon på antall per år, virksomhet, nivå og gruppe (bestått ~ år + gruppe +
  år × gruppe + nivå) med klyngerobuste standardfeil per virksomhet; samspillsleddet år × gruppe er endringen per år i
  log-oddsforholdet.""", "metode"),
])
print("ok")
