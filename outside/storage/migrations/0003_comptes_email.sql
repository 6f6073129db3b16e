-- « Identifiant oublié ? » finds the accounts of a confirmed address by the account's "email"
-- (records/recovery.py).
CREATE INDEX "comptes__email" ON "comptes" ((doc->>'email'));
