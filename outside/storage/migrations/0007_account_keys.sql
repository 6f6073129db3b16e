-- The keys of the accounts, the staff and the identifiers given, in English (issue 11): their
-- indexes follow the renamed fields, which the migration's documents step writes.
DROP INDEX "comptes__identifiant_key";
CREATE UNIQUE INDEX "comptes__identifier_key" ON "comptes" ((doc->>'identifier_key'));
DROP INDEX "comptes__responsables";
CREATE INDEX "comptes__responsable_ids" ON "comptes" USING gin (teleservices_elements(doc->'responsable_ids'))
    WITH (fastupdate = off);

DROP INDEX "identifiants_utilises__identifiant";
CREATE UNIQUE INDEX "identifiants_utilises__identifier" ON "identifiants_utilises" ((doc->>'identifier'));

DROP INDEX "personnels__identifiant_key";
CREATE UNIQUE INDEX "personnels__identifier_key" ON "personnels" ((doc->>'identifier_key'));
