"""Writes the pipeline's own notebooks (summary, data quality, about/method)."""
from tools.nb import code, md, params_cell, write_notebook

write_notebook("notebooks/00-sammendrag.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import summary
from mangfold.publish import open_context
ctx = open_context(year, store, params, out)"""),
    md("## Sammendrag"),
    code("""display(Markdown(summary.introduction(ctx.params, ctx.year)))"""),
    code("""names = ["representation", "sector_targets", "board_targets", "funnel_disparity", "pilot_effects"]
key = summary.key_figures({n: ctx.public_table(n) for n in names}, ctx.params, ctx.year)
if len(key):
    ctx.table(key, summary.SPEC, columns={"indicator": "Nøkkeltall", "value": "Verdi", "target": "Mål",
                                          "status": "Status"})
else:
    display(Markdown("Ingen av analysedelene ga nøkkeltall for dette året."))"""),
])

write_notebook("notebooks/10-datakvalitet.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.analyses import quality
from mangfold.publish import open_context
ctx = open_context(year, store, params, out)"""),
    md("""## Datakvalitet og avvik

Alle rader i datagrunnlaget er enten brukt i analysene eller satt til side (i karantene) med en årsak. Rader som er
logisk selvmotsigende, for eksempel en søker som er tilsatt uten å være innstilt, blir satt til side og holdt utenfor
analysene. Listen over slike rader ligger i den skjermede delen av resultatene (`restricted/quarantine.csv`)."""),
    code("""rows = quality.rows_table(ctx.store)
ctx.table(rows, quality.ROWS_SPEC, columns={"table": "Tabell", "rows_read": "Lest", "rows_used": "Brukt",
                                            "rows_quarantined": "Satt til side"})
ok = bool((rows["rows_read"] == rows["rows_used"] + rows["rows_quarantined"]).all())
display(Markdown("Kontroll: lest = brukt + satt til side for alle tabeller: **" + ("ja" if ok else "NEI") + "**."))"""),
    code("""reasons = quality.quarantine_reasons(ctx.store)
if len(reasons):
    ctx.table(reasons, quality.REASONS_SPEC, columns={"table": "Tabell", "reason": "Årsak", "rows": "Rader"})
else:
    display(Markdown("Ingen rader ble satt til side."))"""),
    code("""absent = quality.missing_tables(ctx.store)
display(Markdown("**Valgfrie tabeller som mangler:** " + (", ".join(f"`{t}`" for t in absent) if absent else "ingen") + "."))"""),
    md("""### Søkere som ikke har oppgitt bakgrunn

I HR-systemets rekrutteringsmodul er det frivillig å oppgi innvandrerbakgrunn. Jo flere som lar feltet stå tomt, jo
mer usikre blir tallene for landbakgrunnsgruppe 2. Analysene av rekrutteringsprosessen viser derfor også grenser for
hva tallene kunne vært om alle som ikke oppga bakgrunn, hørte til den ene eller den andre gruppen."""),
    code("""und = quality.undeclared_background(ctx.store, ctx.year, alpha=ctx.params["alpha"])
ctx.table(und, quality.UNDECLARED_SPEC, columns={"position_level": "Stillingsnivå", "applications": "Søknader",
          "undeclared": "Ikke oppgitt", "share_undeclared": "Andel", "ci_low": "KI nedre", "ci_high": "KI øvre"})"""),
    md("""**Andeler og konfidensintervall.** Andeler er vist med 95 % Wilson-intervall (som R `prop.test(correct = FALSE)`),
som holder også når tallene er små.""", "metode"),
])

write_notebook("notebooks/95-om-rapporten.ipynb", [
    params_cell(),
    code("""from IPython.display import Markdown, display
from mangfold.publish import open_context
ctx = open_context(year, store, params, out)"""),
    md("""**Personvern og skjulte tall.** Innvandrerbakgrunn er en særlig kategori personopplysninger. Den publiserte
rapporten inneholder derfor ingen personnøkler og ingen lister over enkeltstillinger. Alle antall fra 1 til 4 personer
(grensen er `min_cell` i parameterfilen, standard 5) er skjult og vist som «<5», sammen med alle tall som er regnet ut
fra dem – også en andel som sammen med et synlig antall ville gitt et lite antall. Der et skjult tall ellers kunne vært
regnet ut fra summer, fra tall som står flere steder eller fra andre tabeller i rapporten, er også andre tall skjult og
vist som «:». Før rapporten publiseres, kontrolleres dette automatisk; ellers publiseres ingenting. Figurene er tegnet
fra de publiserte tabellene, slik at heller ikke de viser skjulte tall. De uskjulte tabellene ligger i den skjermede
delen av resultatene og publiseres aldri.""", "metode"),
    code("""display(Markdown(
    f"**Reproduserbarhet.** Rapporten er laget av `mangfold` fra parameterfilen og datagrunnlaget som er beskrevet i "
    f"`provenance.json` (sjekksummer for hver inndatafil, parametere, pakkeversjoner, git-versjon, frø "
    f"{ctx.params['seed']} og kjøretidspunkt). Samme data, parametere og frø gir de samme tabellene."))""", "metode"),
])
print("ok")
