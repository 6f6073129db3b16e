-- The scholarship requests' keys in English (issue 11): their indexes follow the renamed fields
-- (the documents themselves are renamed by the migration's Python step, on both engines).
DROP INDEX "demandes_bourse__numero";
DROP INDEX "demandes_bourse__ine__annee";
DROP INDEX "demandes_bourse__uai__annee";
DROP INDEX "demandes_bourse__jeton";
CREATE UNIQUE INDEX "demandes_bourse__number" ON "demandes_bourse" ((doc->>'number'));
CREATE INDEX "demandes_bourse__ine__school_year" ON "demandes_bourse" ((doc->>'ine'), (doc->>'school_year'));
CREATE INDEX "demandes_bourse__uai__school_year" ON "demandes_bourse" ((doc->>'uai'), (doc->>'school_year'));
CREATE INDEX "demandes_bourse__token" ON "demandes_bourse" ((doc->>'token'));
