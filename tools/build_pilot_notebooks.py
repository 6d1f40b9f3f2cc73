"""Writes the pilot notebooks: 50-piloter (pilots 4, 1 and 3) and 60-mentorordning (pilot 2).

Run as ``.venv/bin/python -m tools.build_pilot_notebooks``.
"""
from tools.nb import code, md, params_cell, write_notebook

EFFECT_COLUMNS = """{"outcome": "Utfall", "estimator": "Metode", "estimate": "Effekt", "ci_low": "KI nedre",
           "ci_high": "KI øvre", "p_value": "p-verdi", "mde": "Minste påviselige effekt",
           "n_treated_units": "Enheter i piloten", "n_control_units": "Andre enheter", "note": "Merknad"}"""

write_notebook("notebooks/50-piloter.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import job_analysis, pilot_text, pilots, training
from mangfold.figures import pilots as pfig
from mangfold.publish import open_context, show_table
ctx = open_context(year, store, params, out)
focal, alpha, seed = ctx.params["focal_group"], ctx.params["alpha"], ctx.params["seed"]"""),
    md("""## Pilotene: virker tiltakene?

Handlingsplanen prøver ut fire piloter i utvalgte virksomheter og bydeler. Her ser vi på om pilotene har endret
hvordan det går med søkere fra landbakgrunnsgruppe 2 i rekrutteringene. Enhetene har startet på ulike tidspunkter,
så vi sammenligner utviklingen i enhetene som er med, før og etter oppstart, med utviklingen i enhetene som ikke
(ennå) er med. Omvendt mentorordning (pilot 2) har et eget kapittel."""),
    code("""have_pilots = not ctx.missing("pilots")
res = pilots.evaluate(ctx.store, year=ctx.year, params=ctx.params) if have_pilots else None
if have_pilots:
    for p in res.pilots:
        ctx.restricted_table(res.panels[p], f"pilot_panel_{p}")
        ctx.restricted_table(pilots.vacancy_status(ctx.store, pilot=p, year=ctx.year, focal=focal),
                             f"pilot_vacancies_{p}")
    eff = ctx.table(res.effects, pilots.EFFECTS_SPEC, show=False)
    es = ctx.table(res.event_study, pilots.EVENT_SPEC, show=False)
    pre = ctx.table(res.pretrends, pilots.PRETREND_SPEC, show=False)
    plan = ctx.table(res.planning, pilots.PLANNING_SPEC, show=False)
    funnel = ctx.table(res.funnel, pilots.FUNNEL_SPEC, show=False)
have_min_two = have_pilots and "min_two_interviews" in res.pilots
have_ja_pilot = have_pilots and "job_analysis" in res.pilots"""),
    md("### Minst to kvalifiserte kandidater fra landbakgrunnsgruppe 2 til intervju (pilot 4)"),
    code(f"""if have_pilots and not have_min_two:
    display(Markdown("Ingen enheter er registrert i denne piloten i tabellen `pilots`."))
if have_min_two:
    token = pilot_text.token_check(eff, pilot="min_two_interviews")
    display(Markdown(token["text"].iloc[0]))
    e4 = eff[eff["pilot"] == "min_two_interviews"]
    show_table(pfig.with_labels(e4), caption="Effekt av regelen på andelene for søkere fra landbakgrunnsgruppe 2 "
               "(0,05 = 5 prosentpoeng)", columns={EFFECT_COLUMNS})
    ctx.figure(pfig.effects_figure(eff, pilot="min_two_interviews", title="Pilot 4: effekt med 95 % KI"),
               "pilot_effects_min_two_interviews")
    display(Markdown(pilot_text.robustness_sentence(eff, pilot="min_two_interviews")))"""),
    md("""#### Utviklingen år for år

Figuren viser effekten i årene før og etter oppstart. Året før oppstart er nullpunktet. Før oppstart skal punktene
ligge rundt null: gjør de ikke det, utviklet pilotenhetene seg annerledes allerede før regelen kom, og da er
effektanslaget mindre til å stole på."""),
    code("""if have_min_two:
    es4 = es[es["pilot"] == "min_two_interviews"]
    if len(es4):
        ctx.figure(pfig.event_study_figure(es4, outcomes=pilots.MIN_TWO_OUTCOMES,
                                           title="Pilot 4: effekt etter år fra oppstart"),
                   "pilot_event_study_min_two_interviews")
    display(Markdown(pilot_text.pretrend_sentence(pre, pilot="min_two_interviews", alpha=alpha)))"""),
    md("#### Ble regelen fulgt?"),
    code("""if have_min_two:
    comp = ctx.table(res.compliance, pilots.COMPLIANCE_SPEC, show=False)
    show_table(pfig.with_labels(comp), caption=pilots.COMPLIANCE_SPEC.title, columns={
        "group": "Stillinger", "year": "År", "vacancies_eligible": "Med minst to kvalifiserte",
        "vacancies_compliant": "Minst to intervjuet", "share_compliant": "Andel", "ci_low": "KI nedre",
        "ci_high": "KI øvre"})
    display(Markdown(pilot_text.compliance_sentence(comp)))"""),
    md("#### Hvor store effekter kan vi se?"),
    code("""if have_min_two:
    display(Markdown(pilot_text.mde_sentence(eff, pilot="min_two_interviews")))
    show_table(pfig.with_labels(plan[plan["pilot"] == "min_two_interviews"]),
               caption="Hvor mange enheter i piloten, eller hvor mange år, som trengs for å påvise en effekt",
               columns={"outcome": "Utfall", "effect": "Effekt", "mde_current": "Påviselig nå",
                        "n_units_treated": "Enheter nå", "n_units_treated_needed": "Enheter som trengs",
                        "units_feasible": "Mulig med dagens kontrollenheter", "n_periods_post": "År nå",
                        "n_periods_post_needed": "År som trengs", "periods_feasible": "Mulig innen 30 år"})"""),
    code("""if have_min_two:
    show_table(pfig.with_labels(funnel[funnel["pilot"] == "min_two_interviews"]),
               caption="Søkere fra fokusgruppen etter stillingenes status (beskrivende, uten kontroll for trender)",
               columns={"status": "Stillinger", "units": "Enheter", "vacancies": "Stillinger (antall)",
                        "applied": "Søkere", "qualified": "Kvalifiserte", "interviewed": "Intervjuet",
                        "hired": "Tilsatt", "rate_qualified_to_interviewed": "Andel intervjuet",
                        "rate_applied_to_hired": "Andel tilsatt"})"""),
    md("### Grundig jobbanalyse (pilot 1)"),
    code("""have_ja = job_analysis.has_job_analysis(ctx.store)
if not have_ja:
    display(Markdown("**Ikke med i dataene:** kolonnen `job_analysis` i `vacancies` er tom, så sammenligningen av "
                     "stillinger med og uten jobbanalyse er hoppet over."))
else:
    ja = ctx.table(job_analysis.job_analysis_comparison(ctx.store, year=ctx.year, focal=focal, alpha=alpha),
                   job_analysis.JOB_ANALYSIS_SPEC, show=False)
    show_table(pfig.with_labels(ja), caption=job_analysis.JOB_ANALYSIS_SPEC.title, columns={
                       "outcome": "Utfall", "n_with": "Søkere, med", "rate_with": "Andel, med",
                       "n_without": "Søkere, uten", "rate_without": "Andel, uten", "difference": "Forskjell",
                       "or_within_unit": "Oddsforhold innen enhet", "or_ci_low": "KI nedre", "or_ci_high": "KI øvre",
                       "p_within_unit": "p-verdi"})
    display(Markdown(pilot_text.job_analysis_sentence(ja)))"""),
    code(f"""if have_ja_pilot:
    display(Markdown("Enhetene i piloten skal gjøre grundig jobbanalyse. Tabellen viser endringen etter oppstart i "
                     "enhetene som er med, sammenlignet med de andre: effekten av å være med i piloten."))
    show_table(pfig.with_labels(eff[eff["pilot"] == "job_analysis"]),
               caption="Effekt av å være med i piloten (0,05 = 5 prosentpoeng)",
               columns={EFFECT_COLUMNS})
    es1 = es[es["pilot"] == "job_analysis"]
    if len(es1):
        ctx.figure(pfig.event_study_figure(es1, outcomes=pilots.JOB_ANALYSIS_OUTCOMES,
                                           title="Pilot 1: effekt etter år fra oppstart"),
                   "pilot_event_study_job_analysis")
    display(Markdown(pilot_text.pretrend_sentence(pre, pilot="job_analysis", alpha=alpha)))
elif have_pilots:
    display(Markdown("Ingen enheter er registrert i piloten med grundig jobbanalyse i tabellen `pilots`."))"""),
    md("### Styrket opplæring av nyansatte (pilot 3)"),
    code("""have_training = not ctx.missing("training")
if have_training:
    done = ctx.table(training.completion(ctx.store, year=ctx.year, alpha=alpha), training.COMPLETION_SPEC,
                     columns={"start_year": "Startår", "participants": "Deltakere", "completed": "Fullført",
                              "share_completed": "Andel fullført", "ci_low": "KI nedre", "ci_high": "KI øvre"})"""),
    code("""have_workforce = have_training and not ctx.missing("workforce")
if have_workforce:
    tfu = training.training_followup(ctx.store, year=ctx.year, seed=seed)
    ctx.restricted_table(tfu, "training_followup")
    tout = ctx.table(training.outcome_comparison(tfu, alpha=alpha), training.OUTCOMES_SPEC, show=False)
    show_table(pfig.with_labels(tout), caption=training.OUTCOMES_SPEC.title, columns={
        "outcome": "Utfall", "n_participants": "Deltakere", "rate_participants": "Andel, deltakere",
        "n_comparison": "Sammenlignbare", "rate_comparison": "Andel, sammenlignbare", "difference": "Forskjell",
        "odds_ratio": "Oddsforhold", "or_ci_low": "KI nedre", "or_ci_high": "KI øvre", "p_value": "p-verdi"})
    display(Markdown(pilot_text.training_sentence(tout)))"""),
    md("""**Pilotene: data og tellemåte.** Hver celle i analysen er én enhet (virksomhet eller bydel) og ett kalenderår, og
teller søknadene fra landbakgrunnsgruppe 2 på hvert trinn (søker, kvalifisert, intervjuet, innstilt, tilsatt) i
stillingene cellen bruker. En stilling hører til piloten når den er lyst ut mellom enhetens startdato og sluttdato
(tom sluttdato betyr at piloten fortsatt pågår). Enhetens startår er året for den første startdatoen. Starter
piloten midt i et år, tas bare stillingene fra og med startdatoen med i startåret; stillingene fra samme år før
startdatoen holdes utenfor, fordi de verken hører til årene før eller til piloten. Stillinger etter at piloten er
avsluttet, holdes også utenfor. Slik består hver behandlet celle bare av stillinger som er lyst ut under regelen.
Andelene vektes med antall søkere de bygger på. `n_obs` i tabellen er antall enhet-år, ikke personer.""", "metode"),
    md("""**Pilotene: fire metoder.** (1) *To-veis faste effekter (TWFE)*: en regresjon med faste effekter for enhet og
år; feilene er klynget på enhet (CR1) og intervallene bruker t-fordelingen med G − 1 frihetsgrader (G = antall
enheter). Når enheter starter til ulike tider og effekten varierer mellom dem, kan TWFE gi et skjevt gjennomsnitt.
(2) *Callaway og Sant'Anna (2021)*: effekten regnes ut for hver startkohort og hvert år mot enheter som ennå ikke
har startet, og vektes deretter sammen; usikkerheten fra en «multiplier bootstrap» over enheter med 999 trekninger.
Dette er hovedanslaget. (3) *Sun og Abraham (2021)*: en hendelsesstudie per kohort mot enheter som aldri er med.
(4) *Randomiseringstest*: startårene byttes tilfeldig mellom enhetene 1 000 ganger (med frøet i parameterfilen), og
vi ser hvor ofte en så stor effekt oppstår ved en tilfeldighet. Den bygger ikke på store utvalg og er den mest
pålitelige når få enheter er med; intervallet er funnet ved å invertere testen (alle effekter den ikke forkaster).
Med under 20 enheter i piloten blir de klyngede standardfeilene ofte for små, og tabellen sier fra.
**Hendelsesstudie og test av trender før oppstart**: effekten for hvert år før og etter oppstart (året før er
null); en felles Wald-test (F-versjon) av at alle årene før oppstart er null. At testen ikke slår ut, er svakt bevis
for like trender (Roth 2022).""", "metode"),
    md("""**Minste påviselige effekt og planlegging.** Minste påviselige effekt er (t₀,₉₇₅ + t₀,₈) × standardfeilen for
hver metode: den minste effekten undersøkelsen finner med 80 % sannsynlighet ved 5 % nivå, med klynging på enhet
(Bloom 1995). Planleggingstabellen bruker modellen til Burlig, Preonas og Woerman (2020) med seriekorrelasjon
tilpasset årene før oppstart, skalert slik at den gir samme minste påviselige effekt som TWFE-anslaget nå, og sier
hvor mange enheter i piloten (med dagens antall år og kontrollenheter) eller hvor mange år etter oppstart (med
dagens enheter) som trengs for en gitt effekt. **Etterlevelse**: andelen stillinger med minst to kvalifiserte
søkere fra fokusgruppen der minst to av dem ble intervjuet, med Wilson-intervall. **Flere intervjuer, men ikke
flere tilsatte?** Hvis intervallet for effekten på intervjuandelen ligger over null mens intervallet for andelen
søkere som blir tilsatt, ikke gjør det, sier rapporten det rett ut.""", "metode"),
    md("""**Jobbanalyse og styrket opplæring: sammenhenger.** Stillinger med og uten grundig jobbanalyse sammenlignes
innen samme enhet med Mantel-Haenszels felles oddsforhold (stratifisert på enhet, Robins-Breslow-Greenland-intervall).
Effekten av å være med i piloten måles med de samme fire metodene som pilot 4. For styrket opplæring sammenlignes
deltakerne med inntil fem tilfeldig trukne nyansatte (samme år, sektor, stillingsnivå og landbakgrunn, som ikke
deltok), med Mantel-Haenszel over de matchede gruppene. Deltakerne er ikke trukket tilfeldig, så dette er
sammenhenger, ikke effekter.""", "metode"),
], mangfold={"requires": ["pilots", "training", "vacancies.job_analysis"], "topic": "pilotene"})

write_notebook("notebooks/60-mentorordning.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import mentoring
from mangfold.figures import pilots as pfig
from mangfold.publish import open_context, show_table
ctx = open_context(year, store, params, out)
alpha, seed = ctx.params["alpha"], ctx.params["seed"]"""),
    md("""## Omvendt mentorordning (pilot 2)

I omvendt mentorordning er en ansatt med innvandrerbakgrunn mentor for en toppleder. Målet er større forståelse hos
topplederen, og en større mulighet for mentoren til å gå inn i lederstillinger senere. Vi ser på hva mentorer og
toppledere svarer før og etter, og på hvordan det går med mentorene videre."""),
    code("""have_mentoring = not ctx.missing("mentoring")
if have_mentoring:
    ctx.table(mentoring.pairs_overview(ctx.store, year=ctx.year), mentoring.PAIRS_SPEC,
              columns={"start_year": "Startår", "pairs": "Par", "pairs_ended": "Avsluttet", "units": "Enheter"})"""),
    md("### Svar før og etter mentorperioden"),
    code("""have_survey = have_mentoring and not ctx.missing("mentoring_survey")
if have_survey:
    sp = mentoring.survey_pairs(ctx.store, year=ctx.year)
    ctx.restricted_table(sp, "mentoring_survey_pairs")
    change = ctx.table(mentoring.survey_change(sp, alpha=alpha), mentoring.SURVEY_SPEC, show=False)
    show_table(pfig.with_labels(change), caption=mentoring.SURVEY_SPEC.title, columns={
        "respondent": "Hvem", "item_label": "Spørsmål", "n": "Personer", "mean_pre": "Før", "mean_post": "Etter",
        "estimate": "Endring", "ci_low": "KI nedre",
        "ci_high": "KI øvre", "p_value": "p (t-test)", "wilcoxon_p": "p (Wilcoxon)", "p_adjusted": "p (Holm)"})
    ctx.figure(pfig.survey_change_figure(change, item_labels=mentoring.ITEM_LABELS,
                                         title="Endring i svar fra før til etter"), "mentoring_survey_change")
    display(Markdown(mentoring.survey_sentence(change)))"""),
    md("""### Hvordan gikk det med mentorene?

*Dette er observasjonsdata:* mentorene er valgt ut, ikke trukket tilfeldig. Vi sammenligner dem med ansatte i
samme enhet, på samme stillingsnivå og med samme landbakgrunn, men forskjeller kan skyldes hvem som ble mentorer."""),
    code("""have_workforce = have_mentoring and not ctx.missing("workforce")
if have_workforce:
    fu = mentoring.mentor_followup(ctx.store, year=ctx.year, seed=seed)
    ctx.restricted_table(fu, "mentoring_followup")
    surv = ctx.table(mentoring.survival_table(fu, alpha=alpha), mentoring.SURVIVAL_SPEC, show=False)
    if len(surv):
        ctx.figure(pfig.survival_figure(surv, title="Mentorer og sammenlignbare ansatte"), "mentoring_survival")
    tests = ctx.table(mentoring.survival_tests(fu), mentoring.TESTS_SPEC, show=False)
    show_table(pfig.with_labels(tests), caption=mentoring.TESTS_SPEC.title, columns={
        "outcome": "Utfall", "n_mentors": "Mentorer", "n_comparison": "Sammenlignbare",
        "events_mentors": "Hendelser, mentorer", "events_comparison": "Hendelser, sammenlignbare",
        "p_value": "p (log-rank)"})
    display(Markdown(mentoring.followup_sentence(tests)))"""),
    md("""**Omvendt mentorordning: metode.** For hvert spørsmål og for gjennomsnittet av alle spørsmål per person
regner vi endringen fra før til etter for de som svarte begge gangene: gjennomsnittlig endring med 95 %
t-intervall (parvis t-test) og Wilcoxons fortegnsrangtest (eksakt ved små utvalg uten like verdier, som R
`wilcox.test(paired = TRUE)`); p-verdiene er også justert for flere spørsmål med Holms metode. Mentorenes videre vei:
utgangspunktet er årsslutt-registeret (31. desember) året før mentorperioden startet. Inntil fem sammenlignbare
ansatte per mentor trekkes tilfeldig (med frøet i parameterfilen) blant ansatte i samme enhet, på samme nivå og med
samme landbakgrunn som aldri har vært mentorer. Kaplan-Meier-kurver viser andelen som fortsatt er ansatt, og andelen
som har blitt leder (blant dem som ikke var ledere ved start), år for år, med 95 % intervall; log-rank-testen
sammenligner kurvene. Personer som fortsatt er ansatt ved siste registeråret, teller med så lenge de er fulgt.""",
       "metode"),
], mangfold={"requires": ["mentoring"], "topic": "den omvendte mentorordningen"})
print("ok")
