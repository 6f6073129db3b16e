-- The automatic examination's results, runs and reminders found by their "school_year" (issue 11):
-- their indexes follow the renamed field, which the migration's documents step writes. The
-- online services, the consents and the journeys in progress keep the indexes they had: no key
-- of theirs is renamed.
DROP INDEX "bourse_examens__ine__annee";
DROP INDEX "bourse_examens__uai__annee";
CREATE UNIQUE INDEX "bourse_examens__ine__school_year" ON "bourse_examens" ((doc->>'ine'), (doc->>'school_year'));
CREATE INDEX "bourse_examens__uai__school_year" ON "bourse_examens" ((doc->>'uai'), (doc->>'school_year'));

DROP INDEX "bourse_examen_runs__uai__annee";
CREATE UNIQUE INDEX "bourse_examen_runs__uai__school_year" ON "bourse_examen_runs" ((doc->>'uai'), (doc->>'school_year'));

DROP INDEX "bourse_relances__uai__annee";
CREATE UNIQUE INDEX "bourse_relances__uai__school_year" ON "bourse_relances" ((doc->>'uai'), (doc->>'school_year'));
