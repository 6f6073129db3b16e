-- The back office's list of a school's responsables, a page at a time (records/school.py): the
-- keys rules/family_list.py keeps on each record, ordered code point by code point ("C") as
-- Python compares them, then by id, so a page is read in the index's order.
CREATE INDEX "responsables__uai__tri_nom__tri_prenom" ON "responsables"
    ((doc->>'uai'), (doc->>'tri_nom') COLLATE "C", (doc->>'tri_prenom') COLLATE "C", id);
-- The responsables of a pupil, whose list keys change when it changes schools.
CREATE INDEX "responsables__eleves" ON "responsables" USING gin (teleservices_elements(doc->'eleves'))
    WITH (fastupdate = off);
