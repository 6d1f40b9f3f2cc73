"""Writes the representation and board notebooks (measures 1.1 and 1.2).

    .venv/bin/python -m tools.build_representation_notebooks
"""
from tools.nb import code, md, params_cell, write_notebook

# ----------------------------------------------------------------------------- 20-representasjon
write_notebook("notebooks/20-representasjon.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import representation as rp
from mangfold.figures import representation as rfig
from mangfold.publish import open_context, show_table
from mangfold.store import tables_present
ctx = open_context(year, store, params, out)
focal = ctx.params["focal_group"]"""),
    md("""## Representasjon og sektormål

Handlingsplanens tiltak 1.1 innfører mål på sektornivå for hvor stor andel av lederne som har innvandrerbakgrunn fra
landbakgrunnsgruppe 2. Blir målet ikke nådd, må det redegjøres for det i byrådets årsberetning. Her vises andelen
blant toppledere, ledere og medarbeidere, sammenlignet med befolkningen og med de formelt kvalifiserte søkerne."""),
    code("""have_wf = not ctx.missing("workforce")
if have_wf:
    rep = rp.representation(ctx.store, ctx.year, focal=focal, alpha=ctx.params["alpha"])
    have_wf = bool((rep["year"] == ctx.year).any())
    if not have_wf:
        display(Markdown(f"**Ingen ansattdata for {ctx.year}:** tabellen `workforce` har ikke noe øyeblikksbilde "
                         f"per 31. desember {ctx.year}, så denne delen er hoppet over."))
if have_wf:
    no_population = "population" not in tables_present(ctx.store)
    if no_population:
        display(Markdown("**Befolkningstall mangler:** tabellen `population` finnes ikke i datagrunnlaget, så "
                         "sammenligningen med befolkningen er utelatt."))"""),
    code("""if have_wf:
    pub_rep = ctx.table(rep, rp.REPRESENTATION_SPEC, show=False)
    h = rp.headline(pub_rep, ctx.year)
    display(Markdown(
        f"Andelen med innvandrerbakgrunn fra {focal.replace('lbg', 'landbakgrunnsgruppe ')} per 31. desember "
        f"{ctx.year}:\\n\\n"
        f"- alle ledere (toppledere og andre ledere samlet): **{rfig.pct(h['leaders'])}**\\n"
        f"- toppledere: {rfig.pct(h['top_leader'])}\\n"
        f"- medarbeidere: {rfig.pct(h['employee'])}\\n"
        f"- befolkningen i kommunen: **{'mangler' if no_population else rfig.pct(h['population'])}**\\n"
        f"- formelt kvalifiserte søknader til lederstillinger i {ctx.year}: {rfig.pct(h['qualified_leaders'])}\\n\\n"
        f"«Ikke vist» betyr at tallet bygger på færre enn {ctx.min_cell} personer, eller at det er skjult for at "
        f"et slikt tall ikke skal kunne regnes ut."))
    show_table(rfig.for_display(pub_rep[pub_rep["year"] == ctx.year]),
               caption=f"Andel i målgruppen etter sektor og nivå, {ctx.year}",
               columns={"sector": "Sektor", "position_level": "Nivå", "n": "Ansatte", "n_focal": "I målgruppen",
                        "share": "Andel", "ci_low": "KI nedre", "ci_high": "KI øvre",
                        "population_share": "Befolkningen", "qualified_share": "Kvalifiserte søknader"})"""),
    code("""if have_wf:
    ctx.figure(rfig.trend(pub_rep, title="Andel i målgruppen over tid, alle sektorer"), "representasjon_utvikling",
               caption="Linjene viser andelen per 31. desember hvert år, båndene 95 % konfidensintervall. "
                       "Stiplet linje: andelen i befolkningen.")
    ctx.figure(rfig.levels_vs_pools(pub_rep, ctx.year, title=f"Ansatte og kvalifiserte søknader, {ctx.year}"),
               "representasjon_soekere",
               caption="Andelen i målgruppen blant ansatte og blant formelt kvalifiserte søknader til stillinger "
                       "på samme nivå, med 95 % konfidensintervall.")"""),
    md("### Sektormål (tiltak 1.1)"),
    code("""if have_wf:
    flows, proj = rp.sector_projection(ctx.store, rep, year=ctx.year, params=ctx.params)
    ctx.restricted_table(flows, rp.FLOWS_NAME)
    st = rp.sector_targets(rep, year=ctx.year, params=ctx.params)
    pub_st = ctx.table(st, rp.SECTOR_TARGETS_SPEC, show=False)
    show_table(rfig.for_display(pub_st), caption=f"Ledere i målgruppen mot sektormålet, {ctx.year}",
                       columns={"sector": "Sektor", "n_leaders": "Ledere", "n_leaders_lbg2": "I målgruppen",
                                "share_lbg2": "Andel", "ci_low": "KI nedre", "ci_high": "KI øvre",
                                "target_share": "Mål", "gap_pp": "Avstand (pp)", "gap_persons": "Mangler (personer)",
                                "target_status": "Status"})
    status = pub_st[pub_st["sector"] != "all"].set_index("sector")["target_status"].astype(str)
    missed = [s for s, v in status.items() if v == "not_met"]
    reached = [s for s, v in status.items() if v == "met"]
    hidden = [s for s, v in status.items() if v not in ("met", "not_met")]
    display(Markdown(
        f"**{len(reached)} av {len(status)} sektorer** nådde målet i {ctx.year}. "
        + (f"Disse sektorene nådde ikke målet og må redegjøre for det i byrådets årsberetning: **{', '.join(missed)}**. "
           if missed else "Ingen sektor med publisert status bommet på målet. ")
        + (f"For {', '.join(hidden)} er status ikke publisert, fordi den sammen med antallet ledere ville avsløre "
           "hvor mange enkeltpersoner i målgruppen sektoren har; den står i den skjermede tabellen." if hidden else "")))"""),
    code("""if have_wf:
    pop = rp.headline(pub_rep, ctx.year)["population"]
    ctx.figure(rfig.sector_targets(pub_st, population_share=pop, title=f"Ledere i målgruppen per sektor, {ctx.year}"),
               "sektormaal",
               caption="Punkt: andelen av lederne i målgruppen, med 95 % konfidensintervall. Grønn strek: sektormålet. "
                       "Stiplet linje: befolkningen. Sektorer med skjulte tall er ikke tegnet.")"""),
    md("### Når nås målet?"),
    code("""if have_wf and len(proj):
    ctx.restricted_table(proj, "sector_projection_full")
    pub_proj = ctx.table(rp.public_projection(proj, st, min_cell=ctx.min_cell), rp.PROJECTION_SPEC, show=False)
    show_table(rfig.for_display(pub_proj, years=("year_reached", "year_reached_low", "year_reached_high")),
               caption=f"Framskriving med årets rater for tilsetting, opprykk og avgang (fra {ctx.year})",
               columns={"sector": "Sektor", "target_share": "Mål", "share_projected": "Andel om ti år", "year_reached": "Målet nås",
                        "year_reached_low": "Tidligst (95 %)", "year_reached_high": "Senest (95 %)",
                        "projection_status": "Vurdering"})
    display(Markdown(
        "Framskrivingen spør: hvis hver sektor fortsetter å tilsette, forfremme og miste ledere i målgruppen og "
        "utenfor den i samme takt som i år, hvilket år når andelen målet? Intervallet viser hvor usikkert dette er "
        "fordi ett års rater bygger på få personer. Et tomt «Senest» betyr at målet kanskje ikke nås innen ti år. "
        "Framskrivingen er ingen prognose: den viser hva dagens praksis fører til om den ikke endres. For sektorer "
        f"med færre enn {ctx.min_cell} ledere i målgruppen er framskrivingen ikke publisert: den ville da bygge på "
        "hva noen få personer har gjort."))
elif have_wf:
    display(Markdown(f"**Ingen framskriving:** den krever ansattdata både for {ctx.year - 1} og {ctx.year}."))"""),
    md("""**Andeler og konfidensintervall (representasjon).** Ansattdataene er en telling av alle ansatte per 31. desember,
så andelen er eksakt for den datoen. Konfidensintervallet (95 % Wilson-intervall, som R `prop.test(correct = FALSE)`)
viser hvor mye andelen kunne variert av tilfeldigheter i en gruppe av denne størrelsen, og brukes når andelen
sammenlignes med befolkningen, med søkerne eller med et mål. Ledere er toppledere og andre ledere samlet. Ansatte med
ukjent bakgrunn regnes som utenfor målgruppen. Befolkningsandelen er målgruppens andel av befolkningen i kommunen
(tabellen `population`); mangler tall for året, brukes siste år før. Søkerandelen er målgruppens andel av de formelt
kvalifiserte søknadene med oppgitt bakgrunn til stillinger på samme nivå og i samme sektor det året; søknader uten
oppgitt bakgrunn er holdt utenfor nevneren.""", "metode"),
    md("""**Sektormål.** Målet for hver sektor står i parameterfilen (`sector_targets`; `default` gjelder sektorer uten eget
mål). For «alle» er målet gjennomsnittet av sektormålene vektet med antall ledere. Avstanden er målet minus andelen i
prosentpoeng (positiv = under målet). «Mangler (personer)» er hvor mange flere ledere i målgruppen sektoren trenger med
samme antall ledere, det vil si mål × ledere rundet opp minus dagens antall; for «alle» summen over sektorene. Et mål
er nådd når andelen er minst like stor som målet. Status publiseres også når antallet ledere i målgruppen er skjult,
men bare når status gjelder for minst to mulige skjulte antall, slik at den aldri avslører det nøyaktige antallet.""",
       "metode"),
    md("""**Framskriving.** For hver sektor og gruppe (målgruppen og resten) beregnes fra personpanelet (samme person år etter
år): avgangsraten (ledere som ikke lenger er ledere i sektoren året etter, delt på ledere ved starten), opprykksraten
(medarbeidere i sektoren som er blitt ledere der, delt på medarbeidere ved starten) og antallet ledere tilsatt utenfra
eller fra andre sektorer per år. Antallet ledere framskrives år for år som ledere × (1 − avgang) + opprykk ×
medarbeidere + tilsatte, med dagens medarbeidere som fast grunnlag. Dette er forventet utvikling i en modell der hver
leder slutter med sin gruppes sannsynlighet. Usikkerheten: 4000 trekk av ratene fra deres Jeffreys-fordelinger
(Beta(x + ½, n − x + ½) for avgang og opprykk, Gamma(x + ½) for antallet tilsatte), hver framskrevet på samme måte;
intervallet er 2,5- og 97,5-persentilen av året målet nås. Mangler en gruppe personer å beregne en rate fra, brukes
sektorens samlede rate. Frøet (`seed`) gjør trekkene reproduserbare.""", "metode"),
])

# ----------------------------------------------------------------------------- 40-styrer
write_notebook("notebooks/40-styrer.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import boards as bd
from mangfold.figures import boards as bfig
from mangfold.figures.representation import for_display, pct
from mangfold.publish import open_context, show_table
ctx = open_context(year, store, params, out)
focal = ctx.params["focal_group"]
req = ctx.params["board_total_requirement"]"""),
    md("""## Styrer i kommunalt eide selskaper (tiltak 1.2)

Minst 25 % av de nye styremedlemmene som Oslo kommune utnevner, skal ha innvandrerbakgrunn fra landbakgrunnsgruppe 2.
Fra 2026 blir målet et krav om at minst 20 % av alle styremedlemmene som kommunen har utnevnt, skal ha denne
bakgrunnen. Bare plasser som kommunen utnevner, teller, og varamedlemmer teller aldri."""),
    code("""have_boards = not ctx.missing("boards")
if have_boards:
    seats = bd.board_seats(ctx.store)
    bt = bd.board_targets(seats, year=ctx.year, params=ctx.params)
    pub_bt = ctx.table(bt, bd.BOARD_TARGETS_SPEC, show=False)
    show_table(for_display(pub_bt), caption=f"Kommunalt utnevnte styremedlemmer, {ctx.year}",
                       columns={"owner_department": "Eiermiljø", "new_members": "Nye", "new_members_lbg2": "Nye i målgruppen",
                                "new_share_lbg2": "Andel nye", "new_target": "Mål nye", "new_met": "Nådd",
                                "members": "Alle", "members_lbg2": "Alle i målgruppen", "share_lbg2": "Andel alle",
                                "total_requirement": "Krav", "total_met": "Oppfylt"})
    a = pub_bt.set_index("owner_department").loc["all"]
    verdict = {"true": "nådd", "false": "ikke nådd"}.get(str(a["new_met"]).lower(), "kan ikke vises")
    total = {"true": "oppfylt", "false": "ikke oppfylt"}.get(str(a["total_met"]).lower(), "kan ikke vises")
    display(Markdown(
        f"- nye styremedlemmer utnevnt av kommunen i {ctx.year}: **{a['new_members']}**, andel i målgruppen "
        f"**{pct(a['new_share_lbg2'])}** (mål {pct(a['new_target'], 0)}: {verdict})\\n"
        f"- alle kommunalt utnevnte styremedlemmer per 31. desember: **{a['members']}**, andel i målgruppen "
        f"**{pct(a['share_lbg2'])}** " + (f"(kravet på {pct(req['share'], 0)} gjelder fra {req['from_year']})"
        if ctx.year < req['from_year'] else f"(krav {pct(req['share'], 0)}: {total})") + "\\n\\n"
        f"«Ikke vist» betyr at tallet bygger på færre enn {ctx.min_cell} personer, eller at det er skjult for at et "
        "slikt tall ikke skal kunne regnes ut; «<5» i tabellene er 1–4 personer, «:» et tall skjult av samme grunn."))"""),
    code("""if have_boards:
    ctx.figure(bfig.department_shares(pub_bt, requirement_share=req["share"],
                                      title=f"Styremedlemmer i målgruppen per eiermiljø, {ctx.year}"),
               "styrer_eiermiljo",
               caption="Punkt: andelen i målgruppen med 95 % konfidensintervall. Grønn linje: målet for nye "
                       "styremedlemmer og kravet for alle. Eiermiljøer med skjulte tall er ikke tegnet.")"""),
    md("### Hva skal til for å nå kravet?"),
    code("""if have_boards:
    deadline = bd.requirement_deadline(ctx.year, ctx.params)
    term = bd.typical_term(seats)
    show_table(for_display(pub_bt), caption=f"Utnevnelser i målgruppen som trengs blant plasser som løper ut før {deadline:%d.%m.%Y}",
               columns={"owner_department": "Eiermiljø", "members": "Styremedlemmer", "members_lbg2": "I målgruppen",
                        "required_members_lbg2": f"Trengs ({pct(req['share'], 0)})",
                        "seats_expiring": "Plasser som løper ut", "seats_expiring_lbg2": "Av dem i målgruppen",
                        "appointments_needed": "Utnevnelser i målgruppen som trengs", "feasible": "Mulig"})
    display(Markdown(
        f"Tabellen viser hvor mange av plassene som løper ut før {deadline:%d.%m.%Y} som må gå til personer i "
        f"målgruppen for at minst {pct(req['share'], 0)} av de kommunalt utnevnte styremedlemmene skal ha denne "
        f"bakgrunnen på den datoen, hvis alle plassene fylles igjen og de andre medlemmene blir sittende. "
        f"«Mulig = nei» betyr at kravet ikke kan nås bare gjennom plassene som blir ledige. "
        + (f"Der en plass ikke har registrert sluttdato, er slutten anslått ut fra vanlig lengde på en periode i "
           f"dataene ({str(round(term.days / 365.25, 1)).replace('.', ',')} år), som om plassen fornyes med "
           "perioder av den lengden." if term is not None else
           "Ingen plasser har registrert sluttdato, så det er ikke mulig å si hvilke plasser som blir ledige.")))"""),
    md("### Kjønnsbalanse styre for styre"),
    code("""if have_boards:
    bg = bd.board_gender(seats, year=ctx.year)
    pub_bg = ctx.table(bg, bd.BOARD_GENDER_SPEC, show=False)
    show_table(for_display(pub_bg), caption=f"Kjønnsbalanse per styre, 31. desember {ctx.year}",
                       columns={"board_name": "Styre", "company_form": "Form", "owner_department": "Eiermiljø",
                                "members": "Medlemmer", "women": "Kvinner", "men": "Menn", "other_gender": "Annet/ukjent",
                                "required_min_each": "Minst av hvert kjønn", "compliant": "Oppfyller"})
    ctx.restricted_table(bd.board_composition(seats, year=ctx.year, focal=focal), bd.COMPOSITION_NAME)
    n_ok = int(bg["compliant"].sum())
    display(Markdown(
        f"{n_ok} av {len(bg)} styrer oppfyller minstekravet til hvert kjønn. Tallene for styrer med færre enn "
        f"{ctx.min_cell} medlemmer og alle antall under {ctx.min_cell} er skjult. Tabellen viser ikke bakgrunn styre for "
        "styre: i et lite, navngitt styre ville det avsløre bakgrunnen til enkeltpersoner. Den listen ligger bare i "
        "den skjermede delen av resultatene."))
    ctx.figure(bfig.gender_compliance(pub_bg, title="Styrer etter kjønnskravet"), "styrer_kjonn")"""),
    md("""**Styremedlemmer.** Bare plasser som kommunen har utnevnt (`appointed_by_municipality`), teller mot målene, og
varamedlemmer teller aldri. Nye styremedlemmer i et år er plasser med startdato i året som ikke er gjenvalg
(`reappointed` = nei). Alle styremedlemmer er plassene som er besatt 31. desember (startdato senest den dagen og ingen
sluttdato eller sluttdato samme dag eller senere). En person med flere rader i samme styre telles én gang i det styret;
en person i to styrer telles i begge. Andelene har 95 % Wilson-intervall. Kravet om at minst 20 % av alle kommunalt
utnevnte styremedlemmer skal være i målgruppen, gjelder fra året i parameterfilen (`board_total_requirement`); før det
står kravet tomt. Utnevnelser som trengs = kravet × medlemmer rundet opp minus medlemmene i målgruppen som blir
sittende, blant plassene som løper ut før første 31. desember kravet måles (31. desember i året kravet innføres, senere
31. desember året etter rapportåret). En plass uten registrert sluttdato antas å løpe i perioder av typisk lengde
(medianen av plassene i dataene som har sluttdato), regnet fra startdatoen.""", "metode"),
    md("""**Kjønnsbalanse.** Minstekravet følger selskapslovgivningen (f.eks. aksjeloven § 6-11 a): 2–3 medlemmer: begge kjønn;
4–5: minst to av hvert; 6–8: minst tre; 9: minst fire; flere enn 9: minst 40 % av hvert, rundet opp. Alle
styremedlemmer per 31. desember teller, også de som ikke er utnevnt av kommunen; varamedlemmer teller ikke. Medlemmer
med kjønn «annet» eller ukjent er vist for seg. Reglene for ansattevalgte og for varamedlemmer er ikke vurdert
særskilt.""", "metode"),
], mangfold={"requires": ["boards"], "topic": "styrer i kommunalt eide selskaper"})
print("ok")
